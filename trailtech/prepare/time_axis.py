"""Stage 1 of :func:`~trailtech.prepare.prepare`: the timed samples and the compact time grid.

Every sensor is later interpolated onto this grid (``config.time_grid_s``, 1 Hz), never across
a recording gap longer than ``config.max_interpolate_gap_s``: ``gap`` is True there and the
values are NaN. The grid covers only the recorded stretches: a gap longer than
``config.gap_break_s`` keeps ``gap_break_s / 2`` of rows at each end and skips its middle (the
grid keeps the true times), so a clock that jumps by years costs nothing. A few points cut off
at either end by more than ``config.stray_gap_s`` are dropped, and a recording that needs more
than ``config.max_timeline_s`` of grid is refused with a
:class:`~trailtech.errors.TrackDataError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..errors import TrackDataError
from ..processing import moving as _mov
from ..processing import resample as _rs
from ..track import Track

__all__ = [
    "MIN_DURATION_S",
    "STRAY_MAX_SAMPLES",
    "TimeAxis",
    "timed_samples",
    "time_axis",
    "timed_column",
    "long_gap_note",
    "span_text",
]

#: Shortest recording that can be analysed [s].
MIN_DURATION_S = 10.0
#: Most samples dropped at either end when a gap over ``config.stray_gap_s`` isolates them.
STRAY_MAX_SAMPLES = 10


def span_text(seconds: float) -> str:
    """A time span in the unit a person would use ("15 years", "30 days", "5.2 h")."""
    if seconds >= 2 * 365.25 * 86400:
        return f"{seconds / (365.25 * 86400):.0f} years"
    if seconds >= 86400:
        days = seconds / 86400
        return "1 day" if round(days) == 1 else f"{days:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


@dataclass(frozen=True, eq=False)
class TimeAxis:
    """The timed samples of a track and the time grid they are resampled onto.

    Attributes
    ----------
    rows : numpy.ndarray of bool
        Per row of ``track.samples``: a timed sample that is kept.
    t_s : numpy.ndarray
        Elapsed time of the kept samples [s], increasing.
    start : pandas.Timestamp
        Time (UTC) at elapsed time 0.
    grid_s : numpy.ndarray
        Elapsed time of each grid row [s]: every ``dt_s`` over the recorded stretches,
        jumping over the middle of gaps longer than ``config.gap_break_s``.
    gap : numpy.ndarray of bool
        Grid rows inside a recording gap longer than ``max_gap_s`` (no values there).
    paused : numpy.ndarray of bool
        Grid rows inside a device timer pause.
    blocked : numpy.ndarray of bool
        Grid rows distance must not grow across: pauses and the first row of each new
        recording segment.
    dt_s : float
        Grid step [s].
    max_gap_s : float
        Longest gap interpolated across [s].
    notes : tuple of str
        What was dropped or skipped, one sentence each.
    """

    rows: np.ndarray
    t_s: np.ndarray
    start: pd.Timestamp
    grid_s: np.ndarray
    gap: np.ndarray
    paused: np.ndarray
    blocked: np.ndarray
    dt_s: float
    max_gap_s: float
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of grid rows."""
        return int(self.grid_s.size)

    def window(self, seconds: float) -> int:
        """An odd number of grid rows spanning about ``seconds`` [s] (at least 1)."""
        return max(1, int(round(seconds / self.dt_s)) | 1)

    def on_grid(self, values: np.ndarray) -> np.ndarray:
        """One column of the timed samples, interpolated onto the grid (NaN in gaps).

        When every value is finite the column's gap mask is the grid's own, so it is reused
        rather than searched again (the usual case, once per sensor).
        """
        v = np.asarray(values, dtype=float)
        if not np.isfinite(v).all():
            return _rs.interp_on_time_grid(self.t_s, v, self.grid_s, max_gap_s=self.max_gap_s)
        out = np.interp(self.grid_s, self.t_s, v)
        out[self.gap] = np.nan
        return out

    def sample_to_row(self) -> np.ndarray:
        """For each grid row, the index of the last timed sample at or before it."""
        i = np.searchsorted(self.t_s, self.grid_s, side="right") - 1
        return np.clip(i, 0, self.t_s.size - 1)


def timed_column(track: Track, axis: TimeAxis, name: str) -> Optional[np.ndarray]:
    """Column ``name`` of the kept timed samples, or None when absent or never finite."""
    s = track.samples
    if name not in s:
        return None
    v = s[name].to_numpy(dtype=float, na_value=np.nan)[axis.rows]
    return v if np.isfinite(v).any() else None


