"""The self-contained HTML report of one activity.

:func:`render_report` turns an :class:`~trailtech.result.Analysis` into one HTML page that
needs nothing else: the figures are inline SVG, the stylesheet is inline, the line-practice
GPX is a ``data:`` link, and one small inline script (:mod:`trailtech.report.readout`) shows
the values under the cursor; no external script, font, style, image or link. It reads offline
and on a phone (responsive layout, tables scroll sideways). Every text that comes from the
file (name, device, warnings, coaching reasons) is HTML-escaped.

Examples
--------
>>> import trailtech
>>> from trailtech.report.html import write_report
>>> result = trailtech.analyze("sample_tracks/trail_run.gpx")   # doctest: +SKIP
>>> write_report(result, "trail_run.html")                       # doctest: +SKIP
PosixPath('trail_run.html')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np
import pandas as pd

from . import htmlkit as hk
from ..analysis.gait.crossover import crossover_interval_text, no_crossover_text
from ..analysis.gait.effort import effort_sentence
from ..track import local_iso

if TYPE_CHECKING:  # pragma: no cover
    from ..result import Analysis
    from .hillshade import Hillshade

__all__ = ["render_report", "write_report", "render_figures", "practice_gpx", "terrain_for"]


# --------------------------------------------------------------------------- pieces
def _signed(nd: int = 0, unit: str = ""):
    def f(value: Any) -> str:
        if hk.is_missing(value):
            return hk.fmt_num(value)
        s = hk.fmt_num(value, nd, unit)
        return s if float(value) <= 0 or s.startswith("0") else "+" + s
    return f


def _km(value: Any) -> str:
    return hk.fmt_num(float(value) / 1000.0, 2) if not hk.is_missing(value) else hk.fmt_num(None)


def _clock(offset_s: Optional[float]):
    """Formatter of a time of day: the local wall clock at ``offset_s`` [s east of UTC], or UTC
    when the offset is unknown (None)."""
    shift = pd.Timedelta(seconds=float(offset_s or 0.0))

    def fmt(value: Any) -> str:
        if hk.is_missing(value):
            return hk.fmt_num(None)
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return (ts.tz_localize(None) + shift).strftime("%H:%M:%S")

    return fmt


def _pass_columns(offset_s: Optional[float]) -> list:
    """The columns of a repeat's passes, timed in local time (with its offset) when known."""
    when = "start [UTC]" if offset_s is None else "start [" + (local_iso(pd.Timestamp(0, tz="UTC"), offset_s) or "")[19:] + "]"
    return [hk.Column("_n", "pass", str), hk.Column("start_time", when, _clock(offset_s)), *_PASS_COLUMNS]


def _numbered(df: Optional[pd.DataFrame], prefix: str) -> list[dict]:
    if not isinstance(df, pd.DataFrame) or len(df) == 0:
        return []
    recs = df.to_dict(orient="records")
    for i, r in enumerate(recs):
        r["_n"] = f"{prefix}{i + 1}"
    return recs


def _pitches(analysis: "Analysis") -> str:
    """The pitches table under the descents (nothing when no descent holds a pitch)."""
    rows = []
    for d in _numbered(analysis.descents, "D"):
        pitches = d.get("pitches")
        if not isinstance(pitches, (list, tuple)):
            continue
        for k, p in enumerate(pitches):
            if isinstance(p, dict):
                rows.append({**p, "_n": f"{d['_n']}.{k + 1}", "descent_score": d.get("control_score")})
    if not rows:
        return ""
    return ("<h3>Pitches inside descents</h3><p>Each steep (≤ −15 %) or technical stretch of 100 m "
            "or more inside a longer descent, scored on its own, so that a rough pitch is not averaged "
            "away in its descent; \"vs your usual\" compares it with your other descents of its grade "
            "and roughness.</p>" + hk.table(rows, _PITCH_COLUMNS))


