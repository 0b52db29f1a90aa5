"""Write tracks and courses as GPX 1.1.

Two writers:

* :func:`to_gpx` writes one :class:`~trailtech.track.Track` as a GPX 1.1 activity: one ``<trk>``,
  one ``<trkseg>`` per recording segment, ``<ele>``, ``<time>`` and the Garmin
  TrackPointExtension v1 (``hr``, ``cad``, ``atemp``), which is what Garmin Connect and Strava
  exports look like.
* :func:`courses_to_gpx` writes named polylines (line-practice targets, climbs) as GPX tracks with
  a start waypoint each; watches import a GPX track as a course.

Both build the document with lxml, so text is always escaped correctly; the output reads back
with gpxpy and with :func:`trailtech.io.gpx.read_gpx`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from lxml import etree

from ..track import Track

__all__ = ["GPX11_NS", "TPX1_NS", "courses_to_gpx", "to_gpx"]

GPX11_NS = "http://www.topografix.com/GPX/1/1"
TPX1_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = (
    "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd "
    "http://www.garmin.com/xmlschemas/TrackPointExtension/v1 "
    "http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"
)
_CADENCE_UNITS = ("strides", "steps")


def _g(tag: str) -> str:
    return f"{{{GPX11_NS}}}{tag}"


def _t(tag: str) -> str:
    return f"{{{TPX1_NS}}}{tag}"


def _num(x: float) -> str:
    # Shortest text that reads back to the same float, never in exponent notation
    # (xsd:decimal, which GPX uses for lat/lon/ele, has no exponent).
    return np.format_float_positional(float(x), trim="-")


def _round_half_up(x: np.ndarray) -> np.ndarray:
    # Garmin writes integer cadence rounded half up (85.5 strides/min -> 86), not to even.
    return np.floor(x + 0.5)


def _iso_times(times: pd.Series) -> np.ndarray:
    """ISO 8601 UTC strings ending in ``Z``; fractions only when some sample needs them."""
    t = pd.to_datetime(times, utc=True)
    ns = t.to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(ns)
    frac = ns[ok].astype(np.int64) % 1_000_000_000
    if not frac.any():
        unit = "s"
    elif not (frac % 1_000_000).any():
        unit = "ms"
    else:
        unit = "us"
    out = np.full(len(ns), "", dtype=object)
    if ok.any():
        out[ok] = np.datetime_as_string(ns[ok], unit=unit) + "Z"
    return out


def _root(creator: str, *, with_tpx: bool) -> etree._Element:
    nsmap = {None: GPX11_NS, "xsi": _XSI_NS}
    if with_tpx:
        nsmap["gpxtpx"] = TPX1_NS
    root = etree.Element(_g("gpx"), nsmap=nsmap)
    root.set("version", "1.1")
    root.set("creator", str(creator))
    root.set(f"{{{_XSI_NS}}}schemaLocation", _SCHEMA_LOCATION)
    return root


def _column(samples: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in samples:
        return None
    values = samples[name].to_numpy(dtype=float)
    return values if np.isfinite(values).any() else None


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


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
        The activity. Samples without a position (NaN ``lat_deg``/``lon_deg``) are left out,
        because a GPX ``<trkpt>`` must have one. NaN elevation, heart rate, cadence and
        temperature are omitted point by point; NaT times are omitted too.
    name : str, optional
        ``<trk><name>``; defaults to nothing.
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
    times = _iso_times(s["time"]) if "time" in s else np.full(n, "", dtype=object)
    segment = s["segment"].to_numpy() if "segment" in s else np.zeros(n, dtype=np.int64)

    root = _root(
        creator, with_tpx=hr is not None or cad is not None or atemp is not None
    )
    meta = etree.SubElement(root, _g("metadata"))
    if name:
        etree.SubElement(meta, _g("name")).text = str(name)
    start = track.meta.start_time
    if start is None and n and times[0]:
        start_text = times[0]
    elif start is not None:
        start_text = _iso_times(pd.Series([pd.Timestamp(start)]))[0]
    else:
        start_text = ""
    if start_text:
        etree.SubElement(meta, _g("time")).text = start_text

    trk = etree.SubElement(root, _g("trk"))
    if name:
        etree.SubElement(trk, _g("name")).text = str(name)
    if track.meta.sport:
        # GPX 1.1 puts <type> in <trk> (metadata has none); Strava and Garmin do the same.
        etree.SubElement(trk, _g("type")).text = str(track.meta.sport)

    has_pos = np.isfinite(lat) & np.isfinite(lon)
    trkseg = None
    previous_segment = None
    for i in range(n):
        if trkseg is None or segment[i] != previous_segment:
            trkseg = etree.SubElement(trk, _g("trkseg"))
            previous_segment = segment[i]
        if not has_pos[i]:
            continue
        pt = etree.SubElement(trkseg, _g("trkpt"), lat=_num(lat[i]), lon=_num(lon[i]))
        if ele is not None and np.isfinite(ele[i]):
            etree.SubElement(pt, _g("ele")).text = _num(ele[i])
        if times[i]:
            etree.SubElement(pt, _g("time")).text = times[i]
        ext_values = [
            (_t("atemp"), atemp, _num),
            (_t("hr"), hr, lambda v: str(int(v))),
            (_t("cad"), cad, lambda v: str(int(v))),
        ]
        present = [
            (tag, fmt(v[i]))
            for tag, v, fmt in ext_values
            if v is not None and np.isfinite(v[i])
        ]
        has_power = power is not None and np.isfinite(power[i])
        if present or has_power:
            ext = etree.SubElement(pt, _g("extensions"))
            if has_power:
                # Strava's convention: <power> directly under <extensions>, no namespace prefix.
                etree.SubElement(ext, _g("power")).text = str(
                    int(_round_half_up(power[i]))
                )
            if present:
                tpx = etree.SubElement(ext, _t("TrackPointExtension"))
                for tag, text in present:
                    etree.SubElement(tpx, tag).text = text
    # A segment whose points all lacked a position leaves an empty <trkseg>: drop it.
    for seg in trk.findall(_g("trkseg")):
        if len(seg) == 0:
            trk.remove(seg)
    return _serialise(root)


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
    root = _root(creator, with_tpx=False)
    prepared = []
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
        prepared.append(
            (str(name), course.get("desc"), lat[keep], lon[keep], ele[keep])
        )

    # GPX 1.1 schema order: every <wpt> before every <trk>.
    for name, _desc, lat, lon, ele in prepared:
        if len(lat) == 0:
            continue
        wpt = etree.SubElement(root, _g("wpt"), lat=_num(lat[0]), lon=_num(lon[0]))
        if np.isfinite(ele[0]):
            etree.SubElement(wpt, _g("ele")).text = _num(ele[0])
        etree.SubElement(wpt, _g("name")).text = name
    for name, desc, lat, lon, ele in prepared:
        trk = etree.SubElement(root, _g("trk"))
        etree.SubElement(trk, _g("name")).text = name
        if desc:
            etree.SubElement(trk, _g("desc")).text = str(desc)
        seg = etree.SubElement(trk, _g("trkseg"))
        for i in range(len(lat)):
            pt = etree.SubElement(seg, _g("trkpt"), lat=_num(lat[i]), lon=_num(lon[i]))
            if np.isfinite(ele[i]):
                etree.SubElement(pt, _g("ele")).text = _num(ele[i])
    return _serialise(root)
