"""GPX reader: GPX 1.0 and 1.1 tracks (routes when there is no track) -> :class:`Track`.

Three engines give the same result:

* ``"auto"`` (default): the byte scanner of :mod:`trailtech.io.gpx_scan` (numpy over the raw
  bytes, with a libxml2 well-formedness check run alongside; ~4x the tree path, ~18-21x
  gpxpy.parse in wall time on a 2 MB file), and the lxml
  tree path for any document it is not sure about (recovery mode, DOCTYPE, unusual namespace
  layouts, other encodings, routes): its Track is identical to the tree path's, warnings
  included (tests/io/test_gpx_scan.py);
* ``"lxml"``: one safe lxml parse (:mod:`trailtech.io.xmlsafe`) and one pass over the track
  points, collecting text per field and converting whole columns with numpy;
* ``"gpxpy"``: the reference path through gpxpy (strict XML only: it refuses files the fast path
  reads in recovery mode).

What is read, per ``<trkpt>`` (every ``<trk>`` and ``<trkseg>``; ``samples["segment"]`` counts
the ``<trkseg>`` elements across all tracks, 0-based):

============================ ==============================================================
GPX                          column
============================ ==============================================================
``lat``, ``lon`` attributes  ``lat_deg``, ``lon_deg`` (a point without them keeps NaN)
``<ele>``                    ``elevation_m`` (missing stays NaN, never 0)
``<time>``                   ``time`` (``Z`` or offsets, converted to UTC)
``<speed>`` (GPX 1.0)        ``device_speed_mps``
extensions                   ``heart_rate_bpm``, ``cadence_spm``, ``power_w``,
                             ``temperature_c``, ``device_distance_m``, ``device_speed_mps``
============================ ==============================================================

``<ele>``, ``<time>`` and ``<speed>`` are read as children of ``<trkpt>`` only; inside
``<extensions>`` (any depth) only the extension fields below are read.
Extensions are matched by namespace URI, never by prefix: Garmin TrackPointExtension v1/v2
(``hr``, ``cad``, ``atemp``, v2 ``speed``) first, then Cluetrust GPXDATA (``hr``, ``cadence``,
``temp``, ``distance``, ``speed``, ``power``), then plain children of ``<extensions>`` in any
other namespace or none, by name (Strava/Amazfit ``heartrate``, ``cadence``, ``power``,
``distance``, ``temperature``). A value from an earlier source wins where several exist.

Cadence is normalised to steps/min (see :func:`trailtech.io._build.normalise_cadence`): GPX
running cadence from Garmin and Strava is strides/min and is doubled when the values say so.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import TrackReadError, UnsupportedFormatError
from ..track import SessionInfo, Track
from ._build import build_track, merge_priority, normalise_sport, parse_times, to_float
from .gpx_scan import GpxScan, start_scan
from .xmlsafe import invalid_text_error, local_name, namespace, parse_xml

__all__ = ["GPX_ENGINES", "read_gpx"]

GPX_ENGINES = ("auto", "lxml", "gpxpy")

GPX10_NS = "http://www.topografix.com/GPX/1/0"
GPX11_NS = "http://www.topografix.com/GPX/1/1"
TPX1_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX2_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
GPXDATA_NS = "http://www.cluetrust.com/XML/GPXDATA/1/0"

# (namespace, local name) -> column, for the namespaces whose meaning is documented.
_KNOWN: dict[str, dict[str, str]] = {
    TPX1_NS: {
        "hr": "heart_rate_bpm",
        "cad": "cadence_raw",
        "atemp": "temperature_c",
        "power": "power_w",
    },
    TPX2_NS: {
        "hr": "heart_rate_bpm",
        "cad": "cadence_raw",
        "atemp": "temperature_c",
        "speed": "device_speed_mps",
        "power": "power_w",
    },
    GPXDATA_NS: {
        "hr": "heart_rate_bpm",
        "cadence": "cadence_raw",
        "temp": "temperature_c",
        "distance": "device_distance_m",
        "speed": "device_speed_mps",
        "power": "power_w",
    },
}
# Plain extension children by lower-case local name (any other namespace, or none).
_GENERIC = {
    "heartrate": "heart_rate_bpm",
    "heart_rate": "heart_rate_bpm",
    "hr": "heart_rate_bpm",
    "cadence": "cadence_raw",
    "cad": "cadence_raw",
    "runcadence": "cadence_raw",
    "power": "power_w",
    "watts": "power_w",
    "distance": "device_distance_m",
    "temperature": "temperature_c",
    "temp": "temperature_c",
    "atemp": "temperature_c",
}
_PRIORITY_KNOWN = {TPX1_NS: 0, TPX2_NS: 0, GPXDATA_NS: 1}
_PRIORITY_GENERIC = 2
_EXT_COLUMNS = (
    "heart_rate_bpm",
    "cadence_raw",
    "power_w",
    "temperature_c",
    "device_distance_m",
    "device_speed_mps",
)


class _ExtensionMap:
    """Caches, per Clark tag, which (column, priority) an extension element feeds, if any."""

    def __init__(self) -> None:
        self._cache: dict[object, tuple[str, int] | None] = {}

    def __call__(self, tag: object) -> tuple[str, int] | None:
        try:
            return self._cache[tag]
        except KeyError:
            pass
        key = None
        if isinstance(tag, str):
            ns, name = namespace(tag), local_name(tag)
            if ns in _KNOWN:
                column = _KNOWN[ns].get(name)
                key = (column, _PRIORITY_KNOWN[ns]) if column else None
            else:
                column = _GENERIC.get(name.lower())
                key = (column, _PRIORITY_GENERIC) if column else None
        self._cache[tag] = key
        return key


class _Columns:
    """Text collected per field, with the index of the point it belongs to."""

    def __init__(self) -> None:
        self.lat: list = []
        self.lon: list = []
        self.fields: dict[tuple[str, int], tuple[list, list]] = {}

    def add(self, key: tuple[str, int], i: int, text) -> None:
        slot = self.fields.get(key)
        if slot is None:
            slot = self.fields[key] = ([], [])
        slot[0].append(i)
        slot[1].append(text)

    def arrays(self, n: int) -> dict[str, np.ndarray]:
        return _merge_columns(
            n,
            {key: (idx, to_float(texts)) for key, (idx, texts) in self.fields.items()},
        )


def _merge_columns(
    n: int, layers: dict[tuple[str, int], tuple[object, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Per column, its sources merged by priority; columns without any value are left out."""
    out = {}
    for column in ("elevation_m", "device_speed_mps", *_EXT_COLUMNS):
        priorities = sorted(p for (c, p) in layers if c == column)
        if not priorities:
            continue
        values = merge_priority(n, [layers[(column, p)] for p in priorities])
        if np.isfinite(values).any():
            out[column] = values
    return out


