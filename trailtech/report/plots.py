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

from typing import TYPE_CHECKING, Callable

from ._figure import EMPTY_GID
from .course import elevation_profile, route_map
from .technique import DESCENT_COMPONENTS, cadence_grade, climb_speed, descent_control, repeats

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

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
