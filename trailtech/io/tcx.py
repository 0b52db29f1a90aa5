"""TCX reader: Garmin TrainingCenterDatabase v2 activities -> :class:`Track`.

``Activities/Activity/Lap/Track/Trackpoint`` (also inside ``MultiSportSession``); laps are
merged into one stream; each ``<Track>`` starts a new ``segment``; each ``<Activity>`` is a
``session`` (``meta.sessions``; ``meta.sport`` is the sport of the longest one).

Several ``<Activity>`` elements directly under ``<Activities>`` are separate activities
(:func:`read_tcx_activities`; :func:`read_tcx` returns the longest, with a note, see
:mod:`trailtech.io.split`); the legs of a ``<MultiSportSession>`` are one activity.

=================================== ===========================================
TCX                                  column
=================================== ===========================================
``Time``                             ``time``
``Position/LatitudeDegrees``, ...    ``lat_deg``, ``lon_deg``
``AltitudeMeters``                   ``elevation_m``
``DistanceMeters``                   ``device_distance_m``
``HeartRateBpm/Value``               ``heart_rate_bpm``
``Extensions/TPX/RunCadence``,       ``cadence_spm`` (RunCadence first)
``Cadence``
``Extensions/TPX/Speed``             ``device_speed_mps``
``Extensions/TPX/Watts``             ``power_w``
=================================== ===========================================

Extensions are matched by the ActivityExtension v2 namespace URI, whatever the prefix; children
of ``<Extensions>`` in no namespace are read by name as a fallback (files with their namespace
declarations lost). ``RunCadence`` is strides/min by the TCX schema, and Polar writes running
cadence as strides/min in ``<Cadence>``; but some footpods/apps write steps/min there (see the
runalyze "Treadmill-doubled-cadence" example), so the unit is decided per on-foot session from
the values (:func:`trailtech.io.normalise.normalise_cadence`), never assumed. Cycling cadence
stays rpm.

Missing fields stay NaN; a ``Trackpoint`` holding only a ``Time`` is kept as a row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import UnsupportedFormatError
from ..localtime import written_offset_s
from ..track import SessionInfo, Track
from ._build import build_track, merge_priority, normalise_sport, parse_times, to_float
from .split import MAX_ACTIVITIES, choose, number, overlap_groups, too_many
from .xmlsafe import (
    XmlLimits,
    check_points,
    invalid_text_error,
    local_name,
    namespace,
    parse_xml,
)

__all__ = ["TCX_ENGINES", "read_tcx", "read_tcx_activities"]

TCX_ENGINES = ("auto", "lxml", "gpxpy")
TCD_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"

_AX = {"RunCadence": "run_cadence", "Speed": "device_speed_mps", "Watts": "power_w"}


def _ext_key(tag: object) -> tuple[str, int] | None:
    ns, name = namespace(tag), local_name(tag)
    column = _AX.get(name)
    if column is None:
        return None
    if ns == AX_NS:
        return column, 0
    if ns == "":
        return column, 1
    return None


def read_tcx(
    data: bytes, source: str, *, engine: str = "auto", limits: XmlLimits = XmlLimits()
) -> Track:
    """Read a TCX (Garmin Training Center) activity.

    Parameters
    ----------
    data : bytes
        The document.
    source : str
        File name for messages and ``meta.source``.
    engine : {"auto", "lxml", "gpxpy"}
        There is one TCX decoder (lxml); the other names are accepted so one ``engine`` can be
        passed for a mix of files.
    limits : XmlLimits
        Size caps (:mod:`trailtech.io.xmlsafe`); the defaults everywhere but in tests.

    Returns
    -------
    Track
        ``meta.format == "tcx"``, ``samples["session"]`` per Activity, ``samples["segment"]``
        per ``<Track>``, ``meta.n_records`` = number of ``Trackpoint``. A file of several
        activities gives the longest, with a sentence in ``meta.notes`` saying so.

    Raises
    ------
    TrackReadError
        Unsafe XML, XML over a size cap or broken beyond recovery.
    UnsupportedFormatError
        The XML is not TCX.
    ValueError
        Unknown ``engine``.
    """
    return choose(read_tcx_activities(data, source, engine=engine, limits=limits))


def read_tcx_activities(
    data: bytes, source: str, *, engine: str = "auto", limits: XmlLimits = XmlLimits()
) -> list[Track]:
    """Every activity of a TCX document, in time order (see :func:`read_tcx` for the
    parameters): one per ``<Activity>`` under ``<Activities>``, one per
    ``<MultiSportSession>``; activities whose times overlap are one. Each is numbered in
    ``meta.activity_index`` / ``meta.n_activities``."""
    if engine not in TCX_ENGINES:
        raise ValueError(f"engine must be one of {TCX_ENGINES}, got {engine!r}")
    try:
        return _read(data, source, limits)
    except UnicodeDecodeError:
        raise invalid_text_error(source) from None


def _read(data: bytes, source: str, limits: XmlLimits) -> list[Track]:
    root, warnings = parse_xml(data, source, limits)
    root_name = local_name(root.tag)
    if root_name not in ("TrainingCenterDatabase", "Activities"):
        raise UnsupportedFormatError(
            source, f"the XML root is <{root_name}>, not <TrainingCenterDatabase>"
        )
    if root_name == "Activities":
        warnings.append(
            "the TCX has no <TrainingCenterDatabase> root element; read anyway"
        )
    ns = namespace(root.tag)
    T = f"{{{ns}}}" if ns else ""
    check_points(sum(1 for _ in root.iter(T + "Trackpoint")), source, limits)
    groups = _activity_groups(root, T)
    if len(groups) > MAX_ACTIVITIES:
        warnings.append(too_many(len(groups)))
        groups = [[a for g in groups for a in g]]
    tracks = [_build(g, T, source, warnings) for g in groups]
    if len(tracks) <= 1:
        return tracks
    spans = [_span(t) for t in tracks]
    merged = overlap_groups(spans)
    if len(merged) < len(groups):  # activities recorded at the same time are one
        tracks = [tracks[m[0]] if len(m) == 1 else _build([a for k in m for a in groups[k]], T, source, warnings)
                  for m in merged]
    return number(tracks)


def _activity_groups(root, T: str) -> list[list]:
    """The ``<Activity>`` elements per activity: each one on its own, the legs of a
    ``<MultiSportSession>`` together (one group, no element, when the file holds none)."""
    groups: dict[int, list] = {}
    for act in root.iter(T + "Activity"):
        owner = act
        for anc in act.iterancestors(T + "MultiSportSession"):
            owner = anc
            break
        groups.setdefault(id(owner), []).append(act)
    return list(groups.values()) or [[]]


def _span(track: Track) -> tuple:
    t = track.meta.start_time
    if t is None or pd.isna(t):
        return (None, None)
    start = t.value / 1e9
    return (start, start + track.duration_s)


def _collect(activities: list, T: str) -> tuple[dict, list[int], list[int], list, str | None, int]:
    """Every trackpoint's field texts, by ``(column, priority)``: ``fields`` (row indices and
    texts), each row's session and track segment, each activity's ``(Sport, Id)``, the creator's
    name and the number of rows."""
    TIME, POS, ALT, DIST = (
        T + "Time",
        T + "Position",
        T + "AltitudeMeters",
        T + "DistanceMeters",
    )
    HR, CAD, EXT = T + "HeartRateBpm", T + "Cadence", T + "Extensions"
    LAT, LON = T + "LatitudeDegrees", T + "LongitudeDegrees"

    fields: dict[tuple[str, int], tuple[list, list]] = {}

    def add(key, i, text):
        slot = fields.get(key)
        if slot is None:
            slot = fields[key] = ([], [])
        slot[0].append(i)
        slot[1].append(text)

    session_ids: list[int] = []
    segment_ids: list[int] = []
    sessions_raw = []
    device = None
    i = 0
    segment = -1
    for s, act in enumerate(activities):
        sessions_raw.append((act.get("Sport"), act.findtext(T + "Id")))
        if device is None:
            name = act.findtext(f"{T}Creator/{T}Name")
            if name and name.strip():
                device = " ".join(name.split())
        for lap in act.iterchildren(T + "Lap"):
            for trk in lap.iterchildren(T + "Track"):
                segment += 1
                for tp in trk.iterchildren(T + "Trackpoint"):
                    for child in tp:
                        tag = child.tag
                        if tag == TIME:
                            add(("time", 0), i, child.text)
                        elif tag == POS:
                            add(("lat_deg", 0), i, child.findtext(LAT))
                            add(("lon_deg", 0), i, child.findtext(LON))
                        elif tag == ALT:
                            add(("elevation_m", 0), i, child.text)
                        elif tag == DIST:
                            add(("device_distance_m", 0), i, child.text)
                        elif tag == HR:
                            add(("heart_rate_bpm", 0), i, child.findtext(T + "Value"))
                        elif tag == CAD:
                            add(("cadence", 0), i, child.text)
                        elif tag == EXT:
                            for e in child.iter():
                                key = _ext_key(e.tag)
                                if key is not None:
                                    add(key, i, e.text)
                    session_ids.append(s)
                    segment_ids.append(segment)
                    i += 1
    return fields, session_ids, segment_ids, sessions_raw, device, i


def _build(activities: list, T: str, source: str, parse_warnings: list[str]) -> Track:
    """One Track from the trackpoints of ``activities`` (each a ``session``)."""
    warnings = list(parse_warnings)
    fields, session_ids, segment_ids, sessions_raw, device, n = _collect(activities, T)
    if not activities:
        warnings.append("the TCX file holds no activity")
    elif n == 0:
        warnings.append("the TCX file has no track points")

    def column(name: str, extra: tuple[str, ...] = ()) -> np.ndarray | None:
        layers = [
            (fields[k][0], to_float(fields[k][1]))
            for k in sorted(k for k in fields if k[0] in (name, *extra))
        ]
        if not layers:
            return None
        values = merge_priority(n, layers)
        return values if np.isfinite(values).any() else None

    columns: dict[str, np.ndarray] = {}
    for name in (
        "lat_deg",
        "lon_deg",
        "elevation_m",
        "device_distance_m",
        "device_speed_mps",
        "heart_rate_bpm",
        "power_w",
    ):
        values = column(name)
        if values is not None:
            columns[name] = values
    session = np.asarray(session_ids, dtype=np.int64)
    columns["segment"] = np.asarray(segment_ids, dtype=np.int64)
    columns["session"] = session

    times = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    offset_s = None
    if ("time", 0) in fields:
        idx, texts = fields[("time", 0)]
        times[np.asarray(idx, dtype=np.intp)] = parse_times(texts)
        offset_s = written_offset_s(texts)

    sports = [normalise_sport(sport) for sport, _ in sessions_raw]
    # RunCadence (the TPX extension) before the plain Cadence element, per sample.
    cadences = [c for c in (column("run_cadence"), column("cadence")) if c is not None]
    if cadences:
        columns["cadence_raw"] = merge_priority(n, [(np.arange(n), c) for c in cadences])

    # The longest session names the sport (multisport files).
    sport, sub_sport = (None, None)
    if sports:
        durations = []
        for s in range(len(sports)):
            t = times[(session == s) & ~np.isnat(times)]
            durations.append((t.max() - t.min()).astype(np.int64) if t.size else -1)
        sport, sub_sport = sports[int(np.argmax(durations))]
    id_times = parse_times([ident for _, ident in sessions_raw]) if sessions_raw else []
    session_infos = tuple(
        SessionInfo(
            index=s,
            sport=sp,
            sub_sport=sub,
            start_time=None
            if np.isnat(id_times[s])
            else pd.Timestamp(id_times[s], tz="UTC"),
        )
        for s, (sp, sub) in enumerate(sports)
    )
    return build_track(
        columns,
        times,
        source=source,
        fmt="tcx",
        sport=sport,
        sub_sport=sub_sport,
        device=device,
        sessions=session_infos,
        warnings=warnings,
        utc_offset_s=offset_s,
    )
