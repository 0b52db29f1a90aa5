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
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pandas as pd

from .. import __version__
from . import htmlkit as hk
from . import style

if TYPE_CHECKING:  # pragma: no cover
    from ..season import Season

__all__ = ["render_season_report", "write_season_report"]

#: Segments drawn in the progress figure (the most-travelled first); all are in the table.
MAX_SEGMENTS_PLOTTED = 8
#: Weeks shown in the weekly figure and table (the most recent); the JSON keeps them all.
MAX_WEEKS_SHOWN = 26


def _figure(height_in: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIG_WIDTH_IN, height_in), layout="constrained")
    return fig


def _dates(values) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(values), utc=True, format="ISO8601")).tz_convert(None)


def _trend_figure(season: "Season") -> str:
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
        if t.get("change_per_30d") is not None and len(y) >= 2:
            days = (x - x[0]).total_seconds().to_numpy() / 86400.0
            slope, icpt = np.polyfit(days, y, 1)
            ax.plot(x[[0, -1]], icpt + slope * days[[0, -1]], "-", color=style.PROFILE_EDGE, lw=1.2,
                    label=f"{t['trend']}: {t['change_per_30d']:+.1f} per 30 days")
            ax.legend(loc="best", fontsize=style.SMALL_SIZE, frameon=False)
        ax.set_ylabel(label, fontsize=style.SMALL_SIZE)
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return hk.figure_svg(fig, prefix="trend")


def _weeks_figure(weeks: list[dict]) -> str:
    fig = _figure(2.8)
    ax = fig.subplots()
    x = np.arange(len(weeks))
    n = np.array([w["technical_sessions"] for w in weeks], dtype=float)
    colors = [style.GOOD if w["verdict"] == "on target" else style.POOR if w["verdict"] == "below target"
              else style.MUTED for w in weeks]
    ax.bar(x, n, color=colors, width=0.7)
    ax.axhspan(1, 2, color=style.GOOD, alpha=0.12, lw=0, label="1-2 per week (coaches' advice)")
    ax.set_xticks(x, [w["week"][5:] for w in weeks], fontsize=style.SMALL_SIZE,
                  rotation=90 if len(weeks) > 12 else 0)
    ax.set_ylabel("technical sessions", fontsize=style.SMALL_SIZE)
    ax.set_ylim(0, max(3.0, float(n.max()) + 0.5 if len(n) else 3.0))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper right", fontsize=style.SMALL_SIZE, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return hk.figure_svg(fig, prefix="weeks")


def _segments_figure(segs: list[dict]) -> str:
    fig = _figure(3.4)
    ax = fig.subplots()
    palette = style.COMPONENT_COLORS
    for k, s in enumerate(segs[:MAX_SEGMENTS_PLOTTED]):
        x = _dates([p["start_time"] for p in s["passes"]])
        d = np.array([p["duration_s"] for p in s["passes"]], dtype=float)
        rel = 100.0 * (d / d[0] - 1.0)
        ax.plot(x, rel, "o-", color=palette[k % len(palette)], lw=1.3, ms=4,
                label=f"{s['segment_id']} ({'descent' if s['direction'] == 'down' else 'climb'}, "
                      f"{s['length_m']:.0f} m)")
    ax.axhline(0, color=style.MUTED, lw=0.8)
    ax.set_ylabel("time vs first pass [%]", fontsize=style.SMALL_SIZE)
    ax.invert_yaxis()  # faster is up
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=style.SMALL_SIZE - 1, frameon=False)
    fig.autofmt_xdate()
    return hk.figure_svg(fig, prefix="segs")


def _score_css(v: Any) -> str:
    if hk.is_missing(v):
        return ""
    v = float(v)
    return "score good" if v >= 75 else ("score fair" if v >= 50 else "score poor")


