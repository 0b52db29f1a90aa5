"""Gait classification, speed models and hike/run verdicts on hand-built arrays."""

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis import gait as gt
from trailtech.analysis.gait.crossover import CROSSOVER_REASONS
from trailtech.analysis.segments import runs
from trailtech.processing.hiking import tobler_speed_mps
from trailtech.timeline import GAIT_HIKE, GAIT_LABELS, GAIT_RUN, GAIT_STOP


def _codes(labels) -> np.ndarray:
    """Gait codes of a list of labels ("stop", "hike", "run")."""
    return np.array([GAIT_LABELS.index(x) for x in labels], dtype=np.int8)


def test_cadence_threshold_finds_valley_between_modes():
    rng = np.random.default_rng(1)
    c = np.r_[rng.normal(118, 4, 400), rng.normal(166, 4, 600)]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.12), np.ones(c.size, bool))
    assert adaptive and 130 <= thr <= 152


def test_cadence_threshold_defaults_without_two_modes():
    rng = np.random.default_rng(2)
    c = rng.normal(168, 5, 800)
    assert gt.cadence_threshold(c, np.full(c.size, 0.1), np.ones(c.size, bool)) == (140.0, False)
    # flat samples are ignored: no climbing data -> default
    assert gt.cadence_threshold(c, np.zeros(c.size), np.ones(c.size, bool)) == (140.0, False)


def test_cadence_threshold_is_clamped():
    rng = np.random.default_rng(3)
    c = np.r_[rng.normal(80, 3, 400), rng.normal(140, 3, 400)]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.1), np.ones(c.size, bool))
    assert adaptive and thr == 115.0


def test_two_walking_paces_are_no_walk_run_split():
    """Issue 15: a hiker at 100 and 122 spm (runalyze/Fenix-2-negative-times.fit) never ran;
    the trough between two walking paces is no split, so nothing is forced into "run"."""
    rng = np.random.default_rng(3)
    c = np.r_[rng.normal(100, 3, 400), rng.normal(122, 3, 400)]
    assert gt.cadence_threshold(c, np.full(c.size, 0.1), np.ones(c.size, bool)) == (140.0, False)


def test_cadence_threshold_with_the_walking_mode_on_the_lowest_edge():
    # Found by mutation fuzzing: a damaged FIT whose climbing cadence was mostly exactly
    # 60 spm put the walking median on the histogram's first edge, and the valley search
    # sliced bin -1 (an empty array: "a cannot be empty").
    c = np.r_[np.full(300, 60.0), np.full(300, 170.0)]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.1), np.ones(c.size, bool))
    assert adaptive and 60 < thr < 170


def test_hysteresis_dwell_and_bout_merging():
    c = np.r_[np.full(100, 170.0), np.full(60, 120.0), np.full(8, 170.0), np.full(100, 120.0),
              np.full(3, 138.0), np.full(100, 175.0)]
    hike = gt.clean_bouts(gt.classify_cadence(c, threshold_spm=140))
    r = runs(hike)
    # one hiking bout from 100 to 271: the 8 s run blip is absorbed, the in-band 138 holds state
    assert r.tolist() == [[100, 271]]


def test_gait_codes_marks_stops_and_speed_method():
    n = 200
    moving = np.ones(n, bool)
    moving[90:110] = False
    v = np.r_[np.full(100, 1.0), np.full(100, 3.0)]
    g = np.full(n, 0.15)
    code = gt.gait_codes(moving, v, g, None, threshold_spm=np.nan, method="speed")
    assert code.dtype == np.int8 and set(code[90:110]) == {GAIT_STOP}
    assert (code[:90] == GAIT_HIKE).all() and (code[110:] == GAIT_RUN).all()
    with pytest.raises(ValueError, match="method"):
        gt.gait_codes(moving, v, g, None, threshold_spm=140, method="magic")


