"""The season HTML report: trends, weekly technical sessions, segment progress, activities.

One self-contained page (inline CSS and SVG, no external resources) built from a
:class:`~trailtech.season.Season` with the shared blocks of :mod:`trailtech.report.htmlkit`.
Figures are :class:`matplotlib.figure.Figure` objects (never pyplot); nothing is computed
here that the season did not already compute.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import quote

import numpy as np
import pandas as pd

from .._version import __version__
from . import htmlkit as hk
from . import style
from .season_descents import SORT_SCRIPT, descents_section
from .season_volume import volume_section
from .season_text import collapse_empty_weeks, not_counted_text, trend_change_text, trend_text

__all__ = ["render_season_report", "write_season_report"]

#: Segments drawn in the progress figure (the most-travelled first); all are in the table.
MAX_SEGMENTS_PLOTTED = 8
#: Rows of the weekly figure and table (the most recent; a run of weeks without activities is
#: one row); the JSON keeps every week.
MAX_WEEKS_SHOWN = 26


def _figure(height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIG_WIDTH_IN, height_in), layout="constrained")
    return fig


def _dates(values) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(values), utc=True, format="ISO8601")).tz_convert(None)


def _trend_figure(season: Any) -> str:
    fig = _figure(4.6)
    axes = fig.subplots(2, 1, sharex=True)
    for ax, key, label in ((axes[0], "flat_cadence_spm", "flat cadence [steps/min]"),
                           (axes[1], "descent_control_score", "descent control [0-100]")):
        t = season.trends.get(key) or {}
        pts = t.get("points") or []
        if not pts:
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", color=style.MUTED)
            ax.set_ylabel(label, fontsize=style.SMALL_SIZE)
            continue
        x = _dates([p[0] for p in pts])
        y = np.array([p[1] for p in pts], dtype=float)
        ax.plot(x, y, "o", color=style.TRACK_COLOR if key == "flat_cadence_spm" else style.ACCENT, ms=5)
        ax.tick_params(axis="y", labelsize=style.SMALL_SIZE)
        if t.get("change_per_30d") is not None and len(y) >= 2:
            # The Theil-Sen line of the trend (median slope), through the median point.
            days = (x - x[0]).total_seconds().to_numpy() / 86400.0
            slope = float(t["change_per_30d"]) / 30.0
            icpt = float(np.median(y - slope * days))
            ax.plot(x[[0, -1]], icpt + slope * days[[0, -1]], "-", color=style.PROFILE_EDGE, lw=1.2,
                    label=f"{t.get('status') or t['trend']}: {trend_change_text(key, t['change_per_30d'])}")
            ax.legend(loc="best", fontsize=style.SMALL_SIZE, frameon=False)
        ax.set_ylabel(label, fontsize=style.SMALL_SIZE)
        ax.grid(alpha=0.3)
    _date_axis(axes[1])
    return hk.figure_svg(fig, prefix="trend")


def _date_axis(ax) -> None:
    """Short date labels that need no rotation (year shown once, where it changes)."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.tick_params(axis="x", labelsize=style.SMALL_SIZE)


def _week_ticks(rows: list[dict]) -> list[str]:
    """Tick labels: "W23", with the year on the first week and where the year changes."""
    labels, year = [], None
    for r in rows:
        if r["empty"]:
            labels.append("")
            continue
        y, w = r["week"].split("-")
        labels.append(w if y == year else f"{y}\n{w}")
        year = y
    return labels


