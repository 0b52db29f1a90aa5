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

#: Font sizes [pt]. Figures are drawn FIG_WIDTH_IN wide and shrink to a phone's width
#: (about 360 CSS px, i.e. to ~0.7 of their size), so text is as large as the plots allow.
FONT_SIZE = 10.5
TITLE_SIZE = 12.0
SMALL_SIZE = 9.5
#: Default figure width [in]: narrow, so a phone shrinks it little (see FONT_SIZE).
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
