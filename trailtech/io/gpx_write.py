"""Write tracks and courses as GPX 1.1, with gpxpy's object model.

Two writers:

* :func:`to_gpx` writes one :class:`~trailtech.track.Track` as a GPX 1.1 activity: one ``<trk>``,
  one ``<trkseg>`` per recording segment, ``<ele>``, ``<time>`` and the Garmin
  TrackPointExtension v1 (``hr``, ``cad``, ``atemp``), which is what Garmin Connect and Strava
  exports look like.
* :func:`courses_to_gpx` writes named polylines (line-practice targets, climbs) as GPX tracks with
  a start waypoint each; watches import a GPX track as a course.

gpxpy builds the document (it escapes element text; the ``creator`` attribute, which it writes
as given, is escaped here). Numbers are written in full, never in exponent notation (GPX uses
``xsd:decimal``), so they read back to the same floats; times to the microsecond. The output
reads back with gpxpy and with :func:`trailtech.io.gpx.read_gpx`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import gpxpy.gpx
import numpy as np
import pandas as pd

from ..track import Track

__all__ = ["GPX11_NS", "TPX1_NS", "courses_to_gpx", "to_gpx"]

GPX11_NS = "http://www.topografix.com/GPX/1/1"
TPX1_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_SCHEMA_LOCATIONS = [
    "http://www.topografix.com/GPX/1/1",
    "http://www.topografix.com/GPX/1/1/gpx.xsd",
    TPX1_NS,
    "http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd",
]
_CADENCE_UNITS = ("strides", "steps")


class _Decimal(float):
    """A float gpxpy writes in full: the shortest text that reads back to it, no exponent.

    gpxpy writes ``str(value)`` and, for exponent notation, only 10 decimals (a longitude of
    1.2345678e-05 would lose digits).
    """

    __slots__ = ()

    def __str__(self) -> str:
        return np.format_float_positional(float(self), trim="-")


def _decimal(x: float) -> _Decimal | None:
    return _Decimal(x) if np.isfinite(x) else None


def _round_half_up(x: np.ndarray) -> np.ndarray:
    # Garmin writes integer cadence rounded half up (85.5 strides/min -> 86), not to even.
    return np.floor(x + 0.5)


def _document(creator: str, *, with_tpx: bool) -> gpxpy.gpx.GPX:
    gpx = gpxpy.gpx.GPX()
    gpx.version = "1.1"
    gpx.creator = escape(str(creator), {'"': "&quot;"})  # gpxpy writes attributes as given
    gpx.schema_locations = list(_SCHEMA_LOCATIONS)
    if with_tpx:
        gpx.nsmap["gpxtpx"] = TPX1_NS
    return gpx


def _serialise(gpx: gpxpy.gpx.GPX) -> bytes:
    return gpx.to_xml(version="1.1").encode("utf-8")


def _column(samples: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in samples:
        return None
    values = samples[name].to_numpy(dtype=float)
    return values if np.isfinite(values).any() else None


def _datetimes(times) -> np.ndarray:
    """UTC datetimes (microseconds), None where the time is missing."""
    t = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    out = np.full(len(t), None, dtype=object)
    ok = ~t.isna()
    out[ok] = t[ok].to_pydatetime()
    return out


def _extensions(i: int, hr, cad, atemp, power) -> list[ElementTree.Element]:
    """A point's ``<extensions>`` children: Strava's plain ``<power>``, then Garmin's TPX v1."""
    out = []
    if power is not None and np.isfinite(power[i]):
        # Strava's convention: <power> directly under <extensions>, in the GPX namespace.
        element = ElementTree.Element("power")
        element.text = str(int(_round_half_up(power[i])))
        out.append(element)
    fields = [
        (name, text(values[i]))
        for name, values, text in (
            ("atemp", atemp, lambda v: str(_Decimal(v))),
            ("hr", hr, lambda v: str(int(v))),
            ("cad", cad, lambda v: str(int(v))),
        )
        if values is not None and np.isfinite(values[i])
    ]
    if fields:
        tpx = ElementTree.Element(f"{{{TPX1_NS}}}TrackPointExtension")
        for name, text in fields:
            ElementTree.SubElement(tpx, f"{{{TPX1_NS}}}{name}").text = text
        out.append(tpx)
    return out


