"""Sample normalisation shared by every reader (:mod:`trailtech.io._build`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtech.io._build import build_track, merge_repeated_times


def _pandas_first(times: np.ndarray, data: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame({"time": times, **data})
    return frame.groupby("time", sort=True).first().reset_index()


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(0, 2), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_merge_repeated_times_equals_pandas_groupby_first(steps, seed):
    rng = np.random.default_rng(seed)
    n = len(steps)
    times = (np.cumsum(steps) * 10**9).astype("datetime64[ns]")
    values = rng.normal(size=n)
    values[rng.random(n) < 0.5] = np.nan
    ints = rng.integers(0, 5, size=n)
    merged_times, merged = merge_repeated_times(times, {"x": values, "seg": ints})
    want = _pandas_first(times, {"x": values, "seg": ints})
    np.testing.assert_array_equal(merged_times, want["time"].to_numpy())
    np.testing.assert_array_equal(merged["x"], want["x"].to_numpy())
    np.testing.assert_array_equal(merged["seg"], want["seg"].to_numpy())
    assert merged["seg"].dtype == ints.dtype


def test_repeated_times_keep_the_first_value_present():
    t = np.datetime64("2024-05-01T08:00:00", "ns") + np.array([0, 0, 0, 1, 2, 2]) * 10**9
    ele = np.array([np.nan, 5.0, 6.0, 7.0, np.nan, np.nan])
    hr = np.array([100.0, np.nan, 120.0, np.nan, 90.0, 95.0])
    track = build_track(
        {"lat_deg": np.zeros(6), "lon_deg": np.zeros(6), "elevation_m": ele,
         "heart_rate_bpm": hr, "segment": np.array([0, 0, 1, 1, 1, 1])},
        t,
        source="x",
        fmt="gpx",
    )
    s = track.samples
    assert len(s) == 3 and track.meta.n_records == 6
    np.testing.assert_array_equal(s["elevation_m"], [5.0, 7.0, np.nan])
    np.testing.assert_array_equal(s["heart_rate_bpm"], [100.0, np.nan, 90.0])
    np.testing.assert_array_equal(s["segment"], [0, 1, 1])
    np.testing.assert_array_equal(s["elapsed_s"], [0.0, 1.0, 2.0])
    assert str(s["time"].dtype) == "datetime64[ns, UTC]"
    assert any("3 samples with a repeated timestamp" in w for w in track.meta.warnings)
