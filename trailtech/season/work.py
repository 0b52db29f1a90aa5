"""The per-file work of a season: load, analyse, and keep only a compact result.

:func:`process` runs in a worker process (or a dask worker), so it is a top-level function
taking and returning plain picklable values. Its result -- an *entry* -- is what the cache
stores: the activity's season row, the ``analyze --json`` document, the hike/run bouts and the
geometry of each descent and climb (resampled to a few metres, with a margin on each side)
that cross-activity segment matching needs. The 1 Hz timeline is dropped here, so the main
process never holds more than one activity's samples -- and only in serial mode.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from .._limits import memory_refusal
from ..errors import DataQualityWarning, TrailtechError, error_line
from .discover import Source

__all__ = ["Task", "process", "part_id", "expand_parts", "renamed_entry", "error_entry", "worker_init", "build_entry", "on_foot_figures", "sensors",
           "SENSOR_COLUMNS",
           "GEOMETRY_STEP_M", "GEOMETRY_MARGIN_M"]

#: Spacing of the stored descent/climb geometry [m] (science.md topic 6 step 1: 5 m).
GEOMETRY_STEP_M = 5.0
#: Track kept before and after each descent/climb [m], so another activity's gates can be
#: found even when its own detection starts or ends a little earlier or later.
GEOMETRY_MARGIN_M = 100.0


@dataclass(frozen=True)
class Task:
    """One unit of work: a source, its content hash and the settings."""

    source: Source
    digest: str
    config: Any = None
    #: Also draw the activity's HTML report (returned in the entry's ``report_html``).
    report: bool = False
    #: The season's consensus altitude to analyse the file on instead of its own
    #: (:func:`trailtech.season.consensus_apply.plan`), or None.
    elevation: Any = None


def worker_init() -> None:
    """Worker initializer (after the runner's memory cap and parent watch): data-quality notes
    are recorded in each result, not printed."""
    warnings.simplefilter("ignore", DataQualityWarning)


def error_entry(file: str, message: str, *, cacheable: bool = True, detail: Optional[str] = None) -> dict:
    """The entry of a file that could not be analysed."""
    entry = {"file": file, "ok": False, "error": " ".join(str(message).split()), "cacheable": cacheable}
    if detail:
        entry["detail"] = detail
    return entry


def _load(source: Source) -> list:
    """Every activity of the file (most files hold one; see :mod:`trailtech.io.split`)."""
    from ..io import read_activities

    # The bytes are read through the Source, which opens regular files only, within the size
    # cap: the path may have been swapped for a FIFO or a device since discovery.
    return read_activities(source.read_bytes(), source=source.file)


def expand_parts(entries: list[dict], digests: dict[str, str]) -> list[dict]:
    """Entries with each file of several activities replaced by one entry per activity
    (``file#1``, ``file#2`` ...); ``digests`` gets a key per activity, so the segments cache
    still knows every activity."""
    out = []
    for e in entries:
        parts = e.get("parts") if e.get("ok") else None
        if not parts:
            out.append(e)
            continue
        for p in parts:
            if e["file"] in digests:
                digests[p["file"]] = digests[e["file"]] + p["file"][len(e["file"]):]
            out.append(p)
    return out


def renamed_entry(entry: dict, src: Source) -> dict:
    """A cached entry for the same content under another name (a copy): renamed, parts too."""
    e = dict(entry)
    e["file"] = src.file
    if "parts" in e:
        e["parts"] = [renamed_entry(p, replace(src, file=part_id(src.file, k))) for k, p in enumerate(e["parts"])]
    elif e.get("ok"):
        e["activity"] = {**e["activity"], "file": src.file, "name": src.name}
        e["analysis"] = {**e["analysis"], "file": src.file}
    return e


def part_id(file: str, k: int) -> str:
    """The season id of the ``k``-th (0-based, time order) activity of a file that holds
    several: ``file#1``, ``file#2`` ..."""
    return f"{file}#{k + 1}"


def _f(x: Any) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _round(a: np.ndarray, nd: int) -> list:
    """``a`` rounded to ``nd`` decimals as a JSON list, None where not finite."""
    r = np.round(np.asarray(a, dtype=float), nd)
    out = r.tolist()
    for i in np.flatnonzero(~np.isfinite(r)).tolist():
        out[i] = None
    return out


def _geometry(timeline, table, kind: str, *, step_m: float, margin_m: float) -> list[dict]:
    """Resampled lat/lon/elevation/time of each row of a climbs or descents table."""
    if table is None or len(table) == 0 or "lat_deg" not in timeline:
        return []
    d = timeline["distance_m"].to_numpy(dtype=float)
    lat = timeline["lat_deg"].to_numpy(dtype=float)
    lon = timeline["lon_deg"].to_numpy(dtype=float)
    ele = (timeline["elevation_m"].to_numpy(dtype=float) if "elevation_m" in timeline
           else np.full(len(d), np.nan))
    t = timeline["elapsed_s"].to_numpy(dtype=float)
    ok = np.isfinite(d) & np.isfinite(lat) & np.isfinite(lon) & np.isfinite(t)
    if ok.sum() < 2:
        return []
    d, lat, lon, ele, t = d[ok], lat[ok], lon[ok], ele[ok], t[ok]
    # Along-track distance is non-decreasing; keep the first sample of each distance so
    # interpolation sees a strictly increasing axis (stops collapse to their arrival).
    keep = np.concatenate([[True], np.diff(d) > 0])
    d, lat, lon, ele, t = d[keep], lat[keep], lon[keep], ele[keep], t[keep]
    out = []
    for i, row in enumerate(table.to_dict(orient="records")):
        s_m, e_m = _f(row.get("start_m")), _f(row.get("end_m"))
        if s_m is None or e_m is None or e_m - s_m < 2 * step_m:
            continue
        lo = max(d[0], s_m - margin_m)
        hi = min(d[-1], e_m + margin_m)
        grid = np.arange(lo, hi + 1e-9, step_m)
        if len(grid) < 3:
            continue
        fin = np.isfinite(ele)
        g_ele = np.interp(grid, d[fin], ele[fin]) if fin.sum() >= 2 else np.full(len(grid), np.nan)
        i0 = int(np.clip(np.searchsorted(grid, s_m), 0, len(grid) - 1))
        i1 = int(np.clip(np.searchsorted(grid, e_m), i0, len(grid) - 1))
        out.append({
            "kind": kind,
            "index": i,
            "start_time": _jsonable(row.get("start_time")),
            "start_m": s_m,
            "end_m": e_m,
            "length_m": _f(row.get("length_m")),
            "drop_m": _f(row.get("drop_m")) if kind == "down" else (
                None if _f(row.get("gain_m")) is None else -_f(row.get("gain_m"))),
            "control_score": _f(row.get("control_score")) if kind == "down" else None,
            "core": [i0, i1],
            "d": _round(grid, 1),
            "lat": _round(np.interp(grid, d, lat), 6),
            "lon": _round(np.interp(grid, d, lon), 6),
            "ele": _round(g_ele, 1),
            "t": _round(np.interp(grid, d, t), 1),
        })
    return out


def _jsonable(x: Any) -> Any:
    from ..result import jsonable

    return jsonable(x)


def _bouts(hike_run) -> dict:
    """Climbing hike/run pieces as columns of plain lists (what the pooled crossover needs).

    The ~100 m pieces of the climbs (``climb_bouts``) that the activity's own crossover
    is fitted on, so season and activity use the same data; whole bouts when an analysis
    has no pieces table.
    """
    b = getattr(hike_run, "climb_bouts", None)
    if b is None or "gait" not in getattr(b, "columns", ()):
        b = getattr(hike_run, "bouts", None)
    cols = ("gait", "start_s", "end_s", "start_m", "end_m", "avg_grade_pct", "vam_m_per_h")
    if b is None or len(b) == 0 or not set(cols) <= set(b.columns):
        return {c: [] for c in cols + ("duration_s",)}
    out = {c: _jsonable(b[c].to_numpy()) for c in cols}
    # Moving time in the bout when the gait table has it, else its elapsed span.
    dur = b["duration_s"] if "duration_s" in b else b["end_s"] - b["start_s"]
    out["duration_s"] = _jsonable(dur.to_numpy())
    return out


#: Sample columns that count as a sensor when a file has any value in them (what a duplicate
#: file of the same activity is judged by: the one recording more of them is kept).
SENSOR_COLUMNS = {"lat_deg": "position", "elevation_m": "elevation", "cadence_spm": "cadence",
                  "heart_rate_bpm": "heart_rate", "power_w": "power", "temperature_c": "temperature",
                  "device_speed_mps": "speed", "device_distance_m": "distance"}


def sensors(track) -> list[str]:
    """The sensors a track recorded: :data:`SENSOR_COLUMNS` names with at least one value,
    plus ``"barometric"`` when the elevation is known to be barometric."""
    out = []
    samples = track.samples
    for col, name in SENSOR_COLUMNS.items():
        if col in samples and np.isfinite(samples[col].to_numpy(dtype=float)).any():
            out.append(name)
    if getattr(track.meta, "barometric", None):
        out.append("barometric")
    return out


def on_foot_figures(timeline, distance_m: Any, ascent_m: Any, moving_time_s: Any, *,
                    min_foot_share: float = 0.5, min_foot_distance_m: float = 1000.0) -> dict:
    """The on-foot part of an activity's distance, climbing and moving time.

    The analysis decides per sample whether its session is on foot (``timeline["on_foot"]``,
    :func:`trailtech.processing.sport.on_foot_mask`: by sport, and by median speed when the
    sport is unknown). The activity's totals are split by that mask, so a multisport file
    counts its running leg only: distance by the on-foot share of the along-track steps,
    climbing by the on-foot share of the elevation gained sample to sample, moving time by
    the on-foot share of the moving samples.

    Parameters
    ----------
    timeline : DataFrame
        The analysis timeline (``distance_m``, ``elevation_m``, ``on_foot``, ``moving``).
    distance_m, ascent_m, moving_time_s : float or None
        The activity's totals [m], [m], [s].
    min_foot_share : float
        The activity counts in the season's running figures when at least this share of its
        samples (time) is on foot ...
    min_foot_distance_m : float
        ... or when at least this much of its distance is on foot (a triathlon's 10 km run)
        [m].

    Returns
    -------
    dict
        ``on_foot`` (bool: counted in the running figures), ``on_foot_distance_m``,
        ``on_foot_ascent_m``, ``on_foot_moving_time_s`` (None where the total is unknown).
    """
    n = len(timeline)
    foot = (timeline["on_foot"].to_numpy(dtype=bool) if "on_foot" in timeline and n
            else np.ones(n, dtype=bool))

    def share(steps: np.ndarray) -> float:
        steps = np.where(np.isfinite(steps), steps, 0.0)
        total = float(steps.sum())
        return float(steps[foot].sum()) / total if total > 0 else (float(foot.mean()) if n else 1.0)

    if n == 0 or foot.all():
        d_share = up_share = t_share = 1.0
    else:
        d = timeline["distance_m"].to_numpy(dtype=float) if "distance_m" in timeline else np.full(n, np.nan)
        d_share = share(np.clip(np.diff(d, prepend=d[0]), 0.0, None))
        h = timeline["elevation_m"].to_numpy(dtype=float) if "elevation_m" in timeline else np.full(n, np.nan)
        up_share = share(np.clip(np.diff(h, prepend=h[0]), 0.0, None))
        mv = (timeline["moving"].to_numpy(dtype=bool) if "moving" in timeline else np.ones(n, dtype=bool))
        t_share = share(mv.astype(float))

    def part(total: Any, k: float) -> Optional[float]:
        v = _f(total)
        return None if v is None else round(v * k, 1)

    foot_d = part(distance_m, d_share)
    counted = (float(foot.mean()) if n else 1.0) >= min_foot_share or (foot_d or 0.0) >= min_foot_distance_m
    return {"on_foot": bool(counted), "on_foot_distance_m": foot_d, "on_foot_ascent_m": part(ascent_m, up_share),
            "on_foot_moving_time_s": part(moving_time_s, t_share)}


def build_entry(source: Source, analysis, track=None) -> dict:
    """The compact season entry of one analysed activity.

    ``track`` (the loaded :class:`~trailtech.track.Track`) adds the sensors it recorded and
    its sample count, which decide which of several files of one activity is kept.
    """
    doc = analysis.to_dict()
    s = doc["summary"]
    descents = analysis.descents
    descent_length = float(descents["length_m"].sum()) if len(descents) and "length_m" in descents else 0.0
    practice_repeats = 0
    for r in doc["repeats"]:
        if r.get("direction") == "down" and len(r.get("passes") or []) >= 2:
            practice_repeats += 1
    sport = doc["sport"] or (source.activity_type.lower() if source.activity_type else None)
    activity = {
        "file": source.file,
        "start_time": doc["start_time"],
        "start_time_local": doc.get("start_time_local"),
        "sport": sport,
        "distance_m": s["distance_m"],
        "ascent_m": s["ascent_m"],
        "moving_time_s": s["moving_time_s"],
        "descent_control_score": s["descent_control_score"],
        "hike_time_s": s["hike_time_s"],
        "crossover_grade_pct": doc["hike_run"]["crossover_grade_pct"],
        "line_practice_count": len(doc["line_practice"]),
        # extras used by the season summaries (not in the contract's activity keys)
        "name": source.name,
        "duration_s": s["duration_s"],
        "descent_m": s["descent_m"],
        "flat_cadence_spm": s["flat_cadence_spm"],
        "technical_distance_m": s["technical_distance_m"],
        "descent_length_m": descent_length,
        "practice_repeats": practice_repeats,
        "format": doc["format"],
        # FIT sub_sport, TCX/GPX "trail running" (what `season --sport trail` selects by)
        "sub_sport": getattr(track.meta, "sub_sport", None) if track is not None else None,
        "sensors": sensors(track) if track is not None else [],
        "samples": int(len(track.samples)) if track is not None else None,
        # Local time (weeks and days are cut in it) and the file's own creation time (a
        # start far from it means a wrong clock, see season.clocks).
        "utc_offset_s": getattr(track.meta, "utc_offset_s", None) if track is not None else None,
        "time_created": _jsonable(getattr(track.meta, "time_created", None)) if track is not None else None,
    }
    # What the season's running figures count (rides, swims and other sports are listed only).
    activity.update(on_foot_figures(analysis.timeline, s["distance_m"], s["ascent_m"], s["moving_time_s"]))
    tl = analysis.timeline
    geometry = (_geometry(tl, descents, "down", step_m=GEOMETRY_STEP_M, margin_m=GEOMETRY_MARGIN_M)
                + _geometry(tl, analysis.climbs, "up", step_m=GEOMETRY_STEP_M, margin_m=GEOMETRY_MARGIN_M))
    from .load import hr_histogram

    return {"file": source.file, "ok": True, "activity": activity, "analysis": doc,
            "bouts": _bouts(analysis.hike_run), "geometry": geometry,
            # Seconds at each heart rate: the season scales them into a training load once it
            # knows the runner's heart-rate range (season.load).
            "hr": hr_histogram(tl.heart_rate_bpm, ~np.asarray(tl.gap, dtype=bool)),
            # Seconds at each grade-adjusted speed: the load of an activity without heart rate.
            "gap": _gap_profile(tl, getattr(analysis, "config", None))}


def _gap_profile(tl, config) -> dict:
    """:func:`trailtech.season.load.gap_profile` of a timeline, with the analysis' GAP model."""
    from ..processing.gap import gap_factor
    from .load import gap_profile

    model = getattr(config, "gap_model", "strava2017")
    clip = getattr(config, "gap_grade_clip", 0.45)
    factor = gap_factor(np.asarray(tl.grade_pct, dtype=float) / 100.0, model=model, clip=clip)
    counted = (np.asarray(tl.moving, dtype=bool) & np.asarray(tl.on_foot, dtype=bool)
               & ~np.asarray(tl.gap, dtype=bool))
    return gap_profile(tl.speed_mps, factor, counted)


def process(task: Task) -> dict:
    """Load and analyse one file; never raises for a bad file.

    Returns
    -------
    dict
        An entry: ``{"file", "ok": True, "activity", "analysis", "bouts", "geometry"}``, or
        ``{"file", "ok": False, "error", "cacheable"}``. A :class:`TrailtechError` is the
        file's fault and is cacheable; any other exception is a trailtech bug, reported
        with its traceback in ``detail`` and never cached. A file holding several activities
        gives ``{"file", "ok": True, "parts": [entry, ...]}``: one entry per activity, in time
        order, named :func:`part_id` (``file#1``, ``file#2`` ...), each analysed on its own.
    """
    src = task.source
    try:
        tracks = _load(src)
        if len(tracks) == 1:
            return _analysed(src, tracks[0], task.config, task.report, elevation=task.elevation)
        parts = [_part(replace(src, file=part_id(src.file, k)), track, task.config, task.report)
                 for k, track in enumerate(tracks)]
        return {"file": src.file, "ok": True, "parts": parts}
    except TrailtechError as exc:
        line = error_line(exc, src.file)
        # The season lists errors by file already: keep only the problem.
        if line.startswith(src.file + ": "):
            line = line[len(src.file) + 2:]
        return error_entry(src.file, line)
    except MemoryError:
        # Over the worker's address-space cap: a file too large, or built to exhaust memory.
        # Not cached: a machine or a cap with more room may read it.
        return error_entry(src.file, memory_refusal(), cacheable=False)
    except Exception as exc:  # a bug: this file fails, the season goes on
        return error_entry(src.file, f"internal error ({type(exc).__name__}: {exc}); please report it",
                           cacheable=False, detail=traceback.format_exc())


def _analysed(src: Source, track, config, report: bool = False, *, elevation=None) -> dict:
    """The entry of ``track``; on the season's consensus ``elevation`` when given. A whole-file
    activity with GPS altitude keeps its trace for the consensus; an activity of a file of
    several takes no part in it."""
    from ..pipeline import analyze
    from . import consensus

    if elevation is not None:
        track = consensus.track_with(track, elevation)
    analysis = analyze(track, config)
    entry = build_entry(src, analysis, track)
    if track.meta.n_activities > 1:  # the document names the activity the way the season does
        entry["analysis"] = {**entry["analysis"], "file": src.file}
    if elevation is not None:
        consensus.mark(entry, elevation)
    elif track.meta.n_activities <= 1 and (
            trace := consensus.trace(track, entry["analysis"]["summary"].get("elevation_source"))) is not None:
        entry["trace"] = trace  # GPS altitude: what the season consensus reads
    if report:
        from ..report.html import render_report

        # Drawn here, while the full analysis is at hand (the entry keeps no timeline).
        entry["report_html"] = render_report(analysis)
    return entry


def _part(src: Source, track, config, report: bool = False) -> dict:
    """The entry of one activity of a file of several: a data problem costs only this one."""
    try:
        return _analysed(src, track, config, report)
    except TrailtechError as exc:
        line = error_line(exc, track.meta.source)
        if line.startswith(track.meta.source + ": "):
            line = line[len(track.meta.source) + 2:]
        return error_entry(src.file, line)
