"""Whether a stretch run several times got faster or better controlled over the passes."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

__all__ = ["trend"]


def trend(durations_s: Sequence[float], scores: Optional[Sequence[Optional[float]]] = None, *,
          min_passes: int = 3, time_pct_per_pass: float = 1.0, score_per_pass: float = 1.0) -> Optional[str]:
    """"improving", "steady" or "worse" over passes (None with fewer than ``min_passes``).

    Least-squares slopes of duration (as % of the median per pass) and of score (points per
    pass) against pass index; faster or higher beyond the thresholds is improving, the
    opposite is worse, a conflict or small slopes is steady.
    """
    t = np.asarray(durations_s, float)
    if t.size < min_passes:
        return None
    k = np.arange(t.size, dtype=float)
    votes = []
    ts = 100.0 * np.polyfit(k, t, 1)[0] / np.median(t)
    votes.append(1 if ts <= -time_pct_per_pass else (-1 if ts >= time_pct_per_pass else 0))
    if scores is not None:
        s = np.array([np.nan if v is None else v for v in scores], float)
        if np.isfinite(s).sum() >= min_passes:
            ok = np.isfinite(s)
            ss = np.polyfit(k[ok], s[ok], 1)[0]
            votes.append(1 if ss >= score_per_pass else (-1 if ss <= -score_per_pass else 0))
    if any(v > 0 for v in votes) and not any(v < 0 for v in votes):
        return "improving"
    if any(v < 0 for v in votes) and not any(v > 0 for v in votes):
        return "worse"
    return "steady"