def test_v_wrt_follows_formula():
    assert gt.v_wrt_mps(np.array([0.0, 0.1, 0.5, -0.2])).tolist() == pytest.approx([2.0, 1.6, 0.9, 2.0])


def test_speed_model_shrinks_to_data_and_is_non_increasing():
    prior = lambda g: 1.3 * tobler_speed_mps(g)  # noqa: E731
    g = np.full(2000, 0.21)
    m = gt.speed_model(g, np.full(2000, 1.5), np.ones(2000), prior)
    assert m(0.21) == pytest.approx(1.5, abs=0.1)  # lots of data: close to the data
    assert np.all(np.diff(m.speed_mps) <= 1e-12)
    empty = gt.speed_model(np.zeros(0), np.zeros(0), np.zeros(0), prior)
    assert empty(0.2) == pytest.approx(prior(0.2), rel=0.05)


def test_crossover_grade_from_blocks():
    gh = np.linspace(0.10, 0.35, 8)
    gr = np.linspace(0.03, 0.25, 8)
    blocks = pd.DataFrame({
        "gait": ["hike"] * 8 + ["run"] * 8,
        "grade": np.r_[gh, gr],
        "vam_m_per_h": np.r_[300 + 3000 * gh, 500 + 1500 * gr],
    })
    # 300 + 3000 g = 500 + 1500 g  ->  g = 0.1333
    assert gt.crossover_grade(blocks) == pytest.approx(0.1333, abs=1e-3)
    assert gt.crossover_grade(blocks[blocks.gait == "hike"]) is None


def _pieces(gait, grade_pct, speed, dur=60.0):
    return pd.DataFrame({"gait": gait, "avg_grade_pct": grade_pct, "speed_mps": speed,
                         "duration_s": dur, "start_m": 0.0, "end_m": 100.0, "start_s": 0.0,
                         "vam_m_per_h": np.asarray(speed) * np.asarray(grade_pct) / 100 * 3600,
                         "segment": 0})


def test_ran_should_hike_flags_slow_running_only():
    model = gt.SpeedModel.constant("hike", 1.2)
    p = _pieces(["run", "run", "run", "hike"], [20.0, 20.0, 6.0, 20.0], [1.2, 2.0, 1.0, 1.0])
    out = gt.ran_should_hike(p, model, np.array([100.0]))
    assert len(out) == 1 and out["avg_grade_pct"][0] == 20.0
    assert out["ratio"][0] == pytest.approx(1.0)
    assert out["hike_vam_m_per_h"][0] == pytest.approx(1.2 * 0.2 * 3600)


def test_hiked_could_run_flags_gentle_hiking():
    model = gt.SpeedModel.constant("run", 2.5)
    p = _pieces(["hike", "hike", "hike"], [6.0, 20.0, 8.0], [1.2, 1.0, 2.3])
    out = gt.hiked_could_run(p, model)
    assert out["avg_grade_pct"].tolist() == [6.0]
    assert out["time_lost_s"][0] == pytest.approx(60 * (1 - 1.2 / 2.5))


def test_bout_table_splits_at_stops():
    code = _codes(["run"] * 10 + ["stop"] * 5 + ["run"] * 10 + ["hike"] * 10)
    t = np.arange(35.0)
    d = np.cumsum(np.where(code == GAIT_STOP, 0, 2.0))
    b = gt.bout_table(code, t, d, np.zeros(35))
    assert list(b.columns) == gt.BOUT_COLUMNS
    assert b["gait"].tolist() == ["run", "run", "hike"]
    assert b["duration_s"].tolist() == [10.0, 10.0, 9.0]


