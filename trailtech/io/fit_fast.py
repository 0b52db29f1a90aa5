"""Fast FIT decoder: a plain scan of message headers, then numpy gathers per definition.

How it works
------------
1. One Python loop walks the message headers of every chained FIT file. For a data message
   it only appends the message's byte offset to the list of its current local definition
   (definition messages create a new definition object, so redefinitions are handled);
   developer fields are skipped by their sizes. This is the only per-message Python work.
   Every 1 MiB of file the lists are moved into int64 arrays (8 bytes a message instead of
   40) and counted against :class:`~trailtech.io.limits.FitLimits`, so a file over a cap is
   refused while the scan is still small.
2. Records are decoded 65,536 messages at a time: for each wanted field, one gather
   ``buf[offsets[:, None] + field_offset + arange(size)]`` pulls its bytes, viewed as the
   field's numpy type (base type and byte order from the definition), and the values are
   written into the final arrays at their file-order positions. Memory is the final arrays
   plus one chunk. Invalid-value sentinels and scale/offset come from python-fitparse's
   profile (:mod:`fitparse.profile`), so both engines share one source of truth.
3. Accumulated values are resolved without a loop: a compressed-timestamp header adds
   ``(offset - previous_time) mod 32`` seconds, and ``compressed_speed_distance``'s distance
   adds ``(value - previous) mod 4096`` sixteenths of a metre; the previous value's low bits
   are known for every message, so the values are a grouped cumulative sum (groups start at
   each FIT header, each full timestamp and each definition that resets the distance).
4. The few ``file_id``, ``session``, ``event``, ``sport`` and ``device_info`` messages are
   decoded one by one with :mod:`struct`.

What it does not handle (it raises :class:`FastPathUnsupported`, and ``engine="auto"`` falls
back to fitparse for files up to ``FitLimits.max_fitparse_bytes``): ``compressed_speed_distance``
stored as anything but bytes, or defined twice in one record, and malformed files the scan does
not anticipate. The file CRC is checked with a vectorised CRC-16 (see :func:`fit_crc`).
"""

from __future__ import annotations

import struct
from typing import Any, Iterator, Optional

import numpy as np

from ..errors import TrackReadError
from .fit_content import RECORD_KEYS, FitContent
from .fit_crc import check_crcs, fit_crc
from .fit_layout import _SEMICIRCLE_DEG, _RECORD, _TIMESTAMP, _BYTE, _REC_FIELDS, _CSD, _CSD_SPEED_SCALE, _CSD_DISTANCE_SCALE, _CSD_BITS, _WINDOW_BYTES, _CHUNK_MESSAGES, FastPathUnsupported, _Def, _base_types, _profile_field, _too_many
from .fit_meta import _meta
from .limits import FitLimits

__all__ = ["FastPathUnsupported", "decode_fast", "fit_crc"]


