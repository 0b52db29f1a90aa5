"""Stepped distance streams: rows written every second, fixes taken every few seconds.

Some exports write a row every second but take in a GPS fix only every few seconds, filling
the seconds between with repeated or extrapolated positions; some watches write their
distance in whole metres, updated every few seconds. The distance then arrives in bursts,
and speed differenced from it row by row changes only at the bursts, however often the rows
were written. Speed (:func:`trailtech.processing.speed.speed_from_distance`) and braking
(:mod:`trailtech.analysis.descent`) are taken over the stream's real update interval.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BURST_RATIO", "STEPPED_SHARE", "BURST_HALF_WINDOW", "stepped_update_interval_s"]

#: A step of the distance stream this many times its neighbours' median is a burst: the
#: distance delivered at once by a fix after rows of repeated or extrapolated ones [-].
BURST_RATIO = 3.0
#: A distance stream whose bursts carry at least this share of its distance is stepped: it
#: updates at the bursts, not at its rows [-].
STEPPED_SHARE = 0.5
#: Rows either side of a step over which its neighbours' median step is taken [rows].
BURST_HALF_WINDOW = 4


def stepped_update_interval_s(step_m: np.ndarray, rows: np.ndarray, *, dt_s: float = 1.0) -> float:
    """Real update interval of a **stepped** distance stream over ``rows`` [s]; NaN when the
    stream is not stepped (its samples are its fixes, and :func:`trailtech.analysis.sampling.sample_interval_s` tells).

    Some exports write a row every second but take in a GPS fix only every few seconds,
    filling the seconds between with repeated or extrapolated positions: the distance then
    arrives in bursts, and speed differenced from it changes only at the bursts however often
    the rows were written. A step over :data:`BURST_RATIO` times its neighbours' median is a
    burst; when the bursts carry :data:`STEPPED_SHARE` of the distance over ``rows`` or more,
    the stream is stepped and updates once per burst.

    Parameters
    ----------
    step_m : array
        Step of the distance stream into each row [m] (NaN where unknown).
    rows : array of bool
        The rows judged (e.g. a descent's running rows).
    dt_s : float
        Time per row [s].
    """
    s = np.asarray(step_m, dtype=float)
    r = np.asarray(rows, bool)
    ok = np.isfinite(s)
    if np.count_nonzero(ok & r) < 2 * BURST_HALF_WINDOW + 1:
        return float("nan")
    import pandas as pd

    local = pd.Series(np.where(ok, s, np.nan)).rolling(2 * BURST_HALF_WINDOW + 1, center=True,
                                                        min_periods=3).median().to_numpy()
    with np.errstate(invalid="ignore"):
        burst = ok & r & (s > BURST_RATIO * local) & (s > 0)
    total = float(np.sum(s[ok & r]))
    if not total > 0 or float(np.sum(s[burst])) < STEPPED_SHARE * total:
        return float("nan")
    return float(dt_s * np.count_nonzero(r) / np.count_nonzero(burst))
