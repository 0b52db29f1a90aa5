"""A season end to end: simulated runs of the same course, a Strava export, the CLI, dask."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import trailtech
from trailtech.cli import main
from trailtech.season.core import ACTIVITY_KEYS, PASS_KEYS, SEGMENT_KEYS

from ._helpers import gz, run_file, strava_zip, write

SEASON_KEYS = {"activities", "errors", "crossover_grade_pct", "segments"}




@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory):
    """Two runs of the same course a week apart (another runner, other GPS noise), and a
    line-practice session elsewhere."""
    from trailtech.simulate import Runner, simulate_hill_repeats, simulate_trail_run

    d = tmp_path_factory.mktemp("season")
    write(d / "2026" / "week1.gpx", run_file(simulate_trail_run(0), 0))
    write(d / "2026" / "week2.gpx.gz", gz(run_file(
        simulate_trail_run(0, runner=Runner(flat_speed_mps=3.3), position_noise_m=4.0), 7)))
    write(d / "practice.gpx", run_file(simulate_hill_repeats(1, passes=3), 3))
    write(d / "notes.txt", b"race plan")
    return d


@pytest.fixture(scope="module")
def season(sim_dir):
    return trailtech.analyze_season([sim_dir], jobs=2, cache=False)


def test_activities_in_time_order(season, sim_dir):
    acts = season.activities
    assert [f.replace(str(sim_dir), "") for f in acts["file"]] == [
        "/2026/week1.gpx", "/practice.gpx", "/2026/week2.gpx.gz"]
    assert acts["start_time"].is_monotonic_increasing
    assert season.errors == []
    # The simulated course is ~11.4 km; GPS noise on the GPX positions adds a few percent.
    assert acts["distance_m"].iloc[[0, 2]].tolist() == pytest.approx([11700, 11700], rel=0.06)


def test_same_course_segments_are_found(season, sim_dir):
    segs = season.segments
    assert len(segs) >= 2
    week = {str(sim_dir / "2026" / "week1.gpx"), str(sim_dir / "2026" / "week2.gpx.gz")}
    for s in segs.to_dict(orient="records"):
        assert {p["file"] for p in s["passes"]} == week  # the practice session is elsewhere
        assert s["n_passes"] == 2
        assert s["trend"] is None  # two passes a week apart: not enough data for a trend word
        assert all(p["duration_s"] > 0 for p in s["passes"])
    # The long runnable descent (~2.8 km, ~280 m drop) is one of them, timed on both days.
    long = segs[(segs["direction"] == "down") & (segs["length_m"] > 2000)]
    assert len(long) == 1
    assert long["drop_m"].iloc[0] == pytest.approx(280, rel=0.15)
    t1, t2 = (p["duration_s"] for p in long["passes"].iloc[0])
    assert t2 < t1  # the faster runner on week 2


def test_json_contract(season, capsys):
    doc = season.to_dict()
    text = json.dumps(doc, allow_nan=False)
    assert SEASON_KEYS <= set(doc)
    for a in doc["activities"]:
        assert set(ACTIVITY_KEYS) <= set(a)
        assert isinstance(a["line_practice_count"], int)
    for s in doc["segments"]:
        assert set(SEGMENT_KEYS) <= set(s)
        for p in s["passes"]:
            assert set(p) == set(PASS_KEYS) | {"start_time_local"}  # added beside start_time
            assert p["start_time"].endswith("Z")
            assert p["start_time_local"].endswith("+02:00")  # the simulated course is in the Alps, June
    assert "NaN" not in text


def test_season_summaries(season):
    assert season.crossover_grade_pct is None or 5 <= season.crossover_grade_pct <= 45
    assert set(season.trends) == {"flat_cadence_spm", "descent_control_score"}
    assert [w["week"] for w in season.weeks] == ["2026-W24", "2026-W25"]
    # The line-practice session (a descent run three times) counts as a technical session.
    practice = season.activities[season.activities["file"].str.endswith("practice.gpx")].iloc[0]
    assert practice["technical_session"]


def test_cli_season_outputs_and_exit_codes(sim_dir, tmp_path, capsys):
    out = tmp_path / "out"
    html = tmp_path / "season.html"
    rc = main(["season", str(sim_dir), "--json", "--out", str(out), "--report", str(html),
               "--jobs", "1", "--cache", str(tmp_path / "cache")])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    doc = json.loads(captured.out)
    assert len(doc["activities"]) == 3 and doc["errors"] == []
    acts = pd.read_csv(out / "activities.csv")
    assert len(acts) == 3 and set(ACTIVITY_KEYS) <= set(acts.columns)
    segs = pd.read_csv(out / "segments.csv")
    assert len(segs) == sum(len(s["passes"]) for s in doc["segments"])
    desc = pd.read_csv(out / "descents.csv")  # every scored descent of the season, best control first
    assert len(desc) >= 3 and desc["control_score"].is_monotonic_decreasing
    assert {"file", "start_time_local", "avg_grade_pct", "technicality", "control_score"} <= set(desc.columns)
    jsons = sorted(p.name for p in (out / "activities").glob("*.json"))
    assert jsons == ["practice.json", "week1.json", "week2.json"]
    one = json.loads((out / "activities" / "week1.json").read_text())
    assert one["file"].endswith("week1.gpx") and "summary" in one
    page = html.read_text(encoding="utf-8")
    assert page.lower().startswith("<!doctype html") and "<svg" in page and "http://" not in page.split("<svg")[0]

    # A bad file: listed on stderr, the rest still analysed, exit 1 (cache reused).
    write(sim_dir / "broken.fit", b"\x00" * 40)
    try:
        rc = main(["season", str(sim_dir), "--cache", str(tmp_path / "cache"), "--jobs", "1"])
        captured = capsys.readouterr()
        assert rc == 1
        assert captured.err.strip().splitlines() == [f"trailtech: {sim_dir / 'broken.fit'}: not a FIT, GPX "
                                                     "or TCX activity file (nor a gzip or zip of one)"]
        assert "3 activities read, 1 could not be read" in captured.out
    finally:
        (sim_dir / "broken.fit").unlink()


def test_cli_season_nothing_readable(tmp_path, capsys):
    write(tmp_path / "a.gpx", b"")
    write(tmp_path / "b.fit", b"garbage")
    assert main(["season", str(tmp_path), "--no-cache", "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("trailtech: ") for line in err)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["season", str(empty), "--no-cache"]) == 2
    assert "no activity files found" in capsys.readouterr().err
    assert main(["season", str(tmp_path / "missing"), "--no-cache"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["season", str(tmp_path), "--cache", "x", "--no-cache"]) == 2  # exclusive options
    assert main(["season", str(tmp_path), "--jobs", "0"]) == 2


def test_strava_export_zip(sim_dir, season, tmp_path):
    files = {
        "activities/101.gpx.gz": gz((sim_dir / "2026" / "week1.gpx").read_bytes()),
        "activities/102.gpx.gz": (sim_dir / "2026" / "week2.gpx.gz").read_bytes(),
    }
    z = strava_zip(tmp_path / "export_4242.zip", files,
                   {"activities/101.gpx.gz": ("Col loop", "Trail Run"),
                    "activities/102.gpx.gz": ("Col loop again", "Trail Run")})
    s = trailtech.analyze_season([z], jobs=1, cache=False)
    assert s.errors == []
    assert s.activities["name"].tolist() == ["Col loop", "Col loop again"]
    assert s.activities["file"].tolist() == [f"{z}/activities/101.gpx.gz", f"{z}/activities/102.gpx.gz"]
    ref = season.activities[season.activities["file"].str.contains("week")]
    assert s.activities["distance_m"].tolist() == pytest.approx(ref["distance_m"].tolist())
    assert len(s.segments) == len(season.segments)


def test_strava_export_of_corpus_files(real_dir, tmp_path):
    picks = [p for p in sorted(real_dir.rglob("*")) if p.suffix.lower() in (".gpx", ".tcx", ".fit")][:4]
    files = {f"activities/{i}{p.suffix.lower()}.gz": gz(p.read_bytes()) for i, p in enumerate(picks)}
    z = strava_zip(tmp_path / "export.zip", files, {m: (f"run {i}", "Run") for i, m in enumerate(files)})
    s = trailtech.analyze_season([z], jobs=1, cache=False)
    assert len(s.activities) + len(s.errors) == len(picks)  # nothing lost
    for e in s.errors:
        assert e["file"].startswith(f"{z}/activities/") and e["error"]


def test_dask_gives_the_same_season(sim_dir, season):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        s = trailtech.analyze_season([sim_dir], scheduler=cluster.scheduler_address, cache=False)
    assert s.to_dict() == season.to_dict()


def test_season_crossover_pooled_and_fed_back_into_each_activity(tmp_path):
    """Issue 15: ``analyze_season`` pools the climbing pieces of every activity into one
    observed crossover (with its interval) and feeds it back: each activity's time run above
    it and hiked below it, in the activities table and in its analysis document."""
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    r = hiker_runner(0.20, flat_speed_mps=3.0, steep_run_decay=15.0, switch_offset=0.04)
    for k in range(3):
        write(tmp_path / f"hills{k}.gpx", run_file(simulate_hill_session(r, seed=k), 7 * k))
    s = trailtech.analyze_season([tmp_path], jobs=1, cache=False)
    x = s.crossover
    assert x["method"] == "pooled" and abs(x["grade_pct"] - 20.0) <= 2.5
    assert s.crossover_grade_pct == x["grade_pct"] and x["ci_pct"][0] <= x["grade_pct"] <= x["ci_pct"][1]
    doc = s.to_dict()
    assert doc["crossover"]["method"] == "pooled"
    # This runner runs 4 points past the crossover: every activity ran above it.
    for a in doc["activities"]:
        assert a["ran_above_crossover_s"] > 60 and a["hiked_below_crossover_s"] >= 0
        season_view = s.analyses[a["file"]]["hike_run"]["season"]
        assert season_view["season_crossover_grade_pct"] == x["grade_pct"]
        assert season_view["ran_above_s"] == a["ran_above_crossover_s"]
