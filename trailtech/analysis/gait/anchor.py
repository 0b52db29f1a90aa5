"""The runner's flat running pace, which anchors the speed rule for files without cadence (issue 15).

The speed rule's walk-run speed, ``v_wrt(g)`` (2.0 m/s on the flat), is a population figure: a
slow jogger running at 1.8 m/s on the flat is "hiking" under it all the way (four files of the
real corpus, agreement with their own cadence 40-57 %). Anchored to the runner's own flat pace,
the rule's curve is scaled down for slow runners, never up:
``v_wrt(g) · min(1, ratio · v_run / v_wrt(0))`` (:func:`.classification.speed_rule_scale`).

The flat running pace ``v_run`` [m/s] comes from the flat moving seconds:

* two flat gaits (a walking and a running peak of the speed histogram, one either side of
  ``boundary_mps``): the mean speed above the trough between them;
* one flat gait, as fast as a jog (``jog_min_mps``) and, when heart rate is recorded, with the
  heart rate of running (``jog_min_hr_bpm``; a walker at 1.7 m/s shows 93-98 bpm, joggers at
  1.85-2.05 m/s 126-136 bpm in the corpus), or, without heart rate, at least ``no_hr_jog_mps``:
  its median speed;
* else none (a walker, or too little flat ground): the rule is left as it is.
"""

from __future__ import annotations

import numpy as np

from .trough import trough_centre

__all__ = ["flat_running_speed_mps"]


def _rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    import pandas as pd

    return pd.Series(np.asarray(x, float)).rolling(window, center=True, min_periods=1).median().to_numpy()


def flat_running_speed_mps(speed_mps: np.ndarray, grade: np.ndarray, heart_rate_bpm: np.ndarray,
                           dt_s: np.ndarray, *, flat_grade: float = 0.03, min_flat_s: float = 120.0,
                           boundary_mps: float = 1.95, min_separation_mps: float = 0.6,
                           jog_min_mps: float = 1.6, jog_min_hr_bpm: float = 110.0,
                           no_hr_jog_mps: float = 1.9, window: int = 15) -> float:
    """The runner's flat running speed [m/s], NaN when the file shows none (see the module).

    Parameters
    ----------
    speed_mps, grade, heart_rate_bpm, dt_s : array, shape (n,)
        Consecutive moving rows: speed [m/s], grade [fraction], heart rate [bpm] (NaN where
        absent) and row duration [s].
    flat_grade : float
        Rows with ``|grade|`` under it are flat [fraction].
    min_flat_s : float
        Less flat moving time gives NaN [s].
    boundary_mps, min_separation_mps : float
        A walking peak below and a running peak above ``boundary_mps``, at least
        ``min_separation_mps`` apart, make two flat gaits [m/s].
    jog_min_mps, jog_min_hr_bpm, no_hr_jog_mps : float
        One flat gait is running when its peak is at least ``jog_min_mps`` and its median heart
        rate at least ``jog_min_hr_bpm``, or, without heart rate, its peak at least
        ``no_hr_jog_mps`` [m/s], [bpm].
    window : int
        Rows of the running median of speed and heart rate.

    Returns
    -------
    float
    """
    v = _rolling_median(speed_mps, window)
    hr = _rolling_median(heart_rate_bpm, window)
    g = np.nan_to_num(np.asarray(grade, float), nan=1.0)
    w = np.asarray(dt_s, float)
    flat = (np.abs(g) < flat_grade) & (v > 0.5) & np.isfinite(v)
    if w[flat].sum() < min_flat_s:
        return float("nan")
    vf, wf = v[flat], w[flat]
    edges = np.arange(0.5, 5.0 + 0.1, 0.1)
    hist, _ = np.histogram(np.clip(vf, 0.5, 4.999), bins=edges, weights=wf)
    split = trough_centre(hist.astype(float), edges, min_separation_spm=min_separation_mps,
                          boundary_spm=boundary_mps)
    if split is not None:
        above = vf >= split
        return float(np.average(vf[above], weights=wf[above]))
    # One gait: its median speed.
    order = np.argsort(vf)
    cum = np.cumsum(wf[order])
    peak = float(vf[order][np.searchsorted(cum, 0.5 * cum[-1])])
    hr_flat = hr[flat]
    if np.isfinite(hr_flat).any():
        is_jog = peak >= jog_min_mps and float(np.nanmedian(hr_flat)) >= jog_min_hr_bpm
    else:
        is_jog = peak >= no_hr_jog_mps
    return peak if is_jog else float("nan")
