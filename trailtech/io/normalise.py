"""The rules every reader applies, FIT and XML alike, written once.

* **On foot** (:func:`sport_on_foot`): which sports are done on foot (:data:`FOOT_SPORTS`), which
  are not (:data:`OTHER_SPORTS`), and which say nothing (generic, missing, unknown words).
  :mod:`trailtech.processing.sport` uses the same lists for the running limits.
* **Cadence unit** (:func:`normalise_cadence`): FIT, GPX and TCX running cadence is usually
  strides/min (one foot) and is doubled to steps/min, session by session, when the values say
  so; pedalling rpm is left alone.
* **Repeated times** (:func:`merge_repeated_times`): samples sharing a timestamp become one
  row, per column the first value present in file order (some watches split one second into
  a GPS record and a sensor record).
* **Stray edges** (:func:`stray_edges`): at most :data:`STRAY_MAX_SAMPLES` samples (and 1 %)
  cut off at either end by a gap of more than :data:`STRAY_GAP_S` are a broken clock (a
  corrupt record can carry a timestamp decades away) and are dropped.
* **Positions off the globe** (:func:`drop_off_globe`): latitudes beyond ±90° and longitudes
  beyond ±180° come from damaged records and are blanked.

Each rule returns the sentence for ``meta.warnings`` that says what it did.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = [
    "FOOT_SPORTS",
    "OTHER_SPORTS",
    "STRAY_GAP_S",
    "STRAY_MAX_SAMPLES",
    "STRIDES_LIMIT_SPM",
    "drop_off_globe",
    "merge_repeated_times",
    "normalise_cadence",
    "sport_on_foot",
    "stray_edges",
]

#: Sports and sub-sports (FIT names, lower case) done on foot.
FOOT_SPORTS = frozenset(
    {
        "running", "trail", "trail_running", "walking", "hiking", "mountaineering", "transition",
        "treadmill", "track", "street", "indoor_running", "virtual_activity", "snowshoeing",
        "casual_walking", "speed_walking", "ultra", "obstacle", "orienteering", "floor_climbing",
    }
)
#: Sports and sub-sports (FIT names, lower case) on wheels, water, snow or in the air.
OTHER_SPORTS = frozenset(
    {
        "cycling", "e_biking", "mountain", "road", "gravel_cycling", "indoor_cycling", "spin",
        "track_cycling", "cyclocross", "downhill", "bmx", "hand_cycling", "e_bike_fitness",
        "e_bike_mountain", "mixed_surface", "commuting", "swimming", "open_water",
        "lap_swimming", "rowing", "indoor_rowing", "paddling", "stand_up_paddleboarding",
        "kayaking", "rafting", "sailing", "boating", "windsurfing", "kitesurfing", "surfing",
        "wakeboarding", "water_skiing", "jetskiing", "alpine_skiing", "cross_country_skiing",
        "snowboarding", "backcountry", "skate_skiing", "skating", "inline_skating",
        "ice_skating", "snowmobiling", "motorcycling", "driving", "flying", "hang_gliding",
        "horseback_riding", "wingsuit_flying", "sky_diving", "diving", "motorsport",
    }
)

#: Median moving cadence from which cadence is already steps/min [1/min] (science.md topic 5:
#: running is ~150-190 steps/min, i.e. ~75-95 strides/min; strides/min never reach 120).
STRIDES_LIMIT_SPM = 120.0
#: Below this median moving cadence, a session of unknown sport is not taken for strides on
#: foot [1/min] (a stride rate of a moving runner or walker is above it).
STRIDES_MIN_SPM = 50.0
#: From this median moving speed, a session of unknown sport with a stride-like cadence is
#: taken for cycling [m/s].
FOOT_MAX_SPEED_MPS = 5.0
#: A gap longer than this isolating a few samples at an end marks them as strays [s].
STRAY_GAP_S = 86400.0
#: Most samples dropped at one end as strays (and at most 1 % of the samples, at least one).
STRAY_MAX_SAMPLES = 10


def sport_on_foot(sport: Optional[str], sub_sport: Optional[str] = None) -> Optional[bool]:
    """Whether a sport is done on foot: True, False, or None when the sport does not say.

    Parameters
    ----------
    sport, sub_sport : str or None
        FIT-style names (any case); the sub-sport decides only when the sport is generic,
        missing or a name neither list knows (a GPX ``<type>`` can be any text).

    Returns
    -------
    bool or None
    """
    for name in (sport, sub_sport):
        key = (name or "").strip().lower()
        if key in FOOT_SPORTS:
            return True
        if key in OTHER_SPORTS:
            return False
    return None


def _strides(cadence: np.ndarray, foot: Optional[bool], speed_mps) -> tuple[bool, Optional[str]]:
    """Whether one session's cadence is strides/min, and the sentence saying why."""
    moving = cadence[np.isfinite(cadence) & (cadence > 0)]
    if foot is False or moving.size == 0:
        return False, None
    median, high = (float(v) for v in np.percentile(moving, [50, 95]))
    if median >= STRIDES_LIMIT_SPM:
        return False, None
    if high >= STRIDES_LIMIT_SPM:
        # Strides/min never reach 120 (that would be 240 steps/min): a session whose upper
        # values do is in steps/min, and its low median comes from walking (e.g. a treadmill
        # session alternating walking at ~118 and running at ~176 steps/min).
        return False, (
            f"cadence kept as steps/min: median moving cadence {median:.0f} is low but 5% of "
            f"values reach {high:.0f}, which only steps/min can"
        )
    note = (
        f"cadence doubled from strides/min to steps/min: median moving cadence {median:.0f} "
        f"is below {STRIDES_LIMIT_SPM:.0f}"
    )
    if foot:
        return True, note
    v = np.asarray(speed_mps, dtype=float) if speed_mps is not None else np.empty(0)
    v = v[np.isfinite(cadence) & (cadence > 0)] if v.shape == cadence.shape else np.empty(0)
    v = v[np.isfinite(v)]
    v_median = float(np.median(v)) if v.size else float("nan")
    if median < STRIDES_MIN_SPM:
        return False, (
            f"cadence kept as written: the sport is unknown and a median moving cadence of "
            f"{median:.0f} is too low for strides on foot"
        )
    if v_median >= FOOT_MAX_SPEED_MPS:
        return False, (
            f"cadence kept as written: the sport is unknown and a median moving cadence of "
            f"{median:.0f} at {v_median:.1f} m/s looks like cycling"
        )
    return True, note + " (sport unknown; assumed on foot)"


