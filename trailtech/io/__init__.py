"""Readers and writers of activity files: :func:`load` and the per-format readers.

:func:`load` takes a path, bytes, a binary file object or ``"-"`` (standard input), and decides
what the content is by looking at it (a ``.gpx`` file named ``.fit`` still loads as GPX):

1. gzip (magic bytes) is decompressed, once;
2. a zip must hold exactly one activity file (``__MACOSX/`` and dot files are ignored; a zip of
   several activities is a season: use ``trailtech season``);
3. FIT (``.FIT`` at bytes 8-11) goes to :func:`trailtech.io.fit.read_fit`, XML with a ``gpx`` root
   to :func:`trailtech.io.gpx.read_gpx`, with a ``TrainingCenterDatabase`` root to
   :func:`trailtech.io.tcx.read_tcx`.

A file may hold several activities (:mod:`trailtech.io.split`): :func:`load` returns the longest
and says so in ``meta.notes``; :func:`read_activities` returns all of them.

Readers decode and normalise; they never smooth or resample.

Examples
--------
>>> import trailtech
>>> track = trailtech.load("run.fit.gz")  # doctest: +SKIP
>>> track.meta.sport, len(track.samples)  # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
import zlib
from typing import BinaryIO, Union

from ..errors import TrackReadError, UnsupportedFormatError
from ..track import Track
from .limits import (
    MAX_DECOMPRESSED_BYTES,
    MAX_INPUT_BYTES,
    TextModeError,
    gunzip_bounded,
    read_bounded,
    too_large,
)
from .sniff import is_junk_member, sniff

__all__ = [
    "MAX_DECOMPRESSED_BYTES",
    "MAX_INPUT_BYTES",
    "courses_to_gpx",
    "load",
    "read_activities",
    "read_bytes",
    "read_bytes_activities",
    "read_fit",
    "read_gpx",
    "read_tcx",
    "to_gpx",
]

_XML_ENGINES = ("auto", "lxml", "gpxpy")
_ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]


def __getattr__(name: str):
    # The readers import lxml / numpy-heavy code: load them on first use only.
    if name == "read_fit":
        from .fit import read_fit

        return read_fit
    if name == "read_gpx":
        from .gpx import read_gpx

        return read_gpx
    if name == "read_tcx":
        from .tcx import read_tcx

        return read_tcx
    if name in ("to_gpx", "courses_to_gpx"):
        from . import gpx_write

        return getattr(gpx_write, name)
    raise AttributeError(f"module 'trailtech.io' has no attribute {name!r}")


def _read_source(src: Source) -> tuple[bytes, str]:
    """The raw bytes and the name to use in messages."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src), "<buffer>"
    if isinstance(src, (str, os.PathLike)):
        path = os.fspath(src)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if path == "-":
            return _read_capped(sys.stdin.buffer.read, "<stdin>"), "<stdin>"
        try:
            with open(path, "rb") as fh:
                return _read_capped(fh.read, path), path
        except FileNotFoundError:
            raise TrackReadError(path, "file not found") from None
        except IsADirectoryError:
            raise TrackReadError(
                path,
                "is a directory, not an activity file (use `trailtech season` for a folder)",
            ) from None
        except PermissionError:
            raise TrackReadError(
                path, "permission denied: the file cannot be opened"
            ) from None
        except OSError as exc:
            raise TrackReadError(
                path, f"cannot be read: {exc.strerror or exc}"
            ) from None
    read = getattr(src, "read", None)
    if callable(read):
        name = getattr(src, "name", None)
        source = name if isinstance(name, str) and name else "<buffer>"
        try:
            return _read_capped(read, source), source
        except OSError as exc:
            raise TrackReadError(source, f"cannot be read: {exc}") from None
        except TextModeError:
            raise TrackReadError(
                source,
                "the file was opened in text mode; open it in binary mode ('rb')",
            ) from None
    raise TypeError(
        f"src must be a path, bytes or a binary file object, got {type(src).__name__}"
    )


def _read_capped(read, source: str) -> bytes:
    """All of a file or stream, refused past :data:`MAX_INPUT_BYTES` (``/dev/zero`` ends)."""
    return read_bounded(read, MAX_INPUT_BYTES, source)


def _gunzip(data: bytes, source: str) -> bytes:
    return gunzip_bounded(data, source, MAX_DECOMPRESSED_BYTES)


def _is_activity_name(name: str) -> bool:
    return name.lower().endswith(_ACTIVITY_SUFFIXES)


def _unzip(data: bytes, source: str) -> tuple[bytes, str]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise TrackReadError(source, f"corrupt zip archive ({exc})") from None
    with zf:
        members = []
        for info in zf.infolist():
            if info.is_dir() or is_junk_member(info.filename):
                continue
            members.append(info)
        activities = [m for m in members if _is_activity_name(m.filename)]
        chosen = activities if activities else members
        if not chosen:
            raise UnsupportedFormatError(
                source, "the zip archive holds no activity file"
            )
        if len(chosen) > 1:
            names = ", ".join(m.filename for m in chosen[:3]) + (
                ", ..." if len(chosen) > 3 else ""
            )
            raise TrackReadError(
                source,
                f"the zip archive holds {len(chosen)} activity files ({names}); load one at a "
                "time or analyse them all with `trailtech season`",
            )
        info = chosen[0]
        if info.file_size > MAX_DECOMPRESSED_BYTES:
            raise too_large(source, info.filename, MAX_DECOMPRESSED_BYTES)
        try:
            with zf.open(info) as fh:
                content = read_bounded(fh.read1, MAX_DECOMPRESSED_BYTES, source, info.filename)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            raise TrackReadError(
                source, f"cannot extract {info.filename} from the zip ({exc})"
            ) from None
        return content, info.filename


