"""The filters' edge rules and known answers, the outlier tests that use them, and the light import.

These pin what the callers rely on: end values repeated for the running median, windows clipped
at the ends for the running range, polynomial-fit ends for Savitzky-Golay equal to scipy's,
NaN bridged by :func:`fill_nan` first.
"""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from trailtech.processing.cadence import clean_cadence
from trailtech.processing.elevation import invalid_elevation_mask
from trailtech.processing.filters import (
    fill_nan,
    running_median,
    running_median_at,
    running_range,
    savgol_filter,
)

_finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


def _windows(x: np.ndarray, window: int) -> list[np.ndarray]:
    """Each sample's centred window, clipped at the ends."""
    half = window // 2
    return [x[max(0, i - half): i + half + 1] for i in range(x.size)]


def test_filters_return_arrays_the_caller_may_write_to():
    x = np.arange(50.0)
    for out in (running_median(x, 5), running_range(x, 5), savgol_filter(x, 5, 2)):
        assert out.flags.writeable


def test_running_median_known_answer_repeats_the_end_values():
    x = np.array([5.0, 1.0, 9.0, 2.0, 7.0])
    # Padded as [5, 5, 1, 9, 2, 7, 7]: the ends are the medians of (5, 5, 1) and (2, 7, 7).
    np.testing.assert_array_equal(running_median(x, 3), [5.0, 5.0, 2.0, 7.0, 7.0])
    np.testing.assert_array_equal(running_median(x, 1), x)
    assert running_median(np.zeros(0), 5).size == 0


@settings(max_examples=100, deadline=None)
@given(data=st.data(), half=st.integers(0, 20))
def test_running_median_is_the_median_of_the_edge_padded_window(data, half):
    window = 2 * half + 1
    x = data.draw(arrays(float, st.integers(1, 120), elements=_finite))
    padded = np.pad(x, half, mode="edge")
    ref = [np.median(padded[i:i + window]) for i in range(x.size)]
    np.testing.assert_array_equal(running_median(x, window), ref)
    rows = np.flatnonzero(data.draw(arrays(bool, x.size)))
    np.testing.assert_array_equal(running_median_at(x, window, rows), np.asarray(ref)[rows])


@settings(max_examples=100, deadline=None)
@given(data=st.data(), half=st.integers(0, 20))
def test_running_range_is_max_minus_min_of_the_clipped_window(data, half):
    window = 2 * half + 1
    x = data.draw(arrays(float, st.integers(1, 120), elements=_finite))
    ref = [w.max() - w.min() for w in _windows(x, window)]
    np.testing.assert_array_equal(running_range(x, window), ref)


def test_savgol_reproduces_polynomials_exactly_including_edges():
    x = np.arange(200, dtype=float)
    quad = 3.0 + 0.5 * x - 0.01 * x**2
    np.testing.assert_allclose(savgol_filter(quad, 41, 2), quad, atol=1e-9)
    np.testing.assert_allclose(savgol_filter(quad, 41, 2, deriv=1, delta=2.0), (0.5 - 0.02 * x) / 2.0, atol=1e-9)


@pytest.mark.parametrize("window, polyorder, deriv, delta", [(5, 2, 0, 1.0), (41, 2, 0, 1.0), (21, 3, 1, 5.0), (7, 0, 0, 1.0)])
def test_savgol_equals_scipy_interp_mode(window, polyorder, deriv, delta):
    from scipy.signal import savgol_filter as scipy_savgol

    x = np.cumsum(np.random.default_rng(window).normal(size=300))
    np.testing.assert_allclose(
        savgol_filter(x, window, polyorder, deriv=deriv, delta=delta),
        scipy_savgol(x, window, polyorder, deriv=deriv, delta=delta, mode="interp"),
        rtol=1e-9, atol=1e-9,
    )


