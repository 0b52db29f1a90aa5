"""Drawing helpers shared by the report's figures (:mod:`trailtech.report.plots`).

Column access that never raises (a missing column reads as NaN), the figure and axes set-up
without pyplot, the informative empty state, and the numbered badge of line-practice
candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import pandas as pd

from . import style

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: ``Axes.get_gid()`` of a figure that drew its empty state instead of data.
EMPTY_GID = "trailtech-empty"


def axes(ax: Optional["Axes"], height_in: float) -> "Axes":
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIG_WIDTH_IN, height_in), layout="constrained")
    return fig.add_subplot()


def finish(ax: "Axes", title: str) -> None:
    ax.set_title(title, fontsize=style.TITLE_SIZE, loc="left", fontweight="bold")
    ax.tick_params(labelsize=style.SMALL_SIZE)
    ax.xaxis.label.set_size(style.FONT_SIZE)
    ax.yaxis.label.set_size(style.FONT_SIZE)
    for side in ("top", "right"):
        if side in ax.spines:
            ax.spines[side].set_visible(False)


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
