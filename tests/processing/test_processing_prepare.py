"""prepare(): the wiring, on hand-built tracks whose answers are obvious."""


import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trailtech
from tests.conftest import make_track
from trailtech.config import AnalysisConfig
from trailtech.errors import TrackDataError
from trailtech.prepare import Prepared, PreparedSummary, prepare
from trailtech.timeline import PROFILE_COLUMNS, TIMELINE_COLUMNS, Profile, Timeline
from trailtech.track import Track, TrackMeta


def _with(track: Track, **cols) -> Track:
    df = track.samples.copy()
    for k, v in cols.items():
        df[k] = v
    return Track(samples=df, meta=track.meta)


def _drop(track: Track, *cols) -> Track:
    return Track(samples=track.samples.drop(columns=list(cols)), meta=track.meta)


def test_prepare_returns_the_typed_contract():
    p = prepare(make_track(600, grade=0.1), AnalysisConfig())
    assert isinstance(p, Prepared)
    assert isinstance(p.timeline, Timeline) and isinstance(p.profile, Profile)
    assert isinstance(p.summary, PreparedSummary)
    # Every registered column is there, with its dtype; gait is left to the analyses.
    frame = p.timeline.to_frame()
    assert list(frame.columns) == [c.name for c in TIMELINE_COLUMNS if c.name != "gait"]
    assert p.timeline.gait is None
    kinds = {"float": "float64", "bool": "bool", "datetime": "datetime64[ns, UTC]"}
    for c in TIMELINE_COLUMNS:
        if c.name != "gait":
            assert str(frame[c.name].dtype) == kinds[c.kind], c.name
    assert list(p.profile.to_frame().columns) == [c.name for c in PROFILE_COLUMNS]
    assert (p.timeline.speed_source, p.timeline.distance_source, p.timeline.elevation_source) == (
        p.summary.speed_source, p.summary.distance_source, p.summary.elevation_source)


def test_timeline_and_profile_arrays_are_read_only():
    p = prepare(make_track(300, grade=0.05))
    for c in TIMELINE_COLUMNS:
        a = getattr(p.timeline, c.name)
        if a is not None:
            assert not a.flags.writeable, c.name
    for c in PROFILE_COLUMNS:
        assert not getattr(p.profile, c.name).flags.writeable, c.name
    with pytest.raises(ValueError, match="read-only"):
        p.timeline.distance_m[0] = 1.0


def test_x_y_are_the_metric_projection_of_the_positions():
    # Heading east at 3 m/s: x grows 3 m per second, y stays 0, about the track's centroid.
    p = prepare(make_track(600, speed_mps=3.0, heading_deg=90.0))
    tl = p.timeline
    np.testing.assert_allclose(np.diff(tl.x_m), 3.0, rtol=1e-3)
    np.testing.assert_allclose(tl.y_m, 0.0, atol=1e-6)
    assert abs(np.mean(tl.x_m)) < 1e-6


def test_constant_ramp_known_answers():
    p = prepare(make_track(600, grade=0.1, speed_mps=3.0))
    s = p.summary
    assert s.distance_m == pytest.approx(1797, rel=1e-3)
    assert s.ascent_m == pytest.approx(179.7, rel=0.01)
    assert s.descent_m == pytest.approx(0, abs=0.5)
    assert s.moving_time_s == 599
    assert s.avg_speed_mps == pytest.approx(3.0, rel=1e-3)
    assert s.gap_speed_mps == pytest.approx(3.0 * 1.459, rel=0.01)
    assert s.energy_j_per_kg == pytest.approx(1797 * 5.96, rel=0.02)
    np.testing.assert_allclose(p.profile.grade_pct, 10.0, atol=0.01)
    np.testing.assert_allclose(p.timeline.grade_pct, 10.0, atol=0.01)
    np.testing.assert_allclose(p.timeline.vertical_speed_mps, 0.3, atol=0.005)
    assert s.min_elevation_m == pytest.approx(1000, abs=0.1)
    assert s.max_elevation_m == pytest.approx(1179.7, abs=0.5)


