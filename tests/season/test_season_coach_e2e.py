"""What a coach does with a season end to end: rename segments and keep the names, and open
each activity's own report from the season report."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from trailtech.cli import main

from ._helpers import run_file, write




@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Two runs of the same course a week apart, and a cache shared by the tests."""
    from trailtech.simulate import Runner, simulate_trail_run

    d = tmp_path_factory.mktemp("coach")
    write(d / "runs" / "Ridge20260601.gpx", run_file(simulate_trail_run(0), 0))
    write(d / "runs" / "Ridge20260608.gpx", run_file(
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


def test_season_report_links_each_activity_to_its_own_report(course, capsys, tmp_path):
    html = tmp_path / "site" / "season.html"
    html.parent.mkdir()
    rc = main(["season", str(course / "runs"), "--report", str(html), "--jobs", "2", "--cache", str(course / "cache")])
    out = capsys.readouterr().out
    assert rc == 0
    folder = tmp_path / "site" / "season_activities"
    assert f"and 2 activity reports in {folder}" in out
    assert sorted(p.name for p in folder.iterdir()) == ["Ridge20260601.html", "Ridge20260608.html"]
    page = html.read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)" title="the activity\'s own report">', page)
    assert hrefs == ["season_activities/Ridge20260601.html", "season_activities/Ridge20260608.html"]
    for h in hrefs:
        own = (html.parent / h).read_text(encoding="utf-8")
        assert own.lower().startswith("<!doctype html") and "<svg" in own
        assert h.split("/")[1].replace(".html", ".gpx") in own  # the activity's own file
    # Opting out: no folder, no links.
    bare = tmp_path / "bare.html"
    assert main(["season", str(course / "runs"), "--report", str(bare), "--no-activity-reports",
                 "--cache", str(course / "cache")]) == 0
    assert not (tmp_path / "bare_activities").exists()
    assert "the activity's own report" not in bare.read_text(encoding="utf-8")


def test_reports_are_cached_and_only_kept_activities_keep_theirs(tmp_path):
    from trailtech.season.cache import ResultCache
    from trailtech.season.reports import ReportSink, report_names

    assert report_names(["/b/run.gpx", "/a/run.fit", "z.zip!activities/9.gpx.gz"]) == {
        "/a/run.fit": "run.html", "/b/run.gpx": "run-2.html", "z.zip!activities/9.gpx.gz": "9.html"}
    store = ResultCache(tmp_path / "cache")
    sink = ReportSink(tmp_path / "r", ["/a/run.fit", "/b/run.gpx"], store)
    assert not sink.from_store("/a/run.fit", "d1")  # never drawn
    entry = {"ok": True, "report_html": "<!doctype html><p>a</p>"}
    sink.take("/a/run.fit", "d1", entry)
    sink.take("/b/run.gpx", "d2", {"ok": True, "report_html": "<!doctype html><p>b</p>"})
    assert "report_html" not in entry  # never stored in the season's cache entry
    again = ReportSink(tmp_path / "r2", ["/a/run.fit", "/b/run.gpx"], store)
    assert again.from_store("/a/run.fit", "d1") and (tmp_path / "r2" / "run.html").read_text() == "<!doctype html><p>a</p>"
    assert not again.from_store("/a/run.fit", "other content")
    sink.keep_only({"/a/run.fit"})  # run.gpx was another file of the same activity
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["run.html"]
    assert set(sink.written) == {"/a/run.fit"}


def test_a_reports_folder_that_is_a_symlink_is_refused_before_any_analysis(course, capsys, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "season_activities").symlink_to(tmp_path / "elsewhere")
    rc = main(["season", str(course / "runs"), "--report", str(tmp_path / "season.html"), "--no-cache"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "season_activities: it exists and is not a folder" in err[0]
    assert list((tmp_path / "elsewhere").iterdir()) == [] and not (tmp_path / "season.html").exists()


def test_load_options_reach_the_season_and_every_run_gets_a_labelled_load(course, capsys):
    doc = _season_json(course, capsys, "--hr-max", "191", "--hr-rest", "48", "--threshold-pace", "4:00")
    r = doc["hr_range"]
    assert (r["hr_max_bpm"], r["hr_max_source"], r["hr_rest_bpm"], r["hr_rest_source"]) == (191, "option", 48, "option")
    assert doc["load_settings"]["threshold_gap_mps"] == pytest.approx(1000 / 240)
    assert doc["load_settings"]["threshold_source"] == "option"
    for a in doc["activities"]:
        assert a["load_method"] in ("trimp", "gap") and a["training_load"] > 0
        assert a["load_source"].startswith("heart rate" if a["load_method"] == "trimp" else "grade-adjusted pace")
    assert doc["load"] and doc["load"][-1]["fitness"] > 0
