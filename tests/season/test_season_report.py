"""The season HTML report: breaks collapsed, duplicates named, one point per activity."""

from __future__ import annotations

import base64
import json
import re

import pandas as pd
import pytest

from trailtech.report.season import MAX_WEEKS_SHOWN, _best_per_activity, render_season_report
from trailtech.season.core import Season, _activity_frame
from trailtech.season.summary import metric_trend, weekly_technical


def _entry(file, start, *, duplicates=(), practice=0, control=80.0):
    return {"file": file, "ok": True, "activity": {
        "file": file, "start_time": start, "sport": "running", "distance_m": 10000.0, "ascent_m": 500.0,
        "moving_time_s": 3600.0, "descent_control_score": control, "hike_time_s": 300.0,
        "crossover_grade_pct": None, "line_practice_count": 1, "name": None, "duration_s": 3700.0,
        "descent_m": 500.0, "flat_cadence_spm": 170.0, "technical_distance_m": 400.0,
        "descent_length_m": 2000.0, "practice_repeats": practice, "format": "fit",
        "sensors": ["position", "cadence"], "samples": 3700, "duplicates": list(duplicates)}}


def _season(starts, *, segments=None, duplicates=None):
    duplicates = duplicates or {}
    acts = _activity_frame([_entry(f"/runs/run{i}.fit", t, duplicates=duplicates.get(i, ()), practice=i % 2)
                            for i, t in enumerate(starts)])
    seg_cols = ["segment_id", "direction", "start_lat", "start_lon", "end_lat", "end_lon", "length_m",
                "drop_m", "n_passes", "trend", "passes"]
    segs = pd.DataFrame(segments or [], columns=seg_cols)
    trends = {"flat_cadence_spm": metric_trend(acts, "flat_cadence_spm", higher_is_better=True, tolerance_per_30d=1),
              "descent_control_score": metric_trend(acts, "descent_control_score", higher_is_better=True,
                                                    tolerance_per_30d=2)}
    return Season(activities=acts, segments=segs, errors=[], crossover_grade_pct=None, trends=trends,
                  weeks=weekly_technical(acts), analyses={})


def _weeks_section(page: str) -> str:
    return page[page.index('<section id="weeks">'):page.index("</section>", page.index('<section id="weeks">'))]


def _embedded_json(page: str) -> dict:
    b64 = re.search(r'href="data:application/json;base64,([^"]+)"', page).group(1)
    return json.loads(base64.b64decode(b64))


def test_a_long_break_is_one_row_and_the_json_keeps_every_week():
    season = _season(["2024-11-25T13:30:00Z", "2024-11-26T13:30:00Z", "2026-06-13T06:30:00Z"],
                     duplicates={2: ["/runs/run2.gpx", "/runs/run2.tcx"]})
    page = render_season_report(season)
    weeks = _weeks_section(page)
    table = weeks[weeks.index("<table>"):]
    assert table.count("<tr>") == 1 + 3  # header, the 2024 week, the break, the 2026 week
    assert "no activities (79 weeks)" in table
    assert re.search(r"2024-W49</span> – <span[^>]*>2026-W23", table)
    assert "0.0 km" not in table.split("no activities")[1]  # no idle week listed one by one
    assert "1 of the 2 weeks with activities had fewer; 79 weeks had none" in weeks
    assert len(_embedded_json(page)["weeks"]) == 81
    assert "http://" not in page.split("<svg")[0] and "https://" not in page


def test_only_the_latest_rows_are_shown_when_the_season_is_long():
    starts = [f"{(pd.Timestamp('2025-01-06T08:00:00Z') + pd.Timedelta(weeks=w)).isoformat()}" for w in range(40)]
    page = render_season_report(_season(starts))
    table = _weeks_section(page)
    assert table.count("<tr>") == 1 + MAX_WEEKS_SHOWN
    assert "14 earlier weeks are in the season data" in table
    assert "2025-W01" not in table and "2025-W40" in table


def test_duplicates_are_named_under_the_kept_file():
    season = _season(["2026-06-13T06:30:00Z"], duplicates={0: ["/runs/run0.gpx", "/x/run0_nocadence.gpx"]})
    page = render_season_report(season)
    acts = page[page.index('<section id="activities">'):]
    assert "2 more files held an activity listed here" in acts
    assert "also: run0.gpx, run0_nocadence.gpx" in acts
    assert "held an activity" not in render_season_report(_season(["2026-06-13T06:30:00Z"]))


