"""Season-level summaries: pooled crossover grade, trends, weekly technical volume.

All functions take the season's ``activities`` DataFrame (one row per activity, time order)
or the pooled hike/run bouts, and return plain values; nothing here reads files.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

__all__ = ["season_crossover_grade", "pooled_crossover_grade", "metric_trend", "weekly_technical", "is_technical_session",
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


def metric_trend(activities: pd.DataFrame, column: str, *, higher_is_better: bool,
                 tolerance_per_30d: float, min_points: int = 3) -> dict[str, Any]:
    """Linear trend of one per-activity metric over calendar time.

    Returns
    -------
    dict
        ``trend`` ("improving"/"steady"/"worse"/None), ``change_per_30d`` [unit of the
        metric per 30 days], ``n`` (activities with a value), ``points`` (``[date, value]``).
    """
    if len(activities) == 0 or column not in activities:
        return {"trend": None, "change_per_30d": None, "n": 0, "points": []}
    t = pd.to_datetime(activities["start_time"], utc=True, errors="coerce", format="ISO8601")
    y = pd.to_numeric(activities[column], errors="coerce")
    ok = t.notna() & y.notna()
    t, y = t[ok], y[ok].to_numpy(dtype=float)
    points = [[ts.isoformat().replace("+00:00", "Z"), float(v)] for ts, v in zip(t, y)]
    out: dict[str, Any] = {"trend": None, "change_per_30d": None, "n": int(len(y)), "points": points}
    if len(y) < min_points:
        return out
    days = ((t - t.iloc[0]).dt.total_seconds() / 86400.0).to_numpy()
    if np.ptp(days) < 1.0:
        return out
    slope = float(np.polyfit(days, y, 1)[0]) * 30.0
    out["change_per_30d"] = round(slope, 2)
    if abs(slope) <= tolerance_per_30d:
        out["trend"] = "steady"
    else:
        out["trend"] = "improving" if (slope > 0) == higher_is_better else "worse"
    return out


def is_technical_session(row: Any, *, min_share: float = 0.25, min_technical_m: float = 200.0) -> bool:
    """Whether an activity counts as a technical session.

    It does when it holds line-practice repeats (a descent run two or more times), or when
    at least ``min_share`` of its descending distance, and at least ``min_technical_m``
    metres, was technical terrain (heuristic thresholds).
    """
    if (row.get("practice_repeats") or 0) >= 1:
        return True
    tech = row.get("technical_distance_m")
    desc = row.get("descent_length_m")
    if tech is None or desc is None or not np.isfinite(tech) or not desc or not np.isfinite(desc):
        return False
    return tech >= min_technical_m and tech / desc >= min_share


def weekly_technical(activities: pd.DataFrame) -> list[dict[str, Any]]:
    """Technical volume and sessions for every ISO week from the first to the last activity.

    Returns
    -------
    list of dict
        ``week`` ("2026-W23"), ``week_start`` (Monday, ISO date), ``activities``,
        ``technical_distance_m``, ``technical_sessions`` and ``verdict`` ("below target",
        "on target", "above target") against the recommended 1-2 sessions a week.
    """
    if len(activities) == 0:
        return []
    t = pd.to_datetime(activities["start_time"], utc=True, errors="coerce", format="ISO8601")
    ok = t.notna().to_numpy()
    if not ok.any():
        return []
    df = activities[ok].copy()
    t = t[ok]
    monday = (t.dt.tz_convert(None).dt.normalize() - pd.to_timedelta(t.dt.day_of_week, unit="D"))
    df["_week"] = monday.to_numpy()
    df["_tech"] = [is_technical_session(r) for r in df.to_dict(orient="records")]
    tech_m = pd.to_numeric(df.get("technical_distance_m"), errors="coerce").fillna(0.0)
    df["_tech_m"] = tech_m.to_numpy()
    weeks = pd.date_range(df["_week"].min(), df["_week"].max(), freq="7D")
    lo, hi = SESSIONS_TARGET_PER_WEEK
    out = []
    for w in weeks:
        sel = df[df["_week"] == w]
        n = int(sel["_tech"].sum())
        iso = w.isocalendar()
        out.append({
            "week": f"{iso[0]}-W{iso[1]:02d}",
            "week_start": w.date().isoformat(),
            "activities": int(len(sel)),
            "technical_distance_m": round(float(sel["_tech_m"].sum()), 1),
            "technical_sessions": n,
            "verdict": "below target" if n < lo else ("on target" if n <= hi else "above target"),
        })
    return out
