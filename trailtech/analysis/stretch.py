"""A stretch of the timeline judged as a descent: metrics, control score, technicality.

The descents, the line-practice windows and the passes of a descending repeat are all judged
by :func:`score_stretch`, against the runner's own :class:`~.baseline.RunningBaseline`.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing.stats import median
from ..timeline import GAIT_RUN, GAIT_STOP, Timeline
from . import descent as dsc
from . import terrain as tr
from .baseline import RunningBaseline, downhill_steadiness_cv
from .reference import REFERENCE_COLUMNS
from .tables import DESCENT_COLUMNS, time_at

__all__ = ["score_stretch", "pass_rows", "foot_share", "pass_control_score",
           "technicality_along_rows", "flat_stride_near_m", "running_rows", "steadiness_reference"]

#: Flat running rows a step-length reference is taken from: the nearest in speed [rows].
FLAT_STRIDE_NEAREST_ROWS = 60


def _none(x) -> Optional[float]:
    return None if x is None or not np.isfinite(x) else float(x)


def _has_elevation(timeline: Timeline) -> bool:
    return bool(np.count_nonzero(np.isfinite(timeline.elevation_m)) >= 2)


def running_rows(moving: np.ndarray, running: np.ndarray) -> np.ndarray:
    """The rows a stretch is judged on: the running rows, or every moving row when fewer than
    10 rows run (a hiked descent is judged on what there is). Every part of the score and the
    speed the flat step length is looked up at come from the same rows."""
    rn = np.asarray(running, bool) & np.asarray(moving, bool)
    return rn if rn.sum() >= 10 else np.asarray(moving, bool)


def flat_stride_near_m(baseline: RunningBaseline, speed_mps: float, *,
                       nearest_rows: int = FLAT_STRIDE_NEAREST_ROWS) -> Optional[float]:
    """The runner's flat step length at ``speed_mps``: median over the ``nearest_rows`` flat
    running rows closest in speed [m] (None without cadence, under 30 flat rows, or no speed).

    Step length grows with speed, so the reference must be taken at the stretch's own speed.
    Taking the nearest rows (rather than the rows within a fixed speed band, falling back to
    all rows when the band holds too few) moves the reference continuously with the speed:
    a band's cut-off flipped the stride part of one real descent from 0.32 to 1.00 when smart
    recording moved its median speed by 0.02 m/s (issue 14).
    """
    if not baseline.has_cadence or not np.isfinite(speed_mps):
        return None
    v, s = baseline.stride_speed_mps, baseline.stride_m
    ok = np.isfinite(v) & np.isfinite(s)
    if np.count_nonzero(ok) < 30:
        return None
    v, s = v[ok], s[ok]
    k = min(v.size, int(nearest_rows))
    near = np.argpartition(np.abs(v - speed_mps), k - 1)[:k]
    return float(median(s[near]))


def _recording_dense_share(timeline: Timeline, rows: slice, config: AnalysisConfig) -> float:
    """:func:`.descent.dense_share` of the recording over the stretch and 10 min either side."""
    pad = int(round(600.0 / config.time_grid_s))
    w = slice(max(0, rows.start - pad), min(len(timeline), rows.stop + pad))
    knots = dsc.sample_knots(timeline.cadence_spm[w], timeline.heart_rate_bpm[w])
    return dsc.dense_share(knots, config.max_braking_interval_s, dt_s=config.time_grid_s)


def distance_steps_m(timeline: Timeline, rows: slice) -> Optional[np.ndarray]:
    """Step per row of the distance stream the speed is differenced from [m] (NaN on the first
    row), or None when the speed is the device's own stream.

    With GPS distance, the steps of the cleaned positions (``x_m``/``y_m``, unsmoothed: the
    fixes as recorded, linearly interpolated between samples); with a device distance, the
    steps of ``distance_m``.
    """
    if timeline.speed_source != "distance":
        return None
    if timeline.distance_source == "gps":
        x, y = timeline.x_m[rows], timeline.y_m[rows]
        return np.r_[np.nan, np.hypot(np.diff(x), np.diff(y))]
    return np.r_[np.nan, np.diff(timeline.distance_m[rows])]


def steadiness_reference(timeline: Timeline, config: AnalysisConfig) -> float:
    """The runner's cadence steadiness on this run's downhill running
    (:func:`.baseline.downhill_steadiness_cv`); NaN without cadence or such running."""
    return downhill_steadiness_cv(timeline, config)


def score_stretch(timeline: Timeline, rows: slice, baseline: RunningBaseline, config: AnalysisConfig,
                  *, start_m: float, end_m: float, row_dt_s: np.ndarray) -> dict[str, Any]:
    """The descents-table row of timeline rows ``rows`` (start ``start_m``, end ``end_m``).

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    rows : slice
        The stretch's rows (``timeline.rows(start_m, end_m)``).
    baseline : RunningBaseline
        The runner's flat running in this activity.
    config : AnalysisConfig
        Braking and cadence-target settings.
    start_m, end_m : float
        The stretch on the distance axis [m].
    row_dt_s : array
        Time each timeline row stands for [s] (:func:`.gait.row_dt_s`).

    Returns
    -------
    dict
        The columns of :data:`~.tables.DESCENT_COLUMNS`.
    """
    cfg = config
    sl = rows
    d, h, v = timeline.distance_m, timeline.elevation_m, timeline.speed_mps
    has_elevation = _has_elevation(timeline)
    # Elevation rows are NaN across recording gaps: read the drop off the rows that have one,
    # so a gap at a descent's edge does not void its drop and grade.
    fin = np.isfinite(h) & np.isfinite(d)
    h0 = np.interp(start_m, d[fin], h[fin]) if has_elevation else np.nan
    h1 = np.interp(end_m, d[fin], h[fin]) if has_elevation else np.nan
    length = end_m - start_m
    drop = h0 - h1
    gait = timeline.gait[sl]
    mv = gait != GAIT_STOP
    cad = timeline.cadence_spm[sl] if baseline.has_cadence else None
    v_exp = None if baseline.expected_speed_mps is None else baseline.expected_speed_mps[sl]
    vs = v[sl]
    use = running_rows(mv, gait == GAIT_RUN)
    # The flat step length at the speed of the rows the stride is measured on (not the moving
    # median, which a walked stretch inside the descent pulls down).
    vuse = vs[use & np.isfinite(vs)]
    vrun = float(median(vuse)) if vuse.size else np.nan
    grade = timeline.grade_pct[sl] / 100.0
    m = dsc.descent_metrics(
        vs, cad, mv, gait == GAIT_RUN, length_m=length, drop_m=drop,
        flat_cadence_spm=_none(baseline.flat_cadence_spm), flat_stride_m=flat_stride_near_m(baseline, vrun),
        expected_speed_mps=v_exp, braking_drop_mps=cfg.braking_drop_mps,
        braking_window_samples=max(1, int(round(cfg.braking_window_s / cfg.time_grid_s))),
        grade=grade, heart_rate_bpm=timeline.heart_rate_bpm[sl],
        braking_cadence_drop_spm=cfg.braking_cadence_drop_spm,
        braking_noise_factor=cfg.braking_noise_factor, max_braking_interval_s=cfg.max_braking_interval_s,
        recording_dense_share=_recording_dense_share(timeline, sl, cfg),
        cadence_cv_reference=(None if cad is None else baseline.downhill_steadiness_cv
                              if baseline.downhill_steadiness_cv is not None else steadiness_reference(timeline, cfg)),
        cadence_cv_prior_rows=cfg.steadiness_prior_s / cfg.time_grid_s,
        distance_step_m=distance_steps_m(timeline, sl))
    comps = tr.technicality_components(vs, cad, v_exp, mv, timeline.x_m[sl], timeline.y_m[sl], d[sl],
                                       mean_grade=m.mean_grade)
    tech = tr.technicality(comps)
    cs = dsc.control_score(m, technicality=tech, technical_threshold=cfg.technical_threshold,
                           cadence_target_delta_spm=cfg.cadence_target_delta_spm,
                           max_braking_interval_s=cfg.max_braking_interval_s,
                           min_dense_share=cfg.braking_min_dense_share,
                           surges_good_per_100m=cfg.braking_surges_good_per_100m,
                           surges_poor_per_100m=cfg.braking_surges_poor_per_100m)
    time_lost = np.nan
    if v_exp is not None:
        ve, vv, dt = v_exp[mv], vs[mv], row_dt_s[sl][mv]
        ok = np.isfinite(ve) & (ve > 0) & np.isfinite(vv)
        if ok.any():
            time_lost = float(np.sum(dt[ok] * (1.0 - vv[ok] / ve[ok])))
    # Walking inside the descent is reported as walking (the score judges the running rows).
    walk = mv & (gait != GAIT_RUN)
    step = np.diff(d[sl.start:min(sl.stop + 1, d.size)])
    step = np.r_[step, np.zeros(gait.size - step.size)]
    walk_m = float(np.sum(step[walk]))
    lat, lon = timeline.lat_deg[sl], timeline.lon_deg[sl]
    okp = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    row = {
        "start_m": start_m, "end_m": end_m,
        "start_time": time_at(timeline, sl.start),
        "length_m": length, "drop_m": drop,
        "avg_grade_pct": -100.0 * drop / length if length > 0 else np.nan,
        "control_score": cs.score,
        "cadence_spm": m.cadence_spm, "cadence_delta_spm": m.cadence_delta_spm,
        "speed_cv": m.speed_cv, "braking_events": m.braking_events,
        "technicality": tech,
        # extra columns: the score's parts and what sits beside it
        "cadence_cv": m.cadence_cv, "braking_per_100m": m.braking_per_100m,
        "braking_work_j_per_kg_m": m.braking_work_j_per_kg_m,
        "braking_ratio": m.braking_ratio, "stride_ratio": m.stride_ratio,
        "speed_ratio": m.speed_ratio, "speed_mps": m.speed_mps,
        **cs.columns(),
        "speed_shortfall": comps["shortfall"], "tortuosity_deg_per_m": comps["tortuosity_deg_per_m"],
        "time_lost_s": time_lost,
        "braking_surges": m.braking_surges, "surges_per_100m": m.surges_per_100m,
        "braking_threshold_mps": m.braking_threshold_mps, "sample_interval_s": m.sample_interval_s,
        "walk_m": walk_m, "steepness": comps["steepness"],
        "start_lat": lat[okp[0]] if okp.size else np.nan, "start_lon": lon[okp[0]] if okp.size else np.nan,
        "end_lat": lat[okp[-1]] if okp.size else np.nan, "end_lon": lon[okp[-1]] if okp.size else np.nan,
        "pitches": [],  # filled for whole descents by .pitches.descent_pitches
        # filled for whole descents by .reference.personal_reference (run.py)
        **{k: np.nan for k in REFERENCE_COLUMNS},
    }
    return {c.name: row[c.name] for c in DESCENT_COLUMNS}


def pass_rows(timeline: Timeline, start_s: float, end_s: float) -> slice:
    """Timeline rows from elapsed time ``start_s`` to ``end_s`` [s], both included."""
    return slice(int(np.searchsorted(timeline.elapsed_s, start_s)),
                 int(np.searchsorted(timeline.elapsed_s, end_s, side="right")))


def foot_share(timeline: Timeline, rows: slice) -> float:
    """Share of ``rows`` on foot (1 for no rows)."""
    return float(timeline.on_foot[rows].mean()) if rows.stop > rows.start else 1.0


def pass_control_score(timeline: Timeline, start_s: float, end_s: float, baseline: RunningBaseline,
                       config: AnalysisConfig, *, row_dt_s: np.ndarray) -> Optional[float]:
    """Control score of the rows from ``start_s`` to ``end_s`` [s] (a pass of a descending
    repeat); None for under 5 rows, mostly off foot, or no score."""
    sl = pass_rows(timeline, start_s, end_s)
    i0, i1 = sl.start, sl.stop
    if i1 - i0 < 5 or foot_share(timeline, sl) < 0.5:
        return None
    d = timeline.distance_m
    row = score_stretch(timeline, sl, baseline, config, start_m=d[i0], end_m=d[i1 - 1], row_dt_s=row_dt_s)
    return _none(row["control_score"])


def technicality_along_rows(timeline: Timeline, pieces: list[slice],
                            baseline: RunningBaseline) -> np.ndarray:
    """Technicality T per timeline row over the rows ``pieces`` (each windowed on its own;
    where two overlap the later one's value stands), NaN elsewhere."""
    n = len(timeline)
    out = np.full(n, np.nan)
    if not pieces:
        return out
    d = timeline.distance_m
    # Heading change per metre along the whole track, mapped onto the rows (tortuosity).
    grid, turn = tr.heading_change_deg_per_m(timeline.x_m, timeline.y_m, d)
    turn_rows = np.interp(d, grid, turn) if turn.size else np.full(n, np.nan)
    along = tr.technicality_along_pieces(
        timeline.speed_mps, baseline.expected_speed_mps, timeline.gait != GAIT_STOP, turn_rows, pieces,
        grade=timeline.grade_pct / 100.0)
    k = 0
    for sl in pieces:
        out[sl] = along[k:k + sl.stop - sl.start]
        k += sl.stop - sl.start
    return out
