"""The ``trailtech`` command: a thin shell over the library.

Parse options, call the library, print, and map errors to exit codes (see
``shared/design/cli-contract.md``)::

    trailtech info FILE [--json]
    trailtech analyze FILE [--json] [--report OUT.html] [--flags-gpx OUT.gpx]
    trailtech report FILE -o OUT.html
    trailtech season PATH... [--json] [--report OUT.html] [--out DIR] [--jobs N]
                             [--cache DIR | --no-cache] [--scheduler ADDRESS]
    trailtech serve [--host 127.0.0.1] [--port 8000] [--open] [--max-upload-mb 64]
    trailtech --version

Exit codes: 0 ok; 1 (season only) some files could not be read; 2 unreadable input, bad
usage or an I/O failure; 130 interrupted (Ctrl+C). Every error is one line on stderr:
a :class:`~trailtech.errors.TrailtechError` is ``trailtech: <file>: <problem>``, a bad argument
``trailtech <command>: <problem> ...``, an input or output that cannot be read or written
(a name too long, a closed standard input, a full disk or a full standard output) names it.
Any other exception is a bug and keeps its traceback.

Outputs are written by :func:`trailtech._outfile.write_output`: atomically, never through a
symbolic link, never over a folder or a device.

Nothing here imports matplotlib unless a report is asked for.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import stat
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from . import cli_elevation as _elev
from ._version import __version__
from .errors import DataQualityWarning, TrailtechError, error_line

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_UNREADABLE = 2
#: 128 + SIGINT, what a shell reports for a command stopped by Ctrl+C.
EXIT_INTERRUPTED = 130


class _CliError(Exception):
    """A problem the user can fix (missing file, unwritable output): one line, exit 2."""


# --------------------------------------------------------------------------- helpers


class _StdoutError(Exception):
    """Standard output cannot be written (a full disk, a closed pipe other than EPIPE)."""


def _fail(message: str) -> int:
    print(f"trailtech: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_UNREADABLE


def _out(text: str = "") -> None:
    """Print to standard output; a failure to write is one error line, not a traceback."""
    try:
        print(text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _StdoutError(exc.strerror or str(exc)) from exc


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _dumps(doc: Any) -> str:
    return json.dumps(doc, allow_nan=False, ensure_ascii=False, indent=2)


def _check_input(file: str) -> None:
    if file == "-":
        if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
            raise _CliError("-: standard input is closed; give a file, or pipe one in")
        return
    try:
        mode = os.stat(file).st_mode
    except FileNotFoundError:
        raise _CliError(f"{file}: no such file") from None
    except OSError as exc:  # a name too long, a folder that cannot be searched
        raise _CliError(f"{file}: {_reason(exc)}") from None
    if stat.S_ISDIR(mode):
        raise _CliError(f"{file}: is a folder, not an activity file (use `trailtech season`)")


def _load(file: str):
    from .io import load

    _check_input(file)
    try:
        return load(file)
    except OSError as exc:  # unreadable (permissions, I/O): the user's problem, not a bug
        if exc.filename is not None and os.fspath(exc.filename) == file:
            raise _CliError(f"{file}: {exc.strerror or exc}") from exc
        raise


def _check_output(path: str) -> None:
    """Refuse an output file before any work: a symlink, a folder, a device, a missing folder."""
    from ._outfile import output_refusal

    try:
        reason = output_refusal(path)
        if reason is not None:
            raise _CliError(f"{path}: cannot write: {reason}")
        parent = os.path.dirname(os.path.abspath(path))
        if not stat.S_ISDIR(os.stat(parent).st_mode):
            raise _CliError(f"{path}: cannot write: {parent} is not a folder")
    except FileNotFoundError:
        raise _CliError(f"{path}: cannot write: folder {os.path.dirname(os.path.abspath(path))} "
                        "does not exist") from None
    except OSError as exc:
        raise _CliError(f"{path}: cannot write: {_reason(exc)}") from None


def _check_out_dir(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # created by the season's write
    except OSError as exc:
        raise _CliError(f"{path}: cannot write: {_reason(exc)}") from None
    if not stat.S_ISDIR(mode):
        raise _CliError(f"{path}: cannot write: not a folder (--out takes a folder)")


def _writing(path: str, write: Callable[[], Any]) -> None:
    """Run ``write``; an OS error (permissions, read-only disk, full disk) is the user's to fix:
    one line naming the output, exit 2, never a traceback."""
    try:
        write()
    except OSError as exc:  # named by the file that failed: one inside --out DIR, say
        raise _CliError(f"{exc.filename or path}: cannot write: {_reason(exc)}") from exc


def _fmt(value: Any, unit: str = "", *, scale: float = 1.0, nd: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * scale:,.{nd}f}{unit}"


def _signed_m(value: Any, sign: str) -> str:
    """An ascent (``+``) or descent (``-``) in metres; a lone dash when missing (never ``+–``)."""
    text = _fmt(value, " m")
    return text if text == "–" else sign + text


def _crossover_text(hr: dict) -> str:
    """The crossover grade with its interval, or why there is none (issue 15)."""
    if hr.get("crossover_grade_pct") is None:
        return "– (" + (hr.get("crossover_reason_text") or "not found") + ")"
    ci = hr.get("crossover_ci_pct")
    return _fmt(hr["crossover_grade_pct"], " %", nd=1) + (
        f" ({ci[0]:.1f}–{ci[1]:.1f} %, observed)" if ci else "")


def _hms(seconds: Any) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _pace(speed_mps: Any) -> str:
    """A speed [m/s] as a runner's pace, min:s per km."""
    if speed_mps is None or not speed_mps > 0:
        return "–"
    s = int(round(1000.0 / float(speed_mps)))
    return f"{s // 60}:{s % 60:02d} /km"


