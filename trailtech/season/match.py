"""Stretches of trail met in two or more activities (science.md topic 6, step 6).

Every descent and climb of every activity is a candidate. Activities are visited in time
order; each descent (climb) is tested against the library of reference segments met so far
whose start *and* end fall in grid cells (≈150 m) the candidate's track passes through. A
candidate that matches a reference adds a pass to it; one that matches none becomes a new
reference. A match needs (topic 6 steps 2-4):

* the track to cross the reference's start gate and then its end gate (circles of radius
  ``gate_radius_m``; crossing times are interpolated on the gate *lines*, perpendicular to
  the reference at its ends), within 1.5x the reference length;
* a length ratio of 0.8-1.25, the same direction (first 30 m heading within 60°) and the
  same sign of elevation change;
* one-sided Hausdorff distance reference -> pass ≤ ``hausdorff_max_m`` with its 95th
  percentile ≤ ``hausdorff_p95_max_m``, and discrete Fréchet distance ≤ ``frechet_max_m``
  (which catches wrong ordering and out-and-back shortcuts).

The Hausdorff measure is that of the within-activity repeats
(:mod:`trailtech.analysis.repeats.similarity`); the trend over passes is the season's own
(:func:`segment_trend`: calendar days, evidence required, time and control on their own).

Geometry comes from the compact per-activity entries (:mod:`trailtech.season.work`): each
descent/climb resampled to 5 m with a 100 m margin on both sides, with the elapsed time at
every point, so a pass can be timed on another activity's track even when that activity's own
descent detection starts a little earlier or later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

# The shape measures and the pass trend are shared with the within-activity repeats, so a
# segment is judged the same way whether it was run twice in one day or on two days.
from ..analysis.repeats.similarity import frechet_within, hausdorff_one_sided_m
from .summary import robust_trend
from ..processing.geodesy import project_local

__all__ = [
    "gate_crossing",
    "match_segments",
    "geohash",
]

_GEOHASH_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


# --------------------------------------------------------------------------- geometry kernels


def gate_crossing(xy: np.ndarray, centre: np.ndarray, tangent: np.ndarray, *, radius_m: float,
                  start: int = 0) -> Optional[float]:
    """Fractional index where a track first crosses a gate line, or ``None``.

    The gate is the segment through ``centre``, perpendicular to ``tangent``, of half-width
    ``radius_m``. The crossing is the first sign change (from behind to ahead of the line)
    of the along-tangent coordinate at a point within ``radius_m`` of the centre, at or
    after index ``start``, interpolated linearly between the two samples. When the track
    enters the gate circle already ahead of the line (it starts inside the gate), the
    closest approach within that first visit is used instead.
    """
    xy = np.asarray(xy, dtype=float)
    u = np.asarray(tangent, dtype=float)
    u = u / (np.hypot(*u) or 1.0)
    rel = xy - centre
    along = rel @ u
    dist = np.hypot(rel[:, 0], rel[:, 1])
    inside = dist <= radius_m
    n = len(xy)
    k = np.arange(start, n - 1)
    if len(k) == 0:
        return None
    cross = (along[k] < 0) & (along[k + 1] >= 0) & (inside[k] | inside[k + 1])
    hits = k[cross]
    first_visit = np.flatnonzero(inside[start:])
    if len(hits):
        j = int(hits[0])
        f = -along[j] / (along[j + 1] - along[j])
        return j + float(f)
    if len(first_visit):
        v0 = start + int(first_visit[0])
        v1 = v0
        while v1 + 1 < n and inside[v1 + 1]:
            v1 += 1
        return float(v0 + int(np.argmin(dist[v0:v1 + 1])))
    return None


def geohash(lat: float, lon: float, precision: int = 7) -> str:
    """Geohash of a point (precision 7 ≈ 150 m cells), used for stable segment ids."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    bits, ch, even, out = 0, 0, True, []
    while len(out) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            ch = (ch << 1) | (lon >= mid)
            lon_lo, lon_hi = (mid, lon_hi) if lon >= mid else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            ch = (ch << 1) | (lat >= mid)
            lat_lo, lat_hi = (mid, lat_hi) if lat >= mid else (lat_lo, mid)
        even = not even
        bits += 1
        if bits == 5:
            out.append(_GEOHASH_BASE32[ch])
            bits, ch = 0, 0
    return "".join(out)


