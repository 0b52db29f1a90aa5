"""Fast FIT decoder: a plain scan of message headers, then numpy gathers per definition.

How it works
------------
1. One Python loop walks the message headers of every chained FIT file. For a data message
   it only appends the message's byte offset to the list of its current local definition
   (definition messages create a new definition object, so redefinitions are handled);
   developer fields are skipped by their sizes. This is the only per-message Python work.
2. For each ``record`` definition, one gather ``buf[offsets[:, None] + arange(size)]`` pulls
   all its messages into a contiguous ``(n, size)`` byte block, viewed as a numpy structured
   dtype built from the definition (field offsets, base types, byte order). Invalid-value
   sentinels and scale/offset come from python-fitparse's profile (:mod:`fitparse.profile`),
   so both engines share one source of truth.
3. Compressed-timestamp headers are resolved without a loop: each compressed message adds
   ``(offset - previous_time) mod 32`` seconds, and the previous time's low 5 bits are known
   for every message (the previous offset, or the low bits of the last full timestamp), so
   the times are a grouped cumulative sum.
4. The few ``file_id``, ``session``, ``event``, ``sport`` and ``device_info`` messages are
   decoded one by one with :mod:`struct`.

What it does not handle (it raises :class:`FastPathUnsupported`, and ``engine="auto"`` falls
back to fitparse): records with ``compressed_speed_distance`` (accumulated bit components).
The file CRC is checked with a vectorised CRC-16 (see :func:`fit_crc`).
"""

from __future__ import annotations

import functools
import struct
from typing import Any, Optional

import numpy as np

from ..errors import TrackReadError
from .fit_content import RECORD_KEYS, FitContent, enum_text

__all__ = ["FastPathUnsupported", "decode_fast", "fit_crc"]

_SEMICIRCLE_DEG = 180.0 / 2**31
_RECORD, _FILE_ID, _SESSION, _EVENT, _SPORT, _DEVICE_INFO = 20, 0, 18, 21, 12, 23
_TIMESTAMP = 253
#: record field numbers (FIT profile) -> what they are used for
_REC_FIELDS = {
    "timestamp": 253,
    "position_lat": 0,
    "position_long": 1,
    "altitude": 2,
    "heart_rate": 3,
    "cadence": 4,
    "distance": 5,
    "speed": 6,
    "power": 7,
    "compressed_speed_distance": 8,
    "temperature": 13,
    "fractional_cadence": 53,
    "enhanced_speed": 73,
    "enhanced_altitude": 78,
}


class FastPathUnsupported(TrackReadError):
    """The fast decoder does not handle this file (``engine="auto"`` then uses fitparse)."""


class _Def:
    """One definition message: field layout plus the offsets of its data messages."""

    __slots__ = ("gnum", "big", "fields", "size", "offsets")

    def __init__(self, gnum: int, big: bool, fields: list[tuple[int, int, int, int]], size: int):
        self.gnum = gnum
        self.big = big
        self.fields = fields  # (field number, byte offset in message, size, base type id)
        self.size = size  # data bytes after the header byte, developer fields included
        self.offsets: list[int] = []


@functools.lru_cache(maxsize=1)
def _base_types() -> dict[int, tuple[str, Any]]:
    """FIT base type id -> (numpy dtype char, invalid raw value), from fitparse's profile."""
    from fitparse.records import BASE_TYPES

    out: dict[int, tuple[str, Any]] = {}
    for ident, bt in BASE_TYPES.items():
        if bt.name in ("string", "byte"):
            continue
        code = bt.fmt  # struct format letter; numpy understands the same letters
        size = struct.calcsize(code)
        if bt.name.startswith("float"):
            out[ident] = (code, "nan")
            continue
        candidates = [2 ** (8 * size) - 1, 2 ** (8 * size - 1) - 1, 0]
        invalid = next(c for c in candidates if _parses_invalid(bt, code, c))
        out[ident] = (code, invalid)
    return out


def _parses_invalid(bt: Any, code: str, raw: int) -> bool:
    try:
        value = struct.unpack("<" + code, raw.to_bytes(struct.calcsize(code), "little"))[0]
    except struct.error:
        return False
    return bt.parse(value) is None


@functools.lru_cache(maxsize=None)
def _profile_field(gnum: int, fnum: int) -> Any:
    from fitparse.profile import MESSAGE_TYPES

    mt = MESSAGE_TYPES.get(gnum)
    return mt.fields.get(fnum) if mt else None


