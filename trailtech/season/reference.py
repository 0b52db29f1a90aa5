"""Each descent read against the runner's whole season (issue 14 item 2, season part).

A single run rarely holds two descents alike, so its personal reference
(:mod:`trailtech.analysis.reference`: ``reference_score``, ``history_pct`` ...) mostly falls
back on the documented prior. A season holds the runner's history: every scored descent of
its on-foot activities is pooled and each is read against all the others (from every
activity, the same run's included, itself excluded) with the same kernel and prior
(:func:`~trailtech.analysis.reference.personal_reference`, not written twice). The result
goes back into each descent of each activity's analysis document, beside the same-run keys:

* ``season_reference_score`` [0-100], ``season_vs_reference_points`` [points],
  ``season_history_pct`` [0-100] and ``season_history_weight`` [descents]: the same
  quantities as ``reference_score``, ``vs_reference_points``, ``history_pct`` and
  ``history_weight``, over the season. None for a descent without a score and for the
  descents of activities the running figures do not count (rides, other sports).
* Each pitch of a descent (``pitches``) gets the same four ``season_`` keys, read against the
  season's descents with the descent it lies in left out (the same run's own keys read it
  against that run's descents).

Documents are copied, never changed in place: the cached entries stay as the analysis wrote
them (the season's pooling is redone on every run, a few milliseconds).
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from ..analysis.reference import (REFERENCE_COLUMNS, REFERENCE_INPUTS, as_number, personal_reference,
                                  reference_against, reference_inputs, reference_keys)

__all__ = ["SEASON_REFERENCE_KEYS", "season_descent_pool", "with_season_reference"]

#: The keys added to each descent, in the order of ``REFERENCE_COLUMNS``.
SEASON_REFERENCE_KEYS = tuple(f"season_{c}" for c in REFERENCE_COLUMNS)

_POOL_COLUMNS = ["file", "index", *REFERENCE_INPUTS]


def season_descent_pool(analyses: dict, files: Iterable[str]) -> pd.DataFrame:
    """Every scored descent of the documents of ``files``: file, index (its place in the
    document's ``descents``), control_score [0-100], avg_grade_pct [%], technicality [0-1]."""
    rows = []
    for file in files:
        doc = analyses.get(file)
        descents = doc.get("descents") if isinstance(doc, dict) else None
        for i, d in enumerate(descents or []):
            if not isinstance(d, dict) or d.get("control_score") is None:
                continue
            rows.append([file, i, *(as_number(d.get(k)) for k in REFERENCE_INPUTS)])
    return pd.DataFrame(rows, columns=_POOL_COLUMNS)


def with_season_reference(analyses: dict, on_foot: Optional[Iterable[str]] = None, **kernel) -> dict:
    """``analyses`` (``file -> analyze --json document``) with every descent read against the
    season: new documents carrying :data:`SEASON_REFERENCE_KEYS` in each descent.

    Parameters
    ----------
    analyses : dict
        ``file -> document``; left unchanged.
    on_foot : iterable of str, optional
        The files whose descents make the runner's history (default: all).
    **kernel
        ``grade_scale``, ``tech_scale``, ``prior_weight`` of
        :func:`~trailtech.analysis.reference.personal_reference`.

    Returns
    -------
    dict
        ``file -> document``, the same keys; a document without descents is passed through.
    """
    pooled = list(analyses) if on_foot is None else [f for f in on_foot if f in analyses]
    pool = season_descent_pool(analyses, pooled)
    refs = personal_reference(pool, **kernel) if len(pool) else pd.DataFrame(columns=list(REFERENCE_COLUMNS))
    found: dict[tuple, dict] = {}
    for (file, i), row in zip(zip(pool["file"], pool["index"]), refs[list(REFERENCE_COLUMNS)].to_numpy(float)):
        found[(file, i)] = reference_keys(row, "season_")
    empty = dict.fromkeys(SEASON_REFERENCE_KEYS)
    row_of = {key: r for r, key in enumerate(zip(pool["file"], pool["index"]))}
    counted = set(pooled)
    out = {}
    for file, doc in analyses.items():
        descents = doc.get("descents") if isinstance(doc, dict) else None
        if not isinstance(descents, list) or not descents:
            out[file] = doc
            continue
        new = [{**d, **found.get((file, i), empty),
                **_season_pitches(d, pool, row_of.get((file, i), -1), file in counted, kernel)}
               if isinstance(d, dict) else d for i, d in enumerate(descents)]
        out[file] = {**doc, "descents": new}
    return out


def _season_pitches(descent: dict, pool: pd.DataFrame, own_row: int, counted: bool, kernel: dict) -> dict:
    """``{"pitches": ...}`` with each pitch of ``descent`` read against the season's descents
    (the ``season_`` keys; the descent it lies in, pool row ``own_row``, left out), or ``{}``
    when the descent has no pitches. An activity the running figures do not count gets None."""
    pitches = descent.get("pitches")
    if not isinstance(pitches, list) or not pitches or not all(isinstance(p, dict) for p in pitches):
        return {}
    if not counted or len(pool) == 0:
        return {"pitches": [{**p, **dict.fromkeys(SEASON_REFERENCE_KEYS)} for p in pitches]}
    res = reference_against(reference_inputs(pitches), pool, np.full(len(pitches), own_row), **kernel)
    return {"pitches": [{**p, **reference_keys(row, "season_")} for p, row in zip(pitches, res)]}
