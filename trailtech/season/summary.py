"""Season-level summaries: crossover grade from the pooled evidence, trends, weekly technical volume.

All functions take the season's ``activities`` DataFrame (one row per activity, time order)
or the pooled hike/run bouts, and return plain values; nothing here reads files.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

__all__ = ["season_crossover", "cached_season_crossover", "season_crossover_grade", "crossover_choices", "metric_trend", "robust_trend", "trend_function", "weekly_technical", "is_technical_session",
           "technical_sessions", "week_starts", "WEEKLY_SUMS",
           "SESSIONS_TARGET_PER_WEEK"]

#: Technical sessions per week that coaches recommend (1-2).
SESSIONS_TARGET_PER_WEEK = (1, 2)


def _pooled_pieces(bouts: pd.DataFrame) -> pd.DataFrame:
    """The season's climbing pieces with their speed [m/s] (length over moving time)."""
    need = {"gait", "avg_grade_pct", "start_m", "end_m", "duration_s"}
    if bouts is None or len(bouts) == 0 or not need <= set(bouts.columns):
        return pd.DataFrame(columns=["gait", "avg_grade_pct", "speed_mps", "duration_s"])
    dur = pd.to_numeric(bouts["duration_s"], errors="coerce").to_numpy(dtype=float)
    length = (pd.to_numeric(bouts["end_m"], errors="coerce")
              - pd.to_numeric(bouts["start_m"], errors="coerce")).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dur > 0, length / dur, np.nan)
    return pd.DataFrame({"gait": bouts["gait"].to_numpy(), "avg_grade_pct": pd.to_numeric(
        bouts["avg_grade_pct"], errors="coerce").to_numpy(dtype=float), "speed_mps": speed,
        "duration_s": dur})


def season_crossover(per_activity_pct, bouts: pd.DataFrame, config=None) -> dict:
    """The runner's crossover grade over a season, from the pooled evidence of its activities.

    The climbing pieces of every on-foot activity are pooled and read as one activity's are
    (:func:`trailtech.analysis.gait.crossover.observed_crossover`): only where hiking and
    running were both seen, with a 90 % interval. A season holds many more pieces of both
    gaits near the crossover than one run (on simulated runners, one session of 26 climbs
    answers half of them). When the pooled pieces give no answer, the median of the
    activities' own observed crossovers stands in (method ``"activities"``).

    Parameters
    ----------
    per_activity_pct : sequence of float or None
        Each activity's own ``hike_run.crossover_grade_pct`` [%].
    bouts : DataFrame
        The season's climbing pieces (``hike_run.climb_bouts`` of each activity,
        concatenated): ``gait``, ``avg_grade_pct`` [%], ``start_m``, ``end_m`` [m],
        ``duration_s`` [s].
    config : AnalysisConfig, optional
        Its ``crossover_*`` fields (the defaults otherwise).

    Returns
    -------
    dict
        ``grade_pct`` [%] or None, ``ci_pct`` ([low, high] %, pooled answers only),
        ``method`` (``"pooled"``, ``"activities"`` or None), ``reason`` (a
        :data:`~trailtech.analysis.gait.crossover.CROSSOVER_REASONS` code when there is no
        answer) and ``reason_text``, ``activities`` (how many found their own).
    """
    from ..analysis.gait.crossover import crossover_reason_text, observed_crossover
    from ..config import AnalysisConfig

    cfg = config or AnalysisConfig()
    vals = np.array([v for v in per_activity_pct if v is not None], dtype=float)
    vals = vals[np.isfinite(vals)]
    x = observed_crossover(_pooled_pieces(bouts), bandwidth=cfg.crossover_bandwidth_grade,
                           fit_bandwidth=cfg.crossover_fit_bandwidth_grade,
                           min_pieces=cfg.crossover_min_pieces, min_seconds=cfg.crossover_support_s,
                           max_ci=cfg.crossover_max_ci_grade)
    out = {"grade_pct": None, "ci_pct": None, "method": None, "reason": None, "reason_text": "",
           "activities": int(vals.size)}
    if x.grade is not None:
        out.update(grade_pct=float(round(100.0 * x.grade, 1)), method="pooled",
                   ci_pct=[float(round(100.0 * x.ci[0], 1)), float(round(100.0 * x.ci[1], 1))])
    elif vals.size:
        out.update(grade_pct=float(round(float(np.median(vals)), 1)), method="activities")
    else:
        rg = None if x.reason_grade is None else 100.0 * x.reason_grade
        out.update(reason=x.reason, reason_text=crossover_reason_text(x.reason, rg))
    return out


