"""The FIT file CRC-16 (CRC-16/ARC), vectorised: the CRC of 64-byte chunks side by side, then
combined with precomputed shift tables, so a whole file costs a few numpy passes.
"""

from __future__ import annotations

import functools

import numpy as np

from .fit_content import FitContent

__all__ = ["fit_crc", "check_crcs"]

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
#: bytes of one vectorised CRC pass (2**16 chunks side by side); longer data is cut into
#: blocks of this size so that memory stays a few MiB whatever the file size
_CRC_BLOCK = _CRC_CHUNK << 16


def _square(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shift tables of twice the length: applying a shift twice."""
    return lo[lo & 0xFF] ^ hi[lo >> 8], lo[hi & 0xFF] ^ hi[hi >> 8]


@functools.lru_cache(maxsize=None)
def _shift_tables(log2_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """Tables (low byte, high byte) of the linear map "feed 2**log2_bytes zero bytes"."""
    lo, hi = _crc_table().copy(), np.arange(256, dtype=np.uint16)  # one zero byte
    for _ in range(log2_bytes):
        lo, hi = _square(lo, hi)
    return lo, hi


def _shift(crc: np.ndarray, tables: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    lo, hi = tables
    return lo[crc & 0xFF] ^ hi[crc >> 8]


def _crc_pow2(arr: np.ndarray) -> int:
    """CRC of a uint8 array whose length is a power of two times the chunk length."""
    tab = _crc_table()
    blocks = arr.reshape(-1, _CRC_CHUNK)
    crc = np.zeros(blocks.shape[0], dtype=np.uint16)
    for j in range(_CRC_CHUNK):
        crc = (crc >> 8) ^ tab[(crc ^ blocks[:, j]) & 0xFF]
    level = int(np.log2(_CRC_CHUNK))
    while crc.size > 1:
        a, b = crc[0::2], crc[1::2]
        crc = _shift(a, _shift_tables(level)) ^ b
        level += 1
    return int(crc[0])


def fit_crc(data: bytes | memoryview) -> int:
    """FIT CRC-16 of ``data``, vectorised over many chunks at once.

    The CRC starts at zero and has no final xor, so it is linear over GF(2):
    ``crc(A + B) = shift(crc(A), len(B)) ^ crc(B)``, where ``shift`` (feeding zero bytes) is
    a linear map on 16 bits, stored as two 256-entry tables (low byte, high byte). The data
    is cut into 64-byte chunks processed side by side, then combined pairwise (a tree);
    data longer than 4 MiB is processed in 4 MiB blocks combined the same way. Zero bytes in
    front do not change a zero-initialised CRC, which makes the padding free.
    """
    tab = _crc_table()
    n = len(data)
    if n < 4 * _CRC_CHUNK:
        crc = 0
        for b in bytes(data):
            crc = (crc >> 8) ^ int(tab[(crc ^ b) & 0xFF])
        return crc
    buf = np.frombuffer(data, dtype=np.uint8)
    head = n % _CRC_BLOCK if n > _CRC_BLOCK else n
    crc = np.uint16(0)
    if head:
        m = 1 << int(np.ceil(np.log2(-(-head // _CRC_CHUNK))))
        arr = np.zeros(m * _CRC_CHUNK, dtype=np.uint8)
        arr[m * _CRC_CHUNK - head :] = buf[:head]
        crc = np.uint16(_crc_pow2(arr))
    block_shift = _shift_tables(int(np.log2(_CRC_BLOCK)))
    for start in range(head, n, _CRC_BLOCK):
        crc = _shift(np.uint16(crc), block_shift) ^ np.uint16(_crc_pow2(buf[start : start + _CRC_BLOCK]))
    return int(crc)


def check_crcs(data: bytes, content: FitContent, crc_spans: list[tuple[int, int]]) -> None:
    view = memoryview(data)
    for start, stop in crc_spans:
        stored = int.from_bytes(data[stop - 2 : stop], "little")
        computed = fit_crc(view[start : stop - 2])
        if stored != computed:
            content.notes.insert(
                0,
                f"FIT CRC check failed (CRC Mismatch [computed: 0x{computed:04X}, read: "
                f"0x{stored:04X}]): the file may be damaged; decoded anyway.",
            )
            break
