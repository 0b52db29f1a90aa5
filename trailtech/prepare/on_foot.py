"""Which samples are on foot, and the speed limits that follow: a stage of
:func:`~trailtech.prepare.prepare`.

Each sample belongs to a session (``samples["session"]``, sports in ``meta.sessions``; a file
without sessions is one session of ``meta.sport``). Sessions on foot (running, trail, walking,
hiking, transition..., or a generic sport whose median moving speed is at most
``config.max_foot_median_speed_mps``) get the running limits; the others (a triathlon's bike
leg) get ``config.max_other_speed_mps`` and ``config.max_other_accel_mps2``, and their cadence
(pedal or stroke rate) is left out of the step cadence and the moving state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import AnalysisConfig
from ..processing import geodesy as _geo
from ..processing import sport as _sport
from ..track import Track
from .time_axis import TimeAxis, timed_column

__all__ = ["OnFoot", "on_foot", "DEVICE_STREAM_MIN_COVERAGE", "SPORT_SPEED_WINDOW_S"]

#: Share of timed samples a device stream must cover to be used instead of positions.
DEVICE_STREAM_MIN_COVERAGE = 0.8
#: Window of the net-displacement speed that tells a session of unknown sport on foot or not [s].
SPORT_SPEED_WINDOW_S = 30.0


@dataclass(frozen=True, eq=False)
class OnFoot:
    """On-foot masks and the speed limits they set.

    Attributes
    ----------
    samples : numpy.ndarray of bool
        Per timed sample (``TimeAxis.t_s``), on foot.
    rows : numpy.ndarray of bool
        Per grid row, on foot (the last sample at or before the row).
    sample_max_speed_mps : numpy.ndarray
        Per timed sample, the highest plausible speed [m/s] (position spikes).
    max_speed_mps, max_accel_mps2 : numpy.ndarray
        Per grid row, the highest plausible speed [m/s] and acceleration [m/s2].
    limit_text : str
        The speed limits in words, for the notes.
    notes : tuple of str
    """

    samples: np.ndarray
    rows: np.ndarray
    sample_max_speed_mps: np.ndarray
    max_speed_mps: np.ndarray
    max_accel_mps2: np.ndarray
    limit_text: str
    notes: tuple[str, ...] = ()

    @property
    def all(self) -> bool:
        """Whether every sample is on foot."""
        return bool(self.samples.all())


def _rough_speed(track: Track, axis: TimeAxis) -> np.ndarray:
    """A rough speed per timed sample [m/s], for sessions of unknown sport: the device's,
    else the net displacement of the positions over 30 s (NaN when neither exists)."""
    t = axis.t_s
    speed = np.full(t.shape, np.nan)
    dev_v = timed_column(track, axis, "device_speed_mps")
    lat, lon = timed_column(track, axis, "lat_deg"), timed_column(track, axis, "lon_deg")
    if dev_v is not None and np.isfinite(dev_v).mean() >= DEVICE_STREAM_MIN_COVERAGE:
        return dev_v
    if lat is None or lon is None:
        return speed
    # Net displacement over 30 s: step speeds read fast when a logger repeats a fix and then
    # jumps (Sports Tracker and GPS Master GPX files do).
    x, y, _, _ = _geo.project_local(lat, lon)
    fix = np.isfinite(x) & np.isfinite(y)
    if fix.sum() < 2:
        return speed
    tf, xf, yf = t[fix], x[fix], y[fix]
    half = SPORT_SPEED_WINDOW_S / 2
    lo, hi = np.maximum(t - half, tf[0]), np.minimum(t + half, tf[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.hypot(
            np.interp(hi, tf, xf) - np.interp(lo, tf, xf), np.interp(hi, tf, yf) - np.interp(lo, tf, yf)
        ) / (hi - lo)


def _sample_mask(track: Track, axis: TimeAxis, config: AnalysisConfig) -> np.ndarray:
    """Per timed sample, whether its session is on foot (see :mod:`trailtech.processing.sport`)."""
    s, meta = track.samples, track.meta
    sports = {si.index: (si.sport, si.sub_sport) for si in meta.sessions}
    session = s["session"].to_numpy()[axis.rows] if "session" in s else None
    default = (meta.sport, meta.sub_sport)
    keys = np.unique(session) if session is not None else [None]
    known = [_sport.sport_on_foot(*sports.get(int(k), default) if k is not None else default) for k in keys]
    speed = _rough_speed(track, axis) if any(k is None for k in known) else np.full(axis.t_s.shape, np.nan)
    return _sport.on_foot_mask(
        session, speed, sports, default_sport=default,
        moving_speed_mps=config.resume_speed_mps, max_foot_median_speed_mps=config.max_foot_median_speed_mps,
    )


def _not_on_foot_note(track: Track, axis: TimeAxis, foot: np.ndarray, config: AnalysisConfig) -> str:
    """One sentence naming the sessions not on foot and what is done about them."""
    s, meta = track.samples, track.meta
    t = axis.t_s
    sports = {si.index: (si.sport, si.sub_sport) for si in meta.sessions}
    # A jump of the clock is not time spent in the session.
    dt = np.minimum(np.diff(t, append=t[-1]), config.gap_break_s)
    session = s["session"].to_numpy()[axis.rows] if "session" in s else np.zeros(t.size, dtype=int)
    keys = [int(k) for k in np.unique(session[~foot])]
    parts = []
    for k in keys:
        sport, sub = sports.get(k, (meta.sport, meta.sub_sport))
        why = sport or "unknown sport"
        if _sport.sport_on_foot(sport, sub) is None:
            why += f", median speed above {config.max_foot_median_speed_mps:g} m/s"
        minutes = np.sum(dt[(session == k) & ~foot]) / 60
        parts.append(f"({why}, {minutes:.0f} min)")
    if np.unique(session).size == 1:
        what = f"the activity {parts[0]}"
    else:
        what = ", ".join(f"session {k + 1} {p}" for k, p in zip(keys, parts))
    return (
        f"Not on foot: {what}. Speeds up to {config.max_other_speed_mps:g} m/s are kept there, "
        f"and the cadence there (pedal or stroke rate, not steps) is left out of the step "
        f"cadence and the flat cadence."
    )


def on_foot(track: Track, axis: TimeAxis, config: AnalysisConfig) -> OnFoot:
    """Which samples and grid rows are on foot, and the speed limits of each.

    Parameters
    ----------
    track : Track
    axis : TimeAxis
    config : AnalysisConfig
        Uses ``max_running_speed_mps``, ``max_other_speed_mps``, ``max_accel_mps2``,
        ``max_other_accel_mps2``, ``resume_speed_mps`` and ``max_foot_median_speed_mps``.

    Returns
    -------
    OnFoot
    """
    foot_raw = _sample_mask(track, axis, config)
    foot = foot_raw[axis.sample_to_row()]
    run_v, other_v = config.max_running_speed_mps, config.max_other_speed_mps
    if foot_raw.all():
        limit_text = f"{run_v:g} m/s"
    elif not foot_raw.any():
        limit_text = f"{other_v:g} m/s"
    else:
        limit_text = f"{run_v:g} m/s on foot ({other_v:g} m/s elsewhere)"
    notes = () if foot_raw.all() else (_not_on_foot_note(track, axis, foot_raw, config),)
    return OnFoot(
        samples=foot_raw, rows=foot,
        sample_max_speed_mps=np.where(foot_raw, run_v, other_v),
        max_speed_mps=np.where(foot, run_v, other_v),
        max_accel_mps2=np.where(foot, config.max_accel_mps2, config.max_other_accel_mps2),
        limit_text=limit_text, notes=notes,
    )
