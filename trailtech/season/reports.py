"""Each activity's own HTML report, written beside the season report and linked from it.

A report needs the whole analysis (the 1 Hz timeline its figures draw), which the season's
compact cache entries do not keep. So the report is drawn in the worker that analyses the file
(:func:`trailtech.season.work.process` with ``Task.report``), right after the analysis, and sent
back with the entry; :class:`ReportSink` writes it and caches it (gzipped, apart from the entry,
so a warm season that wants no reports never reads them). A warm run with reports copies the
cached ones; an activity whose report is not cached yet is analysed again in a worker.

Drawing costs about 2-4 s of CPU per activity (matplotlib figures), spread over the workers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Optional, Union

from .._outfile import ensure_folder, write_output
from .cache import ResultCache, content_hash

__all__ = ["ReportSink", "report_names", "reports_folder", "safe_names"]


def reports_folder(season_report: Union[str, os.PathLike]) -> Path:
    """Where the activity reports of a season report go: ``season.html`` ->
    ``season_activities/`` beside it."""
    p = Path(season_report)
    return p.with_name(f"{p.stem}_activities")


def safe_names(files: list[str], suffix: str) -> list[str]:
    """A distinct, file-system-safe ``<stem><suffix>`` per activity file, in the given order
    (a second ``run.gpx`` elsewhere becomes ``run-2``)."""
    out, seen = [], {}
    for f in files:
        f, part = re.fullmatch(r"(.*?)(?:#(\d+))?", f, flags=re.S).groups()  # file#2: its 2nd activity
        base = re.sub(r"\.(fit|gpx|tcx)(\.gz)?$", "", Path(f.split("!")[-1]).name, flags=re.I) + (
            f"_{part}" if part else "")
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "activity"
        n = seen.get(base.lower(), 0) + 1
        seen[base.lower()] = n
        out.append(f"{base}{suffix}" if n == 1 else f"{base}-{n}{suffix}")
    return out


def report_names(files: list[str]) -> dict[str, str]:
    """``file -> <stem>.html`` (in file order, so the same set of files always gets the same
    names)."""
    ordered = sorted(files)
    return dict(zip(ordered, safe_names(ordered, ".html")))


class ReportSink:
    """Writes activity reports into a folder as they come, from the cache or from a worker.

    Parameters
    ----------
    folder : path
        The reports folder (created; must be a real folder, not a symlink).
    files : list of str
        Every activity file the season reads (their report names are fixed up front).
    store : ResultCache, optional
        Where drawn reports are cached (key: the file's content hash and name).
    """

    def __init__(self, folder: Union[str, os.PathLike], files: list[str], store: Optional[ResultCache]):
        self.folder = Path(folder)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        ensure_folder(self.folder)
        self.names = report_names(files)
        self.store = store
        #: file -> the report written for it.
        self.written: dict[str, Path] = {}
        self.from_cache = 0
        self.drawn = 0

    def _key(self, file: str, digest: str) -> str:
        return "report:" + content_hash(f"{digest}:{file}".encode("utf-8", "surrogateescape"))

    def from_store(self, file: str, digest: str, entry: Optional[dict] = None) -> bool:
        """Write the cached report of ``file`` (of each activity, ``file#1`` ..., when its cached
        ``entry`` has several); False when there is none (draw it)."""
        parts = (entry or {}).get("parts") or ()
        if parts:
            return all(self.from_store(f"{file}#{k + 1}", digest) for k in range(len(parts)))
        if self.store is None:
            return False
        hit = self.store.get(self._key(file, digest), check=_is_report)
        if hit is None:
            return False
        self._write(file, hit["html"])
        self.from_cache += 1
        return True

    def take(self, file: str, digest: str, entry: dict) -> None:
        """Write (and cache) the report a worker drew into ``entry`` (popped from it), or into
        each part of a file of several activities."""
        for part in entry.get("parts") or ():
            self.take(part["file"], digest, part)
        html = entry.pop("report_html", None)
        if not isinstance(html, str):
            return
        self._write(file, html)
        self.drawn += 1
        if self.store is not None:
            self.store.put(self._key(file, digest), {"file": file, "html": html})

    def _write(self, file: str, html: str) -> None:
        path = self.folder / self.names.get(file, report_names([file])[file])
        self.written[file] = write_output(path, html.encode("utf-8", "backslashreplace"))

    def keep_only(self, files: set[str]) -> None:
        """Delete the reports of files the season left out (another file of the same activity)."""
        for f in [f for f in self.written if f not in files]:
            try:
                self.written.pop(f).unlink()
            except OSError:
                pass


def _is_report(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("html"), str) and isinstance(entry.get("file"), str)
