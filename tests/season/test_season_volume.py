"""Weekly volume on foot: the JSON's weeks, the report's figure and table, and the text table."""

from __future__ import annotations

import re

from trailtech.cli import _season_text
from trailtech.report.season import render_season_report
from trailtech.report.season_volume import MAX_VOLUME_WEEKS, load_text

from .test_season_report import _season


def _volume_section(page: str) -> str:
    start = page.index('<section id="volume">')
    return page[start:page.index("</section>", start)]


def test_weeks_sum_distance_vertical_time_hiking_and_technical_distance():
    # _season's activities: 10 km, +500 m, 1 h moving, 5 min hiking, 400 m technical each.
    season = _season(["2026-06-01T08:00:00Z", "2026-06-03T08:00:00Z", "2026-06-10T08:00:00Z"])
    weeks = season.to_dict()["weeks"]
    assert [(w["week"], w["activities"]) for w in weeks] == [("2026-W23", 2), ("2026-W24", 1)]
    w = weeks[0]
    assert (w["distance_m"], w["ascent_m"], w["moving_time_s"], w["hike_time_s"], w["technical_distance_m"]) \
        == (20000.0, 1000.0, 7200.0, 600.0, 800.0)


def test_report_draws_and_tables_the_weekly_volume():
    season = _season(["2026-06-01T08:00:00Z", "2026-06-03T08:00:00Z", "2026-06-10T08:00:00Z"])
    sec = _volume_section(render_season_report(season))
    assert 'aria-label="weekly volume"' in sec and "<svg" in sec
    for label in ("distance [km]", "vertical [m]", "time on foot [h]", "technical", "hiking"):
        assert label in sec
    table = sec[sec.index("<table>"):]
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", rows[1])]
    assert cells == ["2026-W23", "2", "20.0", "1\u202f000", "2:00:00", "0:10:00", "0.8"]


def test_report_shows_only_the_latest_weeks_with_activities():
    import pandas as pd

    starts = [(pd.Timestamp("2025-01-06T08:00:00Z") + pd.Timedelta(weeks=2 * w)).isoformat() for w in range(40)]
    sec = _volume_section(render_season_report(_season(starts)))
    table = sec[sec.index("<table>"):]
    assert table.count("<tr>") == 1 + MAX_VOLUME_WEEKS
    assert "2025-W02" not in table  # the first week is in the JSON only


def test_text_lists_the_weekly_volume():
    text = _season_text(_season(["2026-06-01T08:00:00Z", "2026-06-03T08:00:00Z"]))
    block = text[text.index("volume on foot per week"):].splitlines()
    assert block[1].split() == ["week", "activities", "distance", "vertical", "time", "on", "foot", "hiking",
                                "technical"]
    assert block[2].split() == ["2026-W23", "2", "20.0", "km", "+1,000", "m", "2:00:00", "0:10:00", "0.8", "km"]


def test_load_text_says_which_method_made_the_loads():
    load = [{"date": "2026-06-03", "load": 50.0, "fitness": 2.4, "fatigue": 13.0, "form": -10.6}]
    hr = {"hr_max_bpm": 186.0, "hr_rest_bpm": 60.0, "hr_max_source": "season", "hr_rest_source": "assumed"}
    settings = {"threshold_gap_mps": 1000 / 250, "threshold_source": "option", "gap_to_trimp": 1.67,
                "gap_to_trimp_source": "assumed", "gap_to_trimp_pairs": 0}
    text = load_text(load, hr, settings, ["trimp", "gap", "gap", None])
    assert "1 activity from heart rate (Banister's TRIMP, heart rate 60–186 /min" in text
    assert "2 without heart rate from grade-adjusted pace (rTSS against a threshold pace of 4:10 /km from the option, " \
           "an assumed 1.67 TRIMP per point)" in text
    assert "1 activity has neither and carries no load" in text
    assert "fitness (42-day) 2.4, fatigue (7-day) 13.0, form -10.6" in text
    assert load_text([], hr, settings, [None]).startswith("No heart rate and no pace")
