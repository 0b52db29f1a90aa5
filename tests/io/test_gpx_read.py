"""GPX reader: hand-written documents whose answer is obvious, and the real corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.errors import TrackReadError, UnsupportedFormatError
from trailtech.io.gpx import read_gpx

GPX11 = "http://www.topografix.com/GPX/1/1"


def gpx(body: str, *, ns: str = GPX11, extra: str = "", creator: str = "test") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="{ns}" version="1.1" '
        f'creator="{creator}" {extra}>{body}</gpx>'
    ).encode()


def pt(lat, lon, *, ele=None, time=None, ext="", extra=""):
    e = f"<ele>{ele}</ele>" if ele is not None else ""
    t = f"<time>{time}</time>" if time is not None else ""
    x = f"<extensions>{ext}</extensions>" if ext else ""
    return f'<trkpt lat="{lat}" lon="{lon}">{e}{t}{extra}{x}</trkpt>'


def test_segments_elevation_and_time_offsets():
    body = (
        "<trk><type>Running</type><trkseg>"
        + pt(45.0, 6.0, ele=1000, time="2024-05-01T08:00:00Z")
        + pt(
            45.001, 6.0, time="2024-05-01T10:00:01+02:00"
        )  # same instant style, offset
        + "</trkseg></trk><trk><trkseg>"
        + pt(45.002, 6.0, ele=1010.5, time="2024-05-01T08:00:02.5Z")
        + "</trkseg></trk>"
    )
    t = read_gpx(gpx(body), "a.gpx")
    s = t.samples
    assert list(s["elapsed_s"]) == [0.0, 1.0, 2.5]
    assert s["time"].dt.tz is not None and str(s["time"].dt.tz) == "UTC"
    assert np.isnan(s["elevation_m"].iloc[1])  # missing <ele> is NaN, never 0
    assert list(s["segment"]) == [0, 0, 1]
    assert t.meta.sport == "running" and t.meta.format == "gpx"
    assert t.meta.device == "test" and t.meta.n_records == 3
    assert t.meta.start_time == pd.Timestamp("2024-05-01T08:00:00Z")
    assert isinstance(s.index, pd.RangeIndex)


@pytest.mark.parametrize("prefix", ["gpxtpx", "ns3", "zz"])
def test_garmin_extension_matched_by_namespace_not_prefix(prefix):
    tpx = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    ext = (
        f"<{prefix}:TrackPointExtension><{prefix}:atemp>21.5</{prefix}:atemp>"
        f"<{prefix}:hr>140</{prefix}:hr><{prefix}:cad>180</{prefix}:cad>"
        f"</{prefix}:TrackPointExtension>"
    )
    body = (
        "<trk><trkseg>"
        + pt(45, 6, time="2024-05-01T08:00:00Z", ext=ext)
        + "</trkseg></trk>"
    )
    s = read_gpx(gpx(body, extra=f'xmlns:{prefix}="{tpx}"'), "x").samples
    assert s["heart_rate_bpm"].iloc[0] == 140
    assert s["temperature_c"].iloc[0] == 21.5
    assert s["cadence_spm"].iloc[0] == 180  # already steps/min: kept


def test_wrong_namespace_with_garmin_prefix_is_not_garmin():
    # prefix "gpxtpx" bound to some other URI: its <hr> is a generic child, still heart rate,
    # but its <cad> is not read as Garmin cadence... both map by local name generically.
    ext = "<gpxtpx:TrackPointExtension><gpxtpx:speed>99</gpxtpx:speed></gpxtpx:TrackPointExtension>"
    body = (
        "<trk><trkseg>"
        + pt(45, 6, time="2024-05-01T08:00:00Z", ext=ext)
        + "</trkseg></trk>"
    )
    s = read_gpx(gpx(body, extra='xmlns:gpxtpx="urn:other"'), "x").samples
    # a "speed" in an unknown namespace has unknown units and is not read
    assert "device_speed_mps" not in s


def test_tpx_v2_speed_and_cluetrust_and_plain_extensions():
    tpx2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
    cluetrust = "http://www.cluetrust.com/XML/GPXDATA/1/0"
    p1 = pt(
        45,
        6,
        time="2024-05-01T08:00:00Z",
        ext="<t2:TrackPointExtension><t2:speed>3.25</t2:speed><t2:hr>150</t2:hr>"
        "</t2:TrackPointExtension><heartrate>999</heartrate>",
    )
    p2 = pt(
        45,
        6.0001,
        time="2024-05-01T08:00:01Z",
        ext="<gd:hr>151</gd:hr><gd:cadence>88</gd:cadence><gd:distance>12.5</gd:distance>"
        "<gd:temp>7</gd:temp>",
    )
    p3 = pt(
        45,
        6.0002,
        time="2024-05-01T08:00:02Z",
        ext="<heartrate>152</heartrate><cadence>90</cadence><power>250</power>"
        "<distance>20</distance>",
    )
    body = "<trk><type>9</type><trkseg>" + p1 + p2 + p3 + "</trkseg></trk>"
    t = read_gpx(gpx(body, extra=f'xmlns:t2="{tpx2}" xmlns:gd="{cluetrust}"'), "x")
    s = t.samples
    assert t.meta.sport == "running"  # Strava's numeric type 9
    # Garmin value wins over the plain one on the same point
    assert list(s["heart_rate_bpm"]) == [150, 151, 152]
    assert s["device_speed_mps"].iloc[0] == 3.25
    assert list(s["device_distance_m"].iloc[1:]) == [12.5, 20]
    assert s["temperature_c"].iloc[1] == 7
    assert s["power_w"].iloc[2] == 250
    # strides (88, 90) on a run -> steps
    assert t.meta.cadence_doubled
    assert list(s["cadence_spm"].iloc[1:]) == [176, 180]


def test_gpx10_speed_and_namespace():
    body = (
        "<trk><trkseg>"
        + pt(45, 6, time="2024-05-01T08:00:00Z", extra="<speed>2.5</speed>")
        + "</trkseg></trk>"
    )
    t = read_gpx(gpx(body, ns="http://www.topografix.com/GPX/1/0"), "x")
    assert t.samples["device_speed_mps"].iloc[0] == 2.5


def test_routes_read_only_without_track():
    body = (
        '<rte><name>r</name><rtept lat="45" lon="6"><time>2024-05-01T08:00:00Z</time></rtept>'
        '<rtept lat="45.1" lon="6"><time>2024-05-01T08:00:05Z</time></rtept></rte>'
    )
    t = read_gpx(gpx(body), "x")
    assert len(t.samples) == 2 and t.meta.n_records == 2
    assert any("route" in w for w in t.meta.warnings)
    with_track = (
        body
        + "<trk><trkseg>"
        + pt(1, 1, time="2024-05-01T09:00:00Z")
        + "</trkseg></trk>"
    )
    assert len(read_gpx(gpx(with_track), "x").samples) == 1


def test_duplicates_merged_and_backwards_steps_sorted():
    body = (
        "<trk><trkseg>"
        + pt(45.0, 6, time="2024-05-01T08:00:05Z")
        + pt(45.1, 6, time="2024-05-01T08:00:04Z")  # backwards
        + pt(45.2, 6, time="2024-05-01T08:00:06Z", ext="<heartrate>120</heartrate>")
        + pt(45.3, 6, ele=5, time="2024-05-01T08:00:06Z")  # same second
        + "</trkseg></trk>"
    )
    t = read_gpx(gpx(body), "x")
    s = t.samples
    assert list(s["elapsed_s"]) == [0.0, 1.0, 2.0]
    assert list(s["lat_deg"]) == [45.1, 45.0, 45.2]
    assert s["heart_rate_bpm"].iloc[2] == 120 and s["elevation_m"].iloc[2] == 5
    assert t.meta.n_records == 4
    text = " ".join(t.meta.warnings)
    assert (
        "1 backwards time steps" in text
        and "1 samples with a repeated timestamp" in text
    )


def test_no_times_keeps_rows_and_warns():
    body = "<trk><trkseg>" + pt(45, 6, ele=1) + pt(45.1, 6, ele=2) + "</trkseg></trk>"
    t = read_gpx(gpx(body), "x")
    assert len(t.samples) == 2 and t.samples["time"].isna().all()
    assert t.meta.start_time is None
    assert any("no usable timestamps" in w for w in t.meta.warnings)


def test_sentinel_times_are_not_timestamps():
    body = (
        "<trk><trkseg>"
        + pt(45, 6, time="1901-12-13T20:45:52Z")
        + pt(45.1, 6, time="1901-12-13T20:45:52Z")
        + "</trkseg></trk>"
    )
    t = read_gpx(gpx(body), "x")
    assert t.samples["time"].isna().all() and len(t.samples) == 2
    assert any("sentinel" in w for w in t.meta.warnings)


def test_point_without_position_kept_with_nan():
    body = (
        "<trk><trkseg><trkpt><time>2024-05-01T08:00:00Z</time></trkpt>"
        + pt(45, 6, time="2024-05-01T08:00:01Z")
        + "</trkseg></trk>"
    )
    s = read_gpx(gpx(body), "x").samples
    assert np.isnan(s["lat_deg"].iloc[0]) and s["lat_deg"].iloc[1] == 45


@pytest.mark.parametrize(
    "sport, values, doubled",
    [
        ("running", [0, 85, 86, 88, 90], True),  # strides on a run
        ("running", [0, 170, 172, 176, 180], False),  # already steps
        (None, [85, 86, 88], True),  # unknown sport: trailtech assumes on foot
        ("cycling", [85, 86, 88], False),  # pedalling rpm is left alone
        (
            "running",
            [100, 105, 110, 170, 175, 178],
            False,
        ),  # walking steps + running steps
    ],
)
def test_cadence_doubling_decision(sport, values, doubled):
    pts = "".join(
        pt(
            45 + i * 1e-4,
            6,
            time=f"2024-05-01T08:00:{i:02d}Z",
            ext=f"<cadence>{v}</cadence>",
        )
        for i, v in enumerate(values)
    )
    type_ = f"<type>{sport}</type>" if sport else ""
    t = read_gpx(gpx(f"<trk>{type_}<trkseg>{pts}</trkseg></trk>"), "x")
    assert t.meta.cadence_doubled is doubled
    expected = np.asarray(values, float) * (2 if doubled else 1)
    np.testing.assert_array_equal(t.samples["cadence_spm"], expected)


def test_not_gpx_root_and_unknown_engine():
    with pytest.raises(UnsupportedFormatError, match="x.gpx"):
        read_gpx(b"<kml></kml>", "x.gpx")
    with pytest.raises(ValueError, match="engine"):
        read_gpx(gpx(""), "x", engine="nope")


def test_gpxpy_engine_refuses_broken_xml_with_trackreaderror():
    pytest.importorskip("gpxpy")
    with pytest.raises(TrackReadError, match="b.gpx"):
        read_gpx(b"<gpx><trk><trkseg><trkpt lat='1' lon='2'>", "b.gpx", engine="gpxpy")


# ------------------------------------------------------------------ real corpus


def _gpx_rows(manifest):
    return [r for r in manifest if r["format"] == "GPX"]


def test_corpus_gpx_loads_with_manifest_point_counts(real_dir, manifest):
    rows = _gpx_rows(manifest)
    assert rows
    for row in rows:
        t = read_gpx((real_dir / row["file"]).read_bytes(), row["file"])
        assert t.meta.n_records == int(row["n_records"]), row["file"]
        assert t.meta.source == row["file"]
        s = t.samples
        if s["time"].notna().any():
            assert s["time"].is_monotonic_increasing and s["time"].is_unique, row[
                "file"
            ]
            assert s["elapsed_s"].iloc[0] == 0.0
        if row["has_cadence"] == "yes" and "cadence_spm" in s:
            moving = s["cadence_spm"][s["cadence_spm"] > 0]
            # every running cadence ends up in steps/min
            if t.meta.sport in ("running", None) and len(moving):
                assert moving.median() > 120, row["file"]


def test_corpus_special_cases(real_dir):
    mojstrovka = read_gpx((real_dir / "gpxpy/Mojstrovka.gpx").read_bytes(), "m.gpx")
    assert mojstrovka.samples["time"].isna().all() and len(mojstrovka.samples) == 184
    rk = read_gpx(
        (real_dir / "runalyze/runkeeper-negative-time-step-at-start.gpx").read_bytes(),
        "r",
    )
    assert any("backwards" in w for w in rk.meta.warnings)
    for name in ("sports-lib/6037744996.gpx", "sports-lib/6048438275.gpx"):
        t = read_gpx((real_dir / name).read_bytes(), name)
        assert any("recovery mode" in w for w in t.meta.warnings)
        assert t.meta.sport == "running" and t.meta.cadence_doubled
        assert np.isfinite(t.samples["cadence_spm"]).mean() > 0.9


def _compare(a, b, name):
    assert len(a.samples) == len(b.samples), name
    assert a.meta.n_records == b.meta.n_records, name
    common = [c for c in b.samples.columns if c in a.samples.columns]
    for c in common:
        x, y = a.samples[c], b.samples[c]
        if c == "time":
            assert ((x == y) | (x.isna() & y.isna())).all(), (name, c)
        else:
            np.testing.assert_allclose(
                x.to_numpy(float),
                y.to_numpy(float),
                rtol=0,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{name} {c}",
            )
    return common


def test_corpus_equivalence_with_gpxpy(real_dir, manifest):
    pytest.importorskip("gpxpy")
    compared = 0
    for row in _gpx_rows(manifest):
        data = (real_dir / row["file"]).read_bytes()
        fast = read_gpx(data, row["file"])
        try:
            slow = read_gpx(data, row["file"], engine="gpxpy")
        except TrackReadError as exc:
            # gpxpy refuses it (unbound prefix, trkpt without lat): said cleanly, and the
            # fast path still reads it
            assert row["file"] in str(exc) and "gpxpy" in str(exc)
            assert fast.meta.n_records == int(row["n_records"])
            continue
        # slow.meta.n_records is gpxpy's own point count
        common = _compare(fast, slow, row["file"])
        # gpxpy drops extensions when a file claims version="1.0" (hr-not-always-there.gpx)
        if b'version="1.0"' not in data[:2000]:
            assert common == list(fast.samples.columns), row["file"]
        compared += 1
    assert compared >= 20


def test_truncated_and_out_of_range_times_are_unreadable_not_misread():
    """A file cut inside <time> must not give a plausible wrong date (2020-12-2 -> 2 Dec),
    and a year outside datetime64[ns] must not wrap around to 1815."""
    from trailtech.io._build import parse_times

    out = parse_times(["2020-12-2", "2020-12-02T10:00:00Z", "9999-01-01T00:00:00Z",
                       "2020-12-02T10:00:00+02:00", "2020-12-02 10:00:00"])
    assert np.isnat(out[0]) and np.isnat(out[2])
    assert out[1] == np.datetime64("2020-12-02T10:00:00") and out[3] == np.datetime64("2020-12-02T08:00:00")
    assert out[4] == np.datetime64("2020-12-02T10:00:00")
    assert np.isnat(parse_times(["2020-12-02T10:00:00Z", "9999-01-01T00:00:00Z"])[1])
