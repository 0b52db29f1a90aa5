"""Analyses the report tests draw: simulator tracks, a real file, and tracks missing data.

Session-scoped: the pipeline runs once per track for the whole report test area.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.conftest import make_track

#: A real trail run from the corpus with cadence and elevation (Strava GPX export).
REAL_TRAIL_GPX = "sports-lib/6048438275.gpx"
#: A real road/trail run without cadence (Forerunner 305 TCX).
REAL_NO_CADENCE_TCX = "runalyze/Standard.tcx"


@pytest.fixture(scope="session")
def sim_run():
    """The simulator's realistic trail run (climbs to hike, smooth and technical descents)."""
    import trailtech
    from trailtech.simulate import simulate_trail_run

    return trailtech.analyze(simulate_trail_run(0).track)


@pytest.fixture(scope="session")
def sim_repeats():
    """The simulator's hill-repeat session (the same descent run several times)."""
    import trailtech
    from trailtech.simulate import simulate_hill_repeats

    return trailtech.analyze(simulate_hill_repeats(0).track)


@pytest.fixture(scope="session")
def real_run(real_dir):
    import trailtech

    return trailtech.analyze(real_dir / REAL_TRAIL_GPX)


@pytest.fixture(scope="session")
def real_no_cadence(real_dir):
    import trailtech

    return trailtech.analyze(real_dir / REAL_NO_CADENCE_TCX)


@pytest.fixture(scope="session")
def no_cadence():
    """A steady 8 % climb recorded without a cadence sensor."""
    import trailtech

    return trailtech.analyze(make_track(900, grade=0.08, speed_mps=1.5, cadence_spm=None))


@pytest.fixture(scope="session")
def no_elevation():
    """A flat run whose file has positions but no elevation at all."""
    import trailtech

    track = make_track(900, speed_mps=3.0)
    track = dataclasses.replace(track, samples=track.samples.drop(columns=["elevation_m"]))
    return trailtech.analyze(track)


@pytest.fixture(scope="session")
def bare(sim_run):
    """The simulated run with every table emptied: what a flat, short jog would give."""
    empty = {name: getattr(sim_run, name).iloc[:0]
             for name in ("climbs", "descents", "line_practice", "repeats")}
    hike_run = dataclasses.replace(sim_run.hike_run, bouts=pd.DataFrame(), climb_bouts=pd.DataFrame(),
                                   ran_should_hike=pd.DataFrame(), hiked_could_run=pd.DataFrame(),
                                   crossover_grade_pct=None)
    return dataclasses.replace(sim_run, hike_run=hike_run, **empty)
