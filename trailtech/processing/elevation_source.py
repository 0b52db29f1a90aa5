"""Where a recording's elevation comes from: barometer or GPS, decided once per file.

In order: a forced ``config.elevation_source``; the device (:mod:`trailtech.io.fit_devices`:
models with a barometer and models known to have none, from FIT files and from GPX/TCX creator
labels); else the signal's residual around a local line fit
(:func:`~trailtech.processing.elevation.is_barometric_like`), the same at any sampling rate.
Used by :mod:`trailtech.prepare.elevation` and by ``trailtech info`` (``Track.to_dict``).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..io.fit_devices import label_is_barometric
from . import elevation as _ele

__all__ = ["device_barometer", "decide_source", "track_elevation_source"]


def device_barometer(meta) -> Optional[bool]:
    """Whether the recording device has a barometer: the reader's answer (FIT), else the
    device table applied to the label GPX and TCX files carry; None when unknown.

    Parameters
    ----------
    meta : TrackMeta
    """
    if meta.barometric is not None:
        return bool(meta.barometric)
    return label_is_barometric(meta.device)


def decide_source(t_s: np.ndarray, elevation_m: np.ndarray, barometric: Optional[bool],
                  config: AnalysisConfig) -> tuple[str, str]:
    """Barometric or GPS altitude, and why.

    Parameters
    ----------
    t_s : numpy.ndarray
        Sample times [s].
    elevation_m : numpy.ndarray
        Elevation per sample [m], invalid values NaN.
    barometric : bool or None
        What the file's device says (``TrackMeta.barometric``); None: unknown.
    config : AnalysisConfig
        Uses ``elevation_source`` (``"barometric"``/``"gps"`` force the answer),
        ``baro_max_fit_residual_m`` and ``baro_fit_half_window_s``.

    Returns
    -------
    source : str
        ``"barometric"`` or ``"gps"``.
    reason : str
        ``"forced"``, ``"device"`` or ``"signal"``.
    """
    if config.elevation_source in ("barometric", "gps"):
        return config.elevation_source, "forced"
    if barometric is not None:
        return ("barometric" if barometric else "gps"), "device"
    baro = _ele.is_barometric_like(t_s, elevation_m, max_residual_m=config.baro_max_fit_residual_m,
                                   half_window_s=config.baro_fit_half_window_s)
    return ("barometric" if baro else "gps"), "signal"


def track_elevation_source(track, config: Optional[AnalysisConfig] = None) -> Optional[str]:
    """The elevation source ``trailtech info`` shows, before any analysis (no terrain tiles).

    Parameters
    ----------
    track : Track
    config : AnalysisConfig, optional

    Returns
    -------
    str or None
        ``"barometric"`` or ``"gps"``; None without usable elevation or timestamps.
    """
    s = track.samples
    if "elevation_m" not in s or "time" not in s or len(s) < 2:
        return None
    t = s["time"]
    ok = t.notna().to_numpy()
    h = s["elevation_m"].to_numpy(dtype=float)[ok]
    if np.isfinite(h).sum() < 2:
        return None
    t_s = (t[ok] - t[ok].iloc[0]).dt.total_seconds().to_numpy()
    h = np.where(_ele.invalid_elevation_mask(h), np.nan, h)
    if np.isfinite(h).sum() < 2:
        return None
    order = np.argsort(t_s, kind="stable")
    return decide_source(t_s[order], h[order], device_barometer(track.meta), config or AnalysisConfig())[0]