# --------------------------------------------------------------------------- scanning
def _scan(data: bytes, source: str, content: FitContent, crc_spans: list[tuple[int, int]]) -> list[_Def]:
    """Walk every chained FIT file; return all definitions with their data-message offsets.

    ``crc_spans`` receives the (start, stop) byte span of every complete FIT file.
    """
    defs: list[_Def] = []
    n = len(data)
    pos = 0
    unpack_from = struct.unpack_from
    while pos < n:
        if n - pos < 12 or data[pos + 8 : pos + 12] != b".FIT":
            if content.n_headers == 0:
                raise TrackReadError(source, "not a FIT file (no '.FIT' file header)")
            content.notes.append(
                f"FIT decoding stopped near byte {pos} of {n} (bytes after the FIT data are not a "
                "FIT file); the records before are kept."
            )
            break
        hsize = data[pos]
        data_size = unpack_from("<I", data, pos + 4)[0]
        content.n_headers += 1
        start = pos + hsize
        end = start + data_size
        if end > n:
            end = n
            content.notes.append(
                f"FIT file is truncated ({n - start} of {data_size} data bytes present); the records "
                "before the break are kept."
            )
        local: list[Optional[tuple[Any, int, _Def]]] = [None] * 16
        layouts: dict[tuple[int, bytes], _Def] = {}
        p = start
        last: Optional[_Def] = None
        while p < end:
            h = data[p]
            if h & 0xC0 == 0:  # normal data message
                ent = local[h & 0x0F]
                if ent is None:
                    break
                ent[0](p + 1)
                last = ent[2]
                p += ent[1]
            elif h & 0x80:  # compressed-timestamp data message
                ent = local[(h >> 5) & 0x03]
                if ent is None:
                    break
                ent[0](p + 1)
                last = ent[2]
                p += ent[1]
            else:  # definition message
                if p + 6 > end:
                    p = end + 1
                    last = None
                    break
                nf = data[p + 5]
                q = p + 6 + 3 * nf
                ndev = data[q] if h & 0x20 and q < end else 0
                stop = q + 1 + 3 * ndev if h & 0x20 else q
                key = (h & 0x20, data[p + 2 : stop])
                d = layouts.get(key)
                if d is not None and stop <= end:  # same layout as before: reuse (one gather)
                    local[h & 0x0F] = (d.offsets.append, d.size + 1, d)
                    last = None
                    p = stop
                    continue
                big = data[p + 2] != 0
                gnum = unpack_from(">H" if big else "<H", data, p + 3)[0]
                q = p + 6
                fields = []
                off = 0
                for i in range(nf):
                    if q + 3 > end:
                        break
                    fnum, fsize, btype = data[q], data[q + 1], data[q + 2]
                    fields.append((fnum, off, fsize, btype))
                    off += fsize
                    q += 3
                if h & 0x20 and q < end:  # developer fields: skipped by their sizes
                    ndev = data[q]
                    q += 1
                    for i in range(ndev):
                        if q + 3 > end:
                            break
                        off += data[q + 1]
                        q += 3
                if q > end or len(fields) < nf:
                    p = end + 1
                    last = None
                    break
                d = _Def(gnum, big, fields, off)
                defs.append(d)
                layouts[key] = d
                local[h & 0x0F] = (d.offsets.append, off + 1, d)
                last = None
                p = q
        if p < end:  # stopped on an undefined local message
            content.notes.append(
                f"FIT decoding stopped near byte {p} of {n} (data message with undefined local "
                f"message type {data[p] & 0x0F if data[p] < 0x80 else (data[p] >> 5) & 3}); the "
                "records before the break are kept."
            )
            return defs
        if p > end:  # the last message runs past the data: cut off
            if last is not None and last.offsets:
                last.offsets.pop()
            if not any("truncated" in m for m in content.notes):
                content.notes.append(
                    f"FIT file ends inside a message near byte {end}; the records before the break "
                    "are kept."
                )
            return defs
        if end + 2 > n:
            if end == n and data_size and not any("truncated" in m for m in content.notes):
                content.notes.append("FIT file has no CRC at its end (truncated); all records kept.")
            return defs
        crc_spans.append((pos, end + 2))
        pos = end + 2
    return defs


