"""Run every terrain analysis over the prepared arrays: :func:`run_analyses` -> :class:`Tables`.

Order: climbs and descents on the distance grid → gait per timeline row → personal hike and
run speed models → climbs table and hike/run verdicts → descent metrics, control score and
technicality → line-practice candidates → repeated stretches. Every table is a DataFrame with
the contract columns of :data:`trailtech.result.CONTRACT_COLUMNS` (extra columns allowed), empty
tables included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..processing.gap import gap_factor
from ..processing.hiking import tobler_speed_mps
from ..processing.stats import median
from ..result import CONTRACT_COLUMNS, HikeRun
from . import descent as dsc
from . import gait as gt
from . import practice as pr
from . import repeats as rp
from . import terrain as tr
from .segments import climbs_and_descents

__all__ = ["Tables", "run_analyses"]


@dataclass(frozen=True)
class Tables:
    """Everything the analyses add to the prepared data (see docs/interfaces.md)."""

    climbs: pd.DataFrame
    descents: pd.DataFrame
    line_practice: pd.DataFrame
    repeats: pd.DataFrame
    hike_run: HikeRun
    gait: np.ndarray
    technicality: np.ndarray
    summary: dict
    warnings: tuple[str, ...]


def _col(df: pd.DataFrame, name: str, n: int, fill=np.nan) -> np.ndarray:
    if name in df:
        return df[name].to_numpy(dtype=float)
    return np.full(n, fill, dtype=float)


def _empty(key: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(columns=CONTRACT_COLUMNS[key] + list(extra))


def _none(x) -> Optional[float]:
    return None if x is None or not np.isfinite(x) else float(x)


class _Ctx:
    """Arrays of one activity shared by the analyses (built once)."""

    def __init__(self, timeline: pd.DataFrame, summary: dict, config: AnalysisConfig):
        n = len(timeline)
        self.n = n
        self.cfg = config
        self.time = timeline["time"] if "time" in timeline else pd.Series(pd.NaT, index=range(n))
        self.t = _col(timeline, "elapsed_s", n)
        self.d = _col(timeline, "distance_m", n)
        self.h = _col(timeline, "elevation_m", n)
        self.g = _col(timeline, "grade_pct", n) / 100.0
        self.v = _col(timeline, "speed_mps", n)
        self.c = _col(timeline, "cadence_spm", n)
        gap = timeline["gap"].to_numpy(bool) if "gap" in timeline else np.zeros(n, bool)
        mv = timeline["moving"].to_numpy(bool) if "moving" in timeline else np.isfinite(self.v)
        # Sessions not on foot (a triathlon's bike leg) are no terrain for a runner: their rows
        # count as not moving for every analysis (gait "stop", no segments, no score).
        self.on_foot = timeline["on_foot"].to_numpy(bool) if "on_foot" in timeline else np.ones(n, bool)
        self.moving = mv & ~gap & np.isfinite(self.v) & self.on_foot
        self.dt = gt._row_dt(self.t)
        self.lat = _col(timeline, "lat_deg", n)
        self.lon = _col(timeline, "lon_deg", n)
        from ..processing.geodesy import project_local

        self.x, self.y, _, _ = project_local(self.lat, self.lon)
        c_ok = np.isfinite(self.c) & (self.c > 0)
        self.has_cadence = bool(self.moving.any() and c_ok[self.moving].mean() >= 0.5)
        self.has_elevation = bool(np.isfinite(self.h).sum() >= 2)
        self.flat_cadence = _none(summary.get("flat_cadence_spm"))
        self.barometric = summary.get("elevation_source") == "barometric"
        # Heading change per metre along the whole track, mapped onto the rows (tortuosity).
        grid, turn = tr.heading_change_deg_per_m(self.x, self.y, self.d)
        self.turn = np.interp(self.d, grid, turn) if turn.size else np.full(n, np.nan)

    def set_gait(self, moving: np.ndarray, hike: np.ndarray) -> None:
        """Keep the gait of every row as boolean masks, and the flat running strides.

        The analyses ask "which rows ran / hiked" many times (every descent, every repeat
        pass); comparing an object array of labels costs far more than slicing a mask.

        Parameters
        ----------
        moving, hike : numpy.ndarray of bool
            :func:`~.gait.gait_masks`: rows hiking or running; per moving row, hiking.
        """
        self.is_stop = ~moving
        self.is_hike = np.zeros(self.n, dtype=bool)
        self.is_hike[moving] = hike
        self.is_run = moving & ~self.is_hike
        self.gait_code = np.where(self.is_hike, 1, np.where(moving, 2, 0)).astype(np.int8)
        # Flat running rows with a cadence: their speed [m/s] and stride (step) length [m].
        flat = self.is_run & (np.abs(np.nan_to_num(self.g, nan=1.0)) < self.cfg.flat_grade_max) \
            & np.isfinite(self.c) & (self.c > 0)
        fi = np.flatnonzero(flat)
        self.flat_v = self.v[fi]
        self.flat_stride = self.flat_v / (self.c[fi] / 60.0)

    def foot_share(self, i0: int, i1: int) -> float:
        """Share of timeline rows ``i0:i1`` that are on foot (1 for an empty range)."""
        return float(self.on_foot[i0:i1].mean()) if i1 > i0 else 1.0

    def rows(self, start_m: float, end_m: float) -> slice:
        """Timeline rows from distance ``start_m`` to ``end_m`` (inclusive)."""
        i0 = int(np.searchsorted(self.d, start_m, side="left"))
        i1 = int(np.searchsorted(self.d, end_m, side="right"))
        return slice(min(i0, self.n), max(min(i1, self.n), min(i0, self.n)))

    def time_at(self, i: int):
        if 0 <= i < self.n:
            return self.time.array[i]  # what .iloc[i] returns, without the indexing machinery
        return pd.NaT


def _gait(ctx: _Ctx, warnings: list[str]):
    cfg = ctx.cfg
    dwell = max(1, int(round(cfg.gait_dwell_s / cfg.time_grid_s)))
    majority = max(1, int(round(cfg.gait_majority_s / cfg.time_grid_s)))
    min_bout = max(1, int(round(cfg.gait_min_bout_s / cfg.time_grid_s)))
    if ctx.has_cadence:
        thr, _adaptive = gt.cadence_threshold(
            ctx.c, ctx.g, ctx.moving, default_spm=cfg.walk_run_cadence_spm,
            lo_spm=cfg.walk_run_clamp_lo_spm, hi_spm=cfg.walk_run_clamp_hi_spm)
        method = "cadence"
    else:
        thr, method = float("nan"), "speed"
        if ctx.on_foot.any():
            warnings.append("No cadence in this file: hike or run was judged from speed and grade "
                            "(method 'speed', less reliable than cadence).")
    mv, hike = gt.gait_masks(ctx.moving, ctx.v, ctx.g, ctx.c, threshold_spm=thr,
                             hysteresis_spm=cfg.gait_hysteresis_spm, dwell_samples=dwell,
                             majority_samples=majority, min_bout_samples=min_bout, method=method)
    ctx.set_gait(mv, hike)
    return gt.labels_from_masks(mv, hike), method, thr


def _segment_rows(ctx: _Ctx, segs: np.ndarray, pdist: np.ndarray) -> list[slice]:
    return [ctx.rows(pdist[a], pdist[b]) for a, b in segs]


def _gait_vam(ctx: _Ctx, sl: slice, is_gait: np.ndarray) -> Optional[float]:
    sel = is_gait[sl]
    tsum = float(np.sum(ctx.dt[sl][sel]))
    if tsum < 10:  # under 10 s of a gait says nothing about its climbing rate
        return None
    h = ctx.h[sl]
    dh = np.r_[np.diff(h), 0.0]
    rise = float(np.nansum(dh[sel]))
    return rise / tsum * 3600.0


def _climbs_table(ctx, climbs, profile) -> pd.DataFrame:
    pdist, ph = profile["distance_m"].to_numpy(float), profile["elevation_m"].to_numpy(float)
    rows = []
    for (a, b), sl in zip(climbs, _segment_rows(ctx, climbs, pdist)):
        length = pdist[b] - pdist[a]
        gain = ph[b] - ph[a]
        mt = float(np.sum(ctx.dt[sl][~ctx.is_stop[sl]]))
        ht = float(np.sum(ctx.dt[sl][ctx.is_hike[sl]]))
        rows.append({
            "start_m": pdist[a], "end_m": pdist[b], "start_time": ctx.time_at(sl.start),
            "length_m": length, "gain_m": gain, "avg_grade_pct": 100 * gain / length,
            "hike_fraction": ht / mt if mt > 0 else None,
            "hike_vam_m_per_h": _gait_vam(ctx, sl, ctx.is_hike),
            "run_vam_m_per_h": _gait_vam(ctx, sl, ctx.is_run),
            "moving_time_s": mt,
        })
    return pd.DataFrame(rows) if rows else _empty("climbs", ("moving_time_s",))


def _hike_run(ctx, climbs_rows: list[slice], climbs_df, method):
    cfg = ctx.cfg
    seg_id = np.full(ctx.n, -1, int)
    for k, sl in enumerate(climbs_rows):
        seg_id[sl] = k
    hike, run = ctx.is_hike, ctx.is_run
    k = cfg.hike_prior_tobler_scale
    hike_model = gt.speed_model(ctx.g[hike], ctx.v[hike], ctx.dt[hike], lambda g: k * tobler_speed_mps(g))
    v_flat = tr.flat_equivalent_speed_mps(ctx.v, ctx.g, run)
    v_prior = v_flat if np.isfinite(v_flat) else 2.8  # a typical easy trail pace when unknown
    run_model = gt.speed_model(ctx.g[run], ctx.v[run], ctx.dt[run],
                               lambda g: v_prior / gap_factor(g, model=cfg.gap_model))
    pieces = gt.piece_table(ctx.gait_code, seg_id, ctx.t, ctx.d, ctx.h)
    durations = climbs_df["moving_time_s"].to_numpy(float) if len(climbs_df) else np.zeros(0)
    should = gt.ran_should_hike(
        pieces, hike_model, durations, min_bout_s=cfg.judge_min_bout_s,
        min_grade=cfg.should_hike_min_grade, should_hike_ratio=cfg.should_hike_ratio,
        marginal_ratio=cfg.marginal_hike_ratio, hike_favoured_grade=cfg.hike_favoured_grade,
        long_climb_s=cfg.long_climb_s)
    could = gt.hiked_could_run(pieces, run_model, min_bout_s=cfg.judge_min_bout_s,
                               max_grade=cfg.could_run_max_grade, could_run_ratio=cfg.could_run_ratio) \
        if run.any() else pd.DataFrame(columns=gt.FLAG_COLUMNS)
    climb_bouts = gt.climb_pieces(ctx.gait_code, seg_id, ctx.t, ctx.d, ctx.h)
    cg = gt.crossover_grade(pd.DataFrame({
        "gait": climb_bouts["gait"].to_numpy(dtype=object),
        "grade": climb_bouts["avg_grade_pct"].to_numpy(float) / 100.0,
        "vam_m_per_h": climb_bouts["vam_m_per_h"].to_numpy(float),
        "duration_s": climb_bouts["duration_s"].to_numpy(float)}))
    # Runners rarely hike and run at the same grades: then the crossover comes from their
    # own hiking and running speed models (science.md 2C), and says so.
    cross_method = None if cg is None else "observed"
    gait_models = pd.DataFrame(columns=gt.GAIT_MODEL_COLUMNS)
    if cg is None:
        cg, curves = gt.crossover_from_models(climb_bouts, prior_tobler_scale=k,
                                              gap_model=cfg.gap_model)
        if cg is not None:
            cross_method, gait_models = "model", curves
    hr = HikeRun(
        method=method,
        crossover_grade_pct=None if cg is None else 100.0 * cg,
        crossover_method=cross_method,
        gait_models=gait_models,
        hike_time_s=float(np.sum(ctx.dt[hike])),
        run_time_s=float(np.sum(ctx.dt[run])),
        ran_should_hike=should,
        hiked_could_run=could,
        bouts=gt.bout_table(ctx.gait_code, ctx.t, ctx.d, ctx.h),
        climb_bouts=climb_bouts,
    )
    return hr, v_flat


def _flat_stride(ctx, speed: float) -> Optional[float]:
    """Median flat running stride [m] at speeds within 0.3 m/s of ``speed`` (all flat running
    when that is under 30 s); None without cadence or with under 30 s of flat running."""
    if not ctx.has_cadence:
        return None
    near = np.abs(ctx.flat_v - speed) <= 0.3
    stride = ctx.flat_stride[near] if np.count_nonzero(near) >= 30 else ctx.flat_stride
    if stride.size < 30:
        return None
    return float(median(stride))


def _stretch(ctx, sl: slice, v_exp, *, start_m, end_m) -> dict:
    """Metrics, control score and technicality of timeline rows ``sl``."""
    cfg = ctx.cfg
    h0 = np.interp(start_m, ctx.d, ctx.h) if ctx.has_elevation else np.nan
    h1 = np.interp(end_m, ctx.d, ctx.h) if ctx.has_elevation else np.nan
    length = end_m - start_m
    drop = h0 - h1
    mv = ctx.moving[sl]
    running = ctx.is_run[sl]
    cad = ctx.c[sl] if ctx.has_cadence else None
    vmed = float(median(ctx.v[sl][mv])) if mv.any() else np.nan
    m = dsc.descent_metrics(
        ctx.v[sl], cad, mv, running, length_m=length, drop_m=drop,
        flat_cadence_spm=ctx.flat_cadence, flat_stride_m=_flat_stride(ctx, vmed),
        expected_speed_mps=None if v_exp is None else v_exp[sl],
        braking_drop_mps=cfg.braking_drop_mps,
        braking_window_samples=max(1, int(round(cfg.braking_window_s / cfg.time_grid_s))))
    score, parts = dsc.control_score(m, braking_ratio_good=cfg.braking_ratio_good,
                                     braking_ratio_poor=cfg.braking_ratio_poor,
                                     cadence_delta_good_spm=cfg.cadence_target_delta_spm,
                                     cadence_delta_poor_spm=-cfg.cadence_target_delta_spm)
    comps = tr.technicality_components(ctx.v[sl], cad, None if v_exp is None else v_exp[sl], mv,
                                       ctx.x[sl], ctx.y[sl], ctx.d[sl])
    time_lost = np.nan
    if v_exp is not None:
        ve, vv, dt = v_exp[sl][mv], ctx.v[sl][mv], ctx.dt[sl][mv]
        ok = np.isfinite(ve) & (ve > 0) & np.isfinite(vv)
        if ok.any():
            time_lost = float(np.sum(dt[ok] * (1.0 - vv[ok] / ve[ok])))
    lat, lon = ctx.lat[sl], ctx.lon[sl]
    okp = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    return {
        "start_m": start_m, "end_m": end_m,
        "start_time": ctx.time_at(sl.start),
        "length_m": length, "drop_m": drop,
        "avg_grade_pct": -100.0 * drop / length if length > 0 else np.nan,
        "control_score": score,
        "cadence_spm": m["cadence_spm"], "cadence_delta_spm": m["cadence_delta_spm"],
        "speed_cv": m["speed_cv"], "braking_events": m["braking_events"],
        "technicality": tr.technicality(comps),
        # extra columns: the score's parts and what sits beside it
        "cadence_cv": m["cadence_cv"], "braking_per_100m": m["braking_per_100m"],
        "braking_work_j_per_kg_m": m["braking_work_j_per_kg_m"],
        "braking_ratio": m["braking_ratio"], "stride_ratio": m["stride_ratio"],
        "speed_ratio": m["speed_ratio"], "speed_mps": m["speed_mps"],
        **{k: parts[k] for k in ("s1", "s2", "s3", "s4", "s5")},
        **{c: parts[c] for c in dsc.POINT_COLUMNS.values()},
        "score_renormalised": parts["renormalised"],
        "speed_shortfall": comps["shortfall"], "tortuosity_deg_per_m": comps["tortuosity_deg_per_m"],
        "time_lost_s": time_lost,
        "start_lat": lat[okp[0]] if okp.size else np.nan, "start_lon": lon[okp[0]] if okp.size else np.nan,
        "end_lat": lat[okp[-1]] if okp.size else np.nan, "end_lon": lon[okp[-1]] if okp.size else np.nan,
        "row_start": sl.start, "row_stop": sl.stop,
    }


def _technicality_along(ctx, pieces: list[slice], v_exp) -> np.ndarray:
    """T per timeline row over the descents' rows ``pieces`` (each windowed on its own; where
    two overlap the later one's value stands), NaN elsewhere."""
    out = np.full(ctx.n, np.nan)
    if not pieces:
        return out
    along = tr.technicality_along_pieces(ctx.v, ctx.c if ctx.has_cadence else None, v_exp,
                                         ctx.moving, ctx.turn, pieces)
    k = 0
    for sl in pieces:
        out[sl] = along[k:k + sl.stop - sl.start]
        k += sl.stop - sl.start
    return out


