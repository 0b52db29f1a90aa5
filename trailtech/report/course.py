"""The course figures of one activity: the elevation profile and the route map (see
:mod:`trailtech.report.plots`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import pandas as pd

from . import _figure as draw
from . import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..result import Analysis
    from .hillshade import Hillshade

__all__ = ["elevation_profile", "route_map", "TERRAIN_GID"]

#: ``gid`` of the route map's shaded relief (its SVG group's id ends with it).
TERRAIN_GID = "terrain"


def elevation_profile(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """Elevation against distance, filled in the colour of the grade.

    A strip under the profile shows hiking and running bouts; brackets above it label each
    descent with its control score (``D1 62``); numbered badges mark line-practice
    candidates by rank.

    Parameters
    ----------
    analysis : Analysis
        Uses ``profile`` (distance_m [m], elevation_m [m], grade_pct [%]),
        ``hike_run.bouts`` (gait, start_m, end_m; falls back to ``timeline.gait``),
        ``descents`` (start_m, end_m, control_score) and ``line_practice`` (rank, start_m,
        end_m).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 3.5 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import Normalize

    ax = draw.axes(ax, 3.5)
    title = "Elevation profile"
    prof = draw.table(analysis, "profile")
    d, h, g = draw.col(prof, "distance_m"), draw.col(prof, "elevation_m"), draw.col(prof, "grade_pct")
    ok = np.isfinite(d) & np.isfinite(h)
    if ok.sum() < 2:
        return draw.empty(ax, title, "No elevation in this file, so no profile, grades or climbs.")
    x, y, grade = d[ok] / 1000.0, h[ok], g[ok]
    lo, hi = float(y.min()), float(y.max())
    span = max(hi - lo, 20.0)
    base = lo - 0.08 * span  # floor of the filled profile
    strip_h = 0.09 * span  # hike/run strip under it
    strip_y = base - 0.04 * span - strip_h
    # Three rows of descent labels above the profile, each a label's height plus a gap apart
    # [pt]: solve for the row step in metres given the axes' approximate height in points.
    axes_h_pt = 0.58 * ax.figure.get_size_inches()[1] * 72.0
    step_frac = (style.SMALL_SIZE + 6.0) / axes_h_pt
    below_labels = (hi + 0.09 * span) - (strip_y - 0.02 * span)
    row_step = step_frac * below_labels / (1.0 - 3.0 * step_frac)
    top = hi + 0.09 * span + 3.0 * row_step

    # Grade colours: a mesh clipped to the area under the profile (rasterised, so the SVG
    # stays small however long the activity is).
    norm = Normalize(-style.GRADE_LIMIT_PCT, style.GRADE_LIMIT_PCT, clip=True)
    fill = ax.fill_between(x, base, y, facecolor="none", edgecolor="none")
    mesh = ax.pcolormesh(x, [base, hi], np.vstack([grade, grade]), cmap=style.GRADE_CMAP,
                         norm=norm, shading="nearest", rasterized=True, zorder=1)
    mesh.set_clip_path(fill.get_paths()[0], transform=ax.transData)
    ax.plot(x, y, color=style.PROFILE_EDGE, lw=1.1, zorder=3)
    cb = ax.figure.colorbar(mesh, ax=ax, pad=0.01, fraction=0.04, aspect=22, extend="both")
    cb.set_label("grade [%]", fontsize=style.SMALL_SIZE)
    cb.ax.tick_params(labelsize=style.SMALL_SIZE)

    handles = _gait_strip(ax, analysis, strip_y, strip_h)
    handles += _descent_brackets(ax, analysis, x, hi, span, row_step, _badge_spots(analysis, d[ok], x, y))
    handles += _practice_marks(ax, analysis, d[ok], x, y)

    ax.set_xlim(float(x[0]), float(x[-1]))
    ax.set_ylim(strip_y - 0.02 * span, top)
    # Elevation ticks only beside the profile: not beside the gait strip or the labels.
    ticks = ax.get_yticks()
    ax.set_yticks([t for t in ticks if base <= t <= hi + 0.05 * span])
    ax.set_ylim(strip_y - 0.02 * span, top)
    ax.set_xlabel("distance [km]")
    ax.set_ylabel("elevation [m]")
    if handles:
        draw.legend_below(ax, handles, ncol=2, handlelength=1.2, columnspacing=1.0)
    draw.finish(ax, title)
    return ax


