"""Trail geometry: a smooth winding 2-D path with a noise-free elevation profile.

A :class:`Course` is sampled on a 1 m arc-length grid ``u_m``. The path is built by integrating
a heading ``θ(u)`` (so consecutive grid points are exactly 1 m apart horizontally, and the true
horizontal length of any stretch is its ``u`` extent); the elevation by integrating a grade
``g(u)`` (rise over horizontal run). Both are smooth: grade changes between pieces are eased
over ~24 m, heading wanders with a ~40 m correlation length, and switchback pieces alternate
traverses ±80° from the fall line joined by 160° hairpins of ~3 m radius.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["Piece", "Course", "build_course"]

# Hairpin geometry: the heading swings 2·_SB_HALF_ANGLE over _SB_TURN_M of path.
_SB_HALF_ANGLE = np.deg2rad(80.0)
_SB_TURN_M = 14.0


@dataclass(frozen=True)
class Piece:
    """One stretch of trail, as designed.

    Attributes
    ----------
    name : str
        Label (the section kind it is built for, e.g. ``"technical_descent"``).
    length_m : int
        Horizontal length [m] (whole metres: the course grid is 1 m).
    grade : float
        Mean design grade, rise over run [-] (e.g. 0.28 for 28%).
    wobble : float
        Standard deviation of the smooth grade undulation around ``grade`` [-].
    switchbacks : bool
        Whether the path zig-zags down (or up) the slope with hairpins.
    hairpin_spacing_m : float
        Mean distance between hairpins on a switchback piece [m].
    wander_rad : float
        Standard deviation of the smooth heading wander [rad].
    grade_end : float or None
        For a climb that steepens (or eases) gradually: the design grade at the piece's end,
        reached linearly from ``grade`` at its start [-]; ``None`` keeps ``grade`` throughout.
    """

    name: str
    length_m: int
    grade: float
    wobble: float = 0.01
    switchbacks: bool = False
    hairpin_spacing_m: float = 30.0
    wander_rad: float = 0.5
    grade_end: float | None = None

    def design_grade(self, x_m: np.ndarray) -> np.ndarray:
        """Design grade at ``x_m`` metres into the piece [-]."""
        x = np.asarray(x_m, dtype=float)
        if self.grade_end is None:
            return np.full(x.shape, float(self.grade))
        return self.grade + (self.grade_end - self.grade) * np.clip(x / self.length_m, 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class Course:
    """A trail sampled every metre of horizontal distance.

    Attributes
    ----------
    u_m : numpy.ndarray
        Arc length along the trail, 0, 1, 2, ... [m].
    east_m, north_m : numpy.ndarray
        Local coordinates of each grid point relative to the origin [m].
    elevation_m : numpy.ndarray
        Noise-free elevation [m].
    grade : numpy.ndarray
        ``d elevation / d u`` at each grid point (central difference) [-].
    piece_start_m : numpy.ndarray
        Arc length where each design piece starts [m] (one more entry: the end).
    pieces : tuple of Piece
        The design pieces.
    hairpins_m : numpy.ndarray
        Arc length of every hairpin apex [m].
    origin_lat_deg, origin_lon_deg : float
        Geographic position of the local origin [deg].
    """

    u_m: np.ndarray
    east_m: np.ndarray
    north_m: np.ndarray
    elevation_m: np.ndarray
    grade: np.ndarray
    piece_start_m: np.ndarray
    pieces: tuple[Piece, ...]
    hairpins_m: np.ndarray
    origin_lat_deg: float
    origin_lon_deg: float

    @property
    def length_m(self) -> float:
        """Total horizontal length [m]."""
        return float(self.u_m[-1])

    def piece_span(self, index: int) -> tuple[int, int]:
        """``(start_m, end_m)`` of design piece ``index`` [m]."""
        return int(self.piece_start_m[index]), int(self.piece_start_m[index + 1])


def _smooth_noise(n: int, length_m: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance Gaussian-smoothed white noise with correlation length ``length_m``."""
    from scipy.ndimage import gaussian_filter1d

    raw = rng.standard_normal(n)
    sm = gaussian_filter1d(raw, sigma=length_m, mode="reflect")
    sd = sm.std()
    return sm / sd if sd > 0 else sm


def _ease(x: np.ndarray) -> np.ndarray:
    """Smooth step from 0 (x <= 0) to 1 (x >= 1), zero slope at both ends."""
    c = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * c)