# --------------------------------------------------------------------------- matching


@dataclass
class _Geom:
    file: str
    t0: pd.Timestamp
    kind: str
    xy: np.ndarray
    ele: np.ndarray
    t: np.ndarray
    d: np.ndarray
    core: tuple[int, int]
    control_score: Optional[float]
    lat: np.ndarray
    lon: np.ndarray


@dataclass
class _Ref:
    geom: _Geom
    xy: np.ndarray  # the core polyline
    length_m: float
    drop_m: Optional[float]
    passes: list = field(default_factory=list)


def _heading(xy: np.ndarray, over_m: float, step_m: float) -> Optional[np.ndarray]:
    k = int(min(len(xy) - 1, max(1, round(over_m / step_m))))
    v = xy[k] - xy[0]
    n = np.hypot(*v)
    return v / n if n > 0 else None


def _interp(arr: np.ndarray, f: float) -> float:
    i = int(np.floor(f))
    if i >= len(arr) - 1:
        return float(arr[-1])
    w = f - i
    return float(arr[i] * (1 - w) + arr[i + 1] * w)


def _try_pass(ref: _Ref, g: _Geom, p: dict) -> Optional[dict]:
    r = p["gate_radius_m"]
    step = p["step_m"]
    rx = ref.xy
    t_start = _heading(rx, 30.0, step)
    t_end = -_heading(rx[::-1], 30.0, step) if _heading(rx[::-1], 30.0, step) is not None else None
    if t_start is None or t_end is None:
        return None
    fs = gate_crossing(g.xy, rx[0], t_start, radius_m=r)
    if fs is None:
        return None
    fe = gate_crossing(g.xy, rx[-1], t_end, radius_m=r, start=int(np.floor(fs)) + 1)
    if fe is None or fe <= fs:
        return None
    d_s, d_e = _interp(g.d, fs), _interp(g.d, fe)
    length = d_e - d_s
    if not (p["length_ratio"][0] <= length / ref.length_m <= p["length_ratio"][1]):
        return None
    i0, i1 = int(np.floor(fs)), int(np.ceil(fe))
    cand = g.xy[i0:i1 + 1]
    if len(cand) < 2:
        return None
    h = _heading(cand, 30.0, step)
    if h is None or float(h @ t_start) < np.cos(np.deg2rad(p["max_heading_deg"])):
        return None
    if ref.drop_m is not None and np.isfinite(g.ele).any():
        drop = _interp(g.ele, fs) - _interp(g.ele, fe)
        if np.isfinite(drop) and ref.drop_m != 0 and np.sign(drop) != np.sign(ref.drop_m):
            return None
    hmax, h95 = hausdorff_one_sided_m(rx, cand)
    if hmax > p["hausdorff_max_m"] or h95 > p["hausdorff_p95_max_m"]:
        return None
    # Fréchet with the pass at 10 m spacing (its discretisation error, ~5 m, is far below the
    # 40 m tolerance) against at most 100 reference points: ordering errors longer than the
    # reference spacing are still caught, and a 4 km descent costs 100 rows, not 800.
    ref_pts = rx[:: max(1, int(np.ceil(len(rx) / 100)))]
    if not frechet_within(ref_pts if len(ref_pts) > 1 else rx, cand[::2] if len(cand) > 4 else cand,
                          p["frechet_max_m"]):
        return None
    t_s, t_e = _interp(g.t, fs), _interp(g.t, fe)
    # The activity's own descent score describes this pass when it covers about the same ground.
    score = None
    if g.control_score is not None:
        c0, c1 = g.d[g.core[0]], g.d[g.core[1]]
        overlap = max(0.0, min(c1, d_e) - max(c0, d_s))
        if overlap >= 0.5 * length and (c1 - c0) <= 1.5 * length:
            score = g.control_score
    return {"file": g.file, "start_time": g.t0 + pd.Timedelta(seconds=round(t_s, 1)),
            "duration_s": round(t_e - t_s, 1), "control_score": score}