def _kv(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 0) -> str:
    """An aligned text table; the first ``left`` columns are left-aligned, the rest right."""
    cols = list(zip(*([list(header)] + [list(r) for r in rows])))
    widths = [max(len(c) for c in col) for col in cols]

    def line(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            out.append(c.ljust(w) if i < left else c.rjust(w))
        return "  ".join(out).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows])


# --------------------------------------------------------------------------- info


def _info_text(doc: dict) -> str:
    has = doc["has"]
    sensors = [name.replace("_", " ") for name, v in has.items()
               if v and name != "barometric_elevation"]
    if has.get("elevation") and doc.get("elevation_source"):  # device table, else the signal
        sensors = [("elevation (barometric)" if doc["elevation_source"] == "barometric" else "elevation (GPS)")
                   if s == "elevation" else s for s in sensors]
    t = doc["device_totals"]
    totals = ", ".join(x for x in [
        _fmt(t["distance_m"], " km", scale=1e-3, nd=2) if t["distance_m"] is not None else "",
        _signed_m(t["ascent_m"], "+") if t["ascent_m"] is not None else "",
        _signed_m(t["descent_m"], "-") if t["descent_m"] is not None else "",
        # The FIT session's total_timer_time: time with the timer running, not moving time.
        f"timer {_hms(t['moving_time_s'])}" if t["moving_time_s"] is not None else "",
    ] if x) or "–"
    rows = [
        ("file", doc["file"]),
        ("format", doc["format"]),
        ("sport", doc["sport"] or "–"),
        ("device", doc["device"] or "–"),
        ("start time", doc["start_time"] or "–"),
        ("duration", _hms(doc["duration_s"])),
        ("samples", f"{doc['samples']:,}"),
        ("sensors", ", ".join(sensors) or "–"),
        ("device totals", totals),
    ]
    out = _kv(rows)
    for w in doc["warnings"]:
        out += f"\nwarning: {w}"
    return out


def _cmd_info(args) -> int:
    track = _load(args.file)
    doc = track.to_dict()
    _out(_dumps(doc) if args.json else _info_text(doc))
    return EXIT_OK


# --------------------------------------------------------------------------- analyze