def _header(analysis: "Analysis") -> tuple[str, str]:
    m = analysis.meta
    name = os.path.basename(str(m.source)) or str(m.source)
    bits = []
    if m.start_time is not None and not hk.is_missing(m.start_time):
        ts = pd.Timestamp(m.start_time)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        local = local_iso(ts, getattr(m, "utc_offset_s", None))
        # Local wall clock with its offset, where the activity took place; UTC when unknown.
        bits.append(ts.strftime("%a %d %b %Y, %H:%M UTC") if local is None else
                    pd.Timestamp(local).strftime("%a %d %b %Y, %H:%M ") + local[19:] + ts.strftime(" (%H:%M UTC)"))
    if m.device:
        bits.append(str(m.device))
    sport = " / ".join(s for s in (m.sport, m.sub_sport) if s)
    if sport:
        bits.append(sport)
    bits.append(str(m.format).upper())
    return name, " · ".join(bits)


def _cards(analysis: "Analysis") -> str:
    def g(key: str):
        return getattr(analysis.summary, key, None)

    hike, run = g("hike_time_s"), g("run_time_s")
    hike_share = None
    if not hk.is_missing(hike) and not hk.is_missing(run) and (hike + run) > 0:
        hike_share = f"{100.0 * hike / (hike + run):.0f} % of moving time"
    n_desc = len(analysis.descents) if isinstance(analysis.descents, pd.DataFrame) else 0
    items = [
        ("Distance", hk.fmt_km(g("distance_m")), None),
        ("Moving time", hk.fmt_duration(g("moving_time_s")),
         f"elapsed {hk.fmt_duration(g('duration_s'))}" if not hk.is_missing(g("duration_s")) else None),
        ("Ascent", hk.fmt_num(g("ascent_m"), 0, "m"),
         f"source: {g('elevation_source')}" if g("elevation_source") else None),
        ("Descent", hk.fmt_num(g("descent_m"), 0, "m"), None),
        ("GAP", hk.fmt_pace(g("gap_speed_mps")),
         f"actual {hk.fmt_pace(g('avg_speed_mps'))}" if not hk.is_missing(g("avg_speed_mps")) else None),
        ("Flat cadence", hk.fmt_num(g("flat_cadence_spm"), 0, "spm"), "steps/min on the flat"),
        ("Descent control", hk.fmt_num(g("descent_control_score"), 0) +
         ("\u00a0/ 100" if not hk.is_missing(g("descent_control_score")) else ""),
         f"{n_desc} descent{'s' if n_desc != 1 else ''}"),
        ("Hike time", hk.fmt_duration(hike), hike_share),
    ]
    return hk.cards(items)


_CLIMB_COLUMNS = [
    hk.Column("_n", "#", str),
    hk.Column("start_m", "start [km]", _km),
    hk.Column("length_m", "length [m]"),
    hk.Column("gain_m", "gain [m]"),
    hk.Column("avg_grade_pct", "grade [%]", lambda v: hk.fmt_num(v, 1)),
    hk.Column("hike_fraction", "hiked [% of time]", lambda v: hk.fmt_num(None if hk.is_missing(v) else 100 * v)),
    hk.Column("hike_vam_m_per_h", "hiking VAM [m/h]"),
    hk.Column("run_vam_m_per_h", "running VAM [m/h]"),
]

_DESCENT_COLUMNS = [
    hk.Column("_n", "#", str),
    hk.Column("start_m", "start [km]", _km),
    hk.Column("length_m", "length [m]"),
    hk.Column("drop_m", "drop [m]"),
    hk.Column("avg_grade_pct", "grade [%]", lambda v: hk.fmt_num(v, 1)),
    hk.Column("control_score", "control [0–100]", css=hk.score_css),
    hk.Column("cadence_spm", "cadence [spm]"),
    hk.Column("cadence_delta_spm", "vs flat [spm]", _signed(0)),
    hk.Column("speed_cv", "speed variation [%]", lambda v: hk.fmt_num(None if hk.is_missing(v) else 100 * v)),
    hk.Column("braking_events", "braking events"),
    hk.Column("technicality", "technicality [0–1]", lambda v: hk.fmt_num(v, 2)),
    hk.Column("vs_reference_points", "vs your usual [points]", _signed(0)),
]

