"""What the web server's worker processes run: read + analyse an upload, render its answers.

Every job returns an :data:`Outcome` instead of raising, for two reasons: trailtech's errors
carry constructor arguments that do not survive pickling across a process boundary, and the
server must tell a bad file (answer 400 with the CLI's one line) from a bug (answer 500 and log
the traceback) without trusting what comes back from a worker that may have crashed.

A spawned worker imports this module (and with it ``trailtech``) before it runs
:func:`init_worker`.
"""

from __future__ import annotations

import json
import os
import signal
import traceback
from typing import Any, Dict, Literal, Optional, Tuple, Union

__all__ = ["Outcome", "RenderKind", "init_worker", "answer"]

#: ``("ok", value)``, ``("rejected", one-line message)`` for an unusable file, or
#: ``("bug", traceback text)`` for anything trailtech did not raise on purpose.
Outcome = Tuple[Literal["ok", "rejected", "bug"], Any]

RenderKind = Literal["json", "report", "flags_gpx"]


def init_worker(memory_limit_mb: Optional[int], parent_pid: Optional[int] = None) -> None:
    """Prepare a freshly spawned worker process.

    Interrupts ignored (see below); the worker exits when the server process is gone, even
    when the server was killed with SIGKILL and could not stop it; a cap on the address
    space, so that a hostile file that makes a reader or the 1 Hz grid balloon ends in
    ``MemoryError`` inside this worker rather than in the kernel's OOM killer choosing the
    server; the Agg backend for the report figures (matplotlib is imported later, by the
    first report); DataQualityWarnings silenced because they are already in
    ``Analysis.warnings``.

    Parameters
    ----------
    memory_limit_mb : int or None
        Address-space cap of this worker [MiB]; None for none.
    parent_pid : int, optional
        The server's process id; None for no watch.
    """
    from .._limits import cap_address_space, die_with_parent

    os.environ.setdefault("MPLBACKEND", "Agg")
    # Ctrl+C in a terminal reaches the whole process group; the server stops its workers
    # itself, so a worker must not die of the interrupt (and print a traceback) on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None:
        # The executor starts workers from whichever server thread submits a job; the kernel's
        # parent-death signal follows that thread, so only the watchdog is used here.
        die_with_parent(parent_pid, kernel_signal=False)
    cap_address_space(memory_limit_mb)
    import warnings

    from ..errors import DataQualityWarning

    warnings.simplefilter("ignore", DataQualityWarning)


def _guard(fn, *args, filename: str) -> Outcome:
    from ..errors import TrailtechError, error_line

    try:
        return ("ok", fn(*args))
    except TrailtechError as exc:
        # The same words as the command line's `trailtech: <file>: <problem>`.
        return ("rejected", error_line(exc, filename))
    except MemoryError:
        return ("rejected", f"{filename}: too large to analyse within the server's memory limit")
    except RecursionError:
        return ("rejected", f"{filename}: nested too deeply to read")
    except Exception:  # noqa: BLE001 - a bug: report it with its traceback, keep the worker
        return ("bug", traceback.format_exc())


def _load_and_analyze(source: Union[bytes, str], filename: str):
    import trailtech

    if not isinstance(source, bytes):
        # The server's temporary copy of the upload: read here, so that the bytes cross no
        # process boundary and the server process never holds them.
        with open(source, "rb") as f:
            source = f.read()
    return trailtech.analyze(trailtech.load(source, source=filename))


def _render(kind: RenderKind, analysis) -> bytes:
    if kind == "json":
        return json.dumps(analysis.to_dict(), ensure_ascii=False, allow_nan=False).encode("utf-8")
    if kind == "report":
        from ..report.html import render_report

        return render_report(analysis).encode("utf-8")
    if kind == "flags_gpx":
        # What `trailtech analyze --flags-gpx` writes: the one shared function.
        from ..export import line_practice_gpx

        return line_practice_gpx(analysis)
    raise ValueError(f"kind must be 'json', 'report' or 'flags_gpx', got {kind!r}")


def _answers(source: Union[bytes, str], filename: str,
             kinds: Tuple[RenderKind, ...]) -> Dict[str, bytes]:
    analysis = _load_and_analyze(source, filename)
    out = {kinds[0]: _render(kinds[0], analysis)}
    for kind in kinds[1:]:
        # The others are rendered ahead for the page's next requests, on a best-effort basis:
        # if one fails, its own request will run it again and report the failure then.
        try:
            out[kind] = _render(kind, analysis)
        except Exception:  # noqa: BLE001
            pass
    return out


def answer(source: Union[bytes, str], filename: str, kinds: Tuple[RenderKind, ...]) -> Outcome:
    """Read and analyse an upload (its bytes, or the path of its temporary file) and render the
    answers named in ``kinds``.

    ``kinds[0]`` is the answer asked for; the others are rendered too when they can be.

    The value of an ``"ok"`` outcome maps each kind to its encoded body: ``"json"`` the
    ``analyze --json`` document (UTF-8 JSON), ``"report"`` the HTML report (UTF-8),
    ``"flags_gpx"`` the line-practice GPX. Only these bytes cross back to the server process:
    an :class:`~trailtech.result.Analysis` can be large (its 1 Hz timeline), and the server
    should hold nothing a hostile file can inflate.
    """
    if not kinds:
        raise ValueError("kinds must name at least one answer")
    return _guard(_answers, source, filename, tuple(kinds), filename=filename)
