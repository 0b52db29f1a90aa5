"""The one orchestrator: :func:`analyze` turns a :class:`~trailtech.track.Track` into an
:class:`~trailtech.result.Analysis`.

Stages::

    Track --prepare()--> Timeline (1 Hz) + Profile (distance grid) + summary    [trailtech.prepare]
          --run_analyses()--> climbs, descents, hike/run, line practice, repeats [trailtech.analysis]
          --> Analysis
"""

from __future__ import annotations

import os
import warnings as _warnings
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from ._version import __version__
from .config import AnalysisConfig
from .errors import DataQualityWarning
from .result import Analysis, Summary
from .timeline import Timeline
from .track import Track

__all__ = ["analyze"]


@dataclass(frozen=True)
class _AnalysisSummary:
    """The analyses' totals, typed, while :func:`~trailtech.analysis.run.run_analyses` returns
    them as a dict and the flat cadence is still taken here (see :func:`_flat_cadence`)."""

    flat_cadence_spm: Optional[float]
    flat_cadence_grade_band_pct: Optional[float]
    hike_time_s: float
    run_time_s: float
    technical_distance_m: float
    descent_control_score: Optional[float]
    gait_method: str
    walk_run_cadence_spm: Optional[float]


def _flat_cadence(timeline: Timeline, config: AnalysisConfig) -> tuple[Optional[float], Optional[float], tuple[str, ...]]:
    """The flat running cadence [1/min], its grade band [%] and the note on a widened band.

    Running here is a cadence above ``config.walk_run_cadence_spm``: the rule prepare used, kept
    until the analyses take flat cadence from their own gait (issue 13: one definition of
    running).
    """
    from .processing.cadence import flat_cadence

    if not np.isfinite(timeline.cadence_spm).any():
        return None, None, ()
    flat, band = flat_cadence(
        timeline.cadence_spm, timeline.grade_pct / 100, timeline.moving,
        run_threshold_spm=config.walk_run_cadence_spm, flat_grade_max=config.flat_grade_max,
    )
    notes: tuple[str, ...] = ()
    if band is not None and band > config.flat_grade_max:
        if np.isfinite(band):
            notes = (f"Little flat running: the flat cadence uses |grade| < {100 * band:.0f} % "
                     f"instead of {100 * config.flat_grade_max:.0f} %.",)
        elif timeline.elevation_source is not None:
            notes = ("Little running on gentle grades: the flat cadence is the median of all running.",)
    band_pct = 100 * band if band is not None and np.isfinite(band) else None
    return flat, band_pct, notes


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
    flat, band_pct, flat_notes = _flat_cadence(prepared.timeline, config)
    for msg in flat_notes:
        _warnings.warn(f"{track.meta.source}: {msg}", DataQualityWarning, stacklevel=2)
    frame = prepared.timeline.to_frame()
    tables = run_analyses(frame, prepared.profile.to_frame(),
                          {**prepared.summary.to_dict(), "flat_cadence_spm": flat}, config)
    ts = tables.summary
    summary = Summary(prepared=prepared.summary, analysis=_AnalysisSummary(
        flat_cadence_spm=flat, flat_cadence_grade_band_pct=band_pct,
        hike_time_s=ts["hike_time_s"], run_time_s=ts["run_time_s"],
        technical_distance_m=ts["technical_distance_m"], descent_control_score=ts["descent_control_score"],
        gait_method=ts["gait_method"], walk_run_cadence_spm=ts["walk_run_cadence_spm"],
    ))
    warnings = tuple(dict.fromkeys(track.meta.warnings + prepared.warnings + flat_notes + tables.warnings))
    return Analysis(
        meta=track.meta,
        timeline=frame.assign(gait=tables.gait, technicality=tables.technicality),
        profile=prepared.profile.to_frame(),
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
