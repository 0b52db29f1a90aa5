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
applies it to :class:`~trailtech.track.Track` objects. A season computes it on the 5 m traces
its workers keep (:func:`trace`, :func:`consensus_points`) and analyses each run again on its
consensus (:func:`track_with`, :func:`mark`; :mod:`trailtech.season.consensus_apply`).
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import numpy as np

from ..analysis.neighbors import PairSearch
from ..processing.geodesy import project_local

#: Spacing of each season activity's trace along its path [m]: the consensus is computed there.
TRACE_STEP_M = 5.0

__all__ = ["trace", "track_with", "mark", "TRACE_STEP_M", "consensus_elevation", "consensus_tracks", "consensus_points",
           "thin_indices", "fill_back",
           "taper_correction"]


def _thin_by_distance(x_m: np.ndarray, y_m: np.ndarray, step_m: float) -> np.ndarray:
    """Indices of the samples kept so that kept samples are about ``step_m`` apart along the path."""
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x_m), np.diff(y_m)))])
    bins = np.floor(cum / step_m)
    return np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])


def thin_indices(lat_deg: np.ndarray, lon_deg: np.ndarray, elevation_m: np.ndarray, *,
                 step_m: float = 5.0) -> np.ndarray:
    """Indices of the samples of one run that take part in the consensus.

    Samples with a position and an altitude, thinned to one about every ``step_m`` of path
    [m] (a run that stands still adds no weight to its point). What a season keeps of each
    GPS-only activity (:mod:`trailtech.season.consensus_apply`).
    """
    la, lo, h = (np.asarray(a, dtype=float) for a in (lat_deg, lon_deg, elevation_m))
    good = np.flatnonzero(np.isfinite(la) & np.isfinite(lo) & np.isfinite(h))
    if good.size == 0:
        return good
    lat0, lon0 = float(np.mean(la[good])), float(np.mean(lo[good]))
    x, y, _, _ = project_local(la[good], lo[good], lat0_deg=lat0, lon0_deg=lon0)
    return good[_thin_by_distance(x, y, step_m)]