def _weeks_figure(rows: list[dict]) -> str:
    """Technical sessions per week; a run of weeks without activities is one hatched slot."""
    from matplotlib.patches import Patch

    fig = _figure(3.0)
    ax = fig.subplots()
    x = np.arange(len(rows))
    n = np.array([r["technical_sessions"] for r in rows], dtype=float)
    ymax = max(3.0, float(n.max()) + 0.5 if len(n) else 3.0)
    ax.axhspan(1, 2, color=style.GOOD, alpha=0.12, lw=0)
    colors = {"on target": style.GOOD, "below target": style.POOR, "above target": style.MUTED}
    for xi, r, ni in zip(x, rows, n):
        if r["empty"]:
            ax.bar(xi, ymax * 1.08, width=0.8, color="none", edgecolor=style.TRACK_COLOR, hatch="///", lw=0)
            ax.text(xi, ymax / 2, f"no activities ({r['n_weeks']} wk)" if r["n_weeks"] > 1 else "none",
                    rotation=90, ha="center", va="center", fontsize=style.SMALL_SIZE, color=style.MUTED,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
            continue
        # A week with activities but no technical session gets a thin stub and its count, so
        # it reads as a week that was there, with nothing technical in it.
        ax.bar(xi, max(ni, 0.025 * ymax), width=0.7, color=colors.get(r["verdict"], style.MUTED))
        ax.text(xi, max(ni, 0.025 * ymax) + 0.02 * ymax, f"{ni:.0f}", ha="center", va="bottom",
                fontsize=style.SMALL_SIZE, color=style.PROFILE_EDGE)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_xticks(x, _week_ticks(rows), fontsize=style.SMALL_SIZE - (1 if len(rows) > 12 else 0))
    if len(rows) > 14:
        ax.tick_params(axis="x", labelrotation=90)
    ax.set_ylabel("technical sessions", fontsize=style.SMALL_SIZE)
    ax.set_ylim(0, ymax * 1.08)  # room for the count over a full bar
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", alpha=0.3)
    handles = [Patch(color=style.GOOD, alpha=0.25, label="target: 1–2 a week"),
               Patch(color=style.GOOD, label="on target"), Patch(color=style.POOR, label="below")]
    if any(r["verdict"] == "above target" for r in rows):
        handles.append(Patch(color=style.MUTED, label="above"))
    # Above the plot, never over a bar.
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(handles),
              fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.2, columnspacing=1.0,
              borderaxespad=0.2)
    return hk.figure_svg(fig, prefix="weeks")


