"""FIT files built byte by byte, for tests, fuzzing and the size-bomb script.

A FIT file is a header (12 or 14 bytes: header size, protocol, profile, ``data_size``,
``.FIT``, optional header CRC), a stream of messages and a CRC-16 of everything before it.
A *definition* message (header byte ``0x40 | local``) gives the layout of the *data* messages
(header byte ``local``) that follow it: global message number, then (field number, size,
base type) per field. These helpers write exactly that, so a test states the bytes it means.

>>> body = definition(0, 20, [(253, 4, UINT32), (3, 1, UINT8)]) + data(0, u32(1_000_000_000), b"\\x8c")
>>> blob = fit_file(file_id_activity() + body)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from trailtech.io.fit_fast import fit_crc

# FIT base type ids
ENUM, SINT8, UINT8, BYTE = 0x00, 0x01, 0x02, 0x0D
SINT16, UINT16, SINT32, UINT32 = 0x83, 0x84, 0x85, 0x86
#: FIT seconds of 2024-06-01T08:00:00Z (FIT epoch 1989-12-31)
T0_FIT_S = 1_086_163_200


def u8(v: int) -> bytes:
    return struct.pack("<B", v)


def u16(v: int) -> bytes:
    return struct.pack("<H", v)


def u32(v: int) -> bytes:
    return struct.pack("<I", v)


def s32(v: int) -> bytes:
    return struct.pack("<i", v)


def semicircles(deg: float) -> bytes:
    return s32(round(deg * 2**31 / 180.0))


def definition(local: int, gnum: int, fields: list[tuple[int, int, int]], *,
               big: bool = False, dev_fields: list[tuple[int, int, int]] | None = None) -> bytes:
    """A definition message: ``fields`` are (field number, size [bytes], base type id)."""
    head = 0x40 | local | (0x20 if dev_fields is not None else 0)
    out = bytes([head, 0, 1 if big else 0]) + struct.pack(">H" if big else "<H", gnum) + bytes([len(fields)])
    out += b"".join(bytes(f) for f in fields)
    if dev_fields is not None:
        out += bytes([len(dev_fields)]) + b"".join(bytes(f) for f in dev_fields)
    return out


def data(local: int, *values: bytes) -> bytes:
    """A data message with a normal header: the field bytes in definition order."""
    return bytes([local]) + b"".join(values)


def compressed(local: int, time_offset_s: int, *values: bytes) -> bytes:
    """A data message with a compressed-timestamp header (local 0-3, 5-bit time offset)."""
    return bytes([0x80 | (local << 5) | (time_offset_s & 0x1F)]) + b"".join(values)


def file_id_activity(local: int = 0) -> bytes:
    """``file_id`` of an activity (type 4), manufacturer development (255)."""
    return definition(local, 0, [(0, 1, ENUM), (1, 2, UINT16)]) + data(local, u8(4), u16(255))


def fit_header(data_size: int, *, header_size: int = 14) -> bytes:
    head = bytes([header_size, 0x20]) + u16(2132) + u32(data_size) + b".FIT"
    if header_size == 14:
        head += u16(fit_crc(head))
    return head


def fit_file(body: bytes, *, data_size: int | None = None, crc: bool = True, header_size: int = 14) -> bytes:
    """A whole FIT file around ``body``; ``data_size`` overrides the header's (0: unfinalised)."""
    head = fit_header(len(body) if data_size is None else data_size, header_size=header_size)
    out = head + body
    return out + (u16(fit_crc(out)) if crc else b"")


#: A 16-byte record: timestamp, position, enhanced altitude, heart rate (17 bytes with header)
RECORD_FIELDS = [(253, 4, UINT32), (0, 4, SINT32), (1, 4, SINT32), (78, 2, UINT16), (3, 1, UINT8),
                 (4, 1, UINT8)]


def record(local: int, t_s: int, lat_deg: float, lon_deg: float, ele_m: float, hr_bpm: int,
           cadence: int = 85) -> bytes:
    """One record data message in the :data:`RECORD_FIELDS` layout."""
    return data(local, u32(t_s), semicircles(lat_deg), semicircles(lon_deg),
                u16(round((ele_m + 500) * 5)), u8(hr_bpm), u8(cadence))


