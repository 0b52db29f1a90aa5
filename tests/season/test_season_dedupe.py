"""One activity in several files (FIT + GPX + TCX exports) is counted once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import trailtech
from trailtech.cli import main
from trailtech.season.dedupe import find_duplicates, richness

SAMPLES = Path(__file__).resolve().parents[2] / "sample_tracks"


def _act(start="2026-06-01T08:00:00Z", duration_s=3600.0, distance_m=10000.0, fmt="fit",
         sensors=("position", "elevation", "cadence"), samples=3600):
    return {"start_time": start, "duration_s": duration_s, "distance_m": distance_m, "format": fmt,
            "sensors": list(sensors), "samples": samples}


def test_exports_of_one_run_are_grouped_and_the_richest_kept():
    acts = [
        _act(fmt="gpx", sensors=("position", "elevation", "cadence", "heart_rate"), distance_m=10400.0),
        _act(start="2026-06-01T08:00:40Z", fmt="tcx", sensors=("position", "elevation", "cadence", "heart_rate")),
        _act(fmt="fit", sensors=("position", "elevation", "cadence", "heart_rate", "speed"), duration_s=3610.0),
        _act(fmt="gpx", sensors=("position", "elevation")),  # a no-cadence export
    ]
    assert find_duplicates(acts) == [[2, 0, 1, 3]]


def test_kept_file_sensors_then_format_then_samples():
    full = ("position", "elevation", "cadence", "heart_rate")
    # More sensors beat the format: a GPX with heart rate over a FIT without.
    assert find_duplicates([_act(fmt="fit", sensors=full[:3]), _act(fmt="gpx", sensors=full)]) == [[1, 0]]
    # Same sensors: FIT over TCX over GPX.
    assert find_duplicates([_act(fmt="gpx"), _act(fmt="tcx"), _act(fmt="fit")]) == [[2, 0, 1]]
    # Same sensors and format: more samples; then the first file.
    assert find_duplicates([_act(samples=3000), _act(samples=3600)]) == [[1, 0]]
    assert find_duplicates([_act(), _act()]) == [[0, 1]]
    assert richness(_act(fmt="FIT")) > richness(_act(fmt="tcx")) > richness(_act(fmt="gpx"))
    assert richness({}) == (0, 0, 0.0)


def test_different_activities_stay_apart():
    acts = [
        _act(),
        _act(duration_s=1800.0, distance_m=4500.0),  # same start, shorter: another session
        _act(start="2026-06-01T08:02:00Z"),  # two minutes later
        _act(start="2026-06-08T08:00:00Z"),  # a week later, same course
        _act(distance_m=13000.0),  # same start and time, 30 % longer
        _act(start=None),  # no start time: never grouped
        _act(start=None),
    ]
    assert find_duplicates(acts) == [[i] for i in range(len(acts))]


def test_no_chains_of_near_misses():
    # b is within 90 s of a and of c, but a and c are 150 s apart: a, b grouped, c alone.
    acts = [_act(start="2026-06-01T08:00:00Z"), _act(start="2026-06-01T08:01:15Z"),
            _act(start="2026-06-01T08:02:30Z")]
    assert find_duplicates(acts) == [[0, 1], [2]]
    assert find_duplicates(acts, start_tolerance_s=200) == [[0, 1, 2]]


def test_unknown_distance_on_both_is_decided_by_start_and_duration():
    acts = [_act(distance_m=None), _act(distance_m=float("nan")), _act(distance_m=9000.0)]
    groups = find_duplicates(acts)
    assert [0, 1] in groups and [2] in groups


@pytest.mark.parametrize("kw", [{"start_tolerance_s": -1}, {"duration_tolerance_pct": float("nan")},
                                {"distance_tolerance_pct": "5"}])
def test_bad_tolerances(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        find_duplicates([_act()], **kw)


@pytest.fixture(scope="module")
def sample_season():
    """The simulated trail run as FIT, GPX and no-cadence GPX, and the hill-repeat session as
    FIT and GPX: the hill repeats start on the same second as the trail run."""
    names = ["trail_run.fit", "trail_run.gpx", "trail_run_nocadence.gpx", "hill_repeats.fit", "hill_repeats.gpx"]
    paths = [SAMPLES / n for n in names]
    return trailtech.analyze_season(paths, jobs=2, cache=False), paths


def test_sample_exports_counted_once(sample_season):
    season, paths = sample_season
    acts = season.activities
    assert season.errors == []
    assert [Path(f).name for f in acts["file"]] == ["hill_repeats.fit", "trail_run.fit"]
    assert [[Path(d).name for d in ds] for ds in acts["duplicates"]] == [
        ["hill_repeats.gpx"], ["trail_run.gpx", "trail_run_nocadence.gpx"]]
    assert acts["format"].tolist() == ["fit", "fit"]
    assert "cadence" in acts["sensors"].iloc[1]
    assert set(season.analyses) == set(acts["file"])
    # No segment is "met more than once" only because a run was read from two files.
    for s in season.segments.to_dict(orient="records"):
        starts = [(p["file"], p["start_time"]) for p in s["passes"]]
        assert len(set(starts)) == len(starts)
        assert all(p["file"] in set(acts["file"]) for p in s["passes"])
    assert sum(w["activities"] for w in season.weeks) == 2


def test_merge_duplicates_can_be_turned_off(sample_season):
    _, paths = sample_season
    every = trailtech.analyze_season(paths, jobs=1, cache=False, merge_duplicates=False)
    assert len(every.activities) == 5
    assert all(d == [] for d in every.activities["duplicates"])


def test_json_csv_and_text_name_the_duplicates(sample_season, tmp_path, capsys):
    season, paths = sample_season
    doc = season.to_dict()
    trail = next(a for a in doc["activities"] if a["file"].endswith("trail_run.fit"))
    assert [Path(d).name for d in trail["duplicates"]] == ["trail_run.gpx", "trail_run_nocadence.gpx"]
    assert trail["format"] == "fit"
    json.dumps(doc, allow_nan=False)
    season.write(tmp_path / "out")
    csv = pd.read_csv(tmp_path / "out" / "activities.csv")
    assert csv["duplicates"].str.contains("trail_run_nocadence.gpx").sum() == 1
    assert sorted(p.name for p in (tmp_path / "out" / "activities").glob("*.json")) == [
        "hill_repeats.json", "trail_run.json"]

    folder = tmp_path / "watch"
    folder.mkdir()
    for p in paths:
        shutil.copy(p, folder / p.name)
    assert main(["season", str(folder), "--no-cache", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "same activity in several files, counted once:" in out
    assert "trail_run.fit (kept), also trail_run.gpx, trail_run_nocadence.gpx" in out
    assert "2 activities read (plus 3 duplicate files of them, counted once)" in out


def test_corpus_fit_gpx_tcx_triples(real_dir, tmp_path):
    """Garmin Connect exports of one watch file: sports-lib's hilly 14 km run and
    heartandsole's short snippet, each as FIT, GPX and TCX."""
    stems = ["sports-lib/6782987395", "heartandsole/testdata"]
    for stem in stems:
        for ext in (".fit", ".gpx", ".tcx"):
            src = real_dir / (stem + ext)
            if not src.exists():
                pytest.skip(f"{src} not in the corpus")
            dst = tmp_path / stem.split("/")[0] / (Path(stem).name + ext)
            dst.parent.mkdir(exist_ok=True)
            shutil.copy(src, dst)
    cache = tmp_path / "cache"
    every = trailtech.analyze_season([tmp_path / "sports-lib", tmp_path / "heartandsole"], jobs=2, cache=cache,
                                     merge_duplicates=False)
    season = trailtech.analyze_season([tmp_path / "sports-lib", tmp_path / "heartandsole"], jobs=2, cache=cache)
    assert season.errors == [] and len(every.activities) == 6
    acts = season.activities
    assert [Path(f).name for f in acts["file"]] == ["6782987395.fit", "testdata.fit"]
    for f, dups in zip(acts["file"], acts["duplicates"]):
        stem = Path(f).stem
        assert sorted(Path(d).name for d in dups) == [f"{stem}.gpx", f"{stem}.tcx"]
    assert acts["distance_m"].iloc[0] == pytest.approx(14000, rel=0.03)
    # Totals count each run once (three times without merging).
    assert every.activities["distance_m"].sum() == pytest.approx(3 * acts["distance_m"].sum(), rel=0.02)
    assert sum(w["activities"] for w in season.weeks) == 2
    assert sum(w["activities"] for w in every.weeks) == 6
    assert len(season.segments) == 0  # two different places: nothing met twice


def test_back_to_back_short_activities_are_not_duplicates():
    """A 21 s run and a 17 s walk started a minute apart (python-fitparse's fenix-5 pair) are two
    activities: they do not overlap in time, and their sports differ."""
    from trailtech.season.dedupe import find_duplicates

    run = {"file": "run.fit", "start_time": "2017-03-25T10:00:00Z", "duration_s": 21.0,
           "distance_m": 40.0, "sport": "running", "format": "fit"}
    walk = {"file": "walk.fit", "start_time": "2017-03-25T10:01:00Z", "duration_s": 17.0,
            "distance_m": 15.0, "sport": "walking", "format": "fit"}
    assert all(len(g) == 1 for g in find_duplicates([run, walk]))
    # the same walk again, as a GPX export with no sport: still one activity with its FIT
    gpx = dict(walk, file="walk.gpx", format="gpx", sport=None, distance_m=16.0)
    assert sorted(len(g) for g in find_duplicates([run, walk, gpx])) == [1, 2]