def _best_per_activity(passes: list[dict]) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Start time and duration [s] of each activity's fastest pass, in time order.

    Line-practice sessions pass a segment several times within minutes; one point per
    activity keeps the season's progress readable.
    """
    df = pd.DataFrame({"file": [p["file"] for p in passes],
                       "t": _dates([p["start_time"] for p in passes]),
                       "d": np.array([p["duration_s"] for p in passes], dtype=float)})
    df = df[np.isfinite(df["d"])]
    best = df.loc[df.groupby("file", sort=False)["d"].idxmin()].sort_values("t")
    return pd.DatetimeIndex(best["t"]), best["d"].to_numpy()


def _segment_label(s: dict) -> str:
    """The legend label of a segment: its name (which says descent or climb), and its length."""
    name = s.get("name") or f"{s['segment_id']} ({'descent' if s['direction'] == 'down' else 'climb'})"
    return f"{name}, {s['length_m']:.0f} m"


def _segments_figure(segs: list[dict]) -> str:
    from matplotlib.ticker import FuncFormatter

    shown = segs[:MAX_SEGMENTS_PLOTTED]
    # One legend column: two would need a smaller font than a phone can show.
    fig = _figure(2.9 + 0.19 * len(shown))
    ax = fig.subplots()
    palette = style.COMPONENT_COLORS
    markers = "osD^v<>p"
    for k, s in enumerate(shown):
        x, d = _best_per_activity(s["passes"])
        rel = 100.0 * (d / d[0] - 1.0)
        ax.plot(x, rel, "-", marker=markers[k % len(markers)], color=palette[k % len(palette)], lw=1.3, ms=4,
                label=_segment_label(s))
    ax.axhline(0, color=style.MUTED, lw=0.8)
    ax.set_ylabel("time vs first pass [%]", fontsize=style.SMALL_SIZE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}" if round(v) else "0"))
    ax.invert_yaxis()  # faster is up
    ax.grid(alpha=0.3)
    _date_axis(ax)
    # Below the plot: a legend inside would sit on the lines it names.
    fig.legend(loc="outside lower left", ncol=1, fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.6)
    return hk.figure_svg(fig, prefix="segs")


_LEFT = "text-align:left"
_SCORE_STYLE = {"score good": "color:var(--good);font-weight:600", "score fair": "color:var(--fair);font-weight:600",
                "score poor": "color:var(--poor);font-weight:600"}


def _plain_table(header: list[tuple[str, str]], rows: list[list[tuple[str, str, int]]]) -> str:
    """A scrollable table whose cells carry their own inline style and column span.

    For tables that must fit a phone (:func:`htmlkit.table` gives every text column a wide
    minimum width). ``header`` is ``(text, style)`` (text escaped here); each row is
    ``(html, style, colspan)`` with the cell's HTML already escaped by the caller.
    """
    def attrs(st: str, span: int = 1) -> str:
        return (f' style="{hk.esc(st)}"' if st else "") + (f' colspan="{span}"' if span > 1 else "")

    head = "".join(f'<th scope="col"{attrs(st)}>{hk.esc(t)}</th>' for t, st in header)
    body = "".join("<tr>" + "".join(f"<td{attrs(st, span)}>{html}</td>" for html, st, span in r) + "</tr>"
                   for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _nowrap(text: str) -> str:
    return f'<span style="white-space:nowrap">{hk.esc(text)}</span>'


def _small(text: str) -> str:
    """A muted second line in a cell (a file name: may break anywhere on a phone)."""
    return (f'<br><span style="font-size:.8rem;color:var(--muted);overflow-wrap:anywhere">'
            f"{hk.esc(text)}</span>")


def _weeks_table(rows: list[dict]) -> str:
    verdict_style = {"on target": "color:var(--good);font-weight:600", "below target": "color:var(--poor)"}
    out = []
    for r in rows:
        if r["empty"]:
            label = _nowrap(r["week"]) + (f" – {_nowrap(r['last_week'])}" if r["n_weeks"] > 1 else "")
            words = f"no activities ({r['n_weeks']} weeks)" if r["n_weeks"] > 1 else "no activities"
            out.append([(label, _LEFT + ";white-space:normal", 1),
                        (hk.esc(words), _LEFT + ";color:var(--muted);font-style:italic", 4)])
            continue
        out.append([(hk.esc(r["week"]), _LEFT, 1), (str(r["technical_sessions"]), "", 1),
                    (hk.esc(r["verdict"]), _LEFT + ";" + verdict_style.get(r["verdict"], ""), 1),
                    (hk.esc(hk.fmt_km(r["technical_distance_m"], 1)), "", 1), (str(r["activities"]), "", 1)])
    # The verdict early: on a phone the columns after it may need a sideways scroll.
    return _plain_table([("week", _LEFT), ("sessions", ""), ("", _LEFT), ("technical", ""),
                         ("activities", "")], out)


def _local_offsets(acts: list[dict]) -> dict[str, Any]:
    """``file -> UTC offset`` of each activity whose local start is known."""
    out = {}
    for a in acts:
        try:
            t = pd.Timestamp(a.get("start_time_local")) if a.get("start_time_local") else None
        except (ValueError, TypeError):
            t = None
        if t is not None and t.tzinfo is not None:
            out[a["file"]] = t.tzinfo
    return out


def _pass_time(p: dict, offsets: dict[str, Any]) -> str:
    """A pass's start in its activity's local time when known ("2024-11-26 06:42"), else UTC."""
    if isinstance(p.get("start_time_local"), str):  # a pass that carries its own local start
        return p["start_time_local"][:16].replace("T", " ")
    if not p.get("start_time"):
        return ""
    t = pd.Timestamp(p["start_time"])
    tz = offsets.get(p["file"])
    if tz is None or t.tzinfo is None:
        return p["start_time"][:16].replace("T", " ") + " UTC"
    return t.tz_convert(tz).strftime("%Y-%m-%d %H:%M")


def _passes_table(passes: list[dict], offsets: dict[str, Any], links: dict[str, str]) -> str:
    rows = []
    for p in passes:
        score = p.get("control_score")
        when = hk.esc(_pass_time(p, offsets))
        if links.get(p["file"]):
            when = f'<a href="{hk.esc(quote(links[p["file"]]))}">{when}</a>'
        rows.append([(when + _small(Path(p["file"]).name), _LEFT + ";white-space:normal", 1),
                     (hk.esc(hk.fmt_duration(p["duration_s"])), "", 1),
                     (hk.esc(hk.fmt_num(score, 0)), _SCORE_STYLE.get(hk.score_css(score), ""), 1)])
    return _plain_table([("pass", _LEFT), ("time [m:ss]", ""), ("control [0–100]", "")], rows)


def _activities_table(acts: list[dict], links: dict[str, str]) -> str:
    if not acts:
        return '<p class="empty">No activity could be read.</p>'
    rows = []
    for a in acts:
        when = hk.esc((a.get("start_time_local") or a["start_time"] or "–")[:10])
        href = links.get(a["file"])
        if href:
            # The activity's own report, beside this one (season --report).
            when = f'<a href="{hk.esc(quote(href))}" title="the activity\'s own report">{when}</a>'
        cell = when + _small(Path(a["file"]).name)
        if a.get("duplicates"):
            cell += _small("also: " + ", ".join(Path(f).name for f in a["duplicates"]))
        score = a.get("descent_control_score")
        sport = hk.esc((a.get("sport") or "–").replace("_", " "))
        if not a.get("on_foot", True):
            sport += _small("not counted")
        elif a.get("distance_m") and a.get("on_foot_distance_m") is not None \
                and a["on_foot_distance_m"] < 0.99 * a["distance_m"]:
            sport += _small(f"on foot: {hk.fmt_km(a['on_foot_distance_m'], 1)}")
        rows.append([
            (cell, _LEFT + ";white-space:normal;min-width:9em", 1),
            (sport, _LEFT + ";white-space:normal", 1),
            (hk.esc(hk.fmt_km(a["distance_m"], 1)), "", 1),
            (hk.esc(hk.fmt_num(a["ascent_m"], 0, "m")), "", 1),
            (hk.esc(hk.fmt_duration(a["moving_time_s"], hours=True)), "", 1),
            (hk.esc(hk.fmt_num(score, 0)), _SCORE_STYLE.get(hk.score_css(score), ""), 1),
            (hk.esc(hk.fmt_duration(a["hike_time_s"], hours=True)), "", 1),
            (hk.esc(hk.fmt_num(a["crossover_grade_pct"], 1, "%")), "", 1),
            (str(a["line_practice_count"]), "", 1),
        ])
    return _plain_table([("activity", _LEFT), ("sport", _LEFT), ("distance", ""), ("ascent", ""), ("moving [h:mm:ss]", ""),
                         ("control [0–100]", ""), ("hiked [h:mm:ss]", ""), ("crossover", ""),
                         ("practice spots", "")], rows)


def render_season_report(season: Any, *, links: Optional[dict[str, str]] = None) -> str:
    """The season report as one HTML string.

    Parameters
    ----------
    season : Season
        The result of :func:`trailtech.analyze_season`.
    links : dict, optional
        ``file -> URL`` (relative to this report) of each activity's own report: its row in
        the activities table links there.

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    doc = season.to_dict()
    acts = doc["activities"]
    n = len(acts)
    if n:
        first, last = (a.get("start_time_local") or a["start_time"] for a in (acts[0], acts[-1]))
        span = f"{(first or '')[:10]} – {(last or '')[:10]}"
    else:
        span = "no activities"
    # The running figures count on-foot activities (and a multisport file's on-foot part) only.
    run = doc.get("running") or season.running_totals()
    body = [_cards(season, doc, run, span)]
    if run["not_counted"]:
        # Said once, before the first figure that leaves them out.
        body.append("<p>" + hk.esc(not_counted_text(run) + " The cards, trends, weekly sessions and crossover "
                                   "grade are about running, hiking and walking.") + "</p>")
    body.append(_trends_section(season, doc))
    weeks = _weeks_section(season)
    if weeks:
        body.append(weeks)
    body.append(volume_section(season))
    if doc["segments"]:
        body.append(_segments_section(doc["segments"], acts, links or {}))
    has_descents = bool(season.analyses)
    if has_descents:
        body.append(descents_section(season.descents(), acts, links or {}))
    body.append(_activities_section(acts, links or {}))
    if doc["errors"]:
        body.append(hk.section("Files that could not be read", hk.bullet_list(
            f"{e['file']}: {e['error']}" for e in doc["errors"]), id="errors"))
    body.append(hk.download_link(json.dumps(doc, allow_nan=False, indent=1), filename="season.json",
                                 mime="application/json", label="Download the season data (JSON)"))
    footer = (f"trailtech {hk.esc(__version__)} — descent control and technicality are heuristics "
              "(see the documentation), not validated measures.")
    return hk.page("Season report", "\n".join(body), subtitle=f"{n} activities, {span}", footer_html=footer,
                   script=SORT_SCRIPT if has_descents else "")