def cached_season_crossover(per_activity_pct, bouts: list, config=None, store=None) -> dict:
    """:func:`season_crossover` of the activities' own crossovers and their climbing pieces
    (``bouts``: each activity's cached ``bouts`` columns), cached under a hash of exactly that
    evidence: a warm season over many activities skips the pooled fit's bootstrap."""
    from .shape import is_crossover_entry

    def pooled() -> pd.DataFrame:
        frames = [pd.DataFrame(b) for b in bouts if isinstance(b, dict) and b.get("gait")]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    if store is None:
        return season_crossover(per_activity_pct, pooled(), config)
    return store.memo("crossover", [per_activity_pct, bouts], lambda: season_crossover(per_activity_pct, pooled(), config),
                      check=lambda v: is_crossover_entry({"crossover": v}))


def trend_function(store=None) -> Callable[..., dict[str, Any]]:
    """:func:`robust_trend`, cached in ``store`` (a :class:`~trailtech.season.cache.ResultCache`)
    under a hash of its inputs when one is given: a warm season reads its trends back, and
    does not import :mod:`scipy.stats` (0.7 s) to compute them again."""
    if store is None:
        return robust_trend
    from .shape import is_trend

    def trend(days, values, **options) -> dict[str, Any]:
        days, values = np.asarray(days, dtype=float), np.asarray(values, dtype=float)
        inputs = [days.tolist(), values.tolist(), options]
        return store.memo("trend", inputs, lambda: robust_trend(days, values, **options), check=is_trend)

    return trend


def season_crossover_grade(per_activity_pct, bouts: pd.DataFrame, config=None) -> Optional[float]:
    """The season's crossover grade [%] (:func:`season_crossover`), None when there is none."""
    return season_crossover(per_activity_pct, bouts, config)["grade_pct"]


def crossover_choices(bouts: Optional[dict], crossover: dict) -> Optional[dict]:
    """One activity's gait choices against the season's crossover (its verdicts from the
    season's evidence).

    Running a climbing piece steeper than the top of the season's interval spent effort for
    no speed; hiking one gentler than its bottom gave time away (the coaching rule). With no
    interval (the activities' median) the crossover itself ±2.5 points stands in.

    Parameters
    ----------
    bouts : dict of lists
        The activity's climbing pieces (``gait``, ``avg_grade_pct`` [%], ``duration_s`` [s]).
    crossover : dict
        From :func:`season_crossover`.

    Returns
    -------
    dict or None
        ``season_crossover_grade_pct`` [%], ``ran_above_s`` (time running above the
        interval) and ``hiked_below_s`` (time hiking below it) [s]; None without a season
        crossover.
    """
    g0 = crossover.get("grade_pct")
    if g0 is None:
        return None
    lo, hi = crossover.get("ci_pct") or (g0 - 2.5, g0 + 2.5)
    b = bouts or {}
    gait = np.asarray(b.get("gait") or [], dtype=object)
    grade = np.asarray(b.get("avg_grade_pct") or [], dtype=float)
    dur = np.asarray(b.get("duration_s") or [], dtype=float)
    if not (gait.size == grade.size == dur.size):
        gait = grade = dur = np.zeros(0)
    dur = np.where(np.isfinite(dur), dur, 0.0)
    return {"season_crossover_grade_pct": g0,
            "ran_above_s": float(dur[(gait == "run") & (grade > hi)].sum()),
            "hiked_below_s": float(dur[(gait == "hike") & (grade < lo)].sum())}


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
                 min_span_d: float = TREND_MIN_SPAN_D,
                 trend: Optional[Callable[..., dict[str, Any]]] = None) -> dict[str, Any]:
    """Trend of one per-activity metric over calendar time (:func:`robust_trend`, or
    ``trend``: the same, cached, from :func:`trend_function`).

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
    out = (trend or robust_trend)(days, y, higher_is_better=higher_is_better, tolerance_per_30d=tolerance_per_30d,
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
