"""Bouts: runs of one gait, cut at stops or at climb boundaries, with their speed and VAM.

Every table here is built from the int8 gait codes of the timeline (``trailtech.timeline``);
the ``gait`` column of a table holds the labels (``"hike"``, ``"run"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...timeline import GAIT_HIKE, GAIT_LABELS, GAIT_STOP

__all__ = [
    "row_dt_s",
    "bout_table",
    "piece_table",
    "climb_pieces",
    "BOUT_COLUMNS",
    "CLIMB_PIECE_COLUMNS",
]

_LABELS = np.asarray(GAIT_LABELS, dtype=object)

#: Columns of :func:`bout_table` (``HikeRun.bouts``).
BOUT_COLUMNS = ["gait", "start_s", "end_s", "start_m", "end_m", "duration_s", "length_m",
                "rise_m", "avg_grade_pct", "speed_mps", "vam_m_per_h"]
#: Columns of :func:`climb_pieces` (``HikeRun.climb_bouts``).
CLIMB_PIECE_COLUMNS = ["gait", "start_m", "end_m", "start_s", "end_s", "duration_s", "length_m",
                       "avg_grade_pct", "speed_mps", "vam_m_per_h", "segment"]


def row_dt_s(elapsed_s: np.ndarray) -> np.ndarray:
    """Time each row stands for [s]: the step to the next row (last row: 0), clipped to three
    median steps (a skipped gap's jump is not time spent at that row)."""
    t = np.asarray(elapsed_s, dtype=float)
    if t.size < 2:
        return np.ones(t.size)
    dt = np.diff(t)
    med = float(np.median(dt)) if dt.size else 1.0
    return np.clip(np.r_[dt, 0.0], 0.0, 3.0 * med)


def _labels_at(code: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The gait labels of ``rows``, from the codes (labels only where a table is built)."""
    return _LABELS[code[rows]] if len(rows) else np.array([], dtype=object)


def _pieces(key: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """[start, stop) of runs of constant ``key`` among rows where ``keep`` holds."""
    k = np.asarray(key)
    change = np.r_[True, k[1:] != k[:-1]] | np.r_[True, ~keep[:-1]]
    idx = np.flatnonzero(change)
    stops = np.r_[idx[1:], k.size]
    r = np.column_stack([idx, stops])
    return r[keep[r[:, 0]]]


def _stats(r: np.ndarray, elapsed_s, distance_m, elevation_m, dt, moving) -> pd.DataFrame:
    """Duration, length, rise, grade, speed and VAM of row ranges ``r`` ([start, stop) rows;
    the ``i0``/``i1`` columns are the first and last row, for internal use)."""
    d = np.asarray(distance_m, float)
    h = np.asarray(elevation_m, float)
    t = np.asarray(elapsed_s, float)
    if len(r) == 0:
        return pd.DataFrame(columns=["i0", "i1", "start_s", "end_s", "start_m", "end_m",
                                     "duration_s", "length_m", "rise_m", "avg_grade_pct",
                                     "speed_mps", "vam_m_per_h"])
    mdt = np.where(moving, dt, 0.0)
    cs = np.r_[0.0, np.cumsum(mdt)]
    dur = cs[r[:, 1]] - cs[r[:, 0]]
    last = r[:, 1] - 1
    # A bout ends where the next row begins (the runner covered that step in the bout too).
    nxt = np.minimum(r[:, 1], d.size - 1)
    length = d[nxt] - d[r[:, 0]]
    rise = h[nxt] - h[r[:, 0]]
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.where(length > 0, rise / length, np.nan)
        speed = np.where(dur > 0, length / dur, np.nan)
        vam = np.where(dur > 0, rise / dur * 3600.0, np.nan)
    return pd.DataFrame({
        "i0": r[:, 0], "i1": last, "start_s": t[r[:, 0]], "end_s": t[last] + dt[last],
        "start_m": d[r[:, 0]], "end_m": d[nxt], "duration_s": dur, "length_m": length,
        "rise_m": rise, "avg_grade_pct": 100.0 * grade, "speed_mps": speed, "vam_m_per_h": vam,
    })


def bout_table(gait: np.ndarray, elapsed_s, distance_m, elevation_m) -> pd.DataFrame:
    """Every hike or run bout (stops end a bout).

    Parameters
    ----------
    gait : array of int8
        Gait code per row.
    elapsed_s, distance_m, elevation_m : array
        [s], [m], [m].

    Returns
    -------
    DataFrame with :data:`BOUT_COLUMNS`: gait label, start_s, end_s (elapsed [s]), start_m,
    end_m, duration_s (moving time [s]), length_m, rise_m, avg_grade_pct [%], speed_mps,
    vam_m_per_h.
    """
    code = np.asarray(gait, dtype=np.int8)
    moving = code != GAIT_STOP
    r = _pieces(code, moving)
    df = _stats(r, elapsed_s, distance_m, elevation_m, row_dt_s(elapsed_s), moving)
    df.insert(0, "gait", _labels_at(code, r[:, 0]))
    return df[BOUT_COLUMNS]


def piece_table(gait: np.ndarray, segment_id: np.ndarray, elapsed_s, distance_m,
                elevation_m) -> pd.DataFrame:
    """Bouts cut at segment boundaries: the part of each bout inside each segment.

    ``gait`` holds the gait code of each row, ``segment_id`` the index of the climb each row
    lies on (-1 off climbs). Returns the columns of :func:`bout_table` plus ``segment`` and
    the first and last row of each piece (``i0``, ``i1``).
    """
    code = np.asarray(gait, dtype=np.int8)
    sid = np.asarray(segment_id, dtype=int)
    moving = (code != GAIT_STOP) & (sid >= 0)
    key = np.where(code == GAIT_HIKE, 1, 2) * 100000 + sid
    r = _pieces(key, moving)
    df = _stats(r, elapsed_s, distance_m, elevation_m, row_dt_s(elapsed_s), moving)
    df.insert(0, "gait", _labels_at(code, r[:, 0]))
    df["segment"] = sid[r[:, 0]] if len(r) else np.array([], dtype=int)
    return df


def climb_pieces(gait, segment_id, elapsed_s, distance_m, elevation_m, *,
                 piece_m: float = 100.0, min_piece_m: float = 50.0,
                 min_piece_s: float = 30.0) -> pd.DataFrame:
    """The runner's climbing bouts cut into pieces of about ``piece_m`` (the crossover data).

    Each hike or run bout on a climb (:func:`piece_table`) is cut into ``round(L/piece_m)``
    (at least one) pieces of equal length, so every piece is a single gait over a short,
    nearly uniform grade.

    Parameters
    ----------
    gait : array of int8
        Gait code per row.
    segment_id : array of int
        Climb index per row (-1 off climbs).
    elapsed_s, distance_m, elevation_m : array
        [s], [m], [m].
    piece_m : float
        Target piece length [m].
    min_piece_m, min_piece_s : float
        Shorter pieces are dropped: their grade and VAM are too noisy [m], [s].

    Returns
    -------
    DataFrame with :data:`CLIMB_PIECE_COLUMNS` (uphill pieces only, grade > 0).
    """
    code = np.asarray(gait, dtype=np.int8)
    sid = np.asarray(segment_id, dtype=int)
    d = np.asarray(distance_m, dtype=float)
    moving = (code != GAIT_STOP) & (sid >= 0)
    if code.size == 0 or not moving.any():
        return pd.DataFrame(columns=CLIMB_PIECE_COLUMNS)
    key = np.where(code == GAIT_HIKE, 1, 2) * 100000 + sid
    bouts = _pieces(key, moving)
    # Per row: its bout, the bout's start and length, and which equal share of it it is in.
    bout_of = np.full(d.size, -1, int)
    mark = np.zeros(d.size + 1, int)
    np.add.at(mark, bouts[:, 0], 1)
    np.add.at(mark, bouts[:, 1], -1)
    inside = np.cumsum(mark[:-1]) > 0
    bout_of[inside] = np.searchsorted(bouts[:, 0], np.flatnonzero(inside), side="right") - 1
    nxt = np.minimum(bouts[:, 1], d.size - 1)
    d0, length = d[bouts[:, 0]], d[nxt] - d[bouts[:, 0]]
    n_cut = np.maximum(np.round(length / piece_m), 1.0)
    b = np.maximum(bout_of, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.floor((d - d0[b]) / (length[b] / n_cut[b]))
    share = np.clip(np.nan_to_num(share), 0, n_cut[b] - 1).astype(int)
    sub = np.where(inside, bout_of * 1000 + share, -1)
    r = _pieces(sub, inside)
    st = _stats(r, elapsed_s, distance_m, elevation_m, row_dt_s(elapsed_s), moving)
    st.insert(0, "gait", _labels_at(code, r[:, 0]))
    st["segment"] = sid[r[:, 0]] if len(r) else np.array([], dtype=int)
    keep = (st["length_m"] >= min_piece_m) & (st["duration_s"] >= min_piece_s) \
        & np.isfinite(st["vam_m_per_h"]) & (st["avg_grade_pct"] > 0)
    return st.loc[keep, CLIMB_PIECE_COLUMNS].reset_index(drop=True)

