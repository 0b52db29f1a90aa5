"""Colours and sizes shared by the figures and the HTML report.

Colours follow the Okabe-Ito palette where categories are compared (hike / run), so they stay
distinguishable for colour-blind readers, and use perceptually ordered colour maps where a
quantity is shown (grade, technicality, control score). Plain data only: importing this
module does not import matplotlib.
"""

from __future__ import annotations

__all__ = [
    "GAIT_COLORS",
    "GAIT_LABELS",
    "GRADE_CMAP",
    "GRADE_LIMIT_PCT",
    "TECHNICALITY_CMAP",
    "TRACK_COLOR",
    "PROFILE_EDGE",
    "ACCENT",
    "CANDIDATE",
    "MUTED",
    "GOOD",
    "POOR",
    "COMPONENT_COLORS",
    "FONT_SIZE",
    "TITLE_SIZE",
    "SMALL_SIZE",
    "FIG_WIDTH_IN",
    "score_color",
]

#: Gait colours (Okabe-Ito orange for hiking, blue for running, grey for stopped).
GAIT_COLORS = {"hike": "#E69F00", "run": "#0072B2", "stop": "#BBBBBB"}
GAIT_LABELS = {"hike": "hiking", "run": "running", "stop": "stopped"}

#: Grade colour map: blue downhill, pale on the flat, red uphill.
GRADE_CMAP = "RdBu_r"
#: Grades beyond +-this many percent get the end colour [%].
GRADE_LIMIT_PCT = 30.0

#: Technicality 0-1: pale yellow (smooth) to dark red (technical).
TECHNICALITY_CMAP = "YlOrRd"

TRACK_COLOR = "#9AA0A6"
PROFILE_EDGE = "#303030"
ACCENT = "#D55E00"  # Okabe-Ito vermillion: the thing to look at (crossover, flags, scores)
#: Line-practice candidates: purple, apart from both the grade and the technicality maps.
CANDIDATE = "#6A3D9A"
MUTED = "#6B7280"
GOOD = "#009E73"  # Okabe-Ito bluish green
POOR = "#D55E00"

#: Colours of the descent-control-score components, in score order.
COMPONENT_COLORS = ["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#CC79A7", "#F0E442", "#999999"]

#: Font sizes [pt]. A figure's viewBox is FIG_WIDTH_IN x 72 pt wide and a 390 px phone shows it
#: about 378 px wide (1 pt ~ 1 px), so the smallest text, SMALL_SIZE, stays at least 11 px
#: there; on a desktop the figures sit two to a row (htmlkit.CSS) instead of growing huge.
FONT_SIZE = 12.0
TITLE_SIZE = 13.0
SMALL_SIZE = 11.5
#: Default figure width [in]: about a phone's width in CSS px at 72 pt per inch.
FIG_WIDTH_IN = 5.2


def score_color(score: float | None) -> str:
    """Colour of a 0-100 control score: vermillion below 40, amber below 70, green above.

    Parameters
    ----------
    score : float or None
        Control score [0-100]; ``None`` or NaN gives the muted grey.

    Returns
    -------
    str
        A hex colour.
    """
    if score is None or score != score:
        return MUTED
    if score < 40:
        return POOR
    if score < 70:
        return "#E69F00"
    return GOOD
