"""What the fast FIT decoder's parts share: message numbers, field numbers, a definition
message's layout (:class:`_Def`) and the FIT profile's look-ups (python-fitparse's profile, so
that both engines share one source of truth).
"""

from __future__ import annotations

import functools
import struct
from typing import Any, Optional

import numpy as np

from ..errors import TrackReadError

_SEMICIRCLE_DEG = 180.0 / 2**31
_RECORD, _FILE_ID, _SESSION, _EVENT, _SPORT, _DEVICE_INFO = 20, 0, 18, 21, 12, 23
_META = (_FILE_ID, _SESSION, _EVENT, _SPORT, _DEVICE_INFO)
_TIMESTAMP = 253
_BYTE = 0x0D  # FIT base type "byte"
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
    "temperature": 13,
    "fractional_cadence": 53,
    "enhanced_speed": 73,
    "enhanced_altitude": 78,
}
#: record field 8: 12 bits of speed [1/100 m/s], then 12 bits of distance [1/16 m] that
#: accumulate (FIT profile; python-fitparse decodes it the same way)
_CSD = 8
_CSD_SPEED_SCALE, _CSD_DISTANCE_SCALE, _CSD_BITS = 100.0, 16.0, 12
#: offsets are moved from Python lists into arrays, and counted, every this many file bytes
_WINDOW_BYTES = 1 << 20
#: records decoded per numpy pass
_CHUNK_MESSAGES = 1 << 16


class FastPathUnsupported(TrackReadError):
    """The fast decoder does not handle this file (``engine="auto"`` then uses fitparse)."""


class _Def:
    """One definition message: field layout plus the offsets of its data messages."""

    __slots__ = ("gnum", "big", "fields", "size", "offsets", "chunks", "n", "resets")

    def __init__(self, gnum: int, big: bool, fields: list[tuple[int, int, int, int]], size: int):
        self.gnum = gnum
        self.big = big
        self.fields = fields  # (field number, byte offset in message, size, base type id)
        self.size = size  # data bytes after the header byte, developer fields included
        self.offsets: list[int] = []  # offsets found since the last flush (the scan appends)
        self.chunks: list[np.ndarray] = []  # flushed offsets
        self.n = 0  # number of flushed offsets
        #: positions of the definition messages that reset the accumulated distance (record
        #: layouts with compressed_speed_distance), else None
        self.resets: Optional[list[int]] = (
            [] if gnum == _RECORD and any(f[0] == _CSD for f in fields) else None
        )

    def flush(self) -> int:
        """Move the scanned offsets into an array; returns how many were moved."""
        k = len(self.offsets)
        if k:
            self.chunks.append(np.array(self.offsets, dtype=np.int64))
            self.offsets.clear()  # the same list: the scan holds its bound append
            self.n += k
        return k

    def drop_last(self) -> None:
        """Forget the last data message (it runs past the end of the data)."""
        self.flush()
        while self.chunks and self.chunks[-1].size == 0:
            self.chunks.pop()
        if self.chunks:
            self.chunks[-1] = self.chunks[-1][:-1]
            self.n -= 1

    def offs(self) -> np.ndarray:
        """All data-message offsets of this definition, in file order [bytes]."""
        self.flush()
        if len(self.chunks) != 1:
            self.chunks = [np.concatenate(self.chunks) if self.chunks else np.empty(0, dtype=np.int64)]
        return self.chunks[0]


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



def _too_many(source: str, what: str, cap: int) -> TrackReadError:
    return TrackReadError(source, f"FIT file holds more than {cap:,} {what}; refused (no watch "
                                  "records that much: a limit against files that would exhaust memory)")

