"""The simulated sensors: requested noise levels, determinism, speed of the simulator."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from trailtech.processing.geodesy import EARTH_RADIUS_M
from trailtech.simulate import simulate_hill_repeats, simulate_trail_run
from trailtech.simulate.device import fit_quantise
from trailtech.simulate.noise import ELEVATION_NOISE, ar1


def _position_error_m(run):
    """Recorded minus true position, east and north [m]."""
    s, t = run.track.samples, run.truth.samples
    lat0 = run.course.origin_lat_deg
    de = np.deg2rad(s.lon_deg.to_numpy() - t.lon_deg.to_numpy()) * EARTH_RADIUS_M * np.cos(np.deg2rad(lat0))
    dn = np.deg2rad(s.lat_deg.to_numpy() - t.lat_deg.to_numpy()) * EARTH_RADIUS_M
    return de, dn


@pytest.mark.parametrize("sigma, tau", [(3.0, 20.0), (0.25, 2.0), (4.0, 40.0)])
def test_ar1_has_the_requested_sigma_and_correlation_time(sigma, tau):
    x = ar1(200_000, sigma=sigma, tau_s=tau, dt_s=1.0, rng=np.random.default_rng(1))
    assert x.std() == pytest.approx(sigma, rel=0.05)
    lag = int(round(tau))
    r = np.corrcoef(x[:-lag], x[lag:])[0, 1]
    assert r == pytest.approx(np.exp(-1.0), abs=0.05)
    with pytest.raises(ValueError, match="tau_s"):
        ar1(10, sigma=1.0, tau_s=0.0, dt_s=1.0, rng=np.random.default_rng(0))


@pytest.mark.parametrize("sigma", [3.0, 6.0])
def test_gps_position_noise_level(sigma):
    run = simulate_trail_run(seed=4, position_noise_m=sigma)
    de, dn = _position_error_m(run)
    assert np.std(de) == pytest.approx(sigma, rel=0.25)
    assert np.std(dn) == pytest.approx(sigma, rel=0.25)
    # correlated in time: consecutive errors nearly equal (AR(1), tau 20 s)
    assert np.corrcoef(de[:-1], de[1:])[0, 1] > 0.9


def test_no_position_noise_is_exact_within_fit_resolution():
    run = simulate_trail_run(seed=0, position_noise_m=0.0, elevation_noise="none")
    de, dn = _position_error_m(run)
    assert np.max(np.abs(de)) < 0.01 and np.max(np.abs(dn)) < 0.01
    err = run.track.samples.elevation_m.to_numpy() - run.truth.samples.elevation_m.to_numpy()
    assert np.max(np.abs(err)) <= 0.1 + 1e-9  # enhanced_altitude stores 0.2 m steps


def test_elevation_noise_levels():
    truth = None
    errs = {}
    for name in ("gps", "baro"):
        run = simulate_trail_run(seed=2, elevation_noise=name)
        truth = run.truth.samples.elevation_m.to_numpy()
        errs[name] = run.track.samples.elevation_m.to_numpy() - truth
        assert run.truth.noise["elevation_noise"] == name
    # GPS: several metres, wandering slowly; barometer: sub-metre steps around a slow drift
    assert 2.5 < np.std(errs["gps"]) < 10
    fast_baro = errs["baro"] - pd.Series(errs["baro"]).rolling(61, center=True, min_periods=1).median().to_numpy()
    assert 0.12 < np.std(fast_baro) < 0.4
    assert np.median(np.abs(np.diff(errs["baro"]))) <= 0.3
    model = ELEVATION_NOISE["gps"]
    assert 3.0 <= model.sigma_m <= 5.0 and 20 <= model.tau_s <= 60
    assert 0.2 <= ELEVATION_NOISE["baro"].sigma_m <= 0.3


def test_device_speed_distance_cadence_and_heart_rate():
    run = simulate_trail_run(seed=6)
    s, t = run.track.samples, run.truth.samples
    moving = t.speed_mps.to_numpy() > 0.5
    dv = (s.device_speed_mps - t.speed_mps).to_numpy()[moving]
    assert 0.08 < np.std(dv) < 0.2 and abs(np.mean(dv)) < 0.03
    # device distance is the running integral of device speed
    integ = np.concatenate([[0], np.cumsum(0.5 * (s.device_speed_mps.to_numpy()[1:] + s.device_speed_mps.to_numpy()[:-1]))])
    np.testing.assert_allclose(s.device_distance_m, integ, atol=0.011)
    assert s.device_distance_m.iloc[-1] == pytest.approx(run.truth.distance_m, rel=0.01)
    dc = (s.cadence_spm - t.cadence_spm).to_numpy()[moving]
    assert 0.8 < np.std(dc) < 1.2
    # stored like Garmin: whole strides + 1/128 strides, i.e. steps in 1/64 spm
    strides128 = s.cadence_spm.to_numpy() / 2 * 128
    np.testing.assert_array_equal(strides128, np.round(strides128))
    assert s.heart_rate_bpm.between(60, 200).all()
    np.testing.assert_array_equal(s.heart_rate_bpm, np.round(s.heart_rate_bpm))
    assert s.time.dt.tz is not None and (np.diff(s.elapsed_s) == 1).all()


def test_fit_quantise_resolutions():
    assert fit_quantise("elevation_m", np.array([1034.13]))[0] == pytest.approx(1034.2)
    assert fit_quantise("device_speed_mps", np.array([2.34567]))[0] == pytest.approx(2.346)
    assert fit_quantise("cadence_spm", np.array([171.0]))[0] == 171.0
    assert fit_quantise("cadence_spm", np.array([171.01]))[0] == pytest.approx(171.015625)


# --------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("make", [simulate_trail_run, simulate_hill_repeats])
def test_same_seed_same_run(make):
    a, b = make(seed=7), make(seed=7)
    pd.testing.assert_frame_equal(a.track.samples, b.track.samples)
    pd.testing.assert_frame_equal(a.truth.samples, b.truth.samples)
    assert a.truth.sections == b.truth.sections
    assert a.track.meta == b.track.meta
    c = make(seed=8)
    assert not np.array_equal(a.track.samples.lat_deg, c.track.samples.lat_deg)


def test_cadence_flag_changes_nothing_else():
    a = simulate_trail_run(seed=0)
    b = simulate_trail_run(seed=0, cadence=False)
    assert "cadence_spm" not in b.track.samples
    assert not b.track.meta.cadence_doubled
    pd.testing.assert_frame_equal(a.track.samples.drop(columns="cadence_spm"), b.track.samples)


def test_sample_interval():
    run = simulate_hill_repeats(seed=0, sample_interval_s=5)
    s = run.track.samples
    assert (np.diff(s.elapsed_s) == 5).all()
    assert len(run.truth.samples) == run.truth.elapsed_time_s + 1  # truth stays 1 Hz