# ----------------------------------------------------------------------------- crossover
def test_crossover_grade_none_when_thin_or_wrong_way_round():
    gr = np.linspace(0.05, 0.20, 6)
    gh = np.linspace(0.18, 0.32, 6)
    ok = pd.DataFrame({"gait": ["run"] * 6 + ["hike"] * 6, "grade": np.r_[gr, gh],
                       "vam_m_per_h": np.r_[900 - 500 * gr, 200 + 3000 * gh]})
    # 900 - 500 g = 200 + 3000 g  ->  g = 0.20
    assert gt.crossover_grade(ok) == pytest.approx(0.20, abs=1e-6)
    assert gt.crossover_grade(ok.iloc[[0, 1, 6, 7, 8, 9]]) is None  # two running pieces
    # hiking VAM rising slower than running: the lines cross the wrong way round
    wrong = ok.assign(vam_m_per_h=np.r_[200 + 3000 * gr, 900 - 500 * gh])
    assert gt.crossover_grade(wrong) is None
    # running far below, hiking far above: too wide a gap to read a crossover across
    far = ok.assign(grade=np.r_[gr * 0.5, gh + 0.15])
    assert gt.crossover_grade(far) is None


def test_climb_pieces_cut_bouts_into_100m_single_gait_pieces():
    n = 600
    t = np.arange(n, dtype=float)
    d = np.cumsum(np.r_[0.0, np.full(n - 1, 1.0)])
    h = 0.2 * d
    gait = _codes(["run"] * 250 + ["hike"] * 350)
    sid = np.zeros(n, int)
    p = gt.climb_pieces(gait, sid, t, d, h)
    assert list(p.columns) == gt.CLIMB_PIECE_COLUMNS
    assert set(p.gait) == {"run", "hike"}
    assert p.length_m.between(80, 130).all()
    np.testing.assert_allclose(p.avg_grade_pct, 20.0, atol=1e-9)
    np.testing.assert_allclose(p.vam_m_per_h, 0.2 * 3600, rtol=1e-9)
    # the pieces tile each bout
    assert p.length_m.sum() == pytest.approx(d[-1], abs=2)


@pytest.mark.parametrize("noise", ["baro", "gps"])
def test_crossover_recovers_the_simulated_runner(noise):
    """On the simulator's steepening climb the estimate is near the runner model's crossover
    (19.9 %) or, when the runner did not hike and run comparable grades, None with a reason
    (the trail run switches cleanly at 22 %: no grade both hiked and run near 19.9 %)."""
    import trailtech
    from trailtech.simulate import simulate_trail_run

    tol = {"baro": 3.0, "gps": 4.5}[noise]
    found = []
    for seed in (0, 1, 4):
        run = simulate_trail_run(seed, elevation_noise=noise)
        hr = trailtech.analyze(run.track).hike_run
        assert len(hr.climb_bouts) and set(hr.climb_bouts.gait) == {"hike", "run"}
        if hr.crossover_method == "observed":
            found.append(hr.crossover_grade_pct)
            assert hr.crossover_grade_pct == pytest.approx(100 * run.truth.crossover_grade, abs=tol)
            lo, hi = hr.crossover_ci_pct
            assert lo <= hr.crossover_grade_pct <= hi
        else:  # never from a model (issue 15): no answer comes with its reason
            assert hr.crossover_method is None and hr.crossover_grade_pct is None
            assert hr.crossover_reason in CROSSOVER_REASONS


# ----------------------------------------------------------------------------- model crossover
def _constant_grade_timeline(legs, rows_per_leg=200):
    """1 Hz rows over constant-grade legs ``(gait, grade, speed)``, each leg its own climb."""
    gait, sid, step_d, step_h = [], [], [], []
    for k, (g_k, grade, v) in enumerate(legs):
        gait += [g_k] * rows_per_leg
        sid += [k] * rows_per_leg
        step_d += [v] * rows_per_leg
        step_h += [grade * v] * rows_per_leg
    # one closing row so the last step has an end point
    gait.append("stop")
    sid.append(-1)
    d = np.r_[0.0, np.cumsum(step_d)]
    h = 1000.0 + np.r_[0.0, np.cumsum(step_h)]
    t = np.arange(d.size, dtype=float)
    return _codes(gait), np.array(sid), t, d, h