def activity(n: int, *, t0: int = T0_FIT_S, lat0: float = 45.0, lon0: float = 6.0) -> bytes:
    """A plain FIT activity of ``n`` one-second records walking north (body only, no header)."""
    body = file_id_activity() + definition(1, 20, RECORD_FIELDS)
    body += b"".join(record(1, t0 + i, lat0 + i * 2.5e-5, lon0, 1000 + 0.1 * (i % 2000), 120 + i % 30)
                     for i in range(n))
    return body


# --------------------------------------------------------------------------- framing
@dataclass
class Message:
    """One message of a parsed FIT file: its header byte and the bytes after it."""

    header: int
    body: bytes
    #: for data messages: the index of their definition in ``Framed.messages``
    definition: int | None = None

    @property
    def is_definition(self) -> bool:
        return self.header & 0xC0 == 0x40


@dataclass
class Framed:
    """A FIT file split into its messages, so that mutations keep the framing valid."""

    header: bytes
    messages: list[Message] = field(default_factory=list)
    trailer: bytes = b""

    def to_bytes(self) -> bytes:
        """Reassemble with a correct ``data_size`` and CRCs (header and file)."""
        body = b"".join(bytes([m.header]) + m.body for m in self.messages)
        head = bytearray(self.header)
        head[4:8] = u32(len(body))
        if len(head) >= 14:
            head[12:14] = u16(fit_crc(bytes(head[:12])))
        out = bytes(head) + body
        return out + u16(fit_crc(out)) + self.trailer


def definition_layout(m: Message) -> tuple[int, bool, list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """(global number, big-endian, fields, developer fields) of a definition message."""
    b = m.body
    big = b[1] != 0
    gnum = struct.unpack_from(">H" if big else "<H", b, 2)[0]
    nf = b[4]
    fields = [tuple(b[5 + 3 * i: 8 + 3 * i]) for i in range(nf)]
    dev: list = []
    if m.header & 0x20:
        q = 5 + 3 * nf
        dev = [tuple(b[q + 1 + 3 * i: q + 4 + 3 * i]) for i in range(b[q])]
    return gnum, big, fields, dev


def layout_bytes(gnum: int, big: bool, fields: list, dev: list | None) -> bytes:
    """The body of a definition message (everything after its header byte)."""
    out = bytes([0, 1 if big else 0]) + struct.pack(">H" if big else "<H", gnum) + bytes([len(fields)])
    out += b"".join(bytes(f) for f in fields)
    if dev is not None:
        out += bytes([len(dev)]) + b"".join(bytes(f) for f in dev)
    return out


def frame(blob: bytes) -> Framed | None:
    """Split the first FIT file of ``blob`` into messages; None when its framing is broken."""
    if len(blob) < 12 or blob[8:12] != b".FIT" or blob[0] < 12:
        return None
    hsize = blob[0]
    size = int.from_bytes(blob[4:8], "little")
    end = min(hsize + size, len(blob))
    out = Framed(header=blob[:hsize], trailer=blob[end + 2:])
    local: dict[int, tuple[int, int]] = {}  # local number -> (message index, data size)
    p = hsize
    while p < end:
        h = blob[p]
        if h & 0xC0 == 0x40:
            if p + 6 > end:
                return None
            nf = blob[p + 5]
            q = p + 6 + 3 * nf
            size_data = sum(blob[p + 7 + 3 * i] for i in range(nf) if p + 7 + 3 * i < end)
            if h & 0x20:
                if q >= end:
                    return None
                nd = blob[q]
                size_data += sum(blob[q + 2 + 3 * i] for i in range(nd) if q + 2 + 3 * i < end)
                q += 1 + 3 * nd
            if q > end:
                return None
            out.messages.append(Message(h, blob[p + 1:q]))
            local[h & 0x0F] = (len(out.messages) - 1, size_data)
            p = q
        else:
            ln = (h >> 5) & 0x03 if h & 0x80 else h & 0x0F
            if ln not in local:
                return None
            idx, size_data = local[ln]
            if p + 1 + size_data > end:
                return None
            out.messages.append(Message(h, blob[p + 1:p + 1 + size_data], idx))
            p += 1 + size_data
    return out