#: The 3 x 3 block of grid cells about a cell.
_NEIGHBOURS = np.array([(da, db) for da in (-1, 0, 1) for db in (-1, 0, 1)], dtype=np.int64)


def _cells_around(xy: np.ndarray, cell_m: float) -> set[tuple[int, int]]:
    """The grid cells a polyline's points fall in, and their neighbours: ``{(ix, iy)}``."""
    c = np.floor(xy / cell_m).astype(np.int64)
    around = (c[:, None, :] + _NEIGHBOURS[None]).reshape(-1, 2)
    # One integer per cell (|iy| is far below 2**31 for any cell size of a metre or more on
    # Earth), so that the unique cells come from a 1-D sort.
    _, first = np.unique(around[:, 0] * (1 << 32) + around[:, 1], return_index=True)
    return set(map(tuple, around[first].tolist()))


def _geoms(entries: Sequence[dict], lat0: float, lon0: float) -> list[_Geom]:
    out = []
    for e in entries:
        a = e["activity"]
        t0 = pd.Timestamp(a["start_time"]) if a.get("start_time") else pd.NaT
        for g in e.get("geometry") or []:
            lat = np.asarray(g["lat"], dtype=float)
            lon = np.asarray(g["lon"], dtype=float)
            x, y, _, _ = project_local(lat, lon, lat0_deg=lat0, lon0_deg=lon0)
            out.append(_Geom(
                file=a["file"], t0=t0, kind=g["kind"], xy=np.column_stack([x, y]),
                ele=np.array([np.nan if v is None else v for v in g["ele"]], dtype=float),
                t=np.asarray(g["t"], dtype=float), d=np.asarray(g["d"], dtype=float),
                core=(int(g["core"][0]), int(g["core"][1])), control_score=g.get("control_score"),
                lat=lat, lon=lon,
            ))
    return out


#: A segment's time is "steady" within this share of its median pass per 30 days [%].
SEGMENT_TIME_TOLERANCE_PCT_PER_30D = 1.0
#: A descent's control score is "steady" within this many points per 30 days.
SEGMENT_CONTROL_TOLERANCE_PER_30D = 2.0


def segment_trend(passes: list[dict], *, down: bool) -> tuple[Optional[str], dict, Optional[dict]]:
    """The season's verdict on a segment from its passes, time and control weighed on their own.

    Each of pass time and (descents) control score gets its own :func:`robust_trend` over
    calendar days: a word only with at least 5 passes over 4 weeks and an interval that
    excludes zero. The segment's ``trend`` is the word they agree on; when one improved and
    the other got worse it is None, and both are shown: a faster pass with a lower control
    score is never called "worse".

    Returns
    -------
    (str or None, dict, dict or None)
        ``trend``, ``time_trend`` and ``control_trend`` (None for climbs); the trends hold
        :func:`robust_trend`'s keys, the time's changes in seconds per 30 days.
    """
    t0 = min(p["start_time"] for p in passes)
    days = np.array([(p["start_time"] - t0).total_seconds() / 86400.0 for p in passes])
    dur = np.array([np.nan if p["duration_s"] is None else p["duration_s"] for p in passes], dtype=float)
    ok = np.isfinite(dur)
    tol_s = SEGMENT_TIME_TOLERANCE_PCT_PER_30D / 100.0 * float(np.median(dur[ok])) if ok.any() else 0.0
    time_trend = robust_trend(days[ok], dur[ok], higher_is_better=False, tolerance_per_30d=tol_s)
    control_trend = None
    if down:
        sc = np.array([np.nan if p["control_score"] is None else p["control_score"] for p in passes], dtype=float)
        okc = np.isfinite(sc)
        control_trend = robust_trend(days[okc], sc[okc], higher_is_better=True,
                                     tolerance_per_30d=SEGMENT_CONTROL_TOLERANCE_PER_30D)
    words = {tr["trend"] for tr in (time_trend, control_trend) if tr is not None and tr["trend"]}
    if words == {"improving"} or words == {"improving", "steady"}:
        verdict: Optional[str] = "improving"
    elif words == {"worse"} or words == {"worse", "steady"}:
        verdict = "worse"
    elif words == {"steady"}:
        verdict = "steady"
    else:
        verdict = None  # not enough data, or time and control disagree
    return verdict, time_trend, control_trend


