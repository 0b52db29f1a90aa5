"""Files trailtech writes for other tools: the line-practice courses as GPX.

One function serves ``trailtech analyze --flags-gpx``, the report's GPX download and the upload
page's ``/api/line-practice.gpx``, so all three give the same bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .result import Analysis

__all__ = ["line_practice_courses", "line_practice_gpx"]


def line_practice_courses(analysis: "Analysis") -> list[dict]:
    """The line-practice candidates of ``analysis`` as named courses, in rank order.

    Each course is a dict with ``name``, ``desc`` (the coaching reasons) and ``lat_deg``,
    ``lon_deg`` [deg], ``elevation_m`` [m] arrays. Candidates with fewer than two positioned
    points (a file without GPS) are left out: a watch cannot follow them.
    """
    lp = analysis.line_practice
    if lp is None or len(lp) == 0:
        return []
    from .analysis.practice import practice_courses

    courses = practice_courses(lp, analysis.timeline)
    return [c for c in courses if np.isfinite(np.asarray(c["lat_deg"], float)).sum() >= 2]


def line_practice_gpx(analysis: "Analysis", *, courses: Optional[list[dict]] = None,
                      creator: str = "trailtech") -> bytes:
    """The line-practice candidates as GPX 1.1: one named track (a watch course) and one start
    waypoint per candidate. A valid, empty GPX document when there are none.

    ``courses`` are :func:`line_practice_courses` of the same analysis, when the caller has
    them already (they are not computed again)."""
    from .io.gpx_write import courses_to_gpx

    if courses is None:
        courses = line_practice_courses(analysis)
    return courses_to_gpx(courses, creator=creator)
