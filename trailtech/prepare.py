"""From a decoded :class:`~trailtech.track.Track` to the processing grids: :func:`prepare`.

This module only wires the pure functions of :mod:`trailtech.processing` together:

1. **Time grid** (``config.time_grid_s``, 1 Hz): every sensor is interpolated linearly, never
   across a recording gap longer than ``config.max_interpolate_gap_s`` (``gap`` is True there
   and the values are NaN). The grid covers only the recorded stretches: a gap longer than
   ``config.gap_break_s`` keeps ``gap_break_s / 2`` of rows at each end and skips its middle
   (``elapsed_s`` keeps the true times), so a clock that jumps by years costs nothing. A few
   points cut off at either end by more than ``config.stray_gap_s`` are dropped, and a
   recording that needs more than ``config.max_timeline_s`` of grid (or covers more than
   ``config.max_distance_m``) is refused with a :class:`~trailtech.errors.TrackDataError`.
2. **Positions**: spikes and teleports (speed > ``config.max_running_speed_mps`` on foot,
   ``config.max_other_speed_mps`` in sessions that are not, see below) are removed and
   interpolated; a 5 s centred mean removes the jitter before distances are summed.
3. **Distance**: the device's cumulative distance when it is trustworthy (see
   :func:`_choose_distance`; FIT watches filter their distance, which beats raw position sums),
   else the sum of cleaned positions. Position distance does not grow while stopped or across
   device timer pauses; across a plain recording gap it grows along the straight line.
4. **Speed**: the device speed (Doppler) when present and consistent with distance, else the
   derivative of distance (5 s median, 3 s mean); impossible speeds and accelerations removed.
5. **Moving state**: the stop/resume state machine; device timer pauses override it.
6. **Elevation**: invalid values dropped; barometric or GPS (file metadata, else the 1 Hz noise
   test); Hampel repair; then a uniform **distance grid** (``config.distance_grid_m``) over the
   moving samples, Savitzky-Golay smoothing with the source's window, grade over the source's
   baseline, ascent and descent by hysteresis.
7. **Back to the time grid**: ``np.interp(timeline.distance_m, profile.distance_m, q)`` gives
   the smoothed elevation and the grade at each second; vertical speed is a 30 s regression.
8. **Cadence**: cleaned; the flat running cadence; **GAP** (Strava 2017) and Minetti energy.

**Sport awareness.** Each sample belongs to a session (``samples["session"]``, sports in
``meta.sessions``; a file without sessions is one session of ``meta.sport``). Sessions on
foot (running, trail, walking, hiking, transition..., or a generic sport whose median moving
speed is at most ``config.max_foot_median_speed_mps``) get the running limits; the others
(a triathlon's bike leg) get ``config.max_other_speed_mps`` and
``config.max_other_accel_mps2``, and their cadence (pedal or stroke rate) is NaN in
``timeline.cadence_spm`` and left out of the flat cadence and the moving state.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .config import AnalysisConfig
from .errors import DataQualityWarning, TrackDataError
from .processing import cadence as _cad
from .processing import elevation as _ele
from .processing import gap as _gap
from .processing import geodesy as _geo
from .processing import grade as _grade
from .processing import moving as _mov
from .processing import position as _pos
from .processing import resample as _rs
from .processing import speed as _spd
from .processing import sport as _sport
from .track import Track

__all__ = ["Prepared", "prepare", "MIN_DURATION_S"]

#: Shortest recording that can be analysed [s].
MIN_DURATION_S = 10.0
#: Window of the centred mean applied to positions before distances are summed [s].
POSITION_SMOOTH_S = 5.0
#: Window of the vertical-speed regression used by the moving state machine [s]; shorter than
#: the VAM window so a stop is seen within seconds of the runner halting.
MOVING_VERTICAL_WINDOW_S = 10.0
#: Window of the net-displacement speed the stop detector uses with GPS distance [s].
STOP_DISPLACEMENT_WINDOW_S = 10.0
#: Share of timed samples a device stream must cover to be used instead of positions.
DEVICE_STREAM_MIN_COVERAGE = 0.8
#: Window of the net-displacement speed that tells a session of unknown sport on foot or not [s].
SPORT_SPEED_WINDOW_S = 30.0
#: Most samples dropped at either end when a gap over ``config.stray_gap_s`` isolates them.
STRAY_MAX_SAMPLES = 10
#: Device distance is used when its total is within this ratio of the position total.
DEVICE_DISTANCE_RATIO = (0.8, 1.25)


@dataclass(frozen=True)
class Prepared:
    """The processed activity on its two grids (see ``docs/interfaces.md``).

    Attributes
    ----------
    timeline : pandas.DataFrame
        Uniform time grid (RangeIndex): ``time`` (UTC), ``elapsed_s``, ``lat_deg``,
        ``lon_deg`` (cleaned, NaN in gaps), ``distance_m`` (cumulative horizontal,
        non-decreasing, finite), ``elevation_m`` (smoothed), ``grade_pct``, ``speed_mps``,
        ``vertical_speed_mps``, ``cadence_spm``, ``heart_rate_bpm``, ``moving``, ``gap``,
        ``on_foot`` (the sample's session is on foot; the terrain analyses skip the others).
        A recording gap longer than ``config.gap_break_s`` keeps half of that at each end
        (``gap`` True) and skips its middle: ``elapsed_s`` and ``time`` jump there.
    profile : pandas.DataFrame
        Uniform distance grid over the moving samples: ``distance_m``, ``elevation_m``
        (smoothed), ``grade_pct``, ``elapsed_s`` (when the runner was there).
    summary : dict
        Totals; see :func:`prepare`.
    warnings : tuple of str
        What was wrong with the data and what was done, one sentence each.
    """

    timeline: pd.DataFrame
    profile: pd.DataFrame
    summary: dict
    warnings: tuple[str, ...]


def _odd(n: float) -> int:
    return max(1, int(round(n)) | 1)


def _col(samples: pd.DataFrame, name: str, ok: np.ndarray) -> Optional[np.ndarray]:
    if name not in samples:
        return None
    v = samples[name].to_numpy(dtype=float, na_value=np.nan)[ok]
    return v if np.isfinite(v).any() else None


def _on_grid(t: np.ndarray, values: np.ndarray, grid: np.ndarray, gap: np.ndarray,
             max_gap_s: float) -> np.ndarray:
    """:func:`~trailtech.processing.resample.interp_on_time_grid` of one column.

    ``gap`` is the gap mask of the timed samples ``t`` on ``grid``; when every value of the
    column is finite its own gap mask is that one, so it is reused rather than recomputed
    (the usual case: each sensor column would otherwise search the whole grid again).
    """
    v = np.asarray(values, dtype=float)
    if not np.isfinite(v).all():
        return _rs.interp_on_time_grid(t, v, grid, max_gap_s=max_gap_s)
    out = np.interp(grid, t, v)
    out[gap] = np.nan
    return out


def _span_text(seconds: float) -> str:
    """A time span in the unit a person would use ("15 years", "30 days", "5.2 h")."""
    if seconds >= 2 * 365.25 * 86400:
        return f"{seconds / (365.25 * 86400):.0f} years"
    if seconds >= 86400:
        days = seconds / 86400
        return "1 day" if round(days) == 1 else f"{days:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def _times(track: Track, cfg: AnalysisConfig, notes: list[str]) -> tuple[np.ndarray, pd.Timestamp, np.ndarray]:
    s, src = track.samples, track.meta.source
    if "time" not in s or "elapsed_s" not in s or len(s) == 0:
        raise TrackDataError(f"{src}: the file has no timestamps; trailtech needs timed samples")
    time = pd.to_datetime(s["time"], utc=True)
    t = s["elapsed_s"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(t) & time.notna().to_numpy()
    if ok.sum() >= 2:
        # A few points a day or more away at either end are a broken clock (GPX and TCX
        # readers keep them; the FIT reader already drops them).
        idx = np.flatnonzero(ok)
        keep = _rs.stray_edge_mask(t[idx], gap_s=cfg.stray_gap_s, max_samples=STRAY_MAX_SAMPLES)
        if not keep.all():
            ok[idx[~keep]] = False
            notes.append(
                f"Dropped {int((~keep).sum())} sample(s) at the start or end that lay more than "
                f"{_span_text(cfg.stray_gap_s)} away from the rest (a broken clock)."
            )
    n = int(ok.sum())
    if n < 2:
        raise TrackDataError(
            f"{src}: only {n} sample(s) with a timestamp; at least 2 timed samples spanning "
            f"{MIN_DURATION_S:.0f} s are needed"
        )
    tt = t[ok]
    if tt[-1] - tt[0] < MIN_DURATION_S:
        raise TrackDataError(
            f"{src}: only {tt[-1] - tt[0]:.1f} s of timed data; at least {MIN_DURATION_S:.0f} s are needed"
        )
    start = time[ok].iloc[0] - pd.to_timedelta(tt[0], unit="s")
    return ok, start, tt


def _time_grid(t: np.ndarray, cfg: AnalysisConfig, src: str, notes: list[str]) -> np.ndarray:
    """The compact time grid (recorded stretches only), refused when it would be too long."""
    dt = float(cfg.time_grid_s)
    rows = _rs.compact_grid_rows(t, step_s=dt, break_s=cfg.gap_break_s)
    span = float(t[-1] - t[0])
    if rows * dt > cfg.max_timeline_s:
        why = (
            "the clock of this file is probably broken"
            if span > 2 * cfg.max_timeline_s
            else "split it into single activities"
        )
        raise TrackDataError(
            f"{src}: timestamps span {_span_text(span)} with {_span_text(rows * dt)} of recording "
            f"between gaps, more than the {_span_text(cfg.max_timeline_s)} trailtech analyses in one "
            f"file (AnalysisConfig.max_timeline_s); {why}"
        )
    jumps = np.diff(t)
    far = jumps > cfg.stray_gap_s
    if far.any():
        notes.append(
            f"The timestamps jump by {_span_text(float(jumps[far].max()))} inside the recording "
            f"(a clock error or joined recordings): the elapsed time includes the jump, the "
            f"analyses skip it."
        )
    return _rs.compact_time_grid(t, step_s=dt, break_s=cfg.gap_break_s)


def _choose_distance(
    pos_total_m: Optional[float], dev_cum: Optional[np.ndarray], fmt: str
) -> tuple[bool, str]:
    """Whether to use the device's distance stream, and why.

    Measured on the corpus (docs/accuracy.md): FIT watches write a filtered cumulative
    distance whose end value *is* the session total, while summed positions read a little long
    or short depending on sampling and smoothing. The device stream is used when it covers
    most samples and agrees with the position sum within 0.8-1.25x (outside that it is a
    foot-pod or a broken stream, and positions are safer).
    """
    if dev_cum is None:
        return False, "no device distance"
    cover = float(np.isfinite(dev_cum).mean())
    if cover < DEVICE_STREAM_MIN_COVERAGE:
        return False, f"device distance covers only {cover:.0%} of samples"
    # Sum of the increments, not max - min: multisport watches restart the distance at
    # each session, and a reset is not negative distance.
    steps = np.diff(dev_cum[np.isfinite(dev_cum)])
    dev_total = float(np.sum(steps[steps > 0]))
    if not dev_total > 0:
        return False, "device distance never increases"
    if pos_total_m is None or pos_total_m <= 0:
        return True, "no positions"
    r = dev_total / pos_total_m
    lo, hi = DEVICE_DISTANCE_RATIO
    if not (lo <= r <= hi):
        return False, f"device distance is {r:.2f}x the GPS distance"
    return True, f"{fmt} device distance"


def _bridged_cumulative(
    step_m: np.ndarray, valid: np.ndarray, blocked: np.ndarray, grid_s: np.ndarray
) -> np.ndarray:
    """Cumulative distance over valid samples, linear across gaps, flat across blocked ones.

    ``step_m[k]`` is the distance from the previous valid sample to valid sample k (already
    bridged across gaps); ``blocked`` marks samples in pauses or segment breaks: a step that
    crosses one adds nothing. Across a gap the distance grows linearly in time (``grid_s``,
    which jumps where the compact grid skips the middle of a long gap).
    """
    n = valid.size
    vi = np.flatnonzero(valid)
    if vi.size == 0:
        return np.zeros(n)
    steps = np.where(np.isfinite(step_m[vi]), step_m[vi], 0.0)
    cb = np.concatenate([[0], np.cumsum(blocked)])
    if vi.size > 1:
        crossed = (cb[vi[1:]] - cb[vi[:-1] + 1]) > 0  # any blocked sample strictly between
        crossed |= blocked[vi[1:]]
        steps[1:] = np.where(crossed, 0.0, steps[1:])
    steps[0] = 0.0
    cum_v = np.cumsum(steps)
    return np.interp(grid_s, grid_s[vi], cum_v)


def _on_foot(track: Track, ok: np.ndarray, t: np.ndarray, cfg: AnalysisConfig) -> np.ndarray:
    """Per timed sample, whether its session is on foot (see :mod:`trailtech.processing.sport`)."""
    s, meta = track.samples, track.meta
    sports = {si.index: (si.sport, si.sub_sport) for si in meta.sessions}
    session = s["session"].to_numpy()[ok] if "session" in s else None
    default = (meta.sport, meta.sub_sport)
    keys = np.unique(session) if session is not None else [None]
    known = [_sport.sport_on_foot(*sports.get(int(k), default) if k is not None else default) for k in keys]
    speed = np.full(t.shape, np.nan)
    if any(k is None for k in known):
        # A rough speed for sessions of unknown sport: the device's, else position steps.
        dev_v = _col(s, "device_speed_mps", ok)
        lat, lon = _col(s, "lat_deg", ok), _col(s, "lon_deg", ok)
        if dev_v is not None and np.isfinite(dev_v).mean() >= DEVICE_STREAM_MIN_COVERAGE:
            speed = dev_v
        elif lat is not None and lon is not None:
            # Net displacement over 30 s: step speeds read fast when a logger repeats a fix
            # and then jumps (Sports Tracker and GPS Master GPX files do).
            x, y, _, _ = _geo.project_local(lat, lon)
            fix = np.isfinite(x) & np.isfinite(y)
            if fix.sum() >= 2:
                tf, xf, yf = t[fix], x[fix], y[fix]
                half = SPORT_SPEED_WINDOW_S / 2
                lo, hi = np.maximum(t - half, tf[0]), np.minimum(t + half, tf[-1])
                with np.errstate(invalid="ignore", divide="ignore"):
                    speed = np.hypot(
                        np.interp(hi, tf, xf) - np.interp(lo, tf, xf), np.interp(hi, tf, yf) - np.interp(lo, tf, yf)
                    ) / (hi - lo)
    return _sport.on_foot_mask(
        session, speed, sports, default_sport=default,
        moving_speed_mps=cfg.resume_speed_mps, max_foot_median_speed_mps=cfg.max_foot_median_speed_mps,
    )


def _not_on_foot_note(
    track: Track, ok: np.ndarray, t: np.ndarray, foot_raw: np.ndarray, cfg: AnalysisConfig
) -> str:
    """One sentence naming the sessions not on foot and what is done about them."""
    s, meta = track.samples, track.meta
    sports = {si.index: (si.sport, si.sub_sport) for si in meta.sessions}
    # A jump of the clock is not time spent in the session.
    dt = np.minimum(np.diff(t, append=t[-1]), cfg.gap_break_s)
    session = s["session"].to_numpy()[ok] if "session" in s else np.zeros(t.size, dtype=int)
    keys = [int(k) for k in np.unique(session[~foot_raw])]
    parts = []
    for k in keys:
        sport, sub = sports.get(k, (meta.sport, meta.sub_sport))
        why = sport or "unknown sport"
        if _sport.sport_on_foot(sport, sub) is None:
            why += f", median speed above {cfg.max_foot_median_speed_mps:g} m/s"
        minutes = np.sum(dt[(session == k) & ~foot_raw]) / 60
        parts.append(f"({why}, {minutes:.0f} min)")
    if np.unique(session).size == 1:
        what = f"the activity {parts[0]}"
    else:
        what = ", ".join(f"session {k + 1} {p}" for k, p in zip(keys, parts))
    return (
        f"Not on foot: {what}. Speeds up to {cfg.max_other_speed_mps:g} m/s are kept there, "
        f"and the cadence there (pedal or stroke rate, not steps) is left out of the step "
        f"cadence and the flat cadence."
    )


def prepare(track: Track, config: Optional[AnalysisConfig] = None) -> "Prepared":
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
        ``timeline`` (time grid), ``profile`` (distance grid), ``summary`` and ``warnings``.
        Summary keys: ``distance_m``, ``duration_s`` (elapsed), ``moving_time_s``,
        ``ascent_m``, ``descent_m``, ``min_elevation_m``, ``max_elevation_m``,
        ``avg_speed_mps`` (distance / moving time), ``gap_speed_mps`` (Strava 2017 GAP over
        moving time), ``flat_cadence_spm``, ``elevation_source`` ("barometric", "gps" or
        None), and ``energy_j_per_kg`` (Minetti 2002), ``distance_source``,
        ``speed_source``, ``flat_cadence_grade_band_pct``, ``timer_time_s``,
        ``position_spikes``. Elevation-based values are None without elevation.

    Raises
    ------
    TrackDataError
        No timestamps, fewer than 2 timed samples, less than 10 s of data, more than
        ``config.max_timeline_s`` of recording or more than ``config.max_distance_m``.
    """
    cfg = config or AnalysisConfig()
    meta = track.meta
    src = meta.source
    notes: list[str] = []
    ok, start, t = _times(track, cfg, notes)
    s = track.samples
    dt = float(cfg.time_grid_s)
    grid = _time_grid(t, cfg, src, notes)
    n = grid.size
    max_gap = float(cfg.max_interpolate_gap_s)
    gap = _rs.gap_mask(t, grid, max_gap_s=max_gap)

    # Timer pauses and segment breaks: distance never grows across them.
    pauses = [
        ((pd.Timestamp(a) - start).total_seconds(), (pd.Timestamp(b) - start).total_seconds())
        for a, b in meta.timer_pauses
    ]
    paused = _mov.pause_mask(grid, pauses)
    blocked = paused.copy()
    if "segment" in s and s["segment"].nunique() > 1:
        seg = s["segment"].to_numpy()[ok]
        brk = t[1:][seg[1:] != seg[:-1]]  # first sample of each new segment
        k = np.searchsorted(grid, brk, side="left")
        k = k[k < n]
        blocked[k] = True
    # Sessions not on foot (a multisport file's bike leg) get vehicle limits and no step cadence.
    foot_raw = _on_foot(track, ok, t, cfg)
    foot = foot_raw[np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 1)]
    vmax_raw = np.where(foot_raw, cfg.max_running_speed_mps, cfg.max_other_speed_mps)
    vmax = np.where(foot, cfg.max_running_speed_mps, cfg.max_other_speed_mps)
    amax = np.where(foot, cfg.max_accel_mps2, cfg.max_other_accel_mps2)
    all_foot = bool(foot_raw.all())
    if all_foot:
        speed_limit_txt = f"{cfg.max_running_speed_mps:g} m/s"
    elif not foot_raw.any():
        speed_limit_txt = f"{cfg.max_other_speed_mps:g} m/s"
    else:
        speed_limit_txt = f"{cfg.max_running_speed_mps:g} m/s on foot ({cfg.max_other_speed_mps:g} m/s elsewhere)"
    if not all_foot:
        notes.append(_not_on_foot_note(track, ok, t, foot_raw, cfg))
    long_gaps = int(np.count_nonzero(np.diff(t) > cfg.gap_break_s))
    if long_gaps:
        notes.append(f"{long_gaps} recording gap(s) longer than {cfg.gap_break_s:.0f} s; no values were invented there.")

    # --- positions -------------------------------------------------------------------------
    lat, lon = _col(s, "lat_deg", ok), _col(s, "lon_deg", ok)
    has_pos = lat is not None and lon is not None
    lat_g = lon_g = np.full(n, np.nan)
    pos_step = None
    xs = ys = None
    n_spikes = 0
    if has_pos:
        x, y, lat0, lon0 = _geo.project_local(lat, lon)
        bad = _pos.find_position_outliers(t, x, y, max_speed_mps=vmax_raw)
        n_spikes = int(bad.sum())
        if n_spikes:
            notes.append(
                f"Removed {n_spikes} GPS position spike(s)/teleport(s) implying more than "
                f"{speed_limit_txt} and interpolated over them."
            )
        x, y = np.where(bad, np.nan, x), np.where(bad, np.nan, y)
        xg = _on_grid(t, x, grid, gap, max_gap)
        yg = _on_grid(t, y, grid, gap, max_gap)
        lat_g, lon_g = _geo.unproject_local(xg, yg, lat0_deg=lat0, lon0_deg=lon0)
        xs, ys = _pos.smooth_path(xg, yg, window=_odd(POSITION_SMOOTH_S / dt))
        slat, slon = _geo.unproject_local(xs, ys, lat0_deg=lat0, lon0_deg=lon0)
        pos_valid = np.isfinite(xs)
        pos_step = np.full(n, np.nan)
        vi = np.flatnonzero(pos_valid)
        pos_step[vi] = _geo.step_distances_m(slat[vi], slon[vi])
        pos_cum = _bridged_cumulative(pos_step, pos_valid, blocked, grid)
        has_pos = bool(pos_valid.sum() >= 2)
    pos_total = float(pos_cum[-1]) if has_pos else None

    dev_d = _col(s, "device_distance_m", ok)
    use_dev, why = _choose_distance(pos_total, dev_d, meta.format)
    if use_dev:
        dgrid = _rs.interp_on_time_grid(t, dev_d, grid, max_gap_s=np.inf)
        inc = np.diff(dgrid, prepend=dgrid[0])
        inc = np.where(np.isfinite(inc), inc, 0.0)
        # Resets (multisport, lap-relative writers) and impossible jumps add nothing.
        limit = vmax * dt * 1.5 + 10.0
        jumps = (inc < 0) | (inc > limit) & ~gap
        if np.any(jumps & (inc < 0)):
            notes.append("The device distance went backwards (reset); the resets were ignored.")
        inc = np.where(jumps, 0.0, inc)
        inc[0] = 0.0
        raw_cum = np.cumsum(inc)
        distance_source = "device"
    elif has_pos:
        raw_cum = pos_cum
        distance_source = "gps"
        if dev_d is not None:
            notes.append(f"Device distance not used ({why}); distance is from GPS positions.")
    else:
        raw_cum = np.zeros(n)
        distance_source = None
        notes.append("No positions and no device distance: distance and speed are unknown.")

    # --- speed -----------------------------------------------------------------------------
    grid_for_speed = raw_cum.copy()
    grid_for_speed[gap] = np.nan
    speed_d = _spd.speed_from_distance(grid, grid_for_speed)
    speed_source = "distance" if distance_source else None
    speed = speed_d
    dev_v = _col(s, "device_speed_mps", ok)
    if dev_v is not None and np.isfinite(dev_v).mean() >= DEVICE_STREAM_MIN_COVERAGE:
        vg = _on_grid(t, dev_v, grid, gap, max_gap)
        covered = np.isfinite(vg) & np.isfinite(speed_d)
        dev_int = float(np.sum(vg[covered]) * dt)
        dist_int = float(np.sum(speed_d[covered]) * dt)
        if distance_source is None or (dist_int > 0 and 0.75 <= dev_int / dist_int <= 1.33):
            speed = _spd.rolling_mean(vg, _odd(3.0 / dt))
            speed_source = "device"
        else:
            notes.append("The device speed disagrees with the distance; speed is from distance instead.")
    speed, n_bad_v = _spd.clean_speed(grid, speed, max_speed_mps=vmax, max_accel_mps2=amax)
    if n_bad_v:
        notes.append(f"Replaced {n_bad_v} impossible speed sample(s) (> {speed_limit_txt} or spikes).")

    # --- cadence (for the moving state) ------------------------------------------------------
    cad = _col(s, "cadence_spm", ok)
    if cad is not None and not all_foot:
        # Pedal (or stroke) rate is not step cadence: left out of cadence, gait and stops.
        cad = np.where(foot_raw, cad, np.nan)
        cad = cad if np.isfinite(cad).any() else None
    cad_g = None
    if cad is not None:
        cad_g = _on_grid(t, cad, grid, gap, max_gap)
        cad_g, n_bad_c = _cad.clean_cadence(cad_g)
        if n_bad_c:
            notes.append(f"Dropped {n_bad_c} implausible cadence sample(s) (> 250 spm or one-sample spikes).")

    # --- elevation (time domain) -----------------------------------------------------------
    ele = _col(s, "elevation_m", ok)
    ele_g = None
    barometric = None
    if ele is not None:
        inval = _ele.invalid_elevation_mask(ele)
        if inval.any():
            notes.append(f"Dropped {int(inval.sum())} invalid elevation sample(s) (sentinels, zero dropouts or garbage).")
            ele = np.where(inval, np.nan, ele)
        if np.isfinite(ele).sum() < 2:
            notes.append("No usable elevation: ascent, descent, grade and GAP are not computed.")
            ele = None
    if ele is not None:
        if meta.barometric is not None:
            barometric = bool(meta.barometric)
        else:
            barometric = _ele.is_barometric_like(
                t, ele, median_abs_step_m=cfg.baro_median_abs_step_m, p99_abs_step_m=cfg.baro_p99_abs_step_m
            )
        ele_g = _on_grid(t, ele, grid, gap, max_gap)
        ele_g, hamp = _ele.hampel(ele_g, window=_odd(cfg.hampel_window_s / dt), min_scale=0.1)
        if barometric:
            ele_g, n_clamped = _ele.clamp_vertical_rate(
                grid, ele_g, max_vertical_speed_mps=cfg.max_vertical_speed_mps
            )
            if n_clamped:
                notes.append(f"Removed {n_clamped} elevation jump(s) faster than {cfg.max_vertical_speed_mps:g} m/s.")
    else:
        notes.append("The file has no elevation: ascent, descent, grade and GAP are not computed.")

    # --- moving state ----------------------------------------------------------------------
    v_state = speed
    if distance_source == "gps" and speed_source == "distance":
        # Standing GPS jitter reads as walking pace step by step; net displacement does not.
        v_disp = _spd.displacement_speed(xs, ys, window=_odd(STOP_DISPLACEMENT_WINDOW_S / dt) - 1 or 1, dt_s=dt)
        v_state = np.where(np.isfinite(v_disp), v_disp, speed)
    vs_move = (
        _spd.vertical_speed(grid, ele_g, window_s=MOVING_VERTICAL_WINDOW_S)
        if (ele_g is not None and barometric)
        else None
    )
    moving = _mov.moving_state(
        v_state, cad_g, vs_move, dt_s=dt,
        stop_speed_mps=cfg.stop_speed_mps, resume_speed_mps=cfg.resume_speed_mps,
        stop_cadence_spm=cfg.stop_cadence_spm, resume_cadence_spm=cfg.resume_cadence_spm,
        stop_vertical_speed_mps=cfg.stop_vertical_speed_mps,
        resume_vertical_speed_mps=cfg.resume_vertical_speed_mps,
        stop_min_s=cfg.stop_min_s, resume_min_s=cfg.resume_min_s,
    )
    if gap.any():
        # In a recording gap the runner moved if the distance across it implies it.
        gap_speed = np.gradient(raw_cum, grid) if n > 1 else np.zeros(n)
        moving = np.where(gap, gap_speed > cfg.stop_speed_mps, moving)
    moving &= ~paused

    # --- final distance --------------------------------------------------------------------
    inc = np.diff(raw_cum, prepend=raw_cum[0])
    if distance_source == "gps":
        inc = np.where(moving, inc, 0.0)  # GPS drift while standing is not distance
    distance = np.cumsum(np.maximum(inc, 0.0))
    total_m = float(distance[-1])
    if total_m > cfg.max_distance_m:
        raise TrackDataError(
            f"{src}: the track covers {total_m / 1000:.0f} km, more than the "
            f"{cfg.max_distance_m / 1000:.0f} km trailtech analyses in one file "
            f"(AnalysisConfig.max_distance_m); its positions or device distance are probably broken"
        )
    if distance_source == "gps" and speed_source == "distance":
        # Speed consistent with the distance actually counted: 0 while stopped.
        d_for_speed = np.where(gap, np.nan, distance)
        speed, _ = _spd.clean_speed(
            grid, _spd.speed_from_distance(grid, d_for_speed),
            max_speed_mps=vmax, max_accel_mps2=amax,
        )

    # --- elevation profile on the distance grid --------------------------------------------
    step_m = float(cfg.distance_grid_m)
    dgrid = _rs.distance_grid(total_m, step_m=step_m)
    mv = moving & ~gap
    if mv.sum() < 2:
        mv = ~gap
    prof_t = _rs.interp_on_distance_grid(distance[mv], grid[mv], dgrid)
    ascent = descent = None
    ele_t = np.full(n, np.nan)
    grade_t = np.full(n, np.nan)
    prof_h = np.full(dgrid.shape, np.nan)
    prof_g = np.full(dgrid.shape, np.nan)
    source = None
    if ele_g is not None:
        source = "barometric" if barometric else "gps"
        window_m = cfg.sg_window_baro_m if barometric else cfg.sg_window_gps_m
        baseline_m = cfg.grade_baseline_baro_m if barometric else cfg.grade_baseline_gps_m
        hyst_m = cfg.ascent_hysteresis_baro_m if barometric else cfg.ascent_hysteresis_gps_m
        sel = mv & np.isfinite(ele_g)
        if total_m >= 2 * step_m and sel.sum() >= 2:
            raw_prof = _rs.interp_on_distance_grid(distance[sel], ele_g[sel], dgrid)
            prof_h = _ele.smooth_profile(raw_prof, grid_m=step_m, window_m=window_m, polyorder=cfg.sg_polyorder)
            if not barometric:
                # Two stages: the smoothing's residual measures this track's GPS altitude noise,
                # and the hysteresis scales with it (quiet receivers keep their small climbs).
                hyst_m = _ele.noise_scaled_hysteresis(
                    raw_prof, prof_h, factor=cfg.gps_hysteresis_noise_factor,
                    min_m=cfg.ascent_hysteresis_baro_m, max_m=cfg.ascent_hysteresis_gps_m,
                )
            prof_g = _grade.grade_from_profile(dgrid, prof_h, baseline_m=baseline_m)
            ascent, descent = _ele.ascent_descent(prof_h, hysteresis_m=hyst_m)
            ele_t = np.interp(distance, dgrid, prof_h)
            grade_t = np.interp(distance, dgrid, prof_g)
        else:
            # No horizontal distance (treadmill, no GPS): smooth in time over moving samples.
            win = _odd(60.0 / dt)
            filled = np.where(np.isfinite(ele_g), ele_g, np.nanmedian(ele_g))
            ele_t = _ele.smooth_profile(filled, grid_m=1.0, window_m=float(win), polyorder=cfg.sg_polyorder)
            ascent, descent = _ele.ascent_descent(ele_t[moving], hysteresis_m=hyst_m)
            grade_t = np.full(n, np.nan)
            notes.append("No horizontal distance: elevation was smoothed in time and grade is unknown.")
        ele_t = np.where(np.isfinite(ele_g), ele_t, np.nan)
    vspeed = _spd.vertical_speed(grid, ele_t, window_s=cfg.vam_window_s)

    # --- cadence: zeros while moving are sensor dropouts, not cadence ------------------------
    flat_cad = band = None
    if cad_g is not None:
        cad_g = np.where(moving & (cad_g == 0), np.nan, cad_g)
        flat_cad, band = _cad.flat_cadence(
            cad_g, grade_t, moving,
            run_threshold_spm=cfg.walk_run_cadence_spm, flat_grade_max=cfg.flat_grade_max,
        )
        if band is not None and band > cfg.flat_grade_max:
            if np.isfinite(band):
                notes.append(
                    f"Little flat running: the flat cadence uses |grade| < {100 * band:.0f} % "
                    f"instead of {100 * cfg.flat_grade_max:.0f} %."
                )
            elif source is not None:
                notes.append("Little running on gentle grades: the flat cadence is the median of all running.")

    # --- summary ---------------------------------------------------------------------------
    # Each moving row stands for the time since the previous row (the true time across a
    # compacted gap the runner moved through).
    moving_time = float(np.sum(np.diff(grid)[moving[1:]]))
    duration = float(t[-1] - t[0])
    avg_speed = total_m / moving_time if moving_time > 0 and distance_source else None
    gap_speed = energy = None
    if source is not None and moving_time > 0 and dgrid.size > 1 and np.isfinite(prof_g).any():
        d_step = np.diff(dgrid)
        g_step = 0.5 * (prof_g[1:] + prof_g[:-1])
        gap_speed = _gap.gap_distance_m(d_step, g_step, model="strava2017", clip=cfg.gap_grade_clip) / moving_time
        energy = _gap.energy_j_per_kg(d_step, g_step, clip=cfg.gap_grade_clip)
    finite_ele = ele_t[np.isfinite(ele_t)]
    totals = meta.device_totals
    summary = {
        "distance_m": total_m if distance_source else None,
        "duration_s": duration,
        "moving_time_s": moving_time,
        "ascent_m": ascent,
        "descent_m": descent,
        "min_elevation_m": float(finite_ele.min()) if finite_ele.size else None,
        "max_elevation_m": float(finite_ele.max()) if finite_ele.size else None,
        "avg_speed_mps": avg_speed,
        "gap_speed_mps": gap_speed,
        "flat_cadence_spm": flat_cad,
        "elevation_source": source,
        "energy_j_per_kg": energy,
        "distance_source": distance_source,
        "speed_source": speed_source,
        "flat_cadence_grade_band_pct": (100 * band if band is not None and np.isfinite(band) else None),
        "timer_time_s": totals.moving_time_s,
        "position_spikes": n_spikes,
    }

    hr = _col(s, "heart_rate_bpm", ok)
    timeline = pd.DataFrame(
        {
            "time": start + pd.to_timedelta(grid, unit="s"),
            "elapsed_s": grid - grid[0],
            "lat_deg": lat_g,
            "lon_deg": lon_g,
            "distance_m": distance,
            "elevation_m": ele_t,
            "grade_pct": 100 * _grade.clip_grade(grade_t, limit=1.0),
            "speed_mps": np.where(gap, np.nan, speed),
            "vertical_speed_mps": vspeed,
            "cadence_spm": cad_g if cad_g is not None else np.full(n, np.nan),
            "heart_rate_bpm": _on_grid(t, hr, grid, gap, max_gap) if hr is not None else np.full(n, np.nan),
            "moving": moving.astype(bool),
            "gap": gap,
            "on_foot": foot.astype(bool),
        }
    )
    timeline["time"] = timeline["time"].astype("datetime64[ns, UTC]")
    profile = pd.DataFrame(
        {
            "distance_m": dgrid,
            "elevation_m": prof_h,
            "grade_pct": 100 * _grade.clip_grade(prof_g, limit=1.0),
            "elapsed_s": prof_t - grid[0],
        }
    )
    for msg in notes:
        _warnings.warn(f"{src}: {msg}", DataQualityWarning, stacklevel=2)
    return Prepared(timeline=timeline, profile=profile, summary=summary, warnings=tuple(notes))
