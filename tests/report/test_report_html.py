"""The one-file HTML report: structure, self-containment, escaping, downloads, speed."""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from lxml import html as lxml_html

from trailtech.report import htmlkit, plots
from trailtech.report.html import render_report, write_report

SECTIONS = ["summary", "course", "climbs", "descents", "line-practice", "repeats", "warnings"]


@pytest.fixture(scope="module")
def sim_html(sim_run):
    return render_report(sim_run)


def _doc(text: str):
    return lxml_html.document_fromstring(text.encode("utf-8"))


def test_report_html_has_every_section_and_figure(sim_html, sim_run):
    doc = _doc(sim_html)
    ids = {s.get("id") for s in doc.iter("section")}
    assert set(SECTIONS) <= ids
    figures = doc.xpath("//figure[@class='plot']")
    # Every figure with something to show; one with nothing (the simulated run repeats no
    # stretch) is a line of text, not a box.
    empties = doc.xpath("//p[@class='empty']")
    assert len(figures) + sum(":" in p.text_content() for p in empties) >= len(plots.FIGURES)
    assert sim_html.count("<svg") == len(figures)
    assert len(doc.xpath("//div[@class='card']")) == 8
    # Tables: one row per climb and descent.
    rows = doc.xpath("(//section[@id='descents']//table)[1]/tbody/tr")
    assert len(rows) == len(sim_run.descents)
    rows = doc.xpath("//section[@id='climbs']//h3[text()='Climbs']/following-sibling::div[1]//tbody/tr")
    assert len(rows) == len(sim_run.climbs)
    # Units in the headers.
    headers = [th.text_content() for th in doc.xpath("//section[@id='descents']//th")]
    assert "length [m]" in headers and "control [0–100]" in headers


def test_report_html_lists_each_pitch_with_its_descent_and_your_usual(sim_html, sim_run):
    doc = _doc(sim_html)
    pitches = [(i, p) for i, ps in enumerate(sim_run.descents["pitches"]) for p in ps]
    assert pitches, "the simulated trail run holds a technical pitch"
    table = doc.xpath("//section[@id='descents']//h3[text()='Pitches inside descents']"
                      "/following-sibling::div[1]//table")[0]
    heads = [th.text_content() for th in table.xpath(".//th")]
    assert heads[:2] == ["#", "from [km]"] and "vs your usual [points]" in heads
    rows = table.xpath("./tbody/tr")
    assert len(rows) == len(pitches)
    cells = [td.text_content() for td in rows[0].xpath("./td")]
    i, p = pitches[0]
    assert cells[0] == f"D{i + 1}.1"
    assert cells[heads.index("control [0–100]")] == htmlkit.fmt_num(p["control_score"])
    assert cells[heads.index("its descent [0–100]")] == htmlkit.fmt_num(sim_run.descents["control_score"].iloc[i])
    assert cells[heads.index("vs your usual [points]")].lstrip("+−-").strip() != ""
    # The descents table reads each against your usual too.
    assert "vs your usual [points]" in [th.text_content() for th in
                                        doc.xpath("(//section[@id='descents']//table)[1]//th")]


def test_report_html_is_self_contained(sim_html):
    doc = _doc(sim_html)
    assert not doc.xpath("//link") and not doc.xpath("//iframe")
    # Scripts: the read-out's data (not executed) and its inline code; neither loads anything.
    from trailtech.report.readout import MAP_SCRIPT, SCRIPT, TILE_HOST, page_script

    scripts = doc.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert not any(s.get("src") for s in scripts)
    assert scripts[1].text == page_script()
    for word in ("fetch(", "XMLHttpRequest", "import(", "localStorage", "WebSocket", "src=", "https:"):
        assert word not in SCRIPT
    # The map view's only address is the tile server's, reached after the button is pressed.
    assert set(re.findall(r"https?://[^'\"/]+", MAP_SCRIPT)) == {TILE_HOST, "http://www.w3.org"}
    assert "@import" not in sim_html
    for el in doc.iter():
        for attr in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href", "action"):
            value = el.get(attr)
            if value is not None and value != "https://www.openstreetmap.org/copyright":
                assert value.startswith(("#", "data:")), (el.tag, attr, value[:80])
    # No external URL anywhere but XML namespace declarations, the tiles (in the map view's
    # script) and the tiles' licence (the attribution link).
    for url in re.findall(r"https?://[^\s\"'<>)]+", sim_html):
        assert url in ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
                       "https://tile.openstreetmap.org/", "https://www.openstreetmap.org/copyright"), url
    assert re.search(r"url\((?!#)", sim_html) is None
    assert '<meta name="viewport"' in sim_html


