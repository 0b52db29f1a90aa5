"""Hike or run verdicts: where the runner's choice of gait cost time, and their crossover grade.

Science: ``science.md`` 2C.

* ``ran_should_hike``: running pieces on climbs of ≥ 10 % no faster than the runner's own
  hiking at that grade.
* ``hiked_could_run``: hiking pieces on gentle grades that the runner usually runs much faster.
* The crossover grade, where hiking climbs as fast as running: only where the runner hiked
  and ran comparable grades (:mod:`.crossover`), else a reason. The line and model estimates
  (:func:`crossover_grade`, :func:`crossover_from_models`) stay for comparison.

:func:`hike_run` puts them together for one activity.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import pandas as pd

from ...config import AnalysisConfig
from ...processing.gap import gap_factor
from ...processing.hiking import tobler_speed_mps
from ...processing.stats import tricube, weighted_median
from ...timeline import GAIT_HIKE, GAIT_RUN, Timeline
from ..tables import FLAG_TABLE_COLUMNS, HikeRun
from .crossover import Crossover, observed_crossover
from .effort import climbing_effort
from .bouts import bout_table, climb_pieces, piece_table, row_dt_s
from .models import SpeedModel, hiking_model, huber_line, running_model, speed_model

__all__ = [
    "crossover_grade",
    "model_crossover_grade",
    "gait_model_curves",
    "crossover_from_models",
    "ran_should_hike",
    "hiked_could_run",
    "hike_run",
    "measured_reference",
    "FLAG_COLUMNS",
    "GAIT_MODEL_COLUMNS",
]

HIKE, RUN = "hike", "run"


def crossover_grade(
    blocks: pd.DataFrame,
    *,
    min_blocks: int = 3,
    min_spread: float = 0.03,
    window: float = 0.08,
    hike_window: float = 0.15,
    overlap: float = 0.03,
    max_extrapolation: float = 0.03,
    max_gap: float = 0.08,
    max_se: float = 0.05,
    iterations: int = 30,
) -> Optional[float]:
    """Grade where the runner's hiking climbs as fast as their running [fraction] (2C).

    Each gait's vertical speed (VAM) is fitted against grade with a robust straight line
    (Huber IRLS, weighted by each piece's duration when a ``duration_s`` column is given) and
    the crossover is where the two lines meet. VAM is not linear in grade over a whole run
    (running VAM peaks on moderate climbs and, on very steep ground, collapses to a shuffle
    near hiking speed), so the lines are local to the crossover ``g``, one-sided like a
    boundary: running is fitted on its pieces from ``g - window`` to ``g + overlap``, hiking
    on its pieces from ``g - overlap`` to ``g + window``. Starting from the midpoint between
    the upper quartile of running pieces' grades and the lower quartile of hiking
    pieces' grades, ``g`` is refitted until it settles.

    The answer must be backed by the data near it: the lines meet inside the band where the
    runner switches gait -- the grades where both gaits were seen inside the windows, or, for
    a runner who switches cleanly at one grade, the gap between the steepest running and the
    gentlest hiking (at most ``max_gap`` wide) -- or at most ``max_extrapolation`` beyond it;
    and hiking VAM must rise with grade faster than running VAM there (else the lines cross
    the wrong way round).

    Parameters
    ----------
    blocks : DataFrame
        Climbing pieces: ``gait`` (``"hike"``/``"run"``), ``grade`` [fraction],
        ``vam_m_per_h`` [m/h], optionally ``duration_s`` [s] (weights).
    min_blocks : int
        Pieces of each gait needed inside its window.
    min_spread : float
        Grade range each gait's pieces must span inside its window [fraction].
    window : float
        How far from the crossover a gait's pieces are used on its own side [fraction].
    overlap : float
        How far past the crossover a gait's pieces are still used [fraction].
    max_extrapolation : float
        How far beyond the switching band the lines may meet [fraction].
    max_gap : float
        Widest gap between the steepest running and the gentlest hiking that a crossover
        is still read across [fraction].
    max_se : float
        Largest standard error of the crossover (delta method from the two robust fits)
        still reported [fraction].
    iterations : int
        Refits of the local lines (the answer must settle within them).

    Returns
    -------
    float or None
        ``None`` when either gait has too few pieces, the lines do not cross the right way
        round, or they would meet away from where the runner switches gait.
    """
    need = {"gait", "grade", "vam_m_per_h"}
    if blocks is None or len(blocks) == 0 or not need <= set(blocks.columns):
        return None
    gait = blocks["gait"].to_numpy(dtype=object)
    x_all = pd.to_numeric(blocks["grade"], errors="coerce").to_numpy(dtype=float)
    y_all = pd.to_numeric(blocks["vam_m_per_h"], errors="coerce").to_numpy(dtype=float)
    if "duration_s" in blocks:
        w_all = pd.to_numeric(blocks["duration_s"], errors="coerce").to_numpy(dtype=float)
    else:
        w_all = np.ones(x_all.size)
    ok = np.isfinite(x_all) & np.isfinite(y_all) & np.isfinite(w_all) & (w_all > 0) & (x_all > 0)
    data = {gk: (x_all[ok & (gait == gk)], y_all[ok & (gait == gk)], w_all[ok & (gait == gk)])
            for gk in (HIKE, RUN)}
    if min(data[HIKE][0].size, data[RUN][0].size) < min_blocks:
        return None

    def fit(g: float):
        return _local_lines(data, g, windows=((HIKE, g - overlap, g + hike_window),
                                              (RUN, g - window, g + overlap)),
                            min_blocks=min_blocks, min_spread=min_spread)

    # Pieces are ~equal stretches of trail: each counts once for where the gaits are seen.
    g = 0.5 * (float(np.quantile(data[RUN][0], 0.75)) + float(np.quantile(data[HIKE][0], 0.25)))
    fits = None
    for _ in range(iterations):
        fits = fit(g)
        if fits is None:
            return None
        (bh, ah), (br, ar) = fits[HIKE][0], fits[RUN][0]
        if not bh > br:  # hiking must gain VAM with grade faster than running does
            return None
        g_new = float((ar - ah) / (bh - br))
        if not (0.0 < g_new < 0.6):
            return None
        done = abs(g_new - g) < 2e-4
        # Damped: half a step at a time, so the windows cannot flip between two states;
        # once settled, the answer is where the last lines meet.
        g = g_new if done else 0.5 * (g + g_new)
        if done:
            break
    if not done:
        return None
    return float(g) if _backed(fits, g, max_se=max_se, max_gap=max_gap,
                               max_extrapolation=max_extrapolation) else None


def _local_lines(data: dict, g: float, *, windows: tuple, min_blocks: int, min_spread: float
                 ) -> Optional[dict]:
    """Each gait's robust line of VAM against grade over its window around ``g``
    (:func:`crossover_grade`): per gait, (coefficients, covariance, lowest grade, highest
    grade); None when a gait has too few pieces or too narrow a spread of grades there."""
    out = {}
    for gk, lo, hi in windows:
        x, y, w = data[gk]
        sel = (x >= lo) & (x <= hi)
        if sel.sum() < min_blocks or np.ptp(x[sel]) < min_spread:
            return None
        # Tricube kernel around g: pieces near the crossover speak loudest.
        u = np.abs(x[sel] - g) / (max(g - lo, hi - g) + 1e-9)
        k = tricube(u) + 0.05
        out[gk] = (*huber_line(x[sel], y[sel], w[sel] * k), x[sel].min(), x[sel].max())
    return out


def _backed(fits: dict, g: float, *, max_se: float, max_gap: float, max_extrapolation: float) -> bool:
    """Whether the crossover ``g`` of the local lines ``fits`` is precise enough and lies where
    the runner switches gait (:func:`crossover_grade`)."""
    # Standard error of the crossover (delta method): the spread of the gap between the two
    # lines at g, over how fast that gap closes with grade.
    v = np.array([g, 1.0])
    var_gap = float(v @ fits[RUN][1] @ v + v @ fits[HIKE][1] @ v)
    if not np.sqrt(max(var_gap, 0.0)) / (fits[HIKE][0][0] - fits[RUN][0][0]) <= max_se:
        return False
    # The switching band: where both gaits were seen, or the gap between them.
    (_, _, r_lo, r_hi), (_, _, h_lo, h_hi) = fits[RUN], fits[HIKE]
    lo_b, hi_b = max(r_lo, h_lo), min(r_hi, h_hi)
    if lo_b > hi_b:
        if lo_b - hi_b > max_gap:
            return False
        lo_b, hi_b = hi_b, lo_b
    return bool(lo_b - max_extrapolation <= g <= hi_b + max_extrapolation)


def model_crossover_grade(hike_model: Callable, run_model: Callable, *, lo: float = 0.05,
                          hi: float = 0.45, step: float = 0.001) -> Optional[float]:
    """First grade in ``[lo, hi]`` where the hiking model climbs as fast as the running model.

    At one grade vertical speed is speed × grade, so equal vertical speed is equal speed.
    Running must be the faster gait at ``lo`` (else hiking wins everywhere searched: no
    crossover to speak of); the crossing is located on a ``step`` grid and refined linearly.

    Returns
    -------
    float or None
        [fraction]; ``None`` when running stays faster up to ``hi`` or is slower from ``lo``.
    """
    if not (0 < lo < hi) or not step > 0:
        raise ValueError(f"need 0 < lo < hi and step > 0, got lo={lo}, hi={hi}, step={step}")
    g = np.arange(lo, hi + step / 2, step)
    diff = np.asarray(run_model(g), float) - np.asarray(hike_model(g), float)
    if not np.all(np.isfinite(diff)) or not diff[0] > 0:
        return None
    below = np.flatnonzero(diff <= 0)
    if below.size == 0:
        return None
    i = int(below[0])
    return float(g[i - 1] + step * diff[i - 1] / (diff[i - 1] - diff[i]))


#: Columns of :func:`gait_model_curves` (``HikeRun.gait_models``).
GAIT_MODEL_COLUMNS = ["grade_pct", "run_vam_m_per_h", "hike_vam_m_per_h",
                      "run_speed_mps", "hike_speed_mps"]


def gait_model_curves(hike_model: Callable, run_model: Callable, *, lo: float = 0.0,
                      hi: float = 0.45, step: float = 0.005) -> pd.DataFrame:
    """Vertical speed of each gait model on a grade grid (what the report draws).

    Returns
    -------
    DataFrame with :data:`GAIT_MODEL_COLUMNS` (grade in [%], VAM in [m/h]).
    """
    g = np.arange(lo, hi + step / 2, step)
    vr = np.asarray(run_model(g), float)
    vh = np.asarray(hike_model(g), float)
    return pd.DataFrame({"grade_pct": 100.0 * g, "run_vam_m_per_h": vr * g * 3600.0,
                         "hike_vam_m_per_h": vh * g * 3600.0, "run_speed_mps": vr,
                         "hike_speed_mps": vh})


def crossover_from_models(
    pieces: pd.DataFrame,
    *,
    prior_tobler_scale: float = 1.3,
    gap_model: str = "strava2017",
    min_run_s: float = 180.0,
    min_hike_s: float = 180.0,
    min_run_grade: float = 0.03,
    lo: float = 0.05,
    hi: float = 0.45,
) -> tuple[Optional[float], pd.DataFrame]:
    """Crossover grade from the runner's own hiking and running models (2C), for when the
    runner never hiked and ran at the same grades.

    Parameters
    ----------
    pieces : DataFrame
        :func:`climb_pieces` output: gait, avg_grade_pct [%], speed_mps, duration_s.
    prior_tobler_scale : float
        Hiking prior ``k`` (:func:`hiking_model`).
    gap_model : str
        GAP factor of the running model (:func:`running_model`).
    min_run_s, min_hike_s : float
        Running on climbs of at least ``min_run_grade`` and hiking on climbs the models need
        before they speak [s].
    min_run_grade : float
        Flatter running pieces are left out of the running model [fraction].
    lo, hi : float
        Grades searched [fraction].

    Returns
    -------
    crossover : float or None
        [fraction].
    curves : DataFrame
        :func:`gait_model_curves` of the two models (empty when either lacks data).
    """
    empty = pd.DataFrame(columns=GAIT_MODEL_COLUMNS)
    need = {"gait", "avg_grade_pct", "speed_mps", "duration_s"}
    if pieces is None or len(pieces) == 0 or not need <= set(pieces.columns):
        return None, empty
    gait = pieces["gait"].to_numpy(dtype=object)
    g = pd.to_numeric(pieces["avg_grade_pct"], errors="coerce").to_numpy(float) / 100.0
    v = pd.to_numeric(pieces["speed_mps"], errors="coerce").to_numpy(float)
    w = pd.to_numeric(pieces["duration_s"], errors="coerce").to_numpy(float)
    ok = np.isfinite(g) & np.isfinite(v) & np.isfinite(w) & (v > 0) & (w > 0) & (g > 0)
    run = ok & (gait == RUN) & (g >= min_run_grade)
    hike = ok & (gait == HIKE)
    if w[run].sum() < min_run_s or w[hike].sum() < min_hike_s:
        return None, empty
    hm = hiking_model(g[hike], v[hike], w[hike], prior_tobler_scale=prior_tobler_scale)
    rm = running_model(g[run], v[run], w[run], gap_model=gap_model)
    return model_crossover_grade(hm, rm, lo=lo, hi=hi), gait_model_curves(hm, rm, hi=hi)


#: Columns of :func:`ran_should_hike` and :func:`hiked_could_run`.
FLAG_COLUMNS = [c.name for c in FLAG_TABLE_COLUMNS]


def ran_should_hike(
    pieces: pd.DataFrame,
    hike_model: SpeedModel,
    climb_duration_s: np.ndarray,
    *,
    min_bout_s: float = 30.0,
    min_grade: float = 0.10,
    should_hike_ratio: float = 1.05,
    marginal_ratio: float = 1.15,
    hike_favoured_grade: float = 0.28,
    long_climb_s: float = 300.0,
) -> pd.DataFrame:
    """Running bouts on climbs that were no faster than the runner's own hiking (2C steps 2-3).

    Parameters
    ----------
    pieces : DataFrame
        :func:`piece_table` output (bouts cut to climbs).
    hike_model : SpeedModel
        The runner's hiking speed by grade.
    climb_duration_s : array
        Moving time of each climb, indexed by ``pieces.segment`` [s].
    min_bout_s, min_grade : float
        Running pieces shorter [s] or flatter [fraction] than this are not judged.
    should_hike_ratio : float
        ``R = v_run / v_hike`` at or below this: running bought no speed.
    marginal_ratio : float
        ``R`` up to this is flagged on long climbs (over ``long_climb_s``) or above
        ``hike_favoured_grade``, where hiking is cheaper (Giovanelli 2016).

    Returns
    -------
    DataFrame with :data:`FLAG_COLUMNS`; ``time_lost_s`` is ``duration·(1 - R)`` (negative:
    seconds running bought).
    """
    p = pieces[(pieces["gait"] == RUN) & (pieces["duration_s"] >= min_bout_s)
               & (pieces["avg_grade_pct"] >= 100 * min_grade)]
    if len(p) == 0:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    g = p["avg_grade_pct"].to_numpy(float) / 100.0
    v = p["speed_mps"].to_numpy(float)
    vh = hike_model(g)
    ratio = v / vh
    long_climb = np.asarray(climb_duration_s, float)[p["segment"].to_numpy(int)] > long_climb_s
    steep = g >= hike_favoured_grade
    flag = (ratio <= should_hike_ratio) | ((ratio <= marginal_ratio) & (long_climb | steep))
    verdict = np.where(ratio <= should_hike_ratio, "hike: running bought no speed",
                       np.where(steep, "hike: hiking is cheaper this steep",
                                "marginal: hike to save energy on a long climb"))
    out = pd.DataFrame({
        "start_m": p["start_m"].to_numpy(float), "end_m": p["end_m"].to_numpy(float),
        "avg_grade_pct": 100 * g, "run_vam_m_per_h": p["vam_m_per_h"].to_numpy(float),
        "hike_vam_m_per_h": vh * g * 3600.0, "start_time_s": p["start_s"].to_numpy(float),
        "duration_s": p["duration_s"].to_numpy(float), "speed_mps": v, "model_speed_mps": vh,
        "ratio": ratio, "time_lost_s": p["duration_s"].to_numpy(float) * (1 - ratio),
        "verdict": verdict, "reference": "predicted",
    })
    return out[flag].reset_index(drop=True)


def hiked_could_run(
    pieces: pd.DataFrame,
    run_model: SpeedModel,
    *,
    min_bout_s: float = 30.0,
    max_grade: float = 0.12,
    could_run_ratio: float = 1.25,
) -> pd.DataFrame:
    """Hiking bouts on gentle climbs where the runner's own running is much faster (2C step 4).

    Parameters
    ----------
    pieces : DataFrame
        :func:`piece_table` output.
    run_model : SpeedModel
        The runner's running speed by grade.
    min_bout_s : float
        Shorter hiking pieces are not judged [s].
    max_grade : float
        Only pieces flatter than this are judged [fraction].
    could_run_ratio : float
        Flag when ``v_run_model / v_hike > could_run_ratio``.

    Returns
    -------
    DataFrame with :data:`FLAG_COLUMNS`; ``time_lost_s = duration·(1 - v_hike/v_run)``.
    """
    p = pieces[(pieces["gait"] == HIKE) & (pieces["duration_s"] >= min_bout_s)
               & (pieces["avg_grade_pct"] < 100 * max_grade) & (pieces["avg_grade_pct"] > 0)]
    if len(p) == 0:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    g = p["avg_grade_pct"].to_numpy(float) / 100.0
    v = p["speed_mps"].to_numpy(float)
    vr = run_model(g)
    ratio = vr / v
    out = pd.DataFrame({
        "start_m": p["start_m"].to_numpy(float), "end_m": p["end_m"].to_numpy(float),
        "avg_grade_pct": 100 * g, "run_vam_m_per_h": vr * g * 3600.0,
        "hike_vam_m_per_h": p["vam_m_per_h"].to_numpy(float),
        "start_time_s": p["start_s"].to_numpy(float),
        "duration_s": p["duration_s"].to_numpy(float), "speed_mps": v, "model_speed_mps": vr,
        "ratio": ratio, "time_lost_s": p["duration_s"].to_numpy(float) * (1 - 1 / ratio),
        "verdict": "run: you usually run this grade much faster", "reference": "predicted",
    })
    return out[ratio > could_run_ratio].reset_index(drop=True)


def _climb_ids(n: int, climb_rows: list[slice]) -> np.ndarray:
    """Index of the climb each timeline row lies on (-1 off climbs)."""
    seg_id = np.full(n, -1, int)
    for k, sl in enumerate(climb_rows):
        seg_id[sl] = k
    return seg_id


def _crossover(climb_bouts: pd.DataFrame, config: AnalysisConfig) -> Crossover:
    """The observed crossover grade of one activity (:func:`.crossover.observed_crossover`).

    Never from the speed models: the running model, extrapolated beyond the steepest grade
    run, put simulated runners' crossovers 3-10 points high (issue 15). No answer comes with
    its reason instead.
    """
    return observed_crossover(climb_bouts, bandwidth=config.crossover_bandwidth_grade,
                              fit_bandwidth=config.crossover_fit_bandwidth_grade,
                              min_pieces=config.crossover_min_pieces,
                              min_seconds=config.crossover_support_s,
                              max_ci=config.crossover_max_ci_grade)


def measured_reference(flags: pd.DataFrame, pieces: pd.DataFrame, other: str, *,
                       grade_window: float = 0.025, time_window_s: float = 3600.0,
                       min_pieces: int = 2, min_s: float = 120.0) -> np.ndarray:
    """The runner's own measured speed in the ``other`` gait near each flag [m/s] (NaN: none).

    Nearby means within ``grade_window`` of the flag's grade and ``time_window_s`` of its start
    in the same run, so a late flag in an ultra is compared with late, tired legs; the
    duration-weighted median of at least ``min_pieces`` climbing pieces and ``min_s`` seconds.
    """
    out = np.full(len(flags), np.nan)
    if len(flags) == 0 or pieces is None or len(pieces) == 0:
        return out
    o = pieces[pieces["gait"] == other]
    g = o["avg_grade_pct"].to_numpy(float) / 100.0
    t = o["start_s"].to_numpy(float)
    v = o["speed_mps"].to_numpy(float)
    w = o["duration_s"].to_numpy(float)
    for i, (fg, ft) in enumerate(zip(flags["avg_grade_pct"].to_numpy(float) / 100.0,
                                     flags["start_time_s"].to_numpy(float))):
        sel = (np.abs(g - fg) <= grade_window) & (np.abs(t - ft) <= time_window_s) & np.isfinite(v)
        if sel.sum() >= min_pieces and w[sel].sum() >= min_s:
            out[i] = weighted_median(v[sel], w[sel])
    return out


def _agree(flags: pd.DataFrame, kind: str, pieces: pd.DataFrame, climbs: Optional[pd.DataFrame],
           config: AnalysisConfig, segment_of: dict) -> pd.DataFrame:
    """Flags that agree with the data (issue 15).

    * Measured where possible: the other gait's speed is the runner's own, nearby
      (:func:`measured_reference`), and the flag stays only if that measurement still says
      so; otherwise the model's figure stands, labelled ``"predicted"``.
    * No flag shorter than ``flag_min_m`` and ``flag_min_s``.
    * No flag contradicts the climbs table: "ran, hiking as fast" is dropped on a climb where
      running measured a VAM more than ``marginal_hike_ratio`` times hiking's, "hiked, running clearly faster" on one where
      hiking measured at least running's VAM.
    """
    cfg = config
    if len(flags) == 0:
        out = flags.copy()
        out["reference"] = pd.Series(dtype=object)
        return out[FLAG_COLUMNS]
    f = flags.copy()
    other = HIKE if kind == "ran_should_hike" else RUN
    ref = measured_reference(f, pieces, other)
    measured = np.isfinite(ref)
    g = f["avg_grade_pct"].to_numpy(float) / 100.0
    v = f["speed_mps"].to_numpy(float)
    if kind == "ran_should_hike":
        ratio = np.where(measured, v / np.where(measured, ref, 1.0), f["ratio"].to_numpy(float))
        keep = ~measured | (ratio <= cfg.marginal_hike_ratio)
        f["hike_vam_m_per_h"] = np.where(measured, ref * g * 3600.0, f["hike_vam_m_per_h"].to_numpy(float))
        f["time_lost_s"] = f["duration_s"].to_numpy(float) * (1 - ratio)
    else:
        ratio = np.where(measured, ref / v, f["ratio"].to_numpy(float))
        keep = ~measured | (ratio > cfg.could_run_ratio)
        f["run_vam_m_per_h"] = np.where(measured, ref * g * 3600.0, f["run_vam_m_per_h"].to_numpy(float))
        f["time_lost_s"] = f["duration_s"].to_numpy(float) * (1 - 1 / ratio)
    f["model_speed_mps"] = np.where(measured, ref, f["model_speed_mps"].to_numpy(float))
    f["ratio"] = ratio
    f["reference"] = np.where(measured, "measured", "predicted")
    length = f["end_m"].to_numpy(float) - f["start_m"].to_numpy(float)
    keep &= (length >= cfg.flag_min_m) & (f["duration_s"].to_numpy(float) >= cfg.flag_min_s)
    if climbs is not None and len(climbs):
        # Each flag is one bout piece of piece_table: its climb by its start.
        seg = np.array([segment_of.get(x, -1) for x in f["start_m"].to_numpy(float)], int)
        keep &= seg >= 0
        seg = np.maximum(seg, 0)
        hv = climbs["hike_vam_m_per_h"].to_numpy(float)[seg]
        rv = climbs["run_vam_m_per_h"].to_numpy(float)[seg]
        both = np.isfinite(hv) & np.isfinite(rv)
        # VAMs of a whole climb mix grades: "ran, hiking as fast" contradicts the table only
        # where running climbed clearly faster there (beyond the marginal ratio).
        keep &= ~both | ((rv <= hv * cfg.marginal_hike_ratio) if kind == "ran_should_hike" else (hv < rv))
    return f.loc[keep, FLAG_COLUMNS].reset_index(drop=True)


def _confidence_summary(conf: Optional[np.ndarray], dt: np.ndarray) -> Optional[dict]:
    """Mean, share of moving time at 0.9 or more, and time under 0.7 of the gait confidence."""
    if conf is None:
        return None
    c = np.asarray(conf, float)
    ok = np.isfinite(c) & (dt > 0)
    if not ok.any():
        return None
    w = dt[ok]
    return {"mean": float(np.average(c[ok], weights=w)),
            "confident_share": float(w[c[ok] >= 0.9].sum() / w.sum()),
            "uncertain_s": float(w[c[ok] < 0.7].sum())}


def hike_run(timeline: Timeline, climb_rows: list[slice], climb_moving_time_s: np.ndarray,
             flat_speed_mps: float, method: str, config: AnalysisConfig,
             climbs: Optional[pd.DataFrame] = None,
             confidence: Optional[np.ndarray] = None) -> HikeRun:
    """The hike/run verdicts of one activity.

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    climb_rows : list of slice
        Timeline rows of each climb.
    climb_moving_time_s : array
        Moving time of each climb [s] (the climbs table's ``moving_time_s``).
    flat_speed_mps : float
        The runner's grade-adjusted flat running speed in this activity [m/s] (NaN when
        unknown: a typical easy trail pace, 2.8 m/s, stands in as the running prior).
    method : str
        How the gait was classified (``"cadence"`` or ``"speed"``).
    config : AnalysisConfig
    climbs : DataFrame, optional
        The climbs table (``hike_vam_m_per_h``, ``run_vam_m_per_h`` per climb): no flag
        contradicts it.
    confidence : array, optional
        How sure each row's gait is (:func:`.classification.gait_confidence`).

    Returns
    -------
    HikeRun
    """
    cfg = config
    code = timeline.gait
    t, d, h = timeline.elapsed_s, timeline.distance_m, timeline.elevation_m
    grade, speed = timeline.grade_pct / 100.0, timeline.speed_mps
    dt = row_dt_s(t)
    hike, run = code == GAIT_HIKE, code == GAIT_RUN
    k = cfg.hike_prior_tobler_scale
    hike_model = speed_model(grade[hike], speed[hike], dt[hike], lambda g: k * tobler_speed_mps(g),
                             gait="hike")
    v_prior = flat_speed_mps if np.isfinite(flat_speed_mps) else 2.8
    run_model = speed_model(grade[run], speed[run], dt[run],
                            lambda g: v_prior / gap_factor(g, model=cfg.gap_model), gait="run")
    seg_id = _climb_ids(len(timeline), climb_rows)
    pieces = piece_table(code, seg_id, t, d, h)
    should = ran_should_hike(
        pieces, hike_model, np.asarray(climb_moving_time_s, float), min_bout_s=cfg.judge_min_bout_s,
        min_grade=cfg.should_hike_min_grade, should_hike_ratio=cfg.should_hike_ratio,
        marginal_ratio=cfg.marginal_hike_ratio, hike_favoured_grade=cfg.hike_favoured_grade,
        long_climb_s=cfg.long_climb_s)
    could = hiked_could_run(pieces, run_model, min_bout_s=cfg.judge_min_bout_s,
                            max_grade=cfg.could_run_max_grade, could_run_ratio=cfg.could_run_ratio) \
        if run.any() else pd.DataFrame(columns=FLAG_COLUMNS)
    climb_bouts = climb_pieces(code, seg_id, t, d, h)
    segment_of = dict(zip(pieces["start_m"].to_numpy(float), pieces["segment"].to_numpy(int))) \
        if len(pieces) else {}
    should = _agree(should, "ran_should_hike", climb_bouts, climbs, cfg, segment_of)
    could = _agree(could, "hiked_could_run", climb_bouts, climbs, cfg, segment_of)
    if method == "speed":
        # Hiking was told from speed: both gaits' speeds are the two sides of that split, so
        # comparing them would only restate it (issue 15): "hiked, running was clearly faster"
        # says hiking was slow, and "ran, hiking was as fast" only marks running just above the
        # split. No flag, crossover or effort is given.
        cross, effort = Crossover(None, reason="no_cadence"), None
        could, should = could.iloc[0:0], should.iloc[0:0]
    else:
        cross = _crossover(climb_bouts, cfg)
        effort = climbing_effort(climb_bouts, t, timeline.heart_rate_bpm,
                                 bandwidth=cfg.crossover_bandwidth_grade,
                                 min_pieces=cfg.crossover_min_pieces, min_seconds=cfg.crossover_min_s)
    return HikeRun(
        method=method,
        crossover_grade_pct=None if cross.grade is None else 100.0 * cross.grade,
        crossover_method=None if cross.grade is None else "observed",
        gait_models=pd.DataFrame(columns=GAIT_MODEL_COLUMNS),
        crossover_ci_pct=None if cross.ci is None or cross.grade is None
        else (100.0 * cross.ci[0], 100.0 * cross.ci[1]),
        crossover_reason=cross.reason,
        crossover_reason_grade_pct=None if cross.reason_grade is None else 100.0 * cross.reason_grade,
        effort=effort,
        hike_time_s=float(np.sum(dt[hike])),
        run_time_s=float(np.sum(dt[run])),
        ran_should_hike=should,
        hiked_could_run=could,
        bouts=bout_table(code, t, d, h),
        climb_bouts=climb_bouts,
        confidence=_confidence_summary(confidence, dt),
        gait_confidence=None if confidence is None else np.asarray(confidence, float),
    )