def _analyze_text(doc: dict) -> str:
    s = doc["summary"]
    hr = doc["hike_run"]
    head = _kv([
        ("file", doc["file"]),
        ("sport / device", f"{doc['sport'] or '–'} / {doc['device'] or '–'}"),
        ("start time", doc["start_time"] or "–"),
        ("distance", _fmt(s["distance_m"], " km", scale=1e-3, nd=2)),
        ("time (moving)", f"{_hms(s['duration_s'])} ({_hms(s['moving_time_s'])})"),
        ("ascent / descent", f"{_signed_m(s['ascent_m'], '+')} / {_signed_m(s['descent_m'], '-')}"),
        ("elevation", "–" if s["min_elevation_m"] is None and s["max_elevation_m"] is None
         else f"{_fmt(s['min_elevation_m'], ' m')} – {_fmt(s['max_elevation_m'], ' m')}"),
        ("pace", f"{_pace(s['avg_speed_mps'])} ({_pace(s['gap_speed_mps'])} grade-adjusted)"),
        ("flat cadence", _fmt(s["flat_cadence_spm"], " spm")),
        ("hike / run", f"{_hms(s['hike_time_s'])} / {_hms(s['run_time_s'])} (by {hr['method']})"),
        ("crossover grade", _crossover_text(hr)),
        ("hike / run effort", (hr.get("effort") or {}).get("text") or "–"),
        ("technical descent", _fmt(s["technical_distance_m"], " m")),
        ("descent control", _fmt(s["descent_control_score"], " / 100")),
    ])
    parts = [head]
    if doc["climbs"]:
        rows = [[f"{c['start_m'] / 1000:.2f}", _fmt(c["length_m"], " m"), _fmt(c["gain_m"], " m"),
                 _fmt(c["avg_grade_pct"], " %", nd=1), _fmt(c["hike_fraction"], " %", scale=100),
                 _fmt(c["hike_vam_m_per_h"], " m/h"), _fmt(c["run_vam_m_per_h"], " m/h")]
                for c in doc["climbs"]]
        parts.append("climbs\n" + _table(
            ["at km", "length", "gain", "grade", "hiked", "hike VAM", "run VAM"], rows))
    if doc["descents"]:
        rows = [[f"{d['start_m'] / 1000:.2f}", _fmt(d["length_m"], " m"), _fmt(d["drop_m"], " m"),
                 _fmt(d["avg_grade_pct"], " %", nd=1), _fmt(d["control_score"]),
                 _fmt(d["cadence_delta_spm"], " spm", nd=1), _fmt(d["braking_events"]),
                 _fmt(d["technicality"], nd=2)]
                for d in doc["descents"]]
        parts.append("descents\n" + _table(
            ["at km", "length", "drop", "grade", "control", "Δcadence", "brakes", "technical"], rows))
    if doc["line_practice"]:
        rows = [[str(p["rank"]), f"{p['start_m'] / 1000:.2f}", _fmt(p["length_m"], " m"),
                 _fmt(p["avg_grade_pct"], " %", nd=1), _fmt(p["control_score"]),
                 _fmt(p["time_lost_s"], " s")]
                for p in doc["line_practice"]]
        lines = _table(["#", "at km", "length", "grade", "control", "lost"], rows).split("\n")
        out = [lines[0]]
        for line, p in zip(lines[1:], doc["line_practice"]):
            out.append(line)
            # The coaching reasons read best as their own indented lines under each stretch.
            out.extend(f"     - {r}" for r in p.get("reasons") or [])
        parts.append("line practice (practise #1 first)\n" + "\n".join(out))
    if doc["repeats"]:
        from .report.htmlkit import fmt_duration as mss  # pass times m:ss, as in the HTML report
        rows = [[f"{r['start_m'] / 1000:.2f}", _fmt(r["length_m"], " m"), str(r["direction"]), str(len(r["passes"])),
                 " / ".join(mss(p.get("duration_s")) for p in r["passes"]), str(r["trend"] or "–")] for r in doc["repeats"]]
        parts.append("repeats\n" + _table(["at km", "length", "direction", "passes", "pass times", "trend"], rows))
    lines = [f"note: {label}: km {f['start_m'] / 1000:.2f}–{f['end_m'] / 1000:.2f} at "
             f"{_fmt(f['avg_grade_pct'], ' %', nd=1)}" for flag, label in (
                 ("ran_should_hike", "ran, hiking was as fast"),
                 ("hiked_could_run", "hiked, running was clearly faster")) for f in hr.get(flag) or []]
    lines += [f"note: {n}" for n in doc.get("notes") or []] + [f"warning: {w}" for w in doc["warnings"]]
    parts += ["\n".join(lines)] if lines else []  # notes, decisions, warnings: one block
    return "\n\n".join(parts)


def write_flags_gpx(analysis, path: str) -> None:
    """Write the line-practice targets of ``analysis`` as a GPX course file (one track and a
    start waypoint per candidate, in rank order; a valid empty GPX when there are none)."""
    from ._outfile import write_output
    from .export import line_practice_gpx

    write_output(path, line_practice_gpx(analysis))


