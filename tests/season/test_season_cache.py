"""The per-file result cache: keys, atomic writes, corrupt entries, re-runs that skip work."""

from __future__ import annotations

import gzip
import os

import pytest

import trailtech
from trailtech.config import AnalysisConfig
from trailtech.season.cache import ResultCache, content_hash, default_cache_dir

from ._helpers import gpx_bytes, write

ENTRY = {"file": "a.gpx", "ok": True, "activity": {"file": "a.gpx", "distance_m": 1.5}}


def test_round_trip_and_key_parts(tmp_path):
    c = ResultCache(tmp_path)
    d = content_hash(b"abc")
    assert c.get(d) is None
    c.put(d, ENTRY)
    assert c.get(d) == ENTRY
    assert (c.hits, c.misses) == (1, 1)
    # Another version or other settings never see the entry.
    assert ResultCache(tmp_path, version="9.9.9").get(d) is None
    assert ResultCache(tmp_path, AnalysisConfig(gate_radius_m=30.0)).get(d) is None
    assert ResultCache(tmp_path, AnalysisConfig()).get(d) is None  # default config != None config
    assert content_hash(b"abc") != content_hash(b"abd")


def test_corrupt_entry_is_ignored_and_removed(tmp_path):
    c = ResultCache(tmp_path)
    d = content_hash(b"x")
    c.put(d, ENTRY)
    p = c.path(d)
    for bad in (b"", b"garbage", gzip.compress(b"{not json"), gzip.compress(b"[1, 2]"),
                p.read_bytes()[:10]):
        p.write_bytes(bad)
        assert c.get(d) is None
        assert not p.exists()
        c.put(d, ENTRY)
        assert c.get(d) == ENTRY


def test_atomic_write_leaves_no_partial_entry(tmp_path, monkeypatch):
    c = ResultCache(tmp_path)
    d = content_hash(b"y")

    def killed(src, dst):  # the process dies between writing the temp file and the rename
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", killed)
    c.put(d, ENTRY)  # must not raise: a cache that cannot be written is skipped
    monkeypatch.undo()
    assert c.get(d) is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_unwritable_cache_folder_is_skipped(tmp_path):
    blocker = write(tmp_path / "file", b"")
    c = ResultCache(blocker / "cache")  # parent is a file: mkdir fails
    c.put(content_hash(b"z"), ENTRY)
    assert c.get(content_hash(b"z")) is None


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("TRAILTECH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name == "posix" and not os.uname().sysname == "Darwin":
        assert default_cache_dir() == tmp_path / "trailtech"
    monkeypatch.setenv("TRAILTECH_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


@pytest.fixture
def season_folder(tmp_path):
    folder = tmp_path / "runs"
    for i in range(3):
        write(folder / f"run{i}.gpx", gpx_bytes(200 + 20 * i, start=f"2026-06-0{i + 1}T08:00:00Z"))
    write(folder / "bad.gpx", b"\x00\x01 not an activity at all")
    return folder


class _Analyses:
    """The files analysed by the seasons run since the last ``clear()`` (in worker processes)."""

    def __init__(self, log):
        self.log = log

    def _files(self):
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def __len__(self):
        return len(self._files())

    def __eq__(self, other):
        return self._files() == list(other)

    def __repr__(self):
        return repr(self._files())

    def clear(self):
        self.log.unlink(missing_ok=True)


@pytest.fixture
def count_analyses(monkeypatch, tmp_path):
    from trailtech.season import work

    from . import _helpers as h

    log = tmp_path / "analyses.log"
    monkeypatch.setenv(h.ANALYSIS_LOG_ENV, str(log))
    monkeypatch.setattr(work, "process", h.counting_process)
    return _Analyses(log)


def test_rerun_hits_the_cache(season_folder, tmp_path, count_analyses):
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([season_folder], jobs=1, cache=cache)
    assert len(count_analyses) == 3  # the bad file fails before analysis
    assert len(first.activities) == 3 and len(first.errors) == 1
    count_analyses.clear()
    second = trailtech.analyze_season([season_folder], jobs=1, cache=cache)
    assert count_analyses == []  # nothing decoded or analysed again
    assert second.to_dict() == first.to_dict()
    # A changed file is analysed again, and only that one.
    write(season_folder / "run1.gpx", gpx_bytes(260, start="2026-06-02T08:00:00Z"))
    trailtech.analyze_season([season_folder], jobs=1, cache=cache)
    assert count_analyses == [str(season_folder / "run1.gpx")]


def test_corrupt_cache_entries_are_recomputed(season_folder, tmp_path, count_analyses):
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([season_folder], jobs=1, cache=cache)
    entries = [p for p in cache.rglob("*.json.gz")]
    # three results and their three geometries, the bad file's error, the matched segments, the
    # crossover and the two trends
    assert len(entries) == 11
    for p in entries:
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])  # truncated by a crash
    count_analyses.clear()
    again = trailtech.analyze_season([season_folder], jobs=1, cache=cache)
    assert len(count_analyses) == 3
    assert again.to_dict() == first.to_dict()


