"""What running a climb costs against hiking it, from heart rate (issue 15, the "less effort"
of the coaching rule).

At the grades where the runner both hiked and ran, each climbing piece is compared with the
other gait at its own grade, exactly as for the crossover (:func:`.crossover._pairs`: the other
gait interpolated from its pieces on both sides): the speed running bought (median log speed
ratio) and the heart rate it cost (median difference of the pieces' heart rates). Beside them,
the vertical metres each heartbeat bought in each gait over those pieces, and the heart-rate
drift of the running pieces (beats per minute per hour at the same grade and speed, a
least-squares fit), so a late rise is not read as the cost of running.

A piece's heart rate is its mean over the second half of the piece: heart rate answers a
change of effort within ~30 s, so the first half still carries the previous gait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from .crossover import _pairs

__all__ = ["ClimbingEffort", "climbing_effort", "piece_heart_rate", "effort_sentence"]


@dataclass(frozen=True)
class ClimbingEffort:
    """Running against hiking at the same grades.

    Attributes
    ----------
    grade_lo_pct, grade_hi_pct : float
        The grades compared [%].
    n_pieces : int
        Pieces compared.
    run_speed_gain_pct : float
        How much faster running climbed [%] (negative: slower).
    run_hr_delta_bpm : float
        Heart rate running minus hiking [1/min].
    hike_m_per_beat, run_m_per_beat : float
        Vertical metres per heartbeat over the compared pieces [m].
    run_hr_drift_bpm_per_h : float or None
        Heart-rate drift while running at the same grade and speed [1/min per hour] (None
        under an hour of running pieces).
    """

    grade_lo_pct: float
    grade_hi_pct: float
    n_pieces: int
    run_speed_gain_pct: float
    run_hr_delta_bpm: float
    hike_m_per_beat: float
    run_m_per_beat: float
    run_hr_drift_bpm_per_h: Optional[float] = None

    def to_dict(self) -> dict:
        return {k: (None if v is None else float(v) if k != "n_pieces" else int(v))
                for k, v in self.__dict__.items()}


def piece_heart_rate(pieces: pd.DataFrame, elapsed_s: np.ndarray, heart_rate_bpm: np.ndarray) -> np.ndarray:
    """Mean heart rate over the second half of each piece [1/min] (NaN without heart rate)."""
    t = np.asarray(elapsed_s, float)
    hr = np.asarray(heart_rate_bpm, float)
    ok = np.isfinite(hr) & (hr > 0)
    cs = np.r_[0.0, np.cumsum(np.where(ok, hr, 0.0))]
    cn = np.r_[0, np.cumsum(ok)]
    s0 = pieces["start_s"].to_numpy(float)
    s1 = pieces["end_s"].to_numpy(float)
    a = np.searchsorted(t, 0.5 * (s0 + s1))
    b = np.searchsorted(t, s1)
    n = cn[b] - cn[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 5, (cs[b] - cs[a]) / np.maximum(n, 1), np.nan)


def climbing_effort(pieces: pd.DataFrame, elapsed_s: np.ndarray, heart_rate_bpm: np.ndarray, *,
                    bandwidth: float = 0.05, min_pieces: int = 3, min_seconds: float = 180.0
                    ) -> Optional[ClimbingEffort]:
    """Running against hiking at the same grades, with heart rate (None without enough of it).

    Parameters
    ----------
    pieces : DataFrame
        Climbing pieces (:func:`~.bouts.climb_pieces`).
    elapsed_s, heart_rate_bpm : array
        The timeline's time [s] and heart rate [1/min].
    bandwidth, min_pieces, min_seconds
        As in :func:`.crossover.observed_crossover`.

    Returns
    -------
    ClimbingEffort or None
    """
    if pieces is None or len(pieces) == 0:
        return None
    hr = piece_heart_rate(pieces, elapsed_s, heart_rate_bpm)
    gait = pieces["gait"].to_numpy(dtype=object)
    g = pieces["avg_grade_pct"].to_numpy(float) / 100.0
    v = pieces["speed_mps"].to_numpy(float)
    w = pieces["duration_s"].to_numpy(float)
    vam = pieces["vam_m_per_h"].to_numpy(float)
    ok = np.isfinite(g) & np.isfinite(v) & (v > 0) & (w > 0) & (g > 0) & np.isfinite(hr)
    hike, run = ok & (gait == "hike"), ok & (gait == "run")
    if hike.sum() < min_pieces or run.sum() < min_pieces:
        return None
    G, Dv, _ = _pairs(g, np.log(np.where(ok, v, 1.0)), w, hike, run, bandwidth, min_pieces, min_seconds)
    _, Dh, _ = _pairs(g, np.where(ok, hr, 0.0), w, hike, run, bandwidth, min_pieces, min_seconds)
    if G.size < 2 * min_pieces:
        return None
    lo, hi = float(G[0]), float(G[-1])
    band = ok & (g >= lo) & (g <= hi)
    beats = hr * w / 60.0
    rise = vam * w / 3600.0

    def per_beat(sel):
        return float(np.sum(rise[sel]) / np.sum(beats[sel])) if np.sum(beats[sel]) > 0 else float("nan")

    drift = None
    r = run & np.isfinite(vam)
    t_h = pieces["start_s"].to_numpy(float) / 3600.0
    if r.sum() >= 6 and np.ptp(t_h[r]) >= 1.0:
        X = np.column_stack([np.ones(r.sum()), t_h[r], g[r], np.log(v[r])])
        coef, *_ = np.linalg.lstsq(X * np.sqrt(w[r])[:, None], hr[r] * np.sqrt(w[r]), rcond=None)
        drift = float(coef[1])
    return ClimbingEffort(
        grade_lo_pct=100 * lo, grade_hi_pct=100 * hi, n_pieces=int(G.size),
        run_speed_gain_pct=float(100 * (np.exp(np.median(Dv)) - 1)),
        run_hr_delta_bpm=float(np.median(Dh)),
        hike_m_per_beat=per_beat(band & hike), run_m_per_beat=per_beat(band & run),
        run_hr_drift_bpm_per_h=drift)


def effort_sentence(effort: Optional[ClimbingEffort]) -> str:
    """The verdict in words, e.g. "running bought 4 % more climbing speed for +12 bpm"."""
    if effort is None:
        return ""
    gain, dhr = effort.run_speed_gain_pct, effort.run_hr_delta_bpm
    where = f"on {effort.grade_lo_pct:.0f}-{effort.grade_hi_pct:.0f} % grades"
    if gain <= 0:
        head = f"{where}, running was no faster than hiking ({gain:+.0f} %) for {dhr:+.0f} bpm"
    else:
        head = f"{where}, running bought {gain:.0f} % more climbing speed for {dhr:+.0f} bpm"
    return (f"{head}; each heartbeat climbed {100 * effort.hike_m_per_beat:.1f} cm hiking, "
            f"{100 * effort.run_m_per_beat:.1f} cm running")
