"""The observed hike/run crossover (issue 15): read only where both gaits were seen, with an
interval, and a reason when there is no answer."""

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis.gait.crossover import CROSSOVER_REASONS, crossover_reason_text, observed_crossover


def _pieces(rng, grades, gait_of, v_run, v_hike, noise=0.02, dur_s=90.0):
    rows = []
    for g in grades:
        gait = gait_of(g)
        v = (v_run if gait == "run" else v_hike)(g) * np.exp(noise * rng.standard_normal())
        rows.append({"gait": gait, "avg_grade_pct": 100 * g, "speed_mps": v, "duration_s": dur_s,
                     "vam_m_per_h": v * g * 3600})
    return pd.DataFrame(rows)


def v_run(g):
    return 3.0 * np.exp(-9.0 * g)


def v_hike(g):
    return 1.6 * np.exp(-4.0 * g)  # equal to running at ln(3/1.6)/5 = 12.6 %


TRUE = np.log(3.0 / 1.6) / 5.0


def test_crossover_found_where_both_gaits_overlap():
    rng = np.random.default_rng(1)
    grades = np.repeat(np.arange(0.04, 0.30, 0.01), 3)
    mixed = _pieces(rng, grades, lambda g: "hike" if rng.random() < 1 / (1 + np.exp(-(g - TRUE) / 0.03)) else "run",
                    v_run, v_hike)
    x = observed_crossover(mixed)
    assert x.reason is None and x.grade == pytest.approx(TRUE, abs=0.015)
    lo, hi = x.ci
    assert lo <= x.grade <= hi and hi - lo <= 0.06
    assert x.comparable[0] <= x.grade <= x.comparable[1]
    # Deterministic: the bootstrap has a fixed seed.
    assert observed_crossover(mixed) == x


def test_no_extrapolation_when_the_runner_switches_cleanly_far_from_it():
    # Ran up to 8 %, hiked from 20 %: the crossover (12.6 %) was never observed.
    rng = np.random.default_rng(2)
    grades = np.r_[np.repeat(np.arange(0.03, 0.085, 0.005), 2), np.repeat(np.arange(0.20, 0.35, 0.01), 2)]
    x = observed_crossover(_pieces(rng, grades, lambda g: "run" if g < 0.15 else "hike", v_run, v_hike))
    assert x.grade is None and x.reason == "never_ran_above"
    assert x.reason_grade == pytest.approx(0.08, abs=0.01)
    assert "never ran above 8 %" in crossover_reason_text(x.reason, 100 * x.reason_grade)


def test_reasons_never_hiked_and_running_faster():
    rng = np.random.default_rng(3)
    grades = np.repeat(np.arange(0.03, 0.12, 0.005), 2)
    assert observed_crossover(_pieces(rng, grades, lambda g: "run", v_run, v_hike)).reason == "never_hiked"
    # Both gaits mixed, but only on grades more than the fits' reach (3 points) below the
    # crossover: running is faster everywhere.
    low = grades[grades <= 0.09]
    x = observed_crossover(_pieces(rng, low, lambda g: "hike" if rng.random() < 0.4 else "run", v_run, v_hike))
    assert x.grade is None and x.reason == "running_faster" and x.reason_grade <= 0.095
    assert x.reason in CROSSOVER_REASONS


def test_scattered_evidence_mostly_gives_no_answer_rather_than_a_wrong_one():
    # Speeds scattered by ±30 % around two curves crossing at 12.6 %: most runs give no
    # answer, and answers more than 5 points off stay rare.
    answered = wrong = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        grades = np.repeat(np.arange(0.04, 0.30, 0.02), 2)
        x = observed_crossover(_pieces(rng, grades, lambda g: "hike" if rng.random() < 0.5 else "run",
                                       v_run, v_hike, noise=0.3))
        if x.grade is None:
            assert x.reason in CROSSOVER_REASONS
        else:
            answered += 1
            wrong += abs(x.grade - TRUE) > 0.05
    assert answered <= 6 and wrong <= 1


def test_reason_text_without_its_grade_still_reads():
    assert crossover_reason_text(None) == ""
    assert crossover_reason_text("never_ran_above") == "you never ran the grades you hiked"
    assert crossover_reason_text("running_faster") == "running stayed faster at every grade you both hiked and ran"


def test_effort_from_heart_rate_on_a_simulated_runner():
    """Issue 15: at the grades hiked and run, what running bought and cost in heart rate; the
    simulated runner's drift is 3 bpm/h and running costs more beats than hiking at one grade."""
    import trailtech
    from trailtech.analysis.gait.effort import effort_sentence
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    a = trailtech.analyze(simulate_hill_session(hiker_runner(0.2), seed=2).track)
    e = a.hike_run.effort
    assert e is not None and e.grade_lo_pct < 20 < e.grade_hi_pct
    assert e.run_hr_delta_bpm > 0  # running a grade costs more than hiking it (cost 1.0 vs 0.92)
    assert abs(e.run_speed_gain_pct) < 10  # around the crossover neither gait is much faster
    assert e.run_hr_drift_bpm_per_h == pytest.approx(3.0, abs=1.5)
    d = a.to_dict()["hike_run"]["effort"]
    assert d["text"] == effort_sentence(e) and "bpm" in d["text"]


def test_no_effort_without_heart_rate():
    from dataclasses import replace

    import trailtech
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    run = simulate_hill_session(hiker_runner(0.2), seed=2, grades=(0.12, 0.2, 0.28))
    samples = run.track.samples.drop(columns=["heart_rate_bpm"])
    a = trailtech.analyze(replace(run.track, samples=samples))
    assert a.hike_run.effort is None and a.to_dict()["hike_run"]["effort"] is None


def test_no_circular_verdicts_without_cadence():
    """Issue 15: without cadence, hiking is told from speed; comparing speeds would only restate
    that, so there is no crossover (reason ``no_cadence``), no "could run" flag, no effort."""
    import trailtech
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    run = simulate_hill_session(hiker_runner(0.2), seed=2, grades=(0.06, 0.12, 0.2, 0.28), cadence=False)
    a = trailtech.analyze(run.track)
    hr = a.hike_run
    assert hr.method == "speed"
    assert hr.crossover_grade_pct is None and hr.crossover_reason == "no_cadence"
    assert len(hr.hiked_could_run) == 0 and hr.effort is None
    assert "restate" in a.to_dict()["hike_run"]["crossover_reason_text"]
