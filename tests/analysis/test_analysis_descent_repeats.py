"""Descent metrics, technicality, line practice and repeat matching on hand-built arrays."""

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis import descent as dsc
from trailtech.analysis import practice as pr
from trailtech.analysis import repeats as rp
from trailtech.analysis import terrain as tr


def test_ramp_and_robust_cv():
    assert dsc.ramp([-10, 0, 10], -5, 5).tolist() == [0.0, 0.5, 1.0]
    assert dsc.ramp([0.02, 0.055, 0.1], 0.08, 0.03).tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert dsc.robust_cv(np.full(20, 3.0)) == 0.0
    assert np.isnan(dsc.robust_cv(np.array([1.0, 2.0])))


def test_braking_events_counts_each_surge_once():
    v = np.r_[np.full(10, 3.0), 2.0, 1.8, np.full(10, 3.0), 2.9, 2.8, 2.7, np.full(5, 3.0)]
    ev = dsc.braking_events(v, drop_mps=0.6, window_samples=2)
    assert ev.size == 1  # the slow 0.1 m/s/s fade is not a brake
    assert dsc.braking_events(np.full(50, 3.0)).size == 0
    with pytest.raises(ValueError, match="drop_mps"):
        dsc.braking_events(v, drop_mps=0)


def test_braking_work_known_answer():
    # one drop from 4 to 2 m/s: 1/2 (16 - 4) = 6 J/kg over 100 m
    v = np.r_[np.full(5, 4.0), np.full(5, 2.0)]
    assert dsc.braking_work_j_per_kg_m(v, 100.0) == pytest.approx(0.06)


def test_steady_descent_scores_100_and_choppy_one_low():
    n = 120
    steady = dsc.descent_metrics(np.full(n, 3.5), np.full(n, 176.0), np.ones(n, bool), np.ones(n, bool),
                                 length_m=420, drop_m=60, flat_cadence_spm=170)
    score, parts = dsc.control_score(steady)
    assert score == pytest.approx(100.0) and not parts["renormalised"]
    rng = np.random.default_rng(0)
    v = np.tile(np.r_[np.full(4, 3.5), 2.0, 2.0, 2.6, 3.0], 15)
    cad = 160 + rng.normal(0, 12, v.size)
    choppy = dsc.descent_metrics(v, cad, np.ones(v.size, bool), np.ones(v.size, bool),
                                 length_m=300, drop_m=45, flat_cadence_spm=170)
    s2, _ = dsc.control_score(choppy)
    assert s2 < 30
    assert choppy["braking_events"] == 15


def test_score_renormalises_without_cadence():
    n = 100
    m = dsc.descent_metrics(np.full(n, 3.0), None, np.ones(n, bool), np.ones(n, bool),
                            length_m=300, drop_m=40, flat_cadence_spm=None)
    score, parts = dsc.control_score(m)
    assert score == pytest.approx(100.0) and parts["renormalised"]
    assert np.isnan(parts["s1"]) and np.isnan(parts["s2"])


