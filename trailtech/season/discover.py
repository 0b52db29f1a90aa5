"""Find the activity files under a set of paths.

Folders are searched recursively; a file is recognised by its content (FIT header, GPX or TCX
root element, the same inside gzip), not by its name, so ``notes.txt`` and ``photo.jpg`` are
skipped quietly while a renamed ``run.dat`` holding FIT data is found. A zip (a Strava bulk
export, or any zip of activity files) is read in place.

A file whose *name* says it is an activity (``.fit``, ``.gpx.gz`` ...) but whose content is
not readable is still listed: the season reports it as an error instead of losing it.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

from ..io.archive import ACTIVITY_SUFFIXES, list_archive, read_member
from ..errors import TrackReadError

__all__ = ["Source", "sniff", "discover"]

_HEAD_BYTES = 4096


@dataclass(frozen=True)
class Source:
    """One activity file to analyse: a file on disk or a member of a zip.

    Attributes
    ----------
    file : str
        The name used in results and messages (``path``, or ``archive.zip/member``).
    path : str
        The file on disk (the zip for an archive member).
    member : str or None
        Member name inside the zip.
    name, activity_type : str or None
        Activity name and type from a Strava export's ``activities.csv``.
    """

    file: str
    path: str
    member: Optional[str] = None
    name: Optional[str] = None
    activity_type: Optional[str] = None

    def read_bytes(self) -> bytes:
        """The raw bytes of the file (gzip left compressed: the reader sniffs it).

        Raises
        ------
        TrackReadError
            The file or the archive member cannot be read.
        """
        if self.member is not None:
            return read_member(self.path, self.member)
        try:
            return Path(self.path).read_bytes()
        except OSError as exc:
            raise TrackReadError(self.file, f"cannot read the file ({exc.strerror or exc})") from exc


def sniff(head: bytes) -> Optional[str]:
    """The kind of content from the first bytes of a file.

    Parameters
    ----------
    head : bytes
        The first few kilobytes.

    Returns
    -------
    str or None
        ``"fit"``, ``"gpx"``, ``"tcx"``, ``"zip"``, or ``None`` when it is none of them.
        Gzip is looked through: a gzipped GPX gives ``"gpx"``.
    """
    from ..io.sniff import sniff as sniff_content

    kind = sniff_content(head)
    if kind == "gzip":
        try:
            # Decompress just enough to see the inner header; a truncated stream is fine here.
            inner = zlib.decompressobj(wbits=31).decompress(head, _HEAD_BYTES)
        except zlib.error:
            return None
        kind = sniff_content(inner)
        return kind if kind in ("fit", "gpx", "tcx") else None
    return kind if kind in ("fit", "gpx", "tcx", "zip") else None


def _head(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(_HEAD_BYTES)
    except OSError:
        return b""


def _named_like_activity(path: str) -> bool:
    return path.lower().endswith(ACTIVITY_SUFFIXES)


def _from_file(path: str, *, explicit: bool, errors: list[dict]) -> list[Source]:
    kind = sniff(_head(path))
    if kind == "zip":
        try:
            members = list_archive(path)
        except TrackReadError as exc:
            if explicit or path.lower().endswith(".zip"):
                errors.append({"file": path, "error": exc.reason})
            return []
        return [Source(m.display, path, m.member, m.name, m.activity_type) for m in members]
    if kind is not None or explicit or _named_like_activity(path):
        return [Source(path, path)]
    return []


def _walk(folder: str) -> Iterable[str]:
    for root, dirs, files in os.walk(folder):
        # Hidden folders (.git, .cache) never hold a runner's activities.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


def discover(paths: Iterable[Union[str, os.PathLike]]) -> tuple[list[Source], list[dict]]:
    """Every activity file under ``paths``.

    Parameters
    ----------
    paths : iterable of path
        Files, folders (searched recursively) and zip archives.

    Returns
    -------
    sources : list of Source
        In a deterministic order (paths as given, folders sorted), without duplicates.
    errors : list of dict
        ``{"file", "error"}`` for paths that do not exist and unreadable archives.
    """
    sources: list[Source] = []
    errors: list[dict] = []
    seen: set[tuple[str, Optional[str]]] = set()
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            found = [s for f in _walk(p) for s in _from_file(f, explicit=False, errors=errors)]
        elif os.path.isfile(p):
            found = _from_file(p, explicit=True, errors=errors)
        else:
            errors.append({"file": p, "error": "no such file or folder"})
            continue
        for s in found:
            key = (os.path.realpath(s.path), s.member)
            if key not in seen:
                seen.add(key)
                sources.append(s)
    return sources, errors
