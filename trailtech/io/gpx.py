"""GPX reader: GPX 1.0 and 1.1 tracks (routes when there is no track) -> :class:`Track`.

The document is parsed once by lxml with the protections of :mod:`trailtech.io.xmlsafe` (no
file or network access, no entities, size and depth limits; broken exports are read in
recovery mode with a warning). The values are then gathered by lxml's own tag-filtered
iteration, text per field, and each field is converted as a whole column with numpy.

What is read, per ``<trkpt>`` (every ``<trk>`` and ``<trkseg>``; ``samples["segment"]`` counts
the ``<trkseg>`` elements across all tracks, 0-based):

============================ ==============================================================
GPX                          column
============================ ==============================================================
``lat``, ``lon`` attributes  ``lat_deg``, ``lon_deg`` (a point without them, or with
                             ``<fix>none</fix>``, keeps NaN)
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
``temp``, ``distance``, ``speed``, ``power``), then elements of any other namespace or none, by
name (Strava/Amazfit ``heartrate``, ``cadence``, ``power``, ``distance``, ``temperature``,
written in lower case, upper case, Capitalised or camelCase: ``HeartRate``, ``runCadence``).
A value from an earlier source wins where several exist; within one source, the last element
of a point wins. Elements that recovery mode left with an unbound prefix
(``<gpxdata:cadence>`` where ``gpxdata`` is never declared) count as plain names.

Cadence is normalised to steps/min by :mod:`trailtech.io.normalise`: GPX running cadence from
Garmin and Strava is strides/min and is doubled when the values say so.

Several ``<trk>`` with :data:`~trailtech.io.split.TRACK_GAP_S` (3 h) or more between them are
separate activities (:func:`read_gpx_activities`; :func:`read_gpx` returns the longest, with a
note); tracks closer in time are one activity, each ``<trkseg>`` a ``segment``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import TrackReadError, UnsupportedFormatError
from ..localtime import written_offset_s
from ..track import SessionInfo, Track
from ._build import build_track, merge_priority, normalise_sport, parse_times, to_float
from .split import MAX_ACTIVITIES, choose, gap_groups, number, too_many
from .xmlsafe import (
    XmlLimits,
    check_points,
    invalid_text_error,
    local_name,
    namespace,
    parse_xml,
)

__all__ = ["GPX_ENGINES", "read_gpx", "read_gpx_activities"]

#: ``"auto"`` and ``"lxml"`` are the same reader; ``"gpxpy"`` is the reference path.
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
# Extension elements of any other namespace (or none) by lower-case local name; the words of a
# compound name are listed so that its camelCase spelling can be matched too.
_GENERIC: dict[tuple[str, ...], str] = {
    ("heart", "rate"): "heart_rate_bpm",
    ("heart_", "rate"): "heart_rate_bpm",
    ("hr",): "heart_rate_bpm",
    ("cadence",): "cadence_raw",
    ("cad",): "cadence_raw",
    ("run", "cadence"): "cadence_raw",
    ("power",): "power_w",
    ("watts",): "power_w",
    ("distance",): "device_distance_m",
    ("temperature",): "temperature_c",
    ("temp",): "temperature_c",
    ("atemp",): "temperature_c",
}
_GENERIC_BY_NAME = {"".join(words): column for words, column in _GENERIC.items()}
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


def _spellings(words: tuple[str, ...]) -> set[str]:
    """``heart rate`` -> heartrate, HEARTRATE, Heartrate, heartRate, HeartRate."""
    name = "".join(words)
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return {name, name.upper(), name.capitalize(), camel, camel[0].upper() + camel[1:]}


#: Tags (lxml notation) of every extension element that can feed a column; ``{*}`` is any
#: namespace or none. lxml filters on them in C, so elements nobody reads cost nothing.
_EXTENSION_TAGS = sorted(
    {f"{{{ns}}}{name}" for ns, names in _KNOWN.items() for name in names}
    | {f"{{*}}{s}" for words in _GENERIC for s in _spellings(words)}
)


def _extension_key(tag: object) -> tuple[str, int] | None:
    """The (column, priority) an extension element feeds, or None."""
    if not isinstance(tag, str):
        return None
    ns, name = namespace(tag), local_name(tag)
    if ns in _KNOWN:
        column = _KNOWN[ns].get(name)
        return (column, _PRIORITY_KNOWN[ns]) if column else None
    column = _GENERIC_BY_NAME.get(name.lower())
    return (column, _PRIORITY_GENERIC) if column else None


class _Fields(dict):
    """(column, priority) -> (point indices, texts): what was found, in document order."""

    def slot(self, key: tuple[str, int]) -> tuple[list, list]:
        found = self.get(key)
        if found is None:
            found = self[key] = ([], [])
        return found

    def columns(self, n: int) -> dict[str, np.ndarray]:
        """Per column, its sources converted and merged by priority; empty columns left out."""
        out = {}
        for column in ("elevation_m", "device_speed_mps", *_EXT_COLUMNS):
            priorities = sorted(p for (c, p) in self if c == column)
            if not priorities:
                continue
            layers = [(self[(column, p)][0], to_float(self[(column, p)][1])) for p in priorities]
            values = merge_priority(n, layers)
            if np.isfinite(values).any():
                out[column] = values
        return out

    def subset(self, keep: np.ndarray) -> "_Fields":
        """The fields of the points where ``keep`` is True, renumbered among them."""
        renumber = np.cumsum(keep) - 1
        out = _Fields()
        for key, (index, texts) in self.items():
            index = np.asarray(index, dtype=np.intp)
            mine = keep[index]
            if mine.any():
                out[key] = (renumber[index[mine]].tolist(), [t for t, m in zip(texts, mine) if m])
        return out

    def times(self, n: int) -> np.ndarray:
        times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        found = self.get(("time", 0))
        if found:
            times[np.asarray(found[0], dtype=np.intp)] = parse_times(found[1])
        return times


def _finish(
    lat: list,
    lon: list,
    fields: _Fields,
    lengths: list[int],
    *,
    source: str,
    sport_text: str | None,
    creator: str | None,
    warnings: list[str],
    offset_s: int | None = None,
) -> Track:
    """The Track from the texts gathered; ``lengths`` are the points per segment; ``offset_s``
    the offset written on the times [s] when the texts are no longer the file's (gpxpy)."""
    if offset_s is None:
        found = fields.get(("time", 0))
        offset_s = written_offset_s(found[1]) if found else None
    n = len(lat)
    if n == 0:
        warnings.append("the GPX file has no track or route points")
    columns = {"lat_deg": to_float(lat), "lon_deg": to_float(lon), **fields.columns(n)}
    columns["segment"] = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    sport, sub_sport = normalise_sport(sport_text)
    device = " ".join(creator.split()) if creator and creator.strip() else None
    track = build_track(
        columns,
        fields.times(n),
        source=source,
        fmt="gpx",
        sport=sport,
        sub_sport=sub_sport,
        device=device,
        warnings=warnings,
        utc_offset_s=offset_s,
    )
    start = track.meta.start_time
    return replace(
        track,
        meta=replace(track.meta, sessions=(SessionInfo(0, sport, sub_sport, start),)),
    )


