"""The season's consensus elevation, applied: GPS-only activities over shared ground analysed again.

:mod:`trailtech.season.consensus` is the method (at each point the mean altitude of every run
that passed within 15 m, one vote per run). This module wires it into
:func:`~trailtech.season.analyze_season`::

    every file analysed on its own altitude (work.process); a GPS-altitude activity
      (summary.elevation_source "gps": no barometer, no terrain tiles) keeps a trace in its
      entry: its positions and altitudes thinned to one every 5 m, with their sample indices
    two or more such activities -> consensus_points over their traces (cheap: no file is read)
    each one that shares at least MIN_SHARED_M of ground with another -> a task carrying its
      consensus at its trace points -> the worker fills it back to every sample, analyses
      again, and says so (notes, elevation_consensus) -> the entry replaces its own

The cost is one more analysis per such activity, paid only when two or more GPS-altitude
activities share ground. The re-analysed entry is cached under a key of its own file, its
content hash and the content hashes of the runs that voted at its points (the consensus
depends on nothing else, given the settings that salt every key), so adding a run over the
same trail analyses the runs it meets again, and an unchanged season reads them all from the
cache.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Callable, Iterable, Optional

import numpy as np

from .entry_cache import get_entry, put_entry
from .consensus import TRACE_STEP_M, consensus_points, taper_correction

__all__ = ["plan", "apply_consensus", "RADIUS_M", "MIN_SHARED_M"]

#: Points of another run within this distance vote [m] (:func:`~.consensus.consensus_elevation`).
RADIUS_M = 15.0
#: An activity takes the consensus when another run passed at least this much of its path [m];
#: less changes little and costs a whole analysis.
MIN_SHARED_M = 500.0
#: Beyond the shared ground, the correction (consensus minus own altitude: the run's GPS error
#: there) fades out over about this much path [m] instead of stopping dead, which would leave a
#: step of several metres, counted as a climb; GPS altitude error drifts over minutes, so the
#: error just measured still holds a few hundred metres on.
TAPER_M = 300.0


def _is_trace(t: Any) -> bool:
    """A trace that the consensus can read (a cache entry is trusted for nothing)."""
    if not isinstance(t, dict) or not isinstance(t.get("n"), int) or not isinstance(t.get("i"), list):
        return False
    try:
        arrs = [np.asarray(t[k], dtype=float) for k in ("i", "lat", "lon", "ele")]
    except (KeyError, TypeError, ValueError):
        return False
    n = arrs[0].size
    return (n >= 2 and all(a.ndim == 1 and a.size == n and np.isfinite(a).all() for a in arrs)
            and bool(np.all(np.diff(arrs[0]) > 0)) and arrs[0][0] >= 0 and arrs[0][-1] < t["n"])


def plan(entries: list[dict], digests: dict[str, str], *, kept: Optional[set] = None) -> list[dict]:
    """Which activities take the consensus, and what it is.

    Parameters
    ----------
    entries : list of dict
        The season's entries; those with a valid ``trace`` (GPS altitude) take part.
    digests : dict
        Content hash of each file.
    kept : set of str, optional
        The files that are not another file's duplicate (a GPX export of a FIT does not vote
        twice); default all.

    Returns
    -------
    list of dict
        Per activity that shares at least :data:`MIN_SHARED_M` of ground: ``file``, ``key``
        (its cache key) and ``override`` (``n``, ``i``, ``ele``: the consensus at its trace
        points [m], ``runs``: runs that voted on it, itself included, ``shared_pct``).
    """
    runs, seen = [], set()
    # By file name: workers finish in any order, and the sums of the consensus must not.
    for e in sorted(entries, key=lambda e: str(e.get("file"))):
        f = e.get("file")
        if (e.get("ok") and f in digests and digests[f] not in seen and (kept is None or f in kept)
                and _is_trace(e.get("trace"))):
            seen.add(digests[f])  # a copy of the same bytes does not vote twice
            runs.append(e)
    if len(runs) < 2 or not _bboxes_meet([e["trace"] for e in runs]):
        return []
    tr = [e["trace"] for e in runs]
    values, voters, others = consensus_points([np.asarray(t["lat"]) for t in tr], [np.asarray(t["lon"]) for t in tr],
                                              [np.asarray(t["ele"], dtype=float) for t in tr], radius_m=RADIUS_M)
    out = []
    for k, e in enumerate(runs):
        shared = voters[k] >= 2
        if shared.sum() * TRACE_STEP_M < MIN_SHARED_M:
            continue
        own = np.asarray(tr[k]["ele"], dtype=float)
        ele = own + taper_correction(values[k] - own, shared, step_m=TRACE_STEP_M, length_m=TAPER_M)
        voter_digests = sorted(digests[runs[j]["file"]] for j in others[k])
        ident = json.dumps([e["file"], digests[e["file"]], voter_digests, RADIUS_M, TRACE_STEP_M, MIN_SHARED_M,
                            TAPER_M])
        from .cache import content_hash

        out.append({"file": e["file"], "key": "consensus:" + content_hash(ident.encode()),
                    "override": {"n": tr[k]["n"], "i": tr[k]["i"], "ele": np.round(ele, 3).tolist(),
                                 "runs": 1 + len(others[k]), "shared_pct": 100.0 * float(shared.mean())}})
    return out


def _bboxes_meet(traces: list[dict]) -> bool:
    """Whether any two traces' bounding boxes (grown by the radius) overlap: a cheap no first."""
    boxes = []
    pad = RADIUS_M / 111_000.0
    for t in traces:
        lat, lon = np.asarray(t["lat"]), np.asarray(t["lon"])
        k = pad / max(np.cos(np.radians(float(np.mean(lat)))), 0.1)
        boxes.append((lat.min() - pad, lat.max() + pad, lon.min() - k, lon.max() + k))
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            A, B = boxes[a], boxes[b]
            if A[0] <= B[1] and B[0] <= A[1] and A[2] <= B[3] and B[2] <= A[3]:
                return True
    return False