# --------------------------------------------------------------------------- gathering
def _gather(buf: np.ndarray, d: _Def) -> np.ndarray:
    """All data messages of one definition as an ``(n, size)`` uint8 block (one gather)."""
    offs = np.asarray(d.offsets, dtype=np.int64)
    return buf[offs[:, None] + np.arange(d.size, dtype=np.int64)[None, :]]


def _columns(block: np.ndarray, d: _Def, wanted: dict[int, str]) -> dict[str, np.ndarray]:
    """Raw numeric values of ``wanted`` field numbers as float64, NaN where invalid.

    Fields whose size is not exactly one value of their base type (arrays, misaligned
    sizes) are treated as absent, like the reference decoder does.
    """
    bts = _base_types()
    names, formats, offsets = [], [], []
    invalid = {}
    endian = ">" if d.big else "<"
    for fnum, off, size, btype in d.fields:
        name = wanted.get(fnum)
        if name is None or btype not in bts:
            continue
        code, inv = bts[btype]
        if struct.calcsize(code) != size:
            continue
        if name in names:  # a field defined twice: the later one wins
            i = names.index(name)
            del names[i], formats[i], offsets[i]
        names.append(name)
        formats.append(endian + code)
        offsets.append(off)
        invalid[name] = inv
    if not names:
        return {}
    dt = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": d.size})
    rec = np.ascontiguousarray(block).view(dt)[:, 0]
    out = {}
    for name in names:
        raw = rec[name]
        vals = raw.astype(np.float64)
        if invalid[name] == "nan":
            pass  # float NaN is the invalid value already
        else:
            vals[raw == invalid[name]] = np.nan
        out[name] = vals
    return out


def _scaled(gnum: int, fnum: int, raw: np.ndarray) -> np.ndarray:
    """Apply the profile's scale and offset exactly as fitparse does (raw / scale - offset)."""
    f = _profile_field(gnum, fnum)
    v = raw
    if f is not None and f.scale:
        v = v / float(f.scale)
    if f is not None and f.offset:
        v = v - f.offset
    return v


def _compressed_times(
    buf: np.ndarray, defs: list[_Def], header_starts: list[int]
) -> dict[int, np.ndarray]:
    """Absolute times [FIT s] of compressed-timestamp messages, by definition index.

    The accumulator is every full timestamp (field 253 of any message) and every compressed
    offset, in file order, reset to 0 at each FIT header (as in the FIT SDK and fitparse).
    """
    ev_off, ev_abs, ev_val, owner = [], [], [], []
    for k, d in enumerate(defs):
        if not d.offsets:
            continue
        offs = np.asarray(d.offsets, dtype=np.int64)
        comp = (buf[offs - 1] & 0x80) != 0
        if comp.any():
            ev_off.append(offs[comp])
            ev_abs.append(np.zeros(int(comp.sum()), dtype=bool))
            ev_val.append((buf[offs[comp] - 1] & 0x1F).astype(np.int64))
            owner.append(np.full(int(comp.sum()), k))
        if any(f[0] == _TIMESTAMP for f in d.fields):
            ts = _columns(_gather(buf, d), d, {_TIMESTAMP: "t"}).get("t")
            if ts is not None:
                ok = np.isfinite(ts)
                ev_off.append(offs[ok])
                ev_abs.append(np.ones(int(ok.sum()), dtype=bool))
                ev_val.append(ts[ok].astype(np.int64))
                owner.append(np.full(int(ok.sum()), -1))
    if not ev_off or not any((~a).any() for a in ev_abs):
        return {}
    # each FIT header resets the accumulator to 0: a virtual full timestamp of 0
    hs = np.asarray(header_starts, dtype=np.int64)
    off = np.concatenate(ev_off + [hs])
    is_abs = np.concatenate(ev_abs + [np.ones(hs.size, dtype=bool)])
    val = np.concatenate(ev_val + [np.zeros(hs.size, dtype=np.int64)])
    who = np.concatenate(owner + [np.full(hs.size, -1)])
    order = np.argsort(off, kind="stable")
    off, is_abs, val, who = off[order], is_abs[order], val[order], who[order]
    low = np.where(is_abs, val & 0x1F, val)  # low 5 bits of each event's time
    prev_low = np.concatenate(([0], low[:-1]))
    delta = np.where(is_abs, 0, (val - prev_low) & 0x1F)
    group = np.cumsum(is_abs) - 1
    base = val[is_abs][group]
    csum = np.cumsum(delta)
    start_csum = csum[is_abs][group]
    times = base + (csum - start_csum)
    out: dict[int, np.ndarray] = {}
    comp_idx = np.flatnonzero(~is_abs)
    for k in np.unique(who[comp_idx]):
        sel = comp_idx[who[comp_idx] == k]
        out[int(k)] = np.column_stack((off[sel], times[sel]))
    return out


