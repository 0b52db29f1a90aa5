"""The ``trailtech`` command: a thin shell over the library.

Parse options, call the library, print, and map errors to exit codes (see
``shared/design/cli-contract.md``)::

    trailtech info FILE [--json]
    trailtech analyze FILE [--json] [--report OUT.html] [--flags-gpx OUT.gpx]
    trailtech report FILE -o OUT.html
    trailtech season PATH... [--json] [--report OUT.html] [--out DIR] [--jobs N]
                             [--cache DIR | --no-cache] [--scheduler ADDRESS] [--sport NAME]
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
from typing import Any, Callable, Optional, Sequence

from . import cli_elevation as _elev
from ._version import __version__
from .cli_season import add_season_options, season_kwargs
from .cli_text import _analyze_text, _info_text, _season_text
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


def _cmd_info(args) -> int:
    track = _load(args.file)
    doc = track.to_dict()
    # Which of several activities this is: a note in the text (analyze --json lists it in "notes").
    _out(_dumps(doc) if args.json else _info_text(doc) + "".join(f"\nnote: {n}" for n in track.meta.notes))
    return EXIT_OK


# --------------------------------------------------------------------------- analyze



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


def _cmd_season(args) -> int:
    from .season import analyze_season

    # A report inside --out DIR may name a folder that the season's write creates first.
    report_in_out = bool(args.report and args.out) and (
        os.path.dirname(os.path.abspath(args.report)) == os.path.abspath(args.out))
    if args.report and not report_in_out:
        _check_output(args.report)
    if args.out:
        _check_out_dir(args.out)
    cache: Any = True
    if args.no_cache:
        cache = False
    elif args.cache:
        cache = args.cache
    try:
        extra = season_kwargs(args)
    except ValueError as exc:
        raise _CliError(str(exc)) from None
    season = analyze_season(args.paths, jobs=args.jobs, cache=cache, scheduler=args.scheduler, config=_elev.config(args),
                            **extra)
    for err in season.errors:
        print(f"trailtech: {err['file']}: {err['error']}", file=sys.stderr)
    # Every activity read but none of the wanted sport: an empty season, and its note says so.
    filtered_out = bool(args.sport) and len(season.activities) == 0 and any(n.startswith("--sport") for n in season.notes)
    if not season.errors and len(season.activities) == 0 and not filtered_out:
        print(f"trailtech: {' '.join(args.paths)}: no activity files found", file=sys.stderr)
        return EXIT_UNREADABLE
    _out(_dumps(season.to_dict()) if args.json else _season_text(season))
    if args.out:
        _writing(args.out, lambda: season.write(args.out))
    if args.report:
        _writing(args.report, lambda: season.report(args.report))
        if not args.json:
            _out(f"season report written to {args.report}" + (
                f" (and {len(season.activity_reports)} activity reports in {extra['activity_reports']})"
                if extra.get("activity_reports") else ""))
    if len(season.activities) == 0 and not filtered_out:
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
    add_season_options(s)
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