def test_gps_positions_without_device_distance():
    tr = _drop(make_track(1200, speed_mps=2.5), "device_distance_m", "device_speed_mps")
    p = prepare(tr)
    assert p.summary.distance_source == "gps"
    assert p.summary.speed_source == "distance"
    assert p.summary.distance_m == pytest.approx(2.5 * 1199, rel=0.005)
    np.testing.assert_allclose(p.timeline.speed_mps, 2.5, rtol=0.01)


def test_stop_counts_neither_moving_time_nor_distance():
    n = 900
    tr = make_track(n, speed_mps=3.0)
    df = tr.samples.copy()
    # The runner stands from 300 s to 420 s: positions freeze with 1 m of jitter, cadence 0.
    rng = np.random.default_rng(0)
    frozen = np.arange(300, 420)
    for c in ("lat_deg", "lon_deg"):
        v = df[c].to_numpy().copy()
        after = np.arange(420, n)
        shift = v[420] - v[300]
        v[frozen] = v[300] + rng.normal(0, 1e-5, frozen.size)  # ~1 m
        v[after] -= shift
        df[c] = v
    df["cadence_spm"] = np.where((df.index >= 300) & (df.index < 420), 0.0, 170.0)
    tr = _drop(Track(samples=df, meta=tr.meta), "device_distance_m", "device_speed_mps")
    p = prepare(tr)
    assert p.summary.moving_time_s == pytest.approx(899 - 120, abs=5)
    assert p.summary.distance_m == pytest.approx(3.0 * (899 - 120), rel=0.01)
    tl = p.timeline
    assert not tl.moving[305:415].any()
    assert np.all(np.diff(tl.distance_m) >= 0)


def test_timer_pause_overrides_and_gap_stays_nan():
    tr = make_track(600)
    df = tr.samples.drop(index=range(200, 300)).reset_index(drop=True)  # 100 s without records
    start = tr.meta.start_time
    pause = (start + pd.Timedelta(seconds=199), start + pd.Timedelta(seconds=300))
    meta = TrackMeta(source="paused.fit", format="fit", sport="running", start_time=start, timer_pauses=(pause,))
    p = prepare(Track(samples=df, meta=meta))
    tl = p.timeline
    # The 101 s gap is longer than gap_break_s: 30 s of grid at each end, the middle skipped.
    t = tl.elapsed_s
    assert len(tl) == 560 and np.all(np.diff(t) > 0)
    assert np.array_equal(t, np.r_[0:230, 270:600].astype(float))
    inside = (t > 199) & (t < 300)
    assert tl.gap[inside].all() and not tl.gap[~inside].any()
    assert np.isnan(tl.speed_mps[inside]).all()
    assert np.isnan(tl.lat_deg[inside]).all() and np.isnan(tl.x_m[inside]).all()
    assert not tl.moving[(t >= 199) & (t < 300)].any()
    assert p.summary.moving_time_s == pytest.approx(499, abs=2)
    assert any("gap" in w for w in p.warnings)


def test_gap_without_pause_is_moving_when_the_runner_moved():
    tr = make_track(600)
    df = tr.samples.drop(index=range(200, 260)).reset_index(drop=True)
    p = prepare(Track(samples=df, meta=tr.meta))
    assert p.timeline.moving.all()
    assert p.summary.distance_m == pytest.approx(1797, rel=0.01)


def test_position_spike_is_removed_and_counted():
    tr = _drop(make_track(600), "device_distance_m", "device_speed_mps")
    lat = tr.samples["lat_deg"].to_numpy().copy()
    lat[300] += 0.01  # 1.1 km off
    p = prepare(_with(tr, lat_deg=lat))
    assert p.summary.position_spikes == 1
    assert p.summary.distance_m == pytest.approx(1797, rel=0.01)
    assert any("spike" in w for w in p.warnings)


def test_without_elevation_elevation_numbers_are_none():
    track = _drop(make_track(600), "elevation_m")
    p = prepare(track)
    s = p.summary
    for k in ("ascent_m", "descent_m", "min_elevation_m", "max_elevation_m", "gap_speed_mps", "elevation_source"):
        assert getattr(s, k) is None
    assert s.distance_m == pytest.approx(1797, rel=0.01)
    assert trailtech.analyze(track).summary.flat_cadence_spm == 170.0
    assert np.isnan(p.timeline.elevation_m).all()
    assert any("no elevation" in w for w in p.warnings)


