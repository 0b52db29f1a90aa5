"""A season: many activities analysed in parallel, cached, and compared over time.

>>> import trailtech
>>> season = trailtech.analyze_season(["./watch-files", "export_12345.zip"])  # doctest: +SKIP
>>> season.activities, season.segments, season.errors, season.crossover_grade_pct  # doctest: +SKIP

Modules: :mod:`.discover` (find files), :mod:`.work` (per-file analysis, compact result),
:mod:`.runner` (process pool / dask, timeouts, crash isolation), :mod:`.cache`,
:mod:`.match` (segments met in several activities), :mod:`.summary` (crossover, trends,
weekly technical volume), :mod:`.core` (:func:`analyze_season`, :class:`Season`).
"""

from .core import Season, analyze_season

__all__ = ["Season", "analyze_season"]
