"""Figures of one activity, drawn from an :class:`~trailtech.result.Analysis`.

Every function takes the analysis and an optional matplotlib ``Axes``; without one it makes
its own :class:`matplotlib.figure.Figure` (never pyplot, so nothing is registered globally and
a season report can draw hundreds of figures without leaking). Each returns the Axes it drew
on (``ax.figure`` is the figure).

The figures compute nothing: they select columns that the pipeline already produced and
draw them. The only arithmetic here is display scaling (metres to kilometres) and axis
limits. When the data a figure needs is missing (no elevation, no cadence, no descents, no
repeats) it draws an empty state that says why, and never raises.

Examples
--------
>>> import trailtech
>>> from trailtech.simulate import simulate_trail_run
>>> from trailtech.report import plots
>>> result = trailtech.analyze(simulate_trail_run(0).track)   # doctest: +SKIP
>>> ax = plots.elevation_profile(result)                       # doctest: +SKIP
>>> ax.figure.savefig("profile.svg")                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np
import pandas as pd

from . import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..result import Analysis

__all__ = [
    "elevation_profile",
    "route_map",
    "climb_speed",
    "descent_control",
    "cadence_grade",
    "repeats",
    "FIGURES",
    "EMPTY_GID",
    "DESCENT_COMPONENTS",
]

#: ``Axes.get_gid()`` of a figure that drew its empty state instead of data.
EMPTY_GID = "trailtech-empty"

#: The control-score components (science.md 3C: DCS = 30 s1 + 20 s2 + 20 s3 + 15 s4 + 15 s5,
#: each s in 0-1, renormalised over the components that exist): the ``Analysis.descents``
#: column with the points each adds to the score (they sum to ``control_score``), its legend
#: label and its full weight [points].
DESCENT_COMPONENTS: list[tuple[str, str, float]] = [
    ("points_cadence", "cadence vs flat", 30.0),
    ("points_cadence_cv", "cadence steadiness", 20.0),
    ("points_speed_cv", "speed steadiness", 20.0),
    ("points_braking", "few braking events", 15.0),
    ("points_braking_work", "little braking work", 15.0),
]


# --------------------------------------------------------------------------- helpers
def _axes(ax: Optional["Axes"], height_in: float) -> "Axes":
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIG_WIDTH_IN, height_in), layout="constrained")
    return fig.add_subplot()


def _finish(ax: "Axes", title: str) -> None:
    ax.set_title(title, fontsize=style.TITLE_SIZE, loc="left", fontweight="bold")
    ax.tick_params(labelsize=style.SMALL_SIZE)
    ax.xaxis.label.set_size(style.FONT_SIZE)
    ax.yaxis.label.set_size(style.FONT_SIZE)
    for side in ("top", "right"):
        if side in ax.spines:
            ax.spines[side].set_visible(False)


def _empty(ax: "Axes", title: str, message: str) -> "Axes":
    """Draw an informative empty state: the title and why there is nothing to show."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#DDDDDD")
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            fontsize=style.FONT_SIZE, color=style.MUTED, wrap=True)
    ax.set_title(title, fontsize=style.TITLE_SIZE, loc="left", fontweight="bold")
    ax.set_gid(EMPTY_GID)
    if ax.figure is not None and ax.figure.get_size_inches()[1] > 2.2 and len(ax.figure.axes) == 1:
        # An own figure for an empty state need not be as tall as the data version.
        ax.figure.set_size_inches(ax.figure.get_size_inches()[0], 2.0)
    return ax


def _col(df: Optional[pd.DataFrame], name: str) -> np.ndarray:
    """Column as float array; all-NaN when the frame lacks it."""
    if df is None:
        return np.array([], dtype=float)
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)


def _strings(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[name].astype("string").fillna("").to_numpy(dtype=object)


def _bools(df: pd.DataFrame, name: str, default: bool = True) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), default)
    return df[name].fillna(default).to_numpy(dtype=bool)