def _cards(season: Any, doc: dict, run: dict, span: str) -> str:
    """The summary cards: activities on foot, distance, crossover grade, technical sessions."""
    total_km = (run["distance_m"] or 0) / 1000.0
    total_up = run["ascent_m"] or 0
    sessions = sum(bool(a.get("technical_session")) for a in doc["activities"] if a.get("on_foot", True))
    return hk.cards([
        ("activities on foot", str(run["activities"]),
         span + (f" (+{run['not_counted']} other sports)" if run["not_counted"] else "")),
        ("distance", f"{total_km:,.0f} km", f"+{total_up:,.0f} m climbing"),
        ("crossover grade", hk.fmt_num(doc["crossover_grade_pct"], 1, "%"),
         _crossover_card_text(doc["crossover_grade_pct"], doc.get("crossover") or {})),
        ("technical sessions", str(sessions),
         f"in {len(season.weeks)} weeks, {sum(1 for w in season.weeks if w['activities'])} with activities"),
    ])


def _crossover_card_text(grade_pct: Optional[float], cross: dict) -> str:
    """The crossover card's words: with a grade, its interval (pooled) or its source (the
    activities' median); without one, the reason in the single-activity report's words."""
    from ..analysis.gait.crossover import crossover_interval_text, no_crossover_text

    if hk.is_missing(grade_pct):
        return "none: " + (cross.get("reason_text") or no_crossover_text(cross.get("reason")))
    if cross.get("method") == "activities":
        return "hike above this grade (median of the activities' own)"
    return "hike above this grade" + crossover_interval_text(cross.get("ci_pct")) + ", whole season"