def apply_consensus(entries: list[dict], digests: dict[str, str], sources: list, config: Any,
                    run: Callable[[list], Iterable[tuple[Any, dict]]], store=None, sink=None,
                    notes: Optional[list] = None, sort_key: Optional[Callable] = None) -> None:
    """Replace the entries of GPS-altitude activities over shared ground by their analysis on
    the season consensus.

    Parameters
    ----------
    entries : list of dict
        The season's entries (any order); changed in place.
    digests : dict
        Content hash of each file.
    sources : list of Source
        The season's files (:func:`~trailtech.season.discover.discover`).
    config : AnalysisConfig
        The analysis settings.
    run : callable
        Runs tasks in workers: ``tasks -> iterable of (task, entry)``.
    sort_key : callable or False, optional
        The season's time order of entries: files of one activity
        (:func:`~trailtech.season.dedupe.merge_duplicate_entries`) then vote once, with the
        one the season keeps; None or False: every file votes.
    store : ResultCache, optional
        Where the analyses on the consensus are cached (key: :func:`plan`).
    sink : ReportSink, optional
        Each activity's HTML report, drawn again on the consensus.
    notes : list of str, optional
        The season's notes: what was done is appended.

    ``entries`` is changed in place: those re-analysed replaced (a failed re-analysis keeps
    its own), and every entry without its trace.
    """
    from .shape import is_entry
    from .work import Task

    kept = None
    if sort_key:
        from .dedupe import merge_duplicate_entries

        # A file of several activities ("parts") takes no part in the consensus.
        ok = sorted((e for e in entries if e.get("ok") and "activity" in e), key=sort_key)
        kept = {e["file"] for e in merge_duplicate_entries(ok, sort_key=sort_key)}
    todo = plan(entries, digests, kept=kept)
    if not todo:
        entries[:] = [_drop_trace(e) for e in entries]
        return
    by_file = {src.file: src for src in sources}
    done: dict[str, dict] = {}
    tasks = []
    for p in todo:
        hit = get_entry(store, p["key"], is_entry) if store is not None else None
        if hit is not None and hit.get("file") == p["file"] and (sink is None or sink.from_store(p["file"], p["key"])):
            done[p["file"]] = hit
        else:
            f = p["file"]
            tasks.append(Task(by_file[f], digests[f], config, report=sink is not None, elevation=p["override"]))
    key_of = {p["file"]: p["key"] for p in todo}
    failed = []
    results = run(tasks) if tasks else iter(())
    # Closed on the way out whatever happens (Ctrl+C): the runner stops its workers.
    with contextlib.closing(results) if hasattr(results, "close") else contextlib.nullcontext():
        for task, entry in results:
            _take(task.source.file, entry, key_of, store, sink, done, failed)
    # The same words cold and warm: how many came from the cache is not part of the season.
    said = [f"Season elevation consensus: {len(done)} GPS-altitude activities over shared ground analysed "
            f"again on it."]
    if failed:
        said.append("Kept their own altitude (the analysis on the consensus failed): " + "; ".join(failed))
    if notes is not None:
        notes.extend(said)
    entries[:] = [_drop_trace(done.get(e.get("file"), e)) for e in entries]


def _take(f: str, entry: dict, key_of: dict, store, sink, done: dict, failed: list) -> None:
    """One re-analysed entry: its report, the cache, and the result."""
    if sink is not None:
        sink.take(f, key_of[f], entry)
    if entry.get("ok"):
        if store is not None:
            put_entry(store, key_of[f], entry)
        done[f] = entry
    else:
        failed.append(f"{f}: {entry.get('error')}")


def _drop_trace(entry: dict) -> dict:
    """The entry without its trace (the season needs it no further)."""
    if "trace" not in entry:
        return entry
    return {k: v for k, v in entry.items() if k != "trace"}
