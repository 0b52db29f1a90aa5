"""Descent skill apart from terrain: one descent run with or without control (issue 14).

The same descent is laid out on smooth or technical ground and run by a runner who either
descends *in control* (the coaching prescription, science.md 3.3: quick, even steps a few spm
over their flat cadence, the stride and not the step rate taking up every terrain-forced
change of speed) or *without* it (braking surges into each obstacle with the cadence dropping
in every surge, long slow steps, an irregular rhythm). Terrain forces the same slow-downs on
both: on technical ground the path zig-zags (hairpins every ~35 m) and each hairpin or rock
step slows the runner to ~55 % of their pace; the controlled runner takes it gradually over
~10 m, the uncontrolled one brakes into it over 4 m and surges out.

:func:`simulate_descent` builds the session (flat warm-up for the runner's flat cadence, the
descent, a flat run-out); options record it the way watches do: a sparse interval, smart
recording (:func:`smart_recording`), no device speed stream (a FIT or GPX with positions
only), no cadence. A walked stretch inside the descent is available too.

Examples
--------
>>> from trailtech.simulate.skill import simulate_descent
>>> run = simulate_descent(seed=0, control=True, terrain="technical")
>>> [s.kind for s in run.truth.sections]
['flat', 'technical_descent', 'flat']
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np
import pandas as pd

from ..track import Track
from .course import Course, Piece, build_course
from .runner import Leg, Runner
from .scenarios import SimulatedRun, _assemble, _check_options, _rngs

__all__ = ["CONTROLLED", "UNCONTROLLED", "simulate_descent", "smart_recording"]

#: Descending in control: cadence ~+6 spm over flat (the +5-7 spm target), even (1 spm
#: irregularity over 20 s), not following the terrain-forced slow-downs (the stride does).
CONTROLLED = dict(gait="run", speed_cv=0.02, speed_tau_s=20.0, cadence_delta_spm=6.0,
                  cadence_follow=0.0, cadence_sd_spm=1.0, cadence_tau_s=20.0)
#: Descending without control: surges (10 % faster between obstacles), hard braking into
#: each one, cadence 3 spm under flat (long steps) and dropping with every brake (1 x the
#: speed-cadence slope), choppy irregular steps.
UNCONTROLLED = dict(gait="run", speed_cv=0.04, speed_tau_s=5.0, speed_factor=1.1,
                    cadence_delta_spm=-3.0, cadence_follow=1.0, cadence_sd_spm=4.0,
                    cadence_tau_s=2.0, brake_ratio=0.45)

_TERRAIN = ("technical", "smooth")


def _obstacles(rng: np.random.Generator, a_m: float, b_m: float, spacing_m: float) -> tuple[float, ...]:
    """Obstacle positions every ``spacing_m`` ± 25 % inside ``[a_m, b_m]``, none at the ends [m]."""
    out, pos = [], a_m + 0.6 * spacing_m
    while pos < b_m - 0.5 * spacing_m:
        out.append(float(pos))
        pos += spacing_m * rng.uniform(0.75, 1.25)
    return tuple(out)


def simulate_descent(
    seed: int = 0,
    *,
    control: bool = True,
    terrain: str = "technical",
    length_m: int = 600,
    grade: float = -0.15,
    walked_m: int = 0,
    elevation_noise: str = "baro",
    position_noise_m: float = 3.0,
    cadence: bool = True,
    sample_interval_s: float = 1.0,
    device_speed: bool = True,
    smart: bool = False,
    runner: Optional[Runner] = None,
    course_seed: Optional[int] = None,
) -> SimulatedRun:
    """A flat warm-up, one descent run with or without control, and a flat run-out.

    Parameters
    ----------
    seed : int
        Fixes the runner's irregularity and the sensor noise.
    control : bool
        Descend in control (:data:`CONTROLLED`) or not (:data:`UNCONTROLLED`).
    terrain : {"technical", "smooth"}
        Technical: switchbacks every ~35 m and a terrain-forced slow-down to 55 % of pace at
        each hairpin and at rock steps in between (every ~18 m in all). Smooth: an even path,
        no forced slow-downs (the uncontrolled runner still brakes every ~60 m, by habit).
    length_m, grade : int, float
        The descent's horizontal length [m] and design grade [-].
    walked_m : int
        Length of a stretch in the middle of the descent that the runner walks [m] (0: none);
        its section kind is ``"walked_descent"``.
    elevation_noise, position_noise_m, cadence, sample_interval_s
        As in :func:`~.scenarios.simulate_trail_run` (barometric altimeter by default).
    device_speed : bool
        Whether the file keeps the watch's speed and distance streams (False: a file with
        positions only, like a GPX, so speed comes from positions).
    smart : bool
        Thin the 1 s recording as smart recording does (:func:`smart_recording`).
    runner : Runner, optional
    course_seed : int, optional
        Seed of the course layout (default: ``seed``); the same ``course_seed`` with another
        ``seed`` runs the same trail again (a retest).

    Returns
    -------
    SimulatedRun
    """
    _check_descent(terrain, length_m, grade, walked_m)
    _check_options(elevation_noise, position_noise_m, sample_interval_s)
    runner = runner or Runner()
    rngs = _rngs(seed)
    course_rng = _rngs(seed if course_seed is None else course_seed)[2]
    tech = terrain == "technical"
    course = build_course(_descent_pieces(tech, length_m, grade, walked_m), rng=course_rng)
    legs = _descent_legs(course, control=control, tech=tech, rng=course_rng)
    run = _assemble(course, legs, runner, seed=seed, rngs=rngs, elevation_noise=elevation_noise,
                    position_noise_m=position_noise_m, cadence=cadence,
                    sample_interval_s=sample_interval_s)
    return _as_recorded(run, smart=smart, device_speed=device_speed)


def _check_descent(terrain: str, length_m: int, grade: float, walked_m: int) -> None:
    """Raise ValueError unless the descent's options are in range (see :func:`simulate_descent`)."""
    if terrain not in _TERRAIN:
        raise ValueError(f"terrain must be one of {_TERRAIN}, got {terrain!r}")
    if not (100 <= length_m <= 5000) or not (-0.40 <= grade <= -0.05):
        raise ValueError(f"length_m={length_m} must be 100-5000 m and grade={grade} within -0.40..-0.05")
    if not (0 <= walked_m <= length_m - 100):
        raise ValueError(f"walked_m={walked_m} must leave at least 100 m of running")


