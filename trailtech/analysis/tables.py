"""What the analyses return: the public tables' columns, :class:`HikeRun`,
:class:`AnalysisSummary` and :class:`Tables`.

Each public table is a pandas DataFrame, one row per climb, descent, line-practice candidate or
repeated stretch, with the columns registered here (name, unit, meaning), the JSON keys of the
command-line contract first (``shared/design/cli-contract.md``; :data:`CONTRACT_COLUMNS`),
then the extra columns the reports read. Internal row indices never appear in them.

This module is the analysis side of the contract; :mod:`trailtech.result` projects it to JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..timeline import Column, Timeline

__all__ = [
    "CLIMB_COLUMNS",
    "DESCENT_COLUMNS",
    "LINE_PRACTICE_COLUMNS",
    "REPEAT_COLUMNS",
    "FLAG_TABLE_COLUMNS",
    "CONTRACT_COLUMNS",
    "empty_table",
    "time_at",
    "HikeRun",
    "AnalysisSummary",
    "Tables",
]


def _c(name: str, unit: str, doc: str, kind: str = "float") -> Column:
    return Column(name, unit, kind, doc)


#: Columns of ``climbs`` (the first nine are the contract's).
CLIMB_COLUMNS: tuple[Column, ...] = (
    _c("start_m", "m", "distance along the track where the climb starts"),
    _c("end_m", "m", "distance where it ends"),
    _c("start_time", "UTC", "when the runner started it", "datetime"),
    _c("length_m", "m", "horizontal length"),
    _c("gain_m", "m", "elevation gained (profile, end minus start)"),
    _c("avg_grade_pct", "%", "mean grade, 100·gain/length"),
    _c("hike_fraction", "-", "share of the moving time hiking, 0-1 (None without moving time)"),
    _c("hike_vam_m_per_h", "m/h", "vertical speed while hiking (None under 10 s of hiking)"),
    _c("run_vam_m_per_h", "m/h", "vertical speed while running (None under 10 s of running)"),
    _c("moving_time_s", "s", "moving time on the climb"),
)

#: Columns of ``descents`` (the first twenty-one are the contract's; 13-21 added by issue 14). The control score is
#: ``Σ points_*``; each ``score_*`` is its part in [0, 1] (science.md 3C, :mod:`.descent`).
DESCENT_COLUMNS: tuple[Column, ...] = (
    _c("start_m", "m", "distance along the track where the descent starts"),
    _c("end_m", "m", "distance where it ends"),
    _c("start_time", "UTC", "when the runner started it", "datetime"),
    _c("length_m", "m", "horizontal length"),
    _c("drop_m", "m", "elevation lost (positive)"),
    _c("avg_grade_pct", "%", "mean grade, -100·drop/length"),
    _c("control_score", "0-100", "descent control score (NaN when no part can be computed)"),
    _c("cadence_spm", "steps/min", "median running cadence on the descent (M1)"),
    _c("cadence_delta_spm", "steps/min", "cadence minus the runner's flat cadence (M1)"),
    _c("speed_cv", "-", "robust CV of the moving speed (M3)"),
    _c("braking_events", "-", "speed drops of at least config.braking_drop_mps (M4)", "int"),
    _c("technicality", "0-1", "technicality proxy T of the descent"),
    _c("control_parts", "-", "list of the parts the score was built from (empty: no score)", "object"),
    _c("not_measured", "-", "list of the parts the sampling at hand cannot measure", "object"),
    _c("walk_m", "m", "distance walked inside the descent (reported as walking, not judged as control)"),
    _c("pitches", "-", "list of the steep or technical pitches of >= pitch_min_length_m inside it, "
                        "each scored on its own (analysis.pitches.PITCH_KEYS) and read against the run's "
                        "other descents (reference_score ... history_weight)", "object"),
    _c("control_score_se", "points", "standard error of the control score from its parts' sampling error "
                                     "(analysis.descent.control_score_se); NaN without a score"),
    _c("reference_score", "0-100", "the runner's own usual score on descents of similar grade and technicality "
                                   "in this run, with a documented prior (analysis.reference)"),
    _c("vs_reference_points", "points", "control score minus reference_score (positive: better than usual)"),
    _c("history_pct", "0-100", "where the score sits among the runner's similar descents in this run "
                               "(None under one similar descent)"),
    _c("history_weight", "-", "how many similar descents the reference stands on (kernel weights)"),
    _c("cadence_cv", "-", "robust CV of the running cadence (M2)"),
    _c("braking_per_100m", "1/100 m", "braking events per 100 m (M4)"),
    _c("braking_work_j_per_kg_m", "J/kg/m", "kinetic energy thrown away per metre (M5)"),
    _c("braking_ratio", "-", "braking work over the potential energy released (M5)"),
    _c("stride_ratio", "-", "step length over the flat step length at a similar speed (M6)"),
    _c("speed_ratio", "-", "speed over the runner's grade-expected speed (M7)"),
    _c("speed_mps", "m/s", "median moving speed"),
    _c("score_cadence", "0-1", "part of the score: cadence versus flat, against the target band (weight 30)"),
    _c("score_cadence_cv", "0-1", "part of the score: cadence steadiness (weight 30)"),
    _c("score_stride", "0-1", "part of the score: step length against grade (weight 15)"),
    _c("score_braking", "0-1", "part of the score: few braking surges (weight 25; NaN when not measured)"),
    _c("points_cadence", "points", "points the cadence part adds to the score"),
    _c("points_cadence_cv", "points", "points the cadence-steadiness part adds"),
    _c("points_stride", "points", "points the stride part adds"),
    _c("points_braking", "points", "points the braking-surges part adds"),
    _c("score_renormalised", "-", "parts were missing and the weights rescaled", "bool"),
    _c("speed_shortfall", "-", "1 - speed / grade-expected speed (technicality component)"),
    _c("tortuosity_deg_per_m", "deg/m", "mean heading change per metre (technicality component)"),
    _c("time_lost_s", "s", "time lost against the grade-expected speed"),
    _c("braking_surges", "-", "speed drops beyond grade and noise with the cadence falling (score part)", "int"),
    _c("surges_per_100m", "1/100 m", "braking surges per 100 m"),
    _c("braking_threshold_mps", "m/s", "speed drop a braking surge needed (scaled to the speed noise)"),
    _c("sample_interval_s", "s", "interval of the samples behind the rows (estimated)"),
    _c("steepness", "-", "minus the mean grade (technicality component)"),
    _c("start_lat", "deg", "first position on the descent"),
    _c("start_lon", "deg", "first position on the descent"),
    _c("end_lat", "deg", "last position on the descent"),
    _c("end_lon", "deg", "last position on the descent"),
)

#: Columns of ``line_practice`` (the first fourteen are the contract's), then the descents'
#: other columns (a candidate is a descent or the most technical stretch of one).
LINE_PRACTICE_COLUMNS: tuple[Column, ...] = (
    _c("rank", "-", "1 = practise first (highest priority; equal priorities: most time lost)", "int"),
    _c("start_m", "m", "distance where the stretch starts"),
    _c("end_m", "m", "distance where it ends"),
    _c("start_lat", "deg", "start position"),
    _c("start_lon", "deg", "start position"),
    _c("end_lat", "deg", "end position"),
    _c("end_lon", "deg", "end position"),
    _c("length_m", "m", "horizontal length"),
    _c("drop_m", "m", "elevation lost"),
    _c("avg_grade_pct", "%", "mean grade"),
    _c("control_score", "0-100", "descent control score of the (last) pass"),
    _c("time_lost_s", "s", "time lost against the grade-expected speed"),
    _c("reasons", "-", "why to practise it, in the runner's words", "object"),
    _c("priority", "0-1", "practice priority: need x technical x steep x length, each a soft ramp (issue 14 item 7)"),
    _c("times_run", "-", "passes over this stretch in the session", "int"),
    _c("repeat_id", "-", "index of the repeated stretch it belongs to (NaN: none)"),
)
LINE_PRACTICE_COLUMNS += tuple(c for c in DESCENT_COLUMNS
                               if c.name not in {x.name for x in LINE_PRACTICE_COLUMNS})

#: Columns of ``repeats`` (the first six are the contract's).
REPEAT_COLUMNS: tuple[Column, ...] = (
    _c("start_m", "m", "start of the first pass"),
    _c("end_m", "m", "end of the first pass"),
    _c("length_m", "m", "length of the first pass"),
    _c("direction", "-", '"up", "down" or "flat"', "object"),
    _c("passes", "-", "list of {start_time, duration_s, control_score} in time order", "object"),
    _c("trend", "-", '"improving", "steady", "worse" or None (under three passes)', "object"),
    _c("n_passes", "-", "number of passes", "int"),
)

#: Columns of ``HikeRun.ran_should_hike`` and ``hiked_could_run`` (the first five are the
#: contract's).
FLAG_TABLE_COLUMNS: tuple[Column, ...] = (
    _c("start_m", "m", "start of the piece"),
    _c("end_m", "m", "end of the piece"),
    _c("avg_grade_pct", "%", "mean grade"),
    _c("run_vam_m_per_h", "m/h", "vertical speed running (observed, or the running model's)"),
    _c("hike_vam_m_per_h", "m/h", "vertical speed hiking (observed, or the hiking model's)"),
    _c("start_time_s", "s", "elapsed time at the start"),
    _c("duration_s", "s", "moving time"),
    _c("speed_mps", "m/s", "observed speed"),
    _c("model_speed_mps", "m/s", "the other gait's modelled speed"),
    _c("ratio", "-", "running over hiking speed (observed or modelled)"),
    _c("time_lost_s", "s", "time the other gait would have saved"),
    _c("verdict", "-", "the advice, in words", "object"),
    _c("reference", "-", '"measured" (the runner\'s own other gait nearby at that grade) or "predicted" (a model)', "object"),
)

_CONTRACT_SIZE = {"climbs": 9, "descents": 21, "line_practice": 14, "repeats": 6, "hike_run_flags": 5}
_TABLES = {"climbs": CLIMB_COLUMNS, "descents": DESCENT_COLUMNS,
           "line_practice": LINE_PRACTICE_COLUMNS, "repeats": REPEAT_COLUMNS,
           "hike_run_flags": FLAG_TABLE_COLUMNS}

#: The keys each table contributes to the JSON document, in contract order.
CONTRACT_COLUMNS: dict[str, list[str]] = {
    key: [c.name for c in cols[:_CONTRACT_SIZE[key]]] for key, cols in _TABLES.items()}


def empty_table(key: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty table with the contract columns of ``key`` and ``extra``."""
    return pd.DataFrame(columns=CONTRACT_COLUMNS[key] + list(extra))


