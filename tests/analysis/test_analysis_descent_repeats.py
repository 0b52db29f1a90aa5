"""Descent metrics, technicality, line practice and repeat matching on hand-built arrays."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
                                 length_m=420, drop_m=60, flat_cadence_spm=170, flat_stride_m=1.2)
    cs = dsc.control_score(steady)
    assert cs.score == pytest.approx(100.0) and not cs.renormalised
    assert cs.used == ("cadence", "cadence_cv", "stride", "braking")
    rng = np.random.default_rng(0)
    v = np.tile(np.r_[np.full(4, 3.5), 2.0, 2.0, 2.6, 3.0], 15)
    # every brake plants the foot: the step rate falls with the speed
    cad = 160 + 10 * (v - 3.5) + rng.normal(0, 2, v.size)
    choppy = dsc.descent_metrics(v, cad, np.ones(v.size, bool), np.ones(v.size, bool),
                                 length_m=300, drop_m=45, flat_cadence_spm=170, flat_stride_m=1.0)
    assert dsc.control_score(choppy).score < 30
    assert choppy.braking_events == 15 and choppy.braking_surges == 15


def test_terrain_forced_slowdowns_with_even_steps_are_not_braking():
    # The same speed profile as a choppy descent, but the cadence holds: the stride takes up
    # the speed changes (control). Braking events (speed drops) stay as a descriptor.
    v = np.tile(np.r_[np.full(4, 3.5), 2.0, 2.0, 2.6, 3.0], 15)
    cad = np.full(v.size, 176.0)
    m = dsc.descent_metrics(v, cad, np.ones(v.size, bool), np.ones(v.size, bool),
                            length_m=300, drop_m=45, flat_cadence_spm=170, flat_stride_m=1.25)
    assert m.braking_events == 15 and m.braking_surges == 0
    assert dsc.control_score(m).score == pytest.approx(100.0)


def test_no_cadence_no_score_but_descriptors():
    n = 100
    m = dsc.descent_metrics(np.full(n, 3.0), None, np.ones(n, bool), np.ones(n, bool),
                            length_m=300, drop_m=40, flat_cadence_spm=None)
    cs = dsc.control_score(m)
    assert np.isnan(cs.score) and cs.used == ()
    assert np.isnan(cs.columns()["points_cadence"]) and cs.columns()["control_parts"] == []
    assert m.speed_cv == pytest.approx(0.0) and m.braking_events == 0


def test_braking_not_measured_at_sparse_sampling():
    # cadence recorded every 8 s, linearly interpolated on the 1 s grid
    t = np.arange(240.0)
    knots = np.arange(0, 241, 8.0)
    cad = np.interp(t, knots, 176 + 3 * np.sin(knots))
    m = dsc.descent_metrics(np.full(t.size, 3.0), cad, np.ones(t.size, bool), np.ones(t.size, bool),
                            length_m=700, drop_m=100, flat_cadence_spm=170, flat_stride_m=1.0)
    assert m.sample_interval_s == pytest.approx(8.0, rel=0.1)
    cs = dsc.control_score(m)
    assert cs.not_measured == ("braking",) and "braking" not in cs.used and cs.renormalised
    assert np.nansum(list(cs.points.values())) == pytest.approx(cs.score)


def test_braking_threshold_scales_with_speed_noise():
    rng = np.random.default_rng(3)
    v = 3.0 + rng.normal(0, 0.4, 300)  # a noisy position-differenced speed
    assert dsc.speed_noise_mps(v) == pytest.approx(0.4 * 0.7, rel=0.35)
    m = dsc.descent_metrics(v, np.full(300, 176.0) + rng.normal(0, 3, 300), np.ones(300, bool),
                            np.ones(300, bool), length_m=900, drop_m=120, flat_cadence_spm=170)
    assert m.braking_threshold_mps > 0.6


def test_stride_target_shortens_with_grade():
    assert dsc.stride_target(-0.05) == pytest.approx(1.10)
    assert dsc.stride_target(-0.15) == pytest.approx(1.0) == dsc.stride_target(-0.30)


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
    # Braking the sampling could not measure is no reason to practise.
    unmeasured = pr.reasons({"braking_per_100m": 3.2, "cadence_delta_spm": -6.0, "not_measured": ["braking"]})
    assert unmeasured == ["cadence 6 steps/min below your flat cadence"]


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
    assert list(c.columns[:14]) == pr.PRACTICE_COLUMNS
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


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 25), m=st.integers(1, 25),
       eps=st.floats(0.5, 60.0))
def test_frechet_decision_matches_exact(seed, n, m, eps):
    rng = np.random.default_rng(seed)
    a = np.cumsum(rng.normal(0, 10, (n, 2)), axis=0)
    b = np.cumsum(rng.normal(0, 10, (m, 2)), axis=0)
    assert rp.frechet_within(a, b, eps) == (rp.discrete_frechet_m(a, b) <= eps)


def test_frechet_catches_reversed_order():
    a = np.column_stack([np.arange(0, 200, 5.0), np.zeros(40)])
    assert rp.frechet_within(a, a + [0, 10], 15)
    assert not rp.frechet_within(a, a[::-1], 40)  # same points, wrong direction


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
    assert len(reps) == 1 and len(reps[0].passes) == 4
    assert rp.trend([p.duration_s for p in reps[0].passes]) == "improving"


def _dtw_brute(t, q, start_ok, end_ok):
    """Subsequence DTW with steps (1,1), (1,2), (2,1) by plain loops (the definition)."""
    m, n = len(t), len(q)
    c = np.hypot(*(t[:, None, :] - q[None, :, :]).transpose(2, 0, 1))
    D = np.full((m, n), np.inf)
    F = np.zeros((m, n), int)
    D[0, start_ok] = c[0, start_ok]
    F[0] = np.arange(n)
    for i in range(1, m):
        for j in range(n):
            cands = [(np.inf, 0)]
            if j >= 1:
                cands.append((D[i - 1, j - 1], F[i - 1, j - 1]))
            if j >= 2:
                cands.append((D[i - 1, j - 2] + c[i, j - 1], F[i - 1, j - 2]))
            if j >= 1 and i >= 2:
                cands.append((D[i - 2, j - 1] + c[i - 1, j], F[i - 2, j - 1]))
            v, f = min(cands, key=lambda x: x[0])
            D[i, j], F[i, j] = c[i, j] + v, f
    ends = [j for j in range(n) if end_ok[j] and np.isfinite(D[-1, j])]
    if not ends:
        return None
    b = min(ends, key=lambda j: D[-1, j])
    return F[-1, b], b, D[-1, b]


def test_subsequence_dtw_equals_the_definition_and_keeps_order():
    rng = np.random.default_rng(4)
    for _ in range(150):
        m, n = rng.integers(1, 7), rng.integers(1, 16)
        t, q = rng.normal(size=(m, 2)), rng.normal(size=(n, 2))
        so, eo = rng.random(n) < 0.6, rng.random(n) < 0.6
        got, want = rp.subsequence_dtw(t, q, start_ok=so, end_ok=eo), _dtw_brute(t, q, so, eo)
        assert (got is None) == (want is None)
        if got is not None:
            assert got[1] == want[1] and got[2] == pytest.approx(want[2])
    # a zig-zag walked up, then down (the template), then part way up again: the match is
    # the descent, although the walk-up passes over the very same points
    x, y = _zigzag(np.arange(0, 250, 5.0))
    down = np.c_[x, y]
    series = np.vstack([down[::-1][:30], down, down[::-1][:20]])
    first, last, cost = rp.subsequence_dtw(down, series)
    assert (first, last) == (30, 30 + len(down) - 1) and cost == pytest.approx(0.0)


def _zigzag(u):
    """A switchback descent by arc length ``u`` [m]: 28 m traverses dropping 8 m each
    across the slope, hairpins at x = 0 and x = 28 m."""
    k = np.floor(u / 28.0)
    a = u - 28.0 * k
    return np.where(k % 2 == 0, a, 28.0 - a), -8.0 * (k + a / 28.0)


def _zigzag_shuttle(n_passes=4, noise_m=0.0, seed=0, legs=9, pause_s=15):
    """Hill repeats at 1 Hz on a switchback descent: down at ~2 m/s, walk back up the same
    path at 1 m/s, a pause at the top; GPS-like noise (AR(1), 20 s, ``noise_m`` per axis).
    Returns x, y, distance (frozen while paused), elevation, time, and the true (start,
    end) time of each descent [s]."""
    length = 28.0 * legs
    xs, ys, ts, truth = [], [], [], []

    def go(x, y):
        ts.append(sum(a.size for a in xs) + np.arange(x.size, dtype=float))
        xs.append(x)
        ys.append(y)

    go(np.zeros(60), np.linspace(120, 2, 60))  # approach from the north
    for p in range(n_passes):
        t0 = sum(a.size for a in xs)
        go(*_zigzag(np.arange(0, length, 2.0 + 0.1 * p)))
        truth.append((t0, sum(a.size for a in xs) - 1))
        if p < n_passes - 1:
            go(*_zigzag(np.arange(length, 0, -1.0)))
            go(np.zeros(pause_s), np.zeros(pause_s))
    xe, ye = _zigzag(np.array([length]))
    go(np.full(60, xe[0]), ye[0] - np.linspace(2, 120, 60))  # away to the south
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    d = np.r_[0.0, np.cumsum(np.hypot(np.diff(x), np.diff(y)))]
    rng = np.random.default_rng(seed)
    phi = np.exp(-1 / 20.0)
    e = rng.normal(0.0, noise_m * np.sqrt(1 - phi ** 2), (x.size, 2))
    for i in range(1, x.size):
        e[i] += phi * e[i - 1]
    return x + e[:, 0], y + e[:, 1], d, 100 + 0.9 * y, t, np.array(truth, float)


def test_fold_score_tells_a_turn_round_from_a_hairpin():
    x, y, d, h, t, truth = _zigzag_shuttle(n_passes=2, pause_s=0)
    path = rp.resample_path(x, y, d, h, t)
    score = rp.fold_score_m(path.xy, np.arange(len(path.xy)), 20)
    bottom = int(np.searchsorted(path.elapsed_s, truth[0, 1]))
    # the walk back retraces the descent: under one 5 m grid step (the grid straddles the
    # turn-round by up to half a step on each leg)
    assert score[bottom - 1:bottom + 2].min() < 5.0
    top = int(np.searchsorted(path.elapsed_s, truth[0, 0]))
    hairpins = np.arange(top + 8, bottom - 8)  # inside the descent: hairpins, no turn-round
    assert score[hairpins].min() > 20.0
    assert np.isinf(rp.fold_score_m(path.xy, [0, len(path.xy) - 1], 20)).all()
    with pytest.raises(ValueError, match="half_pts"):
        rp.fold_score_m(path.xy, [5], 0)


def test_aligned_ends_time_switchback_repeats_at_the_turn_rounds():
    """Issue 4, GPS altitude: pass ends by alignment and turn-rounds, timed off the pause
    (the closest approach to the gate centres is up to 47 s off on this track)."""
    x, y, d, h, t, truth = _zigzag_shuttle(noise_m=4.0, seed=4)
    path = rp.resample_path(x, y, d, h, t)
    # descent detections a few seconds short at both ends, as elevation noise leaves them
    refs = [(int(np.searchsorted(path.elapsed_s, a + 4)), int(np.searchsorted(path.elapsed_s, b - 4)),
             "down") for a, b in truth]
    reps = rp.find_repeats(path, refs, elevation_gates=False)
    assert [r.direction for r in reps] == ["down"] and len(reps[0].passes) == len(truth)
    got = np.array([(p.start_s, p.end_s) for p in reps[0].passes])
    # within about two 5 m grid steps at 2 m/s; the 15 s pause at the top is not timed
    assert np.abs(got - truth).max() <= 6.0


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
    assert first.reasons[-1].startswith("run 5 times in this session")
    second = m.iloc[1]
    assert second.control_score == 20 and second.times_run == 2
    assert second.reasons[-1] == "run 2 times in this session"
    assert len(pr.merge_same_stretch(c.iloc[:0])) == 0
    with pytest.raises(ValueError, match="gate_radius_m"):
        pr.merge_same_stretch(c, gate_radius_m=0)


def test_select_candidates_without_cadence_uses_braking_events():
    # issue 14: no cadence, no score; a technical stretch with braking events still qualifies
    base = dict(start_lat=45.0, start_lon=6.0, end_lat=45.0, end_lon=6.0, drop_m=30.0, length_m=200,
                avg_grade_pct=-15, control_score=np.nan, technicality=0.7, time_lost_s=20)
    s = pd.DataFrame([dict(base, start_m=0, end_m=200, braking_per_100m=2.0),
                      dict(base, start_m=500, end_m=700, braking_per_100m=0.2)])
    c = pr.select_candidates(s)
    assert c.start_m.tolist() == [0]