def _scan(data: bytes, source: str, content: FitContent, crc_spans: list[tuple[int, int]],
          header_starts: list[int], limits: FitLimits) -> list[_Def]:
    """Walk every chained FIT file; return all definitions with their data-message offsets.

    ``crc_spans`` receives the (start, stop) byte span of every complete FIT file and
    ``header_starts`` the offset of every FIT header.

    Raises
    ------
    TrackReadError
        More data messages or layouts than ``limits`` allow.
    """
    defs: list[_Def] = []
    n = len(data)
    pos = 0
    flushed = 0
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
        header_starts.append(pos)
        start = pos + hsize
        end = start + data_size
        if data_size == 0:  # never finalised (the watch stopped or crashed while recording)
            end = n
            content.notes.append(
                "FIT file header declares no data size (a recording that was not finalised, as a "
                "watch that stopped or crashed leaves it); read to the end of the file."
            )
        elif end > n:
            end = n
            content.notes.append(
                f"FIT file is truncated ({n - start} of {data_size} data bytes present); the records "
                "before the break are kept."
            )
        local: list[Optional[tuple[Any, int, _Def]]] = [None] * 16
        layouts: dict[tuple[int, bytes], _Def] = {}
        here: list[_Def] = []  # definitions of this FIT file (the only ones still growing)
        p = start
        window = p + _WINDOW_BYTES
        last: Optional[_Def] = None
        while p < end:
            if p >= window:  # bound the scan's memory, and refuse early past the cap
                flushed += sum(d.flush() for d in here)
                if flushed > limits.max_messages:
                    raise _too_many(source, "data messages", limits.max_messages)
                window = p + _WINDOW_BYTES
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
                    if d.resets is not None:
                        d.resets.append(p)
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
                if len(defs) >= limits.max_layouts:
                    raise _too_many(source, "message layouts", limits.max_layouts)
                d = _Def(gnum, big, fields, off)
                if d.resets is not None:
                    d.resets.append(p)
                defs.append(d)
                here.append(d)
                layouts[key] = d
                local[h & 0x0F] = (d.offsets.append, off + 1, d)
                last = None
                p = q
        flushed += sum(d.flush() for d in here)
        if p < end:  # stopped on an undefined local message
            content.notes.append(
                f"FIT decoding stopped near byte {p} of {n} (data message with undefined local "
                f"message type {data[p] & 0x0F if data[p] < 0x80 else (data[p] >> 5) & 3}); the "
                "records before the break are kept."
            )
            break
        if p > end:  # the last message runs past the data: cut off
            if last is not None:
                last.drop_last()
                flushed -= 1
            if not any("truncated" in m for m in content.notes):
                content.notes.append(
                    f"FIT file ends inside a message near byte {end}; the records before the break "
                    "are kept."
                )
            break
        if end + 2 > n:
            if end == n and data_size and not any("truncated" in m for m in content.notes):
                content.notes.append("FIT file has no CRC at its end (truncated); all records kept.")
            break
        crc_spans.append((pos, end + 2))
        pos = end + 2
    if flushed > limits.max_messages:
        raise _too_many(source, "data messages", limits.max_messages)
    return defs


# --------------------------------------------------------------------------- gathering
def _chunks(n: int) -> Iterator[slice]:
    for i in range(0, n, _CHUNK_MESSAGES):
        yield slice(i, min(n, i + _CHUNK_MESSAGES))


def _field_bytes(buf: np.ndarray, offs: np.ndarray, off: int, size: int) -> np.ndarray:
    """The ``size`` bytes at ``off`` in each message at ``offs``: an ``(n, size)`` uint8 block."""
    return buf[offs[:, None] + np.arange(off, off + size, dtype=np.int64)[None, :]]


def _columns(buf: np.ndarray, offs: np.ndarray, d: _Def, wanted: dict[int, str]) -> dict[str, np.ndarray]:
    """Raw numeric values of ``wanted`` field numbers as float64, NaN where invalid.

    Fields whose size is not exactly one value of their base type (arrays, misaligned
    sizes) are treated as absent, like the reference decoder does.
    """
    bts = _base_types()
    specs: dict[str, tuple[int, int, str, Any]] = {}  # a field defined twice: the later one wins
    endian = ">" if d.big else "<"
    for fnum, off, size, btype in d.fields:
        name = wanted.get(fnum)
        if name is None or btype not in bts:
            continue
        code, inv = bts[btype]
        if struct.calcsize(code) != size:
            continue
        specs.pop(name, None)
        specs[name] = (off, size, endian + code, inv)
    out = {}
    for name, (off, size, code, inv) in specs.items():
        raw = _field_bytes(buf, offs, off, size).view(code)[:, 0]
        vals = raw.astype(np.float64)
        if inv != "nan":  # float NaN is the invalid value already
            vals[raw == inv] = np.nan
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


