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