def render_season_report(season: "Season") -> str:
    """The season report as one HTML string.

    Parameters
    ----------
    season : Season
        The result of :func:`trailtech.analyze_season`.

    Returns
    -------
    str
        A complete, self-contained HTML document.
    """
    doc = season.to_dict()
    acts = doc["activities"]
    body = []
    n = len(acts)
    if n:
        first, last = acts[0]["start_time"], acts[-1]["start_time"]
        span = f"{(first or '')[:10]} – {(last or '')[:10]}"
    else:
        span = "no activities"
    total_km = sum(a["distance_m"] or 0 for a in acts) / 1000.0
    total_up = sum(a["ascent_m"] or 0 for a in acts)
    sessions = sum(bool(a.get("technical_session")) for a in acts)
    body.append(hk.cards([
        ("activities", str(n), span),
        ("distance", f"{total_km:,.0f} km", f"+{total_up:,.0f} m climbing"),
        ("crossover grade", hk.fmt_num(doc["crossover_grade_pct"], 1, "%"),
         "hike above this grade (whole season)"),
        ("technical sessions", str(sessions), f"over {len(season.weeks)} weeks"),
    ]))

    trend_words = []
    for key, label in (("flat_cadence_spm", "Flat cadence"), ("descent_control_score", "Descent control")):
        t = doc["trends"].get(key) or {}
        if t.get("trend"):
            trend_words.append(f"{label}: {t['trend']} ({t['change_per_30d']:+.1f} per 30 days, "
                               f"{t['n']} activities).")
        else:
            trend_words.append(f"{label}: not enough activities for a trend yet.")
    trends_html = hk.bullet_list(trend_words)
    if n:
        trends_html += hk.figure_block(_trend_figure(season), "Each dot is one activity; the line is "
                                       "the least-squares trend.", title="trends")
    body.append(hk.section("Trends", trends_html, id="trends"))

    weeks = season.weeks[-MAX_WEEKS_SHOWN:]
    if weeks:
        below = sum(w["verdict"] == "below target" for w in weeks)
        text = (f"<p>Coaches suggest 1–2 technical sessions a week (line-practice repeats, or runs "
                f"with a good share of technical descent). {below} of the last {len(weeks)} weeks "
                f"had fewer.</p>")
        wk = hk.table(weeks, [
            hk.Column("week", "week", str, text=True),
            hk.Column("activities", "activities"),
            hk.Column("technical_distance_m", "technical descent [km]", lambda v: hk.fmt_km(v, 1)),
            hk.Column("technical_sessions", "technical sessions"),
            hk.Column("verdict", "", str, text=True),
        ])
        body.append(hk.section("Technical sessions per week",
                               text + hk.figure_block(_weeks_figure(weeks), title="weekly sessions") + wk,
                               id="weeks"))

    segs = doc["segments"]
    if segs:
        ordered = sorted(segs, key=lambda s: (-len(s["passes"]), s["segment_id"]))
        seg_html = ["<p>Stretches of trail you ran in two or more activities, timed between the "
                    "same start and end gates each time.</p>",
                    hk.figure_block(_segments_figure(ordered), "Time on each segment relative to "
                                    "its first pass (faster is up).", title="segment progress")]
        for s in ordered:
            kind = "descent" if s["direction"] == "down" else "climb"
            height = hk.fmt_num(None if s["drop_m"] is None else abs(s["drop_m"]), 0, "m")
            seg_html.append(f"<h3>{hk.esc(s['segment_id'])}: {kind}, {s['length_m']:.0f} m, {height} "
                            f"{'drop' if kind == 'descent' else 'gain'} — {hk.esc(s['trend'] or 'no trend')}</h3>")
            seg_html.append(hk.table(s["passes"], [
                hk.Column("start_time", "date", lambda v: (v or "")[:16].replace("T", " "), text=True),
                hk.Column("file", "file", lambda v: Path(v).name, text=True),
                hk.Column("duration_s", "time", hk.fmt_duration),
                hk.Column("control_score", "control [0-100]", css=_score_css),
            ]))
        body.append(hk.section("Segments met more than once", "\n".join(seg_html), id="segments"))

    body.append(hk.section("Activities", hk.table(acts, [
        hk.Column("start_time", "date", lambda v: (v or "")[:10], text=True),
        hk.Column("file", "activity", lambda v: Path(v).name, text=True),
        hk.Column("distance_m", "distance [km]", lambda v: hk.fmt_km(v, 1)),
        hk.Column("ascent_m", "ascent [m]"),
        hk.Column("moving_time_s", "moving", hk.fmt_duration),
        hk.Column("descent_control_score", "descent control", css=_score_css),
        hk.Column("hike_time_s", "hiked", hk.fmt_duration),
        hk.Column("crossover_grade_pct", "crossover [%]", lambda v: hk.fmt_num(v, 1)),
        hk.Column("line_practice_count", "practice spots"),
    ], empty="No activity could be read."), id="activities"))

    if doc["errors"]:
        body.append(hk.section("Files that could not be read", hk.bullet_list(
            f"{e['file']}: {e['error']}" for e in doc["errors"]), id="errors"))

    body.append(hk.download_link(json.dumps(doc, allow_nan=False, indent=1), filename="season.json",
                                 mime="application/json", label="Download the season data (JSON)"))
    footer = (f"trailtech {hk.esc(__version__)} — descent control and technicality are heuristics "
              "(see the documentation), not validated measures.")
    return hk.page("Season report", "\n".join(body), subtitle=f"{n} activities, {span}", footer_html=footer)


def write_season_report(season: "Season", path: Union[str, os.PathLike]) -> Path:
    """Write :func:`render_season_report` to ``path`` (atomically) and return the path."""
    path = Path(path)
    text = render_season_report(season)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
