"""A season killed or interrupted leaves no process behind, and Ctrl+C is one line, exit 130.

Each test runs ``trailtech season`` in a child Python whose per-file work is replaced by a task
that marks its start and then hangs, so the workers are surely busy when the signal arrives;
every wait below is a bounded poll.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from . import _helpers as h

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to follow processes"),
]


def _season_child(folder: Path, *args: str, out: Path) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys
        from trailtech.season import work
        from tests.season import _helpers as h
        work.process = h.season_task_hangs_after_marking
        from trailtech.cli import main
        sys.exit(main(["season", {str(folder)!r}, "--no-cache", *{list(args)!r}]))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    # Output to files, not pipes: a worker left behind would hold a pipe open forever.
    with open(out.with_suffix(".out"), "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=stdout, stderr=stderr,
                                start_new_session=True)


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout_s:g} s")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int(Path(d, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                out.append(int(d.name))
    return out


def _two_busy_workers(tmp_path: Path, *args: str):
    for i in range(2):
        h.write(tmp_path / "runs" / f"run{i}.gpx", h.gpx_bytes(200, start=f"2026-06-0{i + 1}T08:00:00Z"))
    child = _season_child(tmp_path / "runs", "--jobs", "2", *args, out=tmp_path / "season")
    marks = [tmp_path / "runs" / f"run{i}.gpx.started" for i in range(2)]
    try:
        _wait_for(lambda: all(m.exists() and m.read_text() for m in marks), 120, "both workers busy")
    except AssertionError:
        child.kill()
        raise
    workers = [int(m.read_text()) for m in marks]
    return child, workers, _children(child.pid)  # the workers and multiprocessing's resource tracker


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_season_is_killed(tmp_path, sig):
    child, workers, children = _two_busy_workers(tmp_path)
    left = lambda: [p for p in children if _alive(p)]  # noqa: E731
    try:
        assert set(workers) <= set(children)
        os.kill(child.pid, sig)  # what `timeout`, `kill` and systemd send: only the parent dies
        child.wait(timeout=30)
        _wait_for(lambda: not left(), 10, "every worker and the resource tracker gone")
    finally:
        for p in left():
            os.kill(p, signal.SIGKILL)


def test_ctrl_c_is_one_line_exit_130_and_stops_the_workers(tmp_path):
    child, workers, children = _two_busy_workers(tmp_path)
    left = lambda: [p for p in children if p in workers and _alive(p)]  # noqa: E731
    try:
        os.killpg(child.pid, signal.SIGINT)  # Ctrl+C in a terminal: the whole process group
        assert child.wait(timeout=60) == 130
        _wait_for(lambda: not left(), 10, "every worker gone")
    finally:
        for p in left():
            os.kill(p, signal.SIGKILL)
        if child.poll() is None:
            child.kill()
    err = (tmp_path / "season.err").read_text()
    assert err == "trailtech: interrupted\n", err