# --------------------------------------------------------------------------- records
def _records(buf: np.ndarray, defs: list[_Def], comp_times: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    wanted = {num: name for name, num in _REC_FIELDS.items()}
    parts: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    for k, d in enumerate(defs):
        if d.gnum != _RECORD or not d.offsets:
            continue
        if any(f[0] == _REC_FIELDS["compressed_speed_distance"] for f in d.fields):
            raise FastPathUnsupported("<fast>", "records with compressed_speed_distance")
        raw = _columns(_gather(buf, d), d, wanted)
        n = len(d.offsets)
        nan = np.full(n, np.nan)

        def get(name: str) -> np.ndarray:
            return _scaled(_RECORD, _REC_FIELDS[name], raw[name]) if name in raw else nan

        t = raw.get("timestamp", nan).copy()
        if k in comp_times:  # compressed headers carry the time instead of field 253
            offs = np.asarray(d.offsets, dtype=np.int64)
            pos = np.searchsorted(offs, comp_times[k][:, 0])
            t[pos] = comp_times[k][:, 1]
        lat, lon = get("position_lat"), get("position_long")
        both = np.isfinite(lat) & np.isfinite(lon)
        ea, a = get("enhanced_altitude"), get("altitude")
        es, s = get("enhanced_speed"), get("speed")
        cad = get("cadence")
        frac = get("fractional_cadence")
        cols = {
            "timestamp": t,
            "lat_deg": np.where(both, lat * _SEMICIRCLE_DEG, np.nan),
            "lon_deg": np.where(both, lon * _SEMICIRCLE_DEG, np.nan),
            "elevation_m": np.where(np.isfinite(ea), ea, a),
            "device_speed_mps": np.where(np.isfinite(es), es, s),
            "device_distance_m": get("distance"),
            "cadence": cad + np.where(np.isfinite(frac), frac, 0.0),
            "heart_rate_bpm": get("heart_rate"),
            "power_w": get("power"),
            "temperature_c": get("temperature"),
        }
        parts.append((np.asarray(d.offsets, dtype=np.int64), cols))
    if not parts:
        return {key: np.empty(0) for key in RECORD_KEYS}
    offs = np.concatenate([p[0] for p in parts])
    order = np.argsort(offs, kind="stable")  # back to file order
    return {key: np.concatenate([p[1][key] for p in parts])[order] for key in RECORD_KEYS}


# --------------------------------------------------------------------------- meta messages
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


def _meta(data: bytes, defs: list[_Def], comp_times: dict[int, np.ndarray], content: FitContent) -> None:
    items: list[tuple[int, int, _Def]] = []
    for k, d in enumerate(defs):
        if d.gnum in (_FILE_ID, _SESSION, _EVENT, _SPORT, _DEVICE_INFO):
            items.extend((off, k, d) for off in d.offsets)
    items.sort(key=lambda x: x[0])
    for off, k, d in items:
        v = _message_values(data, d, off)
        ts = v.get(_TIMESTAMP)
        if ts is None and k in comp_times:
            hit = comp_times[k][comp_times[k][:, 0] == off]
            ts = int(hit[0, 1]) if len(hit) else None
        g = d.gnum
        if g == _FILE_ID:
            content.file_types.append(enum_text(_render(g, 0, v)))
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
        elif g == _SPORT:
            content.sports.append((enum_text(_render(g, 0, v)), enum_text(_render(g, 1, v))))
        elif g == _EVENT:
            if _render(g, 0, v) == "timer" and ts is not None:
                content.timer_events.append((float(ts), enum_text(_render(g, 1, v))))


# --------------------------------------------------------------------------- CRC
@functools.lru_cache(maxsize=1)
def _crc_table() -> np.ndarray:
    """Byte-wise table of the FIT CRC-16 (CRC-16/ARC, built from the FIT SDK nibble table)."""
    nib = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
           0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]  # fmt: skip
    table = np.zeros(256, dtype=np.uint16)
    for b in range(256):
        crc = 0
        for nibble in (b & 0xF, b >> 4):
            crc = ((crc >> 4) & 0x0FFF) ^ nib[crc & 0xF] ^ nib[nibble]
        table[b] = crc
    return table