def test_tortuosity_straight_vs_zigzag():
    d = np.arange(0, 400, 1.0)
    straight = tr.tortuosity_deg_per_m(d, np.zeros_like(d), d)
    assert straight == pytest.approx(0.0, abs=1e-9)
    # 90-degree zigzag every 10 m
    xy = np.cumsum(np.array([[1, 0]] * 10 + [[0, 1]] * 10) * 1.0, axis=0)
    xy = np.vstack([xy + k * np.array([10, 10]) for k in range(20)])
    dd = np.r_[0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    assert tr.tortuosity_deg_per_m(xy[:, 0], xy[:, 1], dd) > 5


def test_technicality_weights_and_range():
    assert tr.technicality({}) != tr.technicality({})  # NaN when nothing known
    hi = {k: b for k, (a, b) in tr.ANCHORS.items()}
    lo = {k: a for k, (a, b) in tr.ANCHORS.items()}
    assert tr.technicality(hi) == pytest.approx(1.0)
    assert tr.technicality(lo) == pytest.approx(0.0)
    assert sum(tr.TECH_WEIGHTS.values()) == pytest.approx(1.0)


def test_expected_speed_uses_the_gap_factor():
    # Strava F(-0.10) = 0.876 -> effort-equivalent speed is v_flat / 0.876
    assert tr.expected_speed_mps(np.array([-0.10]), 3.0)[0] == pytest.approx(3.0 / 0.876)


def test_best_window_and_reasons():
    d = np.arange(0, 1000, 1.0)
    score = np.where((d > 600) & (d < 800), 1.0, 0.0)
    a, b = pr.best_window(d, score, 0, 1000, 200)
    assert a == pytest.approx(600, abs=10) and b - a == pytest.approx(200)
    assert pr.best_window(d, score, 100, 250, 400) == (100, 250)
    why = pr.reasons({"braking_per_100m": 3.2, "cadence_delta_spm": -6.0, "speed_cv": 0.3})
    assert why[:3] == ["3 braking surges per 100 m", "cadence 6 steps/min below your flat cadence",
                       "speed swings ±30%"]


def test_select_candidates_filters_and_ranks():
    base = dict(start_lat=45.0, start_lon=6.0, end_lat=45.0, end_lon=6.0, drop_m=30.0)
    s = pd.DataFrame([
        dict(base, start_m=0, end_m=200, length_m=200, avg_grade_pct=-15, control_score=30, technicality=0.7, time_lost_s=20),
        dict(base, start_m=500, end_m=700, length_m=200, avg_grade_pct=-15, control_score=40, technicality=0.6, time_lost_s=40),
        dict(base, start_m=900, end_m=1100, length_m=200, avg_grade_pct=-15, control_score=90, technicality=0.8, time_lost_s=50),
        dict(base, start_m=1200, end_m=1400, length_m=200, avg_grade_pct=-6, control_score=30, technicality=0.9, time_lost_s=60),
        dict(base, start_m=1500, end_m=2500, length_m=1000, avg_grade_pct=-15, control_score=30, technicality=0.9, time_lost_s=70),
        dict(base, start_m=3000, end_m=3200, length_m=200, avg_grade_pct=-15, control_score=30, technicality=0.1, time_lost_s=80),
    ])
    c = pr.select_candidates(s)
    assert c["start_m"].tolist() == [500, 0]
    assert c["rank"].tolist() == [1, 2]
    assert list(c.columns[:13]) == pr.PRACTICE_COLUMNS
    assert len(pr.select_candidates(s.iloc[:0])) == 0


def test_discrete_frechet_known_answers():
    p = np.c_[np.arange(10.0), np.zeros(10)]
    assert rp.discrete_frechet_m(p, p) == 0.0
    assert rp.discrete_frechet_m(p, p + [0, 3]) == pytest.approx(3.0)
    # reversed order: the start of one must be matched with the end of the other
    assert rp.discrete_frechet_m(p, p[::-1]) == pytest.approx(9.0)
    assert rp.frechet_within(p, p + [0, 3], 3.0) and not rp.frechet_within(p, p[::-1], 8.9)
    h, h95 = rp.hausdorff_one_sided_m(p, p + [0, 2])
    assert h == pytest.approx(2.0) and h95 == pytest.approx(2.0)


def _shuttle(n_passes=4, length=200.0, step=1.0):
    """Down a straight 200 m slope and walk back up, n times, at 1 Hz."""
    xs, hs, ts = [], [], []
    t = 0.0
    for k in range(n_passes):
        down = np.arange(0, length, 3.0 + 0.2 * k)  # faster each pass
        up = np.arange(length, 0, -1.2)
        for seg in (down, up):
            xs.append(seg)
            hs.append(100 - 0.15 * seg)
            ts.append(t + np.arange(seg.size))
            t += seg.size
    x = np.concatenate(xs)
    h = np.concatenate(hs)
    tt = np.concatenate(ts).astype(float)
    # a small lateral offset keeps the up-path distinct in y by 2 m (same trail)
    y = np.zeros_like(x)
    d = np.r_[0, np.cumsum(np.abs(np.diff(x)))]
    return x, y, d, h, tt


def test_find_passes_same_direction_only_and_timed():
    x, y, d, h, t = _shuttle()
    path = rp.resample_path(x, y, d, h, t)
    i1 = int(np.searchsorted(path.distance_m, 195.0))
    passes = rp.find_passes(path, 0, i1)
    assert len(passes) == 4
    durations = [e - s for _, _, s, e in passes]
    assert durations == sorted(durations, reverse=True)  # faster each pass
    reps = rp.find_repeats(path, [(0, i1, "down")])
    assert len(reps) == 1 and len(reps[0]["passes"]) == 4
    assert reps[0]["trend"] == "improving"


def test_trend_rules():
    assert rp.trend([100, 95, 90, 85]) == "improving"
    assert rp.trend([100, 101, 99, 100]) == "steady"
    assert rp.trend([80, 85, 90], [70, 60, 50]) == "worse"
    assert rp.trend([100, 90, 80], [50, 40, 30]) == "steady"  # faster but sloppier
    assert rp.trend([100, 90]) is None


def test_cluster_references_one_cluster_per_stretch_with_median_gates():
    x, y, d, h, t = _shuttle(n_passes=5)
    path = rp.resample_path(x, y, d, h, t)
    # descents detected on each pass, one starting 20 m early (on the approach)
    tops = np.flatnonzero(np.r_[True, np.diff(path.x_m) < 0] & (path.x_m < 3.0))
    refs = []
    for k, top in enumerate(tops[:5]):
        i0 = int(top) + (0 if k else -4)
        i1 = i0 + 38 + (4 if k == 0 else 0)
        refs.append((max(i0, 0), i1, "down"))
    refs.append((refs[0][1] + 2, refs[0][1] + 30, "up"))
    cl = rp.cluster_references(path, refs)
    kinds = sorted(c["kind"] for c in cl)
    assert kinds.count("up") == 1
    big = max(cl, key=lambda c: c["members"])
    assert big["kind"] == "down" and big["members"] >= 4
    # the median start is on the gate, not on the approach of the odd detection
    assert np.hypot(*(big["start_xy"] - path.xy[refs[1][0]])) < 5


def test_find_passes_elevation_gates_and_rejections_reported():
    x, y, d, h, t = _shuttle()
    path = rp.resample_path(x, y, d, h, t)
    i1 = int(np.searchsorted(path.distance_m, 195.0))
    rejected = []
    passes = rp.find_passes(path, 0, i1, rejected=rejected)
    assert len(passes) == 4
    # the walk-backs reach the start gate too but are turned down, with a reason
    assert rejected == [] or all(isinstance(w, str) and w for _, _, w in rejected)
    # a stretch entered once has no repeat
    assert rp.find_passes(path, 0, i1, start_xy=np.array([5000.0, 0.0])) == []


def test_merge_same_stretch_keeps_worst_and_says_how_often():
    base = dict(start_lat=45.0, start_lon=6.0, end_lat=45.001, end_lon=6.0, drop_m=30.0, length_m=200,
                avg_grade_pct=-15, technicality=0.7, reasons=["x"])
    c = pd.DataFrame([
        dict(base, rank=1, start_m=0, end_m=200, control_score=30, time_lost_s=40, repeat_id=0.0, times_run=5),
        dict(base, rank=2, start_m=400, end_m=600, control_score=45, time_lost_s=30, repeat_id=0.0, times_run=5,
             start_lat=45.0003),  # 33 m off: only the repeat joins it
        dict(base, rank=3, start_m=800, end_m=1000, control_score=20, time_lost_s=20, repeat_id=np.nan, times_run=1,
             start_lat=45.01, end_lat=45.011),
        dict(base, rank=4, start_m=1200, end_m=1400, control_score=25, time_lost_s=10, repeat_id=np.nan, times_run=1,
             start_lat=45.01 + 1e-5, end_lat=45.011),  # 1 m from the one before: same stretch
    ])
    m = pr.merge_same_stretch(c)
    assert len(m) == 2 and m["rank"].tolist() == [1, 2]
    first = m.iloc[0]
    assert first.control_score == 30 and first.times_run == 5
    assert first.reasons[-1] == "run 5 times in this session"
    second = m.iloc[1]
    assert second.control_score == 20 and second.times_run == 2
    assert second.reasons[-1] == "run 2 times in this session"
    assert len(pr.merge_same_stretch(c.iloc[:0])) == 0
    with pytest.raises(ValueError, match="gate_radius_m"):
        pr.merge_same_stretch(c, gate_radius_m=0)