def timed_samples(track: Track, config: AnalysisConfig) -> tuple[np.ndarray, pd.Timestamp, np.ndarray, list[str]]:
    """The samples that have a time, without the strays a broken clock put far away.

    Parameters
    ----------
    track : Track
    config : AnalysisConfig
        Uses ``stray_gap_s``.

    Returns
    -------
    rows : numpy.ndarray of bool
        Per sample, kept.
    start : pandas.Timestamp
        Time at elapsed 0 (UTC).
    t_s : numpy.ndarray
        Elapsed time of the kept samples [s].
    notes : list of str

    Raises
    ------
    TrackDataError
        No timestamps, fewer than 2 timed samples, or less than :data:`MIN_DURATION_S`.
    """
    s, src = track.samples, track.meta.source
    notes: list[str] = []
    if "time" not in s or "elapsed_s" not in s or len(s) == 0:
        raise TrackDataError(src, "the file has no timestamps; trailtech needs timed samples")
    time = pd.to_datetime(s["time"], utc=True)
    t = s["elapsed_s"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(t) & time.notna().to_numpy()
    if ok.sum() >= 2:
        # A few points a day or more away at either end are a broken clock. The readers drop
        # them too; this keeps a Track built by hand just as safe.
        idx = np.flatnonzero(ok)
        keep = _rs.stray_edge_mask(t[idx], gap_s=config.stray_gap_s, max_samples=STRAY_MAX_SAMPLES)
        if not keep.all():
            ok[idx[~keep]] = False
            notes.append(
                f"Dropped {int((~keep).sum())} sample(s) at the start or end that lay more than "
                f"{span_text(config.stray_gap_s)} away from the rest (a broken clock)."
            )
    n = int(ok.sum())
    if n < 2:
        raise TrackDataError(
            src, f"only {n} sample(s) with a timestamp; at least 2 timed samples spanning "
            f"{MIN_DURATION_S:.0f} s are needed"
        )
    tt = t[ok]
    if tt[-1] - tt[0] < MIN_DURATION_S:
        raise TrackDataError(
            src, f"only {tt[-1] - tt[0]:.1f} s of timed data; at least {MIN_DURATION_S:.0f} s are needed"
        )
    start = time[ok].iloc[0] - pd.to_timedelta(tt[0], unit="s")
    return ok, start, tt, notes


def _grid(t: np.ndarray, config: AnalysisConfig, src: str) -> tuple[np.ndarray, list[str]]:
    """The compact time grid (recorded stretches only), refused when it would be too long."""
    dt = float(config.time_grid_s)
    rows = _rs.compact_grid_rows(t, step_s=dt, break_s=config.gap_break_s)
    span = float(t[-1] - t[0])
    if rows * dt > config.max_timeline_s:
        why = (
            "the clock of this file is probably broken"
            if span > 2 * config.max_timeline_s
            else "split it into single activities"
        )
        raise TrackDataError(
            src, f"timestamps span {span_text(span)} with {span_text(rows * dt)} of recording "
            f"between gaps, more than the {span_text(config.max_timeline_s)} trailtech analyses in "
            f"one file (AnalysisConfig.max_timeline_s); {why}"
        )
    notes = []
    jumps = np.diff(t)
    far = jumps > config.stray_gap_s
    if far.any():
        notes.append(
            f"The timestamps jump by {span_text(float(jumps[far].max()))} inside the recording "
            f"(a clock error or joined recordings): the elapsed time includes the jump, the "
            f"analyses skip it."
        )
    return _rs.compact_time_grid(t, step_s=dt, break_s=config.gap_break_s), notes


def _blocked(track: Track, rows: np.ndarray, t: np.ndarray, grid: np.ndarray,
             start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Grid rows in timer pauses, and those distance must not grow across (pauses, new segments)."""
    pauses = [
        ((pd.Timestamp(a) - start).total_seconds(), (pd.Timestamp(b) - start).total_seconds())
        for a, b in track.meta.timer_pauses
    ]
    paused = _mov.pause_mask(grid, pauses)
    blocked = paused.copy()
    s = track.samples
    if "segment" in s and s["segment"].nunique() > 1:
        seg = s["segment"].to_numpy()[rows]
        brk = t[1:][seg[1:] != seg[:-1]]  # first sample of each new segment
        k = np.searchsorted(grid, brk, side="left")
        blocked[k[k < grid.size]] = True
    return paused, blocked


def time_axis(track: Track, config: AnalysisConfig) -> TimeAxis:
    """The timed samples of ``track`` and the compact time grid.

    Parameters
    ----------
    track : Track
    config : AnalysisConfig
        Uses ``time_grid_s``, ``gap_break_s``, ``max_interpolate_gap_s``, ``stray_gap_s`` and
        ``max_timeline_s``.

    Returns
    -------
    TimeAxis

    Raises
    ------
    TrackDataError
        No timestamps, too few timed samples, too short, or more than
        ``config.max_timeline_s`` of recording.
    """
    rows, start, t, notes = timed_samples(track, config)
    grid, grid_notes = _grid(t, config, track.meta.source)
    max_gap = float(config.max_interpolate_gap_s)
    paused, blocked = _blocked(track, rows, t, grid, start)
    return TimeAxis(
        rows=rows, t_s=t, start=start, grid_s=grid,
        gap=_rs.gap_mask(t, grid, max_gap_s=max_gap), paused=paused, blocked=blocked,
        dt_s=float(config.time_grid_s), max_gap_s=max_gap, notes=tuple(notes + grid_notes),
    )


def long_gap_note(axis: TimeAxis, config: AnalysisConfig) -> Optional[str]:
    """The sentence about recording gaps longer than ``config.gap_break_s``, or None."""
    long_gaps = int(np.count_nonzero(np.diff(axis.t_s) > config.gap_break_s))
    if not long_gaps:
        return None
    return f"{long_gaps} recording gap(s) longer than {config.gap_break_s:.0f} s; no values were invented there."
