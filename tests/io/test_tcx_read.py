"""TCX reader: hand-written documents and the real corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.errors import UnsupportedFormatError
from trailtech.io.tcx import read_tcx, read_tcx_activities

TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


def tp(
    t,
    *,
    lat=None,
    lon=None,
    alt=None,
    dist=None,
    hr=None,
    cad=None,
    run_cad=None,
    speed=None,
    watts=None,
    prefix="ax",
):
    parts = [f"<Time>{t}</Time>"]
    if lat is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{lat}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon}</LongitudeDegrees></Position>"
        )
    if alt is not None:
        parts.append(f"<AltitudeMeters>{alt}</AltitudeMeters>")
    if dist is not None:
        parts.append(f"<DistanceMeters>{dist}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    if cad is not None:
        parts.append(f"<Cadence>{cad}</Cadence>")
    ext = ""
    if speed is not None:
        ext += f"<{prefix}:Speed>{speed}</{prefix}:Speed>"
    if run_cad is not None:
        ext += f"<{prefix}:RunCadence>{run_cad}</{prefix}:RunCadence>"
    if watts is not None:
        ext += f"<{prefix}:Watts>{watts}</{prefix}:Watts>"
    if ext:
        parts.append(f"<Extensions><{prefix}:TPX>{ext}</{prefix}:TPX></Extensions>")
    return "<Trackpoint>" + "".join(parts) + "</Trackpoint>"


def tcx(activities: str, prefix="ax") -> bytes:
    return (
        f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{TCD}" xmlns:{prefix}="{AX}">'
        f"<Activities>{activities}</Activities></TrainingCenterDatabase>"
    ).encode()


def activity(sport, laps, creator="Forerunner 945"):
    body = "".join(
        '<Lap StartTime="x">'
        + "".join(f"<Track>{trk}</Track>" for trk in lap)
        + "</Lap>"
        for lap in laps
    )
    return (
        f'<Activity Sport="{sport}"><Id>2024-05-01T08:00:00Z</Id>{body}'
        f"<Creator><Name>{creator}</Name></Creator></Activity>"
    )


@pytest.mark.parametrize("prefix", ["ax", "ns3", "x"])
def test_fields_laps_segments_and_extensions(prefix):
    lap1 = [
        tp(
            "2024-05-01T08:00:00Z",
            lat=45,
            lon=6,
            alt=1000,
            dist=0,
            hr=120,
            run_cad=85,
            speed=3.1,
            watts=250,
            prefix=prefix,
        )
        + tp(
            "2024-05-01T08:00:01Z",
            lat=45.0001,
            lon=6,
            dist=3,
            hr=121,
            run_cad=86,
            prefix=prefix,
        )
    ]
    lap2 = [
        tp(
            "2024-05-01T08:00:02Z",
            lat=45.0002,
            lon=6,
            alt=1001,
            dist=6,
            run_cad=87,
            prefix=prefix,
        ),
        tp("2024-05-01T08:00:03Z", prefix=prefix),
    ]
    t = read_tcx(tcx(activity("Running", [lap1, lap2]), prefix=prefix), "a.tcx")
    s = t.samples
    assert len(s) == 4 and t.meta.n_records == 4
    assert list(s["segment"]) == [0, 0, 1, 2]  # each <Track> is a segment
    assert list(s["session"]) == [0, 0, 0, 0]
    assert list(s["elapsed_s"]) == [0, 1, 2, 3]
    assert np.isnan(s["elevation_m"].iloc[1]) and s["elevation_m"].iloc[2] == 1001
    assert list(s["device_distance_m"].iloc[:3]) == [0, 3, 6]
    assert s["device_speed_mps"].iloc[0] == 3.1 and s["power_w"].iloc[0] == 250
    # RunCadence is strides/min: doubled
    assert t.meta.cadence_doubled
    assert list(s["cadence_spm"].iloc[:3]) == [170, 172, 174]
    assert np.isnan(s["lat_deg"].iloc[3])  # a Trackpoint holding only Time is kept
    assert t.meta.sport == "running" and t.meta.device == "Forerunner 945"
    assert t.meta.format == "tcx"
    assert t.meta.sessions[0].start_time == pd.Timestamp("2024-05-01T08:00:00Z")


def test_multisport_legs_are_sessions_and_longest_names_the_sport():
    bike = activity(
        "Biking",
        [[tp("2024-05-01T07:00:00Z", cad=90) + tp("2024-05-01T07:00:10Z", cad=92)]],
    )
    run = activity(
        "Running", [[tp(f"2024-05-01T08:00:{i:02d}Z", cad=85) for i in range(30)]]
    )
    # The legs of a <MultiSportSession> are one activity (separate <Activity> elements
    # directly under <Activities> are separate activities: tests/io/test_activities.py).
    t = read_tcx(tcx(f"<MultiSportSession><Id>2024-05-01T07:00:00Z</Id><FirstSport>{bike}</FirstSport>"
                     f"<NextSport>{run}</NextSport></MultiSportSession>"), "m.tcx")
    assert t.meta.n_activities == 1 and t.meta.notes == ()
    s = t.samples
    assert [x.sport for x in t.meta.sessions] == ["cycling", "running"]
    assert t.meta.sport == "running"
    assert list(s["session"].unique()) == [0, 1]
    # the bike's rpm stays, the run's strides are doubled
    assert list(s["cadence_spm"].iloc[:2]) == [90, 92]
    assert (s["cadence_spm"].iloc[2:] == 170).all()
    assert any(w.startswith("session 1: cadence doubled") for w in t.meta.warnings)


def test_steps_already_not_doubled():
    trk = "".join(
        tp(f"2024-05-01T08:00:{i:02d}Z", run_cad=c)
        for i, c in enumerate([0, 118, 119, 176, 178, 177, 120])
    )
    t = read_tcx(tcx(activity("Running", [[trk]])), "x")
    assert not t.meta.cadence_doubled
    assert t.samples["cadence_spm"].max() == 178


def test_not_tcx_root():
    with pytest.raises(UnsupportedFormatError, match="x.tcx"):
        read_tcx(b"<gpx/>", "x.tcx")
    with pytest.raises(ValueError, match="engine"):
        read_tcx(tcx(""), "x", engine="fitparse")


def test_corpus_tcx(real_dir, manifest):
    rows = [r for r in manifest if r["format"] == "TCX"]
    assert rows
    for row in rows:
        # every activity of the file (runalyze/Multiple-Trainings.tcx holds three)
        tracks = read_tcx_activities((real_dir / row["file"]).read_bytes(), row["file"])
        if row["n_records"]:
            assert sum(t.meta.n_records for t in tracks) == int(row["n_records"]), row["file"]
        for t in tracks:
            s = t.samples
            assert s["time"].notna().all() and s["time"].is_monotonic_increasing, row[
                "file"
            ]
            assert s["time"].is_unique and s["elapsed_s"].iloc[0] == 0
        if row["sessions_sports"]:
            assert sum(len(t.meta.sessions) for t in tracks) == len(row["sessions_sports"].split(","))


def test_corpus_tcx_special_cases(real_dir):
    malformed = read_tcx((real_dir / "runpandas/malformed.tcx").read_bytes(), "mal.tcx")
    assert len(malformed.samples) == 384
    assert any("recovery mode" in w for w in malformed.meta.warnings)
    first_empty = read_tcx(
        (real_dir / "runalyze/First-point-empty.tcx").read_bytes(), "fe"
    )
    assert np.isnan(first_empty.samples["lat_deg"].iloc[0])
    assert np.isfinite(first_empty.samples["lat_deg"].iloc[1:]).all()
    assert first_empty.meta.sport == "cycling"
    treadmill = read_tcx(
        (real_dir / "runalyze/Treadmill-doubled-cadence.tcx").read_bytes(), "tm"
    )
    assert not treadmill.meta.cadence_doubled  # already steps/min
    assert treadmill.samples["cadence_spm"].quantile(0.9) > 160
    multi = read_tcx((real_dir / "runalyze/Multisport.tcx").read_bytes(), "ms")
    assert [x.sport for x in multi.meta.sessions] == ["cycling", "running", "cycling"]
