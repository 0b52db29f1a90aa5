"""Simulated trail runs with exact ground truth: trailtech's known-answer test tool.

The simulator lays out a winding trail near Chamonix, moves a runner over it following the
science in ``shared/design/science.md`` (Strava-GAP running speeds, 1.4 × Tobler hiking,
cadence that follows speed, braking at switchbacks), and records it with a simulated watch
(correlated GPS position and altitude errors or a barometric altimeter, Doppler speed, cadence
stored as Garmin does: strides/min plus 1/128 fractions). The result's ``track`` is what a FIT
reader would decode; its ``truth`` is what really happened.

Public API::

    from trailtech.simulate import simulate_trail_run, simulate_hill_repeats, simulate_ultra, SimulatedRun
    run = simulate_trail_run(seed=0, elevation_noise="gps", position_noise_m=3.0, cadence=True)
    run.track          # trailtech.track.Track (format "fit", sport "running", sub_sport "trail")
    run.truth          # trailtech.simulate.truth.Truth: distances, ascent, sections, 1 Hz arrays
    run.truth.sections_of("technical_descent")[0].braking_events

Modules: :mod:`.course` (geometry), :mod:`.runner` (behaviour), :mod:`.noise` (sensor
errors), :mod:`.device` (what the watch writes, FIT resolution), :mod:`.truth` (the truth
dataclasses), :mod:`.scenarios` (the three sessions).
"""

from __future__ import annotations

from .runner import Runner
from .scenarios import (
    SimulatedRun,
    simulate_hill_repeats,
    simulate_trail_run,
    simulate_ultra,
)
from .truth import SECTION_KINDS, Section, Truth, count_braking_events

__all__ = [
    "simulate_trail_run",
    "simulate_hill_repeats",
    "simulate_ultra",
    "SimulatedRun",
    "Truth",
    "Section",
    "Runner",
    "SECTION_KINDS",
    "count_braking_events",
]