def _latest_pass_of_each_repeat(stretches: pd.DataFrame) -> pd.DataFrame:
    """Keep only the last pass of every repeated stretch.

    A line the runner practised in this session is judged by where the practice left it: when
    the last pass flows (control at or above the practice threshold) the stretch is no longer a
    candidate, however rough the first pass was; otherwise the last pass says what is left to
    work on.
    """
    rid = stretches["repeat_id"].to_numpy(float)
    start = stretches["row_start"].to_numpy(float)
    keep = np.ones(len(stretches), dtype=bool)
    for k in np.unique(rid[np.isfinite(rid)]):
        idx = np.flatnonzero(rid == k)
        keep[idx[np.argsort(start[idx], kind="stable")][:-1]] = False
    return stretches[keep].reset_index(drop=True)


def run_analyses(timeline: pd.DataFrame, profile: pd.DataFrame, summary: dict,
                 config: Optional[AnalysisConfig] = None) -> Tables:
    """Run every terrain analysis of one activity.

    Parameters
    ----------
    timeline : DataFrame
        The 1 Hz processed samples (docs/interfaces.md "Prepared").
    profile : DataFrame
        The distance grid: distance_m, elevation_m, grade_pct, elapsed_s.
    summary : dict
        The pipeline summary (flat_cadence_spm is used).
    config : AnalysisConfig, optional

    Returns
    -------
    Tables
    """
    cfg = config or AnalysisConfig()
    warnings: list[str] = []
    ctx = _Ctx(timeline, summary, cfg)

    # --- segments on the distance grid
    pdist = _col(profile, "distance_m", len(profile))
    ph = _col(profile, "elevation_m", len(profile))
    pg = _col(profile, "grade_pct", len(profile)) / 100.0
    foot_mask = _profile_on_foot(ctx, pdist, warnings)
    if ctx.has_elevation and len(profile) >= 2 and np.isfinite(ph).any():
        climbs, descents = climbs_and_descents(pdist, ph, pg, cfg, mask=foot_mask)
    else:
        climbs = descents = np.empty((0, 2), int)
        warnings.append("No elevation in this file: no climbs or descents were analysed.")

    # --- gait
    labels, method, _thr = _gait(ctx, warnings)
    climb_rows = _segment_rows(ctx, climbs, pdist)
    climbs_df = _climbs_table(ctx, climbs, profile.assign(elevation_m=ph) if len(profile) else profile)
    hike_run, v_flat = _hike_run(ctx, climb_rows, climbs_df, method)
    v_exp = tr.expected_speed_mps(ctx.g, v_flat) if np.isfinite(v_flat) else None

    # --- descents: score, technicality
    drows = []
    along_rows = []
    for a, b in descents:
        sl = ctx.rows(pdist[a], pdist[b])
        drows.append(_stretch(ctx, sl, v_exp, start_m=pdist[a], end_m=pdist[b]))
        if sl.stop - sl.start >= 3:
            along_rows.append(sl)
    tech_along = _technicality_along(ctx, along_rows, v_exp)
    descents_df = pd.DataFrame(drows) if drows else _empty("descents")
    if drows and not ctx.has_cadence:
        warnings.append("No cadence in this file: descent control scores use speed steadiness "
                        "and braking only (weights renormalised over the available parts).")
    elif drows and ctx.flat_cadence is None:
        warnings.append("No flat-ground cadence baseline: descent control scores leave out the "
                        "cadence-versus-flat part (weights renormalised).")

    # --- line practice: whole descents, or the most technical stretch of a long one
    stretches = []
    for row in drows:
        if row["length_m"] > cfg.practice_max_length_m:
            s0, s1 = pr.best_window(ctx.d, tech_along, row["start_m"], row["end_m"],
                                    cfg.practice_max_length_m)
            stretches.append(_stretch(ctx, ctx.rows(s0, s1), v_exp, start_m=s0, end_m=s1))
        else:
            stretches.append(row)
    # --- repeats (before line practice: a stretch run several times is one candidate)
    repeats_df, found = _repeats(ctx, climbs, descents, pdist, v_exp, warnings)

    if stretches:
        st = pd.DataFrame(stretches)
        rep = [_repeat_of(ctx, r["row_start"], r["row_stop"], found) for r in stretches]
        st["times_run"] = [n for n, _ in rep]
        st["repeat_id"] = [k for _, k in rep]
        st = _latest_pass_of_each_repeat(st)
        line_practice = pr.merge_same_stretch(pr.select_candidates(
            st, min_length_m=cfg.practice_min_length_m,
            max_length_m=cfg.practice_max_length_m, max_grade=cfg.practice_max_grade,
            max_score=cfg.practice_max_score, technical_threshold=cfg.technical_threshold,
            quartile_floor=cfg.practice_quartile_floor), gate_radius_m=cfg.gate_radius_m)
    else:
        line_practice = _empty("line_practice")

    # --- summary
    scores = descents_df["control_score"].to_numpy(float) if len(descents_df) else np.zeros(0)
    lengths = descents_df["length_m"].to_numpy(float) if len(descents_df) else np.zeros(0)
    ok = np.isfinite(scores)
    dcs = float(np.sum(scores[ok] * lengths[ok]) / np.sum(lengths[ok])) if ok.any() else None
    tech_dist = 0.0
    if len(descents_df):
        t = descents_df["technicality"].to_numpy(float)
        gpc = descents_df["avg_grade_pct"].to_numpy(float)
        sel = (t >= cfg.technical_threshold) & (gpc <= 100 * cfg.technical_max_grade)
        tech_dist = float(np.sum(lengths[sel]))
    summary_out = {
        "hike_time_s": hike_run.hike_time_s,
        "run_time_s": hike_run.run_time_s,
        "technical_distance_m": tech_dist,
        "descent_control_score": dcs,
        "gait_method": method,
        "walk_run_cadence_spm": _none(_thr),
    }
    return Tables(
        climbs=climbs_df, descents=descents_df, line_practice=line_practice, repeats=repeats_df,
        hike_run=hike_run, gait=labels, technicality=tech_along, summary=summary_out,
        warnings=tuple(warnings),
    )