def consensus_points(lat_deg: Sequence[np.ndarray], lon_deg: Sequence[np.ndarray],
                     elevation_m: Sequence[np.ndarray], *, radius_m: float = 15.0,
                     min_runs: int = 2) -> tuple[list[np.ndarray], list[np.ndarray], list[set]]:
    """The consensus at given points of each run (already thinned), and who voted.

    Parameters
    ----------
    lat_deg, lon_deg, elevation_m : sequence of numpy.ndarray
        One array per run, finite values [deg, deg, m].
    radius_m, min_runs : float, int
        As in :func:`consensus_elevation`.

    Returns
    -------
    values : list of numpy.ndarray
        Per run, the consensus altitude at each point [m] (its own where fewer than
        ``min_runs`` runs passed).
    voters : list of numpy.ndarray of int
        Per run, how many runs (itself included) voted at each point.
    other_runs : list of set of int
        Per run, the other runs that voted at any of its points (what its consensus depends on).
    """
    if not (len(lat_deg) == len(lon_deg) == len(elevation_m)):
        raise ValueError("lat_deg, lon_deg and elevation_m need one array per run")
    if not radius_m > 0:
        raise ValueError(f"radius_m must be > 0, got {radius_m}")
    runs = [tuple(np.asarray(a, dtype=float) for a in arrs) for arrs in zip(lat_deg, lon_deg, elevation_m)]
    sizes = [r[0].size for r in runs]
    if sum(sizes) == 0:
        return [r[2].copy() for r in runs], [np.ones(n, dtype=int) for n in sizes], [set() for _ in runs]
    lat_all = np.concatenate([r[0] for r in runs])
    lon_all = np.concatenate([r[1] for r in runs])
    x, y, _, _ = project_local(lat_all, lon_all, lat0_deg=float(np.mean(lat_all)), lon0_deg=float(np.mean(lon_all)))
    h = np.concatenate([r[2] for r in runs])
    rid = np.concatenate([np.full(n, k) for k, n in enumerate(sizes)])
    mean_pt, votes, pairs = _run_weighted_mean(np.column_stack([x, y]), h, rid, radius_m, min_runs)
    bounds = np.cumsum([0] + sizes)
    values = [mean_pt[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    voters = [votes[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    others: list[set] = [set() for _ in runs]
    for k_dst, k_src in pairs:
        if k_dst != k_src:
            others[k_dst].add(int(k_src))
    return values, voters, others


def fill_back(n: int, idx: np.ndarray, values_m: np.ndarray, own_m: np.ndarray) -> np.ndarray:
    """Point values back to every sample of a run, by sample index between the points.

    Samples without their own altitude (NaN in ``own_m``) stay NaN; a run without points keeps
    its own altitude.
    """
    own = np.asarray(own_m, dtype=float)
    idx = np.asarray(idx)
    if idx.size == 0:
        return own.copy()
    filled = np.interp(np.arange(n), idx, np.asarray(values_m, dtype=float))
    return np.where(np.isfinite(own), filled, np.nan)


def taper_correction(correction_m: np.ndarray, shared: np.ndarray, *, step_m: float,
                     length_m: float) -> np.ndarray:
    """A run's correction where it shared ground, faded out beyond it instead of stopping dead.

    Parameters
    ----------
    correction_m : numpy.ndarray
        Consensus minus own altitude at each point of the run [m] (used where ``shared``).
    shared : numpy.ndarray of bool
        Points where other runs voted.
    step_m : float
        Path between points [m].
    length_m : float
        The correction of the nearest shared point decays as ``exp(-path / length_m)`` [m].

    Returns
    -------
    numpy.ndarray
        The correction at every point [m]: as given where shared, 0 with no shared point.
    """
    corr = np.asarray(correction_m, dtype=float)
    shared = np.asarray(shared, dtype=bool)
    out = np.where(shared, corr, 0.0)
    on = np.flatnonzero(shared)
    if on.size == 0 or on.size == shared.size:
        return out
    off = np.flatnonzero(~shared)
    k = np.searchsorted(on, off)  # shared points before each unshared one
    before, after = on[np.maximum(k - 1, 0)], on[np.minimum(k, on.size - 1)]
    # The nearer shared point on either side.
    d_before = np.where(k > 0, off - before, np.inf)
    d_after = np.where(k < on.size, after - off, np.inf)
    near = np.where(d_before <= d_after, before, after)
    dist_m = np.minimum(d_before, d_after) * step_m
    out[off] = corr[near] * np.exp(-dist_m / length_m)
    return out


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
    idx = [thin_indices(*r, step_m=step_m) for r in runs]
    values, _, _ = consensus_points([r[0][i] for r, i in zip(runs, idx)], [r[1][i] for r, i in zip(runs, idx)],
                                    [r[2][i] for r, i in zip(runs, idx)], radius_m=radius_m, min_runs=min_runs)
    return [fill_back(r[2].size, i, v, r[2]) for r, i, v in zip(runs, idx, values)]


def _run_weighted_mean(xy: np.ndarray, h: np.ndarray, rid: np.ndarray, radius_m: float,
                       min_runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point, the mean over runs of each run's mean altitude within ``radius_m``; the
    number of runs that voted; and the (run of the point, run that voted) pairs met."""
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
    pairs = np.unique(np.column_stack([rid[point], groups % n_runs]), axis=0)
    return np.where(votes >= min_runs, consensus, h), votes, pairs


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


def trace(track, elevation_source: Optional[str]) -> Optional[dict]:
    """What an entry keeps of a GPS-altitude track for the season consensus, or None.

    ``{"n": samples, "i": indices, "lat", "lon", "ele"}`` at the samples kept by
    :func:`~.consensus.thin_indices` (one every :data:`TRACE_STEP_M`).
    """
    s = track.samples
    if elevation_source != "gps" or not all(c in s for c in ("lat_deg", "lon_deg", "elevation_m")):
        return None
    lat, lon, ele = (s[c].to_numpy(dtype=float) for c in ("lat_deg", "lon_deg", "elevation_m"))
    idx = thin_indices(lat, lon, ele, step_m=TRACE_STEP_M)
    if idx.size < 2:
        return None
    return {"n": int(len(s)), "i": idx.tolist(), "lat": np.round(lat[idx], 7).tolist(),
            "lon": np.round(lon[idx], 7).tolist(), "ele": np.round(ele[idx], 2).tolist()}


def track_with(track, override: dict):
    """The track with the consensus altitude filled back to every sample (GPS altitude still)."""
    s = track.samples
    own = s["elevation_m"].to_numpy(dtype=float)
    if len(s) != override["n"]:
        raise ValueError(f"the file has {len(s)} samples, its consensus was made for {override['n']}")
    ele = fill_back(len(s), np.asarray(override["i"]), np.asarray(override["ele"], dtype=float), own)
    return dataclasses.replace(track, samples=s.assign(elevation_m=ele),
                               meta=dataclasses.replace(track.meta, barometric=False))


def mark(entry: dict, override: dict) -> dict:
    """Say in an entry analysed on the consensus that it was (notes, ``elevation_consensus``)."""
    if not entry.get("ok"):
        return entry
    runs, shared = int(override["runs"]), float(override["shared_pct"])
    note = f"elevation: season consensus of {runs} runs over the same ground ({shared:.0f} % of the track)"
    doc = entry["analysis"]
    doc["notes"] = [*(doc.get("notes") or []), note]
    doc["elevation_consensus"] = {"runs": runs, "shared_pct": round(shared, 1)}
    entry["activity"]["elevation_consensus_runs"] = runs
    entry.pop("trace", None)
    return entry