#: The pitches table: each steep or technical pitch inside a longer descent, scored on its own
#: and read against the runner's other descents (issue 14 items 2 and 3).
_PITCH_COLUMNS = [
    hk.Column("_n", "#", str),
    hk.Column("start_m", "from [km]", _km),
    hk.Column("end_m", "to [km]", _km),
    hk.Column("length_m", "length [m]"),
    hk.Column("avg_grade_pct", "grade [%]", lambda v: hk.fmt_num(v, 1)),
    hk.Column("technicality", "technicality [0–1]", lambda v: hk.fmt_num(v, 2)),
    hk.Column("control_score", "control [0–100]", css=hk.score_css),
    hk.Column("descent_score", "its descent [0–100]", css=hk.score_css),
    hk.Column("vs_reference_points", "vs your usual [points]", _signed(0)),
    hk.Column("walk_m", "walked [m]"),
]

_FLAG_COLUMNS = [
    hk.Column("start_m", "from [km]", _km),
    hk.Column("end_m", "to [km]", _km),
    hk.Column("avg_grade_pct", "grade [%]", lambda v: hk.fmt_num(v, 1)),
    hk.Column("run_vam_m_per_h", "running VAM [m/h]"),
    hk.Column("hike_vam_m_per_h", "your hiking VAM [m/h]"),
]

#: A pass's columns after its number and start time (:func:`_pass_columns`).
_PASS_COLUMNS = [
    hk.Column("duration_s", "time [m:ss]", hk.fmt_duration),
    hk.Column("control_score", "control [0–100]", css=hk.score_css),
]


#: The figures that answer the pointer (:mod:`trailtech.report.readout`): name -> role.
_READOUT_ROLES = {"elevation_profile": "profile", "route_map": "map", "cadence_grade": "cadence"}


def _draw_figures(analysis: "Analysis", *, dpi: float = 150.0, empty_svg: bool = True,
                  terrain: Optional["Hillshade"] = None) -> dict[str, dict[str, Any]]:
    """Every figure drawn: ``{name: {"svg", "empty" (the empty state's message or None),
    "frame" (the read-out's data-frame or None)}}``. Without ``empty_svg`` an empty state is
    not rendered (``"svg"`` is None): the report shows its message as one line of text.
    ``terrain`` goes under the route map."""
    from . import plots
    from ._figure import EMPTY_GID
    from .readout import frame

    out: dict[str, dict[str, Any]] = {}
    for k, (name, draw, _caption) in enumerate(plots.FIGURES):
        ax = draw(analysis, terrain=terrain) if name == "route_map" and terrain is not None else draw(analysis)
        message = None
        if ax.get_gid() == EMPTY_GID:
            message = next((t.get_text() for t in ax.texts if t.get_text()), "Nothing to show.")
        got: dict[str, Any] = {}
        if message is not None and not empty_svg:
            ax.figure.clear()
            out[name] = {"svg": None, "empty": message, "frame": None}
            continue

        def keep(fig, ax=ax, got=got, name=name):
            if name in _READOUT_ROLES and ax.get_gid() != EMPTY_GID:
                got["frame"] = frame(ax)

        svg = hk.figure_svg(ax.figure, prefix=f"f{k}-{name.replace('_', '-')}", dpi=dpi, on_drawn=keep)
        out[name] = {"svg": svg, "empty": message, "frame": got.get("frame")}
        del ax
    return out


def render_figures(analysis: "Analysis", *, dpi: float = 150.0) -> dict[str, str]:
    """Every report figure as inline SVG markup, keyed by name (see ``plots.FIGURES``).

    Each figure is rendered and cleared at once, so memory stays flat over a season.
    """
    return {name: f["svg"] for name, f in _draw_figures(analysis, dpi=dpi).items()}


def practice_gpx(analysis: "Analysis") -> Optional[bytes]:
    """The line-practice candidates as a GPX of courses (the same bytes as
    ``trailtech analyze --flags-gpx``), or ``None`` when no candidate can be followed."""
    from ..export import line_practice_courses, line_practice_gpx

    courses = line_practice_courses(analysis)
    if not courses:
        return None
    return line_practice_gpx(analysis, courses=courses)