def match_segments(
    entries: Sequence[dict],
    *,
    gate_radius_m: float = 25.0,
    hausdorff_max_m: float = 25.0,
    hausdorff_p95_max_m: float = 15.0,
    frechet_max_m: float = 40.0,
    min_length_m: float = 60.0,
    cell_m: float = 150.0,
    step_m: float = 5.0,
) -> list[dict]:
    """Descents and climbs met in two or more activities.

    Parameters
    ----------
    entries : sequence of dict
        Successful season entries (``activity`` and ``geometry`` keys), in time order.
    gate_radius_m : float
        Start/end gate radius [m] (science.md 6: 25 m).
    hausdorff_max_m, hausdorff_p95_max_m : float
        One-sided Hausdorff tolerance, maximum and 95th percentile [m].
    frechet_max_m : float
        Discrete Fréchet tolerance [m].
    min_length_m : float
        Shorter segments are not matched: their gates overlap [m].
    cell_m : float
        Grid cell used to find candidates quickly [m].
    step_m : float
        Spacing of the stored geometry [m].

    Returns
    -------
    list of dict
        The contract's ``segments`` items (``segment_id``, ``start_lat``, ``start_lon``,
        ``end_lat``, ``end_lon``, ``length_m``, ``drop_m``, ``passes``, ``trend``) plus
        ``direction`` (``"down"``/``"up"``), ordered by first pass. ``passes`` hold
        ``file``, ``start_time`` (Timestamp), ``duration_s``, ``control_score``.
    """
    for name, v in (("gate_radius_m", gate_radius_m), ("hausdorff_max_m", hausdorff_max_m),
                    ("frechet_max_m", frechet_max_m), ("cell_m", cell_m), ("step_m", step_m)):
        if not v > 0:
            raise ValueError(f"{name}={v}: give a positive distance in metres")
    lats = [v for e in entries for g in e.get("geometry") or [] for v in g["lat"][:1]]
    lons = [v for e in entries for g in e.get("geometry") or [] for v in g["lon"][:1]]
    if not lats:
        return []
    lat0, lon0 = float(np.median(lats)), float(np.median(lons))
    params = {"gate_radius_m": gate_radius_m, "hausdorff_max_m": hausdorff_max_m,
              "hausdorff_p95_max_m": hausdorff_p95_max_m, "frechet_max_m": frechet_max_m,
              "length_ratio": (0.8, 1.25), "max_heading_deg": 60.0, "step_m": step_m}
    refs: list[_Ref] = []
    index: dict[tuple, list[int]] = {}

    def cell(pt: np.ndarray) -> tuple[int, int]:
        return int(np.floor(pt[0] / cell_m)), int(np.floor(pt[1] / cell_m))

    for g in _geoms(entries, lat0, lon0):
        i0, i1 = g.core
        core_len = float(g.d[i1] - g.d[i0])
        if core_len < min_length_m or not np.isfinite(g.xy).all():
            continue
        near = _cells_around(g.xy, cell_m)
        cands = sorted({k for c in near for k in index.get((g.kind, c), [])})
        matched = False
        for k in cands:
            ref = refs[k]
            if cell(ref.xy[-1]) not in near:
                continue
            p = _try_pass(ref, g, params)
            if p is not None:
                ref.passes.append(p)
                matched = True
                break
        if matched:
            continue
        drop = g.ele[i0] - g.ele[i1]
        ref = _Ref(geom=g, xy=g.xy[i0:i1 + 1], length_m=core_len,
                   drop_m=float(drop) if np.isfinite(drop) else None)
        ref.passes.append({"file": g.file, "start_time": g.t0 + pd.Timedelta(seconds=float(g.t[i0])),
                           "duration_s": round(float(g.t[i1] - g.t[i0]), 1),
                           "control_score": g.control_score})
        index.setdefault((g.kind, cell(ref.xy[0])), []).append(len(refs))
        refs.append(ref)

    out = []
    used_ids: dict[str, int] = {}
    for ref in refs:
        if len({p["file"] for p in ref.passes}) < 2:
            continue
        g = ref.geom
        i0, i1 = g.core
        passes = sorted(ref.passes, key=lambda p: (p["start_time"], p["file"]))
        verdict, time_trend, control_trend = segment_trend(passes, down=g.kind == "down")
        sid = f"{'d' if g.kind == 'down' else 'c'}-{geohash(g.lat[i0], g.lon[i0])}-{geohash(g.lat[i1], g.lon[i1])}"
        n = used_ids.get(sid, 0) + 1
        used_ids[sid] = n
        if n > 1:
            sid = f"{sid}-{n}"
        out.append({
            "segment_id": sid,
            "direction": g.kind,
            "start_lat": float(g.lat[i0]), "start_lon": float(g.lon[i0]),
            "end_lat": float(g.lat[i1]), "end_lon": float(g.lon[i1]),
            "length_m": round(ref.length_m, 1),
            "drop_m": None if ref.drop_m is None else round(ref.drop_m, 1),
            "passes": passes,
            # Where the segment was first met: its name is made from it (season.names).
            "where": {"file": g.file, "start_m": round(float(g.d[i0]), 1), "end_m": round(float(g.d[i1]), 1)},
            "trend": verdict,
            "time_trend": time_trend,
            "control_trend": control_trend,
        })
    out.sort(key=lambda s: (s["passes"][0]["start_time"], s["segment_id"]))
    return out