def route_map(analysis: "Analysis", ax: Optional["Axes"] = None, *,
              terrain: Optional["Hillshade"] = None) -> "Axes":
    """The route in local metres at equal aspect, descents coloured by technicality.

    The positions are the timeline's ``x_m``/``y_m``: east and north of the route's centroid
    in the local projection the preparation made once. Start and finish are marked; numbered
    badges mark line-practice candidates at their start. With ``terrain`` the route lies on
    its shaded relief (the report's offline map when terrain tiles are configured).

    Parameters
    ----------
    analysis : Analysis
        Uses ``timeline`` (x_m, y_m [m], distance_m [m], technicality [0-1]) and
        ``line_practice`` (rank, start_m, end_m, start_lat, start_lon).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 4.8 in figure when omitted.
    terrain : Hillshade, optional
        Shaded relief in the same local metres (:func:`trailtech.report.hillshade.route_hillshade`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.lines import Line2D

    ax = draw.axes(ax, 4.8)
    title = "Route and technicality"
    tl = draw.table(analysis, "timeline")
    x, y = draw.col(tl, "x_m"), draw.col(tl, "y_m")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return draw.empty(ax, title, "No positions in this file, so no map.")
    from .readout import map_scale_m

    scale, unit = map_scale_m(x, y)  # the read-out places its marker in the same unit
    xs, ys = x / scale, y / scale

    # On shaded relief the pale route would vanish: it is drawn dark there.
    route_color = style.PROFILE_EDGE if terrain is not None else style.TRACK_COLOR
    ax.plot(xs, ys, color=route_color, lw=1.4, zorder=1, solid_joinstyle="round")
    handles: list[Any] = [Line2D([], [], color=route_color, lw=1.4, label="route")]
    if terrain is not None:
        handles.append(_draw_terrain(ax, terrain, scale))
    tech = draw.col(tl, "technicality")
    on = ok & np.isfinite(tech)
    if on.any():
        sc = ax.scatter(xs[on], ys[on], c=tech[on], cmap=style.TECHNICALITY_CMAP, vmin=0, vmax=1,
                        s=7, lw=0, zorder=2, rasterized=True)
        cb = ax.figure.colorbar(sc, ax=ax, pad=0.01, fraction=0.04, aspect=25)
        cb.set_label("technicality on descents [0–1]", fontsize=style.SMALL_SIZE)
        cb.ax.tick_params(labelsize=style.SMALL_SIZE)

    first, last = np.flatnonzero(ok)[[0, -1]]
    # On a loop start and finish coincide: a large start triangle under a small finish square
    # keeps both visible.
    ax.plot(xs[first], ys[first], marker="^", ms=15, color=style.GOOD, mec="white", zorder=5)
    ax.plot(xs[last], ys[last], marker="s", ms=6, color=style.PROFILE_EDGE, mec="white", zorder=6)
    handles += [Line2D([], [], marker="^", ls="", ms=9, color=style.GOOD, label="start"),
                Line2D([], [], marker="s", ls="", ms=7, color=style.PROFILE_EDGE, label="finish")]

    lp = draw.table(analysis, "line_practice")
    if len(lp):
        dist = draw.col(tl, "distance_m")
        rank, p0, p1 = draw.col(lp, "rank"), draw.col(lp, "start_m"), draw.col(lp, "end_m")
        for i in range(len(lp)):
            if not (np.isfinite(p0[i]) and np.isfinite(p1[i])):
                continue
            sel = ok & (dist >= p0[i]) & (dist <= p1[i])
            if not sel.any():
                continue
            ax.plot(xs[sel], ys[sel], color=style.CANDIDATE, lw=3.5, alpha=0.9, zorder=3,
                    solid_capstyle="round")
            j = np.flatnonzero(sel)[0]
            label = f"{rank[i]:.0f}" if np.isfinite(rank[i]) else str(i + 1)
            # Candidates often start at the same spot (passes of one descent): fan the badges
            # out so every number stays readable.
            draw.number_badge(ax, float(xs[j]), float(ys[j]), label, dy_pt=13,
                          dx_pt=[0.0, 16.0, -16.0, 32.0, -32.0][i % 5])
        handles.append(Line2D([], [], color=style.CANDIDATE, lw=3.5, label="practice #"))

    if terrain is not None:  # the route with a margin, not the whole square of relief
        pad = 0.06 * max(np.ptp(xs[ok]), np.ptp(ys[ok]))
        ax.set_xlim(np.min(xs[ok]) - pad, np.max(xs[ok]) + pad, auto=True)
        ax.set_ylim(np.min(ys[ok]) - pad, np.max(ys[ok]) + pad, auto=True)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"east [{unit}]")
    ax.set_ylabel(f"north [{unit}]")
    draw.legend_below(ax, handles, ncol=min(len(handles), 3), handlelength=1.5, columnspacing=1.0)
    ax.grid(True, color="#EEEEEE", lw=0.6, zorder=0)
    draw.finish(ax, title)
    return ax


def _draw_terrain(ax: "Axes", terrain: "Hillshade", scale: float) -> Any:
    """The shaded relief under the route, in the map's unit (``scale`` m per unit); returns
    its legend handle."""
    from matplotlib.patches import Patch

    # Unsampled ("none"): the SVG holds the grid's own pixels, which the report's CSS lets
    # the browser smooth (matplotlib asks for crisp pixels).
    image = ax.imshow(terrain.shade, cmap="gray", vmin=0.0, vmax=1.0, alpha=0.55, origin="lower",
                      interpolation="none", zorder=0,
                      extent=(terrain.x_m[0] / scale, terrain.x_m[1] / scale,
                              terrain.y_m[0] / scale, terrain.y_m[1] / scale))
    image.set_gid(TERRAIN_GID)
    return Patch(facecolor="#A8A8A8", label="terrain (DEM hillshade)")


def _gait_strip(ax: "Axes", analysis: "Analysis", strip_y: float, strip_h: float) -> list[Any]:
    """The hike / run strip under the profile (bouts, else the timeline's gait); legend handles."""
    from matplotlib.patches import Patch

    handles: list[Any] = []
    bouts = getattr(getattr(analysis, "hike_run", None), "bouts", None)
    bouts = bouts if isinstance(bouts, pd.DataFrame) else pd.DataFrame()
    use_bouts = len(bouts) and {"gait", "start_m", "end_m"} <= set(bouts.columns)
    tl = draw.table(analysis, "timeline")
    for gait in ("hike", "run"):
        color = style.GAIT_COLORS[gait]
        if use_bouts:
            sel = bouts[draw.strings(bouts, "gait") == gait]
            s0, s1 = draw.col(sel, "start_m") / 1000.0, draw.col(sel, "end_m") / 1000.0
            keep = np.isfinite(s0) & np.isfinite(s1)
            drawn = bool(keep.any())
            ax.broken_barh(list(zip(s0[keep], (s1 - s0)[keep])), (strip_y, strip_h),
                           facecolors=color, zorder=2)
        else:
            where = draw.strings(tl, "gait") == gait
            drawn = bool(where.any())
            ax.fill_between(draw.col(tl, "distance_m") / 1000.0, strip_y, strip_y + strip_h,
                            where=where, color=color, step="mid", lw=0, zorder=2)
        if drawn:
            handles.append(Patch(color=color, label=style.GAIT_LABELS[gait]))
    return handles


#: A line-practice badge on the profile (:func:`_figure.number_badge`): its centre sits this
#: far above the point, and it reaches this far around its centre [pt].
_BADGE_RISE_PT, _BADGE_RADIUS_PT = 11.0, 10.0


def _badge_spots(analysis: "Analysis", d: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    """Where the line-practice badges of :func:`_practice_marks` sit: (distance [km],
    elevation of the point they mark [m])."""
    lp = draw.table(analysis, "line_practice")
    p0 = draw.col(lp, "start_m")
    return [(float(v / 1000.0), float(np.interp(v / 1000.0, x, y))) for v in p0[np.isfinite(p0)]]


def _descent_brackets(ax: "Axes", analysis: "Analysis", x: np.ndarray, hi: float, span: float,
                      row_step: float, badges: list[tuple[float, float]] = ()) -> list[Any]:
    """A bracket above the profile per descent, labelled with its number and control score.

    Labels are packed into up to three rows, clear of each other and of the line-practice
    ``badges`` ((km, m) of the points they mark); one that fits in none is left out (the
    bracket stays, coloured by its score, and the descents table lists every score).
    """
    from matplotlib.patches import Patch

    desc = draw.table(analysis, "descents")
    d0, d1, score = draw.col(desc, "start_m") / 1000.0, draw.col(desc, "end_m") / 1000.0, \
        draw.col(desc, "control_score")
    many = len(desc) > 8
    fontsize = style.SMALL_SIZE
    # Data units per point of text, from the axes' approximate width (most of the figure).
    km_per_pt = (float(x[-1] - x[0]) or 1.0) / (0.72 * ax.figure.get_size_inches()[0] * 72.0)
    row_end = [-np.inf, -np.inf, -np.inf]
    m_per_pt = row_step / (fontsize + 6.0)  # a row is a label's height plus a gap [pt]

    def clear_of_badges(row: int, lo: float, hi_: float) -> bool:
        bottom = hi + 0.09 * span + row * row_step
        top = bottom + (fontsize + 4.0) * m_per_pt
        r_km, r_m = _BADGE_RADIUS_PT * km_per_pt, _BADGE_RADIUS_PT * m_per_pt
        return not any(bx + r_km > lo and bx - r_km < hi_ and
                       by + _BADGE_RISE_PT * m_per_pt + r_m > bottom and
                       by + _BADGE_RISE_PT * m_per_pt - r_m < top for bx, by in badges)

    for i in np.argsort(np.nan_to_num(d0, nan=np.inf), kind="stable"):
        if not (np.isfinite(d0[i]) and np.isfinite(d1[i])):
            continue
        color = style.score_color(score[i])
        label = draw.fmt_score(score[i]) if many else f"D{i + 1} {draw.fmt_score(score[i])}"
        half = 0.5 * (len(label) * 0.66 * fontsize + 8) * km_per_pt
        # Centred over the descent, but never hanging off either end of the axis.
        mid = min(max((d0[i] + d1[i]) / 2, x[0] + half), x[-1] - half)
        row = next((r for r in range(3) if row_end[r] < min(d0[i], mid - half)
                    and clear_of_badges(r, mid - half, mid + half)), None)
        level = hi + 0.09 * span + (row or 0) * row_step
        ax.plot([d0[i], d1[i]], [level, level], color=color, lw=2.2, solid_capstyle="butt", zorder=4)
        if row is not None:
            ax.text(mid, level + 0.012 * span, label, ha="center", va="bottom", fontsize=fontsize,
                    color=color, zorder=5)
            row_end[row] = max(d1[i], mid + half)
    if not len(desc):
        return []
    return [Patch(color=style.GOOD, label="descent: control score" if many else "descent D#: control score")]


def _practice_marks(ax: "Axes", analysis: "Analysis", d: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[Any]:
    """Line-practice candidates on the profile: the stretch highlighted and a numbered badge.

    ``d`` is the profile's distance [m], ``x`` the same in km and ``y`` its elevation [m].
    """
    lp = draw.table(analysis, "line_practice")
    rank, p0, p1 = draw.col(lp, "rank"), draw.col(lp, "start_m"), draw.col(lp, "end_m")
    for i in range(len(lp)):
        if not (np.isfinite(p0[i]) and np.isfinite(p1[i])):
            continue
        sel = (d >= p0[i]) & (d <= p1[i])
        ax.plot(x[sel], y[sel], color=style.CANDIDATE, lw=3.2, zorder=4, solid_capstyle="round")
        label = f"{rank[i]:.0f}" if np.isfinite(rank[i]) else str(i + 1)
        draw.number_badge(ax, float(p0[i] / 1000.0), float(np.interp(p0[i] / 1000.0, x, y)), label)
    if not len(lp):
        return []
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=style.CANDIDATE, lw=3, label="practice #")]
