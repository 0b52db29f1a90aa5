"""The simulated sessions: a trail run, a hill-repeat session, and a long ultra for benchmarks.

Each builder lays out a course (:mod:`.course`), an itinerary of legs for the runner
(:mod:`.runner`), moves the runner, records it with the simulated watch (:mod:`.device`) and
returns the :class:`SimulatedRun`: the Track a FIT reader would produce and the exact truth.
A seed fixes everything; the same seed gives identical output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ..processing.hiking import tobler_speed_mps
from ..track import DeviceTotals, SessionInfo, Track, TrackMeta
from .course import Course, Piece, build_course
from .device import device_label, record
from .ground_truth import end_time_s, path_climb_m, stop_intervals, truth_samples, truth_sections, watch_input
from .noise import ELEVATION_NOISE
from .runner import Leg, Runner, crossover_grade, simulate_motion
from .truth import Truth

__all__ = ["SimulatedRun", "simulate_trail_run", "simulate_hill_repeats", "simulate_ultra"]

_START_TIME = pd.Timestamp("2026-06-13T06:30:00Z")


@dataclass(frozen=True, eq=False)
class SimulatedRun:
    """A simulated activity.

    Attributes
    ----------
    track : Track
        What a reader decodes from the FIT file of this run (format ``"fit"``, sport
        ``"running"``, sub-sport ``"trail"``, device ``"development (trailtech simulator)"``,
        i.e. product name "trailtech simulator"), cadence in steps/min.
    truth : Truth
        What really happened.
    course : Course
        The trail geometry (noise-free).
    legs : tuple of Leg
        The itinerary the runner followed (one leg per section, in order).
    """

    track: Track
    truth: Truth
    course: Course
    legs: tuple[Leg, ...] = ()


# ----------------------------------------------------------------------------------------
# shared assembly
# ----------------------------------------------------------------------------------------
def _check_options(elevation_noise: str, position_noise_m: float, sample_interval_s: float) -> None:
    if elevation_noise not in ELEVATION_NOISE:
        raise ValueError(f"elevation_noise must be one of {sorted(ELEVATION_NOISE)}, got {elevation_noise!r}")
    if not (np.isfinite(position_noise_m) and 0 <= position_noise_m <= 100):
        raise ValueError(f"position_noise_m must be within 0-100 m, got {position_noise_m}")
    if not (1 <= sample_interval_s <= 60 and float(sample_interval_s).is_integer()):
        raise ValueError(
            f"sample_interval_s must be a whole number of seconds from 1 to 60 (FIT timestamps "
            f"have 1 s resolution), got {sample_interval_s}"
        )


def _assemble(
    course: Course,
    legs: list[Leg],
    runner: Runner,
    *,
    seed: int,
    rngs: list[np.random.Generator],
    elevation_noise: str,
    position_noise_m: float,
    cadence: bool,
    sample_interval_s: float,
    max_duration_s: Optional[float] = None,
) -> SimulatedRun:
    """Move ``runner`` along ``legs``, record the run with the watch, and measure its truth.

    ``rngs[0]`` drives the runner, ``rngs[1]`` the watch; the recording ends when the runner
    comes to rest or after ``max_duration_s`` [s]. The other options are those of
    :func:`simulate_trail_run`.
    """
    motion = simulate_motion(course, legs, runner, rng=rngs[0])
    t_end = end_time_s(motion, max_duration_s)
    samples = truth_samples(course, legs, runner, motion, t_end)
    distance = float(samples["distance_m"].iloc[-1])
    ascent, descent = path_climb_m(course, motion, distance, samples["elevation_m"].iloc[-1])
    stops = stop_intervals(legs, motion, t_end)
    sections = truth_sections(course, legs, runner, motion, samples, t_end_s=t_end, distance_m=distance)
    dev, totals, noise = record(
        watch_input(samples, t_end, sample_interval_s),
        start_time=_START_TIME,
        origin_lat_deg=course.origin_lat_deg,
        origin_lon_deg=course.origin_lon_deg,
        elevation_noise_name=elevation_noise,
        position_noise_m=position_noise_m,
        cadence=cadence,
        sample_interval_s=float(sample_interval_s),
        rng=rngs[1],
    )
    truth = Truth(
        distance_m=distance,
        ascent_m=ascent,
        descent_m=descent,
        elapsed_time_s=t_end,
        moving_time_s=t_end - sum(b - a for a, b in stops),
        stopped_intervals=tuple(stops),
        flat_cadence_spm=runner.flat_cadence_spm,
        flat_speed_mps=runner.flat_speed_mps,
        hike_speed_scale=runner.hike_speed_scale,
        samples=samples,
        sections=tuple(sections),
        noise=noise,
        seed=int(seed),
        crossover_grade=crossover_grade(runner),
        switch_grade=runner.hike_switch_grade if runner.hike_switch_grade is not None else crossover_grade(runner),
    )
    track = Track(samples=dev, meta=_track_meta(len(dev), totals, cadence))
    return SimulatedRun(track=track, truth=truth, course=course, legs=tuple(legs))


def _track_meta(n_records: int, totals: DeviceTotals, cadence: bool) -> TrackMeta:
    """What a FIT reader reports about the simulated watch's file of ``n_records`` samples."""
    return TrackMeta(
        source="<simulator>",
        format="fit",
        sport="running",
        sub_sport="trail",
        device=device_label(),
        start_time=_START_TIME,
        barometric=None,
        cadence_doubled=bool(cadence),
        sessions=(SessionInfo(index=0, sport="running", sub_sport="trail", start_time=_START_TIME),),
        device_totals=totals,
        timer_pauses=(),
        n_records=n_records,
        warnings=(),
    )


