"""Issue 14 item 5: the descent parts give the same answer however the watch recorded."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from trailtech.analysis import descent as dsc
from trailtech.analysis.baseline import RunningBaseline, flat_stride_m, running_baseline
from trailtech.analysis.gait import classify_gait, row_dt_s
from trailtech.analysis.stretch import flat_stride_near_m, score_stretch
from trailtech.config import AnalysisConfig
from trailtech.prepare import prepare
from trailtech.simulate.skill import simulate_descent
from trailtech.timeline import GAIT_HIKE, GAIT_RUN


def _baseline(speed_mps, stride_m) -> RunningBaseline:
    return RunningBaseline(has_cadence=True, flat_cadence_spm=170.0, flat_cadence_band=0.02,
                           flat_speed_mps=3.0, expected_speed_mps=None,
                           stride_speed_mps=np.asarray(speed_mps, float), stride_m=np.asarray(stride_m, float))


def test_flat_stride_reference_moves_continuously_with_speed():
    # Flat running at 2.5 m/s (0.9 m steps) and 4.0 m/s (1.3 m), a few rows at 3.3 m/s.
    v = np.r_[np.full(200, 2.5), np.full(20, 3.3), np.full(200, 4.0)]
    s = np.r_[np.full(200, 0.9), np.full(20, 1.1), np.full(200, 1.3)]
    b = _baseline(v, s)
    # The fixed +-0.3 m/s band with its all-rows fallback jumps for a 0.02 m/s change ...
    assert flat_stride_m(b, 2.79) == pytest.approx(0.9)
    assert flat_stride_m(b, 2.81) == pytest.approx(1.1)
    # ... the nearest rows in speed do not.
    assert flat_stride_near_m(b, 2.79) == pytest.approx(flat_stride_near_m(b, 2.81))
    assert flat_stride_near_m(b, 2.6) == pytest.approx(0.9)
    assert flat_stride_near_m(b, 3.9) == pytest.approx(1.3)
    assert flat_stride_near_m(_baseline(v[:20], s[:20]), 3.0) is None
    assert flat_stride_near_m(b, float("nan")) is None


def test_stride_reference_is_taken_at_the_running_speed_not_the_walk_diluted_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = simulate_descent(0, control=True, terrain="smooth")
        cfg = AnalysisConfig()
        p = prepare(run.track, cfg)
    tl = p.timeline.with_gait(classify_gait(p.timeline, cfg).codes)
    sec = [s for s in run.truth.sections if s.kind != "flat"]
    a_m, b_m = sec[0].start_m + 50, sec[-1].end_m - 50
    rows = tl.rows(a_m, b_m)
    # Over half of the descent walked at half the speed.
    gait = tl.gait.copy()
    v = tl.speed_mps.copy()
    walk = np.arange(rows.start, rows.start + 11 * (rows.stop - rows.start) // 20)
    gait[walk] = GAIT_HIKE
    v[walk] *= 0.5
    tl = dataclasses.replace(tl, gait=gait, speed_mps=v)
    base = running_baseline(tl, cfg, has_cadence=True)
    # Flat steps that lengthen with speed: 0.3 s x speed.
    speeds = np.linspace(1.0, 5.0, 400)
    base = dataclasses.replace(base, stride_speed_mps=speeds, stride_m=0.3 * speeds)
    row = score_stretch(tl, rows, base, cfg, start_m=a_m, end_m=b_m, row_dt_s=row_dt_s(tl.elapsed_s))
    run_rows = (tl.gait[rows] == GAIT_RUN) & np.isfinite(tl.speed_mps[rows])
    v_run = float(np.median(tl.speed_mps[rows][run_rows]))
    step = v_run / (row["cadence_spm"] / 60.0)
    assert row["stride_ratio"] == pytest.approx(step / flat_stride_near_m(base, v_run), rel=1e-9)
    assert row["stride_ratio"] == pytest.approx(step / (0.3 * v_run), rel=0.03)


def test_midmean_is_continuous_where_the_median_of_whole_steps_jumps():
    base = np.r_[np.full(50, 170.0), np.full(50, 172.0)]
    # One sample moving from one side of the middle to the other moves the median by a whole
    # 2 spm step; the interquartile mean by 1/50 of it.
    a, b = np.r_[base, 170.0], np.r_[base, 172.0]
    assert np.median(b) - np.median(a) == pytest.approx(2.0)
    assert dsc.midmean(b) - dsc.midmean(a) < 0.1
    assert dsc.midmean(np.r_[np.full(20, 170.0), 40.0, 250.0]) == pytest.approx(170.0)
    assert np.isnan(dsc.midmean(np.array([np.nan])))


def test_steadiness_reference_is_the_median_of_minute_blocks():
    rng = np.random.default_rng(1)
    # Two descents at different cadence levels, each steady within itself: the level change
    # between them is not unsteadiness.
    c = np.r_[170 + rng.normal(0, 1, 300), np.full(50, np.nan), 180 + rng.normal(0, 1, 300)]
    rows = np.isfinite(c)
    ref = dsc.steadiness_reference_cv(c, rows, block_rows=60)
    assert ref < 0.005
    assert dsc.cadence_steadiness_cv(c, rows) > 4 * ref
    assert np.isnan(dsc.steadiness_reference_cv(c, np.zeros(c.size, bool)))


def test_short_stretch_steadiness_leans_on_the_runners_own_reference():
    rng = np.random.default_rng(2)
    n = 40
    c = 170 + np.repeat(rng.normal(0, 6, n // 5), 5)  # an unsteady 40 s stretch
    kw = dict(moving=np.ones(n, bool), running=np.ones(n, bool), length_m=120.0, drop_m=20.0,
              flat_cadence_spm=168.0)
    own = dsc.descent_metrics(np.full(n, 3.0), c, **kw).cadence_cv
    ref = 0.01
    m = dsc.descent_metrics(np.full(n, 3.0), c, cadence_cv_reference=ref, cadence_cv_prior_rows=50.0, **kw)
    assert m.cadence_cv == pytest.approx((n * own + 50 * ref) / (n + 50))
    # A long stretch stands on its own.
    c_long = np.tile(c, 20)
    kw_long = dict(kw, moving=np.ones(20 * n, bool), running=np.ones(20 * n, bool))
    own_long = dsc.descent_metrics(np.full(20 * n, 3.0), c_long, **kw_long).cadence_cv
    m_long = dsc.descent_metrics(np.full(20 * n, 3.0), c_long, cadence_cv_reference=ref,
                                 cadence_cv_prior_rows=50.0, **kw_long).cadence_cv
    assert abs(m_long - own_long) < 0.06 * abs(own_long - ref)


def _stretch(**kw):
    row = dict(start_m=0.0, end_m=200.0, length_m=200.0, drop_m=30.0, avg_grade_pct=-15.0,
               control_score=30.0, technicality=0.7, time_lost_s=20.0, start_lat=45.0, start_lon=6.0,
               end_lat=45.0, end_lon=6.001, braking_per_100m=0.0)
    row.update(kw)
    return row


def test_practice_priority_moves_continuously_across_the_old_cut_offs():
    import pandas as pd

    from trailtech.analysis import practice as pr

    for key, a, b in [("control_score", 59.9, 60.1), ("technicality", 0.499, 0.501),
                      ("avg_grade_pct", -10.01, -9.99), ("length_m", 59.9, 60.1)]:
        p = pr.practice_priority(pd.DataFrame([_stretch(**{key: a}), _stretch(**{key: b})]))
        assert p[0] > 0.1 and p[1] > 0.1, key
        assert abs(p[0] - p[1]) < 0.02, key
    # The old filter dropped the stretch at 60.1 and kept the one at 59.9.
    c = pr.select_candidates(pd.DataFrame([_stretch(control_score=59.9, start_m=0.0),
                                           _stretch(control_score=60.1, start_m=500.0)]))
    assert sorted(c["start_m"]) == [0.0, 500.0]
    assert c["priority"].is_monotonic_decreasing
    # Far from practice: no priority.
    p = pr.practice_priority(pd.DataFrame([_stretch(control_score=90.0), _stretch(technicality=0.1),
                                           _stretch(avg_grade_pct=-4.0), _stretch(length_m=30.0)]))
    assert (p == 0).all()


def test_practice_list_shows_the_top_candidates():
    import pandas as pd

    from trailtech.analysis import practice as pr

    rows = [_stretch(start_m=1000.0 * k, end_m=1000.0 * k + 200, control_score=40.0 + 3 * k,
                     start_lat=45.0 + 0.01 * k, end_lat=45.0 + 0.01 * k) for k in range(8)]
    c = pr.select_candidates(pd.DataFrame(rows), top_n=5)
    assert c["start_m"].tolist() == [0.0, 1000.0, 2000.0, 3000.0, 4000.0]
    assert c["rank"].tolist() == [1, 2, 3, 4, 5]


def test_best_windows_offers_each_technical_stretch_of_a_long_descent():
    from trailtech.analysis import practice as pr

    d = np.arange(0, 1500, 1.0)
    t = np.where((d > 100) & (d < 500), 0.6, 0.2) + np.where((d > 900) & (d < 1300), 0.59, 0.0)
    w = pr.best_windows(d, t, 0, 1500, 400)
    assert len(w) == 3
    assert any(abs(a - 100) <= 10 for a, _ in w) and any(abs(a - 900) <= 10 for a, _ in w)
    assert all(b - a <= 400 + 1e-9 for a, b in w)
    assert all(w[i][1] <= w[i + 1][0] for i in range(len(w) - 1))
    assert pr.best_windows(d, t, 0, 300, 400) == [(0.0, 300.0)]


def _metrics(n_rows: int, cv: float = 0.04, surges: int = 2, length_m: float = 200.0):
    return dsc.DescentMetrics(cadence_spm=172.0, cadence_delta_spm=0.0, cadence_cv=cv, speed_cv=0.1,
                              stride_ratio=1.05, braking_surges=surges, surges_per_100m=100.0 * surges / length_m,
                              sample_interval_s=1.0, mean_grade=-0.12, cadence_rows=n_rows, length_m=length_m)


def test_control_score_standard_error_shrinks_with_the_data():
    short = dsc.control_score(_metrics(60), technicality=0.3)
    long = dsc.control_score(_metrics(960, length_m=3200.0, surges=32), technicality=0.3)
    assert short.score == pytest.approx(long.score, abs=1e-9)
    assert short.se > 2.5 * long.se > 0
    # Each part's error moves the score through its ramp: a part saturated far from its anchors
    # adds nothing.
    steady = dsc.control_score(_metrics(600, cv=0.005, surges=0, length_m=2000.0), technicality=0.3)
    assert steady.se < 1.0
    assert np.isnan(dsc.control_score(dsc.DescentMetrics()).se)
    assert short.columns()["control_score_se"] == short.se


def _stepped_stream(n_rows: int, *, fix_every: int = 7, filler_m: float = 0.7, burst_m: float = 7.0):
    """Steps [m] of a 1 s stream that takes a GPS fix every ``fix_every`` s and extrapolates a
    short ``filler_m`` step in the seconds between (as a real exported GPX does)."""
    s = np.full(n_rows, filler_m)
    s[fix_every - 1::fix_every] = burst_m
    s[0] = np.nan
    return s


def test_stepped_distance_stream_updates_at_its_fixes_only():
    rows = np.ones(210, bool)
    assert dsc.stepped_update_interval_s(_stepped_stream(210), rows) == pytest.approx(7.0)
    # A genuine 1 s stream (steps vary a little every second) and a sparse one linearly
    # interpolated between samples 8 s apart (constant steps between them) are not stepped:
    # their samples are their fixes.
    rng = np.random.default_rng(3)
    genuine = 3.0 + 0.3 * rng.standard_normal(210)
    sparse = np.repeat(3.0 + 0.5 * rng.standard_normal(27), 8)[:210]
    assert np.isnan(dsc.stepped_update_interval_s(genuine, rows))
    assert np.isnan(dsc.stepped_update_interval_s(sparse, rows))


def test_braking_from_a_stepped_position_stream_is_not_measured():
    # 1 s rows differenced from a stream with a real fix every 7 s: the speed dips at every
    # fix (the runner's cadence wavers too), which the 1 s data counted as braking surges.
    n = 210
    steps = _stepped_stream(n)
    v = np.convolve(np.nan_to_num(steps, nan=0.7), np.ones(3) / 3, mode="same") + 1.5
    cad = np.where(np.arange(n) % 7 >= 5, 165.0, 175.0)
    kw = dict(length_m=float(np.nansum(steps)), drop_m=60.0, flat_cadence_spm=170.0,
              grade=np.full(n, -0.2))
    moving = running = np.ones(n, bool)
    old = dsc.descent_metrics(v, cad, moving, running, **kw)
    assert old.braking_surges > 0 and "braking" in dsc.control_score(old).used
    m = dsc.descent_metrics(v, cad, moving, running, distance_step_m=steps, **kw)
    assert m.speed_update_interval_s == pytest.approx(7.0)
    cs = dsc.control_score(m)
    assert cs.not_measured == ("braking",) and "braking" not in cs.used and cs.renormalised
    # The same dips from a genuine 1 s stream (a new fix every second) stay measured.
    genuine = dsc.descent_metrics(v, cad, moving, running, distance_step_m=v.copy(), **kw)
    assert np.isnan(genuine.speed_update_interval_s)
    assert "braking" in dsc.control_score(genuine).used


def test_speed_variation_of_a_stepped_stream_is_read_over_its_updates():
    # A runner whose speed swings 1.1-1.9 m/s over 90 s, recorded as a stream with a real fix
    # every 7 s and short filler steps between: row by row the fillers dominate (read as
    # perfectly steady) and the bursts are outliers; over the update interval the speed
    # variation is the runner's.
    n = 420
    true_mps = 1.5 + 0.4 * np.sin(2 * np.pi * np.arange(n) / 90.0)
    dist = np.cumsum(true_mps)
    steps = np.full(n, 0.3)
    steps[7::7] = dist[7::7] - dist[:-7:7] - 6 * 0.3
    steps[0] = np.nan
    v = np.convolve(np.nan_to_num(steps, nan=0.3), np.ones(3) / 3, mode="same")
    kw = dict(length_m=float(np.nansum(steps)), drop_m=60.0, flat_cadence_spm=170.0,
              grade=np.full(n, -0.2))
    ones, cad = np.ones(n, bool), np.full(n, 172.0)
    truth = dsc.robust_cv(true_mps)
    row_by_row = dsc.descent_metrics(v, cad, ones, ones, **kw)
    stepped = dsc.descent_metrics(v, cad, ones, ones, distance_step_m=steps, **kw)
    assert stepped.speed_update_interval_s == pytest.approx(7.0, abs=0.2)
    assert abs(row_by_row.speed_cv - truth) > 0.2
    assert stepped.speed_cv == pytest.approx(truth, abs=0.03)


def test_sparse_cadence_leans_on_the_reference_by_its_independent_samples():
    # 100 s of running: cadence recorded every second, and the same run's cadence recorded
    # every 10 s (linearly interpolated between samples on the 1 Hz grid, as prepare does).
    rng = np.random.default_rng(5)
    n = 100
    dense = 170 + rng.normal(0, 4, n)
    t = np.arange(n)
    sparse = np.interp(t, t[::10], dense[::10])
    kw = dict(moving=np.ones(n, bool), running=np.ones(n, bool), length_m=300.0, drop_m=40.0,
              flat_cadence_spm=168.0, cadence_cv_reference=0.02, cadence_cv_prior_rows=50.0)
    # At 1 s the stretch weighs its rows against the prior's 50 rows ...
    w1 = dsc.descent_metrics(np.full(n, 3.0), dense, **kw).cadence_cv_weight
    assert w1 == pytest.approx(n / (n + 50.0))
    # ... sampled every 10 s it holds 10 independent samples against the prior's 10 (50 s at
    # 5 s per independent sample): half the weight, not the 1 s stretch's 2/3.
    m = dsc.descent_metrics(np.full(n, 3.0), sparse, **kw)
    assert m.cadence_cv_weight == pytest.approx(0.5, abs=0.03)
