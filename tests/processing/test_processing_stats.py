"""The shared statistics (trailtech.processing.stats) against their definitions.

Each reference below is the definition written out plainly (the code the analyses carried
before the statistics moved into one module): the shared functions must give the same answers,
bit for bit where the analyses' results depend on it.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from trailtech.processing import stats

finite = st.floats(-1e3, 1e3, allow_subnormal=False)
positive = st.floats(0.01, 1e3, allow_subnormal=False)


def _weighted_median_reference(x, w):
    """The first value of sorted ``x`` where the cumulative weight reaches half the total."""
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][int(np.searchsorted(cw, 0.5 * cw[-1]))])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_weighted_median_is_the_half_weight_crossing(data):
    n = data.draw(st.integers(1, 60))
    # Repeated values (ties) and repeated weights (exact half sums) are the hard cases.
    x = data.draw(arrays(float, n, elements=st.one_of(finite, st.sampled_from([0.5, 1.0, 2.0]))))
    w = data.draw(arrays(float, n, elements=st.one_of(positive, st.sampled_from([1.0, 2.0, 0.0]))))
    if not w.sum() > 0:
        assert np.isnan(stats.weighted_median(x, w))
        return
    assert stats.weighted_median(x, w) == _weighted_median_reference(x, w)


def test_weighted_median_known_answers():
    x = np.array([3.0, 1.0, 2.0])
    assert stats.weighted_median(x, np.ones(3)) == 2.0
    # Half the weight exactly reached at a value: that value (not the mean with the next).
    assert stats.weighted_median(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == 1.0
    assert stats.weighted_median(x, np.array([0.0, 0.0, 5.0])) == 2.0
    assert stats.weighted_median(x, np.array([10.0, 1.0, 1.0])) == 3.0
    assert np.isnan(stats.weighted_median(x, np.zeros(3)))
    with pytest.raises(ValueError):
        stats.weighted_median(x, np.array([1.0, -1.0, 1.0]))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_binned_weighted_median_is_the_median_of_each_bin(data):
    n = data.draw(st.integers(0, 80))
    edges = np.arange(0.0, 0.6 + 0.0125, 0.025)
    g = data.draw(arrays(float, n, elements=st.floats(-0.1, 0.7)))
    y = data.draw(arrays(float, n, elements=st.one_of(positive, st.sampled_from([1.0, 2.0]))))
    w = data.draw(arrays(float, n, elements=st.one_of(positive, st.just(0.0))))
    weight, med = stats.binned_weighted_median(g, y, w, edges)
    b = np.clip(np.digitize(g, edges) - 1, 0, edges.size - 2)
    assert weight.shape == med.shape == (edges.size - 1,)
    for i in range(edges.size - 1):
        sel = b == i
        np.testing.assert_allclose(weight[i], w[sel].sum(), rtol=1e-12)
        if w[sel].sum() > 0:
            assert med[i] == _weighted_median_reference(y[sel], w[sel])
        else:
            assert np.isnan(med[i])


def _pav_reference(y, w):
    """Weighted non-increasing least squares by brute force over the pooled blocks."""
    from scipy.optimize import isotonic_regression

    return isotonic_regression(y, weights=w, increasing=False).x


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_isotonic_decreasing_is_the_weighted_least_squares_fit(data):
    n = data.draw(st.integers(0, 40))
    y = data.draw(arrays(float, n, elements=st.one_of(finite, st.sampled_from([0.0, 1.0]))))
    w = data.draw(arrays(float, n, elements=positive))
    fit = stats.isotonic_decreasing(y, w)
    assert fit.shape == y.shape
    assert np.all(np.diff(fit) <= 0)
    if n:
        np.testing.assert_allclose(fit, _pav_reference(y, w), rtol=1e-9, atol=1e-9)
        # Pooling keeps the weighted mean.
        np.testing.assert_allclose(np.sum(w * fit), np.sum(w * y), rtol=1e-9, atol=1e-6)


def test_isotonic_decreasing_keeps_values_it_does_not_pool_exactly():
    # A value left alone is the value itself, not (y·w)/w (which may differ in its last bit).
    y = np.array([0.9, 0.5, 0.7, 0.2])
    w = np.array([0.3, 1.0, 1.0, 3.0])
    assert (0.9 * 0.3) / 0.3 != 0.9 and (0.2 * 3.0) / 3.0 != 0.2
    fit = stats.isotonic_decreasing(y, w)
    assert fit.tolist() == [0.9, (0.5 + 0.7) / 2.0, (0.5 + 0.7) / 2.0, 0.2]


def test_mad_sigma_and_tricube_known_answers():
    assert stats.mad_sigma(np.array([1.0, 2.0, 3.0, 4.0, 100.0])) == pytest.approx(1.4826)
    assert stats.mad_sigma(np.full(7, 5.0)) == 0.0
    u = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    np.testing.assert_array_equal(stats.tricube(u), [0.0, 0.0, (1 - 0.125) ** 3, 1.0, (1 - 0.125) ** 3, 0.0, 0.0])


def _huber_reference(x, y, w, k=1.345, iterations=20):
    """The robust line as specified: IRLS with numpy.polyfit, stopped by numpy.allclose."""
    w = w / np.mean(w)
    rw = np.ones_like(y)
    coef = np.polyfit(x, y, 1, w=np.sqrt(w))
    exact = 1e-9 * (1.0 + float(np.abs(y).max()))
    for _ in range(iterations):
        r = y - np.polyval(coef, x)
        scale = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        if not scale > exact:
            break
        u = np.abs(r) / (k * scale)
        rw = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12))
        new = np.polyfit(x, y, 1, w=np.sqrt(w * rw))
        done = np.allclose(new, coef, rtol=1e-9, atol=1e-9)
        coef = new
        if done:
            break
    return coef


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_huber_line_is_irls_over_polyfit(data):
    n = data.draw(st.integers(3, 60))
    # Grades [fraction], VAM [m/h] and duration weights, as the crossover fit sees them;
    # signed zeros included (polyfit turns -0.0 into +0.0 before solving).
    x = data.draw(arrays(float, n, elements=st.one_of(st.floats(-1, 1, allow_subnormal=False),
                                                     st.sampled_from([-0.0, 0.0]))))
    y = data.draw(arrays(float, n, elements=st.floats(-5e3, 5e3, allow_subnormal=False)))
    w = data.draw(arrays(float, n, elements=st.floats(0.01, 10)))
    if np.ptp(x) < 1e-6:
        return  # rank-deficient: polyfit warns (an error here), covered below
    coef, cov = stats.huber_line(x, y, w)
    assert coef.tobytes() == _huber_reference(x, y, w).tobytes()
    assert cov.shape == (2, 2)


def test_huber_line_recovers_a_line_through_outliers_and_warns_when_rank_deficient():
    x = np.linspace(0.0, 0.3, 40)
    y = 2000.0 * x + 100.0
    y[::7] += 800.0
    coef, cov = stats.huber_line(x, y, np.ones(40))
    np.testing.assert_allclose(coef, [2000.0, 100.0], rtol=1e-3)
    exact, cov0 = stats.huber_line(x, 2000.0 * x + 100.0, np.ones(40))
    np.testing.assert_allclose(cov0, 0.0, atol=1e-6)
    with pytest.warns(np.exceptions.RankWarning):
        stats.huber_line(np.ones(5), np.arange(5.0), np.ones(5))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_allclose_is_numpy_allclose(data):
    ref = data.draw(arrays(float, 2, elements=st.floats(-5e3, 5e3, allow_subnormal=False)))
    other = ref + data.draw(arrays(float, 2, elements=st.sampled_from([0.0, 1e-12, 1e-8, np.nan, np.inf])))
    with np.errstate(invalid="ignore"):
        assert stats._allclose(other, ref, tol=1e-9) == np.allclose(other, ref, rtol=1e-9, atol=1e-9)


@given(st.lists(st.tuples(st.integers(0, 6), finite), min_size=1, max_size=50))
def test_bin_mean_is_the_mean_of_each_bin(rows):
    b = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    with np.errstate(invalid="ignore"):
        got = stats.bin_mean(b, v)
    assert got.size == b.max() + 1
    for i in range(got.size):
        if (b == i).any():
            np.testing.assert_allclose(got[i], np.mean(v[b == i]), rtol=1e-9, atol=1e-9)
        else:
            assert np.isnan(got[i])
