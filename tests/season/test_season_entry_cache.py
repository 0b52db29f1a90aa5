"""A season entry's geometry lives in its own cache entry (trailtech.season.entry_cache): a
warm season never reads it while the segments are cached, a lost geometry is recomputed, and
a corrupt one never crashes the season nor leaves incomplete segments in the cache."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap

import pytest

import trailtech
from trailtech.config import AnalysisConfig
from trailtech.season import entry_cache
from trailtech.season.cache import ResultCache, content_hash
from trailtech.season.entry_cache import geometry_store_key

from ._helpers import gpx_bytes, write
from .test_season_cache import count_analyses  # noqa: F401  (a fixture)


@pytest.fixture
def repeated_descent(tmp_path):
    """Three runs down the same slope on three days: one segment with three passes."""
    folder = tmp_path / "runs"
    for k, day in enumerate(("2026-06-01", "2026-06-03", "2026-06-05")):
        write(folder / f"run{k}.gpx", gpx_bytes(400, start=f"{day}T08:00:00Z"))
    return folder


def _digests(folder):
    return [content_hash(f.read_bytes()) for f in sorted(folder.glob("run*.gpx"))]


def test_the_compact_entry_names_its_geometry_and_holds_none(repeated_descent, tmp_path):
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    assert len(first.segments) >= 1
    store = ResultCache(cache, AnalysisConfig())
    for d in _digests(repeated_descent):
        compact = store.get(d)
        assert "geometry" not in compact and compact["geometry_key"] == d
        geometry = store.get(geometry_store_key(d))["geometry"]
        assert len(geometry) == 1 and len(geometry[0]) >= 1  # one activity, its descent


def test_a_warm_season_reads_no_geometry(repeated_descent, tmp_path, monkeypatch, count_analyses):  # noqa: F811
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    count_analyses.clear()

    def no_geometry(*a, **k):
        raise AssertionError("the segments are cached: no geometry is read")

    monkeypatch.setattr(entry_cache, "with_geometry", no_geometry)
    again = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    assert count_analyses == []
    assert again.to_dict() == first.to_dict()


def test_a_lost_geometry_means_the_file_is_analysed_again(repeated_descent, tmp_path, count_analyses):  # noqa: F811
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    store = ResultCache(cache, AnalysisConfig())
    d = _digests(repeated_descent)[1]
    store.path(geometry_store_key(d)).unlink()
    count_analyses.clear()
    again = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    assert count_analyses == [str(repeated_descent / "run1.gpx")]
    assert again.to_dict() == first.to_dict()
    assert store.path(geometry_store_key(d)).exists()


def test_a_corrupt_geometry_costs_its_passes_once_and_is_said(repeated_descent, tmp_path, count_analyses):  # noqa: F811
    cache = tmp_path / "cache"
    first = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    store = ResultCache(cache, AnalysisConfig())
    digests = _digests(repeated_descent)
    d = digests[2]
    per_file = {store.path(x) for x in digests} | {store.path(geometry_store_key(x)) for x in digests}
    for p in cache.rglob("*.json.gz"):  # the segments, crossover and trends: all computed again
        if p not in per_file:
            p.unlink()
    store.path(geometry_store_key(d)).write_bytes(b"\x1f\x8b not gzip")  # present, unreadable
    count_analyses.clear()
    again = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    assert count_analyses == []  # the compact entries were fine
    assert any("could not be read" in n and "run2.gpx" in n for n in again.notes)
    passes = {p["file"] for s in again.segments["passes"] for p in s}
    assert str(repeated_descent / "run2.gpx") not in passes
    assert not store.path(d).exists()  # so the next run analyses it again ...
    third = trailtech.analyze_season([repeated_descent], jobs=1, cache=cache)
    assert count_analyses == [str(repeated_descent / "run2.gpx")]
    # ... and the segments come out whole: the incomplete ones were never cached.
    assert third.to_dict()["segments"] == first.to_dict()["segments"]


def test_a_warm_season_does_not_import_scipy_stats(tmp_path):
    """The trends (Theil-Sen from scipy.stats) are cached: a warm run reads them back."""
    folder = tmp_path / "runs"
    for k in range(6):  # six activities over 30 days: enough for a trend
        day = datetime.date(2026, 6, 1) + datetime.timedelta(days=6 * k)
        write(folder / f"run{k}.gpx", gpx_bytes(300, start=f"{day}T08:00:00Z"))
    script = textwrap.dedent(f"""
        import sys, trailtech
        s = trailtech.analyze_season([{str(folder)!r}], jobs=1, cache={str(tmp_path / 'cache')!r})
        print(s.trends["flat_cadence_spm"]["span_d"], "scipy.stats" in sys.modules)
    """)
    cold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert cold.stdout.split() == ["30.0", "True"]  # the trend was computed cold
    assert warm.stdout.split() == ["30.0", "False"]


def test_the_shape_check_knows_both_layouts():
    from trailtech.season.shape import is_entry

    base = {"file": "/a.fit", "ok": True, "analysis": {"file": "/a.fit"}, "activity": {"file": "/a.fit"}}
    assert is_entry({**base, "geometry_key": "abc"})
    assert is_entry({**base, "geometry_key": "abc", "geometry_part": 1})
    assert is_entry({**base, "geometry": []})
    for bad in ({"geometry_key": 3}, {"geometry_key": "abc", "geometry": []},
                {"geometry_key": "abc", "geometry_part": "one"}, {"geometry": [{"kind": "down"}]}):
        assert not is_entry({**base, **bad})