def _times(cols: _Columns, n: int) -> np.ndarray:
    times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    slot = cols.fields.get(("time", 0))
    if slot:
        times[np.asarray(slot[0], dtype=np.intp)] = parse_times(slot[1])
    return times


def _finish(
    columns: dict[str, np.ndarray],
    times: np.ndarray,
    *,
    source: str,
    sport_text: str | None,
    creator: str | None,
    warnings: list[str],
) -> Track:
    """``columns`` holds lat/lon, the merged fields and ``segment``; ``times`` the point times."""
    n = len(times)
    if n == 0:
        warnings.append("the GPX file has no track or route points")
    sport, sub_sport = normalise_sport(sport_text)
    device = " ".join(creator.split()) if creator and creator.strip() else None
    track = build_track(
        columns,
        times,
        source=source,
        fmt="gpx",
        sport=sport,
        sub_sport=sub_sport,
        device=device,
        warnings=warnings,
    )
    start = track.meta.start_time
    return replace(
        track,
        meta=replace(track.meta, sessions=(SessionInfo(0, sport, sub_sport, start),)),
    )


def _columns_of(cols: _Columns, segment: np.ndarray) -> dict[str, np.ndarray]:
    n = len(segment)
    columns: dict[str, np.ndarray] = {
        "lat_deg": to_float(cols.lat),
        "lon_deg": to_float(cols.lon),
    }
    columns.update(cols.arrays(n))
    columns["segment"] = segment
    return columns


def _points_lxml(root, G: str) -> tuple[list, str]:
    """Point elements grouped by segment; routes only when the file has no track points."""
    groups = [
        seg.findall(G + "trkpt")
        for trk in root.iterchildren(G + "trk")
        for seg in trk.iterchildren(G + "trkseg")
    ]
    if any(groups):
        return groups, "trk"
    routes = [rte.findall(G + "rtept") for rte in root.iterchildren(G + "rte")]
    if any(routes):
        return routes, "rte"
    return groups, "trk"