def time_at(timeline: Timeline, i: int) -> pd.Timestamp:
    """Time of timeline row ``i`` as the tables hold it (tz-aware UTC; NaT outside)."""
    if 0 <= i < len(timeline):
        return pd.Timestamp(timeline.time[i]).tz_localize("UTC")
    return pd.NaT


@dataclass(frozen=True)
class HikeRun:
    """Hike-versus-run verdicts of one activity.

    Attributes
    ----------
    method : str
        ``"cadence"`` or ``"speed"`` (no cadence in the file).
    crossover_grade_pct : float or None
        The runner's own grade above which hiking climbs as fast as running [%].
    hike_time_s, run_time_s : float
        Moving time classified hiking / running [s].
    ran_should_hike, hiked_could_run : pandas.DataFrame
        Flagged stretches, :data:`FLAG_TABLE_COLUMNS`.
    bouts : pandas.DataFrame
        Every hike or run bout: gait, start_s, end_s (elapsed), start_m, end_m, duration_s,
        length_m, rise_m, avg_grade_pct, speed_mps, vam_m_per_h.
    climb_bouts : pandas.DataFrame
        The climbing pieces the crossover grade is fitted on: each hike or run bout on a
        climb cut into ~100 m pieces; gait, start_m, end_m, start_s, end_s, duration_s,
        length_m, avg_grade_pct, speed_mps, vam_m_per_h, segment (climb index).
    crossover_method : str or None
        How the crossover grade was found: ``"observed"`` (the runner hiked and ran at
        overlapping grades: lines through their climbing pieces meet), ``"model"`` (from
        their personal hiking and running speed models, science.md 2C), ``None`` (not found).
    gait_models : pandas.DataFrame
        With ``crossover_method == "model"``: the two models' vertical speeds on a grade grid,
        grade_pct, run_vam_m_per_h, hike_vam_m_per_h, run_speed_mps, hike_speed_mps
        (empty otherwise).
    crossover_ci_pct : tuple of float or None
        90 % bootstrap interval of the observed crossover grade [%].
    crossover_reason : str or None
        Why there is no crossover grade (a code of
        :data:`trailtech.analysis.gait.crossover.CROSSOVER_REASONS`), None when there is one.
    crossover_reason_grade_pct : float or None
        The grade the reason names [%] (steepest running, edge of the comparable grades).
    effort : ClimbingEffort or None
        Running against hiking at the same grades with heart rate
        (:class:`trailtech.analysis.gait.effort.ClimbingEffort`); None without heart rate or
        comparable grades.
    confidence : dict or None
        How sure the gait of the moving seconds is (issue 15): ``mean`` (0.5-1),
        ``confident_share`` (share of the moving time at 0.9 or more), ``uncertain_s``
        (moving time under 0.7) [s]; None when nothing moved.
    gait_confidence : numpy.ndarray or None
        Per timeline row, 0.5-1 (NaN where stopped).
    """

    method: str = "speed"
    crossover_grade_pct: Optional[float] = None
    hike_time_s: float = 0.0
    run_time_s: float = 0.0
    ran_should_hike: pd.DataFrame = field(default_factory=pd.DataFrame)
    hiked_could_run: pd.DataFrame = field(default_factory=pd.DataFrame)
    bouts: pd.DataFrame = field(default_factory=pd.DataFrame)
    climb_bouts: pd.DataFrame = field(default_factory=pd.DataFrame)
    crossover_method: Optional[str] = None
    gait_models: pd.DataFrame = field(default_factory=pd.DataFrame)
    crossover_ci_pct: Optional[tuple[float, float]] = None
    crossover_reason: Optional[str] = None
    crossover_reason_grade_pct: Optional[float] = None
    effort: Optional[Any] = None
    confidence: Optional[dict] = None
    gait_confidence: Optional[np.ndarray] = None


