"""From a decoded :class:`~trailtech.track.Track` to the processing grids: :func:`prepare`.

``prepare`` wires its stages, one module each, every one a small function of arrays:

1. :mod:`.time_axis`: the timed samples (strays of a broken clock dropped) and the compact
   1 Hz grid over the recorded stretches; gaps, timer pauses, segment breaks.
2. :mod:`.on_foot`: which sessions are on foot, and the speed limits that follow.
3. :mod:`.positions`: spikes removed, positions on the grid, smoothed, their distance summed;
   the timeline's metric ``x_m``/``y_m``.
4. :mod:`.distance`: the device's distance when trustworthy, else the positions'.
5. :mod:`.speed`: the device speed when consistent with distance, else its derivative.
6. :mod:`.sensors` and :mod:`.elevation`: cadence, heart rate and elevation on the grid.
7. :mod:`.moving`: the stop/resume state machine; the distance that counts (GPS drift while
   standing adds none).
8. :mod:`.profile`: elevation and grade on the uniform distance grid, and back on the time grid.
9. :mod:`.summary`: the totals (:class:`PreparedSummary`).

The result is a :class:`Prepared`: a :class:`~trailtech.timeline.Timeline`, a
:class:`~trailtech.timeline.Profile` (the contract every analysis reads), the summary and the
data-quality notes.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..errors import DataQualityWarning
from ..processing import grade as _grade
from ..timeline import Profile, Timeline
from ..track import Track
from . import distance as _dist
from . import elevation as _ele
from . import moving as _mov
from . import on_foot as _foot
from . import positions as _pos
from . import profile as _prof
from . import sensors as _sens
from . import speed as _spd
from .summary import PreparedSummary, summarise
from .time_axis import MIN_DURATION_S, TimeAxis, long_gap_note, time_axis, timed_column

__all__ = ["Prepared", "PreparedSummary", "prepare", "MIN_DURATION_S"]


@dataclass(frozen=True)
class Prepared:
    """The processed activity on its two grids.

    Attributes
    ----------
    timeline : Timeline
        The 1 Hz grid over the recorded stretches (columns: :data:`~trailtech.timeline.TIMELINE_COLUMNS`;
        ``gait`` is not classified yet). A recording gap longer than ``config.gap_break_s``
        keeps half of that at each end (``gap`` True) and skips its middle.
    profile : Profile
        Elevation and grade on the uniform distance grid over the moving rows.
    summary : PreparedSummary
        The totals.
    warnings : tuple of str
        What was wrong with the data and what was done, one sentence each.
    """

    timeline: Timeline
    profile: Profile
    summary: PreparedSummary
    warnings: tuple[str, ...]


def _timeline(axis: TimeAxis, pos: _pos.Positions, distance_m: np.ndarray, prof: _prof.ElevationProfile,
              speed_mps: np.ndarray, cadence_spm: np.ndarray, heart_rate_bpm: np.ndarray,
              moving: np.ndarray, foot: _foot.OnFoot, sources: dict) -> Timeline:
    """The stages' per-row results as the :class:`~trailtech.timeline.Timeline` contract."""
    grid = axis.grid_s
    return Timeline(
        time=axis.start + pd.to_timedelta(grid, unit="s"),
        elapsed_s=grid - grid[0],
        lat_deg=pos.lat_deg, lon_deg=pos.lon_deg, x_m=pos.x_m, y_m=pos.y_m,
        distance_m=distance_m,
        elevation_m=prof.row_elevation_m,
        grade_pct=100 * _grade.clip_grade(prof.row_grade, limit=1.0),
        speed_mps=speed_mps,
        vertical_speed_mps=prof.vertical_speed_mps,
        cadence_spm=cadence_spm,
        heart_rate_bpm=heart_rate_bpm,
        moving=moving, gap=axis.gap, on_foot=foot.rows,
        **sources,
    )


def prepare(track: Track, config: Optional[AnalysisConfig] = None) -> Prepared:
    """Clean, resample and summarise one track.

    Parameters
    ----------
    track : Track
        A decoded track.
    config : AnalysisConfig, optional
        Settings (defaults when omitted).

    Returns
    -------
    Prepared
        ``timeline`` (time grid), ``profile`` (distance grid), ``summary`` and ``warnings``;
        each warning is also issued as a :class:`~trailtech.errors.DataQualityWarning`.

    Raises
    ------
    TrackDataError
        No timestamps, fewer than 2 timed samples, less than 10 s of data, more than
        ``config.max_timeline_s`` of recording or more than ``config.max_distance_m``.
    """
    cfg = config or AnalysisConfig()
    meta = track.meta
    axis = time_axis(track, cfg)
    foot = _foot.on_foot(track, axis, cfg)
    gaps = long_gap_note(axis, cfg)
    pos = _pos.positions(timed_column(track, axis, "lat_deg"), timed_column(track, axis, "lon_deg"), axis,
                         max_speed_mps=foot.sample_max_speed_mps, limit_text=foot.limit_text)
    raw = _dist.raw_distance(timed_column(track, axis, "device_distance_m"), pos.cum_m, axis,
                             max_speed_mps=foot.max_speed_mps, fmt=meta.format)
    spd = _spd.speed(timed_column(track, axis, "device_speed_mps"), raw.cum_m, raw.source, axis, foot)
    cad, cad_notes = _sens.cadence(timed_column(track, axis, "cadence_spm"), axis, foot)
    ele = _ele.elevation(timed_column(track, axis, "elevation_m"), axis, _ele.device_barometer(meta), cfg,
                         lat_deg=pos.smooth_lat_deg, lon_deg=pos.smooth_lon_deg)
    moving = _mov.moving(axis, spd, raw.cum_m, raw.source, pos, cad, ele, cfg)
    distance = _dist.counted_distance(raw, moving, cfg, meta.source)
    prof = _prof.profile(distance, moving, ele, axis, cfg)
    summary = summarise(
        t_s=axis.t_s, grid_s=axis.grid_s, moving=moving, distance_m=distance, prof=prof,
        elevation_source=ele.source, distance_source=raw.source, speed_source=spd.source,
        timer_time_s=meta.device_totals.moving_time_s, position_spikes=pos.n_spikes, config=cfg,
    )
    speed_mps = _spd.counted_speed(spd, distance, raw.source, axis, foot)
    cadence_spm, half_notes = _sens.full_rate_cadence(_sens.moving_cadence(cad, moving, axis.n), speed_mps, moving)
    timeline = _timeline(
        axis, pos, distance, prof, speed_mps,
        cadence_spm, _sens.heart_rate(timed_column(track, axis, "heart_rate_bpm"), axis),
        moving, foot,
        dict(speed_source=spd.source, distance_source=raw.source, elevation_source=ele.source),
    )
    profile = Profile(distance_m=prof.distance_m, elevation_m=prof.elevation_m,
                      grade_pct=100 * _grade.clip_grade(prof.grade, limit=1.0), elapsed_s=prof.elapsed_s)
    notes = (*axis.notes, *foot.notes, *([gaps] if gaps else []), *pos.notes, *raw.notes, *spd.notes,
             *cad_notes, *half_notes, *ele.notes, *prof.notes)
    for msg in notes:
        _warnings.warn(f"{meta.source}: {msg}", DataQualityWarning, stacklevel=2)
    return Prepared(timeline=timeline, profile=profile, summary=summary, warnings=notes)