def cached_segments(ok: list[dict], config, store, digests: dict[str, str],
                    notes: Optional[list] = None) -> list[dict]:
    """:func:`match_segments` over the season's entries ``ok``, cached as a whole for an
    unchanged set of files.

    Parameters
    ----------
    ok : list of dict
        The analysed entries, in time order. Entries read from the cache hold no geometry;
        it is read from its own entry only when the segments are not cached
        (:mod:`trailtech.season.entry_cache`).
    config : AnalysisConfig
        Gives ``gate_radius_m``, ``hausdorff_max_m`` and ``frechet_max_m``.
    store : ResultCache or None
        The season's cache; None for no caching.
    digests : dict
        Content hash of each entry's file; the set is cached only when every file has one.
    notes : list of str, optional
        The season's notes: a geometry that could not be read back is said here.
    """
    import json

    from ..result import jsonable
    from .cache import content_hash
    from .entry_cache import with_geometry
    from .shape import is_segments_entry

    key = None
    if store is not None and all(e["file"] in digests for e in ok):
        ident = json.dumps([[e["file"], digests[e["file"]]] for e in ok]).encode()
        key = "segments:" + content_hash(ident)
        hit = store.get(key, check=is_segments_entry)
        if hit is not None:
            segs = hit["segments"]
            for sg in segs:
                for p in sg["passes"]:
                    p["start_time"] = pd.Timestamp(p["start_time"])
            return segs
    ok, complete = with_geometry(ok, store, notes)
    segs = match_segments(ok, gate_radius_m=config.gate_radius_m, hausdorff_max_m=config.hausdorff_max_m,
                          frechet_max_m=config.frechet_max_m)
    if key is not None and complete:  # never keep segments that miss an activity's passes
        store.put(key, {"file": "<segments>", "segments": jsonable(segs)})
    return segs
