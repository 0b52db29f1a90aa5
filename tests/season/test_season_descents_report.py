"""The season report's table of every descent (sortable), and passes in local time with links."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from trailtech.report.season import render_season_report
from trailtech.report.season_descents import SORT_SCRIPT

from .test_season_report import _season


def _descent(start_m, score, grade=-12.0, tech=0.3):
    return {"start_m": start_m, "length_m": 400.0, "drop_m": 48.0, "avg_grade_pct": grade, "technicality": tech,
            "control_score": score}


def _with_descents():
    season = _season(["2026-06-01T08:00:00Z", "2026-06-08T08:00:00Z"])
    analyses = {"/runs/run0.fit": {"descents": [_descent(1500.0, 62.0), _descent(4200.0, None)]},
                "/runs/run1.fit": {"descents": [_descent(800.0, 91.0, grade=-20.5, tech=0.71)]}}
    return replace(season, analyses=analyses)


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}">')
    return page[start:page.index("</section>", start)]


def test_every_scored_descent_is_a_row_best_control_first_with_sort_values():
    page = render_season_report(_with_descents(), links={"/runs/run1.fit": "season_activities/run1.html"})
    sec = _section(page, "descents")
    assert "2 scored descents, best control first; click a column&#x27;s header to sort by it." in sec
    rows = re.findall(r"<tr>(<td.*?)</tr>", sec)
    assert len(rows) == 2  # the unscored descent is not listed
    values = [re.findall(r'data-v="([^"]*)"', r) for r in rows]
    assert values[0][1:] == ["800.0", "400.0", "48.0", "-20.5", "0.71", "91.0", "", ""]
    assert values[1][1:] == ["1500.0", "400.0", "48.0", "-12.0", "0.3", "62.0", "", ""]
    assert '<a href="season_activities/run1.html">run1.fit</a>' in rows[0]
    assert 'class="sortable"' in sec and SORT_SCRIPT.strip() in page


def test_each_descent_says_where_it_sits_in_the_runners_season():
    """The season reference's points (signed) and history percentile are columns of the table."""
    season = _with_descents()
    docs = {f: {"descents": [{**d, "season_vs_reference_points": v, "season_history_pct": p}
                             for d, v, p in zip(doc["descents"], vs, pct)]}
            for (f, doc), vs, pct in zip(season.analyses.items(), ([-7.6, None], [12.4]), ([25.0, None], [100.0]))}
    sec = _section(render_season_report(replace(season, analyses=docs)), "descents")
    assert "vs your season [points]" in sec and "season rank [%]" in sec
    rows = re.findall(r"<tr>(<td.*?)</tr>", sec)
    assert re.findall(r'data-v="([^"]*)"', rows[0])[-2:] == ["12.4", "100.0"] and ">+12<" in rows[0]
    assert re.findall(r'data-v="([^"]*)"', rows[1])[-2:] == ["-7.6", "25.0"] and ">−8<" in rows[1]


def test_no_descent_table_and_no_script_without_analyses():
    page = render_season_report(_season(["2026-06-01T08:00:00Z"]))
    assert 'id="descents"' not in page and "<script>" not in page


def test_passes_read_in_local_time_and_open_the_activity_report():
    season = _season(["2026-06-01T08:00:00Z", "2026-06-08T08:00:00Z"])
    season.activities["start_time_local"] = ["2026-06-01T02:00:00-06:00", None]
    t = pd.Timestamp
    seg = {"segment_id": "d-abc-def", "name": "Run0 1 Jun, km 1.5–1.9 descent", "name_source": "auto",
           "direction": "down", "start_lat": 45.0, "start_lon": 6.0, "end_lat": 45.01, "end_lon": 6.0,
           "length_m": 400.0, "drop_m": 48.0, "n_passes": 2, "trend": None,
           "passes": [{"file": "/runs/run0.fit", "start_time": t("2026-06-01T08:10:00Z"), "duration_s": 120.0,
                       "control_score": 62.0},
                      {"file": "/runs/run1.fit", "start_time": t("2026-06-08T08:10:00Z"), "duration_s": 110.0,
                       "control_score": 70.0}]}
    season = replace(season, segments=pd.DataFrame([seg]))
    sec = _section(render_season_report(season, links={"/runs/run0.fit": "a/run0.html"}), "segments")
    assert "<h3>Run0 1 Jun, km 1.5–1.9 descent, 400 m, 48\u00a0m drop — no trend</h3>" in sec
    assert '<a href="a/run0.html">2026-06-01 02:10</a>' in sec  # local time, linked
    assert "2026-06-08 08:10 UTC" in sec  # no offset known: said to be UTC