def test_invalid_elevation_dropped_with_warning():
    tr = make_track(600)
    h = tr.samples["elevation_m"].to_numpy().copy()
    h[:20] = 0.0
    h[100] = -500.0
    p = prepare(_with(tr, elevation_m=h))
    assert p.summary.ascent_m == pytest.approx(0, abs=1)
    assert p.summary.min_elevation_m == pytest.approx(1000, abs=0.5)
    assert any("invalid elevation" in w for w in p.warnings)


def test_elevation_source_from_meta_and_noise():
    tr = make_track(1200, grade=0.05)
    rng = np.random.default_rng(2)
    noisy = tr.samples["elevation_m"].to_numpy() + np.convolve(rng.normal(0, 3, 1209), np.ones(10) / 3, "valid")
    assert prepare(_with(tr, elevation_m=noisy)).summary.elevation_source == "gps"
    meta = TrackMeta(source="x.fit", format="fit", barometric=True, start_time=tr.meta.start_time)
    assert prepare(Track(samples=tr.samples, meta=meta)).summary.elevation_source == "barometric"


def test_too_short_and_untimed_tracks_raise_naming_the_file():
    short = make_track(5)
    short = Track(samples=short.samples, meta=TrackMeta(source="tiny.gpx", format="gpx"))
    with pytest.raises(TrackDataError, match="tiny.gpx.*10 s") as exc:
        prepare(short)
    # The error carries the file; its reason does not repeat it (the CLI's line is unchanged).
    assert exc.value.source == "tiny.gpx" and "tiny.gpx" not in exc.value.reason
    assert str(exc.value) == f"tiny.gpx: {exc.value.reason}"
    one = Track(samples=make_track(1).samples, meta=TrackMeta(source="one.gpx", format="gpx"))
    with pytest.raises(TrackDataError, match="one.gpx.*2 timed samples"):
        prepare(one)
    untimed = Track(samples=make_track(50).samples.drop(columns=["time"]), meta=TrackMeta(source="nt.gpx", format="gpx"))
    with pytest.raises(TrackDataError, match="nt.gpx.*no timestamps"):
        prepare(untimed)


def test_flat_cadence_on_hilly_track_widens_band():
    a = trailtech.analyze(make_track(600, grade=0.05, cadence_spm=176.0))
    assert a.summary.flat_cadence_spm == 176.0
    assert a.summary.flat_cadence_grade_band_pct == pytest.approx(6.0)
    assert any("flat cadence uses" in w for w in a.warnings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(12, 400),
    speed=st.floats(0.0, 6.0),
    grade=st.floats(-0.4, 0.4),
    drop=st.lists(st.integers(0, 399), max_size=40),
    dt=st.sampled_from([1.0, 2.0, 4.5]),
)
def test_invariants(n, speed, grade, drop, dt):
    tr = make_track(n, speed_mps=speed, grade=grade, dt_s=dt)
    keep = sorted(set(range(n)) - {d for d in drop if 0 < d < n - 1})
    tr = Track(samples=tr.samples.iloc[keep].reset_index(drop=True), meta=tr.meta)
    p = prepare(tr)
    tl, s = p.timeline, p.summary
    assert np.all(np.diff(tl.distance_m) >= 0)
    assert np.isfinite(tl.distance_m).all()
    assert 0 <= s.moving_time_s <= s.duration_s + 1e-9
    assert s.ascent_m >= 0 and s.descent_m >= 0
    assert s.distance_m == pytest.approx(tl.distance_m[-1])
    assert np.all(np.diff(p.profile.distance_m) > 0) or len(p.profile) == 1


def test_track_data_error_keeps_its_source_through_pickle_and_error_line():
    import pickle

    from trailtech.errors import error_line

    exc = TrackDataError("run.gpx", "only 4.0 s of timed data;\n at least 10 s are needed")
    assert exc.reason == "only 4.0 s of timed data; at least 10 s are needed"
    back = pickle.loads(pickle.dumps(exc))
    assert (type(back), back.source, back.reason) == (TrackDataError, "run.gpx", exc.reason)
    assert error_line(back, "other-name.gpx") == "run.gpx: only 4.0 s of timed data; at least 10 s are needed"