def test_report_html_svg_ids_unique(sim_html):
    ids = re.findall(r'\bid="([^"]+)"', sim_html)
    assert len(ids) == len(set(ids))
    # Every internal reference points at an id on the page.
    refs = set(re.findall(r'href="#([^"]+)"', sim_html)) | set(re.findall(r"url\(#([^)]+)\)", sim_html))
    assert refs <= set(ids)


def test_report_html_escapes_text_from_files(sim_run):
    evil = "<script>alert('x')</script>"
    meta = dataclasses.replace(sim_run.meta, source=f"/tmp/{evil}.gpx", device="A&B <watch>",
                               sport="trail<run>")
    lp = sim_run.line_practice.copy()
    if len(lp):
        lp["reasons"] = [[f"braked {evil}", "cadence <dropped>"] for _ in range(len(lp))]
    analysis = dataclasses.replace(sim_run, meta=meta, line_practice=lp,
                                   warnings=(f"warning {evil}", "a & b"))
    text = render_report(analysis)
    assert "<script>alert" not in text and text.count("<script") == 2
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "A&amp;B &lt;watch&gt;" in text
    assert "a &amp; b" in text
    if len(lp):
        assert "cadence &lt;dropped&gt;" in text


def test_report_html_gpx_download_holds_every_candidate(sim_run, sim_html):
    gpxpy = pytest.importorskip("gpxpy")
    match = re.search(r'href="data:application/gpx\+xml;base64,([A-Za-z0-9+/=]+)"', sim_html)
    if len(sim_run.line_practice) == 0:
        assert match is None
        pytest.skip("the simulated run has no line-practice candidates")
    assert match is not None
    gpx = gpxpy.parse(base64.b64decode(match.group(1)).decode("utf-8"))
    assert len(gpx.tracks) == len(sim_run.line_practice)
    assert all(len(t.segments[0].points) >= 2 for t in gpx.tracks)


def test_report_html_lists_candidates_with_reasons(sim_run, sim_html):
    doc = _doc(sim_html)
    items = doc.xpath("//ol[@class='practice']/li")
    assert len(items) == len(sim_run.line_practice)
    for li, reasons in zip(items, sim_run.line_practice.sort_values("rank")["reasons"]):
        text = li.text_content()
        for reason in reasons:
            assert reason in text


def test_report_html_repeats_table_per_stretch(sim_repeats):
    doc = _doc(render_report(sim_repeats))
    tables = doc.xpath("//section[@id='repeats']//table")
    assert len(tables) == len(sim_repeats.repeats)
    for table, passes in zip(tables, sim_repeats.repeats["passes"]):
        assert len(table.xpath(".//tbody/tr")) == len(passes)


@pytest.mark.parametrize("offset_s, label, shift_h", [(7200.0, "start [+02:00]", 2), (-25200.0, "start [-07:00]", -7),
                                                     (None, "start [UTC]", 0)])
