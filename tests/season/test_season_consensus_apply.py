"""The season consensus wired into analyze_season: GPS-only runs over shared ground analysed
again on it; barometric ones, and everything with --no-consensus, left alone; cache keys."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import numpy as np
import pandas as pd
import pytest

from tests.season._helpers import write
from trailtech.season.cache import content_hash
from trailtech.season.consensus import TRACE_STEP_M, taper_correction, trace, track_with
from trailtech.season.consensus_apply import MIN_SHARED_M, plan


def _season_files(folder):
    """3 GPS-only runs (a phone GPX, 5 s) and 1 barometric FIT over one simulated course."""
    from trailtech.io.fit_write import to_fit
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_trail_run

    runs = {}
    for k in range(4):
        baro = k == 3
        r = simulate_trail_run(seed=100 + k, course_seed=0, elevation_noise="baro" if baro else "gps",
                               sample_interval_s=5.0)
        s = r.track.samples.copy()
        s["time"] = s["time"] + pd.Timedelta(days=k)
        tr = dataclasses.replace(r.track, samples=s)
        name = f"run{k}.fit" if baro else f"run{k}.gpx"
        write(folder / name, to_fit(tr) if baro else to_gpx(tr, creator="StravaGPX Android"))
        runs[name] = r
    return runs


def _errors(season, runs):
    out = {}
    for row in season.activities.to_dict(orient="records"):
        r = runs[row["file"].rsplit("/", 1)[-1]]
        out[row["file"].rsplit("/", 1)[-1]] = (row["ascent_m"] / r.truth.ascent_m - 1,
                                               row["descent_m"] / r.truth.descent_m - 1)
    return out


@pytest.mark.slow
def test_gps_only_runs_take_the_consensus_and_barometric_and_no_consensus_are_left_alone(tmp_path):
    from trailtech import analyze_season
    from trailtech.cli import main

    runs = _season_files(tmp_path / "runs")
    cache = tmp_path / "cache"
    own = analyze_season([tmp_path / "runs"], jobs=2, cache=cache, progress=False, consensus=False)
    cons = analyze_season([tmp_path / "runs"], jobs=2, cache=cache, progress=False)
    assert not own.errors and not cons.errors
    e_own, e_cons = _errors(own, runs), _errors(cons, runs)
    gps = ["run0.gpx", "run1.gpx", "run2.gpx"]
    for f, doc in cons.analyses.items():
        name = f.rsplit("/", 1)[-1]
        if name in gps:
            assert doc["summary"]["elevation_source"] == "gps"
            assert doc["elevation_consensus"]["runs"] == 3
            assert any(n.startswith("elevation: season consensus of 3 runs") for n in doc["notes"])
        else:  # the barometric run neither votes nor takes it
            assert doc["summary"]["elevation_source"] == "barometric" and "elevation_consensus" not in doc
            assert e_cons[name] == e_own[name]
    # Ascent (and descent) error smaller, and every run reads the same climbs.
    for i in (0, 1):  # ascent, descent
        cons_err, own_err = [abs(e_cons[f][i]) for f in gps], [abs(e_own[f][i]) for f in gps]
        assert np.mean(cons_err) < np.mean(own_err) and max(cons_err) < 0.7 * max(own_err)
    assert np.ptp([e_cons[f][0] for f in gps]) < 0.005 < np.ptp([e_own[f][0] for f in gps])
    rows = cons.to_dict()["activities"]
    assert sorted(str(r["elevation_consensus_runs"]) for r in rows) == ["3", "3", "3", "None"]

    # An unchanged season reads the analyses on the consensus from the cache: no entry is
    # written again (a write replaces the file: a new inode), and the season is the same.
    assert any("3 GPS-altitude activities over shared ground analysed again on it" in n for n in cons.notes)
    inodes = {p: p.stat().st_ino for p in cache.rglob("*.json.gz")}
    again = analyze_season([tmp_path / "runs"], jobs=2, cache=cache, progress=False)
    assert {p: p.stat().st_ino for p in cache.rglob("*.json.gz")} == inodes
    assert again.to_dict() == cons.to_dict()

    # --no-consensus: every activity on its own altitude (from the cache of the first season).
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["season", str(tmp_path / "runs"), "--json", "--no-consensus", "--cache", str(cache)])
    assert code == 0
    doc = json.loads(buf.getvalue())
    assert all(a["elevation_consensus_runs"] is None for a in doc["activities"])
    by_file = {a["file"].rsplit("/", 1)[-1]: a["ascent_m"] for a in doc["activities"]}
    assert by_file == {r["file"].rsplit("/", 1)[-1]: r["ascent_m"] for r in own.to_dict()["activities"]}


def _entry(file, lat, lon, ele):
    n = len(lat)
    return {"file": file, "ok": True, "trace": {"n": n, "i": list(range(n)), "lat": list(lat), "lon": list(lon),
                                                  "ele": list(ele)}}


def test_plan_keys_follow_the_runs_that_voted_and_ground_no_one_shared_is_skipped():
    n = 400  # 5 m apart: 2 km north
    lat = 45.0 + 4.5e-5 * np.arange(n)
    lon = np.full(n, 6.0)
    a = _entry("a.gpx", lat, lon, np.full(n, 1000.0))
    b = _entry("b.gpx", lat, lon, np.full(n, 1010.0))
    far = _entry("far.gpx", lat + 0.05, lon, np.full(n, 700.0))
    digests = {"a.gpx": "da", "b.gpx": "db", "far.gpx": "dfar"}
    p = {x["file"]: x for x in plan([a, b, far], digests)}
    # Workers finish in any order: the consensus is the same to the last bit.
    assert plan([far, b, a], digests) == plan([a, b, far], digests)
    assert set(p) == {"a.gpx", "b.gpx"}  # far shares nothing: not analysed again
    assert np.allclose(p["a.gpx"]["override"]["ele"], 1005.0) and p["a.gpx"]["override"]["runs"] == 2
    # Another run's bytes change the key; a run far away does not.
    p2 = {x["file"]: x for x in plan([a, b, far], {**digests, "b.gpx": "db2"})}
    p3 = {x["file"]: x for x in plan([a, b, far], {**digests, "far.gpx": "dfar2"})}
    assert p2["a.gpx"]["key"] != p["a.gpx"]["key"] and p3["a.gpx"]["key"] == p["a.gpx"]["key"]
    # A copy of the same bytes does not vote twice; a duplicate left out by the season neither.
    assert plan([a, {**b, "file": "copy.gpx"}], {"a.gpx": "da", "copy.gpx": "da"}) == []
    assert plan([a, b], digests, kept={"a.gpx"}) == []
    # Less shared ground than MIN_SHARED_M: left alone.
    k = int(MIN_SHARED_M / TRACE_STEP_M) - 5
    short = _entry("short.gpx", lat[:k], lon[:k], np.full(k, 1010.0))
    assert [x["file"] for x in plan([a, short], {"a.gpx": "da", "short.gpx": "ds"})] == []
    # A trace that is not one (a cache file edited by hand) takes no part.
    assert plan([a, {**b, "trace": {**b["trace"], "i": [3, 2, 1]}}], digests) == []
    assert p["a.gpx"]["key"].startswith("consensus:") and content_hash(b"x") not in p["a.gpx"]["key"]


def test_correction_fades_beyond_the_shared_ground_instead_of_stepping():
    corr = np.full(200, 6.0)
    shared = np.zeros(200, dtype=bool)
    shared[:100] = True
    out = taper_correction(corr, shared, step_m=5.0, length_m=300.0)
    assert np.all(out[:100] == 6.0)
    assert np.max(np.abs(np.diff(out))) < 0.2  # no step where the shared ground ends
    assert out[-1] < 6.0 * np.exp(-400 / 300.0) + 1e-9
    assert np.all(taper_correction(corr, np.zeros(200, bool), step_m=5.0, length_m=300.0) == 0)


def test_only_gps_altitude_keeps_a_trace_and_the_consensus_fills_every_sample():
    from tests.conftest import make_track

    tr = make_track(300, ele0=1000.0)
    assert trace(tr, "barometric") is None and trace(tr, "dem") is None and trace(tr, None) is None
    t = trace(tr, "gps")
    assert t["n"] == 300 and len(t["i"]) >= 2
    new = track_with(tr, {"n": 300, "i": t["i"], "ele": [990.0] * len(t["i"])})
    assert np.allclose(new.samples["elevation_m"], 990.0) and new.meta.barometric is False
    with pytest.raises(ValueError):
        track_with(tr, {"n": 299, "i": t["i"], "ele": [990.0] * len(t["i"])})