def _rngs(seed: int) -> list[np.random.Generator]:
    """Independent streams for course, runner and watch, so changing one leaves the others."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3)]


def _legs_for_pieces(course: Course, gaits: dict[str, dict]) -> list[Leg]:
    """One forward leg per course piece, with the per-kind behaviour in ``gaits``."""
    legs = []
    for k, p in enumerate(course.pieces):
        a, b = course.piece_span(k)
        legs.append(Leg(kind=p.name, u_start_m=a, u_end_m=b, **gaits.get(p.name, {})))
    return legs


#: Behaviour per section kind on a normal run (see runner.Leg for the fields).
_BEHAVIOUR: dict[str, dict] = {
    "flat": dict(gait="run", speed_cv=0.03, cadence_sd_spm=1.5),
    "runnable_climb": dict(gait="run", speed_cv=0.025, cadence_sd_spm=1.2, cadence_tau_s=30.0),
    "steep_climb_hiked": dict(gait="hike", speed_cv=0.06, cadence_sd_spm=3.0, cadence_tau_s=8.0),
    "steep_climb_run_slow": dict(gait="run_slow", speed_cv=0.04, cadence_sd_spm=2.0, cadence_tau_s=8.0),
    # Coached descent: quick, even steps a few spm over flat cadence, steady speed.
    "smooth_descent": dict(gait="run", speed_cv=0.012, speed_tau_s=30.0, cadence_delta_spm=1.5, cadence_sd_spm=0.8, cadence_tau_s=30.0),
    # Technical: surges between hairpins, hard braking into each, choppy irregular steps.
    "technical_descent": dict(gait="run", speed_cv=0.03, speed_tau_s=5.0, speed_factor=1.0, cadence_delta_spm=-4.0, cadence_follow=0.5, cadence_sd_spm=6.0, cadence_tau_s=2.0, brake_ratio=0.45),
    # Natural long descent: cadence unchanged from flat (Chan et al. 2025), stride longer.
    "runnable_descent": dict(gait="run", speed_cv=0.03, cadence_delta_spm=-3.0, cadence_sd_spm=1.5),
    "walk_back_up": dict(gait="hike", speed_cv=0.05, cadence_sd_spm=3.0, cadence_tau_s=8.0),
    # The steepening climb: run while running is faster, hiked past the switch grade.
    "steepening_climb_run": dict(gait="run", speed_cv=0.03, cadence_sd_spm=1.5, cadence_tau_s=20.0),
    "steepening_climb_hiked": dict(gait="hike", speed_cv=0.05, cadence_sd_spm=3.0, cadence_tau_s=8.0),
}

#: The steepening climb of the trail run: design grade from 10% to 35% over 1 km.
STEEPENING_CLIMB = (0.10, 0.35, 1000)


# ----------------------------------------------------------------------------------------
# trail run
# ----------------------------------------------------------------------------------------
def _trail_run_pieces(switch_grade: float) -> list[Piece]:
    P = Piece
    g0, g1, length = STEEPENING_CLIMB
    # Split the ramp where its design grade reaches the runner's switch grade.
    sw = float(np.clip(switch_grade, g0 + 0.02, g1 - 0.02))
    run_len = int(round(length * (sw - g0) / (g1 - g0)))
    return [
        P("flat", 800, 0.0, wobble=0.007),
        P("runnable_climb", 1600, 0.07, wobble=0.01),
        P("flat", 400, 0.0, wobble=0.007),
        P("steep_climb_hiked", 500, 0.27, wobble=0.02),
        P("steep_climb_run_slow", 300, 0.29, wobble=0.012),
        P("steep_climb_hiked", 300, 0.28, wobble=0.02),
        P("flat", 700, 0.0, wobble=0.007),
        P("smooth_descent", 700, -0.12, wobble=0.004, wander_rad=0.3),
        P("flat", 400, 0.0, wobble=0.007),
        P("technical_descent", 280, -0.14, wobble=0.015, switchbacks=True, hairpin_spacing_m=30.0, wander_rad=0.1),
        P("flat", 300, 0.0, wobble=0.007),
        P("runnable_climb", 800, 0.08, wobble=0.01),
        P("steepening_climb_run", run_len, g0, grade_end=sw, wobble=0.008),
        P("steepening_climb_hiked", length - run_len, sw, grade_end=g1, wobble=0.008),
        P("flat", 200, 0.0, wobble=0.007),
        P("runnable_descent", 2800, -0.10, wobble=0.012),
        P("flat", 300, 0.0, wobble=0.007),
    ]


def simulate_trail_run(
    seed: int = 0,
    *,
    elevation_noise: str = "gps",
    position_noise_m: float = 3.0,
    cadence: bool = True,
    sample_interval_s: float = 1.0,
    runner: Optional[Runner] = None,
    course_seed: Optional[int] = None,
) -> SimulatedRun:
    """A ~11.4 km, ~1.65 h trail run with ~710 m of climbing, and its exact truth.

    The route: 0.8 km flat warm-up; 1.6 km runnable climb (~7%); flat; a 1.1 km steep climb
    (27-29%) hiked, then 300 m RUN at no more than hiking speed (a ``"ran_should_hike"``
    stretch), then hiked; a 60 s stop at the top; a ridge; a 700 m smooth descent (-12%);
    flat; a 280 m technical descent (-14%, switchbacks, braking at every hairpin); flat; a
    0.8 km runnable climb (8%) that flows into a 1 km climb steepening gradually from 10% to
    35%, run at the bottom (``"steepening_climb_run"``) and hiked once the grade passes the
    runner's switch grade (``"steepening_climb_hiked"``; 22% by default, a little past the
    runner's crossover grade ``truth.crossover_grade`` = 19.9%); a 200 m ridge; a 2.8 km runnable descent
    (-10%); 0.3 km flat cool-down.

    Parameters
    ----------
    seed : int
        Fixes every random choice (route shape, the runner's irregularity, sensor noise).
    elevation_noise : {"gps", "baro", "none"}
        Altimeter model (:data:`~.noise.ELEVATION_NOISE`).
    position_noise_m : float
        GPS position error σ per axis [m], correlated over 20 s.
    cadence : bool
        Whether the watch records cadence.
    sample_interval_s : float
        Recording interval [s] (whole seconds).
    runner : Runner, optional
        The athlete (default :class:`~.runner.Runner`).
    course_seed : int, optional
        Fixes the route shape instead of ``seed`` (which still fixes the runner and the
        sensor noise): several runs over one course, as a season of the same loop.

    Returns
    -------
    SimulatedRun

    Examples
    --------
    >>> from trailtech.simulate import simulate_trail_run
    >>> run = simulate_trail_run(seed=0)
    >>> round(run.truth.distance_m)
    11380
    """
    _check_options(elevation_noise, position_noise_m, sample_interval_s)
    runner = runner or Runner()
    rngs = _rngs(seed)
    course_rng = rngs[2] if course_seed is None else _rngs(course_seed)[2]
    course = build_course(_trail_run_pieces(runner.switch_grade), rng=course_rng)
    legs = _legs_for_pieces(course, _BEHAVIOUR)
    tech_k = next(k for k, lg in enumerate(legs) if lg.kind == "technical_descent")
    a, b = course.piece_span(tech_k)
    pins = tuple(float(h) for h in course.hairpins_m if a < h < b)
    legs[tech_k] = _replace(legs[tech_k], brake_at_m=pins)
    # The 60 s stop at the top of the steep climb.
    top = next(k for k, p in enumerate(course.pieces) if p.name == "steep_climb_hiked" and k > 4)
    u_top = course.piece_span(top)[1]
    legs.insert(top + 1, Leg(kind="stop", u_start_m=u_top, u_end_m=u_top, gait="stop", duration_s=60.0))
    return _assemble(
        course, legs, runner, seed=seed, rngs=rngs, elevation_noise=elevation_noise,
        position_noise_m=position_noise_m, cadence=cadence, sample_interval_s=sample_interval_s,
    )


def _replace(leg: Leg, **changes) -> Leg:
    from dataclasses import replace

    return replace(leg, **changes)


# ----------------------------------------------------------------------------------------
# hill repeats
# ----------------------------------------------------------------------------------------
#: How the runner's technique evolves over the passes: fraction of hairpins braked, apex
#: speed / surge speed, surge speed factor, cadence offset [spm], cadence irregularity [spm].
_PASS_PROGRESSION = [
    (1.00, 0.42, 0.92, -4.0, 7.5),
    (0.75, 0.48, 0.96, -2.0, 5.0),
    (0.50, 0.55, 1.00, 1.0, 3.5),
    (0.30, 0.60, 1.03, 3.0, 2.5),
    (0.15, 0.65, 1.05, 5.0, 1.5),
]


def simulate_hill_repeats(
    seed: int = 0,
    passes: int = 5,
    *,
    elevation_noise: str = "baro",
    position_noise_m: float = 3.0,
    cadence: bool = True,
    sample_interval_s: float = 1.0,
    runner: Optional[Runner] = None,
) -> SimulatedRun:
    """A line-practice session: one short technical descent run ``passes`` times.

    1.5 km flat warm-up; then a 200 m switchback descent (-17%) run ``passes`` times,
    hiking back up the same path between passes (with a 15 s pause at the top); braking
    fades pass after pass (fewer, shallower braking dips, steadier and quicker cadence,
    faster time); then a 1.2 km flat cool-down.

    Parameters
    ----------
    seed : int
    passes : int
        Number of descents, 1-10 (the technique progression repeats its last step after 5).
    elevation_noise, position_noise_m, cadence, sample_interval_s, runner
        As in :func:`simulate_trail_run` (the default altimeter here is barometric).

    Returns
    -------
    SimulatedRun
    """
    _check_options(elevation_noise, position_noise_m, sample_interval_s)
    if not (isinstance(passes, (int, np.integer)) and 1 <= passes <= 10):
        raise ValueError(f"passes must be an integer from 1 to 10, got {passes!r}")
    runner = runner or Runner()
    rngs = _rngs(seed)
    pieces = [
        Piece("flat", 1500, 0.0, wobble=0.007),
        Piece("technical_descent", 200, -0.17, wobble=0.015, switchbacks=True, hairpin_spacing_m=28.0, wander_rad=0.1),
        Piece("flat", 1200, 0.0, wobble=0.007),
    ]
    course = build_course(pieces, rng=rngs[2], loop_turn_rad=np.pi)
    top, bottom = course.piece_span(1)
    pins = [float(h) for h in course.hairpins_m if top < h < bottom]
    choose = np.random.default_rng(rngs[0].integers(2**32))
    legs = [Leg(kind="flat", u_start_m=0, u_end_m=top, **_BEHAVIOUR["flat"])]
    tech = dict(_BEHAVIOUR["technical_descent"])
    for p in range(1, passes + 1):
        frac, ratio, surge, dcad, sd = _PASS_PROGRESSION[min(p, len(_PASS_PROGRESSION)) - 1]
        n_brake = max(int(round(frac * len(pins))), 1 if frac > 0 else 0)
        braked = set(choose.choice(len(pins), size=n_brake, replace=False).tolist()) if pins else set()
        tech.update(speed_factor=surge, brake_ratio=ratio, cadence_delta_spm=dcad, cadence_sd_spm=sd,
                    speed_cv=0.03 * (0.6 + 0.4 * frac))
        legs.append(
            Leg(kind="technical_descent", u_start_m=top, u_end_m=bottom, pass_index=p,
                brake_at_m=tuple(pins[i] for i in sorted(braked)),
                ease_at_m=tuple(pins[i] for i in range(len(pins)) if i not in braked), **tech)
        )
        if p < passes:
            legs.append(Leg(kind="walk_back_up", u_start_m=bottom, u_end_m=top, pass_index=p, **_BEHAVIOUR["walk_back_up"]))
            legs.append(Leg(kind="stop", u_start_m=top, u_end_m=top, gait="stop", duration_s=15.0, pass_index=p))
    legs.append(Leg(kind="flat", u_start_m=bottom, u_end_m=int(course.length_m), **_BEHAVIOUR["flat"]))
    return _assemble(
        course, legs, runner, seed=seed, rngs=rngs, elevation_noise=elevation_noise,
        position_noise_m=position_noise_m, cadence=cadence, sample_interval_s=sample_interval_s,
    )


# ----------------------------------------------------------------------------------------
# ultra
# ----------------------------------------------------------------------------------------
def simulate_ultra(
    seed: int = 0,
    hours: float = 9.0,
    *,
    elevation_noise: str = "baro",
    position_noise_m: float = 3.0,
    cadence: bool = True,
    sample_interval_s: float = 1.0,
    runner: Optional[Runner] = None,
) -> SimulatedRun:
    """A long mountain ultra of ``hours`` (for benchmarks; not written to sample_tracks).

    A random sequence of flats, runnable and steep climbs (hiked, sometimes partly run),
    smooth, runnable and technical descents, and aid-station stops every ~2 h, kept between
    ~1 000 and ~2 500 m of elevation; the runner slows by 3% per hour. The recording ends
    at ``hours``.

    Parameters
    ----------
    seed : int
    hours : float
        Duration of the recording, 0.25-48 h.
    elevation_noise, position_noise_m, cadence, sample_interval_s, runner
        As in :func:`simulate_trail_run`.

    Returns
    -------
    SimulatedRun
    """
    _check_options(elevation_noise, position_noise_m, sample_interval_s)
    if not (np.isfinite(hours) and 0.25 <= hours <= 48):
        raise ValueError(f"hours must be within 0.25-48, got {hours}")
    runner = runner or Runner(fatigue_per_h=0.03)
    rngs = _rngs(seed)
    plan = np.random.default_rng(rngs[0].integers(2**32))
    pieces, stops_after = _ultra_pieces(plan, hours, runner)
    course = build_course(pieces, rng=rngs[2], loop_turn_rad=2 * np.pi * 2.5)
    out = _ultra_legs(course, stops_after, plan)
    return _assemble(
        course, out, runner, seed=seed, rngs=rngs, elevation_noise=elevation_noise,
        position_noise_m=position_noise_m, cadence=cadence, sample_interval_s=sample_interval_s,
        max_duration_s=hours * 3600.0,
    )


def _ultra_pieces(plan: np.random.Generator, hours: float, runner: Runner) -> tuple[list[Piece], list[int]]:
    """A random mountain route for ``hours`` [h] of running, and where its aid stations are.

    Climbs while below ~1 300 m (and at random below ~2 300 m), descends otherwise, with
    flats in between, until the estimated time (15 % margin and 10 min over ``hours``) is
    reached; an aid station every ~2 h of estimated time.

    Returns
    -------
    pieces : list of Piece
    stops_after : list of int
        Index of the piece after which each aid-station stop comes.
    """
    P = Piece
    pieces: list[Piece] = []
    est_s, z = 0.0, 1040.0
    target_s = hours * 3600.0 * 1.15 + 600.0
    since_aid = 0.0
    stops_after: list[int] = []
    while est_s < target_s:
        r = plan.random()
        want_up = z < 1300 or (z < 2300 and r < 0.5)
        if want_up:
            if plan.random() < 0.4:
                g = plan.uniform(0.22, 0.33)
                length = int(plan.uniform(300, 1200))
                if plan.random() < 0.3:
                    run_len = int(length * plan.uniform(0.2, 0.4))
                    pieces.append(P("steep_climb_hiked", length - run_len, g, wobble=0.02))
                    pieces.append(P("steep_climb_run_slow", run_len, g, wobble=0.012))
                else:
                    pieces.append(P("steep_climb_hiked", length, g, wobble=0.02))
                v = 0.9 * runner.hike_speed_scale * float(tobler_speed_mps(g))
            else:
                g = plan.uniform(0.05, 0.10)
                length = int(plan.uniform(800, 3000))
                pieces.append(P("runnable_climb", length, g, wobble=0.01))
                v = 2.2
            z += g * length
        else:
            kind = plan.choice(["runnable_descent", "smooth_descent", "technical_descent"], p=[0.5, 0.3, 0.2])
            if kind == "technical_descent":
                g, length = -plan.uniform(0.12, 0.20), int(plan.uniform(150, 350))
                pieces.append(P(kind, length, g, wobble=0.015, switchbacks=True, hairpin_spacing_m=30.0, wander_rad=0.1))
                v = 2.4
            else:
                g, length = -plan.uniform(0.07, 0.14), int(plan.uniform(600, 3000))
                pieces.append(P(str(kind), length, g, wobble=0.006 if kind == "smooth_descent" else 0.012))
                v = 3.2
            z += g * length
        est_s += length / v
        since_aid += length / v
        if plan.random() < 0.35:
            length = int(plan.uniform(300, 1500))
            pieces.append(P("flat", length, 0.0, wobble=0.007))
            est_s += length / runner.flat_speed_mps
            since_aid += length / runner.flat_speed_mps
        if since_aid > 7200.0:
            stops_after.append(len(pieces) - 1)
            since_aid = 0.0
            est_s += 180.0
    return pieces, stops_after


def _ultra_legs(course: Course, stops_after: list[int], plan: np.random.Generator) -> list[Leg]:
    """The ultra's itinerary: one leg per piece of ``course``, plus the aid-station stops.

    Technical descents brake at every hairpin; a stop of 2-5 min (drawn from ``plan``) follows
    each piece listed in ``stops_after``.
    """
    legs = _legs_for_pieces(course, _BEHAVIOUR)
    out: list[Leg] = []
    for k, leg in enumerate(legs):
        if leg.kind == "technical_descent":
            a, b = course.piece_span(k)
            leg = _replace(leg, brake_at_m=tuple(float(h) for h in course.hairpins_m if a < h < b))
        out.append(leg)
        if k in stops_after:
            dur = float(plan.uniform(120, 300))
            out.append(Leg(kind="stop", u_start_m=leg.u_end_m, u_end_m=leg.u_end_m, gait="stop", duration_s=dur))
    return out