def read_bytes(data: bytes, source: str, *, engine: str = "auto", activity: int | None = None) -> Track:
    """Decode an activity held in memory (see :func:`load`; ``source`` names it in messages)."""
    from .split import choose

    return choose(read_bytes_activities(data, source, engine=engine), activity)


def read_bytes_activities(data: bytes, source: str, *, engine: str = "auto") -> list[Track]:
    """Every activity of a file held in memory, in time order (see :func:`read_activities`)."""
    if len(data) == 0:
        raise TrackReadError(source, "empty file (0 bytes)")
    kind = sniff(data)
    inner = source
    if kind == "gzip":
        data = _gunzip(data, source)
        kind = sniff(data)
        if kind in ("gzip", "zip"):
            raise UnsupportedFormatError(
                source, f"a {kind} inside a gzip is not supported"
            )
    elif kind == "zip":
        data, member = _unzip(data, source)
        inner = f"{source} ({member})"
        kind = sniff(data)
        if kind == "gzip":
            data = _gunzip(data, inner)
            kind = sniff(data)
    if len(data) == 0:
        raise TrackReadError(source, "empty file (0 bytes after decompression)")
    if kind == "fit":
        from .fit import ENGINES as fit_engines
        from .fit import read_fit_activities

        return read_fit_activities(
            data, source, engine=engine if engine in fit_engines else "auto"
        )
    if kind == "gpx":
        from .gpx import read_gpx_activities

        return read_gpx_activities(
            data, source, engine=engine if engine in _XML_ENGINES else "auto"
        )
    if kind == "tcx":
        from .tcx import read_tcx_activities

        return read_tcx_activities(
            data, source, engine=engine if engine in _XML_ENGINES else "auto"
        )
    if kind == "xml":
        from .sniff import xml_root_name

        raise UnsupportedFormatError(
            source,
            f"XML with root <{xml_root_name(data)}> is not a GPX or TCX activity",
        )
    raise UnsupportedFormatError(
        source, "not a FIT, GPX or TCX activity file (nor a gzip or zip of one)"
    )


def _check_engine(engine: str) -> None:
    if engine in _XML_ENGINES:
        return
    from .fit import ENGINES as fit_engines

    if engine not in fit_engines:
        known = sorted(set(_XML_ENGINES) | set(fit_engines))
        raise ValueError(f"engine must be one of {known}, got {engine!r}")


def load(src: Source, *, engine: str = "auto", source: str | None = None, activity: int | None = None) -> Track:
    """Load one activity file (FIT, GPX or TCX, possibly gzip- or zip-compressed).

    Parameters
    ----------
    src : path, bytes, binary file object, or "-"
        What to read; ``"-"`` reads standard input.
    engine : str
        ``"auto"`` uses the fast decoders. ``"gpxpy"`` reads GPX through gpxpy and
        ``"fitparse"`` reads FIT through fitparse (the reference paths); an engine that does not
        apply to the format found (e.g. ``"fitparse"`` on a GPX) falls back to ``"auto"``.
    source : str, optional
        Name for messages and ``meta.source``; defaults to the path as given, ``"<stdin>"``,
        the file object's ``name`` or ``"<buffer>"``.
    activity : int, optional
        Of a file holding several activities, which one (0-based, in time order; negative
        counts from the last); default the longest.

    Returns
    -------
    Track
        The decoded samples and metadata. A file holding several activities (several TCX
        ``<Activity>``, GPX ``<trk>`` hours apart, chained FIT activities) gives the longest,
        and says so in ``meta.notes`` ("this file holds 3 activities ...; analysed the
        longest, the 3rd ..."); :func:`read_activities` gives every one.

    Raises
    ------
    TrackReadError
        Missing file, directory, permission denied, empty file, corrupt content, a zip with
        several activities.
    IndexError
        ``activity`` is not one of the file's activities.
    UnsupportedFormatError
        The content is not FIT, GPX or TCX (the message names the file).
    TypeError, ValueError
        ``src`` of an unsupported type; unknown ``engine``.
    """
    _check_engine(engine)
    data, name = _read_source(src)
    return read_bytes(data, source or name, engine=engine, activity=activity)


def read_activities(src: Source, *, engine: str = "auto", source: str | None = None) -> list[Track]:
    """Every activity of one file, in time order (:func:`load` returns one of them).

    A TCX gives one per ``<Activity>`` under ``<Activities>`` (the legs of a
    ``<MultiSportSession>`` are one); a GPX one per group of ``<trk>`` 3 h or more apart; a
    chained FIT one per ``activity`` message; activities whose times overlap are one (see
    :mod:`trailtech.io.split`). Most files give a list of one.

    Parameters and errors as :func:`load`.

    Returns
    -------
    list of Track
        Each with ``meta.activity_index`` (0-based, time order) and ``meta.n_activities``.

    Examples
    --------
    >>> [t.meta.start_time for t in trailtech.io.read_activities("Multiple-Trainings.tcx")]  # doctest: +SKIP
    """
    _check_engine(engine)
    data, name = _read_source(src)
    return read_bytes_activities(data, source or name, engine=engine)
