"""Each descent read against the runner's own descents of similar grade and technicality.

Issue 14 item 2 (a personal reference). A score of 70 on a rough −25 % descent and 70 on a
smooth −8 % one do not say the same thing; what a runner can act on is how this descent
compares with their own descents of the same kind. For every scored descent:

* ``reference_score`` [0-100]: the mean score of the runner's **other** descents in this run,
  each weighted by its similarity in mean grade and technicality (a Gaussian kernel, scales
  ``grade_scale`` and ``tech_scale``), together with a documented prior of weight
  ``prior_weight`` descents: the median score of real descents of that technicality
  (:data:`PRIOR_POINTS`). With no similar descent in the run the reference is the prior.
* ``vs_reference_points``: the score minus that reference (positive: better than usual).
* ``history_pct`` [0-100]: where the score sits among those similar descents (the weighted
  share scoring lower, ties counted half); None when their total weight is under one
  descent.
* ``history_weight``: that total weight (how many similar descents the reference stands on).

The history is the same run; ``analyze_season`` reads each descent against the whole season
with this same function (:mod:`trailtech.season.reference`, keys ``season_*``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PRIOR_POINTS", "REFERENCE_COLUMNS", "prior_score", "personal_reference"]

#: (technicality, median control score) of real descents: the 112 scored descents of the 44
#: real running files recorded every second with cadence (2026-12, issue 14): median 95 at
#: T < 0.3 (median T about 0.1), 56 at T >= 0.3 (median T about 0.4); linear in between,
#: held beyond.
PRIOR_POINTS = ((0.1, 95.0), (0.4, 56.0))

#: The columns :func:`personal_reference` returns.
REFERENCE_COLUMNS = ("reference_score", "vs_reference_points", "history_pct", "history_weight")


def prior_score(technicality: float) -> float:
    """The documented prior score of a descent of technicality ``technicality`` (NaN: 0.25)."""
    t = float(technicality) if np.isfinite(technicality) else 0.25
    x, y = zip(*PRIOR_POINTS)
    return float(np.interp(t, x, y))


def personal_reference(descents: pd.DataFrame, *, grade_scale: float = 0.05, tech_scale: float = 0.15,
                       prior_weight: float = 1.0) -> pd.DataFrame:
    """The personal reference of every descent (the module's columns, NaN without a score).

    Parameters
    ----------
    descents : DataFrame
        ``control_score``, ``avg_grade_pct`` and ``technicality`` per descent.
    grade_scale : float
        Kernel scale of the mean grade [fraction]: a descent 5 % steeper weighs e^-1/2.
    tech_scale : float
        Kernel scale of the technicality [-].
    prior_weight : float
        Weight of the documented prior, in descents.

    Returns
    -------
    DataFrame
        :data:`REFERENCE_COLUMNS`, one row per descent, same index.
    """
    n = len(descents)
    res = np.full((n, len(REFERENCE_COLUMNS)), np.nan)
    if n == 0:
        return pd.DataFrame(res, index=descents.index, columns=list(REFERENCE_COLUMNS))
    s = descents["control_score"].to_numpy(float)
    g = descents["avg_grade_pct"].to_numpy(float) / 100.0
    t = descents["technicality"].to_numpy(float)
    for i in np.flatnonzero(np.isfinite(s)):
        other = np.isfinite(s) & (np.arange(n) != i)
        dg = np.nan_to_num((g[other] - g[i]) / grade_scale)
        dt = np.nan_to_num((t[other] - t[i]) / tech_scale)
        w = np.exp(-0.5 * (dg * dg + dt * dt))
        total = float(np.sum(w))
        ref = (float(np.sum(w * s[other])) + prior_weight * prior_score(t[i])) / (total + prior_weight)
        pct = np.nan
        if total >= 1.0:
            lower = np.sum(w * (s[other] < s[i])) + 0.5 * np.sum(w * (s[other] == s[i]))
            pct = 100.0 * float(lower) / total
        res[i] = [ref, s[i] - ref, pct, total]  # rows of an array: a season has thousands of descents
    return pd.DataFrame(res, index=descents.index, columns=list(REFERENCE_COLUMNS))
