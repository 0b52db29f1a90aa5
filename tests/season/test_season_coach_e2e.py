"""What a coach does with a season end to end: rename segments and keep the names, and open
each activity's own report from the season report."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from trailtech.cli import main

from ._helpers import write


def _sim_gpx(run, days: int) -> bytes:
    from trailtech.io.gpx_write import to_gpx

    tr = run.track
    tr.samples["time"] = tr.samples["time"] + pd.Timedelta(days=days)
    return to_gpx(tr)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Two runs of the same course a week apart, and a cache shared by the tests."""
    from trailtech.simulate import Runner, simulate_trail_run

    d = tmp_path_factory.mktemp("coach")
    write(d / "runs" / "Ridge20260601.gpx", _sim_gpx(simulate_trail_run(0), 0))
    write(d / "runs" / "Ridge20260608.gpx", _sim_gpx(
        simulate_trail_run(0, runner=Runner(flat_speed_mps=3.3), position_noise_m=4.0), 7))
    return d


def _season_json(course, capsys, *extra) -> dict:
    rc = main(["season", str(course / "runs"), "--json", "--jobs", "2", "--cache", str(course / "cache"), *extra])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def test_a_renamed_segment_keeps_its_name_across_runs(course, capsys, tmp_path):
    out = tmp_path / "out"
    doc = _season_json(course, capsys, "--out", str(out))
    segs = doc["segments"]
    assert segs and all(s["name_source"] == "auto" for s in segs)
    first = segs[0]
    # Named from where it was first met: the first run's file stem, its date and kilometres.
    day = pd.Timestamp(doc["activities"][0]["start_time"])
    assert re.fullmatch(rf"Ridge {day.day} {day:%b}, km \d+\.\d–\d+\.\d (descent|climb)", first["name"])
    assert first["where"]["file"].endswith("Ridge20260601.gpx")
    # The coach edits the offered names file and puts it beside the tracks.
    offered = (out / "segments.toml").read_text()
    assert f'"{first["segment_id"]}" = "{first["name"]}"' in offered
    (course / "runs" / "segments.toml").write_text(offered.replace(first["name"], "Ridge descent"))
    try:
        again = _season_json(course, capsys)
        named = {s["segment_id"]: s for s in again["segments"]}
        assert named[first["segment_id"]]["name"] == "Ridge descent"
        assert named[first["segment_id"]]["name_source"] == "file"
        # --segment-names wins over the folder's file.
        other = tmp_path / "names.toml"
        other.write_text(f'"{first["segment_id"]}" = "The big one"\n')
        third = _season_json(course, capsys, "--segment-names", str(other))
        assert {s["segment_id"]: s["name"] for s in third["segments"]}[first["segment_id"]] == "The big one"
    finally:
        (course / "runs" / "segments.toml").unlink()


def test_a_broken_names_file_in_the_folder_is_a_note(course, capsys):
    (course / "runs" / "segments.toml").write_text("oops = [\n")
    try:
        doc = _season_json(course, capsys)
    finally:
        (course / "runs" / "segments.toml").unlink()
    assert any("segment names not used" in n and "not valid TOML" in n for n in doc["notes"])
    assert all(s["name_source"] == "auto" for s in doc["segments"])
