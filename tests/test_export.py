"""The line-practice GPX is one function: CLI --flags-gpx, report download and web give the same."""

from __future__ import annotations

import base64
import pickle
import re
from pathlib import Path

import gpxpy
import pytest

import trailtech
from trailtech.cli import main
from trailtech.errors import TrackReadError, UnsupportedFormatError
from trailtech.export import line_practice_courses, line_practice_gpx

SAMPLES = Path(__file__).resolve().parents[1] / "sample_tracks"


@pytest.fixture(scope="module")
def trail():
    return trailtech.analyze(SAMPLES / "trail_run.fit")


def test_flags_gpx_matches_the_export_function(trail, tmp_path):
    out = tmp_path / "flags.gpx"
    assert main(["analyze", str(SAMPLES / "trail_run.fit"), "--flags-gpx", str(out), "--json"]) == 0
    assert out.read_bytes() == line_practice_gpx(trail)


def test_export_has_one_named_course_per_candidate(trail):
    courses = line_practice_courses(trail)
    assert len(courses) == len(trail.line_practice) >= 1
    gpx = gpxpy.parse(line_practice_gpx(trail).decode())
    assert [t.name for t in gpx.tracks] == [c["name"] for c in courses]
    assert courses[0]["name"].startswith("trailtech #1")
    assert all(len(t.segments[0].points) >= 2 for t in gpx.tracks)


def test_report_download_is_the_same_gpx(trail):
    from trailtech.report.html import render_report

    html = render_report(trail)
    m = re.search(r'href="data:application/gpx\+xml;base64,([^"]+)"', html)
    assert m, "the report should embed the GPX download"
    assert base64.b64decode(m.group(1)) == line_practice_gpx(trail)


def test_no_candidates_gives_a_valid_empty_gpx(trail):
    from dataclasses import replace

    empty = replace(trail, line_practice=trail.line_practice.iloc[0:0])
    assert line_practice_courses(empty) == []
    gpx = gpxpy.parse(line_practice_gpx(empty).decode())
    assert gpx.tracks == [] and gpx.waypoints == []


@pytest.mark.parametrize("cls", [TrackReadError, UnsupportedFormatError])
def test_read_errors_survive_pickle(cls):
    err = pickle.loads(pickle.dumps(cls("run.fit", "truncated")))
    assert type(err) is cls and str(err) == "run.fit: truncated" and err.reason == "truncated"


def test_reprs_are_one_line_summaries(trail):
    """A notebook or a log shows what the objects are, not a dump of every DataFrame."""
    r = repr(trail)
    assert r.startswith("Analysis(file=") and "descents=" in r and len(r) < 400
    t = repr(trailtech.load(SAMPLES / "trail_run.gpx"))
    assert t.startswith("Track(source=") and "samples=" in t and len(t) < 300