def _read_lxml(data: bytes, source: str) -> Track:
    root, warnings = parse_xml(data, source)
    if local_name(root.tag) != "gpx":
        raise UnsupportedFormatError(
            source, f"the XML root is <{local_name(root.tag)}>, not <gpx>"
        )
    ns = namespace(root.tag)
    G = f"{{{ns}}}" if ns else ""
    if ns not in ("", GPX10_NS, GPX11_NS):
        warnings.append(f"unknown GPX namespace {ns!r}; read as GPX 1.1")
    ELE, TIME, SPEED, EXT = G + "ele", G + "time", G + "speed", G + "extensions"

    groups, kind = _points_lxml(root, G)
    if kind == "rte":
        warnings.append("the GPX file has no track; its route points were read instead")
    cols = _Columns()
    ext_map = _ExtensionMap()
    lat, lon = cols.lat, cols.lon
    # Per tag, the (indices, texts) lists it feeds, or None: one dict lookup per element is
    # the whole cost of the hot loop (lxml element access dominates). A point's own children
    # feed only <ele>, <time> and <speed>; extension descendants are mapped by _ExtensionMap.
    direct: dict[object, tuple[list, list]] = {}
    for tag, key in (
        (ELE, ("elevation_m", 0)),
        (TIME, ("time", 0)),
        (SPEED, ("device_speed_mps", 0)),
    ):
        direct[tag] = cols.fields.setdefault(key, ([], []))
    extension: dict[object, tuple[list, list] | None] = {}

    def extension_slot(tag: object) -> tuple[list, list] | None:
        key = ext_map(tag)
        slot = None if key is None else cols.fields.setdefault(key, ([], []))
        extension[tag] = slot
        return slot

    seg_lengths = []
    i = 0
    for pts in groups:
        seg_lengths.append(len(pts))
        for pt in pts:
            lat.append(pt.get("lat"))
            lon.append(pt.get("lon"))
            for child in pt:
                tag = child.tag
                if tag == EXT:
                    for e in child.iterdescendants():
                        etag = e.tag
                        try:
                            slot = extension[etag]
                        except KeyError:
                            slot = extension_slot(etag)
                        if slot is not None:
                            slot[0].append(i)
                            slot[1].append(e.text)
                    continue
                slot = direct.get(tag)
                if slot is not None:
                    slot[0].append(i)
                    slot[1].append(child.text)
            i += 1
    for key in [k for k, v in cols.fields.items() if not v[0]]:
        del cols.fields[key]
    segment = np.repeat(np.arange(len(seg_lengths), dtype=np.int64), seg_lengths)
    trk = root.find(G + ("trk" if kind == "trk" else "rte"))
    sport_text = trk.findtext(G + "type") if trk is not None else None
    return _finish(
        _columns_of(cols, segment),
        _times(cols, len(segment)),
        source=source,
        sport_text=sport_text,
        creator=root.get("creator"),
        warnings=warnings,
    )


def _read_scan(data: bytes, source: str) -> Track | None:
    """The byte scanner's reading (:mod:`trailtech.io.gpx_scan`), ``None`` when it declines.

    The values are converted while the document is still being proven well-formed; they are
    used only once the proof passes.
    """
    started = start_scan(data)
    if started is None:
        return None
    failure = None
    try:
        with np.errstate(all="ignore"):
            values = _values_of_scan(started.scan)
    except Exception as exc:  # judged below, once it is known whether the document is broken
        values, failure = None, exc
    scan = started.final()
    if scan is None:
        return None
    if scan is not started.scan:
        values = _values_of_scan(scan)
    elif failure is not None:
        raise failure  # a well-formed document the conversion cannot handle: a bug
    columns, times = values
    return _finish(
        columns,
        times,
        source=source,
        sport_text=scan.sport_text,
        creator=scan.creator,
        warnings=[],
    )


def _values_of_scan(scan: GpxScan) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A scan's columns (texts converted, fields merged per point) and point times."""
    n = scan.n_points
    G = f"{{{scan.gpx_namespace}}}" if scan.gpx_namespace else ""
    own = {
        G + "ele": ("elevation_m", 0),
        G + "time": ("time", 0),
        G + "speed": ("device_speed_mps", 0),
    }
    ext_map = _ExtensionMap()
    own_keys = [own.get(tag) for tag in scan.tags]
    ext_keys = [ext_map(tag) for tag in scan.tags]
    keys = sorted({k for k in own_keys + ext_keys if k is not None})
    code = {key: i for i, key in enumerate(keys)}
    own_code = np.array([code.get(k, -1) for k in own_keys], dtype=np.int64)
    ext_code = np.array([code.get(k, -1) for k in ext_keys], dtype=np.int64)
    field_code = np.where(
        scan.field_extension, ext_code[scan.field_tag], own_code[scan.field_tag]
    )
    times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    selections = {}
    for key, i in code.items():
        # document order is kept: where a point has two values, the later wins, as in lxml
        sel = np.flatnonzero(field_code == i)
        if sel.size == 0:
            continue
        if key == ("time", 0):
            start, stop = scan.field_start[sel], scan.field_stop[sel]
            times[scan.field_point[sel]] = scan.times(start, stop)
        else:
            selections[key] = sel
    # every number of the document in one batch (positions first, then the fields); each
    # column is still converted all-or-nothing as to_float does
    spans = [
        (scan.field_start[sel], scan.field_stop[sel]) for sel in selections.values()
    ]
    plain_coordinates = scan.lat_span is not None
    if plain_coordinates:
        spans = [scan.lat_span, scan.lon_span, *spans]
    values = scan.floats_many(spans)
    if plain_coordinates:
        lat, lon, values = values[0], values[1], values[2:]
    else:
        lat, lon = scan.lat_deg, scan.lon_deg
    layers = {
        key: (scan.field_point[sel], v)
        for (key, sel), v in zip(selections.items(), values)
    }
    columns = {"lat_deg": lat, "lon_deg": lon}
    columns.update(_merge_columns(n, layers))
    columns["segment"] = scan.segment
    return columns, times


