"""Which samples are on foot: the running limits and the step cadence only apply there.

A multisport file (triathlon, run-bike-run) holds sessions of different sports. The running
limits of science.md 4 step 9 (8 m/s, 4 m/s^2) would cut a 12 m/s bike leg down to running
speed and throw its positions away as "spikes"; and a bike's cadence is pedal revolutions
per minute, not steps. :func:`on_foot_mask` tells, sample by sample, whether the session the
sample belongs to is on foot:

* by its sport (FIT ``sport``/``sub_sport``, lower case): running, trail, walking, hiking,
  mountaineering, transition (the runner pushes the bike through the transition zone) ...
  are on foot; cycling, swimming, skiing, rowing ... are not;
* a generic, missing or unknown sport is decided by speed: on foot when the median moving
  speed is at most ``max_foot_median_speed_mps`` (6 m/s: nobody runs a whole session faster
  than the marathon world record, 5.8 m/s; trail runners move at a median of 2-4 m/s). A
  slow bike ride of unknown sport is then treated as on foot, as before sport awareness.
"""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

__all__ = ["FOOT_SPORTS", "OTHER_SPORTS", "sport_on_foot", "on_foot_mask"]

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


def on_foot_mask(
    session,
    speed_mps,
    sports: Mapping[int, tuple[Optional[str], Optional[str]]],
    *,
    default_sport: tuple[Optional[str], Optional[str]] = (None, None),
    moving_speed_mps: float = 0.5,
    max_foot_median_speed_mps: float = 6.0,
) -> np.ndarray:
    """Per sample, whether its session is on foot.

    Parameters
    ----------
    session : array_like of int, or None
        Session index of each sample; None when the file has one session.
    speed_mps : array_like
        A rough speed per sample [m/s] (device speed or position steps; NaN where unknown),
        used only for sessions whose sport is unknown.
    sports : mapping of int to (sport, sub_sport)
        The sport of each session index.
    default_sport : (sport, sub_sport)
        Sport of samples whose session is not in ``sports`` (the file's sport).
    moving_speed_mps : float
        Samples faster than this count as moving for the median [m/s].
    max_foot_median_speed_mps : float
        A session of unknown sport is on foot when its median moving speed is at most this
        [m/s] (or when it has no moving speed at all).

    Returns
    -------
    numpy.ndarray of bool
    """
    if not max_foot_median_speed_mps > 0:
        raise ValueError(f"max_foot_median_speed_mps must be > 0, got {max_foot_median_speed_mps}")
    v = np.asarray(speed_mps, dtype=float)
    if session is None:
        sess = np.zeros(v.shape, dtype=np.int64)
        sports = {0: default_sport}
    else:
        sess = np.asarray(session)
        if sess.shape != v.shape:
            raise ValueError("session and speed_mps must have the same shape")
    out = np.ones(v.shape, dtype=bool)
    for k in np.unique(sess):  # loops over sessions (a handful), not samples
        rows = sess == k
        foot = sport_on_foot(*sports.get(int(k), default_sport))
        if foot is None:
            vk = v[rows]
            moving = vk[np.isfinite(vk) & (vk > moving_speed_mps)]
            foot = moving.size == 0 or float(np.median(moving)) <= max_foot_median_speed_mps
        out[rows] = foot
    return out