def _accumulated(is_abs: np.ndarray, val: np.ndarray, bits: int) -> np.ndarray:
    """Running value of a FIT accumulated field at each event (events in file order).

    An absolute event sets the value; any other adds ``(val - low bits of the value) mod
    2**bits`` (FIT SDK and fitparse). The first event must be absolute.
    """
    mask = (1 << bits) - 1
    low = np.where(is_abs, val & mask, val)
    prev_low = np.empty_like(low)
    prev_low[:1] = 0
    prev_low[1:] = low[:-1]
    delta = np.where(is_abs, 0, (val - prev_low) & mask)
    group = np.cumsum(is_abs) - 1
    csum = np.cumsum(delta)
    return val[is_abs][group] + (csum - csum[is_abs][group])


def _by_owner(off: np.ndarray, who: np.ndarray, values: np.ndarray, defs: list[_Def],
              pick: np.ndarray) -> dict[int, np.ndarray]:
    """Per definition index, a float array over its messages: ``values`` at picked events."""
    out: dict[int, np.ndarray] = {}
    sel_all = np.flatnonzero(pick)
    for k in np.unique(who[sel_all]):
        sel = sel_all[who[sel_all] == k]
        offs = defs[int(k)].offs()
        arr = np.full(offs.size, np.nan)
        arr[np.searchsorted(offs, off[sel])] = values[sel]
        out[int(k)] = arr
    return out


def _compressed_times(buf: np.ndarray, defs: list[_Def], header_starts: list[int]) -> dict[int, np.ndarray]:
    """Absolute times [FIT s] of compressed-timestamp messages, by definition index.

    Each array covers all messages of its definition, NaN where the header is a normal one.
    The accumulator is every full timestamp (field 253 of any message) and every compressed
    offset, in file order, reset to 0 at each FIT header (as in the FIT SDK and fitparse).
    """
    comp_by_def = {}
    for k, d in enumerate(defs):
        if d.n:
            comp = (buf[d.offs() - 1] & 0x80) != 0
            if comp.any():
                comp_by_def[k] = comp
    if not comp_by_def:
        return {}
    ev_off, ev_abs, ev_val, owner = [], [], [], []
    for k, d in enumerate(defs):
        if not d.n:
            continue
        offs = d.offs()
        comp = comp_by_def.get(k)
        if comp is not None:
            ev_off.append(offs[comp])
            ev_abs.append(np.zeros(int(comp.sum()), dtype=bool))
            ev_val.append((buf[offs[comp] - 1] & 0x1F).astype(np.int64))
            owner.append(np.full(int(comp.sum()), k, dtype=np.int32))
        if any(f[0] == _TIMESTAMP for f in d.fields):
            for sl in _chunks(offs.size):
                ts = _columns(buf, offs[sl], d, {_TIMESTAMP: "t"}).get("t")
                if ts is None:
                    break
                ok = np.isfinite(ts)
                ev_off.append(offs[sl][ok])
                ev_abs.append(np.ones(int(ok.sum()), dtype=bool))
                ev_val.append(ts[ok].astype(np.int64))
                owner.append(np.full(int(ok.sum()), -1, dtype=np.int32))
    # each FIT header resets the accumulator to 0: a virtual full timestamp of 0
    hs = np.asarray([-1] + header_starts, dtype=np.int64)
    off = np.concatenate(ev_off + [hs])
    is_abs = np.concatenate(ev_abs + [np.ones(hs.size, dtype=bool)])
    val = np.concatenate(ev_val + [np.zeros(hs.size, dtype=np.int64)])
    who = np.concatenate(owner + [np.full(hs.size, -1, dtype=np.int32)])
    order = np.argsort(off, kind="stable")
    off, is_abs, val, who = off[order], is_abs[order], val[order], who[order]
    times = _accumulated(is_abs, val, 5)
    return _by_owner(off, who, times.astype(np.float64), defs, ~is_abs)


