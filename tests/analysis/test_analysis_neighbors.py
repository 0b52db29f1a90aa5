"""The pure-numpy neighbour searches give cKDTree's answers, to the bit (issue 6: the
analysis must not import scipy.spatial)."""

import json
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from trailtech.analysis import neighbors as nb
from trailtech.analysis import repeats as rp


def _points(seed: int, n: int, kind: str, scale: float) -> np.ndarray:
    """Point sets of the shapes met in practice and the awkward ones."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(-scale, scale, (n, 2))
    if kind == "lattice":  # integer coordinates: many pairs exactly at the radius
        return rng.integers(-8, 9, (n, 2)).astype(float) * max(round(scale / 50), 1)
    if kind == "duplicates":
        base = rng.uniform(-scale, scale, (max(n // 4, 1), 2))
        return base[rng.integers(0, len(base), n)]
    # a winding track at ~5 m spacing that comes back along itself, with GPS noise
    step = rng.normal(0, 0.4, n).cumsum()
    xy = np.column_stack([np.cos(step), np.sin(step)]).cumsum(axis=0) * 5.0
    half = n // 2
    xy[half:] = xy[:n - half][::-1] + rng.normal(0, scale / 100, (n - half, 2))
    return xy + rng.uniform(-1e5, 1e5, 2)  # far from the origin, as projected tracks are


kinds = st.sampled_from(["uniform", "lattice", "duplicates", "track"])


def _kd_pairs(xy: np.ndarray, r: float) -> np.ndarray:
    p = cKDTree(xy).query_pairs(r, output_type="ndarray").reshape(-1, 2)
    p = np.sort(p, axis=1)
    return p[np.lexsort((p[:, 1], p[:, 0]))]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 600), kinds, st.floats(1.0, 500.0),
       st.one_of(st.floats(0.0, 80.0), st.sampled_from([0.0, 1.0, 2.0, 5.0, 15.0])))
def test_neighbors_pairs_within_equals_ckdtree(seed, n, kind, scale, r):
    xy = _points(seed, n, kind, scale)
    got = nb.pairs_within(xy, r)
    assert got.shape[1] == 2 and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, _kd_pairs(xy, r))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 400), kinds, st.floats(1.0, 300.0),
       st.sampled_from([0.0, 5.0, 15.0, 40.0]), st.integers(1, 5000))
def test_pair_search_blocks_hold_the_same_pairs_in_any_block_size(seed, n, kind, scale, r, block):
    xy = _points(seed, n, kind, scale)
    search = nb.PairSearch(xy, r)
    found = [(i, j) for i, j in search.blocks(block)]
    assert all((i < j).all() for i, j in found)
    pairs = np.column_stack([np.concatenate([i for i, _ in found] or [np.zeros(0, int)]),
                             np.concatenate([j for _, j in found] or [np.zeros(0, int)])])
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    np.testing.assert_array_equal(pairs, _kd_pairs(xy, r))
    # The count is of the distances computed, so it bounds the pairs found.
    assert search.candidates >= len(pairs)


def test_revisit_search_refuses_a_pile_of_points_before_doing_the_work():
    # 20,000 path points within 10 m: a frozen fix under a growing distance. Comparing every
    # pair would take minutes and gigabytes; the count is known after one sort.
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 10, (20_000, 2))
    d = np.arange(20_000) * 5.0
    path = rp.Path(xy[:, 0], xy[:, 1], d, np.zeros(20_000), d / 3.0, None)
    with pytest.raises(rp.TooManyRevisits) as info:
        rp.revisited_stretches(path)
    assert info.value.candidates > 100_000_000
    # Under the limit the same search runs block by block and finds the revisits.
    small = rp.Path(xy[:800, 0], xy[:800, 1], d[:800], np.zeros(800), d[:800] / 3.0, None)
    assert rp.revisited_stretches(small).size > 0
    with pytest.raises(rp.TooManyRevisits):
        rp.revisited_stretches(small, max_candidates=1000)


def test_analysis_skips_the_revisit_search_with_a_note_when_it_is_too_big(monkeypatch):
    import trailtech
    from trailtech.simulate import simulate_hill_repeats

    track = simulate_hill_repeats(seed=1).track
    full = trailtech.analyze(track)
    monkeypatch.setattr(rp, "MAX_REVISIT_CANDIDATES", 1000)
    capped = trailtech.analyze(track)
    assert any("Repeated flat stretches were not searched" in w for w in capped.warnings)
    assert not any("Repeated flat stretches" in w for w in full.warnings)
    # The hill repeats themselves are climbs and descents: still found.
    assert len(capped.repeats) == len(full.repeats) > 0


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 500), st.integers(1, 500), kinds, kinds,
       st.floats(1.0, 500.0), st.one_of(st.none(), st.floats(0.01, 300.0)),
       st.sampled_from([0, 100_000]))
def test_neighbors_nearest_distance_equals_ckdtree(seed, n, m, kd, kq, scale, cell, brute_pairs):
    data = _points(seed, n, kd, scale)
    query = _points(seed + 1, m, kq, scale)
    if kd == "track" or kq == "track":  # both sets in the same neighbourhood
        query = query - query.mean(axis=0) + data.mean(axis=0)
    expected = cKDTree(data).query(query)[0]
    # brute_pairs 0: the grid search (every level) even for small sets
    with mock.patch.object(nb, "_BRUTE_PAIRS", brute_pairs):
        got = nb.nearest_distance_m(data, query, cell_m=cell)
    np.testing.assert_array_equal(got, expected)


def test_neighbors_edge_cases_and_errors():
    assert nb.pairs_within(np.empty((0, 2)), 5.0).shape == (0, 2)
    assert nb.pairs_within([[1.0, 2.0]], 5.0).shape == (0, 2)
    assert nb.pairs_within([[0.0, 0.0], [3.0, 4.0]], 5.0).tolist() == [[0, 1]]
    assert nb.pairs_within([[0.0, 0.0], [3.0, 4.0]], 4.999).shape == (0, 2)
    assert nb.pairs_within([[7.0, 7.0]] * 3, 0.0).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert np.isinf(nb.nearest_distance_m(np.empty((0, 2)), [[0.0, 0.0]])).all()
    assert nb.nearest_distance_m([[0.0, 0.0]], np.empty((0, 2))).shape == (0,)
    with pytest.raises(ValueError, match="radius_m"):
        nb.pairs_within([[0.0, 0.0]], -1.0)
    with pytest.raises(ValueError, match="radius_m"):
        nb.pairs_within([[0.0, 0.0]], float("nan"))
    with pytest.raises(ValueError, match="non-finite"):
        nb.pairs_within([[0.0, np.nan], [1.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="shape"):
        nb.nearest_distance_m(np.zeros((3, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="cell_m"):
        nb.nearest_distance_m(np.zeros((3, 2)), np.zeros((1, 2)), cell_m=0.0)


def test_neighbors_huge_extent_small_radius():
    # Cells are capped in number; the answer stays exact.
    xy = np.array([[0.0, 0.0], [1e9, 1e9], [1e9 + 0.5, 1e9], [3.0, 0.0]])
    np.testing.assert_array_equal(nb.pairs_within(xy, 1.0), _kd_pairs(xy, 1.0))
    q = np.array([[1e9 + 0.2, 1e9 + 0.1], [5.0, 5.0], [-3e9, 2.0]])
    with mock.patch.object(nb, "_BRUTE_PAIRS", 0):
        np.testing.assert_array_equal(nb.nearest_distance_m(xy, q, cell_m=0.01),
                                      cKDTree(xy).query(q)[0])


def test_neighbors_on_a_real_track(real_dir):
    # The searches of repeats.py on a real 5 m path: revisits and pass-to-reference
    # distances, against cKDTree.
    from trailtech.config import AnalysisConfig
    from trailtech.io import load
    from trailtech.prepare import prepare

    f = real_dir / "runalyze" / "with-new-dynamics.fit"
    if not f.exists():
        pytest.skip(f"{f} not in the corpus")
    from trailtech.processing.geodesy import project_local

    tl = prepare(load(f), AnalysisConfig()).timeline.to_frame()
    x, y, _, _ = project_local(tl["lat_deg"].to_numpy(float), tl["lon_deg"].to_numpy(float))
    path = rp.resample_path(x, y, tl["distance_m"], tl["elevation_m"], tl["elapsed_s"])
    assert len(path.xy) > 500
    np.testing.assert_array_equal(nb.pairs_within(path.xy, 15.0), _kd_pairs(path.xy, 15.0))
    a, b = path.xy[: len(path.xy) // 2], path.xy[len(path.xy) // 2:]
    np.testing.assert_array_equal(nb.nearest_distance_m(a, b), cKDTree(a).query(b)[0])
    hmax, h95 = rp.hausdorff_one_sided_m(b, a)
    dist = cKDTree(a).query(b)[0]
    assert (hmax, h95) == (float(np.max(dist)), float(np.percentile(dist, 95)))


def test_neighbors_analyze_does_not_import_scipy_spatial(tmp_path):
    # A hill-repeat session (repeats found, so every search ran) analysed by the CLI in a
    # fresh interpreter: scipy.spatial costs ~0.3 s to import (issue 6).
    from trailtech.io.fit_write import to_fit
    from trailtech.simulate import simulate_hill_repeats

    f = tmp_path / "repeats.fit"
    f.write_bytes(to_fit(simulate_hill_repeats(seed=0).track))
    code = (
        "import sys, io, contextlib, json\n"
        "from trailtech.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    rc = main(['analyze', {str(f)!r}, '--json'])\n"
        "doc = json.loads(out.getvalue())\n"
        "print(json.dumps({'rc': rc, 'repeats': len(doc['repeats']),\n"
        "                  'spatial': 'scipy.spatial' in sys.modules}))\n"
    )
    res = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["rc"] == 0 and got["repeats"] >= 1
    assert got["spatial"] is False