def _strava_runner_tobler_hiker(v_flat, k, run_grades, hike_grades):
    from trailtech.processing.gap import strava_gap_factor

    def run_v(g):
        return v_flat / float(strava_gap_factor(g))

    def hike_v(g):
        return k * 6.0 / 3.6 * np.exp(-3.5 * abs(g + 0.05))

    legs = [("run", g, run_v(g)) for g in run_grades] + [("hike", g, hike_v(g)) for g in hike_grades]
    return _constant_grade_timeline(legs), run_v, hike_v


def test_model_crossover_matches_the_analytic_meeting_point():
    """Runner exactly on v_flat/F(g), hiker exactly on k·Tobler(g), at grades that never overlap:
    the model crossover is where the two formulas meet."""
    from scipy.optimize import brentq

    v_flat, k = 1.95, 1.3
    (gait, sid, t, d, h), run_v, hike_v = _strava_runner_tobler_hiker(
        v_flat, k, [0.04, 0.07, 0.10, 0.13, 0.16, 0.19], [0.22, 0.26, 0.30, 0.34])
    expected = brentq(lambda g: run_v(g) - hike_v(g), 0.05, 0.20, xtol=1e-9)
    assert 0.08 < expected < 0.18  # the meeting point lies between the gaits' data, not at an end
    pieces = gt.climb_pieces(gait, sid, t, d, h)
    assert set(pieces.gait) == {"run", "hike"}
    cross, curves = gt.crossover_from_models(pieces, prior_tobler_scale=k)
    assert cross == pytest.approx(expected, abs=1e-3)
    # the curves are the two models' vertical speeds and meet at the crossover
    assert list(curves.columns) == gt.GAIT_MODEL_COLUMNS
    at = lambda col: np.interp(100 * cross, curves.grade_pct, curves[col])  # noqa: E731
    assert at("run_vam_m_per_h") == pytest.approx(at("hike_vam_m_per_h"), rel=5e-3)
    g10 = curves.grade_pct.sub(10).abs().idxmin()
    assert curves.run_speed_mps[g10] == pytest.approx(run_v(0.10), rel=1e-5)
    assert curves.hike_speed_mps[g10] == pytest.approx(hike_v(0.10), rel=1e-5)


def test_model_crossover_needs_enough_of_both_gaits_and_a_meeting():
    v_flat, k = 1.95, 1.3
    # under 3 minutes of hiking: the hiking model would be the prior speaking, not the runner
    (gait, sid, t, d, h), _, _ = _strava_runner_tobler_hiker(v_flat, k, [0.05, 0.10, 0.15], [])
    legs_hike = gt.climb_pieces(*_constant_grade_timeline([("hike", 0.3, 0.7)], rows_per_leg=150))
    pieces = pd.concat([gt.climb_pieces(gait, sid, t, d, h), legs_hike], ignore_index=True)
    cross, curves = gt.crossover_from_models(pieces)
    assert cross is None and len(curves) == 0
    # a fast runner and a slow hiker: running stays faster on every grade searched
    (gait, sid, t, d, h), _, _ = _strava_runner_tobler_hiker(
        4.0, 1.0, [0.04, 0.08, 0.12, 0.16], [0.25, 0.30, 0.35])
    cross, curves = gt.crossover_from_models(gt.climb_pieces(gait, sid, t, d, h))
    up = curves[curves.grade_pct > 0]
    assert cross is None and len(up) and (up.run_vam_m_per_h > up.hike_vam_m_per_h).all()


