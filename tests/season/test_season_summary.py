"""Season summaries with obvious answers: crossover, trends, weekly technical sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trailtech.season.summary import (is_technical_session, metric_trend, pooled_crossover_grade,
                                      weekly_technical)


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