def _profile_on_foot(ctx: _Ctx, pdist: np.ndarray, warnings: list[str]) -> Optional[np.ndarray]:
    """Profile points on foot (None when the whole activity is), and the warning saying how
    much distance was left out."""
    if ctx.on_foot.all() or ctx.n == 0:
        return None
    step = np.diff(ctx.d, prepend=ctx.d[0])
    off_km = float(np.nansum(step[~ctx.on_foot])) / 1000.0
    warnings.append(
        f"{off_km:.1f} km of sessions not on foot (cycling, swimming ...) were left out of the "
        "terrain analyses: no climbs, descents, hike/run verdicts, control scores, line "
        "practice or repeats there."
    )
    idx = np.clip(np.searchsorted(ctx.d, pdist, side="left"), 0, ctx.n - 1)
    return ctx.on_foot[idx]


def _repeat_of(ctx, row_start: int, row_stop: int, found: list[dict]) -> tuple[int, float]:
    """(passes, index) of the descending repeat with a pass over timeline rows
    ``row_start:row_stop``; (1, NaN) when none."""
    if row_stop <= row_start:
        return 1, float("nan")
    t0, t1 = ctx.t[row_start], ctx.t[row_stop - 1]
    for k, f in enumerate(found):
        if f["direction"] != "down":
            continue
        for p in f["passes"]:
            a, b = p["start_s"], p["start_s"] + p["duration_s"]
            if min(b, t1) - max(a, t0) > 0.5 * (t1 - t0):
                return len(f["passes"]), float(k)
    return 1, float("nan")