def test_running_model_fades_only_as_the_data_say():
    g = np.linspace(0.04, 0.20, 9)
    w = np.full(g.size, 120.0)
    from trailtech.processing.gap import strava_gap_factor as F

    steady = gt.running_model(g, 2.5 / F(g), w)
    assert steady.params["log_slope"] == pytest.approx(0.0, abs=1e-9)
    assert steady(0.12) == pytest.approx(2.5 / F(0.12), rel=1e-5)
    # steeper than the runner ran, running climbs no faster than at the steepest grade run
    assert steady(0.30) * 0.30 == pytest.approx(steady(0.20) * 0.20, rel=1e-9)
    fading = gt.running_model(g, 2.5 * np.exp(-3.0 * (g - 0.04)) / F(g), w)
    assert -3.0 <= fading.params["log_slope"] < -2.0  # shrunk a little toward plain GAP
    assert fading(0.20) < steady(0.20)
    with pytest.raises(ValueError, match="slope_prior_sd"):
        gt.running_model(g, 2.5 / F(g), w, slope_prior_sd=0)


def test_hiking_model_scale_shrinks_toward_the_prior_and_caps_at_walk_run_speed():
    g = np.full(3, 0.25)
    fast = gt.hiking_model(g, 2.0 * tobler_speed_mps(g), np.full(3, 40.0), prior_tobler_scale=1.3)
    # 120 s of data against the 120 s prior weight: half way from 1.3 to 2.0
    assert fast.params["tobler_scale"] == pytest.approx(1.65)
    assert fast(0.02) <= gt.v_wrt_mps(0.02) + 1e-12
    assert np.all(np.diff(fast(np.linspace(0, 0.45, 91))) <= 1e-12)


@pytest.mark.parametrize("noise", ["baro", "gps"])
def test_model_crossover_on_the_simulated_runner(noise):
    """Without the observed estimate, the models land near the simulator's 19.9 % (they read
    it a few points high: the runner's fade with grade is steeper than a log-linear trend)."""
    import trailtech
    from trailtech.simulate import simulate_trail_run

    for seed in (0, 3):
        run = simulate_trail_run(seed, elevation_noise=noise)
        hr = trailtech.analyze(run.track).hike_run
        cross, curves = gt.crossover_from_models(hr.climb_bouts)
        truth = run.truth.crossover_grade
        assert cross is not None and len(curves)
        assert truth - 0.02 <= cross <= truth + 0.08
        # The analysis never reports the models' extrapolated crossover (issue 15).
        assert hr.crossover_method != "model" and len(hr.gait_models) == 0


def test_crossover_on_real_runs_is_observed_or_reasoned(real_dir):
    """On real trail runs the crossover is never the models' extrapolation (issue 15): it is
    observed, inside its interval and a plausible grade, or missing with a reason in words."""
    import warnings

    import trailtech
    from trailtech.errors import TrailtechError

    path = real_dir / "sports-lib" / "6910052863.fit"
    if not path.exists():
        pytest.skip("file absent from the corpus")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = trailtech.analyze(path)
    hr = a.hike_run
    assert hr.crossover_method != "model" and len(hr.gait_models) == 0
    d = a.to_dict()["hike_run"]
    assert (d["crossover_grade_pct"] is None) == (d["crossover_reason"] is not None)
    if d["crossover_reason"] is not None:
        assert d["crossover_reason_text"]
    found = 0
    for f in ("runpandas/run.fit", "sports-lib/6914448270.fit", "sports-lib/6916728382.fit",
              "sports-lib/6037744996.gpx", "sports-lib/6782987395.fit"):
        p = real_dir / f
        if not p.exists():
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                h = trailtech.analyze(p).hike_run
        except TrailtechError:
            continue
        if h.crossover_grade_pct is not None:
            found += 1
            assert 8.0 <= h.crossover_grade_pct <= 40.0, f
            assert h.crossover_method == "observed"
        else:
            assert h.crossover_method is None and h.crossover_reason in CROSSOVER_REASONS


def test_cadence_split_sits_midway_between_the_modes_not_anywhere_in_the_trough():
    """Issue 15: on the 50 km Suunto run the emptiest bin of a long flat trough put the split at
    155 spm, inside the running of steep climbs (150-165 spm), and a 5 % move of it shifted 37
    minutes between gaits. The split is now the middle of the two modes."""
    rng = np.random.default_rng(0)
    hike = rng.normal(112, 5, 5000)
    run = rng.normal(170, 3, 700)
    trough = rng.uniform(124, 166, 160)
    trough = trough[(trough < 150) | (trough > 158)]  # an emptier stretch near the running mode
    c = np.r_[hike, run, trough]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.12), np.ones(c.size, bool))
    assert adaptive and 136 <= thr <= 146


