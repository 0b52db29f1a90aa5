"""The simulated watch: what it records of the true motion, and how a FIT file stores it.

The samples are quantised exactly as a Garmin FIT activity stores them (FIT profile; science.md
5.1), so a :class:`~trailtech.track.Track` built here equals the Track a reader decodes from the
FIT file :func:`trailtech.io.fit_write.to_fit` writes from it:

=================== ===========================================================
column              recording and resolution
=================== ===========================================================
time, elapsed_s     whole seconds (FIT ``timestamp``, uint32 s)
lat_deg, lon_deg    true position + correlated GPS error, in semicircles (2³¹/180 per degree)
elevation_m         true elevation + altimeter error; ``enhanced_altitude``: 0.2 m steps
device_speed_mps    true speed + Doppler error (0 while standing); ``enhanced_speed``: 1 mm/s
device_distance_m   running integral of ``device_speed_mps``; ``distance``: 1 cm
heart_rate_bpm      model heart rate + 1.5 bpm noise, whole beats (uint8)
cadence_spm         true cadence + 1 spm jitter, stored as whole strides/min (``cadence``)
                    plus ``fractional_cadence`` in 1/128 strides/min; the Track holds
                    2 × (cadence + fractional_cadence) steps/min
=================== ===========================================================
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ..processing.geodesy import unproject_local
from ..track import DeviceTotals
from .noise import ELEVATION_NOISE, ElevationNoise, elevation_noise, gps_position_noise, speed_noise

__all__ = [
    "SEMICIRCLES_PER_DEG",
    "DEVICE_NAME",
    "fit_quantise",
    "record",
    "hysteresis_gain",
]

#: FIT stores angles in semicircles: 2^31 per 180 degrees.
SEMICIRCLES_PER_DEG = 2.0**31 / 180.0
#: The product name the simulated watch writes (FIT ``file_id.product_name``, manufacturer
#: ``development``); a FIT reader reports the device as "development (trailtech simulator)".
DEVICE_NAME = "trailtech simulator"


def device_label() -> str:
    """The device string a trailtech FIT reader gives the simulated watch."""
    try:
        from ..io.fit_devices import device_label as _label
    except ImportError:  # pragma: no cover - the reader is part of the package
        return f"development ({DEVICE_NAME})"
    return _label("development", None, DEVICE_NAME) or DEVICE_NAME
#: Cadence jitter of the simulated footpod/wrist sensor [steps/min].
CADENCE_SIGMA_SPM = 1.0
#: Heart-rate sensor noise [1/min].
HR_SIGMA_BPM = 1.5
#: Doppler speed noise σ [m/s] and correlation time [s] (see noise.speed_noise).
SPEED_SIGMA_MPS = 0.12
SPEED_TAU_S = 2.0
#: Correlation time of the GPS position error [s].
POSITION_TAU_S = 20.0


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5)


def fit_quantise(column: str, values: np.ndarray) -> np.ndarray:
    """Round ``values`` of a Track column to what a FIT record field can hold.

    Parameters
    ----------
    column : str
        ``lat_deg``, ``lon_deg``, ``elevation_m``, ``device_speed_mps``, ``device_distance_m``,
        ``heart_rate_bpm`` or ``cadence_spm`` (other columns are returned unchanged).
    values : numpy.ndarray

    Returns
    -------
    numpy.ndarray
        The value a FIT decoder returns for the stored raw integer.
    """
    x = np.asarray(values, dtype=float)
    if column in ("lat_deg", "lon_deg"):
        return np.round(x * SEMICIRCLES_PER_DEG) / SEMICIRCLES_PER_DEG
    if column == "elevation_m":  # enhanced_altitude: scale 5, offset 500
        return (np.round((x + 500.0) * 5.0) / 5.0) - 500.0
    if column == "device_speed_mps":  # enhanced_speed: scale 1000
        return np.round(x * 1000.0) / 1000.0
    if column == "device_distance_m":  # distance: scale 100
        return np.round(x * 100.0) / 100.0
    if column == "heart_rate_bpm":
        return _round_half_up(x)
    if column == "cadence_spm":  # strides/min: uint8 cadence + fractional_cadence (scale 128)
        strides128 = np.round(x / 2.0 * 128.0)
        return 2.0 * strides128 / 128.0
    return x


def hysteresis_gain(elevation_m: np.ndarray, *, threshold_m: float) -> tuple[float, float]:
    """Ascent and descent with a Schmitt-trigger (GoldenCheetah-style) hysteresis [m].

    The simulated watch's stand-in for Garmin's undocumented ascent filter.
    """
    z = np.asarray(elevation_m, dtype=float)
    z = z[np.isfinite(z)]
    if len(z) == 0:
        return 0.0, 0.0
    up = down = 0.0
    ref = z[0]
    # A sequential filter over ~10^4 samples; runs once per simulated file, not in analysis.
    for h in z[1:]:
        if h - ref >= threshold_m:
            up += h - ref
            ref = h
        elif ref - h >= threshold_m:
            down += ref - h
            ref = h
    return up, down


def record(
    truth_at: dict[str, np.ndarray],
    *,
    start_time: pd.Timestamp,
    origin_lat_deg: float,
    origin_lon_deg: float,
    elevation_noise_name: str,
    position_noise_m: float,
    cadence: bool,
    sample_interval_s: float,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, DeviceTotals, dict]:
    """Turn true motion at the sample times into what the watch writes.

    Parameters
    ----------
    truth_at : dict of numpy.ndarray
        True values at the sample times: ``elapsed_s``, ``east_m``, ``north_m``,
        ``elevation_m``, ``speed_mps``, ``cadence_spm``, ``heart_rate_bpm``.
    start_time : pandas.Timestamp
        UTC time of the first sample.
    origin_lat_deg, origin_lon_deg : float
        Geographic origin of the local coordinates [deg].
    elevation_noise_name : {"gps", "baro", "none"}
    position_noise_m : float
        GPS position error σ per axis [m].
    cadence : bool
        Whether the watch records cadence.
    sample_interval_s : float
        Seconds between samples.
    rng : numpy.random.Generator

    Returns
    -------
    samples : pandas.DataFrame
        Track columns, quantised like FIT.
    totals : DeviceTotals
    noise : dict
        The noise settings used (for :attr:`Truth.noise`).
    """
    t = np.asarray(truth_at["elapsed_s"], dtype=float)
    n = len(t)
    model = ELEVATION_NOISE[elevation_noise_name]
    # The sensors draw from ``rng`` in this order: position, altitude, speed, heart rate, cadence.
    de, dn = gps_position_noise(n, sigma_m=position_noise_m, tau_s=POSITION_TAU_S, dt_s=sample_interval_s, rng=rng)
    lat, lon = unproject_local(
        truth_at["east_m"] + de, truth_at["north_m"] + dn, lat0_deg=origin_lat_deg, lon0_deg=origin_lon_deg
    )
    ele = _altimeter_m(truth_at["elevation_m"], model, sample_interval_s, rng=rng)
    v_dev = _doppler_speed_mps(truth_at["speed_mps"], sample_interval_s, rng=rng)
    hr = truth_at["heart_rate_bpm"] + HR_SIGMA_BPM * rng.standard_normal(n)
    cad_true = truth_at["cadence_spm"]
    cad = np.where(cad_true > 0, cad_true + CADENCE_SIGMA_SPM * rng.standard_normal(n), 0.0)
    samples = _fit_samples(t, start_time, lat, lon, ele, v_dev, hr, cad if cadence else None)
    totals = _device_totals(samples, threshold_m=1.0 if elevation_noise_name == "baro" else 5.0)
    noise = _noise_settings(elevation_noise_name, model, position_noise_m=position_noise_m, cadence=cadence,
                            sample_interval_s=sample_interval_s)
    return samples, totals, noise


def _altimeter_m(
    elevation_m: np.ndarray, model: ElevationNoise, sample_interval_s: float, *, rng: np.random.Generator
) -> np.ndarray:
    """True elevation [m] plus the altimeter's fast error and drift, in its ``quantum_m`` steps."""
    fast, drift = elevation_noise(len(elevation_m), model=model, dt_s=sample_interval_s, rng=rng)
    ele = elevation_m + fast + drift
    if model.quantum_m > 0:
        ele = np.round(ele / model.quantum_m) * model.quantum_m
    return ele