def to_gpx(
    track: Track,
    *,
    name: str | None = None,
    creator: str = "trailtech",
    cadence: str = "strides",
) -> bytes:
    """Write a track as a GPX 1.1 activity with Garmin TrackPointExtension v1.

    Parameters
    ----------
    track : Track
        The activity. A GPX ``<trkpt>`` must have a position, so a sample without one (NaN
        ``lat_deg``/``lon_deg``: a FIT record with cadence, heart rate or elevation but no GPS
        fix yet) is written at the position interpolated in time between the fixes around it
        (held at the first or last fix beyond them), with ``<fix>none</fix>`` (GPX 1.1: no
        fix), so its other values are kept and :func:`trailtech.io.gpx.read_gpx` reads its
        position back as missing. A track without any fix writes no points. NaN elevation,
        heart rate, cadence and temperature are omitted point by point; NaT times are omitted
        too.
    name : str, optional
        ``<trk><name>`` and ``<metadata><name>``; defaults to nothing.
    creator : str
        The ``creator`` attribute of ``<gpx>``; readers take it as the device name.
    cadence : {"strides", "steps"}
        How to write ``cadence_spm`` [steps/min] into ``<gpxtpx:cad>``: ``"strides"`` writes
        strides/min (``cadence_spm / 2`` rounded half up), as Garmin Connect and Strava exports
        of running activities do; ``"steps"`` writes steps/min rounded half up.

    Returns
    -------
    bytes
        The UTF-8 encoded GPX document, with an XML declaration.

    Raises
    ------
    ValueError
        If ``cadence`` is not ``"strides"`` or ``"steps"``.

    Examples
    --------
    >>> data = to_gpx(track, name="Morning trail run")  # doctest: +SKIP
    >>> open("run.gpx", "wb").write(data)  # doctest: +SKIP
    """
    if cadence not in _CADENCE_UNITS:
        raise ValueError(f"cadence must be 'strides' or 'steps', got {cadence!r}")
    s = track.samples
    n = len(s)
    lat = _column(s, "lat_deg")
    lon = _column(s, "lon_deg")
    if lat is None or lon is None:
        lat = lon = np.full(n, np.nan)
    ele = _column(s, "elevation_m")
    hr = _column(s, "heart_rate_bpm")
    cad = _column(s, "cadence_spm")
    atemp = _column(s, "temperature_c")
    power = _column(s, "power_w")
    if cad is not None:
        cad = _round_half_up(cad / 2.0 if cadence == "strides" else cad)
    if hr is not None:
        hr = _round_half_up(hr)
    times = _datetimes(s["time"]) if "time" in s else np.full(n, None, dtype=object)
    segment = s["segment"].to_numpy() if "segment" in s else np.zeros(n, dtype=np.int64)

    gpx = _document(creator, with_tpx=hr is not None or cad is not None or atemp is not None)
    if name:
        gpx.name = str(name)
    start = track.meta.start_time
    if start is not None:
        gpx.time = _datetimes([start])[0]
    elif n:
        gpx.time = times[0]
    trk = gpxpy.gpx.GPXTrack(name=str(name) if name else None)
    if track.meta.sport:
        # GPX 1.1 puts <type> in <trk> (metadata has none); Strava and Garmin do the same.
        trk.type = str(track.meta.sport)
    gpx.tracks.append(trk)

    has_pos = np.isfinite(lat) & np.isfinite(lon)
    lat_w, lon_w = _positions_for_every_record(lat, lon, has_pos, s)
    # A segment starts wherever the segment number changes; one whose points all lack a
    # position is not written (a <trkseg> without points says nothing).
    starts = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]]) if n else []
    for a, b in zip(starts, [*starts[1:], n]):
        seg = gpxpy.gpx.GPXTrackSegment()
        for i in np.flatnonzero(np.isfinite(lat_w[a:b])) + a:
            pt = gpxpy.gpx.GPXTrackPoint(
                _Decimal(lat_w[i]),
                _Decimal(lon_w[i]),
                elevation=None if ele is None else _decimal(ele[i]),
                time=times[i],
            )
            if not has_pos[i]:
                pt.type_of_gpx_fix = "none"
            pt.extensions = _extensions(i, hr, cad, atemp, power)
            seg.points.append(pt)
        if seg.points:
            trk.segments.append(seg)
    return _serialise(gpx)


