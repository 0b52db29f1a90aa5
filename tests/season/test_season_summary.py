"""Season summaries with obvious answers: crossover, trends, weekly technical sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.report.season_text import collapse_empty_weeks, trend_change_text
from trailtech.season.summary import (crossover_choices, is_technical_session, metric_trend,
                                      season_crossover, weekly_technical)


def _v_run(g):
    return 3.0 * np.exp(-9.0 * g)


def _v_hike(g):
    return 1.6 * np.exp(-4.0 * g)  # equal to running at ln(3/1.6)/5 = 12.6 %


def _activity_pieces(seed: int, grades) -> pd.DataFrame:
    """One activity's climbing pieces (the season's ``bouts`` columns): both gaits mixed
    around 12.6 %, speeds scattered by 4 %."""
    rng = np.random.default_rng(seed)
    rows, at_m = [], 0.0
    for g in grades:
        hike = rng.random() < 1 / (1 + np.exp(-(g - 0.126) / 0.03))
        v = (_v_hike if hike else _v_run)(g) * np.exp(0.04 * rng.standard_normal())
        dur = 100.0 / v
        rows.append({"gait": "hike" if hike else "run", "start_s": 0.0, "end_s": dur,
                     "start_m": at_m, "end_m": at_m + 100.0, "avg_grade_pct": 100 * g,
                     "vam_m_per_h": v * g * 3600, "duration_s": dur})
        at_m += 100.0
    return pd.DataFrame(rows)


def test_season_crossover_pools_the_evidence_of_its_activities():
    """Issue 15: each activity climbed a few grades around the crossover, too few alone; pooled,
    the season's pieces answer with an interval."""
    from trailtech.analysis.gait.crossover import observed_crossover

    acts = [_activity_pieces(s, np.arange(0.06, 0.20, 0.02)) for s in range(6)]
    alone = [observed_crossover(a.assign(speed_mps=100.0 / a["duration_s"])).grade for a in acts]
    assert sum(x is None for x in alone) >= 3
    x = season_crossover([None if a is None else 100 * a for a in alone], pd.concat(acts))
    assert x["method"] == "pooled" and x["grade_pct"] == pytest.approx(12.6, abs=1.5)
    lo, hi = x["ci_pct"]
    assert lo <= x["grade_pct"] <= hi


def test_season_crossover_falls_back_to_the_activities_then_gives_its_reason():
    empty = pd.DataFrame(columns=["gait", "avg_grade_pct", "start_m", "end_m", "duration_s"])
    x = season_crossover([19.0, None, 21.0, 20.0, float("nan")], empty)
    assert x["method"] == "activities" and x["grade_pct"] == 20.0 and x["activities"] == 3
    # Only running, below the crossover: no answer, and why.
    runs = _activity_pieces(0, np.arange(0.02, 0.06, 0.005))
    x = season_crossover([None], runs.assign(gait="run"))
    assert x["grade_pct"] is None and x["reason"] == "never_hiked" and x["reason_text"]


def test_crossover_choices_judge_an_activity_against_the_season():
    cross = {"grade_pct": 15.0, "ci_pct": [14.0, 16.5]}
    bouts = {"gait": ["run", "run", "hike", "hike", "run"], "avg_grade_pct": [12.0, 18.0, 10.0, 20.0, 16.0],
             "duration_s": [60.0, 90.0, 70.0, 80.0, 50.0]}
    assert crossover_choices(bouts, cross) == {"season_crossover_grade_pct": 15.0, "ran_above_s": 90.0,
                                               "hiked_below_s": 70.0}
    # Without an interval, ±2.5 points around the crossover.
    assert crossover_choices(bouts, {"grade_pct": 15.0})["ran_above_s"] == 90.0
    assert crossover_choices(bouts, {"grade_pct": None}) is None


def _acts(values, days, col="descent_control_score"):
    t0 = pd.Timestamp("2026-03-02T07:00:00Z")  # a Monday
    return pd.DataFrame({"start_time": [t0 + pd.Timedelta(days=d) for d in days], col: values})


def test_metric_trend():
    # Six weekly activities over five weeks: enough evidence, interval clear of zero.
    up = metric_trend(_acts([50, 54, 57, 61, 66, 69], [0, 7, 14, 21, 28, 35]), "descent_control_score",
                      higher_is_better=True, tolerance_per_30d=2.0)
    assert up["trend"] == "improving" and up["change_per_30d"] == pytest.approx(16.3, abs=1.0)
    assert up["change_low_per_30d"] > 0 and up["n"] == 6 and len(up["points"]) == 6
    flat = metric_trend(_acts([170, 170.2, 170, 170.1, 170, 170.1], [0, 7, 14, 21, 28, 35], "c"), "c",
                        higher_is_better=True, tolerance_per_30d=1.0)
    assert flat["trend"] == "steady"
    few = metric_trend(_acts([50, np.nan, 60], [0, 1, 2]), "descent_control_score",
                       higher_is_better=True, tolerance_per_30d=2.0)
    assert few["trend"] is None and few["n"] == 2 and few["status"] == "not enough data yet"
    assert few["missing"] == "3 more activities (have 2, need 5) and a span of 4 weeks (have 2 days)"