def _repeats(ctx, climbs, descents, pdist, v_exp, warnings: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    """The repeats table and :func:`~.repeats.find_repeats`' entries (pass times in [s]);
    a note for the user goes to ``warnings``."""
    cfg = ctx.cfg
    path = rp.resample_path(ctx.x, ctx.y, ctx.d, ctx.h, ctx.t, step_m=cfg.distance_grid_m)
    if len(path.distance_m) < 3:
        return _empty("repeats"), []

    def to_path(a_m, b_m):
        return (int(np.clip(np.searchsorted(path.distance_m, a_m), 0, len(path.distance_m) - 1)),
                int(np.clip(np.searchsorted(path.distance_m, b_m), 0, len(path.distance_m) - 1)))

    refs = [(*to_path(pdist[a], pdist[b]), "down") for a, b in descents]
    refs += [(*to_path(pdist[a], pdist[b]), "up") for a, b in climbs]
    covered = np.zeros(len(path.distance_m), bool)
    for i0, i1, _ in refs:
        covered[i0:i1 + 1] = True
    path_rows = np.clip(np.searchsorted(ctx.d, path.distance_m, side="left"), 0, ctx.n - 1)
    path_foot = ctx.on_foot[path_rows]
    try:
        revisited = rp.revisited_stretches(path, min_length_m=cfg.repeat_min_length_m)
    except rp.TooManyRevisits as exc:
        revisited = np.empty((0, 2), int)
        warnings.append(
            "Repeated flat stretches were not searched: the track comes back to the same spots "
            f"far too often ({exc.candidates / 1e6:,.0f} million point pairs), which happens when "
            "the position stands still while the distance grows (a frozen GPS fix or damaged "
            "records). Climbs and descents were still compared.")
    for i0, i1 in revisited:
        # Only stretches not already a climb or descent reference, and on foot.
        if covered[i0:i1 + 1].mean() < 0.5 and path_foot[i0:i1 + 1].mean() >= 0.5:
            refs.append((int(i0), int(i1), "flat"))
    refs.sort(key=lambda r: path.elapsed_s[r[0]])

    def score_fn(t0: float, t1: float) -> Optional[float]:
        i0 = int(np.searchsorted(ctx.t, t0))
        i1 = int(np.searchsorted(ctx.t, t1, side="right"))
        if i1 - i0 < 5 or ctx.foot_share(i0, i1) < 0.5:
            return None
        row = _stretch(ctx, slice(i0, i1), v_exp, start_m=ctx.d[i0], end_m=ctx.d[i1 - 1])
        return _none(row["control_score"])

    found = rp.find_repeats(
        path, refs, score_fn=score_fn, gate_radius_m=cfg.gate_radius_m, corridor_m=cfg.corridor_m,
        length_ratio=(cfg.repeat_length_ratio_min, cfg.repeat_length_ratio_max),
        hausdorff_max_m=cfg.hausdorff_max_m, hausdorff_p95_max_m=cfg.hausdorff_p95_max_m,
        frechet_max_m=cfg.frechet_max_m, elevation_gates=ctx.barometric)
    if not ctx.on_foot.all():
        found = _foot_passes(ctx, found)
    if not found:
        return _empty("repeats"), []
    t0 = ctx.time.iloc[0] if ctx.n else pd.NaT
    rows = []
    for f in found:
        passes = [{"start_time": t0 + pd.to_timedelta(p["start_s"] - ctx.t[0], unit="s"),
                   "duration_s": p["duration_s"], "control_score": p["control_score"]}
                  for p in f["passes"]]
        rows.append({**{k: f[k] for k in ("start_m", "end_m", "length_m", "direction", "trend")},
                     "passes": passes, "n_passes": len(passes)})
    return pd.DataFrame(rows)[CONTRACT_COLUMNS["repeats"] + ["n_passes"]], found


def _foot_passes(ctx, found: list[dict]) -> list[dict]:
    """Repeats without the passes made off foot (the same road ridden on the bike leg); a
    repeat left with fewer than two passes is dropped."""
    out = []
    for f in found:
        keep = []
        for p in f["passes"]:
            i0 = int(np.searchsorted(ctx.t, p["start_s"]))
            i1 = int(np.searchsorted(ctx.t, p["start_s"] + p["duration_s"], side="right"))
            if ctx.foot_share(i0, i1) >= 0.5:
                keep.append(p)
        if len(keep) == len(f["passes"]):
            out.append(f)
        elif len(keep) >= 2:
            ranges = [r for p, r in zip(f["passes"], f.get("pass_ranges", [None] * len(f["passes"])))
                      if any(p is k for k in keep)]
            scores = [p["control_score"] for p in keep] if f["direction"] == "down" else None
            out.append({**f, "passes": keep, "pass_ranges": ranges,
                        "trend": rp.trend([p["duration_s"] for p in keep], scores)})
    return out