def _positions_for_every_record(lat: np.ndarray, lon: np.ndarray, has_pos: np.ndarray,
                                samples: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A position for every record [deg]: its own fix, or interpolated in time (in record order
    without times) between the fixes around it, held beyond the first and last; all NaN when
    the track has no fix."""
    if not has_pos.any():
        return lat, lon
    n = lat.size
    x = np.arange(n, dtype=float)
    if "elapsed_s" in samples:
        t = samples["elapsed_s"].to_numpy(dtype=float)
        if np.isfinite(t).all() and np.all(np.diff(t) >= 0):
            x = t
    k = np.flatnonzero(has_pos)
    return (np.where(has_pos, lat, np.interp(x, x[k], lat[k])),
            np.where(has_pos, lon, np.interp(x, x[k], lon[k])))


def courses_to_gpx(courses: Sequence[Mapping], *, creator: str = "trailtech") -> bytes:
    """Write named polylines as GPX tracks that a watch loads as courses.

    Parameters
    ----------
    courses : sequence of mappings
        Each with ``"name"`` (str), optional ``"desc"`` (str), and equal-length arrays
        ``"lat_deg"``, ``"lon_deg"`` [deg] and ``"elevation_m"`` [m] (NaN elevation is omitted).
        Points without a finite position are left out.
    creator : str
        The ``creator`` attribute of ``<gpx>``.

    Returns
    -------
    bytes
        A GPX 1.1 document: one ``<wpt>`` at the start of each course, named like the course,
        then one named ``<trk>`` per course.

    Raises
    ------
    ValueError
        If a course lacks a name or a coordinate array, or its arrays differ in length.
    """
    gpx = _document(creator, with_tpx=False)
    for k, course in enumerate(courses):
        name = course.get("name")
        if not name:
            raise ValueError(f"courses[{k}] needs a non-empty 'name'")
        try:
            lat = np.asarray(course["lat_deg"], dtype=float)
            lon = np.asarray(course["lon_deg"], dtype=float)
        except KeyError as exc:
            raise ValueError(
                f"courses[{k}] ({name!r}) has no {exc.args[0]!r} array"
            ) from None
        ele = course.get("elevation_m")
        ele = np.full(len(lat), np.nan) if ele is None else np.asarray(ele, dtype=float)
        if not (len(lat) == len(lon) == len(ele)):
            raise ValueError(
                f"courses[{k}] ({name!r}): lat_deg, lon_deg and elevation_m must have the same "
                f"length, got {len(lat)}, {len(lon)}, {len(ele)}"
            )
        keep = np.isfinite(lat) & np.isfinite(lon)
        lat, lon, ele = lat[keep], lon[keep], ele[keep]
        points = [
            gpxpy.gpx.GPXTrackPoint(_Decimal(a), _Decimal(b), elevation=_decimal(e))
            for a, b, e in zip(lat, lon, ele)
        ]
        if points:
            # gpxpy writes every <wpt> before every <trk>, as the GPX 1.1 schema orders them.
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    points[0].latitude,
                    points[0].longitude,
                    elevation=points[0].elevation,
                    name=str(name),
                )
            )
        desc = course.get("desc")
        trk = gpxpy.gpx.GPXTrack(name=str(name), description=str(desc) if desc else None)
        trk.segments.append(gpxpy.gpx.GPXTrackSegment(points))
        gpx.tracks.append(trk)
    return _serialise(gpx)
