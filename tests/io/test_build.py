"""The XML readers' last step (:mod:`trailtech.io._build`): arrays to a Track."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtech.io._build import build_track


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


def _codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    u = np.array(texts, dtype=str)
    width = u.itemsize // 4
    return u.view(np.uint32).reshape(len(texts), width).copy(), np.char.str_len(u)


@settings(max_examples=400, deadline=None)
@given(year=st.integers(1600, 2300), month=st.integers(0, 14), day=st.integers(0, 32),
       hour=st.integers(0, 25), minute=st.integers(0, 61), second=st.integers(0, 61),
       fraction=st.sampled_from(["", ".5", ".123456789"]))
def test_fixed_time_form_admits_only_times_numpy_reads(year, month, day, hour, minute, second, fraction):
    # numpy 2.4 crashes the process (instead of raising) converting a thousand texts one of
    # which it refuses, so the check must pass nothing numpy would refuse: one text at a time
    # it raises safely, which is the reference here.
    from trailtech.io._build import fixed_time_form

    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}"
    try:
        np.array([text]).astype("datetime64[ns]")
        numpy_reads = 1678 < year < 2261
    except ValueError:
        numpy_reads = False
    assert fixed_time_form(*_codes([text])) == numpy_reads, text


def test_fixed_time_form_knows_the_calendar():
    from trailtech.io._build import fixed_time_form

    for text, ok in [("2024-02-29T00:00:00", True), ("2023-02-29T00:00:00", False),
                     ("2000-02-29T00:00:00", True), ("2100-02-29T00:00:00", False),
                     ("2024-04-31T00:00:00", False), ("2024-12-31T23:59:59.999", True),
                     ("2024-13-01T00:00:00", False), ("2024-00-10T00:00:00", False),
                     ("2024-05-13T34:33:28", False), ("2024-05-13T10:33:60", False),
                     ("1678-12-31T00:00:00", False), ("2261-01-01T00:00:00", False)]:
        assert fixed_time_form(*_codes([text])) == ok, text
    # One bad row sends the whole column to the careful path.
    assert not fixed_time_form(*_codes(["2024-05-13T10:33:28"] * 999 + ["2024-05-13T34:33:28"]))
