"""The faster analysis paths give exactly the answers of the code they replace.

Rolling technicality of many descents in one pass against one pandas call per descent (the
previous implementation, kept here as the reference); the flat strides kept in the running
baseline against the formula over the whole timeline. (The robust line is tested against
``numpy.polyfit`` / ``numpy.allclose`` in ``tests/processing/test_processing_stats.py``.)
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from trailtech.analysis import terrain as tr
from trailtech.analysis.baseline import flat_stride_m, running_baseline
from trailtech.analysis.descent import ramp
from trailtech.analysis.gait import classify_gait
from trailtech.config import AnalysisConfig
from trailtech.prepare import prepare
from trailtech.timeline import GAIT_RUN


def _technicality_along_reference(v, ve, moving, turn, grade=None, window=31):
    """technicality_along as it was: one pandas rolling call per statistic and stretch."""
    v = np.where(np.asarray(moving, bool), np.asarray(v, float), np.nan)
    comps = {}
    if ve is not None:
        ve = np.where(np.isfinite(v), np.asarray(ve, float), np.nan)
        kw = dict(window=window, center=True, min_periods=max(3, window // 3))
        sv = pd.Series(v).rolling(**kw).sum().to_numpy()
        se = pd.Series(ve).rolling(**kw).sum().to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            comps["shortfall"] = np.where(se > 0, 1.0 - sv / se, np.nan)
    comps["tortuosity_deg_per_m"] = pd.Series(np.asarray(turn, float)).rolling(
        window, center=True, min_periods=1).mean().to_numpy()
    if grade is not None:
        comps["steepness"] = -pd.Series(np.asarray(grade, float)).rolling(
            window, center=True, min_periods=1).mean().to_numpy()
    num, den = np.zeros(v.size), np.zeros(v.size)
    for k, arr in comps.items():
        s = ramp(arr, *tr.ANCHORS[k])
        ok = np.isfinite(s)
        num += np.where(ok, tr.TECH_WEIGHTS[k] * s, 0.0)
        den += np.where(ok, tr.TECH_WEIGHTS[k], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _series(data, n, lo, hi, nan_share):
    x = data.draw(arrays(float, n, elements=st.floats(lo, hi)))
    holes = data.draw(arrays(float, n, elements=st.floats(0, 1))) < nan_share
    x[holes] = np.nan
    return x


@settings(max_examples=120, deadline=None)
@given(data=st.data(), window=st.sampled_from([3, 4, 9, 30, 31]), graded=st.booleans(),
       expected=st.booleans(), inf=st.booleans())
def test_technicality_along_pieces_equals_per_stretch_pandas(data, window, graded, expected, inf):
    n = data.draw(st.integers(1, 200))
    v = _series(data, n, 0.0, 6.0, 0.1)
    if inf:  # pandas' skip list orders infinities its own way: that path must match too
        v[data.draw(st.integers(0, n - 1))] = np.inf
    g = _series(data, n, -0.5, 0.1, 0.1) if graded else None
    ve = _series(data, n, -1.0, 5.0, 0.1) if expected else None
    moving = data.draw(arrays(bool, n))
    turn = _series(data, n, 0.0, 30.0, 0.05)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=2, max_size=8)))
    pieces = [slice(a, b) for a, b in zip(cuts[::2], cuts[1::2])]
    with np.errstate(all="ignore"):
        got = tr.technicality_along_pieces(v, ve, moving, turn, pieces, window_samples=window, grade=g)
        ref = [_technicality_along_reference(v[s], None if ve is None else ve[s], moving[s], turn[s],
                                             None if g is None else g[s], window)
               for s in pieces if s.stop > s.start]
        one = tr.technicality_along(v, ve, moving, turn, window_samples=window, grade=g)
        one_ref = _technicality_along_reference(v, ve, moving, turn, g, window)
    assert got.tobytes() == (np.concatenate(ref) if ref else np.zeros(0)).tobytes()
    assert one.tobytes() == one_ref.tobytes()


def test_technicality_along_rejects_too_short_window():
    with pytest.raises(ValueError, match="window_samples"):
        tr.technicality_along(np.ones(5), None, np.ones(5, bool), np.zeros(5), window_samples=2)


@given(lengths=st.lists(st.integers(0, 50), max_size=6), window=st.integers(1, 40))
def test_centred_piece_bounds_are_pandas_bounds_per_piece(lengths, window):
    from pandas.core.indexers.objects import FixedWindowIndexer

    start, end = tr.centred_piece_bounds(lengths, window)
    base = 0
    for m in lengths:
        s, e = FixedWindowIndexer(window_size=window).get_window_bounds(m, None, True, None, None)
        np.testing.assert_array_equal(start[base:base + m], s + base)
        np.testing.assert_array_equal(end[base:base + m], e + base)
        base += m
    assert start.size == base


@pytest.fixture(scope="module")
def timeline():
    from trailtech.simulate import simulate_trail_run

    tl = prepare(simulate_trail_run(seed=3).track).timeline
    return tl.with_gait(classify_gait(tl, AnalysisConfig()).codes)


def test_flat_strides_match_the_formula_over_the_timeline(timeline):
    cfg = AnalysisConfig()
    base = running_baseline(timeline, cfg, has_cadence=True)
    g, v, c = timeline.grade_pct / 100.0, timeline.speed_mps, timeline.cadence_spm
    flat = (timeline.gait == GAIT_RUN) & (np.abs(np.nan_to_num(g, nan=1.0)) < cfg.flat_grade_max) \
        & np.isfinite(c) & (c > 0)
    assert flat.sum() >= 30
    for speed in (np.nan, 1.0, 2.5, float(np.nanmedian(v))):
        near = flat & (np.abs(v - speed) <= 0.3)
        use = near if near.sum() >= 30 else flat
        ref = None if use.sum() < 30 else float(np.median(v[use] / (c[use] / 60.0)))
        assert flat_stride_m(base, speed) == ref
    assert flat_stride_m(running_baseline(timeline, cfg, has_cadence=False), 2.5) is None


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**32 - 1), st.floats(2.0, 40.0),
       st.booleans())
def test_frechet_within_is_the_distance_decided_with_its_shortcut(n, m, seed, eps, reverse):
    """The proportional-walk shortcut only ever accepts what the distance accepts, and the
    decision equals ``discrete_frechet_m <= eps`` whether or not the shortcut fires."""
    from trailtech.analysis.repeats import similarity as sim

    rng = np.random.default_rng(seed)
    t, u = np.linspace(0, 1, n), np.linspace(0, 1, m)
    wave = rng.uniform(1, 9)
    p = np.c_[t * 100, np.sin(t * wave) * 20] + rng.normal(0, rng.uniform(0, 8), (n, 2))
    q = np.c_[u * 100, np.sin(u * wave) * 20] + rng.normal(0, rng.uniform(0, 8), (m, 2))
    if reverse:
        q = q[::-1]
    within = sim.discrete_frechet_m(p, q) <= eps
    assert sim.frechet_within(p, q, eps) == within
    if sim._proportional_walk_within(p, q, eps):
        assert within


def test_the_proportional_walk_fires_on_two_passes_of_the_same_ground():
    from trailtech.analysis.repeats import similarity as sim

    t = np.linspace(0, 1, 120)
    path = np.c_[t * 800, np.sin(t * 6) * 60]
    rng = np.random.default_rng(3)
    other = path[::2] + rng.normal(0, 3, (60, 2))  # half the points, GPS noise of 3 m
    assert sim._proportional_walk_within(path, other, 40.0)
    assert not sim._proportional_walk_within(path, other[::-1], 40.0)  # the other way round


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)),
              elements=st.floats(-5e6, 5e6, allow_nan=False)), st.sampled_from([10.0, 37.5, 100.0, 250.0]))
def test_cells_around_is_the_set_of_neighbouring_cells(xy, cell_m):
    from trailtech.season.match import _cells_around

    cells = np.unique(np.floor(xy / cell_m).astype(np.int64), axis=0)
    expected = {(int(a) + da, int(b) + db) for a, b in cells for da in (-1, 0, 1) for db in (-1, 0, 1)}
    assert _cells_around(xy, cell_m) == expected