def _descent_pieces(tech: bool, length_m: int, grade: float, walked_m: int) -> list[Piece]:
    """The design: 700 m flat, the descent, 300 m flat.

    The descent is ``length_m`` long [m] at ``grade`` [-], with switchbacks when ``tech`` and
    a walked stretch of ``walked_m`` [m] in its middle when ``walked_m`` > 0.
    """
    kind = "technical_descent" if tech else "smooth_descent"
    if walked_m:
        run1 = (length_m - walked_m) // 2
        parts = [(kind, run1), ("walked_descent", walked_m), (kind, length_m - walked_m - run1)]
    else:
        parts = [(kind, length_m)]
    pieces = [Piece("flat", 700, 0.0, wobble=0.006)]
    for name, n in parts:
        pieces.append(Piece(name, n, grade, wobble=0.02 if tech else 0.004, switchbacks=tech,
                            hairpin_spacing_m=35.0, wander_rad=0.1 if tech else 0.3))
    pieces.append(Piece("flat", 300, 0.0, wobble=0.006))
    return pieces


def _descent_legs(course: Course, *, control: bool, tech: bool, rng: np.random.Generator) -> list[Leg]:
    """The itinerary: one leg per piece of ``course``.

    Flats are run, the walked stretch hiked, and the descent run with or without control,
    slowing at its hairpins and at obstacles placed with ``rng`` (on technical ground; on
    smooth ground only the uncontrolled runner brakes, by habit).
    """
    behaviour = CONTROLLED if control else UNCONTROLLED
    legs = []
    for k, p in enumerate(course.pieces):
        a, b = course.piece_span(k)
        if p.name == "flat":
            legs.append(Leg(kind="flat", u_start_m=a, u_end_m=b, speed_cv=0.03, cadence_sd_spm=1.5))
            continue
        if p.name == "walked_descent":
            # Picking a way down on foot: 0.6 x the hiking model's downhill speed (~1 m/s).
            legs.append(Leg(kind=p.name, u_start_m=a, u_end_m=b, gait="hike", speed_factor=0.6,
                            speed_cv=0.05, cadence_sd_spm=3.0, cadence_tau_s=8.0))
            continue
        if tech:
            pins = [float(h) for h in course.hairpins_m if a < h < b]
            steps = [float(x) for x in _obstacles(rng, a, b, 35.0)
                     if all(abs(x - h) > 8.0 for h in pins)]
            where = tuple(sorted(pins + steps))
        else:
            where = _obstacles(rng, a, b, 60.0) if not control else ()
        leg = Leg(kind=p.name, u_start_m=a, u_end_m=b, **behaviour)
        if control:
            leg = replace(leg, ease_at_m=where, ease_ratio=0.55, ease_down_m=10.0, ease_up_m=12.0)
        else:
            leg = replace(leg, brake_at_m=where)
        legs.append(leg)
    return legs