def test_no_cache_writes_nothing(season_folder, tmp_path, monkeypatch, count_analyses):
    monkeypatch.setenv("TRAILTECH_CACHE_DIR", str(tmp_path / "default"))
    trailtech.analyze_season([season_folder], jobs=1, cache=False)
    trailtech.analyze_season([season_folder], jobs=1, cache=False)
    assert len(count_analyses) == 6
    assert not (tmp_path / "default").exists()


# ----------------------------------------------------------------- untrusted entries (issue 19 #15)


def _entries(cache_dir, folder):
    store = ResultCache(cache_dir, AnalysisConfig())  # what the season uses by default
    return store, [content_hash(f.read_bytes()) for f in sorted(folder.glob("run*.gpx"))]


def test_entries_of_the_wrong_shape_are_misses(season_folder, tmp_path, count_analyses):
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([season_folder], jobs=2, cache=cache)
    store, digests = _entries(cache, season_folder)
    good = [store.get(d) for d in digests]
    no_activity = {k: v for k, v in good[0].items() if k != "activity"}
    int_start = {**good[1], "activity": {**good[1]["activity"], "start_time": 1780300800}}
    bad_bouts = {**good[2], "bouts": {**good[2]["bouts"], "gait": ["run"]}}  # columns of unequal length
    for d, entry in zip(digests, (no_activity, int_start, bad_bouts)):
        store.put(d, entry)  # well-formed JSON with the right key: only the shape is wrong
    count_analyses.clear()
    again = trailtech.analyze_season([season_folder], jobs=2, cache=cache)
    assert sorted(count_analyses._files()) == sorted(str(season_folder / f"run{i}.gpx") for i in range(3))
    assert again.to_dict() == first.to_dict()
    assert [store.get(d) for d in digests] == good  # recomputed and stored again


def test_segment_entries_of_the_wrong_shape_are_misses(season_folder, tmp_path):
    from trailtech.season.shape import is_segments_entry

    cache = tmp_path / "cache"
    trailtech.analyze_season([season_folder], jobs=2, cache=cache)
    assert is_segments_entry({"file": "<segments>", "segments": []})
    p = {"file": "a.gpx", "start_time": "2026-06-01T08:00:00Z", "duration_s": 60.0, "control_score": None}
    seg = {"segment_id": "d-x-y", "direction": "down", "start_lat": 45.0, "start_lon": 6.0, "end_lat": 45.0,
           "end_lon": 6.01, "length_m": 500.0, "drop_m": 60.0, "trend": None, "passes": [p, p]}
    assert is_segments_entry({"file": "<segments>", "segments": [seg]})
    for bad in ({**seg, "passes": [{**p, "start_time": 5}]}, {**seg, "passes": "x"}, {**seg, "length_m": "1"},
                {k: v for k, v in seg.items() if k != "direction"}):
        assert not is_segments_entry({"file": "<segments>", "segments": [bad]})


def test_entries_that_are_not_regular_files_are_misses(season_folder, tmp_path, count_analyses):
    from ._helpers import FifoWatch

    cache = tmp_path / "cache"
    first = trailtech.analyze_season([season_folder], jobs=2, cache=cache)
    store, digests = _entries(cache, season_folder)
    # A symlink planted in place of an entry is never followed, even to a valid entry.
    planted = tmp_path / "planted.json.gz"
    planted.write_bytes(store.path(digests[0]).read_bytes())
    store.path(digests[0]).unlink()
    store.path(digests[0]).symlink_to(planted)
    assert store.get(digests[0]) is None
    assert planted.exists() and not store.path(digests[0]).exists()  # the link went, its target stays
    if not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"):
        return
    store.path(digests[1]).unlink()
    store.path(digests[1]).symlink_to("/dev/zero")
    store.path(digests[2]).unlink()
    fifo = FifoWatch(store.path(digests[2]))
    count_analyses.clear()
    try:
        again = trailtech.analyze_season([season_folder], jobs=2, cache=cache)
    finally:
        assert not fifo.release()
    assert len(count_analyses) == 3
    assert again.to_dict() == first.to_dict()


def test_oversized_and_inflating_entries_are_misses(tmp_path, monkeypatch):
    from trailtech.season import cache as cache_mod

    c = ResultCache(tmp_path)
    d = content_hash(b"w")
    c.put(d, ENTRY)
    assert c.get(d) == ENTRY
    monkeypatch.setattr(cache_mod, "MAX_ENTRY_JSON_BYTES", 20)  # the entry inflates past it
    assert c.get(d) is None
    monkeypatch.undo()
    c.put(d, ENTRY)
    monkeypatch.setattr(cache_mod, "MAX_ENTRY_BYTES", 20)
    assert c.get(d) is None


def test_trace_value_checks_reject_what_the_item_checks_rejected():
    # The vectorised list check (season/shape.py _numbers) must refuse every value the
    # item-by-item check refused: a numeric string, a bool, NaN, infinity, a huge integer,
    # None where a value is required; and accept None where it is optional.
    from trailtech.season.shape import _numbers

    assert _numbers([1, 2.5, -3]) and _numbers([])
    for bad in (["1.5"], [True, 1.0], [float("nan")], [float("inf")], [10 ** 400], [None, 1.0], [[1.0]]):
        assert not _numbers(bad), bad
    assert _numbers([None, 1.0, None], allow_none=True)
    assert not _numbers([None, float("nan")], allow_none=True)
    assert not _numbers([None, "x"], allow_none=True)
