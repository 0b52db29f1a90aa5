"""``analyze_season``: every activity under some paths, in parallel, cached, and compared.

Flow::

    discover(paths) -> sources            (recursive, content-sniffed, zips read in place)
    for each source: hash bytes -> cache  (hit: no decoding, no analysis)
    misses -> process pool | dask | this process  -> compact entries -> cache
    entries (time order) -> activities table, pooled crossover, trends, weekly volume,
                            cross-activity segments -> Season
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Optional, Union

import pandas as pd

from ..config import AnalysisConfig
from ..result import jsonable
from ..track import local_iso
from .clocks import clock_problems
from .consensus_apply import apply_consensus
from .load import fitness_fatigue, season_hr_range, season_loads, season_threshold
from .cache import ResultCache, content_hash, resolve_cache
from .dedupe import merge_duplicate_entries
from .entry_cache import get_entry, put_entry
from .discover import discover
from .match import cached_segments
from .names import collect_names, names_toml, segment_names
from .reference import SEASON_REFERENCE_KEYS, with_season_reference
from .reports import ReportSink, safe_names
from .._limits import DEFAULT_WORKER_MEMORY_MB
from .._outfile import ensure_folder, write_output
from .runner import DEFAULT_TIMEOUT_S, run_dask, run_pool
from .shape import is_entry
from .summary import (cached_season_crossover, crossover_choices, metric_trend, technical_sessions, trend_function,
                      weekly_technical)
from ..processing.sport import sport_on_foot
from .sports import select_sport, wanted_sports
from .work import Task, error_entry, expand_parts, renamed_entry

__all__ = ["Season", "analyze_season", "ACTIVITY_KEYS", "SEGMENT_KEYS", "PASS_KEYS"]

#: Keys of each ``activities`` item of the season JSON (cli-contract.md).
ACTIVITY_KEYS = ["file", "start_time", "sport", "distance_m", "ascent_m", "moving_time_s",
                 "descent_control_score", "hike_time_s", "crossover_grade_pct", "line_practice_count"]
#: Extra activity keys trailtech adds (allowed: the contract grows by addition).
ACTIVITY_EXTRA_KEYS = ["start_time_local", "name", "technical_distance_m", "technical_session", "format", "duplicates",
                       "on_foot", "on_foot_distance_m", "on_foot_ascent_m", "on_foot_moving_time_s",
                       "clock_problem", "training_load", "load_source", "load_method", "ran_above_crossover_s",
                       "hiked_below_crossover_s", "elevation_consensus_runs", "sub_sport"]
#: On-foot figures of an activity (see :func:`trailtech.season.work.on_foot_figures`).
FOOT_KEYS = ["on_foot", "on_foot_distance_m", "on_foot_ascent_m", "on_foot_moving_time_s"]
SEGMENT_KEYS = ["segment_id", "start_lat", "start_lon", "end_lat", "end_lon", "length_m", "drop_m",
                "passes", "trend"]
PASS_KEYS = ["file", "start_time", "duration_s", "control_score"]


@dataclass(frozen=True)
class Season:
    """The result of :func:`analyze_season`.

    Attributes
    ----------
    activities : pandas.DataFrame
        One row per activity read, in time order: the contract keys (file, start_time (UTC
        Timestamp), sport, distance_m, ascent_m, moving_time_s, descent_control_score,
        hike_time_s, crossover_grade_pct, line_practice_count) plus name (Strava export),
        duration_s, descent_m, flat_cadence_spm, technical_distance_m, descent_length_m,
        practice_repeats, technical_session (bool), format ("fit"/"gpx"/"tcx"), sensors (list
        of str), samples, and duplicates: the other files of the same activity (a GPX or TCX
        export of the same run), which were left out of every summary (list of str);
        on_foot (bool: counted in the season's running figures -- running, trail running,
        walking, hiking ... or an unknown sport at on-foot speed; a multisport file with a
        running leg), on_foot_distance_m, on_foot_ascent_m, on_foot_moving_time_s (the
        on-foot part of its totals). Rides, swims and other sports are listed but not counted.
        sub_sport ("trail": FIT sub_sport, a GPX/TCX "trail running"); ``path#2``: a file's 2nd activity.
        start_time_local (ISO 8601 with the offset of where it took place, None when
        unknown), utc_offset_s [s], time_created (the file's own creation time, FIT), start_wall
        (naive local wall-clock start, UTC when the offset is unknown: weeks are cut in it);
        clock_problem: why its start time cannot be placed on a calendar (unset clock, in the
        future, far from the file's creation time; see :mod:`trailtech.season.clocks`), or
        None: such an activity is analysed and counted in the totals but left out of the
        weeks and trends.
    segments : pandas.DataFrame
        One row per stretch of trail met in two or more activities: segment_id (stable from run
        to run), name and name_source ("file": from a names file, "auto": from the activity
        and kilometres where it was first met, :mod:`trailtech.season.names`), where (file,
        start_m, end_m of that first meeting), direction
        ("down"/"up"), start_lat, start_lon, end_lat, end_lon, length_m, drop_m [m, negative
        for climbs], n_passes, trend (improving/steady/worse only with evidence, see
        :func:`trailtech.season.match.segment_trend`), time_trend and control_trend (dicts of
        :func:`trailtech.season.summary.robust_trend`), passes (list of dicts: file, start_time,
        duration_s [s], control_score [0-100 or None]).
    errors : list of dict
        ``{"file", "error"}`` for every file that could not be read or analysed.
    crossover_grade_pct : float or None
        Grade above which hiking climbed as fast as running, over the season's on-foot
        activities [%].
    crossover : dict
        How it was found (:func:`trailtech.season.summary.season_crossover`: the pooled
        climbing pieces of every activity, with an interval, or the activities' median) or
        why there is none. Fed back into each activity: ``ran_above_crossover_s`` and
        ``hiked_below_crossover_s`` in ``activities``, and ``hike_run.season`` in its
        analysis document (:func:`trailtech.season.summary.crossover_choices`).
    trends : dict
        ``flat_cadence_spm`` and ``descent_control_score``: trend, change_per_30d, points
        (on-foot activities with a plausible clock).
    weeks : list of dict
        Technical volume and sessions per ISO week, on-foot activities (see
        :func:`trailtech.season.summary.weekly_technical`).
    analyses : dict
        ``file -> analyze --json document`` of each activity (compact: no samples; season_* descent keys).
    load : list of dict
        Daily training load, fitness (42 days) and fatigue (7 days), on-foot activities with a
        plausible clock, by local day (:func:`trailtech.season.load.fitness_fatigue`).
    hr_range : dict
        The heart-rate range the loads are scaled by and where it comes from
        (:func:`trailtech.season.load.season_hr_range`).
    load_settings : dict
        How the loads of activities without heart rate were made: ``threshold_gap_mps``
        [m/s] and ``threshold_source`` (:func:`trailtech.season.load.season_threshold`),
        ``gap_to_trimp``, ``gap_to_trimp_source`` and ``gap_to_trimp_pairs``
        (:func:`trailtech.season.load.season_loads`).
    activity_reports : dict
        ``file -> Path`` of each activity's own HTML report, when the season was asked for them
        (``analyze_season(..., activity_reports=folder)``).
    notes : list of str
        Problems that cost something but no file, e.g. a Strava export whose
        ``activities.csv`` could not be read (its activities are analysed, unnamed).
    """

    activities: pd.DataFrame
    segments: pd.DataFrame
    errors: list
    crossover_grade_pct: Optional[float]
    trends: dict = field(default_factory=dict)
    weeks: list = field(default_factory=list)
    analyses: dict = field(default_factory=dict)
    load: list = field(default_factory=list)
    hr_range: dict = field(default_factory=dict)
    load_settings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    activity_reports: dict = field(default_factory=dict)
    crossover: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ outputs

    @property
    def running(self) -> pd.DataFrame:
        """The activities the running figures count (``on_foot``), in time order."""
        if "on_foot" not in self.activities:
            return self.activities
        return self.activities[self.activities["on_foot"].astype(bool)]

    def running_totals(self) -> dict[str, Any]:
        """The season's running figures: ``activities`` (on-foot activities), ``distance_m``,
        ``ascent_m``, ``moving_time_s`` (their on-foot parts [m], [m], [s]), ``not_counted``
        (activities listed but not counted: rides, swims, other sports) and ``not_counted_sports``
        (sport -> number of them)."""
        run = self.running
        other = self.activities.drop(index=run.index)

        def total(col: str) -> float:
            return round(float(pd.to_numeric(run[col], errors="coerce").fillna(0.0).sum()), 1) if col in run else 0.0

        sports: dict[str, int] = {}
        for sp in other.get("sport", []):
            key = sp if isinstance(sp, str) and sp else "unknown"
            sports[key] = sports.get(key, 0) + 1
        return {"activities": len(run), "distance_m": total("on_foot_distance_m"),
                "ascent_m": total("on_foot_ascent_m"), "moving_time_s": total("on_foot_moving_time_s"),
                "not_counted": len(other), "not_counted_sports": dict(sorted(sports.items()))}

    def segment_passes(self) -> pd.DataFrame:
        """One row per pass: segment_id, direction, length_m, drop_m, trend, file,
        start_time, duration_s, control_score."""
        rows = []
        local = self._pass_local_time()
        for s in self.segments.to_dict(orient="records"):
            for p in s["passes"]:
                rows.append({"segment_id": s["segment_id"], "name": s.get("name"), "direction": s["direction"],
                             "length_m": s["length_m"], "drop_m": s["drop_m"], "trend": s["trend"],
                             **{k: p[k] for k in PASS_KEYS}, "start_time_local": local(p)})
        cols = ["segment_id", "name", "direction", "length_m", "drop_m", "trend"] + PASS_KEYS + ["start_time_local"]
        return pd.DataFrame(rows, columns=cols)

    def _pass_local_time(self):
        """A function of a segment pass: its start in its activity's local time (ISO 8601 with
        the offset), None when the activity's offset is unknown."""
        acts = self.activities
        offsets = dict(zip(acts["file"], acts["utc_offset_s"])) if "utc_offset_s" in acts else {}

        def local(p: dict) -> Optional[str]:
            off = offsets.get(p.get("file"))
            return None if off is None or pd.isna(off) else local_iso(pd.Timestamp(p["start_time"]), int(off))

        return local

    def descents(self) -> pd.DataFrame:
        """Every scored descent of the season, one row each: file, start_time_local (of the
        activity, else its UTC start), start_m, length_m, drop_m, avg_grade_pct,
        technicality [0-1], control_score [0-100] and the season_* keys; best control first (sort as you
        like: it is a DataFrame, and ``descents.csv`` in :meth:`write`)."""
        cols = ["file", "start_time_local", "start_m", "length_m", "drop_m", "avg_grade_pct", "technicality",
                "control_score", *SEASON_REFERENCE_KEYS]
        local = dict(zip(self.activities["file"], self.activities.get("start_time_local", [])))
        utc = dict(zip(self.activities["file"], self.activities["start_time"]))
        rows = []
        for file, doc in self.analyses.items():
            when = local.get(file)
            if not isinstance(when, str):
                when = jsonable(utc.get(file))
            for d in doc.get("descents") or []:
                if d.get("control_score") is None:
                    continue
                rows.append({"file": file, "start_time_local": when, **{k: d.get(k) for k in cols[2:]}})
        df = pd.DataFrame(rows, columns=cols)
        return df.sort_values("control_score", ascending=False, kind="stable").reset_index(drop=True)

    def clock_problems(self) -> list[dict[str, Any]]:
        """The activities left out of the time-based figures: ``file``, ``start_time`` (as
        the file says, ISO 8601 UTC or None) and ``reason``."""
        if "clock_problem" not in self.activities:
            return []
        bad = self.activities[self.activities["clock_problem"].notna()]
        return [{"file": r["file"], "start_time": jsonable(r["start_time"]), "reason": r["clock_problem"]}
                for r in bad.to_dict(orient="records")]

    def to_dict(self) -> dict[str, Any]:
        """The ``trailtech season --json`` document (cli-contract.md), plus ``trends``,
        ``weeks``, ``running`` (:meth:`running_totals`) and ``clock_problems``
        (:meth:`clock_problems`)."""
        acts = [{k: jsonable(r.get(k)) for k in ACTIVITY_KEYS + ACTIVITY_EXTRA_KEYS}
                for r in self.activities.to_dict(orient="records")]
        segs = []
        local = self._pass_local_time()
        for s in self.segments.to_dict(orient="records"):
            d = {k: jsonable(s[k]) for k in SEGMENT_KEYS if k != "passes"}
            d["passes"] = [{**{k: jsonable(p[k]) for k in PASS_KEYS}, "start_time_local": local(p)}
                           for p in s["passes"]]
            d["direction"] = s["direction"]
            d["time_trend"] = jsonable(s.get("time_trend"))
            d["control_trend"] = jsonable(s.get("control_trend"))
            extra = {k: jsonable(s.get(k)) for k in ("name", "name_source", "where")}
            segs.append({k: d[k] for k in SEGMENT_KEYS + ["direction", "time_trend", "control_trend"]} | extra)
        return {
            "activities": acts,
            "errors": [{"file": e["file"], "error": e["error"]} for e in self.errors],
            "crossover_grade_pct": jsonable(self.crossover_grade_pct),
            "crossover": jsonable(self.crossover),
            "segments": segs,
            "trends": jsonable({k: v for k, v in self.trends.items()}),
            "weeks": jsonable(self.weeks),
            "running": jsonable(self.running_totals()),
            "clock_problems": self.clock_problems(),
            "hr_range": jsonable(self.hr_range),
            "load_settings": jsonable(self.load_settings),
            "load": jsonable(self.load),
            "notes": list(self.notes),
        }

    def write(self, folder: Union[str, os.PathLike]) -> list[Path]:
        """Write ``activities.csv``, ``segments.csv`` (one row per pass), ``descents.csv``
        (:meth:`descents`), ``segments.toml`` (every segment's id and name, to edit: see
        :mod:`trailtech.season.names`) and one
        ``activities/<name>.json`` (the ``analyze --json`` document) per activity.

        Each file is written atomically and never through a symbolic link, nor over a folder
        or a device (:func:`trailtech._outfile.write_output`); ``folder`` itself is created
        if needed, its ``activities`` subfolder must be a real folder.

        Returns
        -------
        list of Path
            The files written.

        Raises
        ------
        OSError
            A file cannot be written (:class:`~trailtech._outfile.UnsafeOutputError` when the
            path is a symlink, a folder or a device).
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        ensure_folder(out / "activities")
        written = []
        acts = self.activities.copy()
        for col in ("sensors", "duplicates"):
            if col in acts:
                acts[col] = ["; ".join(v) if isinstance(v, (list, tuple)) else v for v in acts[col]]
        acts["json"] = [f"activities/{n}" for n in safe_names(acts["file"].tolist(), ".json")]
        written.append(write_output(out / "activities.csv", _text_bytes(acts.to_csv(index=False))))
        written.append(write_output(out / "segments.csv", _text_bytes(self.segment_passes().to_csv(index=False))))
        written.append(write_output(out / "descents.csv", _text_bytes(self.descents().to_csv(index=False))))
        # Every segment's id and name, ready to edit and put beside the tracks (season.names).
        written.append(write_output(out / "segments.toml",
                                    _text_bytes(names_toml(self.segments.to_dict(orient="records")))))
        for file, name in zip(acts["file"], acts["json"]):
            doc = self.analyses.get(file)
            if doc is None:
                continue
            written.append(write_output(out / name, json.dumps(doc, allow_nan=False, indent=1).encode("utf-8")))
        return written

    def report(self, path: Union[str, os.PathLike]) -> Path:
        """Write the self-contained season HTML report to ``path`` (atomically, never through a
        symbolic link, nor over a folder or a device) and return the path. Each activity links
        to its own report when the season drew them (:attr:`activity_reports`)."""
        from ..report.season import render_season_report

        # Links relative to the report's folder, so the folder can be moved as a whole.
        links = {f: Path(os.path.relpath(Path(p).resolve(), Path(path).resolve().parent)).as_posix()
                 for f, p in self.activity_reports.items()}
        return write_output(path, _text_bytes(render_season_report(self, links=links)))

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        cols = [c for c in ACTIVITY_KEYS if c in self.activities]
        return (f"<b>Season</b>: {len(self.activities)} activities, {len(self.errors)} errors, "
                f"{len(self.segments)} repeated segments, crossover grade "
                f"{self.crossover_grade_pct if self.crossover_grade_pct is not None else '–'} %"
                + self.activities[cols]._repr_html_())


#: The words of each load method (``load_source``, kept beside ``load_method``).
_LOAD_SOURCES = {"trimp": "heart rate (TRIMP)", "gap": "grade-adjusted pace (rTSS on the TRIMP scale)"}


def _text_bytes(text: str) -> bytes:
    """UTF-8, with any lone surrogate (a file name's undecodable byte) written as ``\\udcNN``
    rather than failing the whole output."""
    return text.encode("utf-8", "backslashreplace")


def _progress_bar(total: int, progress: Optional[bool]):
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="file", desc="season", leave=False)


def _foot_row(activity: dict) -> dict:
    """An activity row with its on-foot figures; an entry without them (built by hand) is
    judged by its sport alone (an unknown sport counts, as the analysis would at foot speed)."""
    if "on_foot" in activity:
        return activity
    foot = sport_on_foot(activity.get("sport")) is not False
    return {**activity, "on_foot": foot,
            **{k: (activity.get(k[len("on_foot_"):]) if foot else 0.0) for k in FOOT_KEYS[1:]}}


def _activity_frame(entries: list[dict]) -> pd.DataFrame:
    rows = [_foot_row(e["activity"]) for e in entries]
    cols = ACTIVITY_KEYS + ["start_time_local", "utc_offset_s", "time_created",
                            "name", "duration_s", "descent_m", "flat_cadence_spm", "technical_distance_m",
                            "descent_length_m", "practice_repeats", "format", "sensors", "samples", "duplicates",
                            "sub_sport"] + FOOT_KEYS
    df = pd.DataFrame(rows, columns=cols)
    df["start_time"] = pd.to_datetime(df["start_time"], utc=True, errors="coerce", format="ISO8601")
    df["sensors"] = [list(v) if isinstance(v, (list, tuple)) else [] for v in df["sensors"]]
    df["duplicates"] = [list(v) if isinstance(v, (list, tuple)) else [] for v in df["duplicates"]]
    for c in cols:
        if c not in ("file", "start_time", "start_time_local", "time_created", "sport", "name", "format", "sensors",
                     "duplicates", "on_foot", "sub_sport"):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    df["line_practice_count"] = df["line_practice_count"].fillna(0).astype(int)
    df["practice_repeats"] = df["practice_repeats"].fillna(0).astype(int)
    df["elevation_consensus_runs"] = pd.Series([r.get("elevation_consensus_runs") for r in rows], dtype=object)
    df["on_foot"] = df["on_foot"].fillna(True).astype(bool)
    df["technical_session"] = technical_sessions(df)
    df["clock_problem"] = clock_problems(df["start_time"], df["time_created"].tolist())
    # The wall-clock start where the activity took place (UTC when the offset is unknown):
    # weeks and days are cut in it, so an evening run stays on its day.
    offset = pd.to_timedelta(df["utc_offset_s"].fillna(0.0), unit="s")
    df["start_wall"] = (df["start_time"].dt.tz_localize(None) + offset).astype("datetime64[ns]")
    return df


def _with_season(doc: dict, choices: Optional[dict]) -> dict:
    """An activity's analysis document with its choices against the season's crossover
    (``hike_run.season``), a copy: cached documents stay as they were."""
    if not isinstance(doc, dict) or not isinstance(doc.get("hike_run"), dict):
        return doc
    return {**doc, "hike_run": {**doc["hike_run"], "season": choices}}


def _sort_key(entry: dict) -> tuple:
    t = entry["activity"].get("start_time")
    # Activities without a start time go last, by file name.
    return (t is None, t or "", entry["file"])


def analyze_season(
    paths: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
    *,
    jobs: Optional[int] = None,
    cache: Any = True,
    progress: Optional[bool] = None,
    scheduler: Any = None,
    config: Optional[AnalysisConfig] = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    merge_duplicates: bool = True,
    memory_limit_mb: Optional[int] = DEFAULT_WORKER_MEMORY_MB,
    hr_max_bpm: Optional[float] = None,
    hr_rest_bpm: Optional[float] = None,
    threshold_gap_mps: Optional[float] = None,
    segment_names_file: Union[str, os.PathLike, None] = None,
    activity_reports: Union[str, os.PathLike, None] = None,
    consensus: bool = True,
    sport: Union[str, Iterable[str], None] = None,
) -> Season:
    """Analyse every activity under ``paths`` and compare them over the season.

    Parameters
    ----------
    paths : path or iterable of paths
        Files, folders (searched recursively; files recognised by content, other files
        skipped) and zip archives (a Strava bulk export is read in place).
    jobs : int, optional
        Worker processes; default all cores. Every analysis runs in a worker process, also
        with ``jobs=1`` or a single file to analyse (:mod:`trailtech.season.runner`).
    cache : bool, path or ResultCache
        ``True`` (default): the user cache folder (``$XDG_CACHE_HOME/trailtech``); a path: that
        folder; ``False``/``None``: no cache.
    progress : bool, optional
        Show a progress bar on stderr; default only when stderr is a terminal.
    scheduler : str or distributed.Client, optional
        Run the per-file work on this dask.distributed cluster instead of a local pool.
    config : AnalysisConfig, optional
        Analysis settings (part of the cache key).
    timeout_s : float
        Per-file time limit [s]; a file over it is listed in ``errors`` and the season goes on.
    merge_duplicates : bool
        Count files of the same activity (a FIT and its GPX/TCX exports: start within 90 s,
        elapsed time within 5 %, distance within 12 %) once: the richest file is kept and
        lists the others in its ``duplicates``; see :mod:`trailtech.season.dedupe`.
    memory_limit_mb : int or None
        Address-space cap of each worker process [MiB] (default: the web workers' 3072); a
        file that needs more is listed in ``errors``. None for no cap.
    hr_max_bpm, hr_rest_bpm : float, optional
        The runner's maximum and resting heart rate [1/min] for the training loads; default
        the highest heart rate held 30 s over the season, and 60.
    threshold_gap_mps : float, optional
        The runner's threshold pace as a grade-adjusted speed [m/s], for the loads of
        activities without heart rate; default the fastest hour of grade-adjusted pace in the
        season (:mod:`trailtech.season.load`).
    segment_names_file : path, optional
        A TOML file of ``segment_id = "name"`` (:mod:`trailtech.season.names`); it wins over
        the ``segments.toml`` of the folders read. A file that cannot be read raises
        :class:`~trailtech.season.names.SegmentNamesError`; a folder's is skipped with a note.
    activity_reports : path, optional
        A folder to write each activity's own HTML report into (``<stem>.html``), drawn in the
        workers while they analyse (2-4 s of CPU each) and cached; :meth:`Season.report` links
        to them. See :mod:`trailtech.season.reports`.
    consensus : bool
        GPS-only runs over shared ground take the season's consensus elevation (:mod:`.consensus_apply`).
    sport : str or iterable of str, optional
        Keep only activities of these sports (``"trail"``, ``"running"``, ``"hiking"`` ...; rules
        in :mod:`trailtech.season.sports`); ``notes`` says how many were kept and left out.

    Returns
    -------
    Season
        Activities in time order, errors, pooled crossover grade, trends, weekly technical
        volume and the segments met in two or more activities. A file of several activities
        gives one each, ``file#1``, ``file#2`` ... in time order (:mod:`trailtech.io.split`).

    Examples
    --------
    >>> season = trailtech.analyze_season(["~/watch-files"], jobs=2)   # doctest: +SKIP
    >>> season.activities[["start_time", "distance_m", "descent_control_score"]]  # doctest: +SKIP
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.path.expanduser(os.fspath(p)) for p in paths]
    if jobs is None:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: give 1 or more worker processes")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s={timeout_s}: give a positive time limit in seconds")
    config = config or AnalysisConfig()
    store = resolve_cache(cache, config)
    sport = wanted_sports(sport)  # a name that selects nothing: ValueError before any work

    notes: list[str] = []
    names = collect_names(paths, segment_names_file, notes)
    sources, errors = discover(paths, notes=notes)
    sink = (ReportSink(activity_reports, [src.file for src in sources], store)
            if activity_reports is not None else None)
    bar = _progress_bar(len(sources), progress)
    try:
        entries: list[dict] = []
        todo: list[Task] = []
        digests: dict[str, str] = {}
        for src in sources:
            try:
                digest = content_hash(src.read_bytes())
                digests[src.file] = digest
            except Exception as exc:  # TrackReadError, or an archive member that vanished
                entries.append(error_entry(src.file, getattr(exc, "reason", None) or str(exc), cacheable=False))
                if bar:
                    bar.update()
                continue
            hit = get_entry(store, digest, is_entry) if store is not None else None
            if hit is not None and sink is not None and hit.get("ok") and not sink.from_store(src.file, digest, hit):
                hit = None  # its report was never drawn: analyse it again and draw it
            if hit is not None and hit.get("file") == src.file:
                entries.append(hit)
                if bar:
                    bar.update()
                continue
            if hit is not None:
                # Same content under another name (a copy): reuse the analysis, rename it.
                entries.append(renamed_entry(hit, src))
                if bar:
                    bar.update()
                continue
            todo.append(Task(src, digest, config, report=sink is not None))

        from . import work

        def run(tasks: list):  # even one file runs in a worker: time limit, memory cap, crash isolation
            return (run_dask(work.process, tasks, scheduler=scheduler, timeout_s=timeout_s) if scheduler is not None
                    else run_pool(work.process, tasks, jobs=min(jobs, len(tasks)), timeout_s=timeout_s,
                                  memory_limit_mb=memory_limit_mb))
        if todo:
            results = run(todo)
            # Closed on the way out whatever happens (Ctrl+C): the runner stops its workers.
            with contextlib.closing(results):
                for task, entry in results:
                    if sink is not None:
                        sink.take(task.source.file, task.digest, entry)  # before the entry is cached
                    if store is not None and (entry.get("ok") or entry.get("cacheable")):
                        put_entry(store, task.digest, entry)
                    entries.append(entry)
                    if bar:
                        bar.update()
    finally:
        if bar:
            bar.close()
    if consensus:  # GPS-only runs over shared ground, analysed again on the season's elevation
        apply_consensus(entries, digests, sources, config, run, store, sink, notes, merge_duplicates and _sort_key)
    season = _assemble(entries, errors, config, store=store, digests=digests, merge_duplicates=merge_duplicates,
                       hr_max_bpm=hr_max_bpm, hr_rest_bpm=hr_rest_bpm, threshold_gap_mps=threshold_gap_mps,
                       names=names, sport=sport)
    if sink is not None:
        sink.keep_only(set(season.activities["file"]))  # not a duplicate file's report
        season = replace(season, activity_reports=dict(sink.written))
    return replace(season, notes=notes + season.notes)


def _assemble(entries: list[dict], errors: list[dict], config: AnalysisConfig, *,
              store: Optional[ResultCache] = None, digests: Optional[dict] = None,
              merge_duplicates: bool = True, hr_max_bpm: Optional[float] = None,
              hr_rest_bpm: Optional[float] = None, threshold_gap_mps: Optional[float] = None,
              names: Optional[dict] = None, sport: Optional[list[str]] = None) -> Season:
    digests = dict(digests or {})
    entries = expand_parts(entries, digests)
    ok = sorted((e for e in entries if e.get("ok")), key=_sort_key)
    if merge_duplicates:
        ok = merge_duplicate_entries(ok, sort_key=_sort_key)
    ok, notes = select_sport(ok, sport)  # after merging: the file kept (the richest) says the sport
    bad = [{"file": e["file"], "error": e["error"]} for e in entries if not e.get("ok")]
    all_errors = sorted(errors + bad, key=lambda e: e["file"])
    activities = _activity_frame(ok)
    # The running figures (trends, weeks, crossover) count on-foot activities only; rides,
    # swims and other sports stay listed. Segment matching still sees every activity: a ride
    # rarely passes both gates of a trail descent, and its passes are listed by file.
    foot = activities["on_foot"].to_numpy(dtype=bool)
    running = activities[foot]
    # Weeks and trends need a calendar: an activity whose clock is unset or implausible is
    # counted in the totals but not placed in time (listed by Season.clock_problems).
    dated = running[running["clock_problem"].isna()]
    # Training load: heart-rate TRIMP, scaled by the runner's range (options, else the season);
    # without heart rate, from grade-adjusted pace against the threshold (option, else season).
    hists = [e.get("hr") or {} for e in ok]
    paces = [e.get("gap") or {} for e in ok]
    hr_range = season_hr_range([h for h, f in zip(hists, foot) if f], hr_max_bpm=hr_max_bpm,
                               hr_rest_bpm=hr_rest_bpm)
    counted = foot & activities["clock_problem"].isna().to_numpy()
    threshold = season_threshold([p for p, c in zip(paces, counted) if c], threshold_mps=threshold_gap_mps)
    loads, methods, scale = season_loads(hists, paces, hr_range, threshold, counted.tolist())
    activities["training_load"] = pd.array(loads, dtype="Float64").astype(float)
    activities["load_method"] = methods
    activities["load_source"] = [_LOAD_SOURCES.get(m) for m in methods]
    dated = activities.loc[dated.index]
    load = fitness_fatigue(dated["start_wall"], dated["training_load"])
    ok_foot = [e for e, f in zip(ok, foot) if f]
    segs = cached_segments(ok, config, store, digests, notes)
    for sg, (name, source) in zip(segs, segment_names(segs, [e["activity"] for e in ok], names or {})):
        sg["name"], sg["name_source"] = name, source
    seg_cols = ["segment_id", "name", "name_source", "direction", "start_lat", "start_lon", "end_lat", "end_lon",
                "length_m", "drop_m", "n_passes", "trend", "time_trend", "control_trend", "passes", "where"]
    segments = pd.DataFrame([{**s, "n_passes": len(s["passes"])} for s in segs], columns=seg_cols)
    trend = trend_function(store)  # cached: a warm season does not import scipy.stats
    trends = {
        "flat_cadence_spm": metric_trend(dated, "flat_cadence_spm", higher_is_better=True,
                                         tolerance_per_30d=1.0, trend=trend),
        "descent_control_score": metric_trend(dated, "descent_control_score", higher_is_better=True,
                                              tolerance_per_30d=2.0, trend=trend),
    }
    cross = cached_season_crossover([e["activity"].get("crossover_grade_pct") for e in ok_foot],
                                    [e.get("bouts") for e in ok_foot], config, store)
    # The season's crossover back into each activity's verdicts (issue 15).
    choices = {e["file"]: crossover_choices(e.get("bouts"), cross) for e in ok_foot}
    for key, col in (("ran_above_s", "ran_above_crossover_s"), ("hiked_below_s", "hiked_below_crossover_s")):
        activities[col] = [(choices.get(f) or {}).get(key, float("nan")) for f in activities["file"]]
    return Season(
        activities=activities,
        segments=segments,
        errors=all_errors,
        crossover_grade_pct=cross["grade_pct"],
        crossover=cross,
        trends=trends,
        weeks=weekly_technical(dated, time_column="start_wall"),
        analyses=with_season_reference({e["file"]: _with_season(e["analysis"], choices.get(e["file"])) for e in ok},
                                       on_foot=[e["file"] for e in ok_foot]),
        load=load,
        hr_range=hr_range,
        load_settings={**threshold, **scale},
        notes=notes,
    )
