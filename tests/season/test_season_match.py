"""Cross-activity segment matching: shape kernels, gates, and passes across activities."""

from __future__ import annotations

import numpy as np
import pytest

from trailtech.season.match import gate_crossing, geohash, match_segments

from ._helpers import wiggly_line


def test_geohash_known_value():
    # The example from Niemeyer's geohash description.
    assert geohash(57.64911, 10.40744, 11) == "u4pruydqqvj"
    assert geohash(45.0, 6.0, 7) == geohash(45.0003, 6.0003, 7)[:6] + geohash(45.0, 6.0, 7)[6]


def test_gate_crossing_interpolates_the_line():
    xy = np.column_stack([np.arange(-50, 51, 10.0), np.zeros(11)])  # x = -50 .. 50 step 10
    f = gate_crossing(xy, np.array([3.0, 0.0]), np.array([1.0, 0.0]), radius_m=25)
    assert f == pytest.approx(5.3)  # between x=0 (index 5) and x=10, at x=3
    # Passing 40 m to the side of the gate does not count.
    assert gate_crossing(xy + [0, 40], np.array([3.0, 0.0]), np.array([1.0, 0.0]), radius_m=25) is None


def _entry(file, start, kind, lat, lon, *, speed_mps, core, ele0=1500.0, grade=-0.15, score=None):
    n = len(lat)
    d = np.arange(n) * 5.0
    ele = ele0 + grade * d
    return {"file": file, "ok": True,
            "activity": {"file": file, "start_time": start},
            "geometry": [{"kind": kind, "index": 0, "core": list(core), "d": d.tolist(),
                          "lat": lat.tolist(), "lon": lon.tolist(), "ele": ele.tolist(),
                          "t": (600.0 + d / speed_mps).tolist(), "control_score": score}]}


def test_same_descent_on_two_days_is_one_segment_with_two_passes():
    lat1, lon1 = wiggly_line(120, seed=1)
    lat2, lon2 = wiggly_line(120, seed=2)
    # Day 2's own descent detection starts 15 m later and ends 10 m earlier.
    e1 = _entry("a.gpx", "2026-06-01T08:00:00Z", "down", lat1, lon1, speed_mps=2.0, core=(20, 100), score=50.0)
    e2 = _entry("b.gpx", "2026-06-08T08:00:00Z", "down", lat2, lon2, speed_mps=2.5, core=(23, 98), score=70.0)
    segs = match_segments([e1, e2])
    assert len(segs) == 1
    s = segs[0]
    assert [p["file"] for p in s["passes"]] == ["a.gpx", "b.gpx"]
    assert s["length_m"] == pytest.approx(400.0)
    assert s["drop_m"] == pytest.approx(60.0)
    assert s["passes"][0]["duration_s"] == pytest.approx(200.0)  # 400 m at 2 m/s
    assert s["passes"][1]["duration_s"] == pytest.approx(160.0, abs=6)  # 400 m at 2.5 m/s, gate noise
    assert s["passes"][1]["control_score"] == 70.0
    assert s["trend"] == "improving"
    assert s["segment_id"].startswith("d-")
    assert s["direction"] == "down"


def test_other_trails_and_other_direction_do_not_match():
    lat1, lon1 = wiggly_line(120, seed=1)
    lat2, lon2 = wiggly_line(120, seed=2, lat0=45.005)  # 550 m north: another trail
    lat3, lon3 = wiggly_line(120, seed=3)
    e1 = _entry("a.gpx", "2026-06-01T08:00:00Z", "down", lat1, lon1, speed_mps=2.0, core=(20, 100))
    e2 = _entry("b.gpx", "2026-06-02T08:00:00Z", "down", lat2, lon2, speed_mps=2.0, core=(20, 100))
    # The same trail walked back up: reversed order, climbing.
    e3 = _entry("c.gpx", "2026-06-03T08:00:00Z", "up", lat3[::-1], lon3[::-1], speed_mps=1.0,
                core=(20, 100), ele0=1500 - 0.15 * 595, grade=0.15)
    assert match_segments([e1, e2, e3]) == []


def test_a_single_activity_is_not_a_season_segment():
    lat1, lon1 = wiggly_line(120, seed=1)
    e1 = _entry("a.gpx", "2026-06-01T08:00:00Z", "down", lat1, lon1, speed_mps=2.0, core=(20, 100))
    assert match_segments([e1]) == []
    assert match_segments([]) == []


def test_bad_parameters():
    with pytest.raises(ValueError, match="gate_radius_m"):
        match_segments([], gate_radius_m=0)