def build_course(
    pieces: list[Piece] | tuple[Piece, ...],
    *,
    rng: np.random.Generator,
    origin_lat_deg: float = 45.923,
    origin_lon_deg: float = 6.869,
    start_elevation_m: float = 1040.0,
    loop_turn_rad: float = 2.0 * np.pi * 0.85,
    start_heading_rad: float | None = None,
) -> Course:
    """Lay out a winding trail made of ``pieces``.

    Parameters
    ----------
    pieces : sequence of Piece
        The design, in order.
    rng : numpy.random.Generator
        Randomness for the heading wander, grade undulation and hairpin spacing.
    origin_lat_deg, origin_lon_deg : float
        Where the trail starts [deg] (default: near Chamonix, 45.92 N 6.87 E).
    start_elevation_m : float
        Elevation at the start [m].
    loop_turn_rad : float
        Total slow heading rotation over the course [rad]; ~2π makes a rough loop.
    start_heading_rad : float, optional
        Initial heading, counter-clockwise from east [rad]; random when ``None``.

    Returns
    -------
    Course
    """
    if not pieces:
        raise ValueError("pieces must not be empty")
    lengths = np.array([int(p.length_m) for p in pieces])
    if (lengths < 1).any():
        raise ValueError("every piece needs length_m >= 1")
    starts = np.concatenate([[0], np.cumsum(lengths)])
    n = int(starts[-1]) + 1
    u = np.arange(n, dtype=float)
    idx = np.clip(np.searchsorted(starts, u, side="right") - 1, 0, len(pieces) - 1)
    # The stream is drawn in this order: grade undulation, start heading, heading wander, hairpins.
    elevation = _elevation_m(pieces, starts, u, idx, start_elevation_m, rng=rng)
    grade = np.gradient(elevation)
    theta0 = rng.uniform(0, 2 * np.pi) if start_heading_rad is None else float(start_heading_rad)
    theta, hairpins = _heading_rad(pieces, starts, u, idx, theta0, loop_turn_rad, rng=rng)
    step_theta = 0.5 * (theta[:-1] + theta[1:])
    east = np.concatenate([[0.0], np.cumsum(np.cos(step_theta))])
    north = np.concatenate([[0.0], np.cumsum(np.sin(step_theta))])
    return Course(
        u_m=u,
        east_m=east,
        north_m=north,
        elevation_m=elevation,
        grade=grade,
        piece_start_m=starts.astype(float),
        pieces=tuple(pieces),
        hairpins_m=np.array(hairpins, dtype=float),
        origin_lat_deg=float(origin_lat_deg),
        origin_lon_deg=float(origin_lon_deg),
    )


def _elevation_m(
    pieces: Sequence[Piece],
    starts: np.ndarray,
    u: np.ndarray,
    idx: np.ndarray,
    start_elevation_m: float,
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    """Elevation on the grid [m]: the eased design grade plus a smooth undulation, integrated.

    ``starts`` are the pieces' start positions [m] (one more: the end), ``u`` the grid [m],
    ``idx`` the piece of each grid point.
    """
    from scipy.ndimage import uniform_filter1d

    n = len(u)
    design = np.array([p.grade for p in pieces])[idx]
    for k, p in enumerate(pieces):
        if p.grade_end is not None:  # a ramp: grade changes linearly along the piece
            sel = idx == k
            design[sel] = p.design_grade(u[sel] - starts[k])
    wobble = np.array([p.wobble for p in pieces])[idx]
    # Ease grade steps over ~24 m, like a real trail rolling over a break of slope.
    design = uniform_filter1d(design, size=25, mode="nearest")
    wobble = uniform_filter1d(wobble, size=25, mode="nearest")
    undulation = wobble * _smooth_noise(n, 35.0, rng)
    # Zero-mean within each piece, so a piece's mean grade is its mean design grade (a "flat"
    # stays flat overall; only the ~24 m eased transitions shift it slightly).
    sums = np.bincount(idx, weights=undulation, minlength=len(pieces))
    undulation = undulation - (sums / np.bincount(idx, minlength=len(pieces)))[idx]
    grade_mid = design + undulation
    step_grade = 0.5 * (grade_mid[:-1] + grade_mid[1:])  # grade over each 1 m step
    return start_elevation_m + np.concatenate([[0.0], np.cumsum(step_grade)])


def _heading_rad(
    pieces: Sequence[Piece],
    starts: np.ndarray,
    u: np.ndarray,
    idx: np.ndarray,
    theta0_rad: float,
    loop_turn_rad: float,
    *,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[float]]:
    """Heading on the grid [rad] (slow loop rotation, wander, switchbacks) and the hairpins [m].

    The heading starts at ``theta0_rad`` and turns by ``loop_turn_rad`` over the course;
    ``starts``, ``u`` and ``idx`` as in :func:`_elevation_m`.
    """
    from scipy.ndimage import uniform_filter1d

    n = len(u)
    wander_sd = uniform_filter1d(np.array([p.wander_rad for p in pieces])[idx], size=41, mode="nearest")
    theta = theta0_rad + loop_turn_rad * u / max(u[-1], 1.0) + wander_sd * _smooth_noise(n, 40.0, rng)
    hairpins: list[float] = []
    for k, p in enumerate(pieces):
        if not p.switchbacks:
            continue
        a, b = float(starts[k]), float(starts[k + 1])
        apexes = _hairpin_apexes(a, b, p.hairpin_spacing_m, rng=rng)
        hairpins.extend(apexes)
        theta = theta + _switchback_swing_rad(u, a, b, apexes)
    return theta, hairpins


def _hairpin_apexes(a_m: float, b_m: float, spacing_m: float, *, rng: np.random.Generator) -> list[float]:
    """Hairpin apexes in ``[a_m, b_m]``, spaced ~``spacing_m`` ± 20%, none within a turn of the ends [m]."""
    apexes = []
    pos = a_m + 0.6 * spacing_m
    while pos < b_m - 0.5 * spacing_m:
        apexes.append(pos)
        pos += spacing_m * rng.uniform(0.8, 1.2)
    return apexes


def _switchback_swing_rad(u: np.ndarray, a_m: float, b_m: float, apexes: list[float]) -> np.ndarray:
    """Heading added by a switchback piece from ``a_m`` to ``b_m`` on the grid ``u`` [rad].

    A square wave ±half-angle around the fall line, eased through each hairpin; eased in from
    and out to the plain heading over one turn length at the piece's ends.
    """
    sign = np.ones(len(u))
    for apex in apexes:
        flip = 1.0 - 2.0 * _ease((u - (apex - _SB_TURN_M / 2)) / _SB_TURN_M)
        sign = sign * flip
    envelope = _ease((u - a_m) / _SB_TURN_M) * _ease((b_m - u) / _SB_TURN_M)
    return _SB_HALF_ANGLE * sign * envelope
