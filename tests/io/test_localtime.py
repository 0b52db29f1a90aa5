"""Local time: the offset written in GPX/TCX times, the time zone of the first position, and
which wins (trailtech.localtime)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest

import trailtech
from tests.conftest import make_track
from trailtech.localtime import offset_at, with_local_time, written_offset_s
from trailtech.track import file_header

BOULDER = (40.015, -105.27)


def _gpx(times: list[str], lat: float, lon: float) -> bytes:
    pts = "".join(
        f'<trkpt lat="{lat + 1e-4 * i:.6f}" lon="{lon:.6f}"><ele>{1600 + i}</ele><time>{t}</time></trkpt>'
        for i, t in enumerate(times)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><type>running</type><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def _times(start: str, n: int = 5, zone: str = "Z") -> list[str]:
    t0 = pd.Timestamp(start)
    return [(t0 + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S") + zone for i in range(n)]


def _tcx(times: list[str], position: tuple[float, float] | None) -> bytes:
    pos = (f"<Position><LatitudeDegrees>{position[0]}</LatitudeDegrees>"
           f"<LongitudeDegrees>{position[1]}</LongitudeDegrees></Position>") if position else ""
    pts = "".join(f"<Trackpoint><Time>{t}</Time>{pos}<DistanceMeters>{3.0 * i}</DistanceMeters>"
                  "</Trackpoint>" for i, t in enumerate(times))
    return (
        '<?xml version="1.0"?><TrainingCenterDatabase '
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="Running"><Id>{times[0]}</Id><Lap StartTime="{times[0]}"><Track>{pts}'
        "</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def test_written_offset_reads_the_zone_designator():
    assert written_offset_s(["2012-01-19T08:00:00+01:00"]) == 3600
    assert written_offset_s([None, " ", "2024-11-24T06:27:08.000-07:00"]) == -25200
    assert written_offset_s(["2024-11-24T06:27:08-0700"]) == -25200
    assert written_offset_s(["2024-05-01T06:00:00+05:45"]) == 20700
    # Z, +00:00 and no zone all mean UTC: they say nothing about where the run was.
    assert written_offset_s(["2024-11-24T13:27:08Z"]) is None
    assert written_offset_s(["2024-11-24T13:27:08+00:00"]) is None
    assert written_offset_s(["2024-11-24T13:27:08"]) is None
    assert written_offset_s(["2024-11-24"]) is None  # "-24" is the day, not a zone
    assert written_offset_s(["2024-11-24T13:27:08+15:00"]) is None  # no zone is that far east
    assert written_offset_s([]) is None
    aware = dt.datetime(2012, 1, 19, 8, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert written_offset_s([aware]) == -10800  # what gpxpy hands back


def test_offset_at_follows_summer_time():
    assert offset_at(*BOULDER, pd.Timestamp("2024-11-24T13:27:08Z")) == (-25200, "America/Denver")
    assert offset_at(*BOULDER, pd.Timestamp("2024-07-14T13:00:00Z")) == (-21600, "America/Denver")
    # Europe's clocks went forward at 01:00 UTC on 31 March 2024.
    assert offset_at(47.37, 8.54, pd.Timestamp("2024-03-31T00:59:00Z"))[0] == 3600
    assert offset_at(47.37, 8.54, pd.Timestamp("2024-03-31T01:01:00Z"))[0] == 7200
    assert offset_at(float("nan"), 8.54, pd.Timestamp("2024-03-31T01:01:00Z")) == (None, None)


@pytest.mark.parametrize("engine", ["lxml", "gpxpy"])
@pytest.mark.parametrize("start, local", [
    ("2024-11-24T13:27:08", "2024-11-24T06:27:08-07:00"),  # mountain standard time
    ("2024-07-14T13:00:00", "2024-07-14T07:00:00-06:00"),  # mountain daylight time
])
def test_gpx_without_offset_gets_the_zone_of_its_first_position(engine, start, local):
    track = trailtech.load(_gpx(_times(start), *BOULDER), engine=engine)
    head = file_header(track.meta)
    assert head["start_time"] == start + "Z"
    assert head["start_time_local"] == local
    assert head["utc_offset_source"] == "coordinates"
    assert track.meta.warnings == ()


@pytest.mark.parametrize("engine", ["lxml", "gpxpy"])
def test_gpx_offset_that_agrees_with_the_place_comes_from_the_file(engine):
    # 08:00 in Zurich in January is 07:00 UTC.
    track = trailtech.load(_gpx(_times("2012-01-19T08:00:00", zone="+01:00"), 47.37, 8.54), engine=engine)
    head = file_header(track.meta)
    assert head["start_time"] == "2012-01-19T07:00:00Z"
    assert head["start_time_local"] == "2012-01-19T08:00:00+01:00"
    assert head["utc_offset_source"] == "file"


@pytest.mark.parametrize("engine", ["lxml", "gpxpy"])
def test_gpx_offset_that_disagrees_with_the_place_is_replaced_with_a_warning(engine):
    # Krakow in April is on +02:00; the exporter wrote +01:00 (as a Polar V800 TCX does).
    track = trailtech.load(_gpx(_times("2016-04-10T18:40:59", zone="+01:00"), 50.078, 20.052), engine=engine)
    head = file_header(track.meta)
    assert head["start_time"] == "2016-04-10T17:40:59Z"  # the instant is kept
    assert head["start_time_local"] == "2016-04-10T19:40:59+02:00"
    assert head["utc_offset_source"] == "coordinates"
    assert len(track.meta.warnings) == 1
    assert "UTC+01:00" in track.meta.warnings[0] and "Europe/Warsaw" in track.meta.warnings[0]


def test_gpx_offset_is_kept_at_sea_where_only_a_nautical_zone_answers():
    # Mid-Atlantic (Etc/GMT+2 by longitude): the file's -03:00 is kept, without a warning.
    track = trailtech.load(_gpx(_times("2024-06-01T08:00:00", zone="-03:00"), 30.0, -35.0))
    assert offset_at(30.0, -35.0, track.meta.start_time) == (-7200, "Etc/GMT+2")
    assert (track.meta.utc_offset_s, track.meta.utc_offset_source) == (-10800, "file")
    assert track.meta.warnings == ()
    # Without an offset in the file, the nautical zone is still better than nothing.
    assert trailtech.load(_gpx(_times("2024-06-01T11:00:00"), 30.0, -35.0)).meta.utc_offset_s == -7200


def test_tcx_without_position_keeps_the_offset_it_writes():
    track = trailtech.load(_tcx(_times("2012-01-19T06:00:00", zone="-05:00"), None))
    head = file_header(track.meta)
    assert head["start_time"] == "2012-01-19T11:00:00Z"
    assert head["start_time_local"] == "2012-01-19T06:00:00-05:00"
    assert head["utc_offset_source"] == "file"


def test_tcx_with_position_and_no_offset_uses_the_position():
    track = trailtech.load(_tcx(_times("2024-11-28T14:47:48"), BOULDER))
    assert file_header(track.meta)["start_time_local"] == "2024-11-28T07:47:48-07:00"


def test_no_position_and_no_offset_is_unknown():
    head = file_header(trailtech.load(_tcx(_times("2024-11-28T14:47:48"), None)).meta)
    assert head["start_time_local"] is None and head["utc_offset_source"] is None


def test_fit_offset_is_kept_unless_zero_where_the_place_says_otherwise():
    # make_track starts at 2026-06-01 08:00 UTC at 45 N 6 E (the French Alps, +02:00 in June).
    base = make_track(60)
    watch = replace(base, meta=replace(base.meta, utc_offset_s=-25200, utc_offset_source="file"))
    assert with_local_time(watch) is watch  # the watch's own zone, not overruled
    utc_clock = replace(base, meta=replace(base.meta, utc_offset_s=0, utc_offset_source="file"))
    fixed = with_local_time(utc_clock)
    assert (fixed.meta.utc_offset_s, fixed.meta.utc_offset_source) == (7200, "coordinates")
    assert "UTC+00:00" in fixed.meta.warnings[-1] and "Europe/Paris" in fixed.meta.warnings[-1]


def test_null_island_fixes_are_skipped():
    # A receiver writes (0, 0) before its first fix; the zone is that of the first real fix.
    track = make_track(60, lat0=40.015, lon0=-105.27)
    s = track.samples.copy()
    s.loc[:9, ["lat_deg", "lon_deg"]] = 0.0
    track = replace(track, samples=s)
    assert with_local_time(track).meta.utc_offset_s == -21600  # Boulder in June


def test_info_json_and_text_show_the_local_start(tmp_path):
    from trailtech.cli import main

    path = tmp_path / "boulder.gpx"
    path.write_bytes(_gpx(_times("2024-11-24T13:27:08"), *BOULDER))
    out = subprocess.run([sys.executable, "-m", "trailtech", "info", "--json", str(path)],
                         capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert doc["start_time_local"] == "2024-11-24T06:27:08-07:00"
    assert doc["utc_offset_source"] == "coordinates"
    from trailtech.cli_text import _start_text

    assert _start_text(doc) == "2024-11-24 06:27:08 -07:00 (13:27:08 UTC)"
    assert _start_text({**doc, "start_time_local": None}) == "2024-11-24T13:27:08Z"
    assert main(["info", str(path)]) == 0


def test_report_header_shows_the_local_start_with_its_offset():
    from trailtech.report.html import _header

    track = trailtech.load(_gpx(_times("2024-11-24T13:27:08"), *BOULDER))
    _, line = _header(SimpleNamespace(meta=track.meta))
    assert line.startswith("Sun 24 Nov 2024, 06:27 -07:00 (13:27 UTC)")
    _, line = _header(SimpleNamespace(meta=replace(track.meta, utc_offset_s=None)))
    assert line.startswith("Sun 24 Nov 2024, 13:27 UTC")


def test_import_trailtech_does_not_load_the_time_zone_polygons():
    code = "import sys, trailtech; print('tzfpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name, start_local, source", [
    ("coros-run-metrics/BoulderTrailRun20241124062708.fit", "2024-11-24T06:27:08-07:00", "file"),
    ("coros-run-metrics/LakewoodTrailRun20241128074748.fit", "2024-11-28T07:47:48-07:00", "file"),
    # Runalyze's own test expects 19:40 +02:00 once the time zone is looked up.
    ("runalyze/Wrong-time-zone-by-polar.tcx", "2016-04-10T19:40:59+02:00", "coordinates"),
    # Finnish Lapland on 2 April 2010 was on +03:00; the ecoach export writes +02:00.
    ("runalyze/break-between-trkseg.gpx", "2010-04-02T11:26:48+03:00", "coordinates"),
])
def test_real_files_start_at_their_local_time(real_dir, name, start_local, source):
    path = real_dir / name
    if not path.exists():
        pytest.skip(f"{name} not in the corpus")
    head = file_header(trailtech.load(path).meta)
    assert (head["start_time_local"], head["utc_offset_source"]) == (start_local, source)
