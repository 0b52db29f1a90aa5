"""Drawing helpers shared by the report's figures (:mod:`trailtech.report.plots`).

Column access that never raises (a missing column reads as NaN), the figure and axes set-up
without pyplot, the informative empty state, and the numbered badge of line-practice
candidates.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import pandas as pd

from . import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: ``Axes.get_gid()`` of a figure that drew its empty state instead of data.
EMPTY_GID = "trailtech-empty"


#: The figures :func:`axes` made (and so may lay out); a figure drawn into a caller's axes is
#: left as the caller arranged it.
_OWN_FIGURES: "weakref.WeakSet[Any]" = weakref.WeakSet()


def axes(ax: Optional["Axes"], height_in: float) -> "Axes":
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    # No layout engine: constrained layout measured every text twice and drew the figure a
    # second time, half of a report's drawing time; :func:`fit_layout` sets the margins once.
    fig = Figure(figsize=(style.FIG_WIDTH_IN, height_in))
    _OWN_FIGURES.add(fig)
    return fig.add_subplot()


def finish(ax: "Axes", title: str) -> None:
    ax.set_title(title, fontsize=style.TITLE_SIZE, loc="left", fontweight="bold")
    ax.tick_params(labelsize=style.SMALL_SIZE)
    ax.xaxis.label.set_size(style.FONT_SIZE)
    ax.yaxis.label.set_size(style.FONT_SIZE)
    for side in ("top", "right"):
        if side in ax.spines:
            ax.spines[side].set_visible(False)
    fit_layout(ax)


#: Text geometry of the estimates in :func:`fit_layout`, per font size: width of a digit
#: (DejaVu Sans digits are 0.636 em, its minus sign 0.838 em), of an average character of a
#: label (0.50-0.55 em measured on the legends), and height of a line.
_DIGIT_EM, _MINUS_EM, _CHAR_EM, _LINE_EM = 0.66, 0.86, 0.58, 1.25
#: Tick length plus the gap to its label [pt] (matplotlib's defaults, 3.5 + 3.5).
_TICK_PT = 7.0
#: legend_below hangs the legend this far under the axes' bottom [pt].
_LEGEND_DROP_PT = 40.0


def _ticklabels_width_pt(axis: Any, size: float) -> float:
    """Width of the longest tick label shown on ``axis`` [pt] (0 without labels)."""
    lo, hi = sorted(axis.get_view_interval())
    tol = 1e-9 * abs(hi - lo)
    locs = [v for v in axis.get_majorticklocs() if lo - tol <= v <= hi + tol]
    if not locs:
        return 0.0
    labels = axis.get_major_formatter().format_ticks(locs)
    return max((_digits_em(t) for t in labels), default=0.0) * size


def _digits_em(text: str) -> float:
    """Width of a tick label [em]: the minus sign is wider than a digit."""
    return sum(_MINUS_EM if ch in "\u2212-" else _DIGIT_EM for ch in text)


def _legend_size_pt(labels: list[str], ncol: int, size: float, *, handlelength: float = 2.0,
                    handletextpad: float = 0.8, columnspacing: float = 2.0, borderpad: float = 0.4,
                    labelspacing: float = 0.5) -> tuple[float, float]:
    """Width and height [pt] of a legend of ``labels`` in ``ncol`` columns, filled as
    matplotlib fills them (top to bottom, then the next column); spacings in font sizes."""
    per = math.ceil(len(labels) / ncol) if labels else 0
    cols = [labels[i:i + per] for i in range(0, len(labels), per)] if per else []
    width = 2 * borderpad * size + (len(cols) - 1) * columnspacing * size
    for col in cols:
        longest = max(len(line) for label in col for line in str(label).split("\n"))
        width += (handlelength + handletextpad) * size + longest * _CHAR_EM * size
    rows = max((sum(str(label).count("\n") + 1 for label in col) for col in cols), default=0)
    return width, size * (2 * borderpad + rows * 1.2 + max(rows - 1, 0) * labelspacing)


def _legend_box_pt(leg: Any) -> tuple[float, float]:
    """Width and height [pt] of a legend as drawn (estimated from its texts)."""
    # matplotlib keeps the column count and font size private: read them defensively.
    return _legend_size_pt([t.get_text() for t in leg.get_texts()], max(int(getattr(leg, "_ncols", 1)), 1),
                           getattr(leg, "_fontsize", style.SMALL_SIZE), handlelength=leg.handlelength,
                           handletextpad=leg.handletextpad, columnspacing=leg.columnspacing,
                           borderpad=leg.borderpad, labelspacing=leg.labelspacing)


def fit_layout(ax: "Axes") -> None:
    """Place the axes of a figure :func:`axes` made, with room for what surrounds it: the
    title above, tick labels and axis labels on both sides, a colour bar or a twin axis on
    the right and a legend below (:func:`legend_below`).

    The margins [pt] are estimated from the texts themselves (their length and font size),
    so the cost is that of formatting the tick labels once; nothing is measured or drawn.
    """
    fig = ax.figure
    if fig not in _OWN_FIGURES:
        return
    w_pt, h_pt = fig.get_size_inches() * 72.0
    small, label_h = style.SMALL_SIZE, style.FONT_SIZE * _LINE_EM
    others = [o for o in fig.axes if o is not ax]
    bars = [o for o in others if getattr(o, "_colorbar", None) is not None]
    twins = [o for o in others if o not in bars]

    left = _left_margin_pt(ax)
    top = 6.0 + style.TITLE_SIZE * _LINE_EM + 4.0 if ax.get_title(loc="left") else small
    bottom = 6.0 + (_TICK_PT + small * _LINE_EM if ax.get_xticks().size else 0.0)
    bottom += label_h + 4.0 if ax.get_xlabel() else 0.0
    leg = ax.get_legend()
    if leg is not None:
        legend_w, legend_h = _legend_box_pt(leg)
        bottom = max(bottom, _LEGEND_DROP_PT + legend_h + 6.0)
    # The last x tick label may hang half its width past the axes' right end.
    right = 6.0 + 0.5 * _ticklabels_width_pt(ax.xaxis, small)
    axes_h = h_pt - top - bottom
    bar_w = 0.0
    for side in bars + twins:
        yaxis = side.yaxis
        extra = 4.0 + _TICK_PT + _ticklabels_width_pt(yaxis, small)
        extra += (yaxis.label.get_size() * _LINE_EM + 4.0) if yaxis.label.get_text() else 0.0
        if side in bars:
            aspect = getattr(side, "_colorbar_info", {}).get("aspect", 20.0)
            bar_w = min(12.0, axes_h / aspect)
            extra += 6.0 + bar_w
        right = max(right, extra)
    axes_w = w_pt - left - right
    box = [left / w_pt, bottom / h_pt, axes_w / w_pt, axes_h / h_pt]
    ax.set_position(box)
    for twin in twins:
        twin.set_position(box)
    for bar in bars:
        bar.set_position([(left + axes_w + 6.0) / w_pt, bottom / h_pt, max(bar_w, 1.0) / w_pt, axes_h / h_pt])
    if ax.get_aspect() != "auto":
        # An equal-aspect map widens its limits to the box: place it again with the tick
        # labels those limits bring.
        ax.apply_aspect()
        wider = _left_margin_pt(ax) - left
        if wider > 0:
            left, axes_w = left + wider, axes_w - wider
            box = [left / w_pt, bottom / h_pt, axes_w / w_pt, axes_h / h_pt]
            ax.set_position(box)
    if leg is not None:
        # Centred under the axes, unless that would push it past an edge of the figure.
        half = 0.5 * legend_w
        centre = min(max(left + axes_w / 2, half + 4.0), w_pt - half - 4.0)
        _anchor_below(ax, leg, (centre - left) / axes_w)


def _left_margin_pt(ax: "Axes") -> float:
    """Room for the y tick labels and the y label [pt]."""
    left = 4.0 + (_TICK_PT + _ticklabels_width_pt(ax.yaxis, style.SMALL_SIZE) if ax.get_yticks().size else 0.0)
    return left + (style.FONT_SIZE * _LINE_EM + 2.0 if ax.get_ylabel() else 0.0)


def _anchor_below(ax: "Axes", leg: Any, x_frac: float) -> None:
    from matplotlib.transforms import offset_copy

    leg.set_bbox_to_anchor((x_frac, 0.0), transform=offset_copy(
        ax.transAxes, fig=ax.figure, y=-_LEGEND_DROP_PT, units="points"))


def empty(ax: "Axes", title: str, message: str) -> "Axes":
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
    fit_layout(ax)
    return ax


def col(df: Optional[pd.DataFrame], name: str) -> np.ndarray:
    """Column as float array; all-NaN when the frame lacks it."""
    if df is None:
        return np.array([], dtype=float)
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)


def strings(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df[name].astype("string").fillna("").to_numpy(dtype=object)


def bools(df: pd.DataFrame, name: str, default: bool = True) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), default)
    return df[name].fillna(default).to_numpy(dtype=bool)


def table(analysis: Any, name: str) -> pd.DataFrame:
    df = getattr(analysis, name, None)
    return df if isinstance(df, pd.DataFrame) else pd.DataFrame()


def fmt_score(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.0f}"


def number_badge(ax: "Axes", x: float, y: float, label: str, *, dy_pt: float = 11.0,
                  dx_pt: float = 0.0) -> None:
    ax.annotate(label, (x, y), xytext=(dx_pt, dy_pt), textcoords="offset points", ha="center",
                va="center", fontsize=style.SMALL_SIZE, color="white", fontweight="bold",
                bbox=dict(boxstyle="circle,pad=0.25", fc=style.CANDIDATE, ec="white", lw=0.8),
                arrowprops=dict(arrowstyle="-", color=style.CANDIDATE, lw=1.0), zorder=6)


def num(value: Any) -> float:
    """A value as float; NaN when it is not a number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