def test_cadence_split_in_the_trough_of_a_fast_hikers_long_tail():
    """Issue 15: a fast hiker's cadence runs from 105 up to 145 spm (brisk hiking of gentle
    climbs) and their climbing running sits at 150-165. The old split, midway between the
    walking mode and the highest bin past Otsu's cut (which the hiking tail held), landed at
    125 spm and called 30 minutes of hiking "run". The split is now the centre of the trough."""
    rng = np.random.default_rng(4)
    hike = 105 + 40 * rng.beta(1.3, 2.5, 6000)  # long tail up to 145 spm
    run = rng.normal(160, 3.5, 1500)
    c = np.r_[hike, run]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.12), np.ones(c.size, bool))
    assert adaptive and 145 <= thr <= 155


def test_cadence_split_from_flat_running_when_nothing_climbs():
    """Issue 15: an interval session on the flat (walk recoveries at 125-135 spm, running at
    175-185) has no climbing rows; the split was the fixed 140 spm, at the edge of the walking
    cluster, and a 5 % move of it swapped 14 minutes between gaits. Every moving row now
    counts: the split sits in the empty trough."""
    rng = np.random.default_rng(5)
    c = np.r_[rng.normal(130, 3, 3000), rng.normal(180, 4, 300)]
    thr, adaptive = gt.cadence_threshold(c, np.zeros(c.size), np.ones(c.size, bool))
    assert adaptive and 145 <= thr <= 165


def test_every_second_carries_a_confidence():
    """Issue 15: a second far from the split is sure, one at the split is a coin toss, and a
    blip the bout filters overruled is in doubt; stops carry none."""
    c = np.r_[np.full(60, 170.0), np.full(60, 110.0), np.full(30, 141.0), np.full(60, 110.0), np.zeros(10)]
    codes = np.r_[np.full(60, GAIT_RUN), np.full(150, GAIT_HIKE), np.full(10, GAIT_STOP)].astype(np.int8)
    conf = gt.gait_confidence(codes, np.full(c.size, 1.5), np.full(c.size, 0.1), c, threshold_spm=140.0)
    assert conf[30] > 0.99 and conf[90] > 0.99
    assert 0.35 < conf[135] < 0.5  # hiking, but its cadence sat a step above the split
    assert np.isnan(conf[-5:]).all()
    # From speed: the same around the walk-run speed of the grade.
    v = np.r_[np.full(50, 3.0), np.full(50, 0.5)]
    codes = np.r_[np.full(50, GAIT_RUN), np.full(50, GAIT_HIKE)].astype(np.int8)
    conf = gt.gait_confidence(codes, v, np.zeros(v.size), None, threshold_spm=np.nan, method="speed")
    assert (conf > 0.99).all()


def test_hike_run_json_says_how_sure_and_which_flags_are_measured():
    """Issue 15: the JSON gives the gait's confidence and labels each flag's other-gait figure
    ``"measured"`` or ``"predicted"``."""
    import trailtech
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    r = hiker_runner(0.15, flat_speed_mps=3.0, switch_offset=0.08)  # runs far past its crossover
    doc = trailtech.analyze(simulate_hill_session(r, seed=1).track).to_dict()["hike_run"]
    conf = doc["confidence"]
    assert 0.9 < conf["mean"] <= 1.0 and 0.8 < conf["confident_share"] <= 1.0 and conf["uncertain_s"] >= 0
    flags = doc["ran_should_hike"] + doc["hiked_could_run"]
    assert flags and all(f["reference"] in ("measured", "predicted") for f in flags)
