"""Cadence and heart rate on the time grid: a stage of :func:`~trailtech.prepare.prepare`.

Cadence is cleaned (values above 250 spm and one-sample spikes dropped). Pedal or stroke rate
is not step cadence: rows not on foot get none. Zeros while moving are sensor dropouts, not
cadence (:func:`moving_cadence`, once the moving state is known).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..processing import cadence as _cad
from .on_foot import OnFoot
from .time_axis import TimeAxis

__all__ = ["cadence", "moving_cadence", "full_rate_cadence", "heart_rate"]


def cadence(cadence_spm: Optional[np.ndarray], axis: TimeAxis, foot: OnFoot) -> tuple[Optional[np.ndarray], tuple[str, ...]]:
    """Step cadence per grid row [1/min], and the note on what was dropped.

    Parameters
    ----------
    cadence_spm : numpy.ndarray or None
        Cadence per timed sample [1/min].
    axis : TimeAxis
    foot : OnFoot

    Returns
    -------
    cadence_spm : numpy.ndarray or None
        Cleaned cadence (NaN where dropped, in gaps and off foot); None without any.
    notes : tuple of str
    """
    cad = cadence_spm
    if cad is not None and not foot.all:
        cad = np.where(foot.samples, cad, np.nan)
        cad = cad if np.isfinite(cad).any() else None
    if cad is None:
        return None, ()
    cad_g, n_bad = _cad.clean_cadence(axis.on_grid(cad))
    notes = (f"Dropped {n_bad} implausible cadence sample(s) (> 250 spm or one-sample spikes).",) if n_bad else ()
    return cad_g, notes


def moving_cadence(cadence_spm: Optional[np.ndarray], moving: np.ndarray, n: int) -> np.ndarray:
    """The timeline's cadence [1/min]: a zero while moving is a dropout (NaN); all NaN without cadence."""
    if cadence_spm is None:
        return np.full(n, np.nan)
    return np.where(moving & (cadence_spm == 0), np.nan, cadence_spm)


def full_rate_cadence(cadence_spm: np.ndarray, speed_mps: np.ndarray,
                      moving: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """The timeline's cadence with stretches written at half the step rate doubled
    (:func:`trailtech.processing.cadence.half_rate_rows`), and the note saying so."""
    from ..processing.cadence import half_rate_rows

    half = half_rate_rows(cadence_spm, speed_mps, moving)
    if not half.any():
        return cadence_spm, ()
    c = np.asarray(cadence_spm, dtype=float)
    median = float(np.median(c[half]))
    speed = float(np.median(np.asarray(speed_mps, dtype=float)[half]))
    note = (f"Cadence doubled to steps/min in {int(half.sum())} s where it read {median:.0f} spm at "
            f"{speed:.1f} m/s ({speed / (median / 60):.1f} m steps: half the step rate, strides/min).")
    return np.where(half, 2.0 * c, c), (note,)


def heart_rate(heart_rate_bpm: Optional[np.ndarray], axis: TimeAxis) -> np.ndarray:
    """Heart rate per grid row [1/min]; NaN in gaps and without a sensor."""
    if heart_rate_bpm is None:
        return np.full(axis.n, np.nan)
    return axis.on_grid(heart_rate_bpm)
