"""Training load from heart rate, and the fitness and fatigue curves built from it.

Each activity keeps the seconds it spent at each whole heart rate (a histogram computed in
the worker, cached with its entry); the season turns them into Banister's TRIMP once it knows
the runner's heart-rate range, which it takes from the options or from the season itself.
Fitness and fatigue are exponentially weighted daily loads over 42 and 7 days, as
intervals.icu and GoldenCheetah draw them (their "CTL" and "ATL"; form = fitness - fatigue).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

__all__ = ["hr_histogram", "trimp", "season_hr_range", "fitness_fatigue", "HR_REST_ASSUMED_BPM",
           "FITNESS_DAYS", "FATIGUE_DAYS"]

#: Resting heart rate assumed when none is given [1/min]: a watch seldom records it during a run.
HR_REST_ASSUMED_BPM = 60.0
#: Banister's weighting of the heart-rate reserve (the male coefficients, as GoldenCheetah's
#: default): load per minute = HRr * 0.64 * exp(1.92 * HRr).
TRIMP_A, TRIMP_B = 0.64, 1.92
FITNESS_DAYS, FATIGUE_DAYS = 42.0, 7.0
#: Plausible heart rates [1/min]; outside is a sensor error.
_HR_MIN_BPM, _HR_MAX_BPM = 30, 240


def hr_histogram(heart_rate_bpm: np.ndarray, counted: Optional[np.ndarray] = None) -> dict[str, list]:
    """Seconds spent at each whole heart rate over a 1-second timeline.

    Parameters
    ----------
    heart_rate_bpm : ndarray
        One value per second [1/min], NaN where unknown.
    counted : ndarray of bool, optional
        Seconds to count (e.g. not inside a recording gap).

    Returns
    -------
    dict
        ``bpm`` (whole heart rates seen, ascending) and ``s`` (seconds at each) [s]; empty
        lists without heart rate.
    """
    hr = np.asarray(heart_rate_bpm, dtype=float)
    ok = np.isfinite(hr) & (hr >= _HR_MIN_BPM) & (hr <= _HR_MAX_BPM)
    if counted is not None:
        ok &= np.asarray(counted, dtype=bool)
    if not ok.any():
        return {"bpm": [], "s": []}
    bpm, s = np.unique(np.rint(hr[ok]).astype(int), return_counts=True)
    return {"bpm": bpm.tolist(), "s": s.astype(int).tolist()}


def trimp(hist: dict, hr_max_bpm: float, hr_rest_bpm: float) -> Optional[float]:
    """Banister's training impulse of one activity from its :func:`hr_histogram`.

    ``sum(minutes * HRr * 0.64 * exp(1.92 * HRr))`` with the heart-rate reserve
    ``HRr = (HR - rest) / (max - rest)`` clipped to [0, 1]. None without heart rate.
    """
    bpm = np.asarray(hist.get("bpm") or [], dtype=float)
    if bpm.size == 0 or not hr_max_bpm > hr_rest_bpm:
        return None
    minutes = np.asarray(hist["s"], dtype=float) / 60.0
    hrr = np.clip((bpm - hr_rest_bpm) / (hr_max_bpm - hr_rest_bpm), 0.0, 1.0)
    return round(float(np.sum(minutes * hrr * TRIMP_A * np.exp(TRIMP_B * hrr))), 1)


def season_hr_range(hists: Sequence[dict], *, hr_max_bpm: Optional[float] = None,
                    hr_rest_bpm: Optional[float] = None, min_seconds: int = 30) -> dict[str, Any]:
    """The heart-rate range TRIMP is scaled by, and where each end comes from.

    Maximum: the option, else the highest heart rate held at least ``min_seconds`` over the
    season (a lone spike is a sensor error). Rest: the option, else
    :data:`HR_REST_ASSUMED_BPM`.

    Returns
    -------
    dict
        ``hr_max_bpm``, ``hr_max_source`` ("option"/"season"/None), ``hr_rest_bpm``,
        ``hr_rest_source`` ("option"/"assumed").
    """
    out = {"hr_max_bpm": hr_max_bpm, "hr_max_source": "option" if hr_max_bpm else None,
           "hr_rest_bpm": hr_rest_bpm if hr_rest_bpm else HR_REST_ASSUMED_BPM,
           "hr_rest_source": "option" if hr_rest_bpm else "assumed"}
    if hr_max_bpm:
        return out
    total: dict[int, int] = {}
    for h in hists:
        for b, s in zip(h.get("bpm") or [], h.get("s") or []):
            total[b] = total.get(b, 0) + s
    held = [b for b, s in total.items() if s >= min_seconds]
    if held:
        out.update(hr_max_bpm=float(max(held)), hr_max_source="season")
    return out


def fitness_fatigue(days: Sequence[Any], loads: Sequence[Optional[float]]) -> list[dict[str, Any]]:
    """Daily load, fitness (42-day) and fatigue (7-day) exponentially weighted averages.

    Parameters
    ----------
    days : sequence of date-like
        Each activity's local calendar day.
    loads : sequence of float or None
        Each activity's load (None counts as 0).

    Returns
    -------
    list of dict
        One row per day from the first to the last activity: ``date`` (ISO), ``load``
        (the day's total), ``fitness``, ``fatigue`` and ``form`` (fitness - fatigue), each
        updated as ``x += (load - x) / N``.
    """
    d = pd.to_datetime(pd.Series(list(days)), errors="coerce")
    v = pd.to_numeric(pd.Series(list(loads), dtype=object), errors="coerce").fillna(0.0)
    ok = d.notna().to_numpy()
    if not ok.any():
        return []
    daily = v[ok].groupby(d[ok].dt.normalize().to_numpy()).sum()
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max(), freq="D"), fill_value=0.0)
    fit = daily.ewm(alpha=1.0 / FITNESS_DAYS, adjust=False).mean()
    fat = daily.ewm(alpha=1.0 / FATIGUE_DAYS, adjust=False).mean()
    # ewm's first value is the first load itself; the curves start from zero instead.
    fit = fit - (1.0 - 1.0 / FITNESS_DAYS) ** np.arange(1, len(daily) + 1) * daily.iloc[0]
    fat = fat - (1.0 - 1.0 / FATIGUE_DAYS) ** np.arange(1, len(daily) + 1) * daily.iloc[0]
    return [{"date": t.date().isoformat(), "load": round(float(a), 1), "fitness": round(float(b), 1),
             "fatigue": round(float(c), 1), "form": round(float(b - c), 1)}
            for t, a, b, c in zip(daily.index, daily.to_numpy(), fit.to_numpy(), fat.to_numpy())]
