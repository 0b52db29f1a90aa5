"""Activities whose clock cannot be trusted stay analysed but leave the calendar figures."""

from __future__ import annotations

import pandas as pd

from trailtech.config import AnalysisConfig
from trailtech.season.clocks import clock_problems
from trailtech.season.core import _assemble

NOW = pd.Timestamp("2026-12-06T12:00:00Z")


def test_clock_problem_reasons():
    starts = ["2024-11-24T13:27:08Z", "1990-01-02T08:00:00Z", "2031-05-01T08:00:00Z", "2019-05-01T08:00:00Z", None]
    created = [None, None, None, "2023-06-01T08:00:00Z", None]
    why = clock_problems(starts, created, now=NOW)
    assert why[0] is None
    assert why[1] == "clock unset: dated 1990-01-02, before 2000"
    assert why[2] == "dated 2031-05-01, in the future"
    assert why[3].startswith("starts 2019-05-01, 1492 days from the file's creation time (2023-06-01)")
    assert why[4] == "no start time"
    # A start within a day of "now" (a time-zone slip) and a later export are both fine.
    assert clock_problems(["2026-12-07T06:00:00Z", "2024-01-01T00:00:00Z"],
                          [None, "2024-06-01T00:00:00Z"], now=NOW) == [None, None]


def _entry(file, start, *, created=None):
    return {"file": file, "ok": True, "activity": {
        "file": file, "start_time": start, "sport": "running", "distance_m": 10000.0, "ascent_m": 300.0,
        "moving_time_s": 3600.0, "descent_control_score": 70.0, "hike_time_s": 0.0, "crossover_grade_pct": None,
        "line_practice_count": 0, "technical_distance_m": 0.0, "descent_length_m": 1000.0,
        "flat_cadence_spm": 170.0, "time_created": created}, "analysis": {"file": file}}


def test_unset_clock_kept_but_out_of_weeks_and_trends():
    # Two 2024 runs and a Forerunner 70 run dated 1990 (its clock was never set): before the
    # fix the weeks ran from 1990 to 2024, about 1,800 of them.
    entries = [_entry("/a.fit", "2024-11-22T13:30:02Z"), _entry("/b.fit", "2024-11-24T13:27:08Z"),
               _entry("/fr70.fit", "1990-07-14T10:00:00Z")]
    season = _assemble(entries, [], AnalysisConfig())
    assert len(season.activities) == 3  # kept, analysed, counted in the totals
    assert season.running_totals()["distance_m"] == 30000.0
    assert [w["week"] for w in season.weeks] == ["2024-W47"]
    assert season.trends["flat_cadence_spm"]["n"] == 2
    doc = season.to_dict()
    assert doc["clock_problems"] == [{"file": "/fr70.fit", "start_time": "1990-07-14T10:00:00Z",
                                      "reason": "clock unset: dated 1990-07-14, before 2000"}]
    assert [a["clock_problem"] for a in doc["activities"]][-1] is None


def test_weeks_are_cut_in_local_time():
    # Sunday 1 Dec 2024, 21:00 in Colorado (-07:00) is Monday 04:00 UTC: in UTC the run would
    # land in the next week.
    sunday_evening = {**_entry("/evening.fit", "2024-12-02T04:00:00Z")}
    sunday_evening["activity"] = {**sunday_evening["activity"], "utc_offset_s": -25200,
                                  "start_time_local": "2024-12-01T21:00:00-07:00"}
    season = _assemble([_entry("/monday.fit", "2024-11-25T14:00:00Z"), sunday_evening], [], AnalysisConfig())
    assert [w["week"] for w in season.weeks] == ["2024-W48"]
    assert season.weeks[0]["activities"] == 2
    assert season.to_dict()["activities"][1]["start_time_local"] == "2024-12-01T21:00:00-07:00"


def test_local_time_text_and_offset_rounding():
    from trailtech.io.fit_content import utc_offset_of
    from trailtech.track import local_iso

    assert utc_offset_of([-25201.0]) == -25200  # stamps a second apart
    assert utc_offset_of([20 * 3600.0]) is None  # beyond any zone
    assert utc_offset_of([]) is None
    assert utc_offset_of([900.0]) is None and utc_offset_of([20700.0]) == 20700  # +00:15 no, Nepal yes
    t = pd.Timestamp("2024-11-24T13:27:08.4Z")
    assert local_iso(t, -25200) == "2024-11-24T06:27:08-07:00"
    assert local_iso(t, None) is None and local_iso(None, 3600) is None


def test_text_summary_lists_clock_problems():
    from trailtech.cli import _season_text

    season = _assemble([_entry("/a.fit", "2024-11-22T13:30:02Z"), _entry("/fr70.fit", "1990-07-14T10:00:00Z")],
                       [], AnalysisConfig())
    text = _season_text(season)
    assert "left out of weeks and trends" in text and "/fr70.fit: clock unset: dated 1990-07-14" in text


def test_descents_table_lists_scored_descents_of_every_activity():
    a, b = _entry("/a.fit", "2024-11-22T13:30:02Z"), _entry("/b.fit", "2024-11-24T13:27:08Z")
    a["analysis"]["descents"] = [{"start_m": 100.0, "length_m": 400.0, "drop_m": 60.0, "avg_grade_pct": -15.0,
                                  "technicality": 0.4, "control_score": 55.0},
                                 {"start_m": 900.0, "length_m": 300.0, "drop_m": 30.0, "avg_grade_pct": -10.0,
                                  "technicality": 0.1, "control_score": None}]
    b["analysis"]["descents"] = [{"start_m": 50.0, "length_m": 500.0, "drop_m": 80.0, "avg_grade_pct": -16.0,
                                  "technicality": 0.6, "control_score": 81.0}]
    d = _assemble([a, b], [], AnalysisConfig()).descents()
    assert d["file"].tolist() == ["/b.fit", "/a.fit"] and d["control_score"].tolist() == [81.0, 55.0]
    assert d["start_time_local"].tolist() == ["2024-11-24T13:27:08Z", "2024-11-22T13:30:02Z"]  # no offset known
