"""Gait classification, speed models and hike/run verdicts on hand-built arrays."""

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis import gait as gt
from trailtech.analysis.segments import runs


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
    c = np.r_[rng.normal(90, 3, 400), rng.normal(115, 3, 400)]
    thr, adaptive = gt.cadence_threshold(c, np.full(c.size, 0.1), np.ones(c.size, bool))
    assert adaptive and thr == 125.0


def test_hysteresis_dwell_and_bout_merging():
    c = np.r_[np.full(100, 170.0), np.full(60, 120.0), np.full(8, 170.0), np.full(100, 120.0),
              np.full(3, 138.0), np.full(100, 175.0)]
    hike = gt.clean_bouts(gt.classify_cadence(c, threshold_spm=140))
    r = runs(hike)
    # one hiking bout from 100 to 271: the 8 s run blip is absorbed, the in-band 138 holds state
    assert r.tolist() == [[100, 271]]


def test_gait_labels_marks_stops_and_speed_method():
    n = 200
    moving = np.ones(n, bool)
    moving[90:110] = False
    v = np.r_[np.full(100, 1.0), np.full(100, 3.0)]
    g = np.full(n, 0.15)
    lab = gt.gait_labels(moving, v, g, None, threshold_spm=np.nan, method="speed")
    assert set(lab[90:110]) == {"stop"}
    assert (lab[:90] == "hike").all() and (lab[110:] == "run").all()
    with pytest.raises(ValueError, match="method"):
        gt.gait_labels(moving, v, g, None, threshold_spm=140, method="magic")


def test_v_wrt_follows_formula():
    assert gt.v_wrt_mps(np.array([0.0, 0.1, 0.5, -0.2])).tolist() == pytest.approx([2.0, 1.6, 0.9, 2.0])


def test_tobler_anchor_values():
    assert gt.tobler_mps(0.0) * 3.6 == pytest.approx(5.04, abs=0.01)
    assert gt.tobler_mps(-0.05) * 3.6 == pytest.approx(6.0)


def test_speed_model_shrinks_to_data_and_is_non_increasing():
    prior = lambda g: 1.3 * gt.tobler_mps(g)  # noqa: E731
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
    model = gt.SpeedModel(np.array([0.0, 0.5]), np.array([1.2, 1.2]), np.array([0.0, 0.0]))
    p = _pieces(["run", "run", "run", "hike"], [20.0, 20.0, 6.0, 20.0], [1.2, 2.0, 1.0, 1.0])
    out = gt.ran_should_hike(p, model, np.array([100.0]))
    assert len(out) == 1 and out["avg_grade_pct"][0] == 20.0
    assert out["ratio"][0] == pytest.approx(1.0)
    assert out["hike_vam_m_per_h"][0] == pytest.approx(1.2 * 0.2 * 3600)


def test_hiked_could_run_flags_gentle_hiking():
    model = gt.SpeedModel(np.array([0.0, 0.5]), np.array([2.5, 2.5]), np.array([0.0, 0.0]))
    p = _pieces(["hike", "hike", "hike"], [6.0, 20.0, 8.0], [1.2, 1.0, 2.3])
    out = gt.hiked_could_run(p, model)
    assert out["avg_grade_pct"].tolist() == [6.0]
    assert out["time_lost_s"][0] == pytest.approx(60 * (1 - 1.2 / 2.5))


def test_bout_table_splits_at_stops():
    lab = np.array(["run"] * 10 + ["stop"] * 5 + ["run"] * 10 + ["hike"] * 10, dtype=object)
    t = np.arange(35.0)
    d = np.cumsum(np.where(lab == "stop", 0, 2.0))
    b = gt.bout_table(lab, t, d, np.zeros(35))
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
    gait = np.array(["run"] * 250 + ["hike"] * 350, dtype=object)
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
    (19.9 %) or, when the noisy pieces do not support one, None -- never far off."""
    import trailtech
    from trailtech.simulate import simulate_trail_run

    tol = {"baro": 3.0, "gps": 4.5}[noise]
    found = []
    for seed in (0, 1, 4):
        run = simulate_trail_run(seed, elevation_noise=noise)
        hr = trailtech.analyze(run.track).hike_run
        assert len(hr.climb_bouts) and set(hr.climb_bouts.gait) == {"hike", "run"}
        if hr.crossover_grade_pct is not None:
            found.append(hr.crossover_grade_pct)
            assert hr.crossover_grade_pct == pytest.approx(100 * run.truth.crossover_grade, abs=tol)
    if noise == "baro":
        assert len(found) >= 2
