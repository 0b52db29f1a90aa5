"""The numpy running median and Savitzky-Golay filter equal scipy's (which the core no longer
imports), on random inputs; and the processing core does not import scipy.signal/ndimage."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import median_filter as scipy_median_filter
from scipy.signal import savgol_coeffs as scipy_savgol_coeffs
from scipy.signal import savgol_filter as scipy_savgol_filter

from trailtech.processing.filters import fill_nan, running_median, savgol_coeffs, savgol_filter

_finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


def _close(a, b, scale):
    # Float precision relative to the data's magnitude (scipy fits the edges with an
    # uncentred polyfit, we with centred positions: the last bits differ).
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(1.0, scale))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), half=st.integers(0, 40))
def test_running_median_equals_scipy_nearest(data, half):
    window = 2 * half + 1
    n = data.draw(st.integers(1, 400))
    x = data.draw(arrays(float, n, elements=_finite))
    np.testing.assert_array_equal(running_median(x, window), scipy_median_filter(x, size=window, mode="nearest"))


def test_running_median_long_series_crosses_blocks():
    x = np.random.default_rng(3).normal(size=20000).cumsum()
    for window in (5, 61, 301):
        np.testing.assert_array_equal(running_median(x, window), scipy_median_filter(x, size=window, mode="nearest"))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), half=st.integers(0, 30), polyorder=st.integers(0, 4), deriv=st.integers(0, 2),
       delta=st.sampled_from([1.0, 0.5, 5.0]))
def test_savgol_equals_scipy_interp(data, half, polyorder, deriv, delta):
    window = 2 * half + 1
    if polyorder >= window:
        polyorder = window - 1
    n = data.draw(st.integers(window, window + 300))
    x = data.draw(arrays(float, n, elements=_finite))
    ours = savgol_filter(x, window, polyorder, deriv=deriv, delta=delta)
    ref = scipy_savgol_filter(x, window, polyorder, deriv=deriv, delta=delta, mode="interp")
    _close(ours, ref, float(np.max(np.abs(x))) * window**deriv / delta**deriv)


@pytest.mark.parametrize("window,polyorder,deriv", [(5, 2, 0), (41, 2, 0), (31, 1, 1), (11, 3, 2)])
def test_savgol_coeffs_equal_scipy(window, polyorder, deriv):
    ref = scipy_savgol_coeffs(window, polyorder, deriv=deriv, use="dot")
    np.testing.assert_allclose(savgol_coeffs(window, polyorder, deriv=deriv), ref, atol=1e-12)


def test_savgol_reproduces_polynomials_exactly_including_edges():
    x = np.arange(200, dtype=float)
    quad = 3.0 + 0.5 * x - 0.01 * x**2
    np.testing.assert_allclose(savgol_filter(quad, 41, 2), quad, atol=1e-9)
    np.testing.assert_allclose(savgol_filter(quad, 41, 2, deriv=1, delta=2.0), (0.5 - 0.02 * x) / 2.0, atol=1e-9)


def test_filters_reject_bad_arguments():
    x = np.zeros(10)
    with pytest.raises(ValueError, match="window"):
        running_median(x, 4)
    with pytest.raises(ValueError, match="window"):
        savgol_filter(x, 4, 2)
    with pytest.raises(ValueError, match="polyorder"):
        savgol_filter(x, 5, 5)
    with pytest.raises(ValueError, match="exceed"):
        savgol_filter(x, 11, 2)
    with pytest.raises(ValueError, match="delta"):
        savgol_filter(x, 5, 2, deriv=1, delta=0.0)


def test_filters_are_fast_on_a_three_hour_run():
    x = np.random.default_rng(0).normal(size=3 * 3600).cumsum()
    running_median(x, 61), savgol_filter(x, 41, 2)  # warm the coefficient cache
    t0 = time.perf_counter()
    for _ in range(10):
        running_median(x, 61)
        savgol_filter(x, 41, 2)
    assert (time.perf_counter() - t0) / 10 < 0.02


def test_prepare_does_not_import_scipy_signal_or_ndimage():
    # Run prepare() on a hilly track with noise (every filter runs), in a fresh interpreter.
    code = (
        "import sys, warnings; import numpy as np; from tests.conftest import make_track;"
        "from trailtech.prepare import prepare;"
        "tr = make_track(900, grade=0.08);"
        "tr.samples['elevation_m'] += np.random.default_rng(0).normal(0, 3, 900);"
        "warnings.simplefilter('ignore'); p = prepare(tr); assert p.summary.ascent_m > 0;"
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.signal', 'scipy.ndimage', 'scipy.stats'))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "[]"


def test_fill_nan_bridges_gaps_and_holds_the_ends():
    v = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(fill_nan(v), [1.0, 1.0, 2.0, 3.0, 4.0, 4.0])
    assert np.isnan(v).sum() == 4  # the input is left alone
    none = np.full(3, np.nan)
    out = fill_nan(none)
    assert np.isnan(out).all() and out is not none