def _point_groups(root, G: str) -> tuple[list[list], str, list[int]]:
    """Point elements per segment, and the index of the ``<trk>`` of each segment; route
    points (all of track 0) only when the file has no track point."""
    groups, owners = [], []
    for k, trk in enumerate(root.iterchildren(G + "trk")):
        for seg in trk.iterchildren(G + "trkseg"):
            groups.append(list(seg.iterchildren(G + "trkpt")))
            owners.append(k)
    if any(groups):
        return groups, "trk", owners
    routes = [list(rte.iterchildren(G + "rtept")) for rte in root.iterchildren(G + "rte")]
    if any(routes):
        return routes, "rte", [0] * len(routes)
    return groups, "trk", owners


def _split_tracks(
    lat: list,
    lon: list,
    fields: _Fields,
    lengths: list[int],
    owners: list[int],
    sport_texts: list,
    **finish,
) -> list[Track]:
    """The activities of the file: one Track, or one per group of ``<trk>`` that
    :data:`~trailtech.io.split.TRACK_GAP_S` or more separates (see :mod:`trailtech.io.split`).

    ``owners`` is the track index of each segment, ``sport_texts`` the ``<type>`` of each
    track; ``finish`` goes to :func:`_finish`.
    """
    if len(set(owners)) > 1:
        seg_of_point = np.repeat(np.arange(len(lengths)), lengths)
        owner = np.asarray(owners, dtype=np.int64)[seg_of_point]  # non-decreasing: document order
        times = fields.times(len(lat))
        t_s = np.where(np.isnat(times), np.nan, times.view(np.int64) / 1e9)
        # first and last time of each track in one pass (a file may hold many thousands)
        n_tracks = max(owners) + 1
        lo, hi = np.full(n_tracks, np.nan), np.full(n_tracks, np.nan)
        if owner.size:
            starts = np.flatnonzero(np.diff(owner, prepend=-1))
            lo[owner[starts]] = np.fmin.reduceat(t_s, starts)
            hi[owner[starts]] = np.fmax.reduceat(t_s, starts)
        spans = [(a, b) if np.isfinite(a) else (None, None) for a, b in zip(lo.tolist(), hi.tolist())]
        groups = gap_groups(spans)
        if len(groups) > MAX_ACTIVITIES:
            finish["warnings"] = list(finish["warnings"]) + [too_many(len(groups))]
            groups = groups[:1]
        if len(groups) > 1:
            tracks = []
            for g in groups:
                keep_seg = np.isin(np.asarray(owners), g)
                keep = keep_seg[seg_of_point]
                rows = np.flatnonzero(keep)
                tracks.append(_finish(
                    [lat[i] for i in rows], [lon[i] for i in rows], fields.subset(keep),
                    [n for n, k in zip(lengths, keep_seg) if k],
                    **{**finish, "sport_text": sport_texts[min(g)], "warnings": list(finish["warnings"])},
                ))
            return number(tracks)
    return [_finish(lat, lon, fields, lengths, **finish)]


