"""Find the activity files under a set of paths.

Folders are searched recursively; a file is recognised by its content (FIT header, GPX or TCX
root element, the same inside gzip), not by its name, so ``notes.txt`` and ``photo.jpg`` are
skipped quietly while a renamed ``run.dat`` holding FIT data is found. A zip (a Strava bulk
export, or any zip of activity files) is read in place.

A file whose *name* says it is an activity (``.fit``, ``.gpx.gz`` ...) but whose content is
not readable is still listed: the season reports it as an error instead of losing it.

Only regular files are read. A FIFO would block the first ``open`` forever and a device
(``/dev/zero`` behind a symlink named ``zero.fit``) never ends, so each file is ``stat``-ed
first and anything else is never opened: skipped quietly, or listed as an error when its name
says it is an activity or it was named on the command line. Files are opened non-blocking and
checked again on the open descriptor, in case the path changed in between. A plain file larger
than :data:`MAX_FILE_BYTES` is refused unread; a zip (a Strava bulk export can be gigabytes)
is read member by member, each within the readers' own caps.

File names are shown escaped (:func:`display_path`): bytes that are not UTF-8 (``L\\xe4uf.fit``
on a Latin-1 disk) and control characters would otherwise break the terminal, the JSON and
the report.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from dataclasses import dataclass
from typing import Iterable, Optional, Union

from ..errors import TrackReadError
from ..io import MAX_DECOMPRESSED_BYTES
from ..io.archive import ACTIVITY_SUFFIXES, list_archive, read_member

__all__ = ["Source", "sniff", "discover", "display_path", "read_regular_file", "MAX_FILE_BYTES"]

_HEAD_BYTES = 4096

#: Largest plain (not zip) file a season reads [bytes]: the readers' cap on decompressed
#: content, 512 MiB; a 10-hour 1 Hz FIT is a few MB. Zips are exempt (see the module notes).
MAX_FILE_BYTES = MAX_DECOMPRESSED_BYTES

# Undecodable bytes (surrogateescape), C0/C1 controls, DEL, line and paragraph separators,
# bidirectional overrides and lone surrogates: what a name must not carry into a terminal.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: "re.Match[str]") -> str:
    o = ord(m.group())
    if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def display_path(path: str) -> str:
    """A file name fit for a terminal, a JSON document, a CSV and an HTML page.

    Bytes that are not UTF-8 become ``\\xNN`` (``L\\xe4uf.fit``), control characters and
    bidirectional overrides ``\\xNN``/``\\uNNNN``; everything else is kept.
    """
    return _UNSAFE.sub(_escape, path)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_kind(mode)}); not read"


def _too_large(size: int, limit: int = MAX_FILE_BYTES) -> str:
    return f"file too large ({size / 2**20:,.0f} MiB; a season reads files up to {limit / 2**20:,.0f} MiB); not read"


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _open_regular(path: str, name: str):
    """A binary file object on ``path`` if it is a regular file; a FIFO or device is never opened.

    Raises
    ------
    TrackReadError
        Not a regular file, or it cannot be opened.
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise TrackReadError(name, _not_regular(st.st_mode))
        # Non-blocking: if the path became a FIFO since the stat, open returns at once.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise TrackReadError(name, f"cannot read the file ({_os_reason(exc)})") from exc
    fh = open(fd, "rb")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        fh.close()
        raise TrackReadError(name, _not_regular(mode))
    return fh