def _doppler_speed_mps(v_true_mps: np.ndarray, sample_interval_s: float, *, rng: np.random.Generator) -> np.ndarray:
    """The watch's Doppler speed [m/s].

    True speed ``v_true_mps`` [m/s] plus correlated noise, 0 while standing, stored to 1 mm/s.
    """
    noise = speed_noise(len(v_true_mps), sigma_mps=SPEED_SIGMA_MPS, tau_s=SPEED_TAU_S, dt_s=sample_interval_s, rng=rng)
    v_dev = np.maximum(v_true_mps + noise, 0.0)
    v_dev = np.where(v_true_mps > 0, v_dev, 0.0)  # standing still: the watch writes 0
    return fit_quantise("device_speed_mps", v_dev)


def _fit_samples(
    t_s: np.ndarray,
    start_time: pd.Timestamp,
    lat_deg: np.ndarray,
    lon_deg: np.ndarray,
    elevation_m: np.ndarray,
    speed_mps: np.ndarray,
    hr_bpm: np.ndarray,
    cadence_spm: Optional[np.ndarray],
) -> pd.DataFrame:
    """The Track columns as the FIT file stores them (module docstring).

    Distance [m] is the running integral of ``speed_mps``; ``cadence_spm`` is None when the
    watch records no cadence. One session, one continuous segment (no timer pauses).
    """
    dist = np.concatenate([[0.0], np.cumsum(0.5 * (speed_mps[1:] + speed_mps[:-1]) * np.diff(t_s))])
    samples = pd.DataFrame(
        {
            "time": start_time + pd.to_timedelta(np.round(t_s).astype("int64"), unit="s"),
            "elapsed_s": np.round(t_s),
            "lat_deg": fit_quantise("lat_deg", lat_deg),
            "lon_deg": fit_quantise("lon_deg", lon_deg),
            "elevation_m": fit_quantise("elevation_m", elevation_m),
            "device_speed_mps": speed_mps,
            "device_distance_m": fit_quantise("device_distance_m", dist),
            "heart_rate_bpm": fit_quantise("heart_rate_bpm", np.clip(hr_bpm, 40, 220)),
        }
    )
    if cadence_spm is not None:
        samples["cadence_spm"] = fit_quantise("cadence_spm", np.clip(cadence_spm, 0.0, 2 * 254.99))
    n = len(t_s)
    samples["session"] = np.zeros(n, dtype="int64")
    samples["segment"] = np.zeros(n, dtype="int64")
    samples["time"] = samples["time"].astype("datetime64[ns, UTC]")
    return samples


