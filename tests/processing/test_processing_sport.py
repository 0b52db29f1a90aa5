"""Sport-aware limits: a bike leg keeps its speed and distance, and its cadence is not steps."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import trailtech
from tests.conftest import make_track
from trailtech.config import AnalysisConfig
from trailtech.prepare import prepare
from trailtech.processing import position as pos
from trailtech.processing import speed as spd
from trailtech.processing import sport
from trailtech.track import SessionInfo, Track

MULTISPORT = "python-fitparse/activity-large-fenxi2-multisport.fit"
START = pd.Timestamp("2026-06-01T08:00:00Z")


def _legs(legs, *, sports=None, file_sport="running", session_column=True) -> Track:
    """A straight-line track made of (seconds, speed m/s, cadence) legs, one session each."""
    speeds = np.concatenate([np.full(n, v) for n, v, _ in legs])
    cad = np.concatenate([np.full(n, c, dtype=float) for n, _, c in legs])
    session = np.concatenate([np.full(n, k) for k, (n, _, _) in enumerate(legs)])
    n = speeds.size
    t = np.arange(n, dtype=float)
    d = np.concatenate([[0.0], np.cumsum(speeds[1:])])  # speed of sample k covers (k-1, k]
    base = make_track(n, cadence_spm=None, sport=file_sport)
    df = base.samples.copy()
    lat0, lon0 = 45.0, 6.0
    df["lat_deg"] = lat0
    df["lon_deg"] = lon0 + np.rad2deg(d / (6371008.8 * np.cos(np.deg2rad(lat0))))
    df["device_distance_m"] = d
    df["device_speed_mps"] = speeds
    df["cadence_spm"] = cad
    df["elevation_m"] = 1000.0
    if session_column:
        df["session"] = session
    sessions = ()
    if sports is not None:
        sessions = tuple(
            SessionInfo(index=k, sport=s, start_time=START + pd.Timedelta(seconds=float(t[session == k][0])))
            for k, s in enumerate(sports)
        )
    meta = dataclasses.replace(base.meta, sessions=sessions)
    return Track(samples=df, meta=meta)


RUN_BIKE = [(600, 3.0, 170.0), (900, 12.0, 85.0), (600, 3.0, 170.0)]


def test_bike_leg_keeps_its_speed_distance_and_loses_its_cadence():
    track = _legs(RUN_BIKE, sports=["running", "cycling", "running"])
    p = prepare(track)
    tl = p.timeline
    bike = (tl.elapsed_s > 620) & (tl.elapsed_s < 1480)
    np.testing.assert_allclose(tl.speed_mps[bike], 12.0, atol=0.01)
    assert p.summary.distance_m == pytest.approx(3 * 1199 + 12 * 900, rel=0.002)
    assert np.isnan(tl.cadence_spm[bike]).all()
    run_cadence = tl.cadence_spm[~bike & (tl.elapsed_s > 5)]
    assert (run_cadence[np.isfinite(run_cadence)] == 170).all()
    assert trailtech.analyze(track).summary.flat_cadence_spm == pytest.approx(170)
    assert any("Not on foot: session 2 (cycling, 15 min)" in w for w in p.warnings)
    assert not any("impossible speed" in w for w in p.warnings)
    assert p.summary.position_spikes == 0


def test_same_track_tagged_running_everywhere_gets_running_limits():
    # The control: without the session sports, 12 m/s is an impossible running speed.
    p = prepare(_legs(RUN_BIKE, sports=["running", "running", "running"]))
    tl = p.timeline
    bike = (tl.elapsed_s > 620) & (tl.elapsed_s < 1480)
    assert tl.speed_mps[bike].max() <= 8.0
    assert not any("Not on foot" in w for w in p.warnings)


def test_single_session_cycling_file_without_session_column():
    tr = make_track(900, speed_mps=12.0, sport="cycling", cadence_spm=85.0)
    p = prepare(tr)
    assert p.summary.distance_m == pytest.approx(12 * 899, rel=0.002)
    np.testing.assert_allclose(p.timeline.speed_mps, 12.0, atol=0.01)
    assert np.isnan(p.timeline.cadence_spm).all()
    assert trailtech.analyze(tr).summary.flat_cadence_spm is None
    assert any("Not on foot: the activity (cycling, 15 min)" in w for w in p.warnings)


@pytest.mark.parametrize("speed_mps,on_foot", [(3.0, True), (12.0, False)])
def test_unknown_sport_is_decided_by_speed(speed_mps, on_foot):
    p = prepare(make_track(900, speed_mps=speed_mps, sport=None, cadence_spm=170.0))
    assert np.isfinite(p.timeline.cadence_spm).any() == on_foot
    np.testing.assert_allclose(p.timeline.speed_mps, speed_mps, atol=0.01)


def test_multisport_bike_leg_is_not_cut_to_running_speed(real_dir):
    from trailtech.io import load

    path = real_dir / MULTISPORT
    if not path.is_file():
        pytest.skip(f"{MULTISPORT} not in the corpus")
    tr = load(path)
    p = prepare(tr)
    s = tr.samples
    bike_start = (s.loc[s["session"] == 6, "time"].iloc[0] - s["time"].iloc[0]).total_seconds()
    bike = p.timeline.elapsed_s >= bike_start
    # The bike leg rides at 9-17 m/s; running limits used to replace 2128 speeds and drop 430 fixes.
    assert np.nanmax(p.timeline.speed_mps[bike]) > 14.0
    assert np.nanmedian(p.timeline.speed_mps[bike]) > 8.0
    assert p.summary.position_spikes < 20
    assert not any("impossible speed" in w for w in p.warnings)
    assert any("Not on foot: session 7 (cycling" in w for w in p.warnings)
    assert np.isnan(p.timeline.cadence_spm[bike]).all()
    # Distance over all seven sessions (the device restarts it per session) matches the watch.
    assert p.summary.distance_m == pytest.approx(tr.meta.device_totals.distance_m, rel=0.01)
    assert trailtech.analyze(tr).summary.flat_cadence_spm == pytest.approx(164, abs=6)


# --- the pure functions ------------------------------------------------------------------------
def test_sport_on_foot_table():
    assert sport.sport_on_foot("running") is True
    assert sport.sport_on_foot("Transition") is True
    assert sport.sport_on_foot("cycling") is False
    assert sport.sport_on_foot("swimming") is False
    assert sport.sport_on_foot("generic", "trail") is True
    assert sport.sport_on_foot("generic") is None
    assert sport.sport_on_foot(None) is None


def test_on_foot_mask_per_session():
    session = np.repeat([0, 1, 2], 100)
    v = np.concatenate([np.full(100, 3.0), np.full(100, 9.0), np.full(100, 9.0)])
    sports = {0: ("running", None), 1: ("cycling", None), 2: ("generic", None)}
    m = sport.on_foot_mask(session, v, sports, max_foot_median_speed_mps=5.0)
    assert m[:100].all() and not m[100:].any()
    m = sport.on_foot_mask(session, v, sports, max_foot_median_speed_mps=10.0)
    assert m[:100].all() and not m[100:200].any() and m[200:].all()
    assert sport.on_foot_mask(None, np.full(10, np.nan), {}).all()


def test_per_sample_limits_in_speed_and_position_cleaning():
    t = np.arange(200, dtype=float)
    v = np.where(t < 100, 3.0, 12.0)
    v[150] = 30.0  # a spike in the fast part
    vmax = np.where(t < 100, 8.0, 20.0)
    out, n = spd.clean_speed(t, v, max_speed_mps=vmax, max_accel_mps2=np.where(t < 100, 4.0, 10.0))
    assert n == 1 and out[150] == pytest.approx(12.0)
    np.testing.assert_allclose(out[100:150], 12.0)
    x = np.concatenate([[0.0], np.cumsum(np.where(t < 100, 3.0, 16.0)[1:])])  # 16 m/s > 8 + slack
    y = np.zeros_like(x)
    bad = pos.find_position_outliers(t, x, y, max_speed_mps=np.where(t < 100, 8.0, 35.0))
    assert not bad.any()
    assert pos.find_position_outliers(t, x, y, max_speed_mps=8.0)[100:].any()
    with pytest.raises(ValueError, match="max_speed_mps"):
        spd.clean_speed(t, v, max_speed_mps=np.where(t < 100, 8.0, 0.0))


def test_config_has_sport_limits_with_sources():
    fields = {f.name: f for f in dataclasses.fields(AnalysisConfig)}
    for name in ("max_other_speed_mps", "max_other_accel_mps2", "max_foot_median_speed_mps"):
        assert fields[name].metadata["source"]
    assert AnalysisConfig().max_other_speed_mps > AnalysisConfig().max_running_speed_mps


# --- GPS-altitude hysteresis scaled to the measured noise (tests the elevation helper here too)
def test_noise_scaled_hysteresis():
    from trailtech.processing import elevation as ele

    rng = np.random.default_rng(0)
    smooth = np.linspace(1000, 1100, 5000)
    quiet = ele.noise_scaled_hysteresis(smooth + rng.normal(0, 0.8, smooth.size), smooth, factor=6, min_m=2, max_m=10)
    noisy = ele.noise_scaled_hysteresis(smooth + rng.normal(0, 4.0, smooth.size), smooth, factor=6, min_m=2, max_m=10)
    assert quiet == pytest.approx(4.8, rel=0.05)
    assert noisy == 10.0
    assert ele.noise_scaled_hysteresis(smooth, smooth, factor=6, min_m=2, max_m=10) == 2.0
    with pytest.raises(ValueError, match="factor"):
        ele.noise_scaled_hysteresis(smooth, smooth, factor=0, min_m=2, max_m=10)


def test_quiet_gps_altitude_keeps_small_climbs():
    # 8 m bumps every 400 m under 0.5 m GPS-altitude noise: a fixed 10 m hysteresis would see
    # no climbing at all; the noise-scaled one (~3 m) counts the bumps.
    n = 1600
    tr = make_track(n, speed_mps=2.5, cadence_spm=170.0)
    d = 2.5 * np.arange(n)
    rng = np.random.default_rng(1)
    tr.samples["elevation_m"] = 1000 + 4 * (1 - np.cos(2 * np.pi * d / 400)) + rng.normal(0, 0.5, n)
    meta = dataclasses.replace(tr.meta, barometric=False)
    p = prepare(Track(samples=tr.samples, meta=meta))
    assert p.summary.elevation_source == "gps"
    n_bumps = d[-1] / 400
    assert p.summary.ascent_m == pytest.approx(8 * n_bumps, rel=0.25)
