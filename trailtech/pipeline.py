"""The one orchestrator: :func:`analyze` turns a :class:`~trailtech.track.Track` into an
:class:`~trailtech.result.Analysis`.

Stages::

    Track --prepare()--> timeline (1 Hz) + profile (distance grid) + summary   [trailtech.prepare]
          --run_analyses()--> climbs, descents, hike/run, line practice, repeats [trailtech.analysis]
          --> Analysis
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional, Union

import numpy as np

from . import __version__
from .config import AnalysisConfig
from .result import Analysis
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
    from .timeline import GAIT_LABELS, Profile, Timeline

    if not isinstance(track, Track):
        from .io import load

        track = load(track)
    config = config or AnalysisConfig()
    prepared = prepare(track, config)
    # Until prepare returns a Timeline and a Profile, they are built here from its frames.
    ps = prepared.summary
    tables = run_analyses(
        Timeline.from_frame(prepared.timeline, speed_source=ps.get("speed_source"),
                            distance_source=ps.get("distance_source"),
                            elevation_source=ps.get("elevation_source")),
        Profile.from_frame(prepared.profile), config)
    gait = np.asarray(GAIT_LABELS, dtype=object)[tables.timeline.gait]
    timeline = prepared.timeline.assign(gait=gait, technicality=tables.technicality)
    summary = {**prepared.summary, **tables.summary.to_dict()}
    warnings = tuple(dict.fromkeys(track.meta.warnings + prepared.warnings + tables.warnings))
    return Analysis(
        meta=track.meta,
        timeline=timeline,
        profile=prepared.profile,
        summary=summary,
        climbs=tables.climbs,
        descents=tables.descents,
        hike_run=tables.hike_run,
        line_practice=tables.line_practice,
        repeats=tables.repeats,
        config=config,
        version=__version__,
        warnings=warnings,
    )