def _device_totals(samples: pd.DataFrame, *, threshold_m: float) -> DeviceTotals:
    """The session totals the watch writes for its ``samples``.

    Distance [m], ascent and descent [m] through a ``threshold_m`` hysteresis [m], moving and
    elapsed time [s] (the whole recording).
    """
    n = len(samples)
    up, down = hysteresis_gain(samples["elevation_m"].to_numpy(), threshold_m=threshold_m)
    duration = float(samples["elapsed_s"].iloc[-1]) if n else 0.0
    return DeviceTotals(
        distance_m=float(samples["device_distance_m"].iloc[-1]) if n else 0.0,
        ascent_m=float(round(up)),
        descent_m=float(round(down)),
        moving_time_s=duration,
        elapsed_time_s=duration,
    )


def _noise_settings(
    elevation_noise_name: str, model: ElevationNoise, *, position_noise_m: float, cadence: bool,
    sample_interval_s: float,
) -> dict:
    """The noise settings of a recording, for :attr:`Truth.noise`.

    Each σ is in its sensor's unit (name suffix), each τ in [s].
    """
    return {
        "position_noise_m": float(position_noise_m),
        "position_tau_s": POSITION_TAU_S,
        "elevation_noise": elevation_noise_name,
        "elevation_sigma_m": model.sigma_m,
        "elevation_tau_s": model.tau_s,
        "elevation_drift_sigma_m": model.drift_sigma_m,
        "elevation_drift_tau_s": model.drift_tau_s,
        "elevation_quantum_m": model.quantum_m,
        "speed_sigma_mps": SPEED_SIGMA_MPS,
        "speed_tau_s": SPEED_TAU_S,
        "cadence_sigma_spm": CADENCE_SIGMA_SPM if cadence else None,
        "heart_rate_sigma_bpm": HR_SIGMA_BPM,
        "sample_interval_s": float(sample_interval_s),
    }