def test_flat_cadence_over_13_days_gets_no_trend_word():
    # The five COROS runs of issue 17: 166, 166, 169, 166, 170 spm over 13 days were called
    # "improving (+8.7 spm per 30 days)".
    tr = metric_trend(_acts([166, 166, 169, 166, 170], [0, 2, 4, 6, 13], "c"), "c",
                      higher_is_better=True, tolerance_per_30d=1.0)
    assert tr["trend"] is None and tr["status"] == "not enough data yet"
    assert tr["missing"] == "a span of 4 weeks (have 13 days)"


def test_noisy_metric_without_a_clear_direction_gets_no_word():
    tr = metric_trend(_acts([170, 160, 175, 158, 172, 161, 174], [0, 6, 12, 18, 24, 30, 36], "c"), "c",
                      higher_is_better=True, tolerance_per_30d=1.0)
    assert tr["trend"] is None and tr["status"] == "no clear trend"
    assert tr["change_low_per_30d"] < 0 < tr["change_high_per_30d"]


def test_clear_decline_is_not_called_steady():
    # Issue 17: a line sloping from 179 to 166 spm was labelled "steady +0.0".
    tr = metric_trend(_acts([179, 177, 175, 172, 170, 168, 166], [0, 30, 60, 90, 120, 150, 180], "c"), "c",
                      higher_is_better=True, tolerance_per_30d=1.0)
    assert tr["trend"] == "worse" and tr["change_high_per_30d"] < 0


def test_technical_session_rule():
    assert is_technical_session({"practice_repeats": 1})
    assert is_technical_session({"technical_distance_m": 600, "descent_length_m": 2000})
    assert not is_technical_session({"technical_distance_m": 300, "descent_length_m": 4000})
    assert not is_technical_session({"technical_distance_m": 150, "descent_length_m": 300})
    assert not is_technical_session({"technical_distance_m": None, "descent_length_m": 0})


def test_weekly_technical_fills_empty_weeks():
    acts = _acts([0, 0, 0, 0], [0, 2, 4, 21], col="x")
    acts["practice_repeats"] = [1, 1, 1, 0]
    acts["technical_distance_m"] = [100.0, 200.0, 300.0, 0.0]
    acts["descent_length_m"] = [1000.0] * 4
    weeks = weekly_technical(acts)
    assert [w["week"] for w in weeks] == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]
    assert [w["technical_sessions"] for w in weeks] == [3, 0, 0, 0]
    assert [w["verdict"] for w in weeks] == ["above target", "below target", "below target", "below target"]
    assert weeks[0]["technical_distance_m"] == 600.0 and weeks[0]["week_start"] == "2026-03-02"
    assert weekly_technical(acts.iloc[:0]) == []


def test_collapse_empty_weeks_one_row_per_break():
    # A run in late 2024, two in June 2026: 80 empty weeks in between, one of them alone.
    acts = pd.DataFrame({"start_time": pd.to_datetime(["2024-12-20T08:00:00Z", "2026-06-02T08:00:00Z",
                                                       "2026-06-16T08:00:00Z"], utc=True),
                         "practice_repeats": [1, 0, 1], "technical_distance_m": [500.0, 0.0, 300.0],
                         "descent_length_m": [1000.0] * 3})
    weeks = weekly_technical(acts)
    assert weeks[0]["week"] == "2024-W51" and weeks[-1]["week"] == "2026-W25"
    rows = collapse_empty_weeks(weeks)
    assert [r["label"] for r in rows] == ["2024-W51", "2024-W52 – 2026-W22", "2026-W23", "2026-W24",
                                          "2026-W25"]
    assert [r["empty"] for r in rows] == [False, True, False, True, False]
    assert [r["n_weeks"] for r in rows] == [1, len(weeks) - 4, 1, 1, 1]
    assert sum(r["n_weeks"] for r in rows) == len(weeks)  # every week accounted for
    gap = rows[1]
    assert gap["verdict"] == "no activities" and gap["activities"] == 0 and gap["last_week"] == "2026-W22"
    assert gap["week_start"] == "2024-12-23"
    assert rows[2]["verdict"] == "below target" and rows[4]["technical_sessions"] == 1
    assert weeks[1]["activities"] == 0 and "label" not in weeks[1]  # the input is not changed
    assert collapse_empty_weeks([]) == []


def test_trend_change_text_has_units_and_no_negative_zero():

    assert trend_change_text("flat_cadence_spm", 1.54) == "+1.5 spm per 30 days"
    assert trend_change_text("descent_control_score", -2.0) == "-2.0 points per 30 days"
    assert trend_change_text("flat_cadence_spm", -0.03) == "+0.0 spm per 30 days"
    assert trend_change_text("descent_control_score", None) == "–"
