"""Climb and descent segmentation on hand-built profiles whose answer is obvious."""

import numpy as np
import pytest

from trailtech.analysis.segments import find_segments, hysteresis, runs, climbs_and_descents
from trailtech.config import AnalysisConfig


def _profile(pieces, step=5.0):
    """Concatenate (length_m, grade) pieces into distance, elevation, grade arrays."""
    g = np.concatenate([np.full(int(L / step), gr) for L, gr in pieces])
    d = np.arange(g.size) * step
    h = 100 + np.r_[0, np.cumsum(g[:-1] * step)]
    return d, h, g


def test_runs_and_hysteresis():
    assert runs(np.array([0, 1, 1, 0, 1], bool)).tolist() == [[1, 3], [4, 5]]
    assert runs(np.zeros(0, bool)).shape == (0, 2)
    g = np.array([0, 0.07, 0.05, 0.04, 0.02, 0.05, 0.07])
    st = hysteresis(g >= 0.06, g < 0.03)
    assert st.tolist() == [False, True, True, True, False, False, True]


def test_single_climb_found_with_right_extent():
    d, h, g = _profile([(300, 0.0), (400, 0.10), (300, 0.0)])
    seg = find_segments(d, h, g, enter_grade=0.06, exit_grade=0.03, min_length_m=100, min_rise_m=15)
    assert len(seg) == 1
    s, e = seg[0]
    assert d[s] == pytest.approx(300, abs=10) and d[e] == pytest.approx(700, abs=10)
    assert h[e] - h[s] == pytest.approx(40, abs=1.5)


def test_short_or_low_climbs_dropped():
    d, h, g = _profile([(300, 0.0), (80, 0.20), (300, 0.0), (200, 0.06), (300, 0)])
    # 80 m is too short; 200 m at 6 % gains only 12 m < 15 m
    seg = find_segments(d, h, g, enter_grade=0.06, exit_grade=0.03, min_length_m=100, min_rise_m=15)
    assert len(seg) == 0


def test_small_dip_merged_but_real_descent_splits():
    d, h, g = _profile([(100, 0), (300, 0.1), (20, -0.05), (300, 0.1), (100, 0)])
    seg = find_segments(d, h, g, enter_grade=0.06, exit_grade=0.03, min_length_m=100, min_rise_m=15)
    assert len(seg) == 1
    d, h, g = _profile([(100, 0), (300, 0.1), (300, -0.1), (300, 0.1), (100, 0)])
    seg = find_segments(d, h, g, enter_grade=0.06, exit_grade=0.03, min_length_m=100, min_rise_m=15)
    assert len(seg) == 2


def test_climbs_and_descents_mirror():
    d, h, g = _profile([(200, 0), (500, 0.12), (100, 0), (600, -0.15), (200, 0)])
    c, de = climbs_and_descents(d, h, g, AnalysisConfig())
    assert len(c) == 1 and len(de) == 1
    assert d[de[0][0]] > d[c[0][1]]
    assert h[de[0][0]] - h[de[0][1]] == pytest.approx(90, abs=2)


def test_nan_elevation_gives_no_segments_and_bad_args_raise():
    d = np.arange(100) * 5.0
    nan = np.full(100, np.nan)
    assert find_segments(d, nan, nan, enter_grade=0.06, exit_grade=0.03,
                         min_length_m=100, min_rise_m=15).shape == (0, 2)
    with pytest.raises(ValueError, match="exit_grade"):
        find_segments(d, d, d, enter_grade=0.03, exit_grade=0.06, min_length_m=1, min_rise_m=1)
    with pytest.raises(ValueError, match="same length"):
        find_segments(d, d[:-1], d, enter_grade=0.06, exit_grade=0.03, min_length_m=1, min_rise_m=1)
