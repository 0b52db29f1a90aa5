"""Long gaps and broken clocks: the time grid only materialises the recorded stretches."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_track
from trailtech.config import AnalysisConfig
from trailtech.errors import TrackDataError
from trailtech.io import load
from trailtech.pipeline import analyze
from trailtech.prepare import prepare
from trailtech.processing import resample as rs
from trailtech.track import Track

YEAR_S = 365.25 * 86400


def _gpx(times_s: np.ndarray, *, speed_mps: float = 3.0, lat0: float = 45.0) -> bytes:
    """A GPX run north along a meridian, one point per time (seconds after 2010-05-01); the
    runner moves at ``speed_mps`` between points less than a minute apart and stands still
    across longer gaps."""
    start = pd.Timestamp("2010-05-01T08:00:00Z")
    steps = np.diff(times_s, prepend=times_s[0])
    d = np.cumsum(np.where(steps <= 60, steps, 0.0)) * speed_mps
    lat = lat0 + np.rad2deg(d / 6371008.8)
    pts = "".join(
        f'<trkpt lat="{la:.7f}" lon="6.0000000"><ele>{1000 + 0.1 * di:.1f}</ele>'
        f"<time>{(start + pd.Timedelta(seconds=float(s))).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for s, la, di in zip(times_s, lat, d)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
        f"{pts}</trkseg></trk></gpx>"
    ).encode()


# ----------------------------------------------------------------------------- pure grid
def test_compact_grid_equals_uniform_grid_without_long_gaps():
    t = np.r_[0.0, 3.0, 10.5, 69.0, 100.0, 159.9]  # every gap <= 60 s
    assert np.array_equal(rs.compact_time_grid(t, break_s=60), rs.time_grid(t))
    assert rs.compact_grid_rows(t, break_s=60) == rs.time_grid(t).size


def test_compact_grid_keeps_pads_and_skips_the_middle_of_long_gaps():
    t = np.r_[np.arange(100.0), 1000.0, 1001.0]
    g = rs.compact_time_grid(t, step_s=1.0, break_s=60.0)
    assert np.array_equal(g, np.r_[0:130, 970:1002].astype(float))
    assert rs.compact_grid_rows(t, step_s=1.0, break_s=60.0) == g.size
    # Every kept row lies on the uniform grid: the same times as without compaction.
    assert np.isin(g, rs.time_grid(t)).all()
    # The pads lie in the gap, so gap_mask marks them.
    gap = rs.gap_mask(t, g, max_gap_s=10)
    assert np.array_equal(gap, (g > 99) & (g < 1000))


def test_compact_grid_is_bounded_by_the_samples_not_the_span():
    t = np.sort(np.random.default_rng(3).uniform(0, 50 * YEAR_S, 2000))
    n = rs.compact_grid_rows(t, step_s=1.0, break_s=60.0)
    assert n <= 2000 * 61
    assert rs.compact_time_grid(t, step_s=1.0, break_s=60.0).size == n


def test_compact_grid_rejects_bad_arguments():
    with pytest.raises(ValueError, match="step_s"):
        rs.compact_time_grid([0, 1], step_s=0)
    with pytest.raises(ValueError, match="break_s"):
        rs.compact_grid_rows([0, 1], break_s=-1)
    with pytest.raises(ValueError, match="pad_s"):
        rs.compact_time_grid([0, 1], break_s=60, pad_s=40)


def test_stray_edge_mask_drops_a_few_far_points_only():
    t = np.r_[np.arange(500.0), 15 * YEAR_S]
    keep = rs.stray_edge_mask(t, gap_s=86400)
    assert keep[:500].all() and not keep[500]
    t2 = np.r_[-3 * 86400.0, np.arange(500.0)]
    assert not rs.stray_edge_mask(t2, gap_s=86400)[0]
    # Two halves far apart: a split recording, nothing dropped.
    t3 = np.r_[np.arange(50.0), 1e7 + np.arange(50.0)]
    assert rs.stray_edge_mask(t3, gap_s=86400).all()


# ----------------------------------------------------------------------------- prepare
def test_one_point_fifteen_years_later_is_dropped_fast_and_small():
    data = _gpx(np.r_[np.arange(120.0), 15 * YEAR_S])
    tr = load(data, source="clock.gpx")
    a = analyze(tr)
    tracemalloc.start()
    try:
        analyze(tr)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 300e6
    assert len(a.timeline) == 120
    assert a.summary.duration_s == pytest.approx(119)
    # the reader drops it (trailtech.io.normalise.stray_edges), as for FIT files
    assert any(w.startswith("1 samples at the start or end lay more than a day away") for w in a.warnings)


def test_a_recording_continued_years_later_is_compacted():
    # 120 s, then 60 s fifteen years later: not strays (too many), both stretches analysed.
    times = np.r_[np.arange(120.0), 15 * YEAR_S + np.arange(60.0)]
    tr = load(_gpx(times), source="joined.gpx")
    p = prepare(tr)
    tl = p.timeline
    assert len(tl) < 120 + 60 + 61
    t = tl.elapsed_s
    assert np.all(np.diff(t) > 0) and t[-1] == pytest.approx(times[-1])
    assert pd.Timestamp(tl.time[-1], tz="UTC") == pd.Timestamp("2010-05-01T08:00:00Z") + pd.Timedelta(seconds=times[-1])
    assert tl.gap[(t > 119) & (t < times[120])].all()
    assert p.summary.duration_s == pytest.approx(times[-1])
    # Standing 15 years at the same place is not moving time.
    assert p.summary.moving_time_s < 200
    assert any("jump by 15 years" in w for w in p.warnings)


def test_too_long_a_recording_is_refused_naming_the_file():
    # A point every 50 s for 8 days: no gap is long, but 8 days of 1 Hz grid is too much.
    tr = make_track(8 * 86400 // 50, dt_s=50.0, speed_mps=0.5)
    tr = Track(samples=tr.samples, meta=tr.meta.__class__(source="hostile.fit", format="fit", sport="running",
                                                          start_time=tr.meta.start_time))
    t0 = time.perf_counter()
    with pytest.raises(TrackDataError, match=r"hostile\.fit: timestamps span 8 days.*max_timeline_s"):
        prepare(tr)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(TrackDataError, match="max_timeline_s"):
        prepare(make_track(4000), AnalysisConfig(max_timeline_s=3600))


def test_too_long_a_distance_is_refused():
    with pytest.raises(TrackDataError, match="max_distance_m"):
        prepare(make_track(600, speed_mps=3.0), AnalysisConfig(max_distance_m=1000))


def test_compacted_gap_keeps_distance_and_moving_time():
    # A 5 min dropout while running on: the straight line and the time across it count.
    tr = make_track(1200)
    df = tr.samples.drop(index=range(400, 700)).reset_index(drop=True)
    p = prepare(Track(samples=df, meta=tr.meta))
    assert len(p.timeline) < 1200 - 200
    assert p.summary.distance_m == pytest.approx(3 * 1199, rel=0.01)
    assert p.summary.moving_time_s == pytest.approx(1199, abs=3)


@pytest.mark.parametrize("name", ["27-days-activity.fit", "31-days-activity.fit"])
def test_clock_jump_corpus_files_stay_small(real_dir, name):
    path = real_dir / "sports-lib" / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    tr = load(path)
    t0 = time.perf_counter()
    a = analyze(tr)
    assert time.perf_counter() - t0 < 2.0
    assert len(a.timeline) < 10_000
    span = tr.samples["elapsed_s"].iloc[-1] - tr.samples["elapsed_s"].iloc[0]
    assert a.summary.duration_s == pytest.approx(span)
    assert a.summary.distance_m > 5000
