"""Sensor noise models of the simulated watch: GPS position, GPS or barometric elevation, speed.

Every generator is a pure function of its arguments and a :class:`numpy.random.Generator`, so a
fixed seed gives identical noise. The building block is a stationary first-order
autoregressive process (AR(1), a sampled Ornstein-Uhlenbeck process): GPS errors are strongly
correlated from one second to the next (the receiver's tracking loops and the slowly changing
satellite geometry), which is why white noise would be a poor model.

Default levels (see :data:`ELEVATION_NOISE`) follow ``shared/design/science.md`` topic 4:
static GPS position error ~1-5 m (Townshend et al. 2008), GPS altitude errors of several metres,
barometric altimeters ~0.1-0.3 m of short-term noise with a slow weather drift (1 hPa/h is about
8 m/h near sea level), Doppler speed within ~0.1-0.2 m/s (Townshend 2008; Witte & Wilson 2004).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ElevationNoise",
    "ELEVATION_NOISE",
    "ar1",
    "gps_position_noise",
    "elevation_noise",
    "speed_noise",
]


@dataclass(frozen=True)
class ElevationNoise:
    """Parameters of the elevation error model ``fast + drift`` (then quantised).

    Attributes
    ----------
    sigma_m : float
        Standard deviation of the fast AR(1) component [m].
    tau_s : float
        Correlation time of the fast component [s].
    drift_sigma_m : float
        Standard deviation of the slow AR(1) drift [m].
    drift_tau_s : float
        Correlation time of the drift [s].
    quantum_m : float
        Resolution the sensor reports in [m]; 0 for none.
    """

    sigma_m: float
    tau_s: float
    drift_sigma_m: float
    drift_tau_s: float
    quantum_m: float


#: Elevation error models by ``elevation_noise`` name. ``"gps"``: GNSS altitude, σ 4 m with a
#: 40 s correlation time plus a 5 m drift over ~20 min; ``"baro"``: a barometric altimeter,
#: σ 0.25 m (2 s) reported in 0.1 m steps plus a 3 m weather drift over ~1 h;
#: ``"none"``: the exact profile.
ELEVATION_NOISE: dict[str, ElevationNoise] = {
    "gps": ElevationNoise(sigma_m=4.0, tau_s=40.0, drift_sigma_m=5.0, drift_tau_s=1200.0, quantum_m=0.0),
    "baro": ElevationNoise(sigma_m=0.25, tau_s=2.0, drift_sigma_m=3.0, drift_tau_s=3600.0, quantum_m=0.1),
    "none": ElevationNoise(sigma_m=0.0, tau_s=1.0, drift_sigma_m=0.0, drift_tau_s=1.0, quantum_m=0.0),
}


def ar1(n: int, *, sigma: float, tau_s: float, dt_s: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary AR(1) series: ``x[k] = φ x[k-1] + sqrt(1-φ²) σ e[k]``, ``φ = exp(-dt/τ)``.

    Parameters
    ----------
    n : int
        Number of samples.
    sigma : float
        Marginal standard deviation [same unit as the output].
    tau_s : float
        Correlation time [s]: the autocorrelation at lag ``τ`` is ``1/e``.
    dt_s : float
        Sample interval [s].
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        ``n`` samples, starting in the stationary distribution ``N(0, σ²)``.

    Raises
    ------
    ValueError
        If ``sigma < 0``, ``tau_s <= 0`` or ``dt_s <= 0``.
    """
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    if tau_s <= 0 or dt_s <= 0:
        raise ValueError(f"tau_s and dt_s must be > 0, got tau_s={tau_s}, dt_s={dt_s}")
    e = rng.standard_normal(n)
    if n == 0 or sigma == 0:
        return np.zeros(n)
    from scipy.signal import lfilter

    phi = float(np.exp(-dt_s / tau_s))
    drive = e * np.sqrt(1.0 - phi * phi)
    drive[0] = e[0]  # start in the stationary distribution, not at zero
    return sigma * lfilter([1.0], [1.0, -phi], drive)


def gps_position_noise(
    n: int, *, sigma_m: float, tau_s: float = 20.0, dt_s: float = 1.0, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal GPS position error, east and north, each an independent AR(1).

    Parameters
    ----------
    n : int
        Number of samples.
    sigma_m : float
        Standard deviation of each axis [m] (the radial RMS error is ``sqrt(2)·σ``).
    tau_s : float
        Correlation time [s]; 10-30 s matches the slow wander of consumer receivers.
    dt_s : float
        Sample interval [s].
    rng : numpy.random.Generator

    Returns
    -------
    (east_m, north_m) : tuple of numpy.ndarray
        Errors to add to the true local coordinates [m].
    """
    if sigma_m < 0:
        raise ValueError(f"position_noise_m must be >= 0, got {sigma_m}")
    east = ar1(n, sigma=sigma_m, tau_s=tau_s, dt_s=dt_s, rng=rng)
    north = ar1(n, sigma=sigma_m, tau_s=tau_s, dt_s=dt_s, rng=rng)
    return east, north


def elevation_noise(
    n: int, *, model: ElevationNoise, dt_s: float = 1.0, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Elevation error of a GPS or barometric altimeter: a fast part and a slow drift.

    Parameters
    ----------
    n : int
        Number of samples.
    model : ElevationNoise
        One of :data:`ELEVATION_NOISE` (or your own).
    dt_s : float
        Sample interval [s].
    rng : numpy.random.Generator

    Returns
    -------
    (fast_m, drift_m) : tuple of numpy.ndarray
        The two components [m]; the recorded elevation is ``quantise(true + fast + drift)``.
    """
    fast = ar1(n, sigma=model.sigma_m, tau_s=model.tau_s, dt_s=dt_s, rng=rng)
    drift = ar1(n, sigma=model.drift_sigma_m, tau_s=model.drift_tau_s, dt_s=dt_s, rng=rng)
    return fast, drift


def speed_noise(
    n: int, *, sigma_mps: float = 0.12, tau_s: float = 2.0, dt_s: float = 1.0, rng: np.random.Generator
) -> np.ndarray:
    """Doppler speed error [m/s]: ~0.1-0.2 m/s, correlated over a couple of seconds.

    Townshend et al. (2008) found Doppler speed within ±0.1 m/s for 91% of walking and running
    samples; Witte & Wilson (2004) within 0.2 m/s for 45%. σ = 0.12 m/s sits between the two.
    """
    return ar1(n, sigma=sigma_mps, tau_s=tau_s, dt_s=dt_s, rng=rng)
