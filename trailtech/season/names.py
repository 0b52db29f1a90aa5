"""Readable names for the season's segments, and the names file a coach can edit.

A segment's id (``d-9xj5kpj-9xj5s0z``: direction and the geohashes of its two gates) is stable
from run to run, but says nothing to a person. Each segment gets a name:

* from a names file, when it lists the id: ``segments.toml`` in a folder the season reads, or
  the file given with ``--segment-names`` (which wins). A renamed segment keeps its name as long
  as its id stays the same::

      # segments.toml
      "d-9xj5kpj-9xj5s0z" = "Green Mountain descent"
      [segments]                       # a table of that name works too
      "c-9xj5kt4-9xj5kjn" = "Lakewood climb"

* otherwise from where it was first met: the activity's name (Strava's, else the file name
  without the timestamp a watch adds), its local date and the kilometres of the segment in it,
  e.g. ``"BoulderTrailRun 24 Nov, km 15.8–16.2 descent"``.

``Season.write`` writes every segment's id and current name as a ready-to-edit
``segments.toml`` (:func:`names_toml`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Optional, Union

__all__ = ["collect_names", "activity_label", "auto_segment_name", "read_segment_names", "find_names_files", "segment_names",
           "names_toml", "NAMES_FILE", "SegmentNamesError"]

#: The names file looked for in each folder the season reads.
NAMES_FILE = "segments.toml"
#: Largest names file read [bytes]: a list of names, not a data set.
_MAX_NAMES_BYTES = 1024 * 1024
_MAX_NAME_CHARS = 120


class SegmentNamesError(ValueError):
    """A names file that cannot be read (the message says which and why)."""


def _stem(file: str) -> str:
    """The file name without its extensions and a trailing watch timestamp (8+ digits)."""
    base = re.sub(r"(\.(fit|gpx|tcx))?(\.gz)?$", "", Path(file.split("!")[-1]).name, flags=re.I)
    trimmed = re.sub(r"[_\- ]*\d{8,}$", "", base)
    return trimmed or base


def activity_label(name: Any, file: str, when: Any, *, with_year: bool = False) -> str:
    """``"BoulderTrailRun 24 Nov"``: an activity's name (else its file stem) and local date.

    Parameters
    ----------
    name : str or None
        The activity's name (a Strava export's).
    file : str
        Its file (the stem is used without a name).
    when : str, Timestamp or None
        Its start, local time preferred (ISO 8601).
    with_year : bool
        Add the year ("24 Nov 2024"): for a season over more than one year.
    """
    import pandas as pd

    label = name.strip() if isinstance(name, str) and name.strip() else _stem(file)
    try:
        t = pd.Timestamp(when) if when is not None else None
    except (ValueError, TypeError):
        t = None
    if t is None or t is pd.NaT:
        return label
    return f"{label} {t.day} {t.strftime('%b')}" + (f" {t.year}" if with_year else "")


def auto_segment_name(direction: str, label: str, start_m: Optional[float], end_m: Optional[float]) -> str:
    """``"BoulderTrailRun 24 Nov, km 15.8–16.2 descent"`` (or "climb")."""
    kind = "descent" if direction == "down" else "climb"
    if start_m is None or end_m is None:
        return f"{label}, {kind}"
    return f"{label}, km {start_m / 1000:.1f}–{end_m / 1000:.1f} {kind}"


def read_segment_names(path: Union[str, os.PathLike]) -> dict[str, str]:
    """``segment_id -> name`` from a TOML names file (top-level keys and/or a ``[segments]`` table).

    Raises
    ------
    SegmentNamesError
        The file cannot be read, is too large, is not TOML, or gives a name that is not text.
    """
    import tomllib

    p = Path(path)
    try:
        if p.stat().st_size > _MAX_NAMES_BYTES or not p.is_file():
            raise SegmentNamesError(f"{p}: not a names file (a regular file of at most 1 MiB)")
        data = tomllib.loads(p.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SegmentNamesError(f"{p}: cannot read the names file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SegmentNamesError(f"{p}: the names file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SegmentNamesError(f"{p}: not valid TOML ({exc})") from None
    table = dict(data.get("segments") or {}) if isinstance(data.get("segments"), dict) else {}
    pairs = {k: v for k, v in data.items() if k != "segments"} | table
    out = {}
    for k, v in pairs.items():
        if not isinstance(v, str) or not v.strip():
            raise SegmentNamesError(f"{p}: the name of {k!r} must be text")
        out[str(k)] = " ".join(v.split())[:_MAX_NAME_CHARS]
    return out


def find_names_files(paths: Iterable[Union[str, os.PathLike]]) -> list[Path]:
    """The :data:`NAMES_FILE` of each folder among ``paths`` (or holding a file among them:
    ``trailtech season ~/runs/*.fit``) that has one, each once."""
    out: list[Path] = []
    for p in map(Path, paths):
        folder = p if p.is_dir() else p.parent
        f = folder / NAMES_FILE
        if f.is_file() and f not in out:
            out.append(f)
    return out


def segment_names(segments: list[dict], activities: list[dict], names: dict[str, str]) -> list[tuple[str, str]]:
    """``(name, name_source)`` of each segment: ``"file"`` when the names list it, else ``"auto"``.

    Parameters
    ----------
    segments : list of dict
        :func:`trailtech.season.match.match_segments` items (``segment_id``, ``direction``,
        ``where``: the file and kilometres where it was first met).
    activities : list of dict
        The season's activity rows (``file``, ``name``, ``start_time_local``, ``start_time``).
    names : dict
        ``segment_id -> name`` from the names files.
    """
    by_file = {a["file"]: a for a in activities}
    years = {str(a.get("start_time_local") or a.get("start_time") or "")[:4] for a in activities} - {""}
    out = []
    for s in segments:
        if s["segment_id"] in names:
            out.append((names[s["segment_id"]], "file"))
            continue
        where = s.get("where") or {}
        a = by_file.get(where.get("file")) or by_file.get(s["passes"][0]["file"]) or {}
        label = activity_label(a.get("name"), a.get("file") or s["passes"][0]["file"],
                               a.get("start_time_local") or a.get("start_time"), with_year=len(years) > 1)
        out.append((auto_segment_name(s["direction"], label, where.get("start_m"), where.get("end_m")), "auto"))
    return out


def names_toml(segments: list[dict]) -> str:
    """A ``segments.toml`` listing every segment's id and name, for the coach to edit."""
    lines = ["# Segment names for trailtech season: edit a name, keep its id, and put this file",
             "# in the folder of your tracks (or pass it with --segment-names).", ""]
    for s in segments:
        sid = str(s["segment_id"]).replace("\\", "\\\\").replace('"', '\\"')
        name = str(s.get("name") or "").replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'"{sid}" = "{name}"')
    return "\n".join(lines) + "\n"


def collect_names(paths: Iterable[Union[str, os.PathLike]], names_file: Any, notes: list[str]) -> dict[str, str]:
    """The segment names of the folders' :data:`NAMES_FILE`, then of ``names_file`` (which
    wins). A folder's file that cannot be read becomes a line in ``notes``; ``names_file``'s
    errors raise :class:`SegmentNamesError`."""
    names: dict[str, str] = {}
    for f in find_names_files(paths):
        try:
            names.update(read_segment_names(f))
        except SegmentNamesError as exc:
            notes.append(f"segment names not used: {exc}")
    if names_file is not None:
        names.update(read_segment_names(names_file))
    return names
