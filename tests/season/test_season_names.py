"""Readable segment names: from where a segment was first met, or from a names file."""

from __future__ import annotations

import pandas as pd
import pytest

from trailtech.cli import _season_text, main
from trailtech.report.season import render_season_report
from trailtech.season.names import (SegmentNamesError, activity_label, auto_segment_name, names_toml,
                                    read_segment_names, segment_names)

from .test_season_report import _season


def test_activity_label_from_name_or_file_stem():
    assert activity_label(None, "/runs/BoulderTrailRun20241124062708.fit", "2024-11-24T06:27:08-07:00") \
        == "BoulderTrailRun 24 Nov"
    assert activity_label("Green Mountain loop", "/x/123.fit", "2024-11-24T06:27:08-07:00", with_year=True) \
        == "Green Mountain loop 24 Nov 2024"
    assert activity_label(None, "export.zip!activities/run_2024-11-24.gpx.gz", None) == "run_2024-11-24"
    assert auto_segment_name("down", "BoulderTrailRun 24 Nov", 15812.0, 16240.0) \
        == "BoulderTrailRun 24 Nov, km 15.8–16.2 descent"
    assert auto_segment_name("up", "X", None, None) == "X, climb"


def _seg(sid, direction, file, start_m, end_m):
    return {"segment_id": sid, "direction": direction, "where": {"file": file, "start_m": start_m, "end_m": end_m},
            "passes": [{"file": file}]}


def test_names_come_from_the_file_first_then_from_the_first_meeting():
    acts = [{"file": "/r/BoulderTrailRun20241124062708.fit", "name": None,
             "start_time_local": "2024-11-24T06:27:08-07:00", "start_time": "2024-11-24T13:27:08Z"}]
    segs = [_seg("d-aaa-bbb", "down", acts[0]["file"], 15812.0, 16240.0),
            _seg("c-bbb-aaa", "up", acts[0]["file"], 100.0, 900.0)]
    assert segment_names(segs, acts, {"c-bbb-aaa": "Lakewood climb"}) == [
        ("BoulderTrailRun 24 Nov, km 15.8–16.2 descent", "auto"), ("Lakewood climb", "file")]


def test_names_file_reads_top_level_and_table_and_round_trips(tmp_path):
    f = tmp_path / "segments.toml"
    f.write_text('"d-aaa-bbb" = "Green  Mountain descent"\n[segments]\n"c-bbb-aaa" = "Lakewood climb"\n')
    assert read_segment_names(f) == {"d-aaa-bbb": "Green Mountain descent", "c-bbb-aaa": "Lakewood climb"}
    # What Season.write offers for editing reads back the same, quotes and all.
    text = names_toml([{"segment_id": "d-aaa-bbb", "name": 'The "Wall", km 1.0–1.2 descent'}])
    f.write_text(text)
    assert read_segment_names(f) == {"d-aaa-bbb": 'The "Wall", km 1.0–1.2 descent'}
    for bad in ('"d-aaa-bbb" = 3\n', "not toml at all [\n"):
        f.write_text(bad)
        with pytest.raises(SegmentNamesError, match="segments.toml"):
            read_segment_names(f)
    with pytest.raises(SegmentNamesError, match="cannot read"):
        read_segment_names(tmp_path / "absent.toml")


def _named_season():
    t = pd.Timestamp
    seg = {"segment_id": "d-abc-def", "name": "Green Mountain descent", "name_source": "file", "direction": "down",
           "start_lat": 45.0, "start_lon": 6.0, "end_lat": 45.01, "end_lon": 6.0, "length_m": 400.0, "drop_m": 60.0,
           "n_passes": 2, "trend": None,
           "passes": [{"file": "/runs/run0.fit", "start_time": t("2026-06-01T08:00:00Z"), "duration_s": 403.0,
                       "control_score": 71.0},
                      {"file": "/runs/run1.fit", "start_time": t("2026-06-08T08:00:00Z"), "duration_s": 391.0,
                       "control_score": 83.0}]}
    season = _season(["2026-06-01T08:00:00Z", "2026-06-08T08:00:00Z"], segments=[seg])
    season.segments["name"] = ["Green Mountain descent"]
    season.segments["name_source"] = ["file"]
    return season


def test_report_and_text_show_the_name_and_each_pass_time_beside_control():
    season = _named_season()
    page = render_season_report(season)
    sec = page[page.index('<section id="segments">'):]
    assert "<h3>Green Mountain descent: descent, 400 m" in sec and "id d-abc-def (name from your names file)" in sec
    table = sec[sec.index("<table>"):sec.index("</table>")]
    assert "time [m:ss]</th><th" in table and "control [0–100]" in table
    assert "6:43</td><td" in table and ">71</td>" in table and "6:31</td><td" in table and ">83</td>" in table
    text = _season_text(season)
    assert "Green Mountain descent" in text and text.rstrip().count("d-abc-def") == 1
    assert season.to_dict()["segments"][0]["name"] == "Green Mountain descent"


def test_cli_refuses_a_bad_names_file_before_analysing(tmp_path, capsys):
    bad = tmp_path / "names.toml"
    bad.write_text("x = [\n")
    assert main(["season", str(tmp_path), "--segment-names", str(bad), "--no-cache"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not valid TOML" in err[0]


def test_names_files_are_found_beside_the_folders_and_files_read(tmp_path):
    from trailtech.season.names import find_names_files

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "segments.toml").write_text("")
    (tmp_path / "b" / "run.fit").write_bytes(b"")
    (tmp_path / "b" / "segments.toml").write_text("")
    found = find_names_files([tmp_path / "a", tmp_path / "b" / "run.fit", tmp_path / "a", tmp_path / "c.zip"])
    assert found == [tmp_path / "a" / "segments.toml", tmp_path / "b" / "segments.toml"]