def normalise_cadence(
    cadence,
    sports: list[tuple[Optional[str], Optional[str]]],
    session=None,
    speed_mps=None,
) -> tuple[np.ndarray, bool, list[str]]:
    """Cadence in steps/min from a cadence of unknown unit, session by session.

    Watches write running cadence per foot (FIT always; GPX and TCX from Garmin and Strava),
    some tools per step. Within each session, the samples with cadence > 0 stand for moving
    ones (a stopped runner's cadence is 0):

    * a session not on foot (:func:`sport_on_foot` False: cycling, swimming...) is left as
      written (pedalling and stroke rates are per minute already);
    * a median of :data:`STRIDES_LIMIT_SPM` or more is steps/min already; so is a session whose
      95th percentile reaches it (strides/min never do: walking steps with running steps);
    * otherwise a session on foot is doubled. A session of unknown sport is doubled only when
      its median is at least ``STRIDES_MIN_SPM`` (50/min) and its median moving speed, where
      known, is below ``FOOT_MAX_SPEED_MPS`` (5 m/s: faster with that cadence is cycling).

    Parameters
    ----------
    cadence : array_like
        Cadence as written in the file [1/min].
    sports : list of (sport, sub_sport)
        Sport of each session, indexed by ``session`` (a missing index has unknown sport).
    session : array_like of int, optional
        Session index of each sample; None when the file is one session (``sports[0]``).
    speed_mps : array_like, optional
        Device speed of each sample [m/s], NaN where unknown.

    Returns
    -------
    cadence_spm : numpy.ndarray
        Cadence in steps/min (as written where it was not doubled) [1/min].
    doubled : bool
        Whether any session was doubled.
    notes : list of str
        One sentence per session where something was decided (prefixed ``session k:`` when the
        file has several sessions).
    """
    out = np.array(cadence, dtype=float)
    sess = np.zeros(out.shape, dtype=np.int64) if session is None else np.asarray(session)
    several = len(np.unique(sess)) > 1 or len(sports) > 1
    doubled, notes = False, []
    for k in np.unique(sess):  # a handful of sessions, not samples
        rows = sess == k
        sport = sports[int(k)] if 0 <= k < len(sports) else (None, None)
        speed = None if speed_mps is None else np.asarray(speed_mps, dtype=float)[rows]
        double, note = _strides(out[rows], sport_on_foot(*sport), speed)
        if double:
            out[rows] *= 2.0
            doubled = True
        if note:
            notes.append(f"session {int(k)}: {note}" if several else note)
    return out, doubled, notes