def _line_practice(analysis: "Analysis", source_name: str) -> str:
    lp = analysis.line_practice
    if not isinstance(lp, pd.DataFrame) or len(lp) == 0:
        return ('<p class="empty">No line-practice candidates: no short, steep, technical descent '
                "where control dropped.</p>")
    if "rank" in lp.columns:
        lp = lp.sort_values("rank", kind="stable")
    items = []
    for i, rec in enumerate(lp.to_dict(orient="records")):
        rank = rec.get("rank")
        label = f"{int(rank)}" if not hk.is_missing(rank) else f"{i + 1}"
        facts = (f"{_km(rec.get('start_m'))}–{_km(rec.get('end_m'))} km: "
                 f"{hk.fmt_num(rec.get('length_m'), 0, 'm')}, drop {hk.fmt_num(rec.get('drop_m'), 0, 'm')}, "
                 f"grade {hk.fmt_num(rec.get('avg_grade_pct'), 1, '%')}, control "
                 f"{hk.fmt_num(rec.get('control_score'), 0)}, time lost "
                 f"{hk.fmt_num(rec.get('time_lost_s'), 0, 's')}")
        reasons = rec.get("reasons")
        reasons = list(reasons) if isinstance(reasons, (list, tuple, np.ndarray)) else (
            [reasons] if isinstance(reasons, str) and reasons else [])
        items.append(f"<li><strong>#{hk.esc(label)}</strong> {hk.esc(facts)}"
                     + (hk.bullet_list(reasons) if reasons else "") + "</li>")
    html = ('<p>Short technical descents to run again and again until the line flows: '
            "4–8 repeats, walking back up.</p>"
            f'<ol class="practice">{"".join(items)}</ol>')
    gpx = practice_gpx(analysis)
    if gpx is not None:
        stem = os.path.splitext(source_name)[0] or "activity"
        html += hk.download_link(gpx, filename=f"{stem}-line-practice.gpx", mime="application/gpx+xml",
                                 label="Download the candidates as GPX courses")
    return html


def _hike_run(analysis: "Analysis") -> str:
    hr = analysis.hike_run
    cross = getattr(hr, "crossover_grade_pct", None)
    method = getattr(hr, "method", None)
    facts = [
        f"Gait from {'cadence' if method == 'cadence' else 'speed (no cadence in the file)'}.",
        (f"Your crossover grade: {hk.fmt_num(cross, 1, '%')}"
         + crossover_interval_text(getattr(hr, "crossover_ci_pct", None))
         + " — where you hiked and ran the same grades, above it hiking climbed as fast as running.")
        if not hk.is_missing(cross) else
        "No crossover grade: " + no_crossover_text(getattr(hr, "crossover_reason", None),
                                                   getattr(hr, "crossover_reason_grade_pct", None)) + ".",
    ]
    if getattr(hr, "effort", None) is not None:
        words = effort_sentence(hr.effort)
        facts.append(words[0].upper() + words[1:] + ".")
    out = f"<p>{hk.esc(' '.join(facts))}</p>"
    out += "<h3>Climbs</h3>" + hk.table(_numbered(analysis.climbs, "C"), _CLIMB_COLUMNS,
                                        empty="No climbs (at least 100 m long and 15 m of gain).")
    flags = getattr(hr, "ran_should_hike", None)
    if isinstance(flags, pd.DataFrame) and len(flags):
        out += ("<h3>Ran where hiking was as fast</h3>"
                + hk.table(flags, _FLAG_COLUMNS))
    could = getattr(hr, "hiked_could_run", None)
    if isinstance(could, pd.DataFrame) and len(could):
        out += ("<h3>Hiked where you usually run much faster</h3>"
                + hk.table(could, _FLAG_COLUMNS))
    return out


