"""Season summaries with obvious answers: crossover, trends, weekly technical sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.report.season_text import collapse_empty_weeks, trend_change_text
from trailtech.season.summary import (is_technical_session, metric_trend,
                                      pooled_crossover_grade, weekly_technical)


def _bouts():
    # Running VAM = 60 g + 300, hiking VAM = 100 g - 100 [m/h, g in %]: equal where
    # 40 g = 400, i.e. at 10 %.
    rows = []
    for g in (4.0, 6.0, 8.0, 12.0, 14.0):
        rows.append({"gait": "run", "avg_grade_pct": g, "vam_m_per_h": 60 * g + 300, "duration_s": 120})
    for g in (6.0, 9.0, 12.0, 16.0, 20.0):
        rows.append({"gait": "hike", "avg_grade_pct": g, "vam_m_per_h": 100 * g - 100, "duration_s": 120})
    rows.append({"gait": "run", "avg_grade_pct": -8.0, "vam_m_per_h": -900, "duration_s": 300})  # downhill: ignored
    rows.append({"gait": "hike", "avg_grade_pct": 30.0, "vam_m_per_h": 5000, "duration_s": 5})  # too short
    return pd.DataFrame(rows)


def test_pooled_crossover_known_answer():
    assert pooled_crossover_grade(_bouts()) == pytest.approx(10.0)


def test_pooled_crossover_needs_both_gaits():
    b = _bouts()
    assert pooled_crossover_grade(b[b["gait"] == "run"]) is None
    assert pooled_crossover_grade(pd.DataFrame()) is None


def _acts(values, days, col="descent_control_score"):
    t0 = pd.Timestamp("2026-03-02T07:00:00Z")  # a Monday
    return pd.DataFrame({"start_time": [t0 + pd.Timedelta(days=d) for d in days], col: values})


def test_metric_trend():
    up = metric_trend(_acts([50, 55, 60, 65], [0, 10, 20, 30]), "descent_control_score",
                      higher_is_better=True, tolerance_per_30d=2.0)
    assert up["trend"] == "improving" and up["change_per_30d"] == pytest.approx(15.0)
    assert up["n"] == 4 and len(up["points"]) == 4
    flat = metric_trend(_acts([170, 171, 170, 171], [0, 10, 20, 30], "c"), "c",
                        higher_is_better=True, tolerance_per_30d=1.0)
    assert flat["trend"] == "steady"
    few = metric_trend(_acts([50, np.nan, 60], [0, 1, 2]), "descent_control_score",
                       higher_is_better=True, tolerance_per_30d=2.0)
    assert few["trend"] is None and few["n"] == 2


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


def test_season_crossover_prefers_the_median_of_activities():
    import pandas as pd

    from trailtech.season.summary import season_crossover_grade

    empty = pd.DataFrame(columns=["gait", "avg_grade_pct", "vam_m_per_h", "duration_s"])
    assert season_crossover_grade([19.0, None, 21.0, 20.0, float("nan")], empty) == 20.0
    # Fewer than three per-activity values and no pooled answer: the activities' own values.
    assert season_crossover_grade([19.0, 21.0], empty) == 20.0
    assert season_crossover_grade([None], empty) is None


def test_trend_change_text_has_units_and_no_negative_zero():

    assert trend_change_text("flat_cadence_spm", 1.54) == "+1.5 spm per 30 days"
    assert trend_change_text("descent_control_score", -2.0) == "-2.0 points per 30 days"
    assert trend_change_text("flat_cadence_spm", -0.03) == "+0.0 spm per 30 days"
    assert trend_change_text("descent_control_score", None) == "–"