def _write_report(analysis, path: str, offline: bool = False) -> None:
    from ._outfile import write_output
    from .report.html import render_report

    # A file name that is not UTF-8 shows as \udcNN rather than failing the write.
    write_output(path, render_report(analysis, offline=offline).encode("utf-8", "backslashreplace"))


def _cmd_analyze(args) -> int:
    from .pipeline import analyze

    for out in (args.report, args.flags_gpx):
        if out:
            _check_output(out)
    track = _load(args.file)
    analysis = analyze(track, _elev.config(args))
    doc = analysis.to_dict()
    _out(_dumps(doc) if args.json else _analyze_text(doc))
    if args.report:
        _writing(args.report, lambda: _write_report(analysis, args.report))
        if not args.json:
            _out(f"\nreport written to {args.report}")
    if args.flags_gpx:
        _writing(args.flags_gpx, lambda: write_flags_gpx(analysis, args.flags_gpx))
        if not args.json:
            _out(f"line-practice course written to {args.flags_gpx}")
    return EXIT_OK


def _cmd_report(args) -> int:
    from .pipeline import analyze

    _check_output(args.output)
    track = _load(args.file)
    analysis = analyze(track, _elev.config(args))
    _writing(args.output, lambda: _write_report(analysis, args.output, args.offline))
    _out(f"report written to {args.output}")
    return EXIT_OK


# --------------------------------------------------------------------------- season


#: Weeks shown in the text summary (the JSON and --out keep every week).
_TEXT_WEEKS = 12


def _foot_mark(a: dict) -> str:
    """"*" for an activity the running figures leave out, "~" for one they count in part."""
    if not a.get("on_foot", True):
        return "*"
    d, foot = a.get("distance_m"), a.get("on_foot_distance_m")
    return "~" if d and foot is not None and foot < 0.99 * d else ""


def _season_text(season) -> str:
    doc = season.to_dict()
    parts = []
    if doc["activities"]:
        rows = []
        for a in doc["activities"]:
            # A star marks an activity listed but left out of the running figures (a ride, a
            # swim); a tilde one whose running figures count only its on-foot part (multisport).
            sport = (a.get("sport") or "–") + _foot_mark(a)
            rows.append([(a.get("start_time_local") or a["start_time"] or "–")[:10], sport, Path(a["file"]).name,
                         _fmt(a["distance_m"], " km", scale=1e-3, nd=1), _signed_m(a["ascent_m"], "+"),
                         _hms(a["moving_time_s"]), _fmt(a["descent_control_score"]),
                         _hms(a["hike_time_s"]), _fmt(a["crossover_grade_pct"], " %", nd=1),
                         str(a["line_practice_count"])])
        parts.append(_table(["date", "sport", "file", "distance", "ascent", "moving", "control", "hiked",
                             "crossover", "practice"], rows, left=3))
        dups = [f"  {Path(a['file']).name} (kept), also " + ", ".join(Path(d).name for d in a["duplicates"])
                for a in doc["activities"] if a.get("duplicates")]
        if dups:
            parts.append("same activity in several files, counted once:\n" + "\n".join(dups))

    from .report.season_text import collapse_empty_weeks, not_counted_text, trend_text

    run = doc.get("running") or {}
    if run:
        n_run = run["activities"]
        parts.append(f"running figures ({n_run} on-foot activit{'y' if n_run == 1 else 'ies'}): "
                     f"{_fmt(run['distance_m'], ' km', scale=1e-3, nd=1)}, {_signed_m(run['ascent_m'], '+')} climbing"
                     + (f"\n* {not_counted_text(run)}" if run.get("not_counted") else "")
                     + ("\n~ multisport: only the on-foot part is counted"
                        if any(_foot_mark(a) == "~" for a in doc["activities"]) else ""))
    parts.append(f"season crossover grade: {_fmt(doc['crossover_grade_pct'], ' %', nd=1)}")
    trends = doc.get("trends") or {}

    for key, label in (("flat_cadence_spm", "flat cadence"), ("descent_control_score", "descent control")):
        if trends.get(key):
            parts.append(f"{label}: {trend_text(key, trends[key])}")

    # Runs of weeks without activities are one row each (the JSON keeps every week).
    weeks = collapse_empty_weeks(doc.get("weeks") or [])[-_TEXT_WEEKS:]
    if weeks:
        rows = [[w["label"], "–", "–", f"no activities ({w['n_weeks']} week{'s' if w['n_weeks'] > 1 else ''})"]
                if w["empty"] else
                [w["week"], _fmt(w["technical_distance_m"], " km", scale=1e-3, nd=1),
                 str(w["technical_sessions"]), w["verdict"]] for w in weeks]
        wide = max(len(r[-1]) for r in rows)
        rows = [r[:-1] + [r[-1].ljust(wide)] for r in rows]  # the verdict reads left-aligned
        parts.append(f"technical sessions per week since {weeks[0]['week']} (coaches suggest 1–2)\n"
                     + _table(["week", "technical", "sessions", ""], rows, left=1))
    if doc["segments"]:
        rows = []
        for s in doc["segments"]:
            times = " ".join(_fmt(p["duration_s"], "s") for p in s["passes"])
            # Time and control are judged on their own (season.match.segment_trend); both are
            # shown so the reader sees which moved.
            scores = (" ".join(_fmt(p.get("control_score")) for p in s["passes"])
                      if s.get("direction") == "down" else "–")
            rows.append([s["segment_id"], _fmt(s["length_m"], " m"), _fmt(s["drop_m"], " m"),
                         str(len(s["passes"])), str(s["trend"] or "–"), times, scores])
        parts.append("segments met more than once (a negative drop is a climb)\n" + _table(
            ["segment", "length", "drop", "passes", "trend", "times", "control"], rows, left=1))
    if doc.get("clock_problems"):
        parts.append("left out of weeks and trends (their clock cannot be trusted)\n" + "\n".join(
            f"  {c['file']}: {c['reason']}" for c in doc["clock_problems"]))
    n_ok, n_bad = len(doc["activities"]), len(doc["errors"])
    n_dup = sum(len(a.get("duplicates") or []) for a in doc["activities"])
    parts.append(f"{n_ok} activities read"
                 + (f" (plus {n_dup} duplicate files of them, counted once)" if n_dup else "")
                 + (f", {n_bad} could not be read" if n_bad else ""))
    return "\n\n".join(parts)


