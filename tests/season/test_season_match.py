"""Cross-activity segment matching: shape kernels, gates, and passes across activities."""

from __future__ import annotations

import numpy as np
import pytest

import pandas as pd

from trailtech.season.match import gate_crossing, geohash, match_segments, segment_trend

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
    # Two passes a week apart are not evidence of a trend (issue 17: at least 5 over 4 weeks).
    assert s["trend"] is None and s["time_trend"]["status"] == "not enough data yet"
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


def _passes(durations, scores, every_d=7):
    t0 = pd.Timestamp("2026-03-02T07:00:00Z")
    return [{"file": f"r{i}.fit", "start_time": t0 + pd.Timedelta(days=every_d * i), "duration_s": d,
             "control_score": c} for i, (d, c) in enumerate(zip(durations, scores))]


def test_faster_pass_with_lower_control_is_never_worse():
    # The season report once said "worse" for 403 s -> 401 s because control dropped.
    verdict, time_tr, control_tr = segment_trend(_passes([403, 401], [80, 70]), down=True)
    assert verdict is None and time_tr["trend"] is None and control_tr["trend"] is None
    # Six weekly passes, clearly faster while control drops: each is said on its own.
    verdict, time_tr, control_tr = segment_trend(_passes([420, 410, 400, 390, 380, 370],
                                                         [80, 77, 74, 71, 68, 65]), down=True)
    assert time_tr["trend"] == "improving" and control_tr["trend"] == "worse"
    assert verdict is None
    verdict, time_tr, _ = segment_trend(_passes([420, 410, 400, 390, 380, 370], [None] * 6), down=True)
    assert verdict == "improving" and time_tr["change_per_30d"] < 0
