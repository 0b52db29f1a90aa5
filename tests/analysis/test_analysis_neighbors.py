"""The neighbour searches of repeats: pairs found block by block are all the pairs within the
radius, once each; the revisit search refuses a pile of points before doing the work."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def _brute_pairs(xy: np.ndarray, r: float) -> np.ndarray:
    """Every pair i < j at most r apart, by comparing all of them, sorted."""
    i, j = np.triu_indices(len(xy), k=1)
    d2 = ((xy[i] - xy[j]) ** 2).sum(axis=1)
    keep = d2 <= r * r
    return np.column_stack([i[keep], j[keep]]).reshape(-1, 2)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 400), kinds, st.floats(1.0, 300.0),
       st.sampled_from([0.0, 5.0, 15.0, 40.0]), st.integers(1, 5000))
def test_pair_search_blocks_hold_the_same_pairs_in_any_block_size(seed, n, kind, scale, r, block):
    xy = _points(seed, n, kind, scale)
    search = nb.PairSearch(xy, r)
    found = [(i, j) for i, j in search.blocks(block)]
    assert all((i < j).all() for i, j in found)
    # Memory stays bounded: a block holds about ``block`` pairs, more only when one point alone
    # has more neighbours.
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2) if n else np.zeros((0, 0))
    most = int((d2 <= r * r).sum(axis=1).max()) if n else 0
    assert all(len(i) <= 2 * block + most for i, _ in found)
    pairs = np.column_stack([np.concatenate([i for i, _ in found] or [np.zeros(0, int)]),
                             np.concatenate([j for _, j in found] or [np.zeros(0, int)])])
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    np.testing.assert_array_equal(pairs, nb.pairs_within(xy, r))
    # The count, known before any pair is listed, bounds the pairs (candidates of the grid cells).
    assert search.candidates >= len(pairs)


def test_revisit_search_refuses_a_pile_of_points_before_doing_the_work():
    # 20,000 path points within 10 m: a frozen fix under a growing distance. Comparing every
    # pair would take minutes and gigabytes; the count is known before any pair is listed.
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 10, (20_000, 2))
    d = np.arange(20_000) * 5.0
    path = rp.Path(xy[:, 0], xy[:, 1], d, np.zeros(20_000), d / 3.0, None)
    with pytest.raises(rp.TooManyRevisits) as info:
        rp.revisited_stretches(path)
    assert info.value.candidates > 100_000_000
    # Under the limit the same search runs and finds the revisits.
    small = rp.Path(xy[:800, 0], xy[:800, 1], d[:800], np.zeros(800), d[:800] / 3.0, None)
    assert rp.revisited_stretches(small).size > 0
    with pytest.raises(rp.TooManyRevisits):
        rp.revisited_stretches(small, max_candidates=1000)


def test_analysis_skips_the_revisit_search_with_a_note_when_it_is_too_big(monkeypatch):
    import trailtech
    from trailtech.simulate import simulate_hill_repeats

    track = simulate_hill_repeats(seed=1).track
    full = trailtech.analyze(track)
    monkeypatch.setattr(rp.path, "MAX_REVISIT_CANDIDATES", 1000)
    capped = trailtech.analyze(track)
    assert any("Repeated flat stretches were not searched" in w for w in capped.warnings)
    assert not any("Repeated flat stretches" in w for w in full.warnings)
    # The hill repeats themselves are climbs and descents: still found.
    assert len(capped.repeats) == len(full.repeats) > 0


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


@pytest.mark.parametrize("kind", ["uniform", "lattice", "duplicates", "track"])
def test_neighbors_known_answers_against_brute_force(kind):
    xy = _points(7, 300, kind, 60.0)
    np.testing.assert_array_equal(nb.pairs_within(xy, 15.0), _brute_pairs(xy, 15.0))
    a, b = xy[:150], xy[150:]
    brute = np.sqrt(((b[:, None, :] - a[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    np.testing.assert_allclose(nb.nearest_distance_m(a, b), brute, rtol=1e-12, atol=1e-12)
