"""trailtech: coaching on technical trail terrain from GPS/FIT watch files.

Public API::

    import trailtech
    track = trailtech.load("run.fit")          # FIT, GPX, TCX, or gzip of any
    tracks = trailtech.read_activities("many.tcx")  # every activity of a file of several
    result = trailtech.analyze(track)          # -> Analysis
    result.descents, result.climbs, result.line_practice, result.to_dict()
    season = trailtech.analyze_season(["./tracks"])

``import trailtech`` stays light: it imports neither matplotlib nor the heavy scipy
submodules; those load when a function needs them.
"""

from __future__ import annotations

from ._version import __version__
from .config import AnalysisConfig
from .errors import (
    ConfigError,
    DataQualityWarning,
    TrackDataError,
    TrackReadError,
    TrailtechError,
    UnsupportedFormatError,
)
from .track import Track, TrackMeta

__all__ = [
    "__version__",
    "load",
    "read_activities",
    "analyze",
    "analyze_season",
    "Track",
    "TrackMeta",
    "Analysis",
    "Season",
    "AnalysisConfig",
    "TrailtechError",
    "TrackReadError",
    "UnsupportedFormatError",
    "TrackDataError",
    "ConfigError",
    "DataQualityWarning",
]


def __getattr__(name: str):
    # Lazy so that `import trailtech` does not pay for the readers and the pipeline.
    if name == "load":
        from .io import load

        return load
    if name == "read_activities":
        from .io import read_activities

        return read_activities
    if name == "analyze":
        from .pipeline import analyze

        return analyze
    if name == "Analysis":
        from .result import Analysis

        return Analysis
    if name == "analyze_season":
        from .season import analyze_season

        return analyze_season
    if name == "Season":
        from .season import Season

        return Season
    raise AttributeError(f"module 'trailtech' has no attribute {name!r}")