def _table(analysis: Any, name: str) -> pd.DataFrame:
    df = getattr(analysis, name, None)
    return df if isinstance(df, pd.DataFrame) else pd.DataFrame()


def _fmt_score(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.0f}"


def _number_badge(ax: "Axes", x: float, y: float, label: str, *, dy_pt: float = 11.0,
                  dx_pt: float = 0.0) -> None:
    ax.annotate(label, (x, y), xytext=(dx_pt, dy_pt), textcoords="offset points", ha="center",
                va="center", fontsize=style.SMALL_SIZE, color="white", fontweight="bold",
                bbox=dict(boxstyle="circle,pad=0.25", fc=style.CANDIDATE, ec="white", lw=0.8),
                arrowprops=dict(arrowstyle="-", color=style.CANDIDATE, lw=1.0), zorder=6)


# --------------------------------------------------------------------------- figures
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
    from matplotlib.patches import Patch

    ax = _axes(ax, 3.5)
    title = "Elevation profile"
    prof = _table(analysis, "profile")
    d, h, g = _col(prof, "distance_m"), _col(prof, "elevation_m"), _col(prof, "grade_pct")
    ok = np.isfinite(d) & np.isfinite(h)
    if ok.sum() < 2:
        return _empty(ax, title, "No elevation in this file, so no profile, grades or climbs.")
    x, y, grade = d[ok] / 1000.0, h[ok], g[ok]
    lo, hi = float(y.min()), float(y.max())
    span = max(hi - lo, 20.0)
    base = lo - 0.08 * span  # floor of the filled profile
    strip_h = 0.09 * span  # hike/run strip under it
    strip_y = base - 0.04 * span - strip_h
    top = hi + 0.48 * span  # room for three rows of descent labels

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

    # Hike / run strip.
    handles = []
    bouts = getattr(getattr(analysis, "hike_run", None), "bouts", None)
    bouts = bouts if isinstance(bouts, pd.DataFrame) else pd.DataFrame()
    use_bouts = len(bouts) and {"gait", "start_m", "end_m"} <= set(bouts.columns)
    tl = _table(analysis, "timeline")
    for gait in ("hike", "run"):
        color = style.GAIT_COLORS[gait]
        if use_bouts:
            sel = bouts[_strings(bouts, "gait") == gait]
            s0, s1 = _col(sel, "start_m") / 1000.0, _col(sel, "end_m") / 1000.0
            keep = np.isfinite(s0) & np.isfinite(s1)
            drawn = bool(keep.any())
            ax.broken_barh(list(zip(s0[keep], (s1 - s0)[keep])), (strip_y, strip_h),
                           facecolors=color, zorder=2)
        else:
            where = _strings(tl, "gait") == gait
            drawn = bool(where.any())
            ax.fill_between(_col(tl, "distance_m") / 1000.0, strip_y, strip_y + strip_h,
                            where=where, color=color, step="mid", lw=0, zorder=2)
        if drawn:
            handles.append(Patch(color=color, label=style.GAIT_LABELS[gait]))

    # Descents: a bracket above the profile, labelled with number and control score. Labels
    # are packed into up to three rows; one that fits in none is left out (the bracket stays,
    # coloured by its score, and the descents table lists every score).
    desc = _table(analysis, "descents")
    d0, d1, score = _col(desc, "start_m") / 1000.0, _col(desc, "end_m") / 1000.0, \
        _col(desc, "control_score")
    many = len(desc) > 8
    fontsize = style.SMALL_SIZE - 1
    # Data units per point of text, from the axes' approximate width (most of the figure).
    km_per_pt = (float(x[-1] - x[0]) or 1.0) / (0.78 * ax.figure.get_size_inches()[0] * 72.0)
    row_end = [-np.inf, -np.inf, -np.inf]
    for i in np.argsort(np.nan_to_num(d0, nan=np.inf), kind="stable"):
        if not (np.isfinite(d0[i]) and np.isfinite(d1[i])):
            continue
        color = style.score_color(score[i])
        label = _fmt_score(score[i]) if many else f"D{i + 1} {_fmt_score(score[i])}"
        half = 0.5 * (len(label) * 0.62 * fontsize + 4) * km_per_pt
        # Centred over the descent, but never hanging off either end of the axis.
        mid = min(max((d0[i] + d1[i]) / 2, x[0] + half), x[-1] - half)
        row = next((r for r in range(3) if row_end[r] < min(d0[i], mid - half)), None)
        level = hi + 0.09 * span + (row or 0) * 0.12 * span
        ax.plot([d0[i], d1[i]], [level, level], color=color, lw=2.2, solid_capstyle="butt", zorder=4)
        if row is not None:
            ax.text(mid, level + 0.012 * span, label, ha="center", va="bottom", fontsize=fontsize,
                    color=color, zorder=5)
            row_end[row] = max(d1[i], mid + half)
    if len(desc):
        handles.append(Patch(color=style.GOOD, label="descent: control score" if many
                             else "descent D#: control score"))

    # Line-practice candidates: highlighted stretch and a numbered badge.
    lp = _table(analysis, "line_practice")
    rank, p0, p1 = _col(lp, "rank"), _col(lp, "start_m"), _col(lp, "end_m")
    for i in range(len(lp)):
        if not (np.isfinite(p0[i]) and np.isfinite(p1[i])):
            continue
        sel = (d[ok] >= p0[i]) & (d[ok] <= p1[i])
        ax.plot(x[sel], y[sel], color=style.CANDIDATE, lw=3.2, zorder=4, solid_capstyle="round")
        label = f"{rank[i]:.0f}" if np.isfinite(rank[i]) else str(i + 1)
        _number_badge(ax, float(p0[i] / 1000.0), float(np.interp(p0[i] / 1000.0, x, y)), label)
    if len(lp):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color=style.CANDIDATE, lw=3, label="practice #"))

    ax.set_xlim(float(x[0]), float(x[-1]))
    ax.set_ylim(strip_y - 0.02 * span, top)
    # Elevation ticks only beside the profile: not beside the gait strip or the labels.
    ticks = ax.get_yticks()
    ax.set_yticks([t for t in ticks if base <= t <= hi + 0.05 * span])
    ax.set_ylim(strip_y - 0.02 * span, top)
    ax.set_xlabel("distance [km]")
    ax.set_ylabel("elevation [m]")
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                  fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.2, columnspacing=1.0)
    _finish(ax, title)
    return ax


