"""How many uploads, and how many bytes of them, the server takes on at once.

An upload is *in flight* from the moment the server decides to read its body until its answer
is sent: while it arrives, waits for a worker and is analysed. The decision is taken from the
request headers alone, so a request over either limit gets 503 before any of its body is read.
An upload reserves its declared ``Content-Length``, or the largest body the server accepts when
it comes without one (it is then counted as it streams and cut at that size with 413); once
received it keeps only its file's size.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["InFlight", "Ticket"]


class Ticket:
    """One admitted upload's place; :meth:`release` it when the answer is sent."""

    def __init__(self, owner: "InFlight", reserved_bytes: int):
        self._owner = owner
        self.reserved_bytes = reserved_bytes
        self._released = False

    def shrink(self, size_bytes: int) -> None:
        """Keep only ``size_bytes`` reserved (the body has arrived and turned out smaller)."""
        if not self._released and size_bytes < self.reserved_bytes:
            self._owner.bytes_in_flight -= self.reserved_bytes - size_bytes
            self.reserved_bytes = size_bytes

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._owner.uploads_in_flight -= 1
            self._owner.bytes_in_flight -= self.reserved_bytes


class InFlight:
    """Counts of the uploads in flight, for one event loop (no locking needed).

    Parameters
    ----------
    max_uploads : int
        Uploads in flight at once.
    max_bytes : int
        Bytes those uploads may reserve in all [bytes]; at least one largest body.
    """

    def __init__(self, max_uploads: int, max_bytes: int):
        if max_uploads < 1:
            raise ValueError(f"max_uploads must be >= 1, got {max_uploads}")
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
        self.max_uploads = max_uploads
        self.max_bytes = max_bytes
        self.uploads_in_flight = 0
        self.bytes_in_flight = 0

    def admit(self, reserve_bytes: int) -> Optional[Ticket]:
        """A place for an upload that may take ``reserve_bytes``, or None when there is none."""
        if (self.uploads_in_flight >= self.max_uploads
                or self.bytes_in_flight + reserve_bytes > self.max_bytes):
            return None
        self.uploads_in_flight += 1
        self.bytes_in_flight += reserve_bytes
        return Ticket(self, reserve_bytes)