_CRC_CHUNK = 64


def fit_crc(data: bytes) -> int:
    """FIT CRC-16 of ``data``, vectorised over many chunks at once.

    The CRC starts at zero and has no final xor, so it is linear over GF(2):
    ``crc(A + B) = shift(crc(A), len(B)) ^ crc(B)``, where ``shift`` (feeding zero bytes) is
    a linear map on 16 bits, stored as two 256-entry tables (low byte, high byte). The data
    is cut into 64-byte chunks processed side by side, then combined pairwise (a tree).
    Zero bytes in front do not change a zero-initialised CRC, which makes the padding free.
    """
    tab = _crc_table()
    n = len(data)
    if n < 4 * _CRC_CHUNK:
        crc = 0
        for b in data:
            crc = (crc >> 8) ^ int(tab[(crc ^ b) & 0xFF])
        return crc
    m = 1 << int(np.ceil(np.log2(-(-n // _CRC_CHUNK))))
    arr = np.zeros(m * _CRC_CHUNK, dtype=np.uint8)
    arr[m * _CRC_CHUNK - n :] = np.frombuffer(data, dtype=np.uint8)
    blocks = arr.reshape(m, _CRC_CHUNK)
    crc = np.zeros(m, dtype=np.uint16)
    for j in range(_CRC_CHUNK):
        crc = (crc >> 8) ^ tab[(crc ^ blocks[:, j]) & 0xFF]
    # shift tables for one zero byte, squared up to the chunk length
    i = np.arange(256, dtype=np.uint16)
    lo, hi = tab.copy(), i.copy()

    def square(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return lo[lo & 0xFF] ^ hi[lo >> 8], lo[hi & 0xFF] ^ hi[hi >> 8]

    for _ in range(int(np.log2(_CRC_CHUNK))):
        lo, hi = square(lo, hi)
    while crc.size > 1:
        a, b = crc[0::2], crc[1::2]
        crc = lo[a & 0xFF] ^ hi[a >> 8] ^ b
        lo, hi = square(lo, hi)
    return int(crc[0])


def _check_crcs(data: bytes, content: FitContent, crc_spans: list[tuple[int, int]]) -> None:
    for start, stop in crc_spans:
        stored = int.from_bytes(data[stop - 2 : stop], "little")
        computed = fit_crc(data[start : stop - 2])
        if stored != computed:
            content.notes.insert(
                0,
                f"FIT CRC check failed (CRC Mismatch [computed: 0x{computed:04X}, read: "
                f"0x{stored:04X}]): the file may be damaged; decoded anyway.",
            )
            break


# --------------------------------------------------------------------------- entry point
def decode_fast(data: bytes, source: str) -> FitContent:
    """Decode FIT bytes into a :class:`FitContent` with the numpy decoder.

    Raises
    ------
    FastPathUnsupported
        The file uses something this decoder does not handle (the message says what).
    TrackReadError
        Not a FIT file.
    """
    content = FitContent(records={})
    crc_spans: list[tuple[int, int]] = []
    try:
        defs = _scan(data, source, content, crc_spans)
        buf = np.frombuffer(data, dtype=np.uint8)
        header_starts = _header_starts(data)
        comp_times = _compressed_times(buf, defs, header_starts)
        content.records = _records(buf, defs, comp_times)
        _meta(data, defs, comp_times, content)
        _check_crcs(data, content, crc_spans)
    except FastPathUnsupported as exc:
        raise FastPathUnsupported(source, exc.reason) from None
    except TrackReadError:
        raise
    except (IndexError, ValueError, struct.error, KeyError, TypeError, OverflowError) as exc:
        # a malformed file the scan did not anticipate: let the reference decoder judge it
        raise FastPathUnsupported(source, f"{type(exc).__name__}: {exc}") from None
    return content


def _header_starts(data: bytes) -> list[int]:
    """Byte offsets of the chained FIT headers (where the timestamp accumulator resets)."""
    starts, pos, n = [], 0, len(data)
    while pos + 12 <= n and data[pos + 8 : pos + 12] == b".FIT":
        starts.append(pos)
        pos += data[pos] + int.from_bytes(data[pos + 4 : pos + 8], "little") + 2
    return starts
