"""The technique figures of one activity: climbing speed by gait, descent control, cadence
against grade, and repeated stretches (see :mod:`trailtech.report.plots`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np
import pandas as pd

from . import _figure as draw
from . import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..result import Analysis

__all__ = ["climb_speed", "descent_control", "cadence_grade", "repeats", "DESCENT_COMPONENTS"]

#: The control-score components (issue 14, :mod:`trailtech.analysis.descent`: 30 cadence vs
#: flat + 30 cadence steadiness + 15 stride vs grade + 25 braking surges, each s in 0-1,
#: renormalised over the parts measured): the ``Analysis.descents`` column with the points each
#: adds to the score (they sum to ``control_score``), its legend label and its full weight [points].
DESCENT_COMPONENTS: list[tuple[str, str, float]] = [
    ("points_cadence", "cadence vs flat", 30.0),
    ("points_cadence_cv", "cadence steadiness", 30.0),
    ("points_stride", "shorter strides on steep ground", 15.0),
    ("points_braking", "few braking surges", 25.0),
]


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
    ax = draw.axes(ax, 3.7)
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
        bouts = bouts[draw.col(bouts, "avg_grade_pct") >= min_grade_pct] if len(bouts) else bouts
    grade, vam = draw.col(bouts, "avg_grade_pct"), draw.col(bouts, "vam_m_per_h")
    gait = draw.strings(bouts, "gait")
    ok = np.isfinite(grade) & np.isfinite(vam) & np.isin(gait, ["hike", "run"])
    if not ok.any():
        why = ("No hiking or running on climbs: the file has no elevation."
               if not np.isfinite(draw.col(draw.table(analysis, "profile"), "elevation_m")).any()
               else "No hiking or running bouts on climbs to compare.")
        return draw.empty(ax, title, why)
    duration = draw.col(bouts, "duration_s")
    if not np.isfinite(duration).any():
        duration = draw.col(bouts, "end_s") - draw.col(bouts, "start_s")
    size = np.where(np.isfinite(duration), np.clip(duration / 4.0, 12, 260), 40)
    for g in ("run", "hike"):
        sel = ok & (gait == g)
        if sel.any():
            ax.scatter(grade[sel], vam[sel], s=size[sel], color=style.GAIT_COLORS[g], alpha=0.7,
                       edgecolors="white", linewidths=0.6, label=f"{style.GAIT_LABELS[g]} bout",
                       zorder=3)

    flags = getattr(hr, "ran_should_hike", None)
    if isinstance(flags, pd.DataFrame) and len(flags):
        fg, fr, fh = (draw.col(flags, c) for c in ("avg_grade_pct", "run_vam_m_per_h", "hike_vam_m_per_h"))
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
        mg = draw.col(models, "grade_pct")
        for g, col in (("run", "run_vam_m_per_h"), ("hike", "hike_vam_m_per_h")):
            ax.plot(mg, draw.col(models, col), color=style.GAIT_COLORS[g], lw=1.6, zorder=2,
                    label=f"your {style.GAIT_LABELS[g].lower()} model")
    if cross is not None and np.isfinite(cross):
        ax.axvline(cross, color=style.ACCENT, ls="--", lw=1.3, zorder=2,
                   label=f"crossover grade {cross:.1f} %" + (" (from the models)" if by_model else ""))
        if by_model and isinstance(models, pd.DataFrame) and len(models):
            yc = np.interp(cross, draw.col(models, "grade_pct"), draw.col(models, "hike_vam_m_per_h"))
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
    draw.finish(ax, title)
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
    ax = draw.axes(ax, 3.5)
    title = "Descent control score"
    desc = draw.table(analysis, "descents")
    if len(desc) == 0:
        return draw.empty(ax, title, "No descents in this activity (at least 100 m long and 10 m "
                                 "of drop at -5 % or steeper).")
    score = draw.col(desc, "control_score")
    pos = np.arange(len(desc))
    labels = [f"D{i + 1}" for i in pos]
    found = [(col, label, full) for col, label, full in DESCENT_COMPONENTS if col in desc.columns]
    missing = [label for col, label, _ in found if not np.isfinite(draw.col(desc, col)).any()]
    if found and len(missing) < len(found):  # no part anywhere (no cadence): no score to stack
        bottom = np.zeros(len(desc))
        for k, (col, label, full) in enumerate(found):
            if label in missing:
                continue
            points = np.nan_to_num(draw.col(desc, col), nan=0.0)
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
            ax.text(i, (s if np.isfinite(s) else 0) + 2, draw.fmt_score(s) if np.isfinite(s) else "n/a",
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
    draw.finish(ax, title)
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
    ax = draw.axes(ax, 3.7)
    title = "Cadence and grade"
    tl = draw.table(analysis, "timeline")
    cad, grade = draw.col(tl, "cadence_spm"), draw.col(tl, "grade_pct")
    if not np.isfinite(cad).any():
        return draw.empty(ax, title, "No cadence in this file (no foot pod or wrist cadence), "
                                 "so no cadence analysis.")
    if not np.isfinite(grade).any():
        return draw.empty(ax, title, "No elevation in this file, so cadence cannot be set against grade.")
    moving = draw.bools(tl, "moving")
    gait = draw.strings(tl, "gait")
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
    desc = draw.table(analysis, "descents")
    dg, dc = draw.col(desc, "avg_grade_pct"), draw.col(desc, "cadence_spm")
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
    draw.finish(ax, title)
    return ax


_DIRECTION_COLORS = {"down": style.GAIT_COLORS["run"], "up": style.GAIT_COLORS["hike"]}


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

    ax = draw.axes(ax, 3.5)
    title = "Repeats: time and control per pass"
    rep = draw.table(analysis, "repeats")
    groups = []
    for k, row in enumerate(rep.to_dict(orient="records") if len(rep) else []):
        passes = row.get("passes")
        if isinstance(passes, (list, tuple)) and len(passes):
            groups.append((k, row, list(passes)))
    if not groups:
        return draw.empty(ax, title, "No stretch of trail was covered more than once in this activity.")

    twin = ax.twinx()
    pos_all, ticks, tick_labels = 0.0, [], []
    any_score = False
    dmax = 0.0
    for k, row, passes in groups:
        dur = np.array([draw.num(p.get("duration_s")) for p in passes])
        sc = np.array([draw.num(p.get("control_score")) for p in passes])
        xs = pos_all + np.arange(len(passes))
        direction = str(row.get("direction") or "")
        color = _DIRECTION_COLORS.get(direction, style.MUTED)
        ax.bar(xs, np.nan_to_num(dur, nan=0.0), width=0.72, color=color, alpha=0.85, zorder=2)
        if np.isfinite(sc).any():
            any_score = True
            twin.plot(xs, sc, "o-", color=style.ACCENT, lw=1.4, ms=6, zorder=4)
        ticks += list(xs)
        tick_labels += [str(i + 1) for i in range(len(passes))]
        length = draw.num(row.get("length_m"))
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
    draw.finish(ax, title)
    ax.spines["right"].set_visible(False)
    return ax
