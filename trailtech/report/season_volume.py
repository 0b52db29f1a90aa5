"""The season report's volume and load section: weekly distance, vertical, time on foot,
hiking time and technical distance as a figure and a table, and the training load's method.

Presentation only: it draws what the season computed (``Season.weeks``, ``load``,
``hr_range``, ``load_settings``) and imports nothing from :mod:`trailtech.season`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import htmlkit as hk
from . import style

__all__ = ["volume_section", "volume_figure", "load_text", "MAX_VOLUME_WEEKS"]

#: Weeks with activities drawn and listed (the most recent); the JSON keeps every week.
MAX_VOLUME_WEEKS = 26


def _week_labels(weeks: list[dict]) -> list[str]:
    """"W23", with the year on the first week and where the year changes."""
    labels, year = [], None
    for w in weeks:
        y, n = w["week"].split("-")
        labels.append(n if y == year else f"{y}\n{n}")
        year = y
    return labels


def volume_figure(weeks: list[dict]) -> str:
    """Three stacked bar charts over the weeks with activities: distance [km] with its
    technical part, vertical [m], and time on foot [h] with its hiking part."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIG_WIDTH_IN, 5.6), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    x = np.arange(len(weeks))

    def col(key: str, scale: float) -> np.ndarray:
        return np.array([float(w.get(key) or 0.0) / scale for w in weeks])

    panels = ((axes[0], col("distance_m", 1000.0), col("technical_distance_m", 1000.0), "distance [km]",
               "technical"),
              (axes[1], col("ascent_m", 1.0), None, "vertical [m]", None),
              (axes[2], col("moving_time_s", 3600.0), col("hike_time_s", 3600.0), "time on foot [h]", "hiking"))
    for ax, total, part, label, part_label in panels:
        ax.bar(x, total, width=0.7, color=style.TRACK_COLOR, label="all" if part is not None else None)
        if part is not None:
            ax.bar(x, np.minimum(part, total), width=0.7,
                   color=style.ACCENT if part_label == "technical" else style.GAIT_COLORS["hike"], label=part_label)
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=style.SMALL_SIZE,
                      frameon=False, handlelength=1.2, borderaxespad=0.1)
        ax.set_ylabel(label, fontsize=style.SMALL_SIZE)
        ax.tick_params(axis="y", labelsize=style.SMALL_SIZE)
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlim(-0.6, len(weeks) - 0.4)
    axes[-1].set_xticks(x, _week_labels(weeks), fontsize=style.SMALL_SIZE - (1 if len(weeks) > 12 else 0))
    if len(weeks) > 14:
        axes[-1].tick_params(axis="x", labelrotation=90)
    return hk.figure_svg(fig, prefix="volume")


def load_text(load: list[dict], hr_range: dict, settings: dict, methods: list[Any]) -> str:
    """How the training loads were made, and the latest fitness, fatigue and form.

    ``methods`` are the activities' ``load_method`` values ("trimp", "gap" or None).
    """
    n_hr, n_gap = methods.count("trimp"), methods.count("gap")
    n_none = len(methods) - n_hr - n_gap
    if not (n_hr or n_gap) or not load:
        return "No heart rate and no pace in the dated activities: no training load."
    parts = []
    if n_hr:
        parts.append(f"{n_hr} activit{'y' if n_hr == 1 else 'ies'} from heart rate (Banister's TRIMP, heart rate "
                     f"{hr_range['hr_rest_bpm']:.0f}–{hr_range['hr_max_bpm']:.0f} /min: maximum from the "
                     f"{hr_range['hr_max_source']}, rest {hr_range['hr_rest_source']})")
    if n_gap:
        thr = settings.get("threshold_gap_mps")
        scale = (f"{settings['gap_to_trimp']:.2f} TRIMP per point measured on {settings['gap_to_trimp_pairs']} "
                 "activities with both" if settings.get("gap_to_trimp_source") == "season"
                 else f"an assumed {settings.get('gap_to_trimp', 0):.2f} TRIMP per point")
        parts.append(f"{n_gap} without heart rate from grade-adjusted pace (rTSS against a threshold pace of "
                     f"{hk.fmt_pace(thr)} from the {settings.get('threshold_source')}, {scale})")
    text = "Training load: " + "; ".join(parts) + "."
    if n_none:
        text += (f" {n_none} activit{'y has neither and carries' if n_none == 1 else 'ies have neither and carry'}"
                 " no load.")
    last = load[-1]
    return (text + f" On {last['date']}: fitness (42-day) {last['fitness']:.1f}, fatigue (7-day) "
            f"{last['fatigue']:.1f}, form {last['form']:+.1f}.").replace("\u00a0", " ")


def volume_section(season: Any) -> str:
    """The "Volume and load per week" section of the season report."""
    active = [w for w in season.weeks if w.get("activities")][-MAX_VOLUME_WEEKS:]
    cols = [hk.Column("week", "week", str, text=True), hk.Column("activities", "activities"),
            hk.Column("distance_m", "distance [km]", lambda v: hk.fmt_num(None if v is None else v / 1000, 1)),
            hk.Column("ascent_m", "vertical [m]"),
            hk.Column("moving_time_s", "time on foot [h:mm:ss]", lambda v: hk.fmt_duration(v, hours=True)),
            hk.Column("hike_time_s", "hiking [h:mm:ss]", lambda v: hk.fmt_duration(v, hours=True)),
            hk.Column("technical_distance_m", "technical [km]",
                      lambda v: hk.fmt_num(None if v is None else v / 1000, 1))]
    parts = []
    if active:
        parts.append(hk.figure_block(volume_figure(active), "Weekly volume on foot, weeks with activities: "
                                     "distance with its technical part, vertical climbed, and time on foot "
                                     "with its hiking part.", title="weekly volume"))
    parts.append(hk.table(active, cols, empty="No dated on-foot activities."))
    acts = season.activities
    dated = acts[acts["on_foot"].astype(bool) & acts["clock_problem"].isna()] if "clock_problem" in acts else acts
    methods = list(dated["load_method"]) if "load_method" in dated else []
    parts.append("<p>" + hk.esc(load_text(season.load, season.hr_range or {}, getattr(season, "load_settings", {})
                                          or {}, methods)) + "</p>")
    return hk.section("Volume and load per week", "".join(parts), id="volume")
