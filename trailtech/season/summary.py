"""Season-level summaries: pooled crossover grade, trends, weekly technical volume.

All functions take the season's ``activities`` DataFrame (one row per activity, time order)
or the pooled hike/run bouts, and return plain values; nothing here reads files.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

__all__ = ["season_crossover_grade", "pooled_crossover_grade", "metric_trend", "robust_trend", "weekly_technical", "is_technical_session",
           "technical_sessions", "week_starts", "WEEKLY_SUMS",
           "SESSIONS_TARGET_PER_WEEK"]

#: Technical sessions per week that coaches recommend (1-2).
SESSIONS_TARGET_PER_WEEK = (1, 2)


def pooled_crossover_grade(bouts: pd.DataFrame, *, min_grade_pct: float = 3.0,
                           min_bouts: int = 3, min_bout_s: float = 30.0) -> Optional[float]:
    """The grade above which hiking climbed as fast as running, over a whole season [%].

    Pools the uphill hike and run bouts of every activity and applies the per-activity rule
    (:func:`trailtech.analysis.gait.crossover_grade`: straight lines of vertical speed against
    grade for each gait; the crossover is where they meet, science.md topic 2C). A line
    through many days is steadier than one activity's few climbs.

    Parameters
    ----------
    bouts : DataFrame
        Columns ``gait`` ("hike"/"run"), ``avg_grade_pct`` [%], ``vam_m_per_h`` [m/h] and
        ``duration_s`` [s]: the climbing pieces of each activity (``hike_run.climb_bouts``),
        concatenated.
    min_grade_pct : float
        Bouts flatter than this are left out [%].
    min_bouts : int
        Bouts needed for each gait.
    min_bout_s : float
        Shorter bouts are left out: their grade and VAM are too noisy [s].

    Returns
    -------
    float or None
        The crossover grade [%], ``None`` when there is too little of either gait or the lines
        do not meet inside the graded range both gaits were seen on.
    """
    from ..analysis.gait import crossover_grade

    need = {"gait", "avg_grade_pct", "vam_m_per_h", "duration_s"}
    if bouts is None or len(bouts) == 0 or not need <= set(bouts.columns):
        return None
    grade = pd.to_numeric(bouts["avg_grade_pct"], errors="coerce").to_numpy(dtype=float)
    vam = pd.to_numeric(bouts["vam_m_per_h"], errors="coerce").to_numpy(dtype=float)
    dur = pd.to_numeric(bouts["duration_s"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(grade) & np.isfinite(vam) & np.isfinite(dur)
    ok &= (grade >= min_grade_pct) & (dur >= min_bout_s)
    # Duration weights each piece, as in the per-activity fit.
    blocks = pd.DataFrame({"gait": bouts["gait"].to_numpy()[ok], "grade": grade[ok] / 100.0,
                           "vam_m_per_h": vam[ok], "duration_s": dur[ok]})
    g = crossover_grade(blocks, min_blocks=min_bouts)
    return None if g is None else float(round(100.0 * g, 1))


def season_crossover_grade(per_activity_pct, bouts: pd.DataFrame, *,
                           min_activities: int = 3) -> Optional[float]:
    """The runner's crossover grade over a season [%].

    With at least ``min_activities`` activities that each found their own crossover, the
    median of those values; otherwise the crossover of the pooled climbing pieces
    (:func:`pooled_crossover_grade`), and when those lines do not meet, the median of the
    activities' own values after all. Pooling days of different form and fatigue mixes
    runs at different speeds into one line and biases the intersection (on 30 simulated runs
    of one runner with a true crossover of 19.9 %, pooling gave 24.1 % and the median of the
    per-activity values 19.8 %), so per-activity values are preferred when there are enough.

    Parameters
    ----------
    per_activity_pct : sequence of float or None
        Each activity's own ``hike_run.crossover_grade_pct`` [%].
    bouts : DataFrame
        The season's climbing pieces, as for :func:`pooled_crossover_grade`.
    min_activities : int
        Per-activity values needed to use their median.

    Returns
    -------
    float or None
        Crossover grade [%], ``None`` when neither way finds one.
    """
    vals = np.array([v for v in per_activity_pct if v is not None], dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size >= min_activities:
        return float(round(float(np.median(vals)), 1))
    pooled = pooled_crossover_grade(bouts)
    if pooled is None and vals.size:
        # The pooled lines can miss each other (a hill-repeat session's hikes on one grade)
        # while an activity found its own crossover: that is still the best answer there is.
        return float(round(float(np.median(vals)), 1))
    return pooled


#: Evidence a trend word needs: activities (or passes) with a value, and the days they span.
TREND_MIN_POINTS = 5
TREND_MIN_SPAN_D = 28.0
#: Confidence of the Theil-Sen slope interval.
TREND_CONFIDENCE = 0.90


def robust_trend(days: np.ndarray, values: np.ndarray, *, higher_is_better: bool, tolerance_per_30d: float,
                 min_points: int = TREND_MIN_POINTS, min_span_d: float = TREND_MIN_SPAN_D,
                 confidence: float = TREND_CONFIDENCE) -> dict[str, Any]:
    """A trend word only with evidence: Theil-Sen slope and its interval over calendar days.

    The slope is the median of the pairwise slopes (Theil-Sen: one odd day moves it little);
    its interval is Sen's, at ``confidence`` (:func:`scipy.stats.theilslopes`).

    * fewer than ``min_points`` values, or spanning less than ``min_span_d`` days: no word,
      ``status`` "not enough data yet" and ``missing`` saying what is lacking;
    * the interval excludes zero and the slope is beyond ``tolerance_per_30d``: "improving"
      or "worse" (``higher_is_better`` decides which);
    * the whole interval within the tolerance: "steady";
    * otherwise no word, ``status`` "no clear trend" (the data allow both directions).

    Returns
    -------
    dict
        ``trend`` (word or None), ``status`` (the word, "not enough data yet" or "no clear
        trend"), ``missing`` (str or None), ``change_per_30d``, ``change_low_per_30d``,
        ``change_high_per_30d`` [unit of the values per 30 days, None without enough data],
        ``span_d`` [d].
    """
    days = np.asarray(days, dtype=float)
    values = np.asarray(values, dtype=float)
    n = int(values.size)
    span = float(np.ptp(days)) if n else 0.0
    out: dict[str, Any] = {"trend": None, "status": "not enough data yet", "missing": None,
                           "change_per_30d": None, "change_low_per_30d": None, "change_high_per_30d": None,
                           "span_d": round(span, 1)}
    lacking = []
    if n < min_points:
        k = min_points - n
        lacking.append(f"{k} more {'activity' if k == 1 else 'activities'} (have {n}, need {min_points})")
    if span < min_span_d:
        lacking.append(f"a span of {min_span_d / 7:.0f} weeks (have {span:.0f} days)")
    if lacking:
        out["missing"] = " and ".join(lacking)
        return out
    from scipy.stats import theilslopes  # lazily: `import trailtech` must not load scipy.stats

    slope, _, low, high = theilslopes(values, days, alpha=confidence)
    slope, low, high = 30.0 * slope, 30.0 * low, 30.0 * high
    out.update(change_per_30d=round(float(slope), 2), change_low_per_30d=round(float(low), 2),
               change_high_per_30d=round(float(high), 2))
    if (low > 0 or high < 0) and abs(slope) > tolerance_per_30d:
        out["trend"] = "improving" if (slope > 0) == higher_is_better else "worse"
    elif -tolerance_per_30d <= low and high <= tolerance_per_30d:
        out["trend"] = "steady"
    out["status"] = out["trend"] or "no clear trend"
    return out


def metric_trend(activities: pd.DataFrame, column: str, *, higher_is_better: bool,
                 tolerance_per_30d: float, min_points: int = TREND_MIN_POINTS,
                 min_span_d: float = TREND_MIN_SPAN_D) -> dict[str, Any]:
    """Trend of one per-activity metric over calendar time (:func:`robust_trend`).

    Returns
    -------
    dict
        :func:`robust_trend`'s keys, ``n`` (activities with a value) and ``points``
        (``[date, value]``).
    """
    if len(activities) == 0 or column not in activities:
        return {**robust_trend(np.array([]), np.array([]), higher_is_better=higher_is_better,
                               tolerance_per_30d=tolerance_per_30d, min_points=min_points,
                               min_span_d=min_span_d), "n": 0, "points": []}
    t = pd.to_datetime(activities["start_time"], utc=True, errors="coerce", format="ISO8601")
    y = pd.to_numeric(activities[column], errors="coerce")
    ok = t.notna() & y.notna()
    t, y = t[ok], y[ok].to_numpy(dtype=float)
    points = [[ts.isoformat().replace("+00:00", "Z"), float(v)] for ts, v in zip(t, y)]
    days = ((t - t.iloc[0]).dt.total_seconds() / 86400.0).to_numpy() if len(t) else np.array([])
    out = robust_trend(days, y, higher_is_better=higher_is_better, tolerance_per_30d=tolerance_per_30d,
                       min_points=min_points, min_span_d=min_span_d)
    return {**out, "n": int(len(y)), "points": points}


def is_technical_session(row: Any, *, min_share: float = 0.25, min_technical_m: float = 200.0) -> bool:
    """Whether an activity counts as a technical session.

    It does when it holds line-practice repeats (a descent run two or more times), or when
    at least ``min_share`` of its descending distance, and at least ``min_technical_m``
    metres, was technical terrain (heuristic thresholds). One row; the season uses the
    vectorised :func:`technical_sessions`.
    """
    frame = pd.DataFrame([{k: row.get(k) for k in ("practice_repeats", "technical_distance_m",
                                                    "descent_length_m")}])
    return bool(technical_sessions(frame, min_share=min_share, min_technical_m=min_technical_m)[0])


def _column(df: pd.DataFrame, name: str, fill: float = np.nan) -> np.ndarray:
    """``df[name]`` as floats (missing column or values: ``fill``)."""
    if name not in df:
        return np.full(len(df), fill)
    v = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(v), v, fill)


def technical_sessions(activities: pd.DataFrame, *, min_share: float = 0.25,
                       min_technical_m: float = 200.0) -> np.ndarray:
    """:func:`is_technical_session` for every row at once (bool array)."""
    repeats = _column(activities, "practice_repeats", 0.0)
    tech = _column(activities, "technical_distance_m")
    desc = _column(activities, "descent_length_m")
    with np.errstate(invalid="ignore", divide="ignore"):
        share_ok = (tech >= min_technical_m) & (desc > 0) & (tech / desc >= min_share)
    return (repeats >= 1) | (np.isfinite(tech) & np.isfinite(desc) & share_ok)


#: Weekly sums of the season's volume table: output key -> activity column.
WEEKLY_SUMS = {"distance_m": "on_foot_distance_m", "ascent_m": "on_foot_ascent_m",
               "moving_time_s": "on_foot_moving_time_s", "hike_time_s": "hike_time_s",
               "technical_distance_m": "technical_distance_m"}


def week_starts(times: pd.Series) -> np.ndarray:
    """The Monday (00:00, naive) of each time's calendar week, as ``datetime64[D]``.

    ``times`` are the wall-clock times the weeks are cut in (local time when known); a
    time-zone-aware series is read in its own offset, not converted to UTC.
    """
    t = pd.to_datetime(times, errors="coerce")
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_localize(None)
    day = t.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    # 1970-01-01 was a Thursday: weekday (Monday 0) = (days + 3) % 7.
    days = day.astype("int64")
    return (days - (days + 3) % 7).astype("datetime64[D]")


def weekly_technical(activities: pd.DataFrame, *, time_column: str = "start_time") -> list[dict[str, Any]]:
    """Volume, technical volume and sessions for every ISO week from the first to the last activity.

    Every activity is put in its week by one vectorised pass (``np.bincount`` over week
    numbers), so a season spanning 14 years costs as much as one spanning a month.

    Parameters
    ----------
    activities : DataFrame
        One row per activity: ``time_column`` (the wall-clock time weeks are cut in) and any
        of ``technical_distance_m``, ``descent_length_m``, ``practice_repeats`` and the
        columns of :data:`WEEKLY_SUMS`.
    time_column : str
        Column of start times; rows without one are left out.

    Returns
    -------
    list of dict
        ``week`` ("2026-W23"), ``week_start`` (Monday, ISO date), ``activities``,
        ``technical_distance_m`` [m], ``technical_sessions`` and ``verdict`` ("below target",
        "on target", "above target") against the recommended 1-2 sessions a week; then
        ``distance_m`` [m], ``ascent_m`` [m], ``moving_time_s`` [s] (on-foot parts) and
        ``hike_time_s`` [s].
    """
    if len(activities) == 0 or time_column not in activities:
        return []
    monday = week_starts(activities[time_column])
    ok = ~np.isnat(monday)
    if not ok.any():
        return []
    first = monday[ok].min()
    idx = ((monday[ok] - first).astype("int64") // 7).astype(np.int64)
    n_weeks = int(idx.max()) + 1
    count = np.bincount(idx, minlength=n_weeks)
    sessions = np.bincount(idx, weights=technical_sessions(activities)[ok].astype(float), minlength=n_weeks)
    sums = {key: np.bincount(idx, weights=_column(activities, col, 0.0)[ok], minlength=n_weeks)
            for key, col in WEEKLY_SUMS.items()}
    starts = first + np.arange(n_weeks) * np.timedelta64(7, "D")
    iso = pd.DatetimeIndex(starts).isocalendar()
    iso_year, iso_week = iso["year"].to_numpy(dtype=int), iso["week"].to_numpy(dtype=int)
    lo, hi = SESSIONS_TARGET_PER_WEEK
    out = []
    for i in range(n_weeks):
        n = int(round(sessions[i]))
        row = {
            "week": f"{iso_year[i]}-W{iso_week[i]:02d}",
            "week_start": str(starts[i]),
            "activities": int(count[i]),
            "technical_distance_m": round(float(sums["technical_distance_m"][i]), 1),
            "technical_sessions": n,
            "verdict": "below target" if n < lo else ("on target" if n <= hi else "above target"),
        }
        row.update({k: round(float(v[i]), 1) for k, v in sums.items() if k != "technical_distance_m"})
        out.append(row)
    return out
