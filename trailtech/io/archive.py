"""Read a Strava bulk-export ``.zip`` (or any zip of activity files) in place.

A Strava bulk export ("Download your data") is a zip holding ``activities.csv`` (one row per
activity: ``Activity ID``, ``Activity Date``, ``Activity Name``, ``Activity Type``, ...,
``Filename``) and a folder ``activities/`` with the original uploads: ``123.fit.gz``,
``456.gpx``, ``789.tcx.gz``. Nothing is extracted to disk: members are read as bytes.

Other zips are read the same way (every member that looks like an activity), which covers
the zip of one FIT that some platforms hand out.

``activities.csv`` only adds names: when it cannot be read (corrupt deflate data, larger than
:data:`~trailtech.io.limits.MAX_CSV_BYTES`, a malformed row) the activities are listed without
names and a note says why; the archive itself is never refused for it.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import Optional, Union

from ..errors import DataQualityWarning, TrackReadError
from .limits import MAX_CSV_BYTES, MAX_DECOMPRESSED_BYTES, ContentTooLarge, read_bounded, too_large
from .sniff import is_junk_member

__all__ = ["ArchiveMember", "is_zip", "list_archive", "read_member"]

ZIP_MAGIC = b"PK\x03\x04"
#: Name suffixes of activity files inside an archive (case-insensitive).
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")


@dataclass(frozen=True)
class ArchiveMember:
    """One activity file inside a zip.

    Attributes
    ----------
    archive : str
        Path of the zip.
    member : str
        Name of the member inside the zip (``activities/123.fit.gz``).
    name, activity_type, activity_id : str or None
        ``Activity Name``, ``Activity Type`` and ``Activity ID`` from ``activities.csv``
        when the archive has one and lists the member.
    """

    archive: str
    member: str
    name: Optional[str] = None
    activity_type: Optional[str] = None
    activity_id: Optional[str] = None

    @property
    def display(self) -> str:
        """How the member is named in messages: ``export.zip/activities/123.fit.gz``."""
        return f"{self.archive}/{self.member}"


def is_zip(path: Union[str, os.PathLike]) -> bool:
    """Whether the file starts with the zip local-header signature."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError:
        return False


#: What reading a zip member can raise besides OSError: a corrupt deflate stream, a bad CRC,
#: an unsupported compression method or an encrypted member.
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, KeyError)


def _strava_index(zf: zipfile.ZipFile, notes: list[str]) -> dict[str, dict[str, str]]:
    """``Filename -> {name, type, id}`` from ``activities.csv`` (any folder depth).

    Any problem with the CSV leaves a sentence in ``notes`` and gives an empty index.
    """
    csv_names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1].lower() == "activities.csv"]
    if not csv_names:
        return {}
    # The shortest path is the export's own index; a nested copy would be a user's file.
    csv_name = min(csv_names, key=len)
    prefix = csv_name[: -len("activities.csv")]
    try:
        with zf.open(csv_name) as fh:
            raw = read_bounded(fh.read1, MAX_CSV_BYTES, csv_name)
        # newline="": the csv module then reads \n, \r\n and old Mac \r line ends alike.
        rows = csv.reader(io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline=""))
        del raw
        return _index_rows(rows, prefix)
    except ContentTooLarge:
        notes.append(f"{csv_name} is larger than {MAX_CSV_BYTES // 2**20} MiB; the activities are "
                     "listed without their Strava names.")
        return {}
    except (csv.Error, OSError, *_MEMBER_ERRORS) as exc:
        notes.append(" ".join(f"{csv_name} could not be read ({type(exc).__name__}: {exc}); the "
                              "activities are listed without their Strava names.".split()))
        return {}


def _index_rows(rows, prefix: str) -> dict[str, dict[str, str]]:
    header = next(rows, None)
    if not header:
        return {}
    # Newer exports repeat some column names (two "Distance", two "Elapsed Time"): take
    # the first occurrence of each name we need.
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        cols.setdefault(h.strip().lower(), i)
    i_file = cols.get("filename")
    if i_file is None:
        return {}
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        if len(row) <= i_file or not row[i_file].strip():
            continue

        def get(key: str) -> Optional[str]:
            i = cols.get(key)
            v = row[i].strip() if i is not None and i < len(row) else ""
            return v or None

        out[prefix + row[i_file].strip()] = {
            "name": get("activity name"),
            "type": get("activity type"),
            "id": get("activity id"),
        }
    return out


def list_archive(path: Union[str, os.PathLike], *, notes: Optional[list[str]] = None) -> list[ArchiveMember]:
    """The activity files in a zip, in archive order, with Strava names and types.

    Parameters
    ----------
    path : path
        The zip file.
    notes : list of str, optional
        Receives a sentence for each problem that did not stop the listing (an unreadable
        ``activities.csv``: the members are then listed without names). Without it, each
        problem is a :class:`~trailtech.errors.DataQualityWarning`.

    Returns
    -------
    list of ArchiveMember
        Members whose name ends in an activity suffix (see :data:`ACTIVITY_SUFFIXES`).

    Raises
    ------
    TrackReadError
        The file is not a readable zip.
    """
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as zf:
            found: list[str] = []
            index = _strava_index(zf, found)
            if notes is not None:
                notes.extend(found)
            else:
                for note in found:
                    warnings.warn(f"{path}: {note}", DataQualityWarning, stacklevel=2)
            members = []
            for info in zf.infolist():
                if (info.is_dir() or is_junk_member(info.filename)
                        or not info.filename.lower().endswith(ACTIVITY_SUFFIXES)):
                    continue
                meta = index.get(info.filename, {})
                members.append(ArchiveMember(path, info.filename, meta.get("name"),
                                             meta.get("type"), meta.get("id")))
            return members
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TrackReadError(path, f"not a readable zip archive ({exc})") from exc


def read_member(path: Union[str, os.PathLike], member: str) -> bytes:
    """The bytes of one member of a zip (still gzipped if the member is ``.gz``).

    At most :data:`~trailtech.io.limits.MAX_DECOMPRESSED_BYTES` are read.

    Raises
    ------
    TrackReadError
        The archive or the member cannot be read (corrupt data, bad CRC, missing member), or
        the member is larger than the limit.
    """
    path = os.fspath(path)
    source = f"{path}/{member}"
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.file_size > MAX_DECOMPRESSED_BYTES:
                raise too_large(source, "the zip member", MAX_DECOMPRESSED_BYTES)
            with zf.open(info) as fh:
                return read_bounded(fh.read1, MAX_DECOMPRESSED_BYTES, source, "the zip member")
    except (OSError, *_MEMBER_ERRORS) as exc:
        raise TrackReadError(source, f"cannot read from the zip archive ({exc})") from exc
