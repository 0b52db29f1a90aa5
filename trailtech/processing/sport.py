"""Which samples are on foot: the running limits and the step cadence only apply there.

A multisport file (triathlon, run-bike-run) holds sessions of different sports. The running
limits of science.md 4 step 9 (8 m/s, 4 m/s^2) would cut a 12 m/s bike leg down to running
speed and throw its positions away as "spikes"; and a bike's cadence is pedal revolutions
per minute, not steps. :func:`on_foot_mask` tells, sample by sample, whether the session the
sample belongs to is on foot:

* by its sport (FIT ``sport``/``sub_sport``, lower case; the lists are
  :data:`trailtech.io.normalise.FOOT_SPORTS` and ``OTHER_SPORTS``): running, trail, walking,
  hiking, mountaineering, transition (the runner pushes the bike through the transition
  zone) ... are on foot; cycling, swimming, skiing, rowing ... are not;
* a generic, missing or unknown sport is decided by speed: on foot when the median moving
  speed is at most ``max_foot_median_speed_mps`` (6 m/s: nobody runs a whole session faster
  than the marathon world record, 5.8 m/s; trail runners move at a median of 2-4 m/s). A
  slow bike ride of unknown sport is then treated as on foot, as before sport awareness.
"""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

# One list of sports on foot for the readers (cadence units) and the processing (running
# limits): it lives with the readers' shared rules.
from ..io.normalise import FOOT_SPORTS, OTHER_SPORTS, sport_on_foot

__all__ = ["FOOT_SPORTS", "OTHER_SPORTS", "sport_on_foot", "on_foot_mask"]


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
