"""The few small FIT messages (file id, session, event, sport, device info), decoded one by one
with :mod:`struct` and rendered through the FIT profile (subfields, enums, scale, offset).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .fit_content import FitContent, enum_text
from .fit_layout import _ACTIVITY, _FILE_ID, _SESSION, _EVENT, _SPORT, _DEVICE_INFO, _META, _TIMESTAMP, _Def, _profile_field, _too_many
from .limits import FitLimits

def _message_values(data: bytes, d: _Def, off: int) -> dict[int, Any]:
    """Field number -> parsed raw value (None when invalid) of one small message."""
    from fitparse.records import BASE_TYPES, parse_string

    endian = ">" if d.big else "<"
    out: dict[int, Any] = {}
    for fnum, foff, size, btype in d.fields:
        bt = BASE_TYPES.get(btype)
        chunk = data[off + foff : off + foff + size]
        if bt is None or bt.name == "byte":
            out[fnum] = None
        elif bt.name == "string":
            out[fnum] = parse_string(chunk)
        elif bt.size != size:
            out[fnum] = None  # arrays / misaligned sizes: not used for meta
        else:
            out[fnum] = bt.parse(struct.unpack(endian + bt.fmt, chunk)[0])
    return out


def _render(gnum: int, fnum: int, values: dict[int, Any]) -> Any:
    """Profile rendering of one raw value: subfield, enum name, scale and offset."""
    raw = values.get(fnum)
    f = _profile_field(gnum, fnum)
    if raw is None or f is None:
        return raw
    for sf in f.subfields or ():
        if any(values.get(rf.def_num) == rf.raw_value for rf in sf.ref_fields):
            f = sf
            break
    if f.type.values and raw in f.type.values:
        return f.type.values[raw]
    if isinstance(raw, (int, float)):
        if f.scale:
            raw = float(raw) / f.scale
        if f.offset:
            raw = raw - f.offset
    return raw


def _meta(data: bytes, defs: list[_Def], comp_times: dict[int, np.ndarray], content: FitContent,
          source: str, limits: FitLimits) -> None:
    kinds = [k for k, d in enumerate(defs) if d.gnum in _META and d.n]
    if sum(defs[k].n for k in kinds) > limits.max_meta_messages:
        raise _too_many(source, "session, event and device messages", limits.max_meta_messages)
    items: list[tuple[int, int, int]] = []  # (offset, definition index, index among its messages)
    for k in kinds:
        items.extend((int(off), k, i) for i, off in enumerate(defs[k].offs()))
    items.sort()
    for off, k, i in items:
        d = defs[k]
        v = _message_values(data, d, off)
        ts = v.get(_TIMESTAMP)
        if ts is None and k in comp_times and not np.isnan(comp_times[k][i]):
            ts = int(comp_times[k][i])
        g = d.gnum
        if g == _FILE_ID:
            content.file_types.append(enum_text(_render(g, 0, v)))
            if content.time_created is None and isinstance(v.get(4), int):
                content.time_created = float(v[4])
            if content.manufacturer is None and content.product is None:
                content.manufacturer = enum_text(_render(g, 1, v))
                product = _render(g, 2, v)
                content.product = None if product is None else str(product)
                content.product_name = content.product_name or v.get(8)
        elif g == _DEVICE_INFO:
            if _render(g, 0, v) == "creator" and content.product_name is None:
                content.product_name = v.get(27)
        elif g == _SESSION:
            s: dict = {"start_time": v.get(2), "timestamp": ts}
            s = {key: (None if val is None else float(val)) for key, val in s.items()}
            s["sport"] = enum_text(_render(g, 5, v))
            s["sub_sport"] = enum_text(_render(g, 6, v))
            for key, num in (
                ("total_distance", 9),
                ("total_ascent", 22),
                ("total_descent", 23),
                ("total_timer_time", 8),
                ("total_elapsed_time", 7),
            ):
                val = _render(g, num, v)
                s[key] = float(val) if isinstance(val, (int, float)) else None
            content.sessions.append(s)
        elif g == _ACTIVITY:
            # local_timestamp (field 5) is the same instant on the watch's wall clock.
            if isinstance(ts, int) and isinstance(v.get(5), int):
                content.local_offsets_s.append(float(v[5] - ts))
            if isinstance(ts, int):
                content.activities.append((float(ts), float(v[5] - ts) if isinstance(v.get(5), int) else None))
        elif g == _SPORT:
            content.sports.append((enum_text(_render(g, 0, v)), enum_text(_render(g, 1, v))))
        elif g == _EVENT:
            if _render(g, 0, v) == "timer" and ts is not None:
                content.timer_events.append((float(ts), enum_text(_render(g, 1, v))))
