"""Invariants of the analyses (Hypothesis) and the Tables contract of run_analyses."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtech.analysis import descent as dsc
from trailtech.analysis import terrain as tr
from trailtech.analysis.run import run_analyses
from trailtech.analysis.segments import find_segments
from trailtech.analysis.tables import (
    CLIMB_COLUMNS,
    CONTRACT_COLUMNS,
    DESCENT_COLUMNS,
    LINE_PRACTICE_COLUMNS,
    REPEAT_COLUMNS,
)
from trailtech.config import AnalysisConfig
from trailtech.timeline import GAIT_RUN, Profile, Timeline

grades = st.lists(st.floats(-0.4, 0.4, allow_nan=False), min_size=2, max_size=400)


@settings(max_examples=60, deadline=None)
@given(grades, st.floats(0.01, 0.2), st.floats(0.0, 0.2))
def test_segments_never_overlap_and_lie_inside(gs, enter, gap):
    g = np.repeat(np.asarray(gs), 3)
    d = np.arange(g.size) * 5.0
    h = np.r_[0, np.cumsum(g[:-1] * 5.0)]
    exit_ = enter / 2
    seg = find_segments(d, h, g, enter_grade=enter, exit_grade=exit_, min_length_m=20,
                        min_rise_m=1, merge_gap_m=gap * 100)
    assert seg.shape[1] == 2
    if len(seg):
        assert (seg[:, 0] >= 0).all() and (seg[:, 1] < d.size).all()
        assert (seg[:, 1] > seg[:, 0]).all()
        assert (seg[1:, 0] > seg[:-1, 1]).all()
        assert (h[seg[:, 1]] - h[seg[:, 0]] >= 1).all()


speeds = st.lists(st.floats(0.0, 8.0, allow_nan=False), min_size=10, max_size=300)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(speeds, st.floats(60, 220), st.floats(0, 40), st.floats(20, 2000), st.floats(0.5, 300),
       st.one_of(st.none(), st.floats(120, 200)))
def test_control_score_stays_in_0_100(vs, cad0, cad_sd, length, drop, flat):
    v = np.asarray(vs)
    rng = np.random.default_rng(len(vs))
    cad = cad0 + rng.normal(0, cad_sd, v.size)
    n = v.size
    m = dsc.descent_metrics(v, cad, v > 0.3, np.ones(n, bool), length_m=length, drop_m=drop,
                            flat_cadence_spm=flat, expected_speed_mps=np.full(n, 3.0))
    score = dsc.control_score(m).score
    assert 0.0 <= score <= 100.0 or np.isnan(score)
    comps = tr.technicality_components(v, cad, np.full(n, 3.0), v > 0.3,
                                       np.cumsum(v), rng.normal(0, 3, n), np.cumsum(v),
                                       mean_grade=-drop / length)
    t = tr.technicality(comps)
    assert 0.0 <= t <= 1.0 or np.isnan(t)
    along = tr.technicality_along(v, np.full(n, 3.0), v > 0.3, rng.uniform(0, 30, n),
                                  grade=rng.uniform(-0.5, 0.1, n))
    fin = along[np.isfinite(along)]
    assert ((fin >= 0) & (fin <= 1)).all()


def _prepared(n=900, grade=None, cadence=True, elevation=True):
    """A steady run at 3 m/s over flat ground and a -15 % descent (rows 300-600): cadence 172
    on the flat, 178 on the descent (quicker steps downhill, as coached)."""
    t = np.arange(n, dtype=float)
    g = np.where((t > 300) & (t < 600), -0.15, 0.0) if grade is None else grade
    v = np.full(n, 3.0)
    d = np.cumsum(v) - v[0]
    h = 500 + np.r_[0, np.cumsum(g[:-1] * v[:-1])]
    if not elevation:
        h, g = np.full(n, np.nan), np.full(n, np.nan)
    lat = 45 + d / 111_000.0
    cad = np.where(g < -0.05, 178.0, 172.0) if cadence else np.full(n, np.nan)
    timeline = pd.DataFrame({
        "time": pd.Timestamp("2026-06-01T08:00:00Z") + pd.to_timedelta(t, unit="s"),
        "elapsed_s": t, "lat_deg": lat, "lon_deg": np.full(n, 6.0), "distance_m": d,
        "elevation_m": h, "grade_pct": 100 * g, "speed_mps": v, "vertical_speed_mps": g * v,
        "cadence_spm": cad, "heart_rate_bpm": np.full(n, np.nan), "moving": np.ones(n, bool),
        "gap": np.zeros(n, bool), "on_foot": np.ones(n, bool),
    })
    grid = np.arange(0, d[-1], 5.0)
    profile = pd.DataFrame({"distance_m": grid, "elevation_m": np.interp(grid, d, h),
                            "grade_pct": np.interp(grid, d, 100 * g), "elapsed_s": np.interp(grid, d, t)})
    return (Timeline.from_frame(timeline, elevation_source="barometric" if elevation else None),
            Profile.from_frame(profile))


def test_run_analyses_tables_have_contract_columns():
    tl, pf = _prepared()
    tb = run_analyses(tl, pf, AnalysisConfig())
    for key in ("climbs", "descents", "line_practice", "repeats"):
        assert set(CONTRACT_COLUMNS[key]) <= set(getattr(tb, key).columns), key
    assert len(tb.descents) == 1 and len(tb.climbs) == 0
    row = tb.descents.iloc[0]
    assert row.drop_m == pytest.approx(135, abs=5)
    assert row.control_score > 90  # perfectly steady
    assert tb.timeline.gait.shape == (len(tl),) and set(tb.timeline.gait) == {GAIT_RUN}
    assert np.isnan(tb.technicality[:250]).all() and np.isfinite(tb.technicality[350:550]).all()
    assert tb.summary.descent_control_score == pytest.approx(row.control_score)
    assert tb.summary.run_time_s == pytest.approx(len(tl) - 1)
    assert tb.summary.flat_cadence_spm == 172.0 and row.cadence_delta_spm == pytest.approx(6.0)
    # the tables have the registered columns, and internal row indices stay out of them
    for key, cols in (("climbs", CLIMB_COLUMNS), ("descents", DESCENT_COLUMNS),
                      ("line_practice", LINE_PRACTICE_COLUMNS), ("repeats", REPEAT_COLUMNS)):
        if len(getattr(tb, key)):
            assert list(getattr(tb, key).columns) == [c.name for c in cols], key
    assert not {"row_start", "row_stop", "i0", "i1"} & set(tb.descents.columns)
    assert not {"i0", "i1"} & set(tb.hike_run.bouts.columns)


def test_run_analyses_flat_and_no_elevation_give_empty_tables_with_columns():
    tl, pf = _prepared(n=600, grade=np.zeros(600), cadence=False, elevation=False)
    tb = run_analyses(tl, pf, AnalysisConfig())
    for key in ("climbs", "descents", "line_practice", "repeats"):
        df = getattr(tb, key)
        assert len(df) == 0 and set(CONTRACT_COLUMNS[key]) <= set(df.columns), key
    assert tb.summary.descent_control_score is None
    assert tb.hike_run.method == "speed"
    assert any("cadence" in w for w in tb.warnings) and any("elevation" in w for w in tb.warnings)
