"""The stages of prepare(), each alone, on hand-built inputs whose answers are obvious."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_track
from trailtech.config import AnalysisConfig
from trailtech.errors import TrackDataError
from trailtech.prepare import distance as dist
from trailtech.prepare import elevation as ele
from trailtech.prepare import moving as mov
from trailtech.prepare import on_foot as foot
from trailtech.prepare import positions as pos
from trailtech.prepare import profile as prof
from trailtech.prepare import sensors
from trailtech.prepare import speed as spd
from trailtech.prepare.summary import PreparedSummary, summarise
from trailtech.prepare.time_axis import TimeAxis, time_axis, timed_column
from trailtech.track import SessionInfo, Track

CFG = AnalysisConfig()


def _axis(n: int, *, dt_s: float = 1.0, gap=None, paused=None, blocked=None) -> TimeAxis:
    """A plain time axis: n samples every dt_s, the grid on the samples."""
    t = np.arange(n) * dt_s
    z = np.zeros(n, dtype=bool)
    return TimeAxis(rows=np.ones(n, dtype=bool), t_s=t, start=pd.Timestamp("2026-06-01T08:00:00Z"), grid_s=t,
                    gap=z if gap is None else gap, paused=z if paused is None else paused,
                    blocked=z if blocked is None else blocked, dt_s=dt_s, max_gap_s=10.0)


def _limits(n: int, on_foot: bool = True) -> foot.OnFoot:
    mask = np.full(n, on_foot)
    v, a = (8.0, 4.0) if on_foot else (35.0, 10.0)
    return foot.OnFoot(samples=mask, rows=mask, sample_max_speed_mps=np.full(n, v),
                       max_speed_mps=np.full(n, v), max_accel_mps2=np.full(n, a), limit_text=f"{v:g} m/s")


# --- time axis ----------------------------------------------------------------------------------
def test_time_axis_compacts_a_long_hole_and_marks_pauses_and_segment_breaks():
    tr = make_track(600)
    df = tr.samples.drop(index=range(200, 400)).reset_index(drop=True)  # 200 s without records
    df["segment"] = np.where(df["elapsed_s"] >= 400, 1, 0)
    start = tr.meta.start_time
    meta = dataclasses.replace(tr.meta, timer_pauses=((start + pd.Timedelta(seconds=100),
                                                       start + pd.Timedelta(seconds=110)),))
    axis = time_axis(Track(samples=df, meta=meta), CFG)
    # 30 s of grid kept at each end of the hole (gap_break_s / 2), the middle skipped.
    assert np.array_equal(axis.grid_s, np.r_[0:230, 370:600].astype(float))
    assert np.array_equal(axis.gap, (axis.grid_s > 199) & (axis.grid_s < 400))
    assert np.array_equal(axis.paused, (axis.grid_s >= 100) & (axis.grid_s < 110))
    assert axis.blocked[axis.grid_s == 400].all() and axis.blocked.sum() == 11
    assert axis.window(5.0) == 5 and dataclasses.replace(axis, dt_s=2.0).window(5.0) == 3
    # A column on the grid: interpolated, NaN in the gap.
    lat = axis.on_grid(timed_column(Track(samples=df, meta=meta), axis, "elapsed_s"))
    np.testing.assert_allclose(lat[~axis.gap], axis.grid_s[~axis.gap])
    assert np.isnan(lat[axis.gap]).all()


def test_time_axis_drops_a_stray_sample_of_a_broken_clock():
    tr = make_track(300)
    df = tr.samples.copy()
    df.loc[0, "elapsed_s"] = -3 * 86400.0
    df.loc[0, "time"] = df.loc[1, "time"] - pd.Timedelta(days=3)
    axis = time_axis(Track(samples=df, meta=tr.meta), CFG)
    assert not axis.rows[0] and axis.rows[1:].all()
    assert axis.grid_s[0] == 1.0 and axis.start == tr.meta.start_time
    assert any("broken clock" in n for n in axis.notes)


def test_time_axis_refuses_too_long_a_recording_with_the_file_as_source():
    tr = make_track(4000)
    with pytest.raises(TrackDataError, match="max_timeline_s") as exc:
        time_axis(tr, AnalysisConfig(max_timeline_s=3600))
    assert exc.value.source == "<synthetic>"


# --- on foot ------------------------------------------------------------------------------------
def test_on_foot_gives_the_bike_leg_vehicle_limits():
    tr = make_track(300, speed_mps=3.0)
    df = tr.samples.copy()
    df["session"] = np.where(np.arange(300) < 100, 0, 1)
    start = tr.meta.start_time
    meta = dataclasses.replace(tr.meta, sessions=(SessionInfo(0, "running", start_time=start),
                                                  SessionInfo(1, "cycling", start_time=start)))
    track = Track(samples=df, meta=meta)
    axis = time_axis(track, CFG)
    f = foot.on_foot(track, axis, CFG)
    assert f.rows[:100].all() and not f.rows[100:].any() and not f.all
    assert set(f.max_speed_mps[:100]) == {8.0} and set(f.max_speed_mps[100:]) == {35.0}
    assert f.limit_text == "8 m/s on foot (35 m/s elsewhere)"
    assert f.notes and "session 2 (cycling, 3 min)" in f.notes[0]


# --- positions ----------------------------------------------------------------------------------
def test_positions_remove_a_spike_and_sum_the_straight_line():
    tr = make_track(600, speed_mps=3.0)
    axis = _axis(600)
    lat = tr.samples["lat_deg"].to_numpy().copy()
    lat[300] += 0.01  # 1.1 km north for one second
    p = pos.positions(lat, tr.samples["lon_deg"].to_numpy(), axis, max_speed_mps=np.full(600, 8.0),
                      limit_text="8 m/s")
    assert p.n_spikes == 1 and "1 GPS position spike" in p.notes[0]
    assert p.total_m == pytest.approx(3.0 * 599, rel=1e-4)
    np.testing.assert_allclose(p.lat_deg[300], tr.samples["lat_deg"].iloc[300], atol=1e-7)
    np.testing.assert_allclose(np.diff(p.x_m), 3.0, rtol=1e-4)


def test_positions_without_fixes_are_nan_and_have_no_distance():
    p = pos.positions(None, None, _axis(50), max_speed_mps=np.full(50, 8.0), limit_text="")
    assert p.cum_m is None and p.total_m is None and p.n_spikes == 0
    assert all(np.isnan(a).all() for a in (p.lat_deg, p.lon_deg, p.x_m, p.y_m))


def test_bridged_cumulative_is_flat_across_a_pause_and_linear_across_a_gap():
    grid = np.arange(10.0)
    valid = np.array([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], dtype=bool)
    step = np.where(valid, 2.0, np.nan)
    step[5] = 6.0  # bridged across the two missing rows
    cum = pos.bridged_cumulative(step, valid, np.zeros(10, bool), grid)
    np.testing.assert_allclose(cum, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    blocked = np.zeros(10, bool)
    blocked[7] = True  # a pause: the step into row 7 adds nothing
    cum = pos.bridged_cumulative(step, valid, blocked, grid)
    np.testing.assert_allclose(cum, [0, 2, 4, 6, 8, 10, 12, 12, 14, 16])


# --- distance -----------------------------------------------------------------------------------
@pytest.mark.parametrize("pos_total,device,use,why", [
    (1000.0, None, False, "no device distance"),
    (1000.0, np.r_[np.full(8, np.nan), 0.0, 1000.0], False, "covers only 20%"),
    (1000.0, np.zeros(10), False, "never increases"),
    (None, np.linspace(0, 1000, 10), True, "no positions"),
    (1000.0, np.linspace(0, 1500, 10), False, "1.50x the GPS distance"),
    (1000.0, np.linspace(0, 1050, 10), True, "fit device distance"),
])
def test_choose_device_distance(pos_total, device, use, why):
    got, reason = dist.choose_device_distance(pos_total, device, "fit")
    assert got is use and why in reason


def test_raw_distance_ignores_a_device_reset():
    axis = _axis(200)
    device = np.r_[3.0 * np.arange(100), 3.0 * np.arange(100)]  # the watch restarts at 100 s
    raw = dist.raw_distance(device, None, axis, max_speed_mps=np.full(200, 8.0), fmt="fit")
    assert raw.source == "device" and "reset" in raw.notes[0]
    assert raw.cum_m[-1] == pytest.approx(3.0 * 198)
    none = dist.raw_distance(None, None, axis, max_speed_mps=np.full(200, 8.0), fmt="gpx")
    assert none.source is None and not none.cum_m.any() and "No positions" in none.notes[0]


def test_counted_distance_stops_gps_drift_and_refuses_a_broken_track():
    raw = dist.RawDistance(np.arange(10.0), "gps")
    moving = np.r_[np.ones(5, bool), np.zeros(5, bool)]
    np.testing.assert_allclose(dist.counted_distance(raw, moving, CFG, "a.gpx"), [0, 1, 2, 3, 4, 4, 4, 4, 4, 4])
    device = dataclasses.replace(raw, source="device")
    assert dist.counted_distance(device, moving, CFG, "a.fit")[-1] == 9.0  # the watch's own filter decides
    big = dist.RawDistance(np.linspace(0, 2000, 10), "gps")
    with pytest.raises(TrackDataError, match="covers 2 km.*max_distance_m") as exc:
        dist.counted_distance(big, np.ones(10, bool), AnalysisConfig(max_distance_m=1000.0), "far.gpx")
    assert exc.value.source == "far.gpx"


# --- speed --------------------------------------------------------------------------------------
def test_speed_prefers_a_consistent_device_speed_and_says_when_it_does_not():
    n = 300
    axis, limits = _axis(n), _limits(n)
    cum = 3.0 * np.arange(n)
    s = spd.speed(np.full(n, 3.0), cum, "gps", axis, limits)
    assert s.source == "device" and not s.notes
    np.testing.assert_allclose(s.mps, 3.0)
    off = spd.speed(np.full(n, 6.0), cum, "gps", axis, limits)  # twice the distance's speed
    assert off.source == "distance" and "disagrees" in off.notes[0]
    np.testing.assert_allclose(off.mps, 3.0)
    # With GPS distance, the final speed is that of the distance actually counted.
    counted = np.r_[cum[:150], np.full(150, cum[149])]
    final = spd.counted_speed(off, counted, "gps", axis, limits)
    assert final[200:].max() == 0.0 and final[:140] == pytest.approx(3.0)


def test_a_watch_distance_in_whole_metres_every_few_seconds_keeps_its_device_speed():
    """sports-lib/6910052863.fit: whole metres every 2-4 s. Differenced row by row and
    median-filtered, the distance read 0.19 m/s for 0.86, so the watch's good speed was refused
    as "disagreeing"."""
    n = 600
    axis, limits = _axis(n), _limits(n)
    t = np.arange(float(n))
    cum = np.floor(1.2 * np.floor(t / 4.0) * 4.0)
    s = spd.speed(np.full(n, 1.2), cum, "device", axis, limits)
    assert s.source == "device" and not s.notes
    without = spd.speed(None, cum, "device", axis, limits)
    assert np.mean(without.mps[10:-10]) == pytest.approx(1.2, abs=0.08)


# --- cadence, heart rate, elevation -------------------------------------------------------------
def test_cadence_is_left_out_off_foot_and_zero_while_moving_is_a_dropout():
    n = 100
    axis = _axis(n)
    bike = dataclasses.replace(_limits(n), samples=np.arange(n) < 50, rows=np.arange(n) < 50)
    cad, notes = sensors.cadence(np.full(n, 170.0), axis, bike)
    assert (cad[:50] == 170).all() and np.isnan(cad[50:]).all() and notes == ()
    c = np.full(n, 170.0)
    c[10] = 0.0
    out = sensors.moving_cadence(c, np.arange(n) != 20, n)
    assert np.isnan(out[10]) and out[20] == 170.0
    assert np.isnan(sensors.moving_cadence(None, np.ones(n, bool), n)).all()
    assert np.isnan(sensors.heart_rate(None, axis)).all()


def test_elevation_drops_sentinels_and_keeps_the_file_source():
    n = 300
    h = np.full(n, 1000.0)
    h[100] = -500.0
    e = ele.elevation(h, _axis(n), True, CFG)
    assert e.source == "barometric" and "1 invalid elevation" in e.notes[0]
    assert e.values_m[100] == pytest.approx(1000.0)
    none = ele.elevation(None, _axis(n), None, CFG)
    assert none.values_m is None and none.source is None and "no elevation" in none.notes[0]


# --- moving -------------------------------------------------------------------------------------
def test_moving_sees_a_stop_and_a_timer_pause():
    n = 300
    v = np.where((np.arange(n) >= 100) & (np.arange(n) < 160), 0.0, 3.0)
    paused = (np.arange(n) >= 200) & (np.arange(n) < 220)
    axis = _axis(n, paused=paused)
    none = pos.positions(None, None, axis, max_speed_mps=np.full(n, 8.0), limit_text="")
    state = mov.moving(axis, spd.Speed(v, "device"), np.cumsum(v), "device", none, None,
                       ele.Elevation(None, None), CFG)
    assert not state[100:160].any() and not state[200:220].any()
    assert state[:100].all() and state[165:200].all() and state[225:].all()


# --- profile ------------------------------------------------------------------------------------
def test_profile_of_a_constant_ten_percent_ramp():
    n = 600
    d = 3.0 * np.arange(n)
    e = ele.Elevation(1000.0 + 0.1 * d, "barometric")
    p = prof.profile(d, np.ones(n, bool), e, _axis(n), CFG)
    np.testing.assert_allclose(p.grade, 0.10, atol=1e-4)
    np.testing.assert_allclose(p.row_grade, 0.10, atol=1e-4)
    np.testing.assert_allclose(p.distance_m, np.arange(0, d[-1] + 1e-9, 5.0)[: p.distance_m.size])
    assert p.ascent_m == pytest.approx(0.1 * d[-1], rel=0.01) and p.descent_m == pytest.approx(0, abs=0.5)
    np.testing.assert_allclose(p.vertical_speed_mps, 0.3, atol=0.005)
    np.testing.assert_allclose(p.elapsed_s, p.distance_m / 3.0, atol=1e-9)


def test_profile_without_horizontal_distance_is_smoothed_in_time():
    n = 600
    e = ele.Elevation(1000.0 + 0.2 * np.arange(n), "barometric")  # a treadmill climbing 0.2 m/s
    p = prof.profile(np.zeros(n), np.ones(n, bool), e, _axis(n), CFG)
    assert np.isnan(p.row_grade).all() and "No horizontal distance" in p.notes[0]
    assert p.ascent_m == pytest.approx(0.2 * (n - 1), rel=0.01)


# --- summary ------------------------------------------------------------------------------------
def test_summary_of_a_flat_run_with_a_stop():
    n = 600
    d = np.minimum(3.0 * np.arange(n), 3.0 * 499)  # stands still for the last 100 s
    moving = np.arange(n) < 500
    e = ele.Elevation(np.full(n, 1000.0), "barometric")
    p = prof.profile(d, moving, e, _axis(n), CFG)
    s = summarise(t_s=np.arange(n, dtype=float), grid_s=np.arange(n, dtype=float), moving=moving,
                  distance_m=d, prof=p, elevation_source="barometric", distance_source="gps",
                  speed_source="distance", timer_time_s=None, position_spikes=0, config=CFG)
    assert isinstance(s, PreparedSummary)
    assert s.moving_time_s == 499 and s.duration_s == 599
    assert s.avg_speed_mps == pytest.approx(3.0)
    # Flat: GAP is the pace, and Minetti's cost 3.6 J/kg/m (over the profile's whole 5 m steps).
    assert s.gap_speed_mps == pytest.approx(p.distance_m[-1] / 499)
    assert s.energy_j_per_kg == pytest.approx(3.6 * p.distance_m[-1])
    assert s.min_elevation_m == pytest.approx(1000.0) and s.max_elevation_m == pytest.approx(1000.0)
    assert s.to_dict()["distance_source"] == "gps"
    no_distance = summarise(t_s=np.arange(n, dtype=float), grid_s=np.arange(n, dtype=float), moving=moving,
                            distance_m=np.zeros(n), prof=p, elevation_source=None, distance_source=None,
                            speed_source=None, timer_time_s=None, position_spikes=0, config=CFG)
    assert no_distance.distance_m is None and no_distance.avg_speed_mps is None
    assert no_distance.gap_speed_mps is None