def _trends_section(season: Any, doc: dict) -> str:
    """The trend words of flat cadence and descent control, and their figure."""
    trend_words = [f"{label}: {trend_text(key, doc['trends'].get(key))}."
                   for key, label in (("flat_cadence_spm", "Flat cadence"), ("descent_control_score", "Descent control"))]
    trends_html = hk.bullet_list(trend_words)
    if doc["activities"]:
        trends_html += hk.figure_block(_trend_figure(season), "Each dot is one activity; the line is "
                                       "the Theil-Sen trend (median of pairwise slopes), drawn once "
                                       "there are 5 activities over 4 weeks.", title="trends")
    return hk.section("Trends", trends_html, id="trends")


def _weeks_section(season: Any) -> str:
    """Technical sessions per week (the last :data:`MAX_WEEKS_SHOWN` rows); empty without weeks."""
    rows = collapse_empty_weeks(season.weeks)
    hidden = sum(r["n_weeks"] for r in rows[:-MAX_WEEKS_SHOWN])
    rows = rows[-MAX_WEEKS_SHOWN:]
    if not rows:
        return ""
    active = [r for r in rows if not r["empty"]]
    below = sum(r["verdict"] == "below target" for r in active)
    idle = sum(r["n_weeks"] for r in rows if r["empty"])
    text = (f"<p>Coaches suggest 1–2 technical sessions a week (line-practice repeats, or runs with "
            f"a good share of technical descent). {below} of the {len(active)} weeks with activities "
            f"had fewer" + (f"; {idle} weeks had none at all (one row for each break)" if idle else "")
            + (f". {hidden} earlier weeks are in the season data (JSON)" if hidden else "") + ".</p>")
    return hk.section("Technical sessions per week",
                      text + hk.figure_block(_weeks_figure(rows), "Sessions per week; a hatched "
                                             "slot is a break without activities.",
                                             title="weekly sessions") + _weeks_table(rows),
                      id="weeks")


