"""Issue 14 item 2, season part: each descent read against the runner's whole season."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from trailtech.analysis.reference import personal_reference, prior_score
from trailtech.season.reference import SEASON_REFERENCE_KEYS, with_season_reference

from ._helpers import run_file, write


def _doc(*descents):
    return {"file": "x", "descents": [dict(zip(("control_score", "avg_grade_pct", "technicality"), d))
                                      for d in descents]}


def test_a_descent_is_read_against_the_other_activities_and_not_itself():
    analyses = {"a.fit": _doc((80.0, -12.0, 0.4)), "b.fit": _doc((60.0, -12.0, 0.4), (None, -12.0, 0.4)),
                "ride.fit": _doc((10.0, -12.0, 0.4)), "flat.fit": {"file": "flat.fit", "descents": []}}
    before = copy.deepcopy(analyses)
    out = with_season_reference(analyses, on_foot=["a.fit", "b.fit", "flat.fit"])
    assert analyses == before  # the documents given stay as they were
    a = out["a.fit"]["descents"][0]
    # One twin in the other activity (weight 1) and the prior (weight 1); the ride is no history.
    assert a["season_history_weight"] == pytest.approx(1.0)
    assert a["season_reference_score"] == pytest.approx((60.0 + prior_score(0.4)) / 2.0)
    assert a["season_vs_reference_points"] == pytest.approx(80.0 - a["season_reference_score"])
    assert a["season_history_pct"] == pytest.approx(100.0)
    assert out["b.fit"]["descents"][0]["season_history_pct"] == pytest.approx(0.0)
    # Unscored descents and the descents of activities not on foot get the keys, empty.
    for d in (out["b.fit"]["descents"][1], out["ride.fit"]["descents"][0]):
        assert {k: d[k] for k in SEASON_REFERENCE_KEYS} == dict.fromkeys(SEASON_REFERENCE_KEYS)
    assert out["flat.fit"] is analyses["flat.fit"]
    # The same-run keys are left alone.
    assert "reference_score" not in a


def test_the_season_kernel_is_the_same_runs_kernel():
    rows = [(80.0, -12.0, 0.4), (61.0, -14.0, 0.45), (72.0, -20.0, 0.6), (95.0, -8.0, 0.1)]
    out = with_season_reference({"a": _doc(*rows[:2]), "b": _doc(*rows[2:])})
    got = [d for f in ("a", "b") for d in out[f]["descents"]]
    same = personal_reference(pd.DataFrame(rows, columns=["control_score", "avg_grade_pct", "technicality"]))
    for d, (_, r) in zip(got, same.iterrows()):
        assert d["season_reference_score"] == pytest.approx(r["reference_score"])
        assert d["season_history_weight"] == pytest.approx(r["history_weight"])




@pytest.fixture(scope="module")
def skill_season(tmp_path_factory):
    """One runner's season on the same technical descent: once in control, three times not."""
    from trailtech.simulate.skill import simulate_descent

    d = tmp_path_factory.mktemp("skill")
    runs = {"Ctrl.fit": simulate_descent(seed=0, control=True, course_seed=0)}
    runs.update({f"Brake{k}.fit": simulate_descent(seed=k, control=False, course_seed=0) for k in (1, 2, 3)})
    for days, (name, run) in enumerate(runs.items()):
        write(d / "runs" / name, run_file(run, 4 * days, "fit"))
    return d