def test_segment_progress_uses_each_activitys_fastest_pass():
    t = pd.Timestamp
    passes = [
        {"file": "a.fit", "start_time": t("2026-06-01T08:00:00Z"), "duration_s": 100.0, "control_score": 70.0},
        {"file": "b.fit", "start_time": t("2026-06-08T08:00:00Z"), "duration_s": 95.0, "control_score": 75.0},
        {"file": "b.fit", "start_time": t("2026-06-08T08:05:00Z"), "duration_s": 88.0, "control_score": 80.0},
        {"file": "b.fit", "start_time": t("2026-06-08T08:10:00Z"), "duration_s": 91.0, "control_score": 82.0},
        {"file": "c.fit", "start_time": t("2026-06-15T08:00:00Z"), "duration_s": float("nan"), "control_score": None},
    ]
    x, d = _best_per_activity(passes)
    assert d.tolist() == [100.0, 88.0]
    assert [str(v) for v in x] == ["2026-06-01 08:00:00", "2026-06-08 08:05:00"]
    seg = {"segment_id": "d-abc-def", "direction": "down", "start_lat": 45.0, "start_lon": 6.0, "end_lat": 45.01,
           "end_lon": 6.0, "length_m": 400.0, "drop_m": 60.0, "n_passes": 5, "trend": "improving",
           "passes": passes}
    page = render_season_report(_season(["2026-06-01T08:00:00Z", "2026-06-08T08:00:00Z"], segments=[seg]))
    segs = page[page.index('<section id="segments">'):page.index('<section id="activities">')]
    assert segs.count("<tr>") == 1 + 5  # every pass is still in the table
    assert "d-abc-def: descent, 400 m, 60\u00a0m drop — improving" in segs


@pytest.mark.parametrize("starts", [[], ["2026-06-13T06:30:00Z"]])
def test_small_seasons_render(starts):
    page = render_season_report(_season(starts))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_activity_times_read_as_hours_and_trends_carry_units():
    # 300 s hiked must not print as "5:00" next to moving times like "1:00:00" (5 hours?).
    # Five weekly activities over four weeks: enough evidence for a trend to be worded.
    season = _season([f"2026-06-{d:02d}T06:30:00Z" for d in (1, 8, 15, 22, 29)])
    page = render_season_report(season)
    acts = page[page.index('<section id="activities">'):]
    assert ">0:05:00<" in acts and ">1:00:00<" in acts
    assert "moving [h:mm:ss]" in acts and "hiked [h:mm:ss]" in acts
    start = page.index('<section id="trends">')
    words = page[start:page.index("</ul>", start)]  # the bullet list, not the figure's SVG
    assert "spm per 30 days" in words and "points per 30 days" in words
    assert "90 % interval" in words
    assert "-0.0" not in words


def test_trend_without_evidence_says_what_is_missing():
    season = _season(["2026-06-01T06:30:00Z", "2026-06-08T06:30:00Z", "2026-06-15T06:30:00Z"])
    page = render_season_report(season)
    start = page.index('<section id="trends">')
    words = page[start:page.index("</ul>", start)]
    assert "not enough data yet: needs 2 more activities (have 3, need 5)" in words
    assert "improving" not in words and "worse" not in words
    volume = page[page.index('<section id="volume">'):]
    assert "vertical [m]" in volume and "time on foot [h:mm:ss]" in volume
    assert "No heart rate and no pace in the dated activities" in volume  # hand-built entries have none


def _imported_modules(path, package):
    """Absolute names of every module ``path`` imports (top-level, lazy or TYPE_CHECKING)."""
    import ast

    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            names += [mod] + [f"{mod}.{a.name}" for a in node.names]
    return names


def test_reports_never_import_the_season_package():
    # The season imports its report; a report importing the season back was a circle
    # (season/core.py -> report/season.py -> season.summary -> season/__init__ -> core).
    from pathlib import Path

    import trailtech.report

    folder = Path(trailtech.report.__file__).parent
    offenders = {p.name: [m for m in _imported_modules(p, "trailtech.report")
                          if m == "trailtech.season" or m.startswith("trailtech.season.")]
                 for p in sorted(folder.glob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def _cards_html(page: str) -> str:
    return page[page.index('<div class="cards">'):page.index("</div>\n</div>", page.index('<div class="cards">'))]


def test_the_crossover_card_gives_the_interval_or_the_reason_in_the_activity_reports_words():
    """Issue 15: the season's crossover card shows its interval, and without a crossover why
    not, in the single-activity report's words (one definition of each)."""
    from dataclasses import replace

    from trailtech.analysis.gait.crossover import crossover_interval_text, crossover_reason_text

    season = _season(["2024-11-25T13:30:00Z", "2024-11-26T13:30:00Z"])
    pooled = replace(season, crossover_grade_pct=17.2,
                     crossover={"grade_pct": 17.2, "ci_pct": [15.1, 19.4], "method": "pooled", "reason": None,
                                "reason_text": "", "activities": 0})
    cards = _cards_html(render_season_report(pooled))
    assert "17.2\u00a0%" in cards and "(15.1–19.4 %)" in cards
    assert crossover_interval_text([15.1, 19.4]) == " (15.1–19.4 %)"

    words = crossover_reason_text("never_ran_above", 12.0)
    none = replace(season, crossover={"grade_pct": None, "ci_pct": None, "method": None,
                                      "reason": "never_ran_above", "reason_text": words, "activities": 0})
    cards = _cards_html(render_season_report(none))
    assert "you never ran above 12 %, below the grades you hiked" in cards.replace("&#x27;", "'")
    # A reason code without its words (an older cache entry): the same definition words it.
    bare = replace(season, crossover={"grade_pct": None, "reason": "too_little_overlap"})
    assert crossover_reason_text("too_little_overlap") in _cards_html(render_season_report(bare))