def _repeats(analysis: "Analysis") -> str:
    rep = analysis.repeats
    if not isinstance(rep, pd.DataFrame) or len(rep) == 0:
        return ""
    out = []
    columns = _pass_columns(getattr(analysis.meta, "utc_offset_s", None))
    for k, rec in enumerate(rep.to_dict(orient="records")):
        passes = rec.get("passes")
        passes = list(passes) if isinstance(passes, (list, tuple, np.ndarray)) else []
        trend = rec.get("trend")
        title = (f"S{k + 1}: {rec.get('direction') or ''} {hk.fmt_num(rec.get('length_m'), 0, 'm')} "
                 f"from {_km(rec.get('start_m'))} km, {len(passes)} passes"
                 + (f", {trend}" if isinstance(trend, str) and trend else ""))
        recs = [{**p, "_n": str(i + 1)} for i, p in enumerate(passes) if isinstance(p, dict)]
        out.append(f"<h3>{hk.esc(title)}</h3>" + hk.table(recs, columns))
    return "".join(out)


# --------------------------------------------------------------------------- public
def terrain_for(analysis: "Analysis") -> Optional["Hillshade"]:
    """Shaded relief around the route from the configured terrain tiles (``--dem DIR``,
    i.e. ``config.dem_dir``, else ``$TRAILTECH_DEM``), or None: no tiles configured, no
    positions, or tiles that cover less than half of the map."""
    from ..dem import dem_folder
    from ..errors import TrackReadError
    from .hillshade import route_hillshade

    folder = dem_folder(getattr(getattr(analysis, "config", None), "dem_dir", "") or None)
    tl = analysis.timeline if isinstance(analysis.timeline, pd.DataFrame) else pd.DataFrame()
    if not folder or not {"lat_deg", "lon_deg", "x_m", "y_m"} <= set(tl.columns):
        return None
    cols = [tl[c].to_numpy(dtype=float) for c in ("lat_deg", "lon_deg", "x_m", "y_m")]
    try:
        return route_hillshade(*cols, folder.sample)
    except TrackReadError:  # an unreadable tile: the plain route, as without tiles
        return None


def _osm_block(analysis: "Analysis", offline: bool, terrain: bool = False) -> str:
    """The OpenStreetMap view under the route map: a button that loads tiles only when
    pressed (online), or, with ``offline``, one line saying the tiles are off."""
    from .readout import TILE_HOST

    tl = analysis.timeline if isinstance(analysis.timeline, pd.DataFrame) else pd.DataFrame()
    if "lat_deg" not in tl.columns or not tl["lat_deg"].notna().any():
        return ""
    if offline:
        return ('<p class="small">Map tiles are off (<code>--offline</code>): the route map '
                + ("above lies on shaded relief from your terrain tiles.</p>" if terrain else
                   "above is drawn from the file alone.</p>"))
    host = hk.esc(TILE_HOST.split("//", 1)[1])
    return ('<div class="osm" id="tt-osm" hidden><div class="osm-credit">© '
            '<a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">'
            "OpenStreetMap</a> contributors</div></div>"
            '<button type="button" class="map" id="tt-osm-show" hidden>'
            "Show the route on OpenStreetMap</button>"
            f'<p class="small">The map view (its button shows where scripts may run) loads tiles '
            f"from {host} only when you press the button while online; nothing else in this "
            "report uses the network.</p>")