def merge_repeated_times(
    times: np.ndarray, data: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray], Optional[str]]:
    """Merge samples that share a timestamp into one: per column, the first value present.

    Parameters
    ----------
    times : ndarray
        Sample times (datetime64 or numbers), sorted, repeats adjacent, none missing.
    data : dict of str to ndarray
        Columns of the same length as ``times``, in file order within each repeated time.

    Returns
    -------
    times : ndarray
        The distinct times.
    data : dict of str to ndarray
        One value per distinct time: for float columns the first that is not NaN (NaN when all
        are), for the others the first. This is pandas' ``groupby(time).first()``, without
        building a frame.
    note : str or None
        The warning, when samples were merged.
    """
    n = len(times)
    key = times.view(np.int64) if times.dtype.kind == "M" else np.asarray(times)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if n else np.empty(0, np.intp)
    if starts.size == n:
        return times, data, None
    ends = np.r_[starts[1:], n]
    index = np.arange(n)
    merged = {}
    for name, values in data.items():
        values = np.asarray(values)
        if values.dtype.kind != "f":
            merged[name] = values[starts]
            continue
        # position of each group's first non-NaN value (n where the group has none)
        candidate = np.where(np.isnan(values), n, index)
        first = np.minimum.reduceat(candidate, starts)
        found = first < ends
        out = np.full(starts.size, np.nan, dtype=values.dtype)
        out[found] = values[first[found]]
        merged[name] = out
    return times[starts], merged, f"{n - starts.size} samples with a repeated timestamp were merged"


def stray_edges(t_s: np.ndarray) -> tuple[np.ndarray, Optional[str]]:
    """Samples to keep: drops a few cut off at either end by a gap over :data:`STRAY_GAP_S`.

    At most :data:`STRAY_MAX_SAMPLES` (and 1 % of the samples, at least one) are dropped at
    each end; when that would drop half of the track it is a split recording, not strays, and
    everything is kept.

    Parameters
    ----------
    t_s : ndarray
        Sample times [s], sorted, finite.

    Returns
    -------
    keep : numpy.ndarray of bool
        True for the samples to keep.
    note : str or None
        The warning, when samples were dropped.
    """
    t = np.asarray(t_s, dtype=float)
    keep = np.ones(t.size, dtype=bool)
    limit = max(1, min(STRAY_MAX_SAMPLES, t.size // 100))
    big = np.flatnonzero(np.diff(t) > STRAY_GAP_S)
    if big.size:
        if big[0] + 1 <= limit:
            keep[: big[0] + 1] = False
        if t.size - (big[-1] + 1) <= limit:
            keep[big[-1] + 1 :] = False
    if keep.sum() * 2 <= t.size:  # not a few strays but a split recording: keep all
        keep[:] = True
    if keep.all():
        return keep, None
    return keep, (
        f"{int((~keep).sum())} samples at the start or end lay more than a day away from the "
        "rest and were dropped"
    )


def drop_off_globe(columns: dict[str, np.ndarray]) -> Optional[str]:
    """Blank positions that cannot be on Earth, in place in ``columns``.

    A latitude beyond ±90° or a longitude beyond ±180° comes from a damaged record (a flipped
    bit in a FIT semicircle field, a typo in a GPX); kept, such a fix would drag the distance,
    the map and the repeat search across the planet.

    Parameters
    ----------
    columns : dict of str to ndarray
        Sample columns; ``lat_deg`` and ``lon_deg`` [°] are replaced when present.

    Returns
    -------
    str or None
        The warning for the track, or None when every position is possible.
    """
    lat, lon = columns.get("lat_deg"), columns.get("lon_deg")
    if lat is None or lon is None:
        return None
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    with np.errstate(invalid="ignore"):
        off = (np.abs(lat) > 90.0) | (np.abs(lon) > 180.0)
    if not off.any():
        return None
    columns["lat_deg"] = np.where(off, np.nan, lat)
    columns["lon_deg"] = np.where(off, np.nan, lon)
    return (f"{int(off.sum())} of {off.size} positions lie outside the globe (latitude beyond "
            "±90° or longitude beyond ±180°) and were ignored")
