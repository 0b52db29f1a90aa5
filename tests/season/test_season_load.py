"""Training load (heart-rate TRIMP) and the fitness/fatigue curves, on answers worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from trailtech.config import AnalysisConfig
from trailtech.season.core import _assemble
from trailtech.season.load import fitness_fatigue, hr_histogram, season_hr_range, trimp


def test_histogram_and_trimp_by_hand():
    hr = np.array([150.2, 149.8, np.nan, 300.0, 150.0, 170.0])
    h = hr_histogram(hr, counted=np.array([True, True, True, True, True, False]))
    assert h == {"bpm": [150], "s": [3]}  # NaN, a 300 bpm spike and an uncounted second left out
    # One hour at HRr 0.5 (rest 60, max 180, HR 120): 60 * 0.5 * 0.64 * exp(0.96) = 50.1.
    assert trimp({"bpm": [120], "s": [3600]}, 180.0, 60.0) == pytest.approx(50.1, abs=0.05)
    assert trimp({"bpm": [], "s": []}, 180.0, 60.0) is None


def test_hr_range_from_season_or_options():
    hists = [{"bpm": [150, 185, 201], "s": [600, 40, 3]}]  # 201 held 3 s: a spike
    r = season_hr_range(hists)
    assert r == {"hr_max_bpm": 185.0, "hr_max_source": "season", "hr_rest_bpm": 60.0, "hr_rest_source": "assumed"}
    r = season_hr_range(hists, hr_max_bpm=190, hr_rest_bpm=48)
    assert (r["hr_max_bpm"], r["hr_max_source"], r["hr_rest_bpm"], r["hr_rest_source"]) == (190, "option", 48, "option")


def test_fitness_and_fatigue_start_from_zero_and_decay():
    rows = fitness_fatigue(["2026-03-02", "2026-03-04"], [100.0, None])
    assert [r["date"] for r in rows] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert rows[0]["fitness"] == pytest.approx(100 / 42, abs=0.05)
    assert rows[0]["fatigue"] == pytest.approx(100 / 7, abs=0.05)
    assert rows[2]["fatigue"] == pytest.approx(100 / 7 * (6 / 7) ** 2, abs=0.05)
    assert rows[2]["form"] == pytest.approx(rows[2]["fitness"] - rows[2]["fatigue"], abs=0.11)
    assert fitness_fatigue([], []) == []


def test_season_loads_are_labelled():
    def entry(file, start, hr):
        return {"file": file, "ok": True, "hr": hr, "analysis": {"file": file}, "activity": {
            "file": file, "start_time": start, "sport": "running", "distance_m": 5000.0, "moving_time_s": 1800.0}}

    season = _assemble([entry("/hr.fit", "2026-03-02T07:00:00Z", {"bpm": [120, 180], "s": [3600, 60]}),
                        entry("/nohr.gpx", "2026-03-03T07:00:00Z", {"bpm": [], "s": []})], [], AnalysisConfig())
    acts = season.to_dict()["activities"]
    assert acts[0]["load_source"] == "heart rate (TRIMP)" and acts[0]["training_load"] == pytest.approx(50.1 + 0.64 * np.exp(1.92), abs=0.1)
    assert acts[1]["load_source"] is None and acts[1]["training_load"] is None
    assert season.hr_range["hr_max_bpm"] == 180.0
    assert [r["date"] for r in season.load] == ["2026-03-02", "2026-03-03"]


def test_gap_profile_and_rtss_by_hand():
    from trailtech.season.load import gap_load, gap_profile

    # 2 hours at 3.0 m/s on a grade whose factor is 1.2: grade-adjusted 3.6 m/s; the first
    # hour stands still half the time (not counted: 0 m/s in the hour's average).
    n = 7200
    speed = np.full(n, 3.0)
    counted = np.ones(n, dtype=bool)
    counted[:1800] = False
    p = gap_profile(speed, np.full(n, 1.2), counted)
    assert p["mps10"] == [36] and p["s"] == [5400]
    assert p["best_hour_mps"] == pytest.approx(3.6)
    # 1.5 h at threshold: 150; at half the threshold speed a quarter of it.
    assert gap_load(p, 3.6) == pytest.approx(150.0)
    assert gap_load(p, 7.2) == pytest.approx(37.5)
    assert gap_load(p, None) is None and gap_load({"mps10": [], "s": []}, 3.6) is None
    short = gap_profile(speed[:600], np.ones(600), np.ones(600, dtype=bool))
    assert short["best_hour_mps"] is None and short["s"] == [600]


def test_threshold_and_scale_from_the_season_or_options():
    from trailtech.season.load import GAP_TO_TRIMP_ASSUMED, season_loads, season_threshold

    profiles = [{"best_hour_mps": 3.2}, {"best_hour_mps": 3.5}, {"best_hour_mps": None}]
    assert season_threshold(profiles) == {"threshold_gap_mps": 3.5, "threshold_source": "season"}
    assert season_threshold(profiles, threshold_mps=4.0)["threshold_source"] == "option"
    assert season_threshold([{}])["threshold_gap_mps"] is None
    hr = {"bpm": [120], "s": [3600]}  # TRIMP 50.1 with rest 60, max 180
    pace = {"mps10": [30], "s": [3600]}  # rTSS 100 at threshold 3.0 m/s
    none_hr, none_pace = {"bpm": [], "s": []}, {"mps10": [], "s": []}
    rng = {"hr_max_bpm": 180.0, "hr_rest_bpm": 60.0}
    thr = {"threshold_gap_mps": 3.0}
    # Three activities with both: GAP loads go on the TRIMP scale by their median ratio.
    loads, methods, scale = season_loads([hr, hr, hr, none_hr, none_hr], [pace, pace, pace, pace, none_pace],
                                         rng, thr, [True] * 5)
    assert methods == ["trimp", "trimp", "trimp", "gap", None]
    assert scale["gap_to_trimp_source"] == "season" and scale["gap_to_trimp"] == pytest.approx(0.501)
    assert loads[3] == pytest.approx(50.1, abs=0.05) and loads[4] is None
    # Fewer pairs (or pairs not counted): the assumed scale.
    loads, methods, scale = season_loads([hr, none_hr], [pace, pace], rng, thr, [False, True])
    assert scale == {"gap_to_trimp": GAP_TO_TRIMP_ASSUMED, "gap_to_trimp_source": "assumed", "gap_to_trimp_pairs": 0}
    assert loads[1] == pytest.approx(100.0 * GAP_TO_TRIMP_ASSUMED, abs=0.05) and methods[1] == "gap"


def test_a_season_without_heart_rate_gets_pace_loads_labelled_gap():
    def entry(file, start, best):
        return {"file": file, "ok": True, "hr": {"bpm": [], "s": []}, "analysis": {"file": file},
                "gap": {"mps10": [30], "s": [3600], "best_hour_mps": best}, "activity": {
                    "file": file, "start_time": start, "sport": "running", "distance_m": 10000.0,
                    "moving_time_s": 3600.0}}

    season = _assemble([entry("/a.gpx", "2026-03-02T07:00:00Z", 3.0), entry("/b.gpx", "2026-03-04T07:00:00Z", 2.5)],
                       [], AnalysisConfig())
    doc = season.to_dict()
    assert [a["load_method"] for a in doc["activities"]] == ["gap", "gap"]
    assert doc["activities"][0]["load_source"].startswith("grade-adjusted pace")
    assert doc["load_settings"]["threshold_gap_mps"] == 3.0 and doc["load_settings"]["threshold_source"] == "season"
    assert doc["activities"][0]["training_load"] == pytest.approx(167.0, abs=0.1)
    assert doc["load"][-1]["fitness"] > 0


def test_cli_options_reach_the_season(tmp_path, capsys):
    import argparse

    from trailtech.cli_season import add_season_options, season_kwargs

    p = argparse.ArgumentParser()
    add_season_options(p)
    kw = season_kwargs(p.parse_args(["--hr-max", "188", "--hr-rest", "45", "--threshold-pace", "4:10"]))
    assert kw == {"hr_max_bpm": 188.0, "hr_rest_bpm": 45.0, "threshold_gap_mps": pytest.approx(4.0),
                  "segment_names_file": None, "sport": None}
    assert season_kwargs(p.parse_args(["--sport", "trail", "--sport", "hiking"]))["sport"] == ["trail", "hiking"]
    with pytest.raises(ValueError, match="must be above"):
        season_kwargs(p.parse_args(["--hr-max", "50", "--hr-rest", "60"]))
    for bad in (["--hr-max", "nan"], ["--threshold-pace", "0:30"], ["--threshold-pace", "fast"]):
        with pytest.raises(SystemExit):
            p.parse_args(bad)


def test_a_cached_entry_with_a_broken_pace_histogram_or_segment_place_is_a_miss():
    from trailtech.season.shape import is_entry, is_segments_entry

    good = {"file": "/a.fit", "ok": True, "analysis": {"file": "/a.fit"}, "activity": {"file": "/a.fit"},
            "gap": {"mps10": [30, 31], "s": [10, 20], "best_hour_mps": 3.1}}
    assert is_entry(good)
    for bad in ({"mps10": [30], "s": [10, 20]}, {"mps10": [-3], "s": [1]}, {"mps10": [30], "s": [1.5]},
                {"mps10": [30], "s": [1], "best_hour_mps": "fast"}, {"mps10": [30], "s": [1], "best_hour_mps": 0}):
        assert not is_entry({**good, "gap": bad})
    seg = {"segment_id": "d-a-b", "direction": "down", "passes": [
        {"file": "/a.fit", "start_time": "2026-03-02T07:00:00Z", "duration_s": 60.0, "control_score": None}]}
    assert is_segments_entry({"file": "<segments>", "segments": [{**seg, "where": {"file": "/a.fit",
                                                                                     "start_m": 10.0, "end_m": 20.0}}]})
    assert not is_segments_entry({"file": "<segments>", "segments": [{**seg, "where": "km 3"}]})