def render_report(analysis: "Analysis", *, offline: bool = False) -> str:
    """The complete, self-contained HTML report of one activity.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`trailtech.analyze`.
    offline : bool
        Leave the OpenStreetMap view out: the report then has no way to reach the network.
        Either way, when terrain tiles are configured (``--dem DIR``, i.e. the analysis's
        ``config.dem_dir``, else ``$TRAILTECH_DEM``) the route map lies on their shaded
        relief (:func:`terrain_for`); otherwise it is the plain route.

    Returns
    -------
    str
        One HTML document (UTF-8 text) with inline CSS, inline SVG figures, the read-out's
        data and its small inline script (:mod:`trailtech.report.readout`), and no external
        references.
    """
    from . import plots
    from .readout import data_json, page_script

    name, subtitle = _header(analysis)
    terrain = terrain_for(analysis)
    figs = _draw_figures(analysis, empty_svg=False, terrain=terrain)
    captions = {n: c for n, _f, c in plots.FIGURES}
    if terrain is not None:
        captions["route_map"] += (" Shaded relief from the terrain tiles (DEM), lit from the "
                                  "north-west: the map that needs no network.")
    interactive = any(f["frame"] for f in figs.values())

    def fig(n: str, title: str) -> str:
        f = figs[n]
        if f["empty"] is not None:  # an empty figure is one line of text, not a box
            return f'<p class="empty">{hk.esc(title)}: {hk.esc(f["empty"])}</p>'
        attrs = {"data-role": _READOUT_ROLES[n], "data-frame": f["frame"]} if f["frame"] else None
        # Empty until the script runs (it writes the hint): where scripts are off, e.g. the
        # upload page's sandboxed frame, no promise of a read-out is made.
        after = ('<div class="readout" aria-live="polite"></div>'
                 if n in ("elevation_profile", "cadence_grade") and attrs else "")
        return hk.figure_block(f["svg"], captions[n], title=title, attrs=attrs, after_html=after)

    def figs_row(*blocks: str) -> str:
        return f'<div class="figs">{"".join(blocks)}</div>'

    notes = getattr(analysis, "notes", ()) or ()
    body = [
        hk.section("Summary", _cards(analysis), id="summary"),
        hk.section("Course", figs_row(fig("elevation_profile", "Elevation profile"),
                                      fig("route_map", "Route map")) + _osm_block(analysis, offline, terrain is not None),
                   id="course"),
        hk.section("Hike or run", figs_row(fig("climb_speed", "Climbing speed")) + _hike_run(analysis),
                   id="climbs"),
        hk.section("Descents", figs_row(fig("descent_control", "Descent control score"),
                                        fig("cadence_grade", "Cadence and grade"))
                   + hk.table(_numbered(analysis.descents, "D"), _DESCENT_COLUMNS,
                              empty="No descents (at least 100 m long and 10 m of drop).")
                   + _pitches(analysis),
                   id="descents"),
        hk.section("Line practice", _line_practice(analysis, name), id="line-practice"),
        hk.section("Repeats", (fig("repeats", "Repeats") if figs["repeats"]["empty"] is not None
                               else figs_row(fig("repeats", "Repeats"))) + _repeats(analysis),
                   id="repeats"),
        hk.section("Warnings", hk.bullet_list(analysis.warnings, cls="warnings",
                                              empty="None: the recording looked clean."),
                   id="warnings"),
    ]
    if notes:
        body.append(hk.section("Notes", "<p>What trailtech decided while reading this file.</p>"
                               + hk.bullet_list(notes, cls="notes"), id="notes"))
    body.append(_settings_section(analysis))
    if interactive:
        body.append(f'<script type="application/json" id="tt-data">{data_json(analysis)}</script>')
    footer = (f"trailtech {hk.esc(analysis.version)} · a self-contained report: it makes no "
              "network request" + ("" if offline else " unless you ask for the OpenStreetMap view")
              + ". Control score and technicality are heuristics that measure "
              "steadiness on this activity, not validated skill indices.")
    return hk.page(f"{name}", "".join(body), subtitle=subtitle, footer_html=footer,
                   script=page_script(offline) if interactive else "")


def _settings_section(analysis: "Analysis") -> str:
    """Which trailtech and which settings made this report (the JSON's ``trailtech_version``
    and ``settings``)."""
    from ..result import settings_dict

    settings = settings_dict(analysis.config)
    changed = settings["changed"]
    text = (f"trailtech {analysis.version}; settings {settings['hash']} ("
            + ("defaults" if not changed else "changed from the defaults: "
               + ", ".join(f"{k} = {v}" for k, v in changed.items())) + ").")
    return hk.section("Settings", f'<p class="settings">{hk.esc(text)}</p>', id="settings")


def write_report(analysis: "Analysis", path: Union[str, os.PathLike], *, offline: bool = False) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`trailtech.analyze`.
    path : str or path-like
        Output file, usually ``*.html``; its folder must exist.
    offline : bool
        No OpenStreetMap view (see :func:`render_report`).

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    out.write_text(render_report(analysis, offline=offline), encoding="utf-8")
    return out