def _read_gpxpy(data: bytes, source: str) -> Track:
    import gpxpy
    import gpxpy.gpx

    from .xmlsafe import strip_leading_space

    # The same refusals as the lxml path (entities, external DTD, limits) before gpxpy's
    # parser sees the document.
    parse_xml(data, source)
    text = strip_leading_space(data).decode("utf-8-sig", errors="replace")
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise TrackReadError(source, f"gpxpy cannot read the GPX: {exc}") from None
    groups = [seg.points for trk in gpx.tracks for seg in trk.segments]
    warnings: list[str] = []
    kind_obj = gpx.tracks[0] if gpx.tracks else None
    if not any(groups) and any(r.points for r in gpx.routes):
        groups = [r.points for r in gpx.routes]
        kind_obj = gpx.routes[0]
        warnings.append("the GPX file has no track; its route points were read instead")
    cols = _Columns()
    ext_map = _ExtensionMap()
    seg_lengths = []
    i = 0
    for pts in groups:
        seg_lengths.append(len(pts))
        for p in pts:
            cols.lat.append(p.latitude)
            cols.lon.append(p.longitude)
            if p.elevation is not None:
                cols.add(("elevation_m", 0), i, p.elevation)
            if p.time is not None:
                cols.add(("time", 0), i, p.time)
            if getattr(p, "speed", None) is not None:
                cols.add(("device_speed_mps", 0), i, p.speed)
            for ext in p.extensions:
                for e in ext.iter():
                    key = ext_map(e.tag)
                    if key is not None:
                        cols.add(key, i, e.text)
            i += 1
    # gpxpy hands back datetimes, not text: convert them here.
    slot = cols.fields.get(("time", 0))
    if slot:
        import pandas as pd

        stamps = pd.to_datetime(
            pd.Series(slot[1], dtype=object), utc=True, errors="coerce"
        )
        slot[1][:] = [
            None if pd.isna(t) else t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in stamps
        ]
    segment = np.repeat(np.arange(len(seg_lengths), dtype=np.int64), seg_lengths)
    sport_text = getattr(kind_obj, "type", None) if kind_obj is not None else None
    return _finish(
        _columns_of(cols, segment),
        _times(cols, len(segment)),
        source=source,
        sport_text=sport_text,
        creator=gpx.creator,
        warnings=warnings,
    )


def read_gpx(data: bytes, source: str, *, engine: str = "auto") -> Track:
    """Read a GPX 1.0 or 1.1 document.

    Parameters
    ----------
    data : bytes
        The document (any XML encoding; a BOM and leading whitespace are tolerated).
    source : str
        File name for messages and ``meta.source``.
    engine : {"auto", "lxml", "gpxpy"}
        ``"auto"``: the byte scanner, falling back to the lxml tree path when it declines;
        ``"lxml"``: the tree path; ``"gpxpy"``: the gpxpy reference path.

    Returns
    -------
    Track
        ``meta.format == "gpx"``; ``meta.n_records`` is the number of ``<trkpt>`` (or
        ``<rtept>``); ``meta.sport`` from the first ``<trk><type>`` (Strava's numbers decoded);
        ``meta.device`` from the ``creator`` attribute.

    Raises
    ------
    TrackReadError
        The XML is unsafe or broken beyond recovery.
    UnsupportedFormatError
        The XML is not GPX.
    ValueError
        Unknown ``engine``.
    """
    if engine not in GPX_ENGINES:
        raise ValueError(f"engine must be one of {GPX_ENGINES}, got {engine!r}")
    try:
        if engine == "auto":
            track = _read_scan(data, source)
            return track if track is not None else _read_lxml(data, source)
        if engine == "lxml":
            return _read_lxml(data, source)
        return _read_gpxpy(data, source)
    except UnicodeDecodeError:
        raise invalid_text_error(source) from None