def _extension_tags(root, recovered: bool) -> list[str]:
    tags = list(_EXTENSION_TAGS)
    if recovered:
        # An unbound prefix leaves the qualified name ("gpxdata:hr") in no namespace; only
        # recovery mode makes such elements, so they are looked for only then.
        tags += sorted(
            {e.tag for e in root.iter("{}*") if ":" in e.tag and _extension_key(e.tag)}
        )
    return tags


def _inside_extensions(node, point, EXT: str) -> bool:
    """Whether ``node`` is, or is inside, an ``<extensions>`` child of ``point``."""
    child = None
    while node is not None and node is not point:
        child, node = node, node.getparent()
    return node is not None and child is not None and child.tag == EXT


def _gather(root, points: list, G: str, recovered: bool) -> tuple[_Fields, list, list]:
    """Texts of the point fields, with the index of the point each belongs to, and positions.

    One pass of lxml's tag-filtered iteration (in C) over the elements that can hold a value,
    in document order: a point's start makes it the current point, and a field counts only
    if it is a child of the current point (``<ele>``, ``<time>``, ``<speed>``) or inside its
    ``<extensions>`` (extension fields); anything else is skipped.

    Returns
    -------
    fields : _Fields
    lat, lon : list of str or None
        The ``lat`` and ``lon`` attributes of each point.
    """
    fields = _Fields()
    lat: list = []
    lon: list = []
    if not points:
        return fields, lat, lon
    direct = {
        G + "ele": fields.slot(("elevation_m", 0)),
        G + "time": fields.slot(("time", 0)),
        G + "speed": fields.slot(("device_speed_mps", 0)),
    }
    POINT, EXT, FIX = points[0].tag, G + "extensions", G + "fix"
    slots: dict[str, tuple[list, list] | None] = {}
    n = len(points)
    point, i, following = None, None, 0  # points come in document order: the next expected
    last_parent, owner = None, None
    for e in root.iter(POINT, FIX, *direct, *_extension_tags(root, recovered)):
        tag = e.tag
        if tag == FIX:
            # GPX 1.1 <fix>none</fix>: the receiver had no fix, its position means nothing.
            if i is not None and e.getparent() is point and (e.text or "").strip() == "none":
                lat[i] = lon[i] = None
            continue
        if tag == POINT:
            # a <trkpt> outside <trk><trkseg> (say, inside <extensions>) is not a point
            point, i = e, (following if following < n and e is points[following] else None)
            if i is not None:
                following += 1
                lat.append(e.get("lat"))
                lon.append(e.get("lon"))
            continue
        if i is None:
            continue
        found = direct.get(tag)
        if found is not None:
            if e.getparent() is point:
                found[0].append(i)
                found[1].append(e.text)
            continue
        try:
            found = slots[tag]
        except KeyError:
            key = _extension_key(tag)
            found = slots[tag] = None if key is None else fields.slot(key)
        if found is None:
            continue
        parent = e.getparent()
        if parent is not last_parent:  # siblings (hr, cad) share one walk up
            last_parent = parent
            owner = i if _inside_extensions(parent, point, EXT) else None
        if owner is not None:
            found[0].append(owner)
            found[1].append(e.text)
    for key in [k for k, v in fields.items() if not v[0]]:
        del fields[key]
    return fields, lat, lon


