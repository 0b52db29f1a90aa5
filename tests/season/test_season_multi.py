"""A season of files holding several activities (file#1, file#2 ...) and ``--sport`` (issue 17)."""

from __future__ import annotations

import json
import shutil

import pytest

import trailtech
from trailtech.cli import main
from trailtech.season.cache import ResultCache
from trailtech.season.shape import is_entry
from trailtech.season.sports import filter_by_sport, sport_matcher

from ._helpers import gpx_bytes, write


def _with_type(gpx: bytes, kind: str) -> bytes:
    return gpx.replace(b"<type>running</type>", f"<type>{kind}</type>".encode(), 1)


def _two_tracks(first: bytes, second: bytes) -> bytes:
    """One GPX holding the <trk> of both documents."""
    trk = second[second.index(b"<trk>"):second.rindex(b"</trk>") + len(b"</trk>")]
    cut = first.rindex(b"</gpx>")
    return first[:cut] + trk + b"\n" + first[cut:]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("multi")
    # one GPX of two runs two days apart, and a plain single-activity GPX
    write(d / "two.gpx", _two_tracks(gpx_bytes(400, start="2026-06-01T08:00:00Z"),
                                     gpx_bytes(300, start="2026-06-03T08:00:00Z", lat0=45.01)))
    write(d / "one.gpx", gpx_bytes(300, start="2026-06-02T08:00:00Z", lat0=45.02))
    return d