def test_report_html_pass_times_are_local_with_their_offset(sim_repeats, offset_s, label, shift_h):
    """Pass times read on the wall clock where the run took place, as the header does."""
    import pandas as pd

    analysis = dataclasses.replace(sim_repeats, meta=dataclasses.replace(sim_repeats.meta, utc_offset_s=offset_s))
    table = _doc(render_report(analysis)).xpath("//section[@id='repeats']//table")[0]
    assert table.xpath(".//thead//th")[1].text_content() == label
    first = pd.Timestamp(sim_repeats.repeats["passes"].iloc[0][0]["start_time"]).tz_convert("UTC")
    expect = (first.tz_localize(None) + pd.Timedelta(hours=shift_h)).strftime("%H:%M:%S")
    assert table.xpath(".//tbody/tr[1]/td")[1].text_content() == expect


@pytest.mark.parametrize("which", ["bare", "no_cadence", "no_elevation", "real_no_cadence", "real_run"])
def test_report_html_degrades_gracefully(which, request):
    analysis = request.getfixturevalue(which)
    text = render_report(analysis)
    doc = _doc(text)
    # Each figure is drawn or replaced by one line saying why it is empty.
    shown = len(doc.xpath("//figure[@class='plot']"))
    empty = [p.text_content() for p in doc.xpath("//p[@class='empty']")]
    titled = [t for t in empty if t.split(":")[0] in {
        "Elevation profile", "Route map", "Climbing speed", "Descent control score",
        "Cadence and grade", "Repeats"}]
    assert shown + len(titled) == len(plots.FIGURES)
    assert {s.get("id") for s in doc.iter("section")} >= set(SECTIONS)
    assert "nan" not in doc.text_content().lower().split()


def test_report_write_report(tmp_path, no_elevation):
    out = write_report(no_elevation, tmp_path / "run.html")
    assert isinstance(out, Path) and out.is_file()
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_leaves_no_figures_open(sim_html):
    import matplotlib.pyplot as plt

    assert sim_html  # rendered by the fixture
    assert plt.get_fignums() == []


def test_report_figure_svg_clears_the_figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    svg = htmlkit.figure_svg(fig, prefix="t1")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'viewBox="' in svg and ' width="' not in svg.split(">")[0]
    assert fig.axes == []
    with pytest.raises(ValueError, match="prefix"):
        htmlkit.figure_svg(fig, prefix="1 bad")


def test_report_htmlkit_formatting():
    assert htmlkit.fmt_duration(3725) == "1:02:05"
    assert htmlkit.fmt_duration(65.4) == "1:05"
    assert htmlkit.fmt_pace(1000 / 330) == "5:30\u00a0/km"
    assert htmlkit.fmt_num(float("nan")) == "–"
    assert htmlkit.fmt_num(None) == "–"
    assert htmlkit.fmt_num(1234.56, 1, "m") == "1\u202f234.6\u00a0m"
    assert htmlkit.fmt_km(12345) == "12.35\u00a0km"
    assert htmlkit.fmt_num(-0.2) == "0"
    cell = htmlkit.table([{"a": "<b>"}], [htmlkit.Column("a", "x <y>", str, text=True)])
    assert "&lt;b&gt;" in cell and "x &lt;y&gt;" in cell and '<div class="scroll">' in cell


def test_report_of_a_three_hour_run_stays_light():
    # Its time is measured by benchmarks/stage_timings.py, not asserted here.
    import trailtech
    from trailtech.simulate import simulate_ultra

    analysis = trailtech.analyze(simulate_ultra(hours=3).track)
    text = render_report(analysis)
    assert len(text) < 4_000_000  # inline SVG stays light: dense layers are rasterised


def test_report_html_crossover_and_route_caption_read_right(sim_run, sim_html):
    # The crossover grade reads as in the text summary and the season report (one decimal).
    # Without one (this runner switches cleanly: no grade both hiked and run near its
    # crossover), the reason in words (issue 15), never "not enough hiking and running".
    cross = sim_run.hike_run.crossover_grade_pct
    if cross is not None:
        assert f"Your crossover grade: {cross:.1f}\u00a0%" in sim_html
    else:
        from trailtech.analysis.gait.crossover import crossover_reason_text

        hr = sim_run.hike_run
        words = crossover_reason_text(hr.crossover_reason, hr.crossover_reason_grade_pct)
        assert words and html.escape(f"No crossover grade: {words}.") in sim_html
    # The route map's axes are in km: its caption must not say metres.
    route_caption = next(c for name, _f, c in plots.FIGURES if name == "route_map")
    assert "metres" not in route_caption and "km" in route_caption


