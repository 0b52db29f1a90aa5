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

__all__ = ["PRIOR_POINTS", "REFERENCE_COLUMNS", "prior_score", "personal_reference", "reference_against",
           "pitch_reference", "reference_inputs", "reference_keys", "as_number", "REFERENCE_INPUTS"]

#: (technicality, median control score) of real descents: the 112 scored descents of the 44
#: real running files recorded every second with cadence (2026-12, issue 14): median 95 at
#: T < 0.3 (median T about 0.1), 56 at T >= 0.3 (median T about 0.4); linear in between,
#: held beyond.
PRIOR_POINTS = ((0.1, 95.0), (0.4, 56.0))

#: What a stretch is read by: its score [0-100], mean grade [%] and technicality [-].
REFERENCE_INPUTS = ("control_score", "avg_grade_pct", "technicality")

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
    left_out = np.arange(len(descents))  # each descent against the others
    res = reference_against(descents, descents, left_out, grade_scale=grade_scale, tech_scale=tech_scale,
                            prior_weight=prior_weight)
    return pd.DataFrame(res, index=descents.index, columns=list(REFERENCE_COLUMNS))


def _stats(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score [0-100], grade [fraction] and technicality [-] columns of a stretch table."""
    return (frame["control_score"].to_numpy(float), frame["avg_grade_pct"].to_numpy(float) / 100.0,
            frame["technicality"].to_numpy(float))


def reference_against(query: pd.DataFrame, pool: pd.DataFrame, left_out: np.ndarray, *,
                      grade_scale: float = 0.05, tech_scale: float = 0.15,
                      prior_weight: float = 1.0) -> np.ndarray:
    """Each scored stretch of ``query`` read against the scored descents of ``pool`` (the
    kernel and prior of :func:`personal_reference`), leaving out pool row ``left_out[i]``.

    A pitch is read against the runner's descents this way, leaving out the descent it lies
    in (the same ground, not another descent of its kind).

    Parameters
    ----------
    query, pool : DataFrame
        ``control_score`` [0-100], ``avg_grade_pct`` [%] and ``technicality`` [-] per row.
    left_out : array of int, shape (len(query),)
        The pool row that is not history for each query row (itself, or the descent a pitch
        lies in); -1 for none.

    Returns
    -------
    numpy.ndarray, shape (len(query), 4)
        :data:`REFERENCE_COLUMNS` per query row (NaN for an unscored one).
    """
    res = np.full((len(query), len(REFERENCE_COLUMNS)), np.nan)
    if len(query) == 0:
        return res
    qs, qg, qt = _stats(query)
    ps, pg, pt = _stats(pool)
    scored = np.isfinite(ps)
    rows = np.arange(len(pool))
    for i in np.flatnonzero(np.isfinite(qs)):
        other = scored & (rows != left_out[i])
        dg = np.nan_to_num((pg[other] - qg[i]) / grade_scale)
        dt = np.nan_to_num((pt[other] - qt[i]) / tech_scale)
        w = np.exp(-0.5 * (dg * dg + dt * dt))
        total = float(np.sum(w))
        ref = (float(np.sum(w * ps[other])) + prior_weight * prior_score(qt[i])) / (total + prior_weight)
        pct = np.nan
        if total >= 1.0:
            lower = np.sum(w * (ps[other] < qs[i])) + 0.5 * np.sum(w * (ps[other] == qs[i]))
            pct = 100.0 * float(lower) / total
        res[i] = [ref, qs[i] - ref, pct, total]  # rows of an array: a season has thousands of descents
    return res


def pitch_reference(descents: pd.DataFrame, **kernel) -> list:
    """The ``pitches`` of each descent, each with its personal reference added
    (:data:`REFERENCE_COLUMNS`), read against the run's descents leaving out the one it lies in.

    Parameters
    ----------
    descents : DataFrame
        The run's descents: ``pitches`` (lists of dicts with :data:`REFERENCE_INPUTS`) and the
        columns of :func:`reference_against`.
    **kernel
        ``grade_scale``, ``tech_scale``, ``prior_weight``.

    Returns
    -------
    list
        The new ``pitches`` value of each descent (new dicts; the old ones are not changed).
    """
    out = []
    for k, pitches in enumerate(descents["pitches"] if "pitches" in descents else [None] * len(descents)):
        if not isinstance(pitches, list) or not pitches:
            out.append(pitches)
            continue
        res = reference_against(reference_inputs(pitches), descents, np.full(len(pitches), k), **kernel)
        out.append([{**p, **reference_keys(row)} for p, row in zip(pitches, res)])
    return out


def reference_inputs(items: list) -> pd.DataFrame:
    """:data:`REFERENCE_INPUTS` of stretch dicts (an analysis document's descents or pitches)
    as floats, NaN where missing or not a number."""
    return pd.DataFrame([[as_number(d.get(c)) if isinstance(d, dict) else float("nan") for c in REFERENCE_INPUTS]
                         for d in items], columns=list(REFERENCE_INPUTS))


def reference_keys(row, prefix: str = "") -> dict:
    """One row of :func:`reference_against` as JSON keys (``prefix`` + :data:`REFERENCE_COLUMNS`,
    None where not finite)."""
    return {prefix + c: (float(v) if np.isfinite(v) else None) for c, v in zip(REFERENCE_COLUMNS, row)}


def as_number(x) -> float:
    """``x`` as a float; NaN for None or anything that is not a number."""
    try:
        return float(x) if x is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")