def _cmd_season(args) -> int:
    from .season import analyze_season

    if args.report:
        _check_output(args.report)
    if args.out:
        _check_out_dir(args.out)
    cache: Any = True
    if args.no_cache:
        cache = False
    elif args.cache:
        cache = args.cache
    season = analyze_season(args.paths, jobs=args.jobs, cache=cache, scheduler=args.scheduler, config=_elev.config(args))
    for err in season.errors:
        print(f"trailtech: {err['file']}: {err['error']}", file=sys.stderr)
    if not season.errors and len(season.activities) == 0:
        print(f"trailtech: {' '.join(args.paths)}: no activity files found", file=sys.stderr)
        return EXIT_UNREADABLE
    _out(_dumps(season.to_dict()) if args.json else _season_text(season))
    if args.out:
        _writing(args.out, lambda: season.write(args.out))
    if args.report:
        _writing(args.report, lambda: season.report(args.report))
        if not args.json:
            _out(f"season report written to {args.report}")
    if len(season.activities) == 0:
        return EXIT_UNREADABLE
    return EXIT_SOME_FAILED if season.errors else EXIT_OK


# --------------------------------------------------------------------------- serve


def _cmd_serve(args) -> int:
    try:
        from .web import serve
    except ImportError as exc:
        if getattr(exc, "name", None) and exc.name.split(".")[0] in ("starlette", "uvicorn", "multipart",
                                                                      "python_multipart"):
            raise _CliError(f"serve: needs the web extra ({exc.name} is missing): "
                            "pip install 'trailtech[web]'") from exc
        raise
    serve(host=args.host, port=args.port, open_browser=args.open, max_upload_mb=args.max_upload_mb)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: ``trailtech: serve: argument --port: ...``."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        command = self.prog.split(" ", 1)[1:]  # "trailtech serve" -> ["serve"]
        where = "".join(f"{c}: " for c in command)
        self.exit(EXIT_UNREADABLE, f"trailtech: {where}{' '.join(message.split())} "
                                   f"(see usage: {self.prog} --help)\n")