def test_report_html_table_headers_wrap_so_wide_tables_fit():
    # The descents table has 11 columns: headers must be allowed to wrap on a desktop too,
    # or the last columns (braking, technicality) fall off the 960 px page.
    rule = re.search(r"(?:^|\})th\{([^}]*)\}", htmlkit.CSS, re.M)
    assert rule and "white-space:normal" in rule.group(1)


def test_report_empty_figure_is_one_line_not_a_box(bare):
    doc = _doc(render_report(bare))
    repeats = doc.xpath("//section[@id='repeats']")[0]
    assert not repeats.xpath(".//svg") and not repeats.xpath(".//figure")
    assert "Repeats: No stretch of trail was covered more than once" in repeats.text_content()


def test_report_carries_version_settings_and_notes(sim_run):
    analysis = dataclasses.replace(sim_run, notes=("cadence doubled",), warnings=("a gap",))
    doc = _doc(render_report(analysis))
    notes = doc.xpath("//section[@id='notes']//li")
    assert [li.text_content() for li in notes] == ["cadence doubled"]
    assert [li.text_content() for li in doc.xpath("//section[@id='warnings']//li")] == ["a gap"]
    settings = doc.xpath("//section[@id='settings']")[0].text_content()
    assert f"trailtech {sim_run.version}" in settings and "sha256:" in settings


def test_report_readout_frames_point_at_the_axes(sim_run, sim_html):
    import json as _json

    doc = _doc(sim_html)
    roles = {f.get("data-role"): f.get("data-frame") for f in doc.xpath("//figure[@data-frame]")}
    assert set(roles) == {"profile", "map", "cadence"}
    x0, y0, w, h, xa, xb, ya, yb = map(float, roles["profile"].split(","))
    assert 0 < x0 < 200 and 0 < y0 and w > 150 and h > 60
    dist_km = sim_run.profile["distance_m"].to_numpy() / 1000.0
    assert xa == pytest.approx(dist_km[0], abs=1e-3) and xb == pytest.approx(dist_km[-1], abs=1e-3)
    data = _json.loads(doc.xpath("//script[@id='tt-data']")[0].text)
    assert set(data) == {"d", "e", "g", "c", "hr", "gait", "x", "y", "lat", "lon"}
    assert len({len(v) for v in data.values()}) == 1 and 10 < len(data["d"]) <= 1500
    assert all(ya <= e <= yb for e in data["e"] if e is not None)


def test_report_cadence_labels_never_overlap():
    from matplotlib.figure import Figure

    from trailtech.report._figure import place_labels

    fig = Figure(figsize=(5.2, 3.7))
    ax = fig.add_subplot()
    ax.set_xlim(-20, 20)
    ax.set_ylim(100, 200)
    # Twelve descents of nearly one grade and cadence (the densest corpus run looks so).
    x = -12 + 0.3 * np.arange(12)
    y = 170 + 0.5 * np.arange(12)
    drawn = place_labels(ax, x, y, [f"D{i + 1}" for i in range(12)], fontsize=11.5, color="k")
    assert 1 <= drawn < 12
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())


def test_report_offline_has_no_map_view_and_no_address(sim_run):
    text = render_report(sim_run, offline=True)
    assert "tt-osm-show" not in text.split("<script>")[0]
    assert "--offline" in text and "openstreetmap" not in text.lower()
    for url in re.findall(r"https?://[^\s\"'<>)]+", text):
        assert url.startswith("http://www.w3.org/"), url