@dataclass(frozen=True)
class AnalysisSummary:
    """The activity-wide values the analyses produce (``None`` where unknown).

    Attributes
    ----------
    flat_cadence_spm : float or None
        The runner's running cadence on flat ground [steps/min].
    flat_cadence_grade_band_pct : float or None
        The |grade| band it was taken on [%] (wider than ``config.flat_grade_max`` when there
        was little flat running; None when grade was unknown or every band too sparse).
    hike_time_s, run_time_s : float
        Moving time hiking / running [s].
    technical_distance_m : float
        Length of the technical descents (T ≥ ``config.technical_threshold``, steeper than
        ``config.technical_max_grade``) [m].
    descent_control_score : float or None
        Length-weighted mean control score of the descents [0-100].
    gait_method : str
        ``"cadence"`` or ``"speed"``.
    walk_run_cadence_spm : float or None
        The walk/run cadence threshold used [steps/min] (None with the speed method).
    crossover_grade_pct : float or None
        Grade above which hiking climbs as fast as running [%].
    crossover_method : str or None
        ``"observed"``, ``"model"`` or None.
    """

    flat_cadence_spm: Optional[float] = None
    flat_cadence_grade_band_pct: Optional[float] = None
    hike_time_s: float = 0.0
    run_time_s: float = 0.0
    technical_distance_m: float = 0.0
    descent_control_score: Optional[float] = None
    gait_method: str = "speed"
    walk_run_cadence_spm: Optional[float] = None
    crossover_grade_pct: Optional[float] = None
    crossover_method: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        """The fields by name (the keys of ``Analysis.summary`` they fill)."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Tables:
    """Everything the analyses add to the prepared timeline and profile.

    Attributes
    ----------
    timeline : Timeline
        The input timeline with its gait classified (:meth:`Timeline.with_gait`).
    technicality : numpy.ndarray
        Technicality T per timeline row, 0-1, NaN off descents.
    climbs, descents, line_practice, repeats : pandas.DataFrame
        The tables, columns :data:`CLIMB_COLUMNS`, :data:`DESCENT_COLUMNS`,
        :data:`LINE_PRACTICE_COLUMNS`, :data:`REPEAT_COLUMNS` (empty tables keep the contract
        columns).
    hike_run : HikeRun
    summary : AnalysisSummary
    warnings : tuple of str
        Notes for the user, in the order the analyses made them.
    """

    timeline: Timeline
    technicality: np.ndarray
    climbs: pd.DataFrame
    descents: pd.DataFrame
    line_practice: pd.DataFrame
    repeats: pd.DataFrame
    hike_run: HikeRun
    summary: AnalysisSummary
    warnings: tuple[str, ...] = ()
