"""Known answers of the simulator: its truth must be self-consistent and follow the brief."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.simulate import (
    SECTION_KINDS,
    SimulatedRun,
    count_braking_events,
    simulate_hill_repeats,
    simulate_trail_run,
    simulate_ultra,
)
from trailtech.analysis.descent import robust_cv
from trailtech.processing.gap import strava_gap_factor
from trailtech.processing.hiking import tobler_speed_mps
from trailtech.simulate.truth import positive_sum


@pytest.fixture(scope="module")
def trail() -> SimulatedRun:
    return simulate_trail_run(seed=0)


@pytest.fixture(scope="module")
def repeats() -> SimulatedRun:
    return simulate_hill_repeats(seed=0)


def _one(run: SimulatedRun, kind: str):
    found = run.truth.sections_of(kind)
    assert found, f"no {kind} section"
    return found[0]


def _in(run: SimulatedRun, sec) -> pd.DataFrame:
    s = run.truth.samples
    return s[(s.elapsed_s >= sec.start_s) & (s.elapsed_s < sec.end_s)]


# --------------------------------------------------------------------------- shape of the run
def test_trail_run_matches_the_brief(trail):
    t = trail.truth
    assert 10_000 <= t.distance_m <= 14_000
    assert 1.5 * 3600 <= t.elapsed_time_s <= 2 * 3600
    assert 500 <= t.ascent_m <= 800
    kinds = [s.kind for s in t.sections]
    for k in ("flat", "runnable_climb", "steep_climb_hiked", "steep_climb_run_slow", "stop",
              "smooth_descent", "technical_descent"):
        assert k in kinds
    assert set(kinds) <= set(SECTION_KINDS)
    assert 0.06 <= _one(trail, "runnable_climb").avg_grade <= 0.08
    for s in t.sections_of("steep_climb_hiked") + t.sections_of("steep_climb_run_slow"):
        assert 0.25 <= s.avg_grade <= 0.35
    smooth, tech = _one(trail, "smooth_descent"), _one(trail, "technical_descent")
    assert -0.15 <= smooth.avg_grade <= -0.10 and 300 <= smooth.length_m <= 800
    assert -0.16 <= tech.avg_grade <= -0.10 and 150 <= tech.length_m <= 350
    assert trail.track.meta.format == "fit"
    assert (trail.track.meta.sport, trail.track.meta.sub_sport) == ("running", "trail")
    assert "trailtech simulator" in trail.track.meta.device
    totals = trail.track.meta.device_totals
    assert totals.distance_m == pytest.approx(trail.track.samples.device_distance_m.iloc[-1])
    assert totals.moving_time_s == totals.elapsed_time_s == trail.track.duration_s
    assert totals.ascent_m > 0 and totals.descent_m > 0


def test_positions_are_near_chamonix_and_winding(trail):
    s = trail.track.samples
    assert s.lat_deg.between(45.8, 46.05).all() and s.lon_deg.between(6.7, 7.05).all()
    e, n = trail.course.east_m, trail.course.north_m
    # a winding route: far shorter as the crow flies than along the trail
    assert np.hypot(e[-1] - e[0], n[-1] - n[0]) < 0.5 * trail.course.length_m
    # every course step is exactly 1 m horizontally, so true distance is the arc length
    np.testing.assert_allclose(np.hypot(np.diff(e), np.diff(n)), 1.0, atol=0.02)


# --------------------------------------------------------------------------- self-consistency
@pytest.mark.parametrize("make", [simulate_trail_run, simulate_hill_repeats])
def test_distance_is_integrated_speed(make):
    t = make(seed=3).truth
    s = t.samples
    integrated = np.trapezoid(s.speed_mps, s.elapsed_s)
    assert integrated == pytest.approx(t.distance_m, rel=2e-3)
    assert s.distance_m.iloc[-1] == pytest.approx(t.distance_m)
    assert (np.diff(s.distance_m) >= -1e-9).all()
    # per second, distance gained matches the mean speed (the trapezoid rule's error is
    # largest at the sharp braking dips)
    gained = np.diff(s.distance_m)
    mean_v = 0.5 * (s.speed_mps.to_numpy()[1:] + s.speed_mps.to_numpy()[:-1])
    assert np.median(np.abs(gained - mean_v)) < 0.01
    assert np.max(np.abs(gained - mean_v)) < 0.3


def test_ascent_is_the_hysteresis_free_sum_of_the_true_profile(trail):
    t, course = trail.truth, trail.course
    # single traversal: the course profile itself (up to the last metre the runner covers)
    assert t.ascent_m == pytest.approx(positive_sum(course.elevation_m), abs=0.5)
    assert t.descent_m == pytest.approx(positive_sum(-course.elevation_m), abs=0.5)
    # and the 1 Hz truth elevation sums to the same within 1%
    assert positive_sum(t.samples.elevation_m) == pytest.approx(t.ascent_m, rel=0.01)


def test_repeats_ascent_counts_every_walk_back(repeats):
    t = repeats.truth
    walks = t.sections_of("walk_back_up")
    climbed = sum(w.avg_grade * w.length_m for w in walks)
    assert t.ascent_m >= climbed
    assert t.ascent_m == pytest.approx(positive_sum(t.samples.elevation_m), rel=0.01)


@pytest.mark.parametrize("make", [simulate_trail_run, simulate_hill_repeats])
def test_sections_are_contiguous_and_inside_the_track(make):
    run = make(seed=1)
    secs, t = run.truth.sections, run.truth
    assert secs[0].start_m == 0 and secs[0].start_s == 0
    for a, b in zip(secs[:-1], secs[1:]):
        assert a.end_m == b.start_m and a.end_s == b.start_s
        assert a.end_m >= a.start_m and a.end_s > a.start_s
    assert secs[-1].end_s == t.elapsed_time_s == run.track.duration_s
    assert secs[-1].end_m == pytest.approx(t.distance_m)
    # the per-second section index agrees with the section times
    s = t.samples
    for i, sec in enumerate(secs):
        rows = s[s.section == i]
        assert len(rows) > 0
        assert rows.elapsed_s.min() >= sec.start_s - 1e-9 and rows.elapsed_s.max() <= sec.end_s + 1e-9


def test_stop_is_standing_still_while_gps_drifts(trail):
    t = trail.truth
    assert len(t.stopped_intervals) == 1
    a, b = t.stopped_intervals[0]
    assert b - a == pytest.approx(60.0)
    assert t.moving_time_s == pytest.approx(t.elapsed_time_s - 60.0)
    stop = _one(trail, "stop")
    assert (stop.start_s, stop.end_s) == (a, b) and stop.length_m == 0
    s = t.samples
    inside = (s.elapsed_s > a) & (s.elapsed_s < b)
    assert inside.sum() >= 58
    assert (s.speed_mps[inside] == 0).all() and (s.cadence_spm[inside] == 0).all()
    assert (s.gait[inside] == "stop").all()
    assert s.east_m[inside].nunique() == 1
    dev = trail.track.samples[inside.to_numpy()]
    assert (dev.device_speed_mps == 0).all() and (dev.cadence_spm == 0).all()
    drift_m = np.hypot(np.ptp(dev.lat_deg) * 111_195, np.ptp(dev.lon_deg) * 111_195 * np.cos(np.deg2rad(45.9)))
    assert 0.3 < drift_m < 30


# --------------------------------------------------------------------------- the runner's science
def test_flat_cadence_and_stride_length(trail):
    t = trail.truth
    flats = pd.concat([_in(trail, s) for s in t.sections_of("flat")])
    running = flats[(flats.gait == "run") & (flats.grade.abs() < 0.02) & (flats.speed_mps > 2)]
    assert np.median(running.cadence_spm) == pytest.approx(t.flat_cadence_spm, abs=1.0)
    step_m = running.speed_mps / (running.cadence_spm / 60.0)
    assert 0.9 < np.median(step_m) < 1.3
    hiked = _in(trail, _one(trail, "steep_climb_hiked"))
    hstep = hiked.speed_mps / (hiked.cadence_spm / 60.0)
    assert 0.3 < np.median(hstep) < 0.6


def test_running_speed_follows_strava_gap(trail):
    t = trail.truth
    for kind in ("runnable_climb", "smooth_descent", "runnable_descent"):
        sec = _one(trail, kind)
        expected = t.flat_speed_mps / float(strava_gap_factor(sec.avg_grade))
        assert sec.avg_speed_mps == pytest.approx(expected, rel=0.06), kind


def test_steep_climb_hiked_and_run_no_faster_than_hiking(trail):
    t = trail.truth
    for sec in t.sections_of("steep_climb_hiked"):
        rows = _in(trail, sec)
        assert 100 <= sec.median_cadence_spm <= 120
        assert 0.7 <= sec.avg_speed_mps <= 1.0
        assert (rows.gait[rows.speed_mps > 0.3] == "hike").all()
    run = _one(trail, "steep_climb_run_slow")
    rows = _in(trail, run)
    assert 150 <= run.median_cadence_spm <= 160
    assert (rows.gait[rows.speed_mps > 0.3] == "run").all()
    hiking_speed = t.hike_speed_scale * float(tobler_speed_mps(run.avg_grade))
    assert run.avg_speed_mps <= hiking_speed
    hiked_speed = np.mean([s.avg_speed_mps for s in t.sections_of("steep_climb_hiked")])
    assert run.avg_speed_mps <= hiked_speed * 1.02


def test_technical_descent_brakes_and_wobbles_smooth_one_flows(trail):
    smooth, tech = _one(trail, "smooth_descent"), _one(trail, "technical_descent")
    assert smooth.braking_events == 0
    assert tech.braking_events >= 2 * tech.length_m / 100  # several per 100 m
    assert tech.cadence_cv > 3 * smooth.cadence_cv
    assert 2.0 <= smooth.cadence_delta_spm <= 7.0  # a few spm above flat
    assert tech.cadence_delta_spm < -2.0  # below flat
    sm_rows, te_rows = _in(trail, smooth), _in(trail, tech)
    assert robust_cv(sm_rows.speed_mps) < 0.05  # even speed
    assert robust_cv(te_rows.speed_mps) > 0.15  # surges and braking
    # braking events as defined: drops >= 0.6 m/s within <= 2 s
    assert count_braking_events(te_rows.speed_mps.to_numpy()) == tech.braking_events


def _tortuosity(east: np.ndarray, north: np.ndarray, step_m: float = 5.0) -> float:
    """Mean |heading change| per metre on a path resampled every ``step_m``."""
    d = np.concatenate([[0], np.cumsum(np.hypot(np.diff(east), np.diff(north)))])
    grid = np.arange(0, d[-1], step_m)
    e, n = np.interp(grid, d, east), np.interp(grid, d, north)
    h = np.unwrap(np.arctan2(np.diff(n), np.diff(e)))
    return float(np.mean(np.abs(np.diff(h))) / step_m)


def test_technical_descent_winds_through_switchbacks(trail):
    c = trail.course
    spans = {p.name: c.piece_span(k) for k, p in enumerate(c.pieces) if "descent" in p.name}
    tort = {k: _tortuosity(c.east_m[a:b + 1], c.north_m[a:b + 1]) for k, (a, b) in spans.items()}
    assert tort["technical_descent"] > 5 * tort["smooth_descent"]
    a, b = spans["technical_descent"]
    assert ((c.hairpins_m > a) & (c.hairpins_m < b)).sum() >= 5


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_braking_events_equal_the_braked_hairpins(seed):
    for run in (simulate_trail_run(seed=seed), simulate_hill_repeats(seed=seed)):
        for sec, leg in zip(run.truth.sections, run.legs):
            assert sec.kind == leg.kind
            if sec.braking_events is not None:
                assert sec.braking_events == len(leg.brake_at_m), (sec.kind, sec.pass_index)


def test_hill_repeats_improve_pass_after_pass(repeats):
    t = repeats.truth
    passes = t.sections_of("technical_descent")
    assert [p.pass_index for p in passes] == [1, 2, 3, 4, 5]
    assert all(-0.20 <= p.avg_grade <= -0.15 and 150 <= p.length_m <= 250 for p in passes)
    times = [p.duration_s for p in passes]
    assert all(b < a for a, b in zip(times[:-1], times[1:]))
    brakes = [p.braking_events for p in passes]
    assert all(b <= a for a, b in zip(brakes[:-1], brakes[1:])) and brakes[-1] < brakes[0]
    assert passes[-1].cadence_cv < passes[0].cadence_cv
    assert passes[-1].cadence_delta_spm > passes[0].cadence_delta_spm
    walks = t.sections_of("walk_back_up")
    assert len(walks) == 4
    for w, p in zip(walks, passes):
        assert w.avg_grade == pytest.approx(-p.avg_grade) and w.length_m == p.length_m
        assert 100 <= w.median_cadence_spm <= 125
    # the walk back follows the same path: its true positions lie on the descent's
    s = t.samples
    down = _in(repeats, passes[0])
    up = _in(repeats, walks[0])
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(np.c_[down.east_m, down.north_m]).query(np.c_[up.east_m, up.north_m])
    assert np.max(dist) < 5.0
    assert s.gait.isin(["run", "hike", "stop"]).all()


def test_ultra_lasts_the_requested_hours():
    run = simulate_ultra(seed=0, hours=2.0)
    t = run.truth
    assert t.elapsed_time_s == 7200.0 and run.track.duration_s == 7200.0
    assert len(run.track.samples) == 7201
    assert t.sections[-1].end_s == 7200.0
    assert t.ascent_m > 300


@pytest.mark.parametrize(
    "kwargs",
    [
        {"elevation_noise": "dem"},
        {"position_noise_m": -1.0},
        {"sample_interval_s": 0.5},
        {"sample_interval_s": 1.5},
    ],
)
def test_bad_options_name_the_parameter(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        simulate_trail_run(seed=0, **kwargs)


def test_bad_seed_and_passes():
    with pytest.raises(ValueError, match="seed"):
        simulate_trail_run(seed=-1)
    with pytest.raises(ValueError, match="passes"):
        simulate_hill_repeats(seed=0, passes=0)
    with pytest.raises(ValueError, match="hours"):
        simulate_ultra(seed=0, hours=0.0)


def test_truth_to_dict_is_json_ready(trail):
    import json

    d = json.loads(json.dumps(trail.truth.to_dict()))
    assert d["distance_m"] == pytest.approx(trail.truth.distance_m, abs=0.01)
    assert len(d["sections"]) == len(trail.truth.sections)
    assert {"kind", "start_m", "end_m", "start_s", "end_s", "avg_grade", "braking_events",
            "cadence_delta_spm"} <= set(d["sections"][0])


def test_steepening_climb_is_run_below_the_switch_grade_and_hiked_above(trail):
    from trailtech.simulate.runner import Runner, crossover_grade, hiking_speed_mps, running_speed_mps

    t = trail.truth
    r = Runner()
    assert t.crossover_grade == pytest.approx(crossover_grade(r)) and 0.18 < t.crossover_grade < 0.22
    g = t.crossover_grade
    assert running_speed_mps(g, r) == pytest.approx(hiking_speed_mps(g, r), rel=1e-6)
    assert running_speed_mps(g - 0.03, r) > hiking_speed_mps(g - 0.03, r)
    assert running_speed_mps(g + 0.03, r) < hiking_speed_mps(g + 0.03, r)
    run, hike = _one(trail, "steepening_climb_run"), _one(trail, "steepening_climb_hiked")
    assert run.end_m == pytest.approx(hike.start_m)
    assert 0.13 < run.avg_grade < 0.18 and 0.25 < hike.avg_grade < 0.31
    assert run.median_cadence_spm > 145 and 100 <= hike.median_cadence_spm <= 120
    assert t.switch_grade == pytest.approx(0.22)