def _segments_section(segs: list, acts: list, links: dict) -> str:
    """Each segment met more than once: its figure, then its passes, time beside control."""
    ordered = sorted(segs, key=lambda s: (-len(s["passes"]), s["segment_id"]))
    offsets = _local_offsets(acts)
    seg_html = ["<p>Stretches of trail you ran in two or more activities, timed between the "
                "same start and end gates each time, each pass's time beside its control score. Give a "
                "segment your own name in segments.toml beside your tracks (season --out writes one to "
                "edit), keyed by its id.</p>",
                hk.figure_block(_segments_figure(ordered), "Each activity's fastest pass of a "
                                "segment, relative to the first activity's (faster is up).",
                                title="segment progress")]
    for s in ordered:
        kind = "descent" if s["direction"] == "down" else "climb"
        height = hk.fmt_num(None if s["drop_m"] is None else abs(s["drop_m"]), 0, "m")
        # An automatic name says descent or climb already.
        title = (hk.esc(s["name"]) if s.get("name") and s.get("name_source") == "auto"
                 else f"{hk.esc(s.get('name') or s['segment_id'])}: {kind}")
        seg_html.append(f"<h3>{title}, {s['length_m']:.0f} m, "
                        f"{height} {'drop' if kind == 'descent' else 'gain'} — "
                        f"{hk.esc(s['trend'] or 'no trend')}</h3>"
                        f'<p class="muted" style="font-size:.8rem;color:var(--muted)">id '
                        f"{hk.esc(s['segment_id'])}" + (" (name from your names file)" if
                                                       s.get("name_source") == "file" else "") + "</p>")
        seg_html.append(_passes_table(s["passes"], offsets, links))
    return hk.section("Segments met more than once", "\n".join(seg_html), id="segments")


def _activities_section(acts: list, links: dict) -> str:
    """The activities table, with a word on files counted once and on the linked reports."""
    dups = [a for a in acts if a.get("duplicates")]
    act_note = ""
    if dups:
        n_dup = sum(len(a["duplicates"]) for a in dups)
        act_note = ("<p>" + hk.esc(f"{n_dup} more file{'s' if n_dup > 1 else ''} held an activity listed here "
                                   "(the same run exported in another format) and "
                                   f"{'were' if n_dup > 1 else 'was'} counted once, from the file with the "
                                   "most sensor data (the others are named under it).") + "</p>")
    if links:
        act_note += ("<p>" + hk.esc("The date of each activity opens its own report (in the folder beside this "
                                    "one).") + "</p>")
    return hk.section("Activities", act_note + _activities_table(acts, links), id="activities")


def write_season_report(season: Any, path: Union[str, os.PathLike]) -> Path:
    """Write :func:`render_season_report` to ``path`` and return the path: atomically, through a
    temporary file of unpredictable name, never through a symlink nor over a device
    (:func:`trailtech._outfile.write_output`)."""
    return season.report(path)