def read_regular_file(path: str, name: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; a FIFO or a device is never opened.

    Parameters
    ----------
    path : str
        The file.
    name : str
        How the file is named in messages.
    limit : int
        Largest size read [bytes].

    Raises
    ------
    TrackReadError
        The file is not a regular file, is over ``limit``, or cannot be read.
    """
    with _open_regular(path, name) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise TrackReadError(name, _too_large(size, limit))
            data = fh.read(limit + 1)
        except OSError as exc:
            raise TrackReadError(name, f"cannot read the file ({_os_reason(exc)})") from exc
    if len(data) > limit:  # it grew since
        raise TrackReadError(name, _too_large(len(data), limit))
    return data


def _head(path: str, name: str) -> bytes:
    with _open_regular(path, name) as fh:
        try:
            return fh.read(_HEAD_BYTES)
        except OSError as exc:
            raise TrackReadError(name, f"cannot read the file ({_os_reason(exc)})") from exc


@dataclass(frozen=True)
class Source:
    """One activity file to analyse: a file on disk or a member of a zip.

    Attributes
    ----------
    file : str
        The name used in results and messages (``path``, or ``archive.zip/member``), escaped
        by :func:`display_path`.
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
        return read_regular_file(self.path, self.file)


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


def _named_like_activity(path: str) -> bool:
    return path.lower().endswith(ACTIVITY_SUFFIXES)


def _from_file(path: str, st: os.stat_result, *, explicit: bool, errors: list[dict],
               notes: Optional[list[str]] = None) -> list[Source]:
    """The sources in one file already ``stat``-ed (following links); errors appended."""
    name = display_path(path)
    listed = explicit or _named_like_activity(path)
    if not stat.S_ISREG(st.st_mode):
        if listed:
            errors.append({"file": name, "error": _not_regular(st.st_mode)})
        return []
    try:
        kind = sniff(_head(path, name))
    except TrackReadError as exc:
        if listed:
            errors.append({"file": name, "error": exc.reason})
        return []
    if kind == "zip":
        try:
            found: list[str] = []
            members = list_archive(path, notes=found)
            if notes is not None:
                notes.extend(f"{display_path(path)}: {n}" for n in found)
        except TrackReadError as exc:
            if explicit or path.lower().endswith(".zip"):
                errors.append({"file": name, "error": exc.reason})
            return []
        return [Source(display_path(m.display), path, m.member, m.name, m.activity_type) for m in members]
    if kind is None and not listed:
        return []
    if st.st_size > MAX_FILE_BYTES:
        errors.append({"file": name, "error": _too_large(st.st_size)})
        return []
    return [Source(name, path)]


def _walk(folder: str) -> Iterable[tuple[str, Optional[os.stat_result], Optional[OSError]]]:
    for root, dirs, files in os.walk(folder):
        # Hidden folders (.git, .cache) never hold a runner's activities.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = os.path.join(root, name)
                try:
                    yield path, os.stat(path), None  # follows links: a link to a run counts
                except OSError as exc:  # a dangling link, a name too long, no permission
                    yield path, None, exc


def discover(paths: Iterable[Union[str, os.PathLike]], *,
             notes: Optional[list[str]] = None) -> tuple[list[Source], list[dict]]:
    """Every activity file under ``paths``.

    Parameters
    ----------
    paths : iterable of path
        Files, folders (searched recursively) and zip archives.
    notes : list of str, optional
        Receives a sentence for each problem that cost something but no file (a Strava
        export whose ``activities.csv`` cannot be read: its activities are listed unnamed).

    Returns
    -------
    sources : list of Source
        In a deterministic order (paths as given, folders sorted), without duplicates.
    errors : list of dict
        ``{"file", "error"}`` for paths that do not exist, are not regular files or folders,
        are too large, and for unreadable archives.
    """
    sources: list[Source] = []
    errors: list[dict] = []
    seen: set[tuple[str, Optional[str]]] = set()
    for p in paths:
        p = os.fspath(p)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            errors.append({"file": display_path(p), "error": "no such file or folder"})
            continue
        except OSError as exc:
            errors.append({"file": display_path(p), "error": _os_reason(exc)})
            continue
        if stat.S_ISDIR(st.st_mode):
            found = []
            for f, fst, exc in _walk(p):
                if fst is not None:
                    found += _from_file(f, fst, explicit=False, errors=errors, notes=notes)
                elif _named_like_activity(f):
                    errors.append({"file": display_path(f), "error": f"cannot read the file ({_os_reason(exc)})"})
        else:
            found = _from_file(p, st, explicit=True, errors=errors, notes=notes)
        for s in found:
            key = (os.path.realpath(s.path), s.member)
            if key not in seen:
                seen.add(key)
                sources.append(s)
    return sources, errors
