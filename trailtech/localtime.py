"""Local time of an activity: the UTC offset where it took place, and where that came from.

Every time in a :class:`~trailtech.track.Track` is UTC. The offset that turns the start into
the runner's wall clock comes, in this order, from:

1. **FIT** ``activity.local_timestamp`` (the watch's own clock; :mod:`trailtech.io.fit_content`):
   ``utc_offset_source = "file"``, unless it is zero and the place says otherwise.
2. **The first position** (GPX, TCX, and FIT without that message): the time zone containing
   the first fix (``tzfpy``, offline polygons of timezone-boundary-builder) and its offset at
   the start instant from the IANA database (``zoneinfo``, so summer time is right):
   ``"coordinates"``.
3. **The offset written in GPX/TCX times** (``2012-01-19T08:00:00+01:00``) when the track has
   no position (a treadmill TCX): ``"file"``.

GPX/TCX offsets come after the coordinates because they are the exporting program's zone,
not necessarily the place's: both real files of the corpus that carry one disagree with the
place (a Polar V800 TCX in Krakow writes +01:00 in April, when Poland is on +02:00, which
Runalyze's own test fixes by a time-zone lookup; an ecoach GPX in Finnish Lapland writes
+02:00 on 2 April, when Finland is on +03:00). A FIT offset of zero is checked the same way:
four corpus files from COROS and TomTom watches in Prague, Berlin and Bogota write their local
time equal to UTC. The disagreement is said in a warning.
``Z`` and ``+00:00`` say "UTC", not where the activity was, so they give no offset.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from typing import Any, Iterable, Optional

import numpy as np
import pandas as pd

from .track import Track

__all__ = ["written_offset_s", "zone_at", "offset_at", "with_local_time", "format_offset"]

#: The zone designator at the end of an ISO 8601 time: ``+01:00``, ``-0700``, ``+05``.
_ZONE = re.compile(r"([+-])(\d{2}):?(\d{2})?\s*\Z")
#: Largest offset of any zone [s] (Kiribati's +14:00; -12:00 is the other end).
_MAX_OFFSET_S = 14 * 3600


def written_offset_s(values: Iterable[Any]) -> Optional[int]:
    """The UTC offset written on the first time of a GPX/TCX file [s], None when it has none.

    Parameters
    ----------
    values : iterable of str or datetime.datetime
        The time texts in file order (``<time>``, ``<Time>``), or the datetimes gpxpy parsed.
        Only the first non-empty one is read: a file writes all its times in one form.

    Returns
    -------
    int or None
        Seconds east of UTC (-25200 for ``-07:00``); None for ``Z``, ``+00:00``, no zone at
        all (GPX and TCX then mean UTC) or an offset beyond ±14 h.
    """
    for v in values:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, _dt.datetime):
            off = v.utcoffset()
            seconds = None if off is None else int(off.total_seconds())
        else:
            m = _ZONE.search(str(v))
            seconds = None
            if m and len(str(v).strip()) > 10:  # a date alone ends in "-DD": not a zone
                sign = -1 if m.group(1) == "-" else 1
                seconds = sign * (int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60)
        if not seconds or abs(seconds) > _MAX_OFFSET_S:
            return None
        return seconds
    return None


def zone_at(lat_deg: float, lon_deg: float) -> Optional[str]:
    """The IANA time zone containing a position (``"America/Denver"``), None when unknown.

    ``tzfpy`` answers offline from bundled polygons; it is imported here, on first use, so
    ``import trailtech`` does not pay for it. At sea it answers a nautical zone (``Etc/GMT+2``).
    """
    if not (np.isfinite(lat_deg) and np.isfinite(lon_deg)) or abs(lat_deg) > 90 or abs(lon_deg) > 180:
        return None
    import tzfpy

    name = tzfpy.get_tz(float(lon_deg), float(lat_deg))
    return name or None


def offset_at(lat_deg: float, lon_deg: float, when: pd.Timestamp) -> tuple[Optional[int], Optional[str]]:
    """The UTC offset [s] in force at ``when`` (UTC) where ``(lat_deg, lon_deg)`` is, and the zone.

    Returns
    -------
    (int or None, str or None)
        Seconds east of UTC, summer time included (Boulder: -25200 in November, -21600 in
        July), and the zone name; ``(None, None)`` when the position has no zone or the
        IANA database does not know it.
    """
    name = zone_at(lat_deg, lon_deg)
    if name is None or when is None or pd.isna(when):
        return None, None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None, None
    off = pd.Timestamp(when).tz_convert(zone).utcoffset()
    return (None, None) if off is None else (int(off.total_seconds()), name)


def format_offset(seconds: int) -> str:
    """``-25200`` -> ``"-07:00"``."""
    sign = "-" if seconds < 0 else "+"
    h, m = divmod(abs(int(seconds)) // 60, 60)
    return f"{sign}{h:02d}:{m:02d}"


def _first_fix(track: Track) -> Optional[tuple[float, float]]:
    """The first position of the track, skipping exact (0, 0): receivers write it before a fix."""
    s = track.samples
    if "lat_deg" not in s or "lon_deg" not in s:
        return None
    lat = s["lat_deg"].to_numpy(dtype=float)
    lon = s["lon_deg"].to_numpy(dtype=float)
    ok = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon) & ((lat != 0.0) | (lon != 0.0)))
    return (float(lat[ok[0]]), float(lon[ok[0]])) if ok.size else None


def with_local_time(track: Track) -> Track:
    """The track with ``meta.utc_offset_s`` and ``meta.utc_offset_source`` settled (see the
    module docstring for the order); the same track when nothing changes.

    A FIT offset from the watch is kept as it is, unless it is zero: several watches write
    their local time equal to UTC wherever they are (COROS APEX Pro and PACE 2 files of 2020
    in Prague and Bogota, a TomTom in Berlin). Otherwise the first fix's zone decides; a file
    offset that agrees with it stays ``"file"``, one that disagrees is replaced, with a warning
    naming both, unless the fix is at sea (a nautical ``Etc/GMT±N`` zone).
    """
    meta = track.meta
    if meta.start_time is None or (meta.format == "fit" and meta.utc_offset_s):
        return track
    fix = _first_fix(track)
    if fix is None:
        return track
    offset_s, zone = offset_at(fix[0], fix[1], meta.start_time)
    if offset_s is None or offset_s == meta.utc_offset_s:
        return track
    if meta.utc_offset_s is not None and zone.startswith("Etc/"):
        return track  # at sea only a nautical zone (whole hours by longitude): the file knows better
    warnings = meta.warnings
    if meta.utc_offset_s is not None:
        warnings += (
            f"the file gives local time as UTC{format_offset(meta.utc_offset_s)}, but where the "
            f"activity started ({zone}) it was UTC{format_offset(offset_s)} then: local time "
            "follows the place",
        )
    return replace(track, meta=replace(meta, utc_offset_s=offset_s, utc_offset_source="coordinates",
                                       warnings=warnings))
