"""Size limits on what the readers accept, and the bounded reads that enforce them.

Every limit is far above a real recording (the corpus' largest FIT is 3 MB with 92,000
messages) and far below what would exhaust a small machine: a file over a limit is refused
with a one-line :class:`~trailtech.errors.TrackReadError` before its content is allocated.
The README's "Reading watch files" section lists them.

Bounded reads collect chunks in an :class:`io.BytesIO`, whose ``getvalue()`` hands over its
buffer without a copy, so reading N bytes costs about N bytes of memory (one ``read()`` of a
zip member, or one ``zlib`` call for the whole stream, costs 2N: the pieces, then their join).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import Callable

from ..errors import TrackReadError

__all__ = [
    "ContentTooLarge",
    "FitLimits",
    "TextModeError",
    "MAX_INPUT_BYTES",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_CSV_BYTES",
    "read_bounded",
    "gunzip_bounded",
    "too_large",
]

#: Largest plain file, standard input or file object read [bytes].
MAX_INPUT_BYTES = 512 * 2**20
#: Largest content of a gzip stream or of one zip member, after decompression [bytes].
MAX_DECOMPRESSED_BYTES = 512 * 2**20
#: Largest Strava ``activities.csv`` read for activity names [bytes] (a real one is ~1 KB
#: per activity, so this is some 30,000 activities).
MAX_CSV_BYTES = 32 * 2**20

_CHUNK_BYTES = 2**20


class TextModeError(TypeError):
    """A ``read()`` returned ``str``: the file was opened in text mode."""


class ContentTooLarge(TrackReadError):
    """Content over a size limit (refused before it is all read)."""


def too_large(source: str, what: str, cap: int) -> ContentTooLarge:
    """The one-line error for content over a limit."""
    return ContentTooLarge(source, f"{what} is larger than {cap / 2**20:g} MiB; refused (a limit "
                                   "against files that would exhaust memory)")


def _head_cap(head: bytes, cap: int, what: str) -> tuple[int, str]:
    """A FIT file has its own, lower cap: apply it as soon as the first bytes show one."""
    if len(head) >= 12 and head[8:12] == b".FIT":
        fit_cap = FitLimits().max_bytes
        if fit_cap < cap:
            return fit_cap, "the FIT file"
    return cap, what


def read_bounded(read: Callable[[int], bytes], cap: int, source: str, what: str = "the file") -> bytes:
    """Everything ``read`` returns until it returns nothing, refused past ``cap`` bytes.

    Parameters
    ----------
    read : callable
        A ``read(n)`` method (file, zip member, standard input).
    cap : int
        Largest accepted length [bytes] (lower for FIT content: ``FitLimits.max_bytes``); at
        most ``cap`` plus 1 MiB are ever held. Pass ``read1`` where there is one: a zip
        member's ``read(n)`` joins its pieces, holding 2n.
    source, what : str
        Names for the error message.

    Raises
    ------
    ContentTooLarge
        More than ``cap`` bytes.
    TextModeError
        ``read`` returned ``str``.
    """
    buf = io.BytesIO()
    first = True
    while True:
        piece = read(_CHUNK_BYTES)
        if not piece:
            return buf.getvalue()
        if isinstance(piece, str):
            raise TextModeError("read() returned str, not bytes")
        if first:
            cap, what = _head_cap(bytes(piece[:12]), cap, what)
            first = False
        buf.write(piece)
        if buf.tell() > cap:
            raise too_large(source, what, cap)


def gunzip_bounded(data: bytes, source: str, cap: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The content of the first gzip member of ``data``, refused past ``cap`` bytes.

    Raises
    ------
    ContentTooLarge
        Content over ``cap`` (over ``FitLimits.max_bytes`` for FIT content).
    TrackReadError
        Corrupt or truncated gzip data.
    """
    d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    buf = io.BytesIO()
    pending = data
    what = "the gzip content"
    try:
        while True:
            piece = d.decompress(pending, _CHUNK_BYTES)
            if buf.tell() == 0 and piece:
                cap, what = _head_cap(piece[:12], cap, what)
            buf.write(piece)
            if buf.tell() > cap:
                raise too_large(source, what, cap)
            pending = d.unconsumed_tail
            if d.eof or (not piece and not pending):
                break
    except zlib.error as exc:
        raise TrackReadError(source, f"corrupt gzip data ({exc})") from None
    if not d.eof:
        raise TrackReadError(source, "truncated gzip file (the compressed data ends early)")
    return buf.getvalue()


@dataclass(frozen=True)
class FitLimits:
    """Caps on a FIT file, checked before its content is allocated.

    Each is tens of times what the corpus of real files needs (largest: 3 MB, 92,000 data
    messages, 56 layouts, 427 session/event/device messages) and keeps a file at the caps
    well under 1 GiB of memory.

    Attributes
    ----------
    max_bytes : int
        FIT data (after decompression) [bytes].
    max_messages : int
        Data messages of every kind, records included (23 days at one record a second; an
        analysis stops at 7 days).
    max_layouts : int
        Distinct message layouts (definition messages that are not repeats).
    max_meta_messages : int
        ``file_id``, ``session``, ``event``, ``sport`` and ``device_info`` messages, which are
        decoded one by one.
    max_fitparse_bytes : int
        Largest file that ``engine="auto"`` hands to the reference decoder (python-fitparse:
        measured 4 s for 1 MiB of records, 15 s for 1 MiB of messages with 250 one-byte
        fields) when the fast decoder does not handle it [bytes].
    """

    max_bytes: int = 256 * 2**20
    max_messages: int = 2_000_000
    max_layouts: int = 10_000
    max_meta_messages: int = 100_000
    max_fitparse_bytes: int = 512 * 2**10