def route_map(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """The route in local metres at equal aspect, descents coloured by technicality.

    The positions are the timeline's ``x_m``/``y_m``: east and north of the route's centroid
    in the local projection the preparation made once. Start and finish are marked; numbered
    badges mark line-practice candidates at their start.

    Parameters
    ----------
    analysis : Analysis
        Uses ``timeline`` (x_m, y_m [m], distance_m [m], technicality [0-1]) and
        ``line_practice`` (rank, start_m, end_m, start_lat, start_lon).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 4.8 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.lines import Line2D

    ax = _axes(ax, 4.8)
    title = "Route and technicality"
    tl = _table(analysis, "timeline")
    x, y = _col(tl, "x_m"), _col(tl, "y_m")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return _empty(ax, title, "No positions in this file, so no map.")
    extent = max(np.nanmax(x) - np.nanmin(x), np.nanmax(y) - np.nanmin(y))
    scale, unit = (1000.0, "km") if extent > 3000 else (1.0, "m")
    xs, ys = x / scale, y / scale

    ax.plot(xs, ys, color=style.TRACK_COLOR, lw=1.4, zorder=1, solid_joinstyle="round")
    handles: list[Any] = [Line2D([], [], color=style.TRACK_COLOR, lw=1.4, label="route")]
    tech = _col(tl, "technicality")
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

    lp = _table(analysis, "line_practice")
    if len(lp):
        dist = _col(tl, "distance_m")
        rank, p0, p1 = _col(lp, "rank"), _col(lp, "start_m"), _col(lp, "end_m")
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
            _number_badge(ax, float(xs[j]), float(ys[j]), label, dy_pt=13,
                          dx_pt=[0.0, 16.0, -16.0, 32.0, -32.0][i % 5])
        handles.append(Line2D([], [], color=style.CANDIDATE, lw=3.5, label="practice #"))

    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"east [{unit}]")
    ax.set_ylabel(f"north [{unit}]")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(handles),
              fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.5, columnspacing=1.0)
    ax.grid(True, color="#EEEEEE", lw=0.6, zorder=0)
    _finish(ax, title)
    return ax


def climb_speed(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """Vertical speed against grade for every hiking and running bout.

    Marker area grows with the bout's duration. The crossover grade (above it hiking climbs
    as fast as running) is a dashed line; arrows mark the running stretches where hiking
    would have been as fast (``hike_run.ran_should_hike``: from the running to the hiking
    vertical speed). When the crossover came from the runner's speed models
    (``hike_run.crossover_method == "model"``), the two models' vertical-speed curves
    (``hike_run.gait_models``) are drawn and the crossover is marked where they meet.

    Parameters
    ----------
    analysis : Analysis
        Uses ``hike_run.climb_bouts`` when present (bouts cut to climbs), else the uphill
        rows of ``hike_run.bouts`` (gait, avg_grade_pct [%], vam_m_per_h [m/h],
        duration_s [s]), ``hike_run.crossover_grade_pct`` and ``hike_run.ran_should_hike``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 3.7 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, 3.7)
    title = "Climbing speed: hiking vs running"
    hr = getattr(analysis, "hike_run", None)
    # Bouts cut to the climbs when the pipeline provides them; otherwise the whole-activity
    # bouts whose average grade is uphill (at least the grade that ends a climb).
    bouts = getattr(hr, "climb_bouts", None)
    if not isinstance(bouts, pd.DataFrame) or len(bouts) == 0:
        bouts = getattr(hr, "bouts", None)
        bouts = bouts if isinstance(bouts, pd.DataFrame) else pd.DataFrame()
        cfg = getattr(analysis, "config", None)
        min_grade_pct = 100.0 * float(getattr(cfg, "climb_exit_grade", 0.03))
        bouts = bouts[_col(bouts, "avg_grade_pct") >= min_grade_pct] if len(bouts) else bouts
    grade, vam = _col(bouts, "avg_grade_pct"), _col(bouts, "vam_m_per_h")
    gait = _strings(bouts, "gait")
    ok = np.isfinite(grade) & np.isfinite(vam) & np.isin(gait, ["hike", "run"])
    if not ok.any():
        why = ("No hiking or running on climbs: the file has no elevation."
               if not np.isfinite(_col(_table(analysis, "profile"), "elevation_m")).any()
               else "No hiking or running bouts on climbs to compare.")
        return _empty(ax, title, why)
    duration = _col(bouts, "duration_s")
    if not np.isfinite(duration).any():
        duration = _col(bouts, "end_s") - _col(bouts, "start_s")
    size = np.where(np.isfinite(duration), np.clip(duration / 4.0, 12, 260), 40)
    for g in ("run", "hike"):
        sel = ok & (gait == g)
        if sel.any():
            ax.scatter(grade[sel], vam[sel], s=size[sel], color=style.GAIT_COLORS[g], alpha=0.7,
                       edgecolors="white", linewidths=0.6, label=f"{style.GAIT_LABELS[g]} bout",
                       zorder=3)

    flags = getattr(hr, "ran_should_hike", None)
    if isinstance(flags, pd.DataFrame) and len(flags):
        fg, fr, fh = (_col(flags, c) for c in ("avg_grade_pct", "run_vam_m_per_h", "hike_vam_m_per_h"))
        good = np.isfinite(fg) & np.isfinite(fr) & np.isfinite(fh)
        for xg, yr, yh in zip(fg[good], fr[good], fh[good]):
            ax.annotate("", xy=(xg, yh), xytext=(xg, yr), zorder=4,
                        arrowprops=dict(arrowstyle="->", color=style.ACCENT, lw=1.4))
        if good.any():
            ax.scatter(fg[good], fr[good], marker="o", s=36, facecolors="none",
                       edgecolors=style.ACCENT, lw=1.4, zorder=5,
                       label="ran where hiking was as fast (→ hiking speed)")

    cross = getattr(hr, "crossover_grade_pct", None)
    models = getattr(hr, "gait_models", None)
    by_model = getattr(hr, "crossover_method", None) == "model"
    if by_model and isinstance(models, pd.DataFrame) and len(models):
        # The personal speed models the crossover was read from (vertical speed per gait).
        mg = _col(models, "grade_pct")
        for g, col in (("run", "run_vam_m_per_h"), ("hike", "hike_vam_m_per_h")):
            ax.plot(mg, _col(models, col), color=style.GAIT_COLORS[g], lw=1.6, zorder=2,
                    label=f"your {style.GAIT_LABELS[g].lower()} model")
    if cross is not None and np.isfinite(cross):
        ax.axvline(cross, color=style.ACCENT, ls="--", lw=1.3, zorder=2,
                   label=f"crossover grade {cross:.1f} %" + (" (from the models)" if by_model else ""))
        if by_model and isinstance(models, pd.DataFrame) and len(models):
            yc = np.interp(cross, _col(models, "grade_pct"), _col(models, "hike_vam_m_per_h"))
            ax.plot([cross], [yc], marker="o", ms=7, color=style.ACCENT, zorder=6)
    ax.axhline(0, color="#CCCCCC", lw=0.8, zorder=1)
    ax.set_xlabel("average grade of the bout [%]")
    ax.set_ylabel("vertical speed [m/h]")
    ax.grid(True, color="#EEEEEE", lw=0.6, zorder=0)
    leg = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1,
                    fontsize=style.SMALL_SIZE, frameon=False)
    for handle in leg.legend_handles:  # one marker size in the legend, whatever the first bout's
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([40])
    _finish(ax, title)
    return ax


