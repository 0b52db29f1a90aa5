"""The faster order statistics and filters give exactly the answers of the code they replace.

``stats.median`` against ``numpy.median``; the sorted-window quantiles and medians against
pandas' rolling ones; ``running_range`` / ``running_median_at`` against the full sliding
window; and the range-gated ``invalid_elevation_mask`` / ``clean_cadence`` against their
previous formulas (every sample compared with the full running median), all bit for bit.
"""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.lib.stride_tricks import sliding_window_view
from pandas.api.indexers import BaseIndexer

from trailtech.processing.cadence import clean_cadence
from trailtech.processing.elevation import invalid_elevation_mask
from trailtech.processing.filters import fill_nan, running_median, running_median_at, running_range
from trailtech.processing.stats import median, sorted_windows, window_median, window_quantile

# Values with ties, signed zeros, subnormals and NaN: where a median's arithmetic shows.
_tricky = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, 3.0, 5e-324, -5e-324, 1e-300, np.nan])
_floats = st.one_of(st.floats(-1e6, 1e6), _tricky)
_finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


def _same(a, b) -> bool:
    return np.asarray(a).tobytes() == np.asarray(b).tobytes() and type(a) is type(b)


@settings(max_examples=400, deadline=None)
@given(arrays(float, st.integers(1, 60), elements=_floats))
def test_median_is_numpy_median_bit_for_bit(x):
    assert _same(median(x), np.median(x))


def test_median_of_empty_or_other_dtypes_falls_back_to_numpy():
    assert median(np.arange(5)) == np.median(np.arange(5))
    assert median(np.ones((2, 2))) == np.median(np.ones((2, 2)))


class _Bounds(BaseIndexer):
    def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
        return self.start, self.end


@settings(max_examples=200, deadline=None)
@given(data=st.data(), window=st.integers(1, 35), q=st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]))
def test_window_quantile_and_median_equal_pandas_rolling(data, window, q):
    x = data.draw(arrays(float, st.integers(1, 150),
                         elements=st.one_of(st.floats(-1e3, 1e3),
                                            st.sampled_from([0.0, 1.0, np.nan]))))
    min_periods = data.draw(st.integers(0, window))
    end = np.clip(np.arange(x.size) + 1 + (window - 1) // 2, 0, x.size).astype(np.int64)
    start = np.clip(end - window, 0, x.size).astype(np.int64)
    rolling = pd.Series(x).rolling(_Bounds(start=start, end=end), min_periods=min_periods)
    win, nobs = sorted_windows(x, start, end)
    np.testing.assert_array_equal(window_quantile(win, nobs, q, min_periods=min_periods),
                                  rolling.quantile(q).to_numpy())
    np.testing.assert_array_equal(window_median(win, nobs, min_periods=min_periods),
                                  rolling.median().to_numpy())


@settings(max_examples=200, deadline=None)
@given(data=st.data(), half=st.integers(0, 40))
def test_running_range_and_median_at_equal_the_full_window(data, half):
    window = 2 * half + 1
    x = data.draw(arrays(float, st.integers(1, 300), elements=_finite))
    view = sliding_window_view(np.pad(x, half, mode="edge"), window)
    np.testing.assert_array_equal(running_range(x, window), view.max(axis=1) - view.min(axis=1))
    rows = np.flatnonzero(data.draw(arrays(bool, x.size)))
    np.testing.assert_array_equal(running_median_at(x, window, rows), running_median(x, window)[rows])


def _invalid_reference(h, window, max_dev):
    """invalid_elevation_mask as it was: every sample against the full running median."""
    h = np.asarray(h, float)
    bad = np.isfinite(h) & ((h < -450.0) | (h > 8900.0))
    ok = np.isfinite(h) & ~bad
    if ok.sum() >= 3:
        nonzero = ok & (h != 0.0)
        if nonzero.any() and abs(np.median(h[nonzero])) >= 50.0:
            bad |= ok & (h == 0.0)
    ok = np.isfinite(h) & ~bad
    if ok.sum() >= 3:
        hv = h[ok]
        far = np.abs(hv - running_median(hv, window | 1)) > max_dev
        bad[np.flatnonzero(ok)[far]] = True
    return bad


def _clean_cadence_reference(c, window, thr):
    """clean_cadence as it was: every sample against the full running median."""
    c = np.asarray(c, float).copy()
    ok = np.isfinite(c)
    bad = ok & ((c > 250.0) | (c < 0))
    c[bad] = np.nan
    ok &= ~bad
    if ok.sum() >= 3 and window >= 3:
        med = running_median(fill_nan(c), window | 1)
        spike = ok & (np.abs(c - med) > thr) & (med > 0) & (c > 0)
        c[spike] = np.nan
        bad |= spike
    return c, int(bad.sum())


@settings(max_examples=150, deadline=None)
@given(data=st.data(), window=st.sampled_from([3, 11, 61]), max_dev=st.sampled_from([5.0, 40.0]))
def test_invalid_elevation_mask_equals_full_median_formula(data, window, max_dev):
    n = data.draw(st.integers(1, 400))
    steps = data.draw(arrays(float, n, elements=st.floats(-30, 30)))
    h = 1500.0 + np.cumsum(steps)
    junk = data.draw(arrays(np.int8, n, elements=st.integers(0, 30)))
    h[junk == 1], h[junk == 2], h[junk == 3] = 0.0, -500.0, np.nan
    h[junk == 4] += 300.0
    np.testing.assert_array_equal(invalid_elevation_mask(h, window=window, max_deviation_m=max_dev),
                                  _invalid_reference(h, window, max_dev))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), window=st.sampled_from([3, 7, 8]), thr=st.sampled_from([10.0, 40.0]))
def test_clean_cadence_equals_full_median_formula(data, window, thr):
    n = data.draw(st.integers(1, 300))
    c = 170.0 + np.cumsum(data.draw(arrays(float, n, elements=st.floats(-8, 8))))
    junk = data.draw(arrays(np.int8, n, elements=st.integers(0, 20)))
    c[junk == 1], c[junk == 2], c[junk == 3], c[junk == 4] = 0.0, np.nan, 300.0, -3.0
    c[junk == 5] += 90.0
    got, n_bad = clean_cadence(c, spike_window=window, spike_threshold_spm=thr)
    ref, n_ref = _clean_cadence_reference(c, window, thr)
    np.testing.assert_array_equal(got, ref)
    assert n_bad == n_ref