def test_savgol_known_answer_at_the_centre_and_the_ends():
    # A 5-point quadratic fit: centre weights (-3, 12, 17, 12, -3) / 35 (Savitzky & Golay 1964,
    # table I); the first two samples take the value of the polynomial fitted to the first window.
    x = np.array([0.0, 0.0, 35.0, 0.0, 0.0, 0.0])
    out = savgol_filter(x, 5, 2)
    assert out[2] == pytest.approx(17.0)
    assert out[3] == pytest.approx(12.0)
    first = np.polyval(np.polyfit(np.arange(5.0), x[:5], 2), [0.0, 1.0])
    np.testing.assert_allclose(out[:2], first, atol=1e-12)


def test_filters_reject_bad_arguments():
    x = np.zeros(10)
    with pytest.raises(ValueError, match="window"):
        running_median(x, 4)
    with pytest.raises(ValueError, match="window"):
        running_range(x, 0)
    with pytest.raises(ValueError, match="1-D"):
        running_median(np.zeros((3, 3)), 3)
    with pytest.raises(ValueError, match="window"):
        savgol_filter(x, 4, 2)
    with pytest.raises(ValueError, match="polyorder"):
        savgol_filter(x, 5, 5)
    with pytest.raises(ValueError, match="exceed"):
        savgol_filter(x, 11, 2)
    with pytest.raises(ValueError, match="delta"):
        savgol_filter(x, 5, 2, deriv=1, delta=0.0)
    with pytest.raises(ValueError, match="deriv"):
        savgol_filter(x, 5, 2, deriv=-1)


def test_fill_nan_bridges_gaps_and_holds_the_ends():
    v = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(fill_nan(v), [1.0, 1.0, 2.0, 3.0, 4.0, 4.0])
    assert np.isnan(v).sum() == 4  # the input is left alone
    none = np.full(3, np.nan)
    out = fill_nan(none)
    assert np.isnan(out).all() and out is not none


def _invalid_reference(h, window, max_dev):
    """invalid_elevation_mask written plainly: every sample against the full running median."""
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
    """clean_cadence written plainly: every sample against the full running median."""
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


@settings(max_examples=100, deadline=None)
@given(data=st.data(), window=st.sampled_from([3, 11, 61]), max_dev=st.sampled_from([5.0, 40.0]))
def test_invalid_elevation_mask_flags_samples_far_from_the_running_median(data, window, max_dev):
    # The mask takes the median only where the window's range is wide (a sample is within its
    # window's range of the median): the same samples as the plain formula, with NaN and junk.
    n = data.draw(st.integers(1, 400))
    steps = data.draw(arrays(float, n, elements=st.floats(-30, 30)))
    h = 1500.0 + np.cumsum(steps)
    junk = data.draw(arrays(np.int8, n, elements=st.integers(0, 30)))
    h[junk == 1], h[junk == 2], h[junk == 3] = 0.0, -500.0, np.nan
    h[junk == 4] += 300.0
    np.testing.assert_array_equal(invalid_elevation_mask(h, window=window, max_deviation_m=max_dev),
                                  _invalid_reference(h, window, max_dev))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), window=st.sampled_from([3, 7, 8]), thr=st.sampled_from([10.0, 40.0]))
def test_clean_cadence_removes_spikes_against_the_running_median(data, window, thr):
    n = data.draw(st.integers(1, 300))
    c = 170.0 + np.cumsum(data.draw(arrays(float, n, elements=st.floats(-8, 8))))
    junk = data.draw(arrays(np.int8, n, elements=st.integers(0, 20)))
    c[junk == 1], c[junk == 2], c[junk == 3], c[junk == 4] = 0.0, np.nan, 300.0, -3.0
    c[junk == 5] += 90.0
    got, n_bad = clean_cadence(c, spike_window=window, spike_threshold_spm=thr)
    ref, n_ref = _clean_cadence_reference(c, window, thr)
    np.testing.assert_array_equal(got, ref)
    assert n_bad == n_ref


def test_import_trailtech_imports_no_scipy_module():
    # scipy is imported inside the functions that use it; the package itself loads none.
    code = "import sys, trailtech; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