#: Where a point label may go, tried in order: offsets of its lower-left corner from the
#: point [pt] (right-above, right-below, left-above, left-below, above, below).
_LABEL_OFFSETS_PT = ((6.0, 4.0), (6.0, -14.0), (-6.0, 4.0), (-6.0, -14.0), (-4.0, 9.0), (-4.0, -20.0))


def place_labels(ax: "Axes", x: np.ndarray, y: np.ndarray, labels: list[str], *, fontsize: float,
                 color: str, axes_frac: tuple[float, float] = (0.8, 0.6), marker_pt: float = 8.0) -> int:
    """Label points without any two labels (or a label and a marker) overlapping.

    Each label tries :data:`_LABEL_OFFSETS_PT` in turn and takes the first free spot; a label
    with no free spot is left out (the tables list every value). Geometry is estimated from
    the axes' current limits and its approximate share ``axes_frac`` of the figure (before
    layout), with a character ``0.62 x fontsize`` wide, so boxes are padded by 2 pt.

    Returns
    -------
    int
        How many labels were drawn.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    w_in, h_in = ax.figure.get_size_inches()
    sx = axes_frac[0] * w_in * 72.0 / ((x1 - x0) or 1.0)
    sy = axes_frac[1] * h_in * 72.0 / ((y1 - y0) or 1.0)
    px, py = (np.asarray(x, float) - x0) * sx, (np.asarray(y, float) - y0) * sy
    half = marker_pt / 2
    taken = [(a - half, b - half, a + half, b + half) for a, b in zip(px, py)]
    drawn = 0
    for i in np.argsort(px, kind="stable"):
        w, h = 0.62 * fontsize * len(labels[i]) + 2.0, fontsize + 2.0
        for dx, dy in _LABEL_OFFSETS_PT:
            left = px[i] + dx if dx >= 0 else px[i] + dx - w
            box = (left, py[i] + dy, left + w, py[i] + dy + h)
            if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
                continue
            taken.append(box)
            ax.annotate(labels[i], (x[i], y[i]), xytext=(box[0] - px[i], box[1] - py[i]),
                        textcoords="offset points", ha="left", va="bottom", fontsize=fontsize,
                        color=color, zorder=6)
            drawn += 1
            break
    return drawn


def legend_below(ax: "Axes", handles: Optional[list] = None, labels: Optional[list] = None, *,
                 ncol: int = 2, **kw: Any):
    """A legend centred under the axes, a fixed distance [pt] below the axes' bottom so it
    clears the tick labels and the x label at any figure height (axes-fraction offsets did
    not: the legend ran into the x label on short axes).

    A legend too wide for the figure gets tighter columns, then fewer columns; a figure
    :func:`axes` made grows by the rows this adds rather than squeezing the plot.
    """
    from matplotlib.transforms import offset_copy

    if handles is None:
        handles, found = ax.get_legend_handles_labels()
        labels = found if labels is None else labels
    elif labels is None:
        labels = [h.get_label() for h in handles]
    kw["handles"], kw["labels"] = handles, labels
    size, room_pt = style.SMALL_SIZE, ax.figure.get_size_inches()[0] * 72.0 - 8.0
    spacing = {k: kw[k] for k in ("handlelength", "columnspacing") if k in kw}
    width, asked_h = _legend_size_pt(labels, ncol, size, **spacing)
    height = asked_h
    while width > room_pt and (ncol > 1 or spacing.get("columnspacing", 2.0) > 1.0):
        if spacing.get("columnspacing", 2.0) > 1.0:
            spacing["columnspacing"] = kw["columnspacing"] = 1.0
        else:
            ncol -= 1
        width, height = _legend_size_pt(labels, ncol, size, **spacing)
    if height > asked_h and ax.figure in _OWN_FIGURES:
        w_in, h_in = ax.figure.get_size_inches()
        ax.figure.set_size_inches(w_in, h_in + (height - asked_h) / 72.0)
    return ax.legend(loc="upper center", ncol=ncol, fontsize=size, frameon=False,
                     bbox_to_anchor=(0.5, 0.0),
                     bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-_LEGEND_DROP_PT, units="points"),
                     **kw)