@pytest.fixture(scope="module")
def cold(folder, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return trailtech.analyze_season([folder], jobs=1, cache=cache, progress=False), cache


def test_each_activity_of_a_file_is_a_season_activity(cold, folder):
    season, _ = cold
    files = [f.rsplit("/", 1)[-1] for f in season.activities["file"]]
    assert files == ["two.gpx#1", "one.gpx", "two.gpx#2"]  # time order
    assert season.errors == []
    # each analysis document names its activity the way the season does
    for f in season.activities["file"]:
        assert season.analyses[f]["file"] == f
    two_1 = season.activities[season.activities["file"].str.endswith("two.gpx#1")].iloc[0]
    assert two_1["distance_m"] == pytest.approx(400 * 2.5, rel=0.1)  # its own 400 s, not both


def test_cache_holds_one_entry_with_parts(cold, folder):
    season, cache = cold
    from trailtech.season.cache import content_hash

    store = ResultCache(cache, trailtech.AnalysisConfig())
    entry = store.get(content_hash((folder / "two.gpx").read_bytes()), check=is_entry)
    assert entry is not None and [p["file"].rsplit("/", 1)[-1] for p in entry["parts"]] == ["two.gpx#1", "two.gpx#2"]
    warm = trailtech.analyze_season([folder], jobs=1, cache=cache, progress=False)
    assert warm.activities["file"].tolist() == season.activities["file"].tolist()
    assert warm.activities["distance_m"].tolist() == season.activities["distance_m"].tolist()


def test_a_copy_under_another_name_renames_its_parts(cold, folder, tmp_path):
    _, cache = cold
    shutil.copy(folder / "two.gpx", tmp_path / "copy.gpx")
    season = trailtech.analyze_season([tmp_path / "copy.gpx"], jobs=1, cache=cache, progress=False)
    assert [f.rsplit("/", 1)[-1] for f in season.activities["file"]] == ["copy.gpx#1", "copy.gpx#2"]
    assert all(season.analyses[f]["file"] == f for f in season.activities["file"])


def test_write_names_each_activity(cold, tmp_path):
    season, _ = cold
    season.write(tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out" / "activities").iterdir())
    assert names == ["one.json", "two_1.json", "two_2.json"]


def test_shape_check_of_parts():
    part = {"file": "a.tcx#1", "ok": False, "error": "no timestamps"}
    assert is_entry({"file": "a.tcx", "ok": True, "parts": [part, {**part, "file": "a.tcx#2"}]})
    assert not is_entry({"file": "a.tcx", "ok": True, "parts": [part]})  # one part is no split
    assert not is_entry({"file": "a.tcx", "ok": True, "parts": [{"file": "x", "ok": True, "parts": []}, part]})
    assert not is_entry({"file": "a.tcx", "ok": True, "parts": "x"})


def test_real_multiple_trainings_tcx_gives_three_activities(real_dir, tmp_path):
    season = trailtech.analyze_season([real_dir / "runalyze/Multiple-Trainings.tcx"], jobs=1, cache=False,
                                      progress=False)
    assert len(season.activities) == 3
    assert [t.strftime("%Y-%m-%d") for t in season.activities["start_time"]] == ["2012-01-19", "2012-01-20",
                                                                                  "2012-01-22"]
    assert season.activities["file"].str.endswith(("#1", "#2", "#3")).all()
    assert season.activities["distance_m"].sum() == pytest.approx(27_900, rel=0.03)
    assert (season.activities["duration_s"] < 4 * 3600).all()


# ------------------------------------------------------------------------------ --sport


def _row(file, sport, sub_sport=None, on_foot=True):
    return {"file": file, "sport": sport, "sub_sport": sub_sport, "on_foot": on_foot}


def test_sport_filter_rules():
    rows = [_row("trail.fit", "running", "trail"), _row("road.fit", "running", "generic"),
            _row("typed.gpx", "trail running"), _row("strava.gpx", "Trail Run"),
            _row("hike.gpx", "hiking"), _row("ride.fit", "cycling", on_foot=False),
            _row("unknown-foot.gpx", None), _row("unknown-fast.gpx", None, on_foot=False),
            _row("generic.fit", "generic", "generic")]
    keep, notes = filter_by_sport(rows, ["trail"])
    assert [r["file"] for r, k in zip(rows, keep) if k] == ["trail.fit", "typed.gpx", "strava.gpx", "unknown-foot.gpx",
                                                            "generic.fit"]
    assert notes == ["--sport trail: kept 5 of 9 activities; left out 1 cycling, 1 hiking, 1 running; 3 name no "
                     "sport in their file (or a generic one): 2 kept, 1 left out, by whether they were on foot"]
    keep, _ = filter_by_sport(rows, ["running"])  # running includes trail runs
    assert [r["file"] for r, k in zip(rows, keep) if k] == ["trail.fit", "road.fit", "typed.gpx", "strava.gpx",
                                                            "unknown-foot.gpx", "generic.fit"]
    keep, _ = filter_by_sport(rows, ["cycling"])  # an unknown sport at riding speed counts as a ride
    assert [r["file"] for r, k in zip(rows, keep) if k] == ["ride.fit", "unknown-fast.gpx"]
    keep, _ = filter_by_sport(rows, ["trail", "hiking"])
    assert sum(keep) == 6
    with pytest.raises(ValueError, match="not a sport name"):
        sport_matcher(["  "])


def test_cli_sport_trail(tmp_path, capsys):
    write(tmp_path / "trail.gpx", _with_type(gpx_bytes(300, start="2026-06-01T08:00:00Z"), "trail_running"))
    write(tmp_path / "road.gpx", gpx_bytes(300, start="2026-06-02T08:00:00Z", lat0=45.01))
    write(tmp_path / "notype.gpx", gpx_bytes(300, start="2026-06-03T08:00:00Z", lat0=45.02)
          .replace(b"<type>running</type>", b""))
    code = main(["season", str(tmp_path), "--no-cache", "--jobs", "1", "--json", "--sport", "trail"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sorted(a["file"].rsplit("/", 1)[-1] for a in doc["activities"]) == ["notype.gpx", "trail.gpx"]
    trail = next(a for a in doc["activities"] if a["file"].endswith("trail.gpx"))
    assert (trail["sport"], trail["sub_sport"]) == ("running", "trail")
    assert any(n.startswith("--sport trail: kept 2 of 3 activities; left out 1 running") for n in doc["notes"])
    # nothing of the sport: an empty season that says why, not "no activity files found"
    code = main(["season", str(tmp_path / "road.gpx"), "--no-cache", "--jobs", "1", "--sport", "cycling"])
    out = capsys.readouterr()
    assert code == 0 and "kept 0 of 1 activities" in out.out and "no activity files found" not in out.err


def test_cli_sport_refuses_an_empty_name(capsys, tmp_path):
    assert main(["season", ".", "--sport", " "]) == 2
    assert "not a sport name" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not a sport name"):  # before any file is read
        trailtech.analyze_season([tmp_path / "missing"], sport=["trail", ""], cache=False)


def test_each_activity_of_a_file_gets_its_own_report(tmp_path):
    write(tmp_path / "in" / "two.gpx", _two_tracks(gpx_bytes(400, start="2026-06-01T08:00:00Z"),
                                                   gpx_bytes(300, start="2026-06-03T08:00:00Z", lat0=45.01)))
    cache = tmp_path / "cache"
    kw = dict(jobs=1, cache=cache, progress=False, activity_reports=tmp_path / "reports")
    cold = trailtech.analyze_season([tmp_path / "in"], **kw)
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["two_1.html", "two_2.html"]
    assert sorted(f.rsplit("/", 1)[-1] for f in cold.activity_reports) == ["two.gpx#1", "two.gpx#2"]
    for p in (tmp_path / "reports").iterdir():
        p.unlink()
    warm = trailtech.analyze_season([tmp_path / "in"], **kw)  # copied from the cache, not drawn again
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["two_1.html", "two_2.html"]
    assert warm.activities["file"].tolist() == cold.activities["file"].tolist()