def _port(text: str) -> int:
    """A TCP port, 1-65535, or 0 for any free port (the page announces the one it got)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def _positive_mb(text: str) -> float:
    try:
        mb = float(text)
    except ValueError:
        mb = math.nan
    if not (math.isfinite(mb) and mb > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive size in MB")
    return mb


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n}: give 1 or more worker processes")
    return n


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``trailtech`` command."""
    p = _Parser(
        prog="trailtech",
        description="Coaching on technical trail terrain from watch files (FIT, GPX, TCX, gzipped).",
    )
    p.add_argument("--version", action="version", version=f"trailtech {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)

    s = sub.add_parser("info", help="what a file holds, no analysis")
    s.add_argument("file", metavar="FILE", help="activity file, or - for standard input")
    s.add_argument("--json", action="store_true", help="print the JSON document instead of the text summary")
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("analyze", help="the full analysis of one activity")
    s.add_argument("file", metavar="FILE", help="activity file, or - for standard input")
    s.add_argument("--json", action="store_true", help="print the JSON document instead of the text summary")
    s.add_argument("--report", metavar="OUT.html", help="also write the HTML report")
    s.add_argument("--flags-gpx", metavar="OUT.gpx",
                   help="also write the line-practice stretches as GPX courses for your watch")
    s.set_defaults(func=_cmd_analyze)

    s = sub.add_parser("report", help="self-contained HTML report of one activity")
    s.add_argument("file", metavar="FILE", help="activity file, or - for standard input")
    s.add_argument("-o", "--output", metavar="OUT.html", required=True, help="report file to write")
    s.add_argument("--offline", action="store_true", help="no OpenStreetMap view: never reach the network")
    s.set_defaults(func=_cmd_report)

    s = sub.add_parser("season", help="every activity under the paths (folders, Strava export .zip)")
    s.add_argument("paths", metavar="PATH", nargs="+", help="files, folders or Strava export .zip")
    s.add_argument("--json", action="store_true", help="print the season JSON")
    s.add_argument("--report", metavar="OUT.html", help="write the season HTML report")
    s.add_argument("--out", metavar="DIR", help="write activities.csv, segments.csv and one JSON per activity")
    s.add_argument("--jobs", type=_positive_int, metavar="N", help="worker processes (default: all cores)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--cache", metavar="DIR", help="cache folder (default: the user cache folder)")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    s.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing dask.distributed cluster")
    s.set_defaults(func=_cmd_season)

    s = sub.add_parser("serve", help="the local upload page")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    s.add_argument("--open", action="store_true", help="open the page in a browser")
    s.add_argument("--max-upload-mb", type=_positive_mb, default=64, metavar="MB",
                   help="largest upload accepted (default 64)")
    s.set_defaults(func=_cmd_serve)
    _elev.add_to(sub, load=_load, out=_out)  # --dem, --elevation-source and `dem fetch`
    return p


def _discard_stdout() -> None:
    """Point standard output at the null device, so that what is still buffered cannot fail a
    second time when Python flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    if sys.stdout is not None and hasattr(sys.stdout, "reconfigure"):
        # A name that is not UTF-8 (L\xe4uf.fit), or a character the terminal's encoding
        # lacks, is printed escaped instead of failing the command.
        sys.stdout.reconfigure(errors="backslashreplace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse already printed
        return int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    func: Callable[[Any], int] = args.func
    file = getattr(args, "file", None)
    try:
        with warnings.catch_warnings():
            # Data-quality notes are part of the result (text summary, JSON "warnings"),
            # so they are not printed a second time as Python warning lines.
            warnings.simplefilter("ignore", DataQualityWarning)
            code = func(args)
        if sys.stdout is not None:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _StdoutError(_reason(exc)) from exc
        return code
    except (_CliError, _elev.OptionError) as exc:
        return _fail(str(exc))
    except TrailtechError as exc:
        return _fail(error_line(exc, "<stdin>" if file == "-" else file))
    except BrokenPipeError:  # `trailtech ... | head`: not an error worth a traceback
        _discard_stdout()
        return EXIT_OK
    except _StdoutError as exc:
        _discard_stdout()
        return _fail(f"standard output: cannot write: {exc}")
    except OSError as exc:  # an input or a folder that cannot be read: the user's to fix
        where = exc.filename if exc.filename is not None else ("<stdin>" if file == "-" else file)
        if exc.errno == errno.ENAMETOOLONG:
            return _fail(f"{where}: file name too long")
        if exc.errno == errno.EBADF and file == "-" and exc.filename is None:
            return _fail("-: standard input is closed; give a file, or pipe one in")
        return _fail(f"{where}: {_reason(exc)}" if where else _reason(exc))
    except KeyboardInterrupt:
        # The season's workers are stopped by its runner on the way out.
        print("trailtech: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