def descent_control(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """Control score of each descent, stacked by the points each metric contributes.

    When the descents table carries the points of the score's components
    (:data:`DESCENT_COMPONENTS`, computed by :func:`trailtech.analysis.descent.control_score`:
    they add up to the score), each bar is a stack of them; the legend gives each
    component's full weight. Otherwise one bar per descent shows the score in its colour band
    (below 40 poor, 40-70 fair, above 70 good). Descents without a score (no cadence, too few
    running samples) are marked "n/a".

    Parameters
    ----------
    analysis : Analysis
        Uses ``descents`` (control_score [0-100] and the points columns of
        :data:`DESCENT_COMPONENTS` [points]).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 3.5 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, 3.5)
    title = "Descent control score"
    desc = _table(analysis, "descents")
    if len(desc) == 0:
        return _empty(ax, title, "No descents in this activity (at least 100 m long and 10 m "
                                 "of drop at -5 % or steeper).")
    score = _col(desc, "control_score")
    pos = np.arange(len(desc))
    labels = [f"D{i + 1}" for i in pos]
    found = [(col, label, full) for col, label, full in DESCENT_COMPONENTS if col in desc.columns]
    missing = [label for col, label, _ in found if not np.isfinite(_col(desc, col)).any()]
    if found:
        bottom = np.zeros(len(desc))
        for k, (col, label, full) in enumerate(found):
            if label in missing:
                continue
            points = np.nan_to_num(_col(desc, col), nan=0.0)
            ax.bar(pos, points, bottom=bottom, width=0.7, label=f"{label} ({full:.0f})",
                   color=style.COMPONENT_COLORS[k % len(style.COMPONENT_COLORS)], zorder=2)
            bottom += points
        if missing:
            from matplotlib.patches import Patch

            ax.legend(handles=[*ax.get_legend_handles_labels()[0],
                               Patch(color="none", label="not measured: " + ", ".join(missing))],
                      loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                      fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.2)
        else:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                      fontsize=style.SMALL_SIZE, frameon=False, handlelength=1.2)
    else:
        ax.bar(pos, np.nan_to_num(score, nan=0.0), width=0.7,
               color=[style.score_color(s) for s in score], zorder=2)
    for i, s in enumerate(score):
        if len(desc) <= 14 or not np.isfinite(s):  # more numbers than room: the table has them
            ax.text(i, (s if np.isfinite(s) else 0) + 2, _fmt_score(s) if np.isfinite(s) else "n/a",
                    ha="center", va="bottom", fontsize=style.SMALL_SIZE - (len(desc) > 8),
                    color=style.PROFILE_EDGE, rotation=90 if len(desc) > 14 else 0)
    ax.axhspan(70, 100, color=style.GOOD, alpha=0.06, zorder=0)
    ax.axhspan(0, 40, color=style.POOR, alpha=0.05, zorder=0)
    ax.set_ylim(0, 108)
    ax.set_xticks(pos, labels)
    if len(desc) > 24:  # keep tick labels legible on long ultras
        keep = pos[:: int(np.ceil(len(desc) / 24))]
        ax.set_xticks(keep, [labels[i] for i in keep])
    ax.set_xlim(-0.6, len(desc) - 0.4)
    ax.set_ylabel("control score [0–100]")
    ax.set_xlabel("descent (in order along the route)")
    ax.grid(True, axis="y", color="#EEEEEE", lw=0.6, zorder=0)
    _finish(ax, title)
    return ax


def cadence_grade(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """Cadence against grade for every moving second, with the flat cadence and the target.

    A horizontal line is the runner's flat cadence; the green band on the downhill side is
    the coached target on descents (+5 to +7 spm over flat). Diamonds are each descent's
    median cadence at its average grade.

    Parameters
    ----------
    analysis : Analysis
        Uses ``timeline`` (cadence_spm [1/min], grade_pct [%], gait, moving),
        ``summary.flat_cadence_spm``, ``descents`` (avg_grade_pct, cadence_spm) and
        ``config.cadence_target_delta_spm``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 3.7 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, 3.7)
    title = "Cadence and grade"
    tl = _table(analysis, "timeline")
    cad, grade = _col(tl, "cadence_spm"), _col(tl, "grade_pct")
    if not np.isfinite(cad).any():
        return _empty(ax, title, "No cadence in this file (no foot pod or wrist cadence), "
                                 "so no cadence analysis.")
    if not np.isfinite(grade).any():
        return _empty(ax, title, "No elevation in this file, so cadence cannot be set against grade.")
    moving = _bools(tl, "moving")
    gait = _strings(tl, "gait")
    ok = moving & np.isfinite(cad) & np.isfinite(grade) & (cad > 0)
    for g in ("run", "hike"):
        sel = ok & (gait == g)
        if sel.any():
            ax.scatter(grade[sel], cad[sel], s=4, lw=0, alpha=0.25, color=style.GAIT_COLORS[g],
                       rasterized=True, zorder=2, label=style.GAIT_LABELS[g])
    if not (ok & np.isin(gait, ["run", "hike"])).any() and ok.any():
        ax.scatter(grade[ok], cad[ok], s=4, lw=0, alpha=0.25, color=style.MUTED, rasterized=True,
                   zorder=2, label="moving")

    # Axis limits from the bulk of the data so a few GPS outliers don't squash the cloud.
    if ok.any():
        glo, ghi = np.nanpercentile(grade[ok], [0.5, 99.5])
        clo, chi = np.nanpercentile(cad[ok], [0.5, 99.5])
    else:
        glo, ghi, clo, chi = -20.0, 20.0, 100.0, 190.0
    glo, ghi = max(min(glo, -10.0), -60.0), min(max(ghi, 10.0), 60.0)
    flat = getattr(getattr(analysis, "summary", None), "flat_cadence_spm", None)
    flat = float(flat) if flat is not None and np.isfinite(flat) else None
    if flat is not None:
        cfg = getattr(analysis, "config", None)
        delta = float(getattr(cfg, "cadence_target_delta_spm", 5.0))
        ax.axhline(flat, color=style.PROFILE_EDGE, lw=1.3, zorder=3,
                   label=f"flat cadence {flat:.0f} spm")
        ax.fill_between([glo - 5, 0], flat + delta, flat + delta + 2, color=style.GOOD, alpha=0.35,
                        lw=0, zorder=3, label=f"descent target +{delta:.0f}–{delta + 2:.0f} spm")
        clo, chi = min(clo, flat - 10), max(chi, flat + delta + 12)
    desc = _table(analysis, "descents")
    dg, dc = _col(desc, "avg_grade_pct"), _col(desc, "cadence_spm")
    good = np.isfinite(dg) & np.isfinite(dc)
    if good.any():
        ax.scatter(dg[good], dc[good], marker="D", s=42, color="white", edgecolors=style.PROFILE_EDGE,
                   lw=1.3, zorder=5, label="descent median")
        for i in np.flatnonzero(good):
            ax.annotate(f"D{i + 1}", (dg[i], dc[i]), xytext=(5, 4), textcoords="offset points",
                        fontsize=style.SMALL_SIZE - 1, color=style.PROFILE_EDGE, zorder=6)
    ax.set_xlim(glo - 2, ghi + 2)
    ax.set_ylim(max(clo - 8, 0), chi + 8)
    ax.axvline(0, color="#CCCCCC", lw=0.8, zorder=1)
    ax.set_xlabel("grade [%]")
    ax.set_ylabel("cadence [steps/min]")
    ax.grid(True, color="#EEEEEE", lw=0.6, zorder=0)
    # Legend markers drawn by hand: the cloud's 4-pt translucent dots would be invisible there.
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    solid = {style.GAIT_LABELS["run"]: style.GAIT_COLORS["run"],
             style.GAIT_LABELS["hike"]: style.GAIT_COLORS["hike"], "moving": style.MUTED}
    handles = [Line2D([], [], ls="", marker="o", ms=6, color=solid[lab]) if lab in solid else h
               for h, lab in zip(handles, labels)]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
              fontsize=style.SMALL_SIZE, frameon=False)
    _finish(ax, title)
    return ax