def _csd_spec(d: _Def) -> Optional[tuple[int, int]]:
    """(offset, size) of ``compressed_speed_distance`` in a record layout, or None.

    Raises
    ------
    FastPathUnsupported
        It is stored as a type fitparse reads as numbers, or defined twice.
    """
    if d.resets is None:
        return None
    from fitparse.records import BASE_TYPES

    found = [f for f in d.fields if f[0] == _CSD]
    if len(found) > 1:
        raise FastPathUnsupported("<fast>", "compressed_speed_distance defined twice in one record")
    _, off, size, btype = found[0]
    bt = BASE_TYPES.get(btype)
    if bt is not None and bt.identifier != _BYTE and size % bt.size == 0:
        raise FastPathUnsupported("<fast>", f"compressed_speed_distance stored as {bt.name}")
    return off, size


def _csd_value(buf: np.ndarray, offs: np.ndarray, off: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The 24-bit little-endian value of ``compressed_speed_distance`` and whether it is valid.

    Valid means not all bytes 0xFF (FIT's invalid byte array). The value holds the first
    three bytes; a shorter field holds fewer bits.
    """
    if size == 0:
        return np.zeros(offs.size, dtype=np.int64), np.zeros(offs.size, dtype=bool)
    raw = _field_bytes(buf, offs, off, size)
    valid = ~(raw == 0xFF).all(axis=1)
    value = np.zeros(offs.size, dtype=np.int64)
    for j in range(min(size, 3)):
        value |= raw[:, j].astype(np.int64) << (8 * j)
    return value, valid


def _csd_distances(buf: np.ndarray, defs: list[_Def], rec: list[int]) -> dict[int, np.ndarray]:
    """Accumulated distance [m] of compressed_speed_distance, by definition index (NaN: none).

    The accumulator is shared by all record layouts and reset to 0 by every record definition
    message holding the field (fitparse resets it there; a new FIT header needs one too).
    """
    ev_off, ev_abs, ev_val, owner = [], [], [], []
    for k in rec:
        d = defs[k]
        spec = _csd_spec(d)
        if spec is None:
            continue
        resets = np.asarray(d.resets, dtype=np.int64)
        ev_off.append(resets)
        ev_abs.append(np.ones(resets.size, dtype=bool))
        ev_val.append(np.zeros(resets.size, dtype=np.int64))
        owner.append(np.full(resets.size, -1, dtype=np.int32))
        if spec[1] < 2:  # no distance bits (fitparse skips the component)
            continue
        offs = d.offs()
        for sl in _chunks(offs.size):
            value, valid = _csd_value(buf, offs[sl], *spec)
            ev_off.append(offs[sl][valid])
            ev_abs.append(np.zeros(int(valid.sum()), dtype=bool))
            ev_val.append((value[valid] >> _CSD_BITS) & ((1 << _CSD_BITS) - 1))
            owner.append(np.full(int(valid.sum()), k, dtype=np.int32))
    if not ev_off:
        return {}
    off = np.concatenate(ev_off)
    is_abs = np.concatenate(ev_abs)
    val = np.concatenate(ev_val)
    who = np.concatenate(owner)
    order = np.argsort(off, kind="stable")
    off, is_abs, val, who = off[order], is_abs[order], val[order], who[order]
    dist = _accumulated(is_abs, val, _CSD_BITS) / _CSD_DISTANCE_SCALE
    return _by_owner(off, who, dist, defs, ~is_abs)


# --------------------------------------------------------------------------- records
def _records(buf: np.ndarray, defs: list[_Def], comp_times: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """The record columns (:data:`RECORD_KEYS`) in file order, decoded chunk by chunk."""
    wanted = {num: name for name, num in _REC_FIELDS.items()}
    rec = [k for k, d in enumerate(defs) if d.gnum == _RECORD and d.n]
    n = sum(defs[k].n for k in rec)
    out = {key: np.empty(n) for key in RECORD_KEYS}
    if not rec:
        return out
    csd_dist = _csd_distances(buf, defs, rec)
    # file-order position of every record (one layout: they are in order already)
    all_offs = np.sort(np.concatenate([defs[k].offs() for k in rec])) if len(rec) > 1 else None
    for k in rec:
        d = defs[k]
        offs = d.offs()
        spec = _csd_spec(d)
        where = np.searchsorted(all_offs, offs) if all_offs is not None else None
        for sl in _chunks(offs.size):
            o = offs[sl]
            raw = _columns(buf, o, d, wanted)
            nan = np.full(o.size, np.nan)

            def get(name: str) -> np.ndarray:
                return _scaled(_RECORD, _REC_FIELDS[name], raw[name]) if name in raw else nan

            t = raw.get("timestamp", nan)
            if k in comp_times:  # compressed headers carry the time instead of field 253
                ct = comp_times[k][sl]
                t = np.where(np.isnan(ct), t, ct)
            speed, distance = get("speed"), get("distance")
            if spec is not None:  # a real speed or distance field wins over the compressed one
                value, valid = _csd_value(buf, o, *spec)
                csd_speed = np.where(valid, (value & 0xFFF) / _CSD_SPEED_SCALE, np.nan)
                speed = np.where(np.isfinite(speed), speed, csd_speed)
                if k in csd_dist:
                    distance = np.where(np.isfinite(distance), distance, csd_dist[k][sl])
            lat, lon = get("position_lat"), get("position_long")
            both = np.isfinite(lat) & np.isfinite(lon)
            ea, a = get("enhanced_altitude"), get("altitude")
            es = get("enhanced_speed")
            frac = get("fractional_cadence")
            cols = {
                "timestamp": t,
                "lat_deg": np.where(both, lat * _SEMICIRCLE_DEG, np.nan),
                "lon_deg": np.where(both, lon * _SEMICIRCLE_DEG, np.nan),
                "elevation_m": np.where(np.isfinite(ea), ea, a),
                "device_speed_mps": np.where(np.isfinite(es), es, speed),
                "device_distance_m": distance,
                "cadence": get("cadence") + np.where(np.isfinite(frac), frac, 0.0),
                "heart_rate_bpm": get("heart_rate"),
                "power_w": get("power"),
                "temperature_c": get("temperature"),
            }
            at = where[sl] if where is not None else sl
            for key in RECORD_KEYS:
                out[key][at] = cols[key]
    return out


# --------------------------------------------------------------------------- entry point
def decode_fast(data: bytes, source: str, *, limits: Optional[FitLimits] = None) -> FitContent:
    """Decode FIT bytes into a :class:`FitContent` with the numpy decoder.

    Parameters
    ----------
    data : bytes
        The FIT file.
    source : str
        File name for messages.
    limits : FitLimits, optional
        Caps on messages and layouts (default :class:`~trailtech.io.limits.FitLimits`).

    Raises
    ------
    FastPathUnsupported
        The file uses something this decoder does not handle (the message says what).
    TrackReadError
        Not a FIT file, or over a cap of ``limits``.
    """
    limits = limits or FitLimits()
    content = FitContent(records={})
    crc_spans: list[tuple[int, int]] = []
    header_starts: list[int] = []
    try:
        defs = _scan(data, source, content, crc_spans, header_starts, limits)
        buf = np.frombuffer(data, dtype=np.uint8)
        comp_times = _compressed_times(buf, defs, header_starts)
        _meta(data, defs, comp_times, content, source, limits)  # capped: refuse before records
        content.records = _records(buf, defs, comp_times)
        check_crcs(data, content, crc_spans)
    except FastPathUnsupported as exc:
        raise FastPathUnsupported(source, exc.reason) from None
    except TrackReadError:
        raise
    except (IndexError, ValueError, struct.error, KeyError, TypeError, OverflowError) as exc:
        # a malformed file the scan did not anticipate: let the reference decoder judge it
        raise FastPathUnsupported(source, f"{type(exc).__name__}: {exc}") from None
    return content
