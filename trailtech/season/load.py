"""Training load from heart rate or grade-adjusted pace, and the fitness and fatigue curves.

Each activity keeps the seconds it spent at each whole heart rate (a histogram computed in
the worker, cached with its entry); the season turns them into Banister's TRIMP once it knows
the runner's heart-rate range, which it takes from the options or from the season itself.
An activity without heart rate gets a load from its grade-adjusted pace instead
(:func:`gap_load`: TrainingPeaks' rTSS, 100 for an hour at threshold pace), put on the TRIMP
scale by the season's own activities that have both (:func:`season_loads`); each load says
which method made it (``load_method``: "trimp" or "gap").
Fitness and fatigue are exponentially weighted daily loads over 42 and 7 days, as
intervals.icu and GoldenCheetah draw them (their "CTL" and "ATL"; form = fitness - fatigue).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

__all__ = ["hr_histogram", "trimp", "season_hr_range", "fitness_fatigue", "HR_REST_ASSUMED_BPM",
           "FITNESS_DAYS", "FATIGUE_DAYS", "gap_profile", "gap_load", "season_threshold", "season_loads",
           "GAP_TO_TRIMP_ASSUMED", "THRESHOLD_WINDOW_S"]

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


#: Smoothing of the grade-adjusted speed before it is squared [s]: GPS speed noise would
#: otherwise add load (the mean of a square exceeds the square of the mean); TrainingPeaks'
#: normalised graded pace uses the same 30 s rolling window.
GAP_SMOOTH_S = 30
#: Bin of the stored grade-adjusted speed histogram [m/s].
GAP_BIN_MPS = 0.1
#: Threshold pace is the best pace held for an hour (its definition for rTSS); the season
#: takes the fastest hour of grade-adjusted pace it holds [s].
THRESHOLD_WINDOW_S = 3600
#: TRIMP of one hour at threshold per 100 rTSS, used when the season has too few activities
#: with both heart rate and pace to measure it: Banister's weighting at 85 % of the heart-rate
#: reserve (threshold heart rate is 85-90 % of it) for 60 min is 166.9, i.e. 1.67 [heuristic].
GAP_TO_TRIMP_ASSUMED = 1.67
#: Activities with both loads needed to measure the GAP -> TRIMP scale from the season.
GAP_TO_TRIMP_MIN_PAIRS = 3


def gap_profile(speed_mps: np.ndarray, factor: np.ndarray, counted: np.ndarray) -> dict[str, Any]:
    """Seconds at each grade-adjusted speed, and the fastest hour of it, over a 1 Hz timeline.

    Parameters
    ----------
    speed_mps : ndarray
        Horizontal speed per second [m/s].
    factor : ndarray
        Grade-adjusted pace factor of each second (:func:`trailtech.processing.gap.gap_factor`).
    counted : ndarray of bool
        Seconds that count: moving, on foot, not inside a recording gap. Others are 0 m/s in
        the hour's average (a threshold hour is continuous) and left out of the histogram.

    Returns
    -------
    dict
        ``mps10`` (grade-adjusted speed in tenths of m/s, ascending), ``s`` (seconds at each)
        and ``best_hour_mps`` (the fastest 60-min rolling mean [m/s], None when shorter than
        an hour or without speed).
    """
    v = np.asarray(speed_mps, dtype=float) * np.asarray(factor, dtype=float)
    ok = np.asarray(counted, dtype=bool) & np.isfinite(v)
    v = np.where(ok, np.clip(v, 0.0, 12.0), 0.0)  # 12 m/s: beyond any runner, a GPS spike
    out: dict[str, Any] = {"mps10": [], "s": [], "best_hour_mps": None}
    if not ok.any():
        return out
    # Smoothed over the counted seconds only, so a stop does not drag down the pace around it.
    vc = v[ok]
    cc = np.concatenate([[0.0], np.cumsum(vc)])
    k = GAP_SMOOTH_S
    smooth = (cc[k:] - cc[:-k]) / k if len(vc) >= k else np.full(len(vc), cc[-1] / len(vc))
    smooth = np.concatenate([np.full(len(vc) - len(smooth), smooth[0]), smooth])
    bins, s = np.unique(np.rint(smooth / GAP_BIN_MPS).astype(int), return_counts=True)
    out.update(mps10=bins.tolist(), s=s.astype(int).tolist())
    c = np.concatenate([[0.0], np.cumsum(v)])
    if len(v) >= THRESHOLD_WINDOW_S:
        w = THRESHOLD_WINDOW_S
        out["best_hour_mps"] = round(float(np.max(c[w:] - c[:-w]) / w), 3)
    return out


def gap_load(hist: dict, threshold_mps: Optional[float]) -> Optional[float]:
    """rTSS of one activity from its :func:`gap_profile`: ``sum(hours * (v / threshold)^2) * 100``.

    100 is an hour at threshold pace (TrainingPeaks' running TSS, with grade-adjusted pace as
    the normalised graded pace). None without pace or threshold.
    """
    bins = np.asarray(hist.get("mps10") or [], dtype=float)
    if bins.size == 0 or not threshold_mps or not threshold_mps > 0:
        return None
    hours = np.asarray(hist["s"], dtype=float) / 3600.0
    return round(float(np.sum(hours * (bins * GAP_BIN_MPS / threshold_mps) ** 2) * 100.0), 1)


def season_threshold(profiles: Sequence[dict], *, threshold_mps: Optional[float] = None) -> dict[str, Any]:
    """The threshold grade-adjusted speed rTSS is scaled by, and where it comes from.

    The option, else the fastest hour of grade-adjusted pace in the season (an hour's race or
    hard run; a season of easy runs only gives a slow threshold and so loads that are too high).

    Returns
    -------
    dict
        ``threshold_gap_mps`` [m/s] and ``threshold_source`` ("option"/"season"/None).
    """
    if threshold_mps:
        return {"threshold_gap_mps": float(threshold_mps), "threshold_source": "option"}
    best = [p.get("best_hour_mps") for p in profiles if p.get("best_hour_mps")]
    if not best:
        return {"threshold_gap_mps": None, "threshold_source": None}
    return {"threshold_gap_mps": round(float(max(best)), 3), "threshold_source": "season"}


def season_loads(hr_hists: Sequence[dict], gap_profiles: Sequence[dict], hr_range: dict,
                 threshold: dict, counted: Sequence[bool]) -> tuple[list, list, dict[str, Any]]:
    """Each activity's load and the method that made it.

    Heart rate first (:func:`trimp`); without it, grade-adjusted pace (:func:`gap_load`) times
    the TRIMP per rTSS of this runner: the median ratio over the ``counted`` activities that
    have both (at least :data:`GAP_TO_TRIMP_MIN_PAIRS`), else :data:`GAP_TO_TRIMP_ASSUMED`.

    Returns
    -------
    (list, list, dict)
        Loads (float or None), methods ("trimp", "gap" or None) and the scale:
        ``gap_to_trimp``, ``gap_to_trimp_source`` ("season"/"assumed") and
        ``gap_to_trimp_pairs`` (activities it was measured on).
    """
    hr_max, hr_rest = hr_range.get("hr_max_bpm"), hr_range.get("hr_rest_bpm")
    trimps = [trimp(h, hr_max, hr_rest) if hr_max else None for h in hr_hists]
    raw_gap = [gap_load(p, threshold.get("threshold_gap_mps")) for p in gap_profiles]
    ratios = [t / g for t, g, c in zip(trimps, raw_gap, counted) if c and t is not None and g]
    scale: dict[str, Any] = {"gap_to_trimp": GAP_TO_TRIMP_ASSUMED, "gap_to_trimp_source": "assumed",
                             "gap_to_trimp_pairs": len(ratios)}
    if len(ratios) >= GAP_TO_TRIMP_MIN_PAIRS:
        scale.update(gap_to_trimp=round(float(np.median(ratios)), 3), gap_to_trimp_source="season")
    loads, methods = [], []
    for t, g in zip(trimps, raw_gap):
        if t is not None:
            loads.append(t)
            methods.append("trimp")
        elif g is not None:
            loads.append(round(g * scale["gap_to_trimp"], 1))
            methods.append("gap")
        else:
            loads.append(None)
            methods.append(None)
    return loads, methods, scale
