"""Line-practice candidates: short, technical descents the runner does not yet run in control.

Science: ``science.md`` 3E. A candidate is a descent (or the most technical stretch of a long
one, at most 400 m) ranked by a **continuous priority** in [0, 1] (issue 14 item 7), the
product of four soft memberships [H], each a linear ramp centred on what used to be a hard
cut-off (so a stretch never jumps in or out of the list when one number crosses a line):

============== ============================================== =====================
membership      ramp (0 .. 1)                                  old hard cut-off
============== ============================================== =====================
need            control score 80 .. 40 (no cadence: braking    score < 60
                events per 100 m 0.5 .. 1.5)                   (braking >= 1)
technical       technicality T 0.25 .. 0.55                    T >= 0.5 (or top
                                                               quartile, T >= 0.3)
steep           mean grade -6 % .. -14 %                       grade <= -10 %
length          40 .. 80 m                                     length >= 60 m
============== ============================================== =====================

The list shows the ``practice_top_n`` stretches of highest priority, at least
``practice_min_priority``; equal priorities are ordered by the time lost against the runner's
own grade-expected speed (``time_lost_s``). Each gets reasons in the runner's words. The
prescription is 4-8 repeats, walking back up.

:func:`practice_courses` turns the candidates into named courses (lat/lon/elevation) that
``trailtech.io.gpx_write.courses_to_gpx`` writes for ``trailtech analyze --flags-gpx``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..processing.geodesy import project_local
from ..timeline import Timeline
from .baseline import RunningBaseline
from .descent import ramp
from .repeats import Repeat
from .stretch import score_stretch
from .tables import CONTRACT_COLUMNS, LINE_PRACTICE_COLUMNS

__all__ = ["best_window", "best_windows", "reasons", "practice_priority", "select_candidates", "merge_same_stretch", "practice_courses",
           "line_practice", "PRACTICE_COLUMNS"]

PRACTICE_COLUMNS = list(CONTRACT_COLUMNS["line_practice"])


def best_window(distance_m: np.ndarray, score: np.ndarray, start_m: float, end_m: float,
                length_m: float) -> tuple[float, float]:
    """The ``length_m`` window inside ``[start_m, end_m]`` with the highest mean ``score``.

    Parameters
    ----------
    distance_m : array
        Distance of each row [m], non-decreasing.
    score : array
        Per-row score (e.g. technicality); NaN counts as 0.
    start_m, end_m : float
        The stretch to search [m].
    length_m : float
        Window length [m].

    Returns
    -------
    (float, float)
        Window start and end [m]; the whole stretch when it is not longer than ``length_m``.
    """
    if end_m - start_m <= length_m:
        return float(start_m), float(end_m)
    d = np.asarray(distance_m, float)
    s = np.nan_to_num(np.asarray(score, float))
    grid = np.arange(start_m, end_m + 1e-9, 5.0)
    # Score on a 5 m grid (nearest row at or after each grid point), then a sliding mean.
    idx = np.clip(np.searchsorted(d, grid), 0, d.size - 1)
    sg = s[idx]
    k = max(1, int(round(length_m / 5.0)))
    if sg.size <= k:
        return float(start_m), float(end_m)
    cs = np.r_[0.0, np.cumsum(sg)]
    means = (cs[k:] - cs[:-k]) / k
    a = int(np.argmax(means))
    return float(grid[a]), float(min(grid[a] + length_m, end_m))


def best_windows(distance_m: np.ndarray, score: np.ndarray, start_m: float, end_m: float,
                 length_m: float, *, max_windows: int = 3) -> list[tuple[float, float]]:
    """Up to ``max_windows`` non-overlapping ``length_m`` windows of ``[start_m, end_m]``, best
    first: :func:`best_window`, then the best window of each stretch left on either side that
    is at least half as long, and so on (in order of start).

    A long descent often holds two stretches of about equal technicality; one best window
    picks either, depending on a few metres of data, and the practice list flipped between
    them when the same run was recorded another way (issue 14 item 7). Offering each to the
    ranking lets their priorities decide.
    """
    out: list[tuple[float, float]] = []
    todo = [(float(start_m), float(end_m))]
    while todo and len(out) < max_windows:
        a, b = todo.pop(0)
        if b - a < 0.5 * length_m:
            continue
        w0, w1 = best_window(distance_m, score, a, b, length_m)
        out.append((w0, w1))
        todo += [(a, w0), (w1, b)]
    return sorted(out)


def reasons(row: dict) -> list[str]:
    """Why a stretch is worth practising, in the runner's words (most telling first).

    Uses the keys braking_per_100m, cadence_delta_spm, speed_cv, cadence_cv, time_lost_s,
    control_score of a stretch (missing or NaN keys are skipped), and not_measured (braking
    not measured: no braking reason).
    """

    def val(k: str) -> float:
        v = row.get(k)
        return float(v) if v is not None and np.isfinite(v) else float("nan")

    out = []
    # A part the sampling could not measure is no reason (a stepped position stream's speed
    # dips at every fix).
    b = float("nan") if "braking" in (row.get("not_measured") or ()) else val("braking_per_100m")
    if b >= 1.5:
        out.append(f"{b:.0f} braking surges per 100 m")
    dc = val("cadence_delta_spm")
    if dc <= -1.5:
        out.append(f"cadence {abs(dc):.0f} steps/min below your flat cadence")
    elif dc < 3:
        out.append("cadence no quicker than on the flat (aim for +5 steps/min)")
    sc = val("speed_cv")
    if sc >= 0.12:
        out.append(f"speed swings ±{100 * sc:.0f}%")
    cc = val("cadence_cv")
    if cc >= 0.05:
        out.append(f"uneven steps: cadence varies ±{100 * cc:.0f}%")
    tl = val("time_lost_s")
    if tl >= 3:
        out.append(f"{tl:.0f} s slower than your usual effort for this grade")
    if not out:
        out.append(f"control score {val('control_score'):.0f} on technical ground")
    return out


def practice_priority(
    stretches: pd.DataFrame,
    *,
    max_score: float = 60.0,
    score_band: float = 20.0,
    technicality_range: tuple[float, float] = (0.25, 0.55),
    max_grade: float = -0.10,
    grade_band: float = 0.04,
    min_length_m: float = 60.0,
    length_band_m: float = 20.0,
) -> np.ndarray:
    """Line-practice priority of each stretch in [0, 1]: need x technical x steep x length.

    Parameters
    ----------
    stretches : DataFrame
        control_score, technicality, avg_grade_pct, length_m (braking_per_100m is used when
        there is no score).
    max_score, score_band : float
        Need is 1/2 at ``max_score``, 0 at ``max_score + score_band``, 1 at
        ``max_score - score_band`` [0-100]. Without a score (no cadence), need is a ramp of
        braking events per 100 m from 0.5 to 1.5 (science.md 3B M4).
    technicality_range : (float, float)
        Technicality at which the technical membership is 0 and 1 [-].
    max_grade, grade_band : float
        Steep is 1/2 at mean grade ``max_grade``, 0 and 1 a ``grade_band`` either side [-].
    min_length_m, length_band_m : float
        Length is 1/2 at ``min_length_m``, 0 and 1 a ``length_band_m`` either side [m].

    Returns
    -------
    numpy.ndarray
        The priority per row (0 where a quantity is missing).
    """
    s = stretches
    n = len(s)

    def col(name: str) -> np.ndarray:
        return s[name].to_numpy(float) if name in s else np.full(n, np.nan)

    score, brakes = col("control_score"), col("braking_per_100m")
    need = np.where(np.isfinite(score), ramp(score, max_score + score_band, max_score - score_band),
                    ramp(brakes, 0.5, 1.5))
    tech = ramp(col("technicality"), *technicality_range)
    steep = ramp(-col("avg_grade_pct") / 100.0, -max_grade - grade_band, -max_grade + grade_band)
    length = ramp(col("length_m"), min_length_m - length_band_m, min_length_m + length_band_m)
    return np.nan_to_num(need * tech * steep * length)


def select_candidates(
    stretches: pd.DataFrame,
    *,
    min_length_m: float = 60.0,
    max_length_m: float = 400.0,
    max_grade: float = -0.10,
    max_score: float = 60.0,
    top_n: int = 5,
    min_priority: float = 0.1,
    **bands,
) -> pd.DataFrame:
    """Rank line-practice candidates by :func:`practice_priority` and keep the top ones.

    Parameters
    ----------
    stretches : DataFrame
        One row per descent (or best sub-stretch of a long descent) with at least start_m,
        end_m, length_m, drop_m, avg_grade_pct, control_score, technicality, time_lost_s,
        start_lat, start_lon, end_lat, end_lon, and the metric columns :func:`reasons` uses.
    min_length_m, max_grade, max_score : float
        Where the length, steep and need memberships are 1/2 (:func:`practice_priority`).
    max_length_m : float
        Longest stretch [m] (a longer descent is windowed to this before, by
        :func:`line_practice`).
    top_n : int
        How many candidates to show at most.
    min_priority : float
        Lowest priority shown [0-1].
    **bands
        ``score_band``, ``technicality_range``, ``grade_band``, ``length_band_m`` of
        :func:`practice_priority`.

    Returns
    -------
    DataFrame with :data:`PRACTICE_COLUMNS` (plus technicality and ``priority``), ranked
    (1 = practise first).
    """
    if len(stretches) == 0:
        return pd.DataFrame(columns=PRACTICE_COLUMNS)
    c = stretches.copy()
    c["priority"] = practice_priority(c, max_score=max_score, max_grade=max_grade,
                                      min_length_m=min_length_m, **bands)
    c = c[(c["priority"].to_numpy() >= min_priority) & (c["length_m"].to_numpy(float) <= max_length_m)]
    if len(c) == 0:
        return pd.DataFrame(columns=PRACTICE_COLUMNS)
    c = _ranked(c).head(max(0, int(top_n))).copy()
    c["reasons"] = [reasons(r) for r in c.to_dict(orient="records")]
    c["rank"] = np.arange(1, len(c) + 1)
    cols = PRACTICE_COLUMNS + [k for k in c.columns if k not in PRACTICE_COLUMNS]
    return c[cols].reset_index(drop=True)


def _ranked(c: pd.DataFrame) -> pd.DataFrame:
    """Rows by priority, then time lost, then technicality (highest first)."""
    keys = [k for k in ("priority", "time_lost_s", "technicality") if k in c]
    return c.sort_values(keys, ascending=False, na_position="last", kind="stable")


def merge_same_stretch(candidates: pd.DataFrame, *, gate_radius_m: float = 25.0) -> pd.DataFrame:
    """One candidate per stretch of trail: candidates whose start points and end points both
    lie within ``gate_radius_m`` of each other are one stretch run several times.

    Candidates with the same ``repeat_id`` (when that column is present: passes of one
    repeated stretch) are one stretch too. The worst run (lowest control score) stands for
    the stretch: it shows what to practise. When the stretch was run more than once (the
    group's size, or the ``times_run`` column when present, e.g. the passes of a repeat),
    the reasons end with "run N times in this session". Ranks are renumbered.

    Parameters
    ----------
    candidates : DataFrame
        :func:`select_candidates` output (start_lat/lon, end_lat/lon, control_score, rank).
    gate_radius_m : float
        Largest distance between the ends of two runs of one stretch [m].

    Returns
    -------
    DataFrame
        The same columns, plus ``times_run``.
    """
    if gate_radius_m <= 0:
        raise ValueError(f"gate_radius_m={gate_radius_m} must be positive")
    if len(candidates) == 0:
        out = candidates.copy()
        out["times_run"] = pd.Series(dtype="int64")
        return out
    c = candidates.sort_values("rank").reset_index(drop=True)
    # Both ends in one local frame, about the centroid of the start points.
    sx, sy, lat0, lon0 = project_local(c["start_lat"].to_numpy(float), c["start_lon"].to_numpy(float))
    ex, ey, _, _ = project_local(c["end_lat"].to_numpy(float), c["end_lon"].to_numpy(float),
                                 lat0_deg=lat0, lon0_deg=lon0)
    ps, pe = np.column_stack([sx, sy]), np.column_stack([ex, ey])
    ds = np.hypot(*(ps[:, None, :] - ps[None, :, :]).transpose(2, 0, 1))
    de = np.hypot(*(pe[:, None, :] - pe[None, :, :]).transpose(2, 0, 1))
    same = (ds <= gate_radius_m) & (de <= gate_radius_m)  # NaN positions never match
    if "repeat_id" in c:
        # Passes of one repeat are one stretch even when a detection's end strays.
        rid = c["repeat_id"].to_numpy(float)
        same |= np.isfinite(rid)[:, None] & (rid[:, None] == rid[None, :])
    group = np.arange(len(c))
    for i in range(len(c)):  # candidates are few (one per descent): a plain loop is fine
        for j in np.flatnonzero(same[i, :i]):
            group[group == group[i]] = group[j]
    given = c["times_run"].to_numpy(float) if "times_run" in c else np.ones(len(c))
    rows = []
    for g in pd.unique(group):
        members = c[group == g]
        score = members["control_score"].to_numpy(float)
        worst = members.iloc[int(np.nanargmin(score)) if np.isfinite(score).any() else 0]
        n = int(max(len(members), np.nanmax(np.r_[given[group == g], 1.0])))
        row = worst.to_dict()
        row["times_run"] = n
        if n > 1:
            row["reasons"] = list(row["reasons"]) + [
                f"run {n} times in this session; these numbers are from your last pass"
                if np.isfinite(given[group == g]).any() and np.nanmax(given[group == g]) > 1
                else f"run {n} times in this session"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out = _ranked(out).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[list(candidates.columns) + (["times_run"] if "times_run" not in candidates else [])]


def _repeat_of(timeline: Timeline, rows: slice, repeats: Sequence[Repeat]) -> tuple[int, float]:
    """(passes, index) of the descending repeat with a pass over more than half of the time of
    timeline ``rows``; (1, NaN) when none."""
    if rows.stop <= rows.start:
        return 1, float("nan")
    t0, t1 = timeline.elapsed_s[rows.start], timeline.elapsed_s[rows.stop - 1]
    for k, rep in enumerate(repeats):
        if rep.direction != "down":
            continue
        for p in rep.passes:
            a, b = p.start_s, p.start_s + p.duration_s
            if min(b, t1) - max(a, t0) > 0.5 * (t1 - t0):
                return len(rep.passes), float(k)
    return 1, float("nan")


def _latest_pass_of_each_repeat(rows: list[slice], repeat_id: np.ndarray) -> np.ndarray:
    """Which stretches to keep: only the last pass of every repeated stretch.

    A line the runner practised in this session is judged by where the practice left it: when
    the last pass flows (control at or above the practice threshold) the stretch is no longer a
    candidate, however rough the first pass was; otherwise the last pass says what is left to
    work on.
    """
    start = np.array([sl.start for sl in rows], dtype=float)
    keep = np.ones(len(rows), dtype=bool)
    for k in np.unique(repeat_id[np.isfinite(repeat_id)]):
        idx = np.flatnonzero(repeat_id == k)
        keep[idx[np.argsort(start[idx], kind="stable")][:-1]] = False
    return keep


def line_practice(timeline: Timeline, descents: Sequence[tuple[slice, dict[str, Any]]],
                  technicality: np.ndarray, repeats: Sequence[Repeat], baseline: RunningBaseline,
                  config: AnalysisConfig, *, row_dt_s: np.ndarray) -> pd.DataFrame:
    """Line-practice candidates: whole descents, or the most technical stretches of a long one
    (:func:`best_windows`).

    A stretch run several times (a pass of a descending repeat) is one candidate, judged by its
    last pass.

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    descents : sequence of (slice, dict)
        Each descent's timeline rows and its descents-table row.
    technicality : array
        Technicality T per timeline row (NaN off descents).
    repeats : sequence of Repeat
        The activity's repeated stretches (the repeats table's rows, in order).
    baseline : RunningBaseline
    config : AnalysisConfig
        ``practice_*``, ``technical_threshold``, ``gate_radius_m``.
    row_dt_s : array
        Time each timeline row stands for [s].

    Returns
    -------
    DataFrame with :data:`~.tables.LINE_PRACTICE_COLUMNS`.
    """
    columns = [c.name for c in LINE_PRACTICE_COLUMNS]
    cfg = config
    stretches = []
    for rows, row in descents:
        if row["length_m"] <= cfg.practice_max_length_m:
            stretches.append((rows, row))
            continue
        for s0, s1 in best_windows(timeline.distance_m, technicality, row["start_m"], row["end_m"],
                                   cfg.practice_max_length_m):
            sub = timeline.rows(s0, s1)
            stretches.append((sub, score_stretch(timeline, sub, baseline, cfg, start_m=s0, end_m=s1,
                                                 row_dt_s=row_dt_s)))
    if not stretches:
        return pd.DataFrame(columns=columns)
    st = pd.DataFrame([row for _, row in stretches])
    rep = [_repeat_of(timeline, rows, repeats) for rows, _ in stretches]
    st["times_run"] = [n for n, _ in rep]
    st["repeat_id"] = [k for _, k in rep]
    keep = _latest_pass_of_each_repeat([rows for rows, _ in stretches], st["repeat_id"].to_numpy(float))
    st = st[keep].reset_index(drop=True)
    out = merge_same_stretch(select_candidates(
        st, min_length_m=cfg.practice_min_length_m, max_length_m=cfg.practice_max_length_m,
        max_grade=cfg.practice_max_grade, max_score=cfg.practice_max_score,
        top_n=len(st), min_priority=cfg.practice_min_priority, score_band=cfg.practice_score_band,
        technicality_range=(cfg.practice_technicality_min, cfg.practice_technicality_max),
        grade_band=cfg.practice_grade_band, length_band_m=cfg.practice_length_band_m),
        gate_radius_m=cfg.gate_radius_m).head(cfg.practice_top_n)
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reindex(columns=columns)


def practice_courses(line_practice: pd.DataFrame, timeline: pd.DataFrame,
                     *, prefix: str = "trailtech") -> list[dict]:
    """The candidates' coordinates as named courses for ``courses_to_gpx``.

    Parameters
    ----------
    line_practice : DataFrame
        :attr:`trailtech.result.Analysis.line_practice`.
    timeline : DataFrame
        The 1 Hz timeline (distance_m, lat_deg, lon_deg, elevation_m).
    prefix : str
        First word of each course name.

    Returns
    -------
    list of dict
        ``name`` (e.g. ``"trailtech #1 practise: 180 m at -16%"``), ``desc`` (the reasons),
        ``lat_deg``, ``lon_deg``, ``elevation_m`` (arrays), in rank order.
    """
    if line_practice is None or len(line_practice) == 0:
        return []
    d = timeline["distance_m"].to_numpy(float)
    lat = timeline["lat_deg"].to_numpy(float)
    lon = timeline["lon_deg"].to_numpy(float)
    ele = timeline["elevation_m"].to_numpy(float) if "elevation_m" in timeline else np.full(d.size, np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(d)
    # One point per distance: drop rows where the runner stood still.
    ok &= np.r_[True, np.diff(d) > 0]
    out = []
    for r in line_practice.sort_values("rank").to_dict(orient="records"):
        sel = ok & (d >= r["start_m"]) & (d <= r["end_m"])
        why: Optional[list] = r.get("reasons")
        out.append({
            "name": f"{prefix} #{int(r['rank'])} practise: {r['length_m']:.0f} m at "
                    f"{r['avg_grade_pct']:.0f}%",
            "desc": "; ".join(why) if why else "",
            "lat_deg": lat[sel],
            "lon_deg": lon[sel],
            "elevation_m": ele[sel],
        })
    return out
