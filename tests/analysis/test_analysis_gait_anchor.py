"""Hike or run without cadence (issue 15 item 5): the speed rule anchored to the runner's own
flat pace, heart rate telling a jog from a walk, and no verdict that restates the split."""

import numpy as np
import pandas as pd
import pytest

import trailtech
from trailtech.analysis.gait.anchor import flat_running_speed_mps
from trailtech.analysis.gait.classification import speed_rule_scale
from trailtech.config import AnalysisConfig
from trailtech.track import Track, TrackMeta


def _flat(speeds_mps, hr_bpm=None, seed=0):
    """1 Hz flat rows at ``speeds_mps`` (with a little noise) and heart rate."""
    rng = np.random.default_rng(seed)
    v = np.asarray(speeds_mps, float) + rng.normal(0, 0.05, len(speeds_mps))
    hr = np.full(v.size, np.nan) if hr_bpm is None else np.asarray(hr_bpm, float) + rng.normal(0, 2, v.size)
    return v, np.zeros(v.size), hr, np.ones(v.size)


def test_a_slow_jog_with_a_running_heart_rate_is_the_flat_pace():
    v, g, hr, dt = _flat(np.full(900, 1.85), np.full(900, 130.0))
    assert flat_running_speed_mps(v, g, hr, dt) == pytest.approx(1.85, abs=0.1)
    assert speed_rule_scale(v, g, hr, dt, AnalysisConfig()) == pytest.approx(0.75 * 1.85 / 2.0, abs=0.05)


def test_a_walk_as_fast_but_with_a_walking_heart_rate_is_none():
    v, g, hr, dt = _flat(np.full(900, 1.75), np.full(900, 95.0))
    assert np.isnan(flat_running_speed_mps(v, g, hr, dt))
    assert speed_rule_scale(v, g, hr, dt, AnalysisConfig()) == 1.0


def test_without_heart_rate_one_gait_must_be_clearly_a_run():
    v, g, hr, dt = _flat(np.full(900, 1.75))
    assert np.isnan(flat_running_speed_mps(v, g, hr, dt))
    v, g, hr, dt = _flat(np.full(900, 2.1))
    assert flat_running_speed_mps(v, g, hr, dt) == pytest.approx(2.1, abs=0.1)


def test_two_flat_gaits_give_the_running_one_and_a_fast_runner_keeps_the_rule():
    v, g, hr, dt = _flat(np.r_[np.full(600, 1.5), np.full(900, 3.0)], np.r_[np.full(600, 120.0), np.full(900, 150.0)])
    assert flat_running_speed_mps(v, g, hr, dt) == pytest.approx(3.0, abs=0.1)
    # 0.75 x 3.0 m/s is faster than the rule's 2.0 m/s: the rule is never raised
    assert speed_rule_scale(v, g, hr, dt, AnalysisConfig()) == 1.0


def test_too_little_flat_ground_gives_no_anchor():
    v, g, hr, dt = _flat(np.full(900, 1.85), np.full(900, 130.0))
    assert np.isnan(flat_running_speed_mps(v, np.full(v.size, 0.1), hr, dt))


def _track(speed_mps, grade=0.0, heart_rate_bpm=None) -> Track:
    """1 Hz straight-line track at the given speeds, on a constant grade, without cadence."""
    v = np.asarray(speed_mps, float)
    t = np.arange(v.size, dtype=float)
    d = np.r_[0.0, np.cumsum(v[:-1])]
    start = pd.Timestamp("2026-06-01T08:00:00Z")
    df = pd.DataFrame({"time": start + pd.to_timedelta(t, unit="s"), "elapsed_s": t,
                       "lat_deg": 45.0 + np.rad2deg(d / 6371008.8), "lon_deg": np.full(v.size, 6.0),
                       "elevation_m": 1000.0 + grade * d, "device_distance_m": d, "device_speed_mps": v})
    if heart_rate_bpm is not None:
        df["heart_rate_bpm"] = heart_rate_bpm
    return Track(samples=df, meta=TrackMeta(source="<synthetic>", format="fit", sport="running", start_time=start))


def test_a_slow_jogger_without_cadence_is_running_not_hiking():
    """Regression: the population rule (hike under 2.0 m/s on the flat) called a jogger at 1.85 m/s
    with a running heart rate a hiker for the whole run (sportstracker/Garmin_Fenix_6S_Pro and
    three more files of the corpus: 40-57 % agreement with their own cadence)."""
    n = 1200
    a = trailtech.analyze(_track(np.full(n, 1.85), heart_rate_bpm=np.full(n, 130.0)))
    hr = a.hike_run
    assert hr.method == "speed"
    assert hr.hike_time_s < 0.05 * hr.run_time_s
    conf = hr.gait_confidence[np.isfinite(hr.gait_confidence)]
    assert np.median(conf) > 0.9  # sure of running, on the anchored rule's side


def test_a_walker_as_slow_is_still_hiking():
    n = 1200
    a = trailtech.analyze(_track(np.full(n, 1.6), heart_rate_bpm=np.full(n, 95.0)))
    assert a.hike_run.run_time_s < 0.05 * a.hike_run.hike_time_s


def test_no_verdict_without_cadence_compares_the_speeds_the_split_made():
    """Issue 15 item 5: without cadence both gaits are defined by the speed split, so "ran where
    hiking was as fast" compares two sides of that split: on a long 15 % climb alternating 1.35
    and 1.45 m/s (either side of the 1.4 m/s rule), the old code said "marginal: hike to save
    energy on a long climb" of every faster stretch. No such flag, crossover or effort now."""
    legs = np.r_[np.tile(np.r_[np.full(120, 1.35), np.full(120, 1.45)], 6), np.full(60, 1.35)]
    a = trailtech.analyze(_track(legs, grade=0.15, heart_rate_bpm=np.full(legs.size, 150.0)))
    hr = a.hike_run
    assert hr.method == "speed" and hr.hike_time_s > 300 and hr.run_time_s > 300
    assert len(hr.ran_should_hike) == 0 and len(hr.hiked_could_run) == 0
    assert hr.crossover_grade_pct is None and hr.effort is None