def _as_recorded(run: SimulatedRun, *, smart: bool, device_speed: bool) -> SimulatedRun:
    """``run`` as the watch's options record it.

    Smart recording thins the track; without ``device_speed`` the device speed and distance
    streams are dropped. The run itself is returned when neither applies.
    """
    samples = run.track.samples
    if smart:
        samples = smart_recording(samples)
    if not device_speed:
        samples = samples.drop(columns=["device_speed_mps", "device_distance_m"])
    if samples is not run.track.samples:
        meta = replace(run.track.meta, n_records=len(samples))
        run = replace(run, track=Track(samples=samples.reset_index(drop=True), meta=meta))
    return run


def smart_recording(samples: pd.DataFrame, *, max_interval_s: float = 10.0, turn_deg: float = 30.0,
                    speed_change_mps: float = 0.5, hr_change_bpm: float = 5.0) -> pd.DataFrame:
    """Thin a 1 s recording as a watch in smart-recording mode would write it.

    A point is kept at the first and last sample, when the heading has turned by
    ``turn_deg`` since the last kept point, when the speed or the heart rate has changed by
    ``speed_change_mps`` or ``hr_change_bpm`` since it, and at least every
    ``max_interval_s`` seconds (Garmin documents "key points: changes in direction, speed or
    heart rate", at most ~1 point per 1-10 s [V]; the thresholds are ours [H]).

    Parameters
    ----------
    samples : pandas.DataFrame
        Track samples (``elapsed_s``; ``lat_deg``/``lon_deg``, ``device_speed_mps``,
        ``heart_rate_bpm`` when present).
    max_interval_s, turn_deg, speed_change_mps, hr_change_bpm : float
        Keep rules [s], [deg], [m/s], [1/min].

    Returns
    -------
    pandas.DataFrame
        The kept rows (index reset).
    """
    n = len(samples)
    if n < 3:
        return samples.reset_index(drop=True)
    t = samples["elapsed_s"].to_numpy(float)

    def col(name):
        return samples[name].to_numpy(float) if name in samples else np.full(n, np.nan)

    lat, lon = col("lat_deg"), col("lon_deg")
    v, hr = col("device_speed_mps"), col("heart_rate_bpm")
    if not np.isfinite(v).any() and np.isfinite(lat).sum() > 2:
        # No speed stream: speed from consecutive positions (equirectangular) [m/s].
        k = np.cos(np.deg2rad(np.nanmean(lat)))
        step = np.hypot(np.diff(lat) * 111195.0, np.diff(lon) * 111195.0 * k)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.r_[np.nan, step / np.diff(t)]
    # Local metres for the turn rule: heading of the leg since the last kept point against the
    # heading of the leg that ended there (legs shorter than 10 m are too noisy to judge).
    k = np.cos(np.deg2rad(np.nanmean(lat))) if np.isfinite(lat).any() else 1.0
    x, y = lon * 111195.0 * k, lat * 111195.0
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    last, head_last = 0, np.nan
    for i in range(1, n - 1):
        hit = t[i] - t[last] >= max_interval_s
        if not hit and np.isfinite(v[i]) and np.isfinite(v[last]):
            hit = abs(v[i] - v[last]) >= speed_change_mps
        if not hit and np.isfinite(hr[i]) and np.isfinite(hr[last]):
            hit = abs(hr[i] - hr[last]) >= hr_change_bpm
        dx, dy = x[i] - x[last], y[i] - y[last]
        head = np.degrees(np.arctan2(dy, dx)) if np.hypot(dx, dy) >= 10.0 else np.nan
        if not hit and np.isfinite(head) and np.isfinite(head_last):
            hit = abs((head - head_last + 180.0) % 360.0 - 180.0) >= turn_deg
        if hit:
            keep[i] = True
            last, head_last = i, head
    return samples.loc[keep].reset_index(drop=True)
