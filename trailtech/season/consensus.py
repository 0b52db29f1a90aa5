"""Elevation by consensus of a season's passes over the same ground (the ActivityLog2 way).

GPS altitude errs by several metres, slowly (minutes), and differently on every run. Where a
season holds several GPS-only runs over the same trail and no terrain tiles are given, the
runs themselves are the best terrain model there is: at each point of a run, the altitude of
every run that passed within ``radius_m`` is averaged, one vote per run (a run that stood
still there does not outweigh one that ran past), so independent errors shrink as runs
accumulate and every run over the trail reads the same profile. Points no other run passed
keep their own altitude. ActivityLog2 builds its elevation correction the same way, from all
the recorded points near each point.

:func:`consensus_elevation` is the pure function over arrays; :func:`consensus_tracks`
applies it to :class:`~trailtech.track.Track` objects.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from ..analysis.neighbors import PairSearch
from ..processing.geodesy import project_local

__all__ = ["consensus_elevation", "consensus_tracks"]


def _thin_by_distance(x_m: np.ndarray, y_m: np.ndarray, step_m: float) -> np.ndarray:
    """Indices of the samples kept so that kept samples are about ``step_m`` apart along the path."""
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x_m), np.diff(y_m)))])
    bins = np.floor(cum / step_m)
    return np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])


def consensus_elevation(lat_deg: Sequence[np.ndarray], lon_deg: Sequence[np.ndarray],
                        elevation_m: Sequence[np.ndarray], *, radius_m: float = 15.0,
                        step_m: float = 5.0, min_runs: int = 2) -> list[np.ndarray]:
    """Each run's altitude replaced by the mean over the runs that passed the same ground.

    Parameters
    ----------
    lat_deg, lon_deg, elevation_m : sequence of numpy.ndarray
        One array per run, samples in order [deg, deg, m]; NaN where absent.
    radius_m : float
        Points of another run within this distance vote [m] (about GPS position error plus
        half a trail's width).
    step_m : float
        Runs are thinned to a point every ``step_m`` of path for the search [m]; the result
        is interpolated back to every sample.
    min_runs : int
        A point takes the consensus only where at least this many runs (itself included)
        passed; elsewhere it keeps its own altitude.

    Returns
    -------
    list of numpy.ndarray
        Per run, the consensus altitude per sample [m] (NaN where the run had no altitude).
    """
    if not (len(lat_deg) == len(lon_deg) == len(elevation_m)):
        raise ValueError("lat_deg, lon_deg and elevation_m need one array per run")
    if not radius_m > 0 or not step_m > 0:
        raise ValueError(f"radius_m and step_m must be > 0, got {radius_m} and {step_m}")
    runs = [tuple(np.asarray(a, dtype=float) for a in arrs) for arrs in zip(lat_deg, lon_deg, elevation_m)]
    lat_all = np.concatenate([r[0] for r in runs]) if runs else np.zeros(0)
    lon_all = np.concatenate([r[1] for r in runs]) if runs else np.zeros(0)
    ok_all = np.isfinite(lat_all) & np.isfinite(lon_all)
    if not ok_all.any():
        return [r[2].copy() for r in runs]
    lat0, lon0 = float(np.mean(lat_all[ok_all])), float(np.mean(lon_all[ok_all]))
    xs, ys, hs, run_id, where = [], [], [], [], []
    for k, (la, lo, h) in enumerate(runs):
        good = np.flatnonzero(np.isfinite(la) & np.isfinite(lo) & np.isfinite(h))
        if good.size == 0:
            where.append(good)
            continue
        x, y, _, _ = project_local(la[good], lo[good], lat0_deg=lat0, lon0_deg=lon0)
        keep = _thin_by_distance(x, y, step_m)
        xs.append(x[keep]), ys.append(y[keep]), hs.append(h[good][keep])
        run_id.append(np.full(keep.size, k)), where.append(good[keep])
    if not xs:
        return [r[2].copy() for r in runs]
    x, y, h, rid = map(np.concatenate, (xs, ys, hs, run_id))
    mean_pt = _run_weighted_mean(np.column_stack([x, y]), h, rid, radius_m, min_runs)
    out, start = [], 0
    for k, (_, _, own) in enumerate(runs):
        idx = where[k]
        res = own.copy()
        if idx.size:
            vals = mean_pt[start:start + idx.size]
            start += idx.size
            # Back to every sample, by sample index between the thinned points.
            filled = np.interp(np.arange(own.size), idx, vals)
            res = np.where(np.isfinite(own), filled, np.nan)
        out.append(res)
    return out


def _run_weighted_mean(xy: np.ndarray, h: np.ndarray, rid: np.ndarray, radius_m: float,
                       min_runs: int) -> np.ndarray:
    """Per point, the mean over runs of each run's mean altitude within ``radius_m``."""
    n, n_runs = len(h), int(rid.max()) + 1
    src, dst = [np.arange(n)], [np.arange(n)]  # every point votes for itself
    for i, j in PairSearch(xy, radius_m).blocks():
        src += [i, j]
        dst += [j, i]
    src, dst = np.concatenate(src), np.concatenate(dst)
    # One group per (point, run that voted): its mean altitude, then one vote per run.
    key = dst.astype(np.int64) * n_runs + rid[src]
    groups, inverse = np.unique(key, return_inverse=True)
    group_mean = np.bincount(inverse, weights=h[src]) / np.bincount(inverse)
    point = groups // n_runs
    votes = np.bincount(point, minlength=n)
    consensus = np.bincount(point, weights=group_mean, minlength=n) / np.maximum(votes, 1)
    return np.where(votes >= min_runs, consensus, h)


def consensus_tracks(tracks: Sequence, **kwargs) -> list:
    """:func:`consensus_elevation` applied to tracks: copies with the consensus altitude.

    Parameters
    ----------
    tracks : sequence of Track
        GPS-altitude runs (barometric ones are better left alone).
    **kwargs
        Passed to :func:`consensus_elevation`.

    Returns
    -------
    list of Track
        Tracks without positions or altitude come back unchanged. The others are marked as
        GPS altitude (``meta.barometric = False``): the consensus is as quiet as a barometer,
        and read as one it would be smoothed and thresholded like one, counting its remaining
        slow error as climbs (+9 % ascent and +15 % descent from two simulated runs, where
        GPS settings give +2 % and +3-4 %; docs/elevation-accuracy.md).
    """
    cols = ("lat_deg", "lon_deg", "elevation_m")
    usable = [all(c in t.samples for c in cols) for t in tracks]
    chosen = [t for t, u in zip(tracks, usable) if u]
    new = consensus_elevation(*([t.samples[c].to_numpy(float) for t in chosen] for c in cols), **kwargs)
    it = iter(new)
    return [dataclasses.replace(t, samples=t.samples.assign(elevation_m=next(it)),
                                meta=dataclasses.replace(t.meta, barometric=False)) if u else t
            for t, u in zip(tracks, usable)]