def _read_lxml(data: bytes, source: str, limits: XmlLimits) -> list[Track]:
    root, warnings = parse_xml(data, source, limits)
    recovered = bool(warnings)  # parse_xml's only note says the XML was read in recovery mode
    if local_name(root.tag) != "gpx":
        raise UnsupportedFormatError(
            source, f"the XML root is <{local_name(root.tag)}>, not <gpx>"
        )
    ns = namespace(root.tag)
    G = f"{{{ns}}}" if ns else ""
    if ns not in ("", GPX10_NS, GPX11_NS):
        warnings.append(f"unknown GPX namespace {ns!r}; read as GPX 1.1")
    groups, kind, owners = _point_groups(root, G)
    if kind == "rte":
        warnings.append("the GPX file has no track; its route points were read instead")
    points = [pt for group in groups for pt in group]
    check_points(len(points), source, limits)
    fields, lat, lon = _gather(root, points, G, recovered)
    lengths = [len(group) for group in groups]
    first = root.find(G + kind)
    sport_text = first.findtext(G + "type") if first is not None else None
    sport_texts = [trk.findtext(G + "type") for trk in root.iterchildren(G + "trk")] or [sport_text]
    creator = root.get("creator")
    # The tree (about 8 times the document's bytes) is freed before the columns are built;
    # the element proxies go first: with the root gone, each would search the tree (x4 time).
    del groups, points, first
    del root
    return _split_tracks(
        lat,
        lon,
        fields,
        lengths,
        owners,
        sport_texts,
        source=source,
        sport_text=sport_text,
        creator=creator,
        warnings=warnings,
    )


