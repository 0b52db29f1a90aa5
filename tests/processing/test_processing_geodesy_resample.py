"""Known-answer and property tests for geodesy and the two grids."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtech.processing import geodesy as geo
from trailtech.processing import resample as rs


def test_haversine_one_degree_of_longitude_on_equator():
    assert geo.haversine_m(0, 0, 0, 1) == pytest.approx(111195.08, rel=1e-6)


def test_step_distances_match_haversine():
    rng = np.random.default_rng(1)
    lat = 45 + np.cumsum(rng.normal(0, 1e-4, 500))
    lon = 6 + np.cumsum(rng.normal(0, 1e-4, 500))
    steps = geo.step_distances_m(lat, lon)
    ref = geo.haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    assert steps[0] == 0
    np.testing.assert_allclose(steps[1:], ref, rtol=1e-4)


def test_step_distances_nan_and_antimeridian():
    s = geo.step_distances_m([0, np.nan, 0, 0], [179.9999, 0, 179.9999, -179.9999])
    assert np.isnan(s[1]) and np.isnan(s[2])
    assert s[3] == pytest.approx(geo.haversine_m(0, 179.9999, 0, -179.9999), rel=1e-6)
    assert s[3] < 30


def test_project_roundtrip():
    lat = np.array([45.0, 45.01, 44.99, np.nan])
    lon = np.array([6.0, 6.02, 5.98, 6.0])
    x, y, lat0, lon0 = geo.project_local(lat, lon)
    la, lo = geo.unproject_local(x, y, lat0_deg=lat0, lon0_deg=lon0)
    np.testing.assert_allclose(la[:3], lat[:3], atol=1e-12)
    np.testing.assert_allclose(lo[:3], lon[:3], atol=1e-12)
    assert np.isnan(x[3])
    with pytest.raises(ValueError, match="same shape"):
        geo.project_local([1, 2], [1])


def test_project_is_metric():
    x, y, _, _ = geo.project_local([45.0, 45.001], [6.0, 6.001], lat0_deg=45.0, lon0_deg=6.0)
    assert y[1] == pytest.approx(111.2, abs=0.2)
    assert x[1] == pytest.approx(78.6, abs=0.2)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e4, 1e4), st.just(float("nan"))), min_size=1, max_size=200))
def test_cumulative_distance_never_decreases(steps):
    cum = geo.cumulative_distance_m(steps)
    assert np.all(np.diff(cum) >= 0)
    assert np.all(np.isfinite(cum))


def test_time_grid_and_gap_mask():
    t = np.array([0, 1, 2, 3, 20, 21, 22.5])
    g = rs.time_grid(t, step_s=1.0)
    np.testing.assert_array_equal(g, np.arange(23))
    gap = rs.gap_mask(t, g, max_gap_s=10)
    assert not gap[:4].any() and gap[4:20].all() and not gap[20:].any()
    with pytest.raises(ValueError, match="step_s"):
        rs.time_grid(t, step_s=0)


def test_interp_never_bridges_long_gaps():
    t = np.array([0.0, 2.0, 4.0, 30.0, 32.0])
    v = np.array([0.0, 2.0, 4.0, 30.0, np.nan])
    g = np.arange(33.0)
    out = rs.interp_on_time_grid(t, v, g, max_gap_s=10)
    np.testing.assert_allclose(out[:5], np.arange(5.0))
    assert np.isnan(out[5:30]).all()
    assert out[30] == 30.0
    assert np.isnan(out[31:]).all()  # beyond the last finite sample


def test_distance_grid_is_uniform():
    g = rs.distance_grid(23.0, step_m=5.0)
    np.testing.assert_allclose(g, [0, 5, 10, 15, 20])
    np.testing.assert_allclose(rs.distance_grid(25.0, step_m=5.0), [0, 5, 10, 15, 20, 25])
    assert rs.distance_grid(0.0, step_m=5.0).tolist() == [0.0]


def test_interp_on_distance_grid_averages_stops():
    d = np.array([0, 10, 10, 10, 20.0])
    h = np.array([0, 1, 2, 3, 4.0])
    out = rs.interp_on_distance_grid(d, h, np.array([0, 5, 10, 15, 20.0]))
    np.testing.assert_allclose(out, [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="non-decreasing"):
        rs.interp_on_distance_grid([0, 2, 1], [0, 0, 0], [0, 1])