def test_a_controlled_pass_ranks_high_against_the_uncontrolled_ones_of_the_season(skill_season, tmp_path):
    from trailtech import analyze_season

    season = analyze_season([skill_season / "runs"], jobs=2, cache=tmp_path / "cache", progress=False)
    assert not season.errors
    docs = {f.rsplit("/", 1)[-1]: doc for f, doc in season.analyses.items()}
    scored = {n: [x for x in doc["descents"] if x["control_score"] is not None] for n, doc in docs.items()}
    assert all(len(v) == 1 for v in scored.values()), scored
    ctrl = scored.pop("Ctrl.fit")[0]
    # Alone in its run it has no history; over the season it stands on the three other passes.
    assert ctrl["history_pct"] is None
    assert ctrl["season_history_weight"] > 2.0
    assert ctrl["season_history_pct"] == pytest.approx(100.0)
    assert ctrl["season_vs_reference_points"] > 25.0
    braking = sorted((x[0] for x in scored.values()), key=lambda x: x["control_score"])
    assert braking[0]["season_history_pct"] < braking[-1]["season_history_pct"] < 100.0
    assert all(x["season_vs_reference_points"] < 0 for x in braking)
    # The same figures in the season's descents table and descents.csv.
    table = season.descents()
    assert table.loc[0, "control_score"] == ctrl["control_score"]
    assert table.loc[0, "season_history_pct"] == pytest.approx(100.0)
    season.write(tmp_path / "out")
    csv = pd.read_csv(tmp_path / "out" / "descents.csv")
    assert list(csv.columns[-len(SEASON_REFERENCE_KEYS):]) == list(SEASON_REFERENCE_KEYS)
    assert csv["season_reference_score"].notna().all()
    # A warm run reads the cache, which never held the season's figures, and gives the same.
    warm = analyze_season([skill_season / "runs"], jobs=2, cache=tmp_path / "cache", progress=False)
    assert warm.analyses == season.analyses


def test_the_cached_documents_are_not_changed(skill_season):
    from trailtech import analyze
    from trailtech.config import AnalysisConfig
    from trailtech.io import load
    from trailtech.season.core import _assemble
    from trailtech.season.discover import Source
    from trailtech.season.work import build_entry

    entries = []
    for path in sorted((skill_season / "runs").iterdir()):
        track = load(path)
        entries.append(build_entry(Source(file=str(path), path=str(path)), analyze(track), track))
    before = copy.deepcopy(entries)
    season = _assemble(entries, [], AnalysisConfig())
    assert entries == before
    for e in entries:
        doc = season.analyses[e["file"]]
        assert doc is not e["analysis"]
        assert all(k in d for d in doc["descents"] for k in SEASON_REFERENCE_KEYS)
        assert not any(k in d for d in e["analysis"]["descents"] for k in SEASON_REFERENCE_KEYS)


def test_a_pitch_is_read_against_the_season_leaving_out_its_own_descent():
    pitch = {"start_m": 0.0, "end_m": 200.0, "control_score": 50.0, "avg_grade_pct": -12.0, "technicality": 0.4}
    a = _doc((90.0, -12.0, 0.4))
    a["descents"][0]["pitches"] = [pitch]
    ride = _doc((10.0, -12.0, 0.4))
    ride["descents"][0]["pitches"] = [dict(pitch)]
    analyses = {"a.fit": a, "b.fit": _doc((60.0, -12.0, 0.4), (70.0, -12.0, 0.4)), "ride.fit": ride}
    before = copy.deepcopy(analyses)
    out = with_season_reference(analyses, on_foot=["a.fit", "b.fit"])
    assert analyses == before
    p = out["a.fit"]["descents"][0]["pitches"][0]
    expected = (60.0 + 70.0 + prior_score(0.4)) / 3.0  # b's two descents and the prior, not a's own
    assert p["season_reference_score"] == pytest.approx(expected, abs=0.01)
    assert p["season_history_weight"] == pytest.approx(2.0, abs=0.01)
    assert p["season_history_pct"] == pytest.approx(0.0)
    assert p["control_score"] == 50.0  # the pitch's own keys kept
    q = out["ride.fit"]["descents"][0]["pitches"][0]  # not counted in the running figures
    assert {k: q[k] for k in SEASON_REFERENCE_KEYS} == dict.fromkeys(SEASON_REFERENCE_KEYS)
