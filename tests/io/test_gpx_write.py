"""GPX writer: to_gpx and courses_to_gpx round-trip through gpxpy and through read_gpx."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from tests.conftest import make_track
from trailtech.io.gpx import read_gpx
from trailtech.io.gpx_write import GPX11_NS, TPX1_NS, courses_to_gpx, to_gpx
from trailtech.track import Track, TrackMeta

NS = {"g": GPX11_NS, "t": TPX1_NS}


def _track_with_gaps() -> Track:
    t = make_track(
        6,
        cadence_spm=171.0,
        heart_rate_bpm=[150, np.nan, 151, 152, 153, 154],
        segment=[0, 0, 0, 1, 1, 1],
    )
    s = t.samples.copy()
    s.loc[2, "elevation_m"] = np.nan
    return Track(samples=s, meta=t.meta)


def test_to_gpx_structure_segments_and_extensions():
    data = to_gpx(_track_with_gaps(), name="Ridge & back")
    root = etree.fromstring(data)
    assert root.get("version") == "1.1"
    assert root.get("creator") == "trailtech"
    assert root.xpath("count(/g:gpx/g:trk)", namespaces=NS) == 1
    assert root.xpath("/g:gpx/g:trk/g:name/text()", namespaces=NS) == ["Ridge & back"]
    assert root.xpath("/g:gpx/g:trk/g:type/text()", namespaces=NS) == ["running"]
    assert root.xpath("/g:gpx/g:metadata/g:time/text()", namespaces=NS) == [
        "2026-06-01T08:00:00Z"
    ]
    segs = root.xpath("/g:gpx/g:trk/g:trkseg", namespaces=NS)
    assert [len(s) for s in segs] == [3, 3]
    # NaN elevation and NaN heart rate are omitted, not written as 0 or "nan"
    pts = root.xpath("//g:trkpt", namespaces=NS)
    assert pts[2].find(f"{{{GPX11_NS}}}ele") is None
    assert pts[1].find(f".//{{{TPX1_NS}}}hr") is None
    assert b"nan" not in data.lower()
    # 171 steps/min -> 85.5 strides/min -> 86, rounded half up as Garmin does
    assert root.xpath("//t:cad/text()", namespaces=NS) == ["86"] * 6
    assert (
        root.xpath("//g:trkpt/g:time/text()", namespaces=NS)[1]
        == "2026-06-01T08:00:01Z"
    )


def test_to_gpx_steps_mode_and_bad_cadence_argument():
    data = to_gpx(make_track(3, cadence_spm=171.0), cadence="steps")
    assert etree.fromstring(data).xpath("//t:cad/text()", namespaces=NS) == ["171"] * 3
    with pytest.raises(ValueError, match="cadence"):
        to_gpx(make_track(3), cadence="rpm")


def test_to_gpx_subsecond_times():
    t = make_track(4, dt_s=0.5)
    data = to_gpx(t)
    times = etree.fromstring(data).xpath("//g:trkpt/g:time/text()", namespaces=NS)
    assert times[:2] == ["2026-06-01T08:00:00Z", "2026-06-01T08:00:00.500000Z"]
    assert (read_gpx(data, "x").samples["time"] == t.samples["time"]).all()


def test_numbers_are_written_in_full_without_exponent():
    # gpxpy alone writes a float in exponent notation with 10 decimals: 1.2345678901234e-05
    # would come back as 1.23457e-05. Near the Greenwich meridian that is a real longitude.
    t = make_track(3)
    s = t.samples.copy()
    s["lon_deg"] = [1.2345678901234e-05, -9.87654321e-07, 0.0]
    s["elevation_m"] = [3.25e-05, 1234.5678901234567, -0.5]
    data = to_gpx(Track(samples=s, meta=t.meta))
    assert b"e-0" not in data and b"E-0" not in data
    back = read_gpx(data, "x").samples
    np.testing.assert_array_equal(back["lon_deg"], s["lon_deg"])
    np.testing.assert_array_equal(back["lat_deg"], s["lat_deg"])
    np.testing.assert_array_equal(back["elevation_m"], s["elevation_m"])


def test_creator_and_names_are_escaped():
    gpxpy = pytest.importorskip("gpxpy")
    creator = 'Joe "fast" & <co>'
    data = to_gpx(make_track(2), name='A & B <"C">', creator=creator)
    root = etree.fromstring(data)  # well-formed
    assert root.get("creator") == creator
    assert gpxpy.parse(data.decode()).tracks[0].name == 'A & B <"C">'
    assert read_gpx(data, "x").meta.device == creator
    assert etree.fromstring(courses_to_gpx([], creator=creator)).get("creator") == creator


def test_to_gpx_round_trip_through_gpxpy():
    gpxpy = pytest.importorskip("gpxpy")
    t = _track_with_gaps()
    g = gpxpy.parse(to_gpx(t).decode("utf-8"))
    pts = [p for seg in g.tracks[0].segments for p in seg.points]
    assert [len(seg.points) for seg in g.tracks[0].segments] == [3, 3]
    np.testing.assert_allclose(
        [p.latitude for p in pts], t.samples["lat_deg"], atol=1e-12
    )
    np.testing.assert_allclose(
        [p.longitude for p in pts], t.samples["lon_deg"], atol=1e-12
    )
    assert pts[2].elevation is None
    assert pd.Timestamp(pts[5].time) == t.samples["time"].iloc[5]


def test_to_gpx_round_trip_through_read_gpx():
    t = _track_with_gaps()
    back = read_gpx(to_gpx(t), "<rt>")
    s, b = t.samples, back.samples
    assert len(b) == len(s)
    assert (b["time"] == s["time"]).all()
    np.testing.assert_allclose(b["lat_deg"], s["lat_deg"], atol=1e-12)
    np.testing.assert_allclose(b["elevation_m"], s["elevation_m"], equal_nan=True)
    np.testing.assert_allclose(b["heart_rate_bpm"], s["heart_rate_bpm"], equal_nan=True)
    # written as 86 strides/min, read back as steps: 172 (one step of rounding)
    assert back.meta.cadence_doubled
    np.testing.assert_allclose(b["cadence_spm"], 172.0)
    assert list(b["segment"]) == [0, 0, 0, 1, 1, 1]
    assert back.meta.sport == "running"
    assert back.meta.device == "trailtech"


def test_to_gpx_keeps_records_without_a_fix():
    # Issue 14 item 9: a FIT record with cadence and elevation but no GPS fix (yet) was left
    # out, so 71 % of one real file's cadence and elevation disappeared in its GPX.
    t = make_track(6, cadence_spm=171.0)
    s = t.samples.copy()
    s.loc[[0, 1, 3], ["lat_deg", "lon_deg"]] = np.nan
    data = to_gpx(Track(samples=s, meta=t.meta))
    pts = etree.fromstring(data).xpath("//g:trkpt", namespaces=NS)
    assert len(pts) == 6
    fixes = [p.findtext("g:fix", namespaces=NS) for p in pts]
    assert fixes == ["none", "none", None, "none", None, None]
    # Written at the position between the fixes around it (held before the first fix).
    lat = [float(p.get("lat")) for p in pts]
    assert lat[0] == lat[1] == pytest.approx(s["lat_deg"][2])
    assert lat[3] == pytest.approx(0.5 * (s["lat_deg"][2] + s["lat_deg"][4]))
    back = read_gpx(data, "<rt>").samples
    assert len(back) == 6
    assert back["lat_deg"].isna().tolist() == [True, True, False, True, False, False]
    np.testing.assert_allclose(back["lat_deg"][[2, 4, 5]], s["lat_deg"][[2, 4, 5]], atol=1e-12)
    np.testing.assert_allclose(back["cadence_spm"], 172.0)
    np.testing.assert_allclose(back["elevation_m"], s["elevation_m"], equal_nan=True)
    gpxpy = pytest.importorskip("gpxpy")
    g = gpxpy.parse(data.decode("utf-8"))
    assert [p.type_of_gpx_fix for p in g.tracks[0].segments[0].points][:2] == ["none", "none"]
    # A track with no fix at all writes no points.
    s2 = t.samples.copy()
    s2[["lat_deg", "lon_deg"]] = np.nan
    none = to_gpx(Track(samples=s2, meta=t.meta))
    assert len(etree.fromstring(none).xpath("//g:trkpt", namespaces=NS)) == 0


def test_read_gpx_fix_none_means_no_position():
    data = (b'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" '
            b'creator="x"><trk><trkseg>'
            b'<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time><fix>none</fix></trkpt>'
            b'<trkpt lat="45" lon="6"><time>2024-01-01T00:00:01Z</time><fix>3d</fix></trkpt>'
            b'</trkseg></trk></gpx>')
    s = read_gpx(data, "<x>").samples
    assert s["lat_deg"].isna().tolist() == [True, False]


def test_to_gpx_without_sensors_declares_no_extension():
    t = make_track(3, cadence_spm=None)
    data = to_gpx(Track(samples=t.samples, meta=TrackMeta(source="x", format="fit")))
    assert b"TrackPointExtension>" not in data
    assert read_gpx(data, "x").meta.sport is None


def test_courses_to_gpx_round_trip():
    gpxpy = pytest.importorskip("gpxpy")
    courses = [
        {
            "name": "Scree line",
            "desc": "practice it 5 times",
            "lat_deg": [45.0, 45.001, 45.002],
            "lon_deg": [6.0, 6.001, 6.002],
            "elevation_m": [2000.0, np.nan, 1990.0],
        },
        {
            "name": "Forest <switchbacks>",
            "lat_deg": np.array([45.1, 45.2]),
            "lon_deg": np.array([6.1, 6.2]),
            "elevation_m": np.array([1500.0, 1400.0]),
        },
    ]
    data = courses_to_gpx(courses)
    g = gpxpy.parse(data.decode("utf-8"))
    assert [t.name for t in g.tracks] == ["Scree line", "Forest <switchbacks>"]
    assert g.tracks[0].description == "practice it 5 times"
    assert [w.name for w in g.waypoints] == ["Scree line", "Forest <switchbacks>"]
    assert (g.waypoints[1].latitude, g.waypoints[1].longitude) == (45.1, 6.1)
    assert [len(t.segments[0].points) for t in g.tracks] == [3, 2]
    assert g.tracks[0].segments[0].points[1].elevation is None
    back = read_gpx(data, "<courses>")
    assert len(back.samples) == 5
    assert list(back.samples["segment"]) == [0, 0, 0, 1, 1]
    assert "no usable timestamps" in " ".join(back.meta.warnings)


@pytest.mark.parametrize(
    "course, match",
    [
        ({"lat_deg": [1.0], "lon_deg": [1.0], "elevation_m": [1.0]}, "name"),
        ({"name": "a", "lon_deg": [1.0], "elevation_m": [1.0]}, "lat_deg"),
        (
            {
                "name": "a",
                "lat_deg": [1.0, 2.0],
                "lon_deg": [1.0],
                "elevation_m": [1.0],
            },
            "same length",
        ),
    ],
)
def test_courses_to_gpx_rejects_bad_courses(course, match):
    with pytest.raises(ValueError, match=match):
        courses_to_gpx([course])
