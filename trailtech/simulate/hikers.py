"""Runners whose hike/run crossover grade is known: the known-answer test of issue 15.

:func:`hiker_runner` builds a :class:`~.runner.Runner` of a given ability whose model running
and hiking speeds meet at a chosen crossover grade (its hiking scale is solved for).
:func:`simulate_hill_session` sends that runner over a course of climbs at many grades
(4-40 %), each cut into ~120 m stretches; on each stretch the runner hikes with a probability
that rises with grade around their *switch* grade (logistic, ``mix_width``). A runner who
chooses well switches at their crossover; one who chooses badly switches a few points above
it (runs where hiking would be as fast) or below it (hikes what they could run). Around the
switch both gaits are seen at the same grades, which is the evidence an observed crossover
needs. Heart rate follows effort (:func:`.runner.heart_rate`: flat-equivalent speed times a
per-gait cost, hiking cheaper), so it rises when the runner runs a grade they could hike.

``truth.crossover_grade`` is the exact answer; ``truth.switch_grade`` where the runner chose to
switch.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from .course import Piece, build_course
from .runner import Leg, Runner, crossover_grade, hiking_speed_mps, running_speed_mps
from .scenarios import SimulatedRun, _assemble, _check_options, _rngs

__all__ = ["hiker_runner", "simulate_hill_session", "HILL_SESSION_GRADES"]

#: Design grades of the session's climbs [fraction]: every grade where trail runners switch,
#: each climbed twice (in a shuffled order fixed by the seed).
HILL_SESSION_GRADES = tuple(np.round(np.arange(0.04, 0.405, 0.03), 3))


def hiker_runner(crossover: float, *, flat_speed_mps: float = 3.0, steep_run_decay: float = 15.0,
                 switch_offset: float = 0.0, **kwargs) -> Runner:
    """A runner whose model running and hiking speeds meet at ``crossover``.

    Parameters
    ----------
    crossover : float
        The runner's true crossover grade [fraction], 0.08-0.35.
    flat_speed_mps : float
        Easy flat running speed: the runner's ability [m/s].
    steep_run_decay : float
        How fast running fades on steep ground (:class:`~.runner.Runner`) [-].
    switch_offset : float
        Where the runner actually switches, relative to the crossover [fraction]: 0 chooses
        well, +0.05 runs 5 points past it, -0.05 hikes 5 points below it.
    **kwargs
        Other :class:`~.runner.Runner` fields.

    Returns
    -------
    Runner
        With ``hike_speed_scale`` solved so that :func:`.runner.crossover_grade` is
        ``crossover`` (within 1e-5), and ``hike_switch_grade = crossover + switch_offset``.
    """
    from scipy.optimize import brentq

    if not 0.08 <= crossover <= 0.35:
        raise ValueError(f"crossover must be within 0.08-0.35, got {crossover}")
    base = Runner(flat_speed_mps=flat_speed_mps, steep_run_decay=steep_run_decay,
                  hike_switch_grade=crossover + switch_offset, **kwargs)

    def miss(k: float) -> float:
        r = replace(base, hike_speed_scale=k)
        c = crossover_grade(r, hi=0.6)
        if c is None:  # no crossing: hiking faster from the flat on, or running faster to 60 %
            c = 0.0 if hiking_speed_mps(0.0, r) >= running_speed_mps(0.0, r) else 0.6
        return c - crossover

    # A faster hiker (larger scale) crosses over on gentler grades.
    k = brentq(miss, 0.3, 6.0, xtol=1e-7)
    return replace(base, hike_speed_scale=float(k))


def _hill_pieces(grades: np.ndarray, climb_m: int) -> list[Piece]:
    P = Piece
    pieces = [P("flat", 600, 0.0, wobble=0.007)]
    for g in grades:
        pieces.append(P("runnable_climb" if g < 0.15 else "steep_climb_hiked", climb_m, float(g), wobble=0.006))
        pieces.append(P("flat", 150, 0.0, wobble=0.007))
        # Back down at an easy grade, so each climb starts from similar legs.
        pieces.append(P("runnable_descent", int(round(climb_m * g / 0.10)), -0.10, wobble=0.01))
        pieces.append(P("flat", 150, 0.0, wobble=0.007))
    pieces.append(P("flat", 400, 0.0, wobble=0.007))
    return pieces


def simulate_hill_session(
    runner: Runner,
    seed: int = 0,
    *,
    grades: Optional[tuple[float, ...]] = None,
    repeats: int = 2,
    climb_m: int = 360,
    stretch_m: int = 120,
    mix_width: float = 0.025,
    switch_sd: float = 0.0,
    elevation_noise: str = "baro",
    position_noise_m: float = 3.0,
    cadence: bool = True,
    sample_interval_s: float = 1.0,
) -> SimulatedRun:
    """A session of climbs at many grades, hiked or run by ``runner`` around their switch grade.

    Parameters
    ----------
    runner : Runner
        Usually from :func:`hiker_runner`; its ``switch_grade`` is where it starts hiking.
    seed : int
        Fixes the order of the climbs, every gait choice, the runner's irregularity and the
        sensor noise.
    grades : tuple of float, optional
        Design grades of the climbs [fraction] (default :data:`HILL_SESSION_GRADES`).
    repeats : int
        How many times each grade is climbed.
    climb_m, stretch_m : int
        Length of each climb and of the stretches its gait is chosen on [m].
    mix_width : float
        Logistic width of the gait choice: on a stretch of grade ``g`` the runner hikes with
        probability ``1 / (1 + exp(-(g - switch) / mix_width))`` [fraction].
    switch_sd : float
        Standard deviation of the runner's switch grade from one climb to the next [fraction]:
        the same runner hikes a climb one day and runs it the next (legs, footing, the climb's
        length). 0 (the default) switches at ``runner.switch_grade`` on every climb.
    elevation_noise, position_noise_m, cadence, sample_interval_s
        As in :func:`~.scenarios.simulate_trail_run` (barometric altimeter by default).

    Returns
    -------
    SimulatedRun
        ``truth.crossover_grade``: the runner's true crossover; ``truth.switch_grade``: where
        it switched.
    """
    _check_options(elevation_noise, position_noise_m, sample_interval_s)
    if not mix_width > 0:
        raise ValueError(f"mix_width must be > 0, got {mix_width}")
    if not switch_sd >= 0:
        raise ValueError(f"switch_sd must be >= 0, got {switch_sd}")
    rngs = _rngs(seed)
    choice = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(4)[3])
    design = np.tile(np.asarray(grades if grades is not None else HILL_SESSION_GRADES, float), repeats)
    design = design[choice.permutation(design.size)]
    course = build_course(_hill_pieces(design, climb_m), rng=rngs[2])
    # Its own stream, so that switch_sd=0 leaves every other choice as it was.
    day = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(5)[4])
    switch = runner.switch_grade
    legs: list[Leg] = []
    for k, p in enumerate(course.pieces):
        a, b = course.piece_span(k)
        if p.grade <= 0:
            legs.append(Leg(kind=p.name, u_start_m=a, u_end_m=b, gait="run"))
            continue
        n = max(1, int(round((b - a) / stretch_m)))
        cuts = np.linspace(a, b, n + 1).round().astype(int)
        sw = switch + switch_sd * day.standard_normal() if switch_sd > 0 else switch
        p_hike = 1.0 / (1.0 + np.exp(-(p.grade - sw) / mix_width))
        for u0, u1 in zip(cuts[:-1], cuts[1:]):
            hike = bool(choice.random() < p_hike)
            legs.append(Leg(kind="steep_climb_hiked" if hike else p.name if p.name != "steep_climb_hiked"
                            else "steep_climb_run_slow", u_start_m=int(u0), u_end_m=int(u1),
                            gait="hike" if hike else "run", speed_cv=0.05 if hike else 0.03,
                            cadence_sd_spm=3.0 if hike else 1.5, cadence_tau_s=8.0 if hike else 20.0))
    return _assemble(course, legs, runner, seed=seed, rngs=rngs, elevation_noise=elevation_noise,
                     position_noise_m=position_noise_m, cadence=cadence,
                     sample_interval_s=sample_interval_s)
