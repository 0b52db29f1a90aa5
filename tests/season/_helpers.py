"""Helpers for the season tests: small activity files and picklable worker functions.

Worker functions live here (not in a test module) so that spawned pool processes can import
them by name.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
import zipfile
from pathlib import Path

import numpy as np

from tests.conftest import make_track


def gpx_bytes(n: int = 300, *, start: str = "2026-06-01T08:00:00Z", grade: float = -0.12,
              lat0: float = 45.0, lon0: float = 6.0, heading_deg: float = 90.0) -> bytes:
    """A small straight-line GPX activity (a steady descent by default)."""
    import pandas as pd

    from trailtech.io.gpx_write import to_gpx

    tr = make_track(n, grade=grade, lat0=lat0, lon0=lon0, heading_deg=heading_deg, ele0=1500.0,
                    speed_mps=2.5)
    shift = pd.Timestamp(start) - tr.samples["time"].iloc[0]
    tr.samples["time"] = tr.samples["time"] + shift
    return to_gpx(tr)


def run_file(run, days: float, fmt: str = "gpx") -> bytes:
    """A simulated run's track ``days`` later, as a GPX or FIT file (the season's input)."""
    import pandas as pd

    from trailtech.io.fit_write import to_fit
    from trailtech.io.gpx_write import to_gpx

    tr = run.track
    tr.samples["time"] = tr.samples["time"] + pd.Timedelta(days=days)
    return to_fit(tr) if fmt == "fit" else to_gpx(tr)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def strava_zip(path: Path, files: dict[str, bytes], names: dict[str, tuple[str, str]]) -> Path:
    """A zip with the Strava bulk-export layout: activities.csv + activities/<file>.

    ``names`` maps the member name (``activities/1.gpx.gz``) to (activity name, type).
    """
    header = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
              "Elapsed Time,Distance,Filename,Elapsed Time,Distance\n")
    rows = []
    for i, member in enumerate(files, start=1):
        name, kind = names.get(member, ("", ""))
        rows.append(f'{1000 + i},"Jun 1, 2026, 8:00:00 AM","{name}",{kind},,600,1.5,{member},600.0,1500.0\n')
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", header + "".join(rows))
        zf.writestr("profile.csv", "Email Address\nrunner@example.org\n")
        for member, data in files.items():
            zf.writestr(member, data)
    return path


def gz(data: bytes) -> bytes:
    """``data`` gzipped, the same bytes every call (a fixed header time: two calls a second
    apart must not differ)."""
    return gzip.compress(data, mtime=0)


# ----------------------------------------------------------------- picklable pool workers


def work_ok(task):
    return {"file": str(task), "ok": True, "value": task * 2}


def work_crash_on_3(task):
    if task == 3:
        os._exit(13)  # a worker dying hard: segfault, OOM kill
    time.sleep(0.05)
    return {"file": str(task), "ok": True, "value": task * 2}


def work_hang_on_2(task):
    if task == 2:
        time.sleep(600)
    return {"file": str(task), "ok": True, "value": task * 2}


def work_raise_on_1(task):
    if task == 1:
        raise RuntimeError("boom")
    return {"file": str(task), "ok": True, "value": task * 2}


def wiggly_line(n: int, *, seed: int, lat0: float = 45.0, lon0: float = 6.0, noise_m: float = 3.0):
    """Lat/lon of a gently curving trail sampled every 5 m, with GPS noise."""
    rng = np.random.default_rng(seed)
    s = np.arange(n) * 5.0
    x = s
    y = 40.0 * np.sin(s / 120.0)
    x = x + rng.normal(0, noise_m, n)
    y = y + rng.normal(0, noise_m, n)
    lat = lat0 + np.rad2deg(y / 6371008.8)
    lon = lon0 + np.rad2deg(x / (6371008.8 * np.cos(np.deg2rad(lat0))))
    return lat, lon


def work_hang_forever_on_2(task):
    if task == 2:
        threading.Event().wait()  # a reader stuck for good: only killing the worker ends it
    return {"file": str(task), "ok": True, "value": task * 2}


def slow_init(seconds):
    """A worker initializer slower than the tasks' time limit (a loaded machine importing numpy)."""
    time.sleep(seconds)


def failing_init():
    raise RuntimeError("cannot initialise")


def hanging_init():
    threading.Event().wait()


def work_alloc_4gib(task):
    """Reserve 4 GiB of address space without touching it: fine unless the worker is capped."""
    block = np.empty(4 << 30, dtype=np.uint8)
    return {"file": str(task), "ok": True, "value": int(block.nbytes)}


def season_task_sleeps_30s(task):
    """Stands in for ``trailtech.season.work.process`` on a file whose analysis hangs (bounded,
    so that a runner without a time limit fails the test instead of hanging it)."""
    time.sleep(30)
    return {"file": task.source.file, "ok": False, "error": "slept 30 s", "cacheable": False}


def season_task_needs_4gib(task):
    """Stands in for ``work.process`` on a file whose analysis needs 4 GiB."""
    from trailtech.season.work import process

    np.empty(4 << 30, dtype=np.uint8)
    return process(task)


def season_task_hangs_after_marking(task):
    """Writes ``<file>.started`` next to the activity, then hangs (for the signal tests)."""
    Path(task.source.path + ".started").write_text(str(os.getpid()))
    threading.Event().wait()


#: Environment variable naming the file :func:`counting_process` appends to (workers inherit it).
ANALYSIS_LOG_ENV = "TRAILTECH_TEST_ANALYSIS_LOG"


def counting_process(task):
    """``work.process`` that appends the file's name to the log named in the environment when
    the file was analysed, so a test can count the analyses its season ran in worker processes
    (a file that does not load is not counted)."""
    from trailtech.season.work import process

    entry = process(task)
    if entry.get("ok"):
        with open(os.environ[ANALYSIS_LOG_ENV], "a", encoding="utf-8") as fh:
            fh.write(task.source.file + "\n")
    return entry


class FifoWatch:
    """Tells whether anything opened a FIFO for reading, without ever blocking the test.

    A thread opens the FIFO for writing, which blocks until a reader opens it: if discovery
    opens the FIFO (as it used to, hanging forever without a writer), the thread goes on and
    sets ``opened``. At the end the test opens it itself, non-blocking, to release the thread.
    """

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        fd = os.open(self.path, os.O_WRONLY)
        self.opened.set()
        os.close(fd)

    def release(self):
        opened = self.opened.is_set()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self.thread.join(timeout=10)
        os.close(fd)
        return opened
