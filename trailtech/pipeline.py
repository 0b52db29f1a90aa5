"""The one orchestrator: :func:`analyze` turns a :class:`~trailtech.track.Track` into an
:class:`~trailtech.result.Analysis`.

Stages::

    Track --prepare()--> Timeline (1 Hz) + Profile (distance grid) + summary    [trailtech.prepare]
          --run_analyses()--> climbs, descents, hike/run, line practice, repeats [trailtech.analysis]
          --> Analysis
"""

from __future__ import annotations

import os
from typing import Optional, Union

from ._version import __version__
from .config import AnalysisConfig
from .result import Analysis, Summary, split_messages
from .track import Track

__all__ = ["analyze"]


def analyze(
    track: Union[Track, str, os.PathLike, bytes],
    config: Optional[AnalysisConfig] = None,
) -> Analysis:
    """Analyse one activity.

    Parameters
    ----------
    track : Track, path or bytes
        A loaded track, or anything :func:`trailtech.load` accepts.
    config : AnalysisConfig, optional
        Settings; the defaults are documented in :mod:`trailtech.config`.

    Returns
    -------
    Analysis
        Processed samples, summary and every analysis table.

    Raises
    ------
    TrackReadError
        The file cannot be decoded.
    TrackDataError
        The track cannot be analysed (no timestamps, too few samples).
    """
    from .analysis.run import run_analyses
    from .prepare import prepare

    if not isinstance(track, Track):
        from .io import load

        track = load(track)
    config = config or AnalysisConfig()
    prepared = prepare(track, config)
    tables = run_analyses(prepared.timeline, prepared.profile, config)
    notes, warnings = split_messages(track.meta.warnings + prepared.warnings + tables.warnings)
    notes = tuple(track.meta.notes) + notes  # the reader's decisions (which of several activities)
    return Analysis(
        meta=track.meta,
        timeline=tables.timeline.to_frame().assign(technicality=tables.technicality),
        profile=prepared.profile.to_frame(),
        summary=Summary(prepared=prepared.summary, analysis=tables.summary),
        climbs=tables.climbs,
        descents=tables.descents,
        hike_run=tables.hike_run,
        line_practice=tables.line_practice,
        repeats=tables.repeats,
        config=config,
        version=__version__,
        warnings=warnings,
        notes=notes,
    )