def repeats(analysis: "Analysis", ax: Optional["Axes"] = None) -> "Axes":
    """Each pass of every repeated stretch: duration as bars, control score as dots.

    Passes are grouped by stretch (``S1``, ``S2`` ...), in time order within a stretch.

    Parameters
    ----------
    analysis : Analysis
        Uses ``repeats`` (length_m, direction, trend, passes: list of dicts with
        duration_s [s] and control_score [0-100] or None).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 5.2 x 3.5 in figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The duration axes; the control scores live on its ``twinx`` partner.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax = _axes(ax, 3.5)
    title = "Repeats: time and control per pass"
    rep = _table(analysis, "repeats")
    groups = []
    for k, row in enumerate(rep.to_dict(orient="records") if len(rep) else []):
        passes = row.get("passes")
        if isinstance(passes, (list, tuple)) and len(passes):
            groups.append((k, row, list(passes)))
    if not groups:
        return _empty(ax, title, "No stretch of trail was covered more than once in this activity.")

    twin = ax.twinx()
    pos_all, ticks, tick_labels = 0.0, [], []
    any_score = False
    dmax = 0.0
    for k, row, passes in groups:
        dur = np.array([_num(p.get("duration_s")) for p in passes])
        sc = np.array([_num(p.get("control_score")) for p in passes])
        xs = pos_all + np.arange(len(passes))
        direction = str(row.get("direction") or "")
        color = _DIRECTION_COLORS.get(direction, style.MUTED)
        ax.bar(xs, np.nan_to_num(dur, nan=0.0), width=0.72, color=color, alpha=0.85, zorder=2)
        if np.isfinite(sc).any():
            any_score = True
            twin.plot(xs, sc, "o-", color=style.ACCENT, lw=1.4, ms=6, zorder=4)
        ticks += list(xs)
        tick_labels += [str(i + 1) for i in range(len(passes))]
        length = _num(row.get("length_m"))
        trend = row.get("trend")
        name = f"S{k + 1} {direction}" + (f" {length:.0f} m" if np.isfinite(length) else "")
        if isinstance(trend, str) and trend:
            name += f"\n{trend}"
        ax.text(xs.mean(), 1.0, name, transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=style.SMALL_SIZE - 0.5, color=style.PROFILE_EDGE, zorder=6)
        dmax = max(dmax, float(np.nanmax(dur)) if np.isfinite(dur).any() else 0.0)
        pos_all = xs[-1] + 1.8
    ax.set_xticks(ticks, tick_labels)
    ax.set_xlim(-0.7, pos_all - 1.1)
    ax.set_ylim(0, max(dmax, 1.0) * 1.35)
    ax.set_xlabel("pass (in time order, per stretch)")
    ax.set_ylabel("pass duration [s]")
    twin.set_ylim(0, 135)
    twin.set_yticks([0, 20, 40, 60, 80, 100])
    twin.set_ylabel("control score [0–100]", color=style.ACCENT, fontsize=style.FONT_SIZE)
    twin.tick_params(labelsize=style.SMALL_SIZE, colors=style.ACCENT)
    twin.spines["top"].set_visible(False)
    names = {"down": "downhill", "up": "uphill", "flat": "flat"}
    handles = [Patch(color=_DIRECTION_COLORS.get(dn, style.MUTED), label=f"{names.get(dn, dn)} pass time")
               for dn in dict.fromkeys(str(r.get("direction") or "") for _, r, _ in groups)]
    if any_score:
        handles.append(Line2D([], [], color=style.ACCENT, marker="o", label="control score"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
              fontsize=style.SMALL_SIZE, frameon=False)
    ax.grid(True, axis="y", color="#EEEEEE", lw=0.6, zorder=0)
    _finish(ax, title)
    ax.spines["right"].set_visible(False)
    return ax


_DIRECTION_COLORS = {"down": style.GAIT_COLORS["run"], "up": style.GAIT_COLORS["hike"]}


def _num(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


#: The report's figures in display order: (name, function, caption).
FIGURES: list[tuple[str, Callable[..., "Axes"], str]] = [
    ("elevation_profile", elevation_profile,
     "Profile coloured by grade (blue down, red up). The strip underneath shows hiking (orange) "
     "and running (blue); brackets label each descent with its control score; numbered badges "
     "are line-practice candidates."),
    ("route_map", route_map,
     "The route seen from above (axes in km). Descents are coloured by technicality "
     "(yellow smooth, dark red technical)."),
    ("climb_speed", climb_speed,
     "Each dot is a stretch of hiking (orange) or running (blue) uphill: its grade and how fast "
     "it gained height; bigger dots lasted longer. Above the crossover grade, hiking climbs as "
     "fast as running."),
    ("descent_control", descent_control,
     "How controlled each descent was (0-100): cadence held or raised, steady cadence and speed, "
     "few braking events."),
    ("cadence_grade", cadence_grade,
     "Cadence at every grade. On technical descents, aim for the green band: 5-7 steps/min "
     "above your flat cadence."),
    ("repeats", repeats,
     "Stretches covered more than once: each pass's time and control score."),
]