def _read_gpxpy(data: bytes, source: str, limits: XmlLimits) -> list[Track]:
    import gpxpy
    import gpxpy.gpx
    import pandas as pd

    from .xmlsafe import strip_leading_space

    # The same refusals as the lxml path (entities, external DTD, limits) before gpxpy's
    # parser sees the document.
    root, _ = parse_xml(data, source, limits)
    check_points(sum(1 for _ in root.iter("{*}trkpt", "{*}rtept")), source, limits)
    del root
    text = strip_leading_space(data).decode("utf-8-sig", errors="replace")
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise TrackReadError(source, f"gpxpy cannot read the GPX: {exc}") from None
    groups = [seg.points for trk in gpx.tracks for seg in trk.segments]
    owners = [k for k, trk in enumerate(gpx.tracks) for _ in trk.segments]
    warnings: list[str] = []
    kind_obj = gpx.tracks[0] if gpx.tracks else None
    if not any(groups) and any(r.points for r in gpx.routes):
        groups = [r.points for r in gpx.routes]
        owners = [0] * len(groups)
        kind_obj = gpx.routes[0]
        warnings.append("the GPX file has no track; its route points were read instead")
    fields = _Fields()
    lat, lon = [], []
    i = 0
    for pts in groups:
        for p in pts:
            no_fix = getattr(p, "type_of_gpx_fix", None) == "none"
            lat.append(None if no_fix else p.latitude)
            lon.append(None if no_fix else p.longitude)
            for key, value in (
                (("elevation_m", 0), p.elevation),
                (("time", 0), p.time),
                (("device_speed_mps", 0), getattr(p, "speed", None)),
            ):
                if value is not None:
                    fields.slot(key)[0].append(i)
                    fields.slot(key)[1].append(value)
            for ext in p.extensions:
                for e in ext.iter():
                    key = _extension_key(e.tag)
                    if key is not None:
                        fields.slot(key)[0].append(i)
                        fields.slot(key)[1].append(e.text)
            i += 1
    # gpxpy hands back datetimes, not text: convert them here.
    found = fields.get(("time", 0))
    offset_s = written_offset_s(found[1]) if found else None
    if found:
        stamps = pd.to_datetime(pd.Series(found[1], dtype=object), utc=True, errors="coerce")
        found[1][:] = [
            None if pd.isna(t) else t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in stamps
        ]
    sport_text = getattr(kind_obj, "type", None) if kind_obj is not None else None
    return _split_tracks(
        lat,
        lon,
        fields,
        [len(pts) for pts in groups],
        owners,
        [trk.type for trk in gpx.tracks] or [sport_text],
        source=source,
        sport_text=sport_text,
        creator=gpx.creator,
        warnings=warnings,
        offset_s=offset_s,
    )


def read_gpx(
    data: bytes, source: str, *, engine: str = "auto", limits: XmlLimits = XmlLimits()
) -> Track:
    """Read a GPX 1.0 or 1.1 document.

    Parameters
    ----------
    data : bytes
        The document (any XML encoding; a BOM and leading whitespace are tolerated).
    source : str
        File name for messages and ``meta.source``.
    engine : {"auto", "lxml", "gpxpy"}
        ``"auto"`` and ``"lxml"``: the lxml reader; ``"gpxpy"``: the gpxpy reference path
        (strict XML only: it refuses files the lxml reader reads in recovery mode).
    limits : XmlLimits
        Size caps (:mod:`trailtech.io.xmlsafe`); the defaults everywhere but in tests.

    Returns
    -------
    Track
        ``meta.format == "gpx"``; ``meta.n_records`` is the number of ``<trkpt>`` (or
        ``<rtept>``); ``meta.sport`` from the first ``<trk><type>`` (Strava's numbers decoded);
        ``meta.device`` from the ``creator`` attribute. A file of several activities
        (``<trk>`` hours apart) gives the longest, with a sentence in ``meta.notes``.

    Raises
    ------
    TrackReadError
        The XML is unsafe, over a size cap or broken beyond recovery.
    UnsupportedFormatError
        The XML is not GPX.
    ValueError
        Unknown ``engine``.
    """
    return choose(read_gpx_activities(data, source, engine=engine, limits=limits))


def read_gpx_activities(
    data: bytes, source: str, *, engine: str = "auto", limits: XmlLimits = XmlLimits()
) -> list[Track]:
    """Every activity of a GPX document, in time order (see :func:`read_gpx` for the
    parameters): the ``<trk>`` elements, grouped unless
    :data:`~trailtech.io.split.TRACK_GAP_S` (3 h) or more lies between them. Each is numbered
    in ``meta.activity_index`` / ``meta.n_activities``."""
    if engine not in GPX_ENGINES:
        raise ValueError(f"engine must be one of {GPX_ENGINES}, got {engine!r}")
    try:
        if engine == "gpxpy":
            return _read_gpxpy(data, source, limits)
        return _read_lxml(data, source, limits)
    except UnicodeDecodeError:
        raise invalid_text_error(source) from None
