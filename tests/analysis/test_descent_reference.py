"""Issue 14 item 2: each descent read against the runner's own similar descents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis.reference import PRIOR_POINTS, personal_reference, prior_score


def _descents(rows):
    return pd.DataFrame(rows, columns=["control_score", "avg_grade_pct", "technicality"])


def test_reference_is_the_similar_descents_with_the_prior():
    d = _descents([(80.0, -12.0, 0.4), (60.0, -12.0, 0.4), (70.0, -12.0, 0.4), (20.0, -30.0, 0.9)])
    r = personal_reference(d)
    # Descent 0: its two twins weigh 1 each, the steep rough one about nothing, the prior 1.
    expected = (60.0 + 70.0 + prior_score(0.4)) / 3.0
    assert r.loc[0, "reference_score"] == pytest.approx(expected, abs=0.01)
    assert r.loc[0, "vs_reference_points"] == pytest.approx(80.0 - expected, abs=0.01)
    assert r.loc[0, "history_pct"] == pytest.approx(100.0, abs=0.01)
    assert r.loc[1, "history_pct"] == pytest.approx(0.0, abs=0.01)
    assert r.loc[2, "history_pct"] == pytest.approx(50.0, abs=0.01)
    # Nothing like the rough one in this run: its reference is the prior, no history.
    assert r.loc[3, "history_weight"] < 0.01
    assert np.isnan(r.loc[3, "history_pct"])
    assert r.loc[3, "reference_score"] == pytest.approx(prior_score(0.9), abs=0.1)


def test_prior_follows_the_documented_corpus_medians():
    (t0, s0), (t1, s1) = PRIOR_POINTS
    assert prior_score(t0) == s0 and prior_score(t1) == s1
    assert prior_score(0.0) == s0 and prior_score(1.0) == s1
    assert s1 < prior_score(0.25) < s0
    assert prior_score(float("nan")) == prior_score(0.25)


def test_unscored_descents_get_no_reference():
    d = _descents([(np.nan, -12.0, 0.4), (70.0, -12.0, 0.4)])
    r = personal_reference(d)
    assert r.loc[0].isna().all()
    assert r.loc[1, "reference_score"] == pytest.approx(prior_score(0.4))
    assert len(personal_reference(d.iloc[:0])) == 0


def _pitch(score, grade, tech):
    return {"start_m": 0.0, "end_m": 200.0, "control_score": score, "avg_grade_pct": grade, "technicality": tech}


def test_a_pitch_is_read_against_the_other_descents_not_the_one_it_lies_in():
    from trailtech.analysis.reference import REFERENCE_COLUMNS, pitch_reference

    d = _descents([(90.0, -12.0, 0.4), (60.0, -12.0, 0.4), (70.0, -12.0, 0.4)])
    d["pitches"] = [[_pitch(50.0, -12.0, 0.4), _pitch(None, -12.0, 0.4)], [], None]
    before = [list(p) if isinstance(p, list) else p for p in d["pitches"]]
    out = pitch_reference(d)
    first = out[0][0]
    # The two other descents (weight 1 each) and the prior; its own descent (90) left out.
    expected = (60.0 + 70.0 + prior_score(0.4)) / 3.0
    assert first["reference_score"] == pytest.approx(expected, abs=0.01)
    assert first["vs_reference_points"] == pytest.approx(50.0 - expected, abs=0.01)
    assert first["history_pct"] == pytest.approx(0.0, abs=0.01)
    assert first["history_weight"] == pytest.approx(2.0, abs=0.01)
    assert {k: out[0][1][k] for k in REFERENCE_COLUMNS} == dict.fromkeys(REFERENCE_COLUMNS)  # unscored
    assert out[1] == [] and out[2] is None
    assert [list(p) if isinstance(p, list) else p for p in d["pitches"]] == before  # not changed in place
    assert "reference_score" not in d["pitches"][0][0]


def test_the_pitches_of_a_real_analysis_carry_their_reference():
    import trailtech
    from trailtech.analysis.reference import REFERENCE_COLUMNS
    from trailtech.simulate import simulate_trail_run

    run = simulate_trail_run(seed=0)
    doc = trailtech.analyze(run.track).to_dict()
    pitches = [p for d in doc["descents"] for p in d["pitches"]]
    assert pitches, "the simulated trail run has a technical pitch"
    for p in pitches:
        assert set(REFERENCE_COLUMNS) <= set(p)
        if p["control_score"] is not None:
            assert p["reference_score"] is not None
