"""uvicorn's HTTP/1.1 protocol with the connection deadlines it lacks, and the server settings.

What uvicorn (0.3x-0.5x) offers and why it is not enough on its own:

* ``timeout_keep_alive`` closes a connection idle *after* a response. A connection that never
  completes its first request head, or starts a second one and stalls, has no timeout at all.
* ``limit_concurrency`` answers 503 once connections plus tasks exceed a number, but only when
  a request head is complete; connections still trickling their head count towards it. Set,
  it turns 300 trickling connections into a 503 for everyone; it is left unset here.
* ``h11_max_incomplete_event_size`` caps a request head at 16 KiB (h11's default, kept): the
  memory one trickling connection can hold, not the time.

So :class:`DeadlineH11Protocol` adds two deadlines to uvicorn's h11 protocol (the one uvicorn
chooses when httptools is not installed; it is chosen explicitly here, so installing httptools
changes nothing):

* a **head** deadline: a connection has ``head_timeout_s`` to deliver a complete request head,
  from the moment it opens or its previous answer is sent;
* a **drain** deadline: when the app answered before reading the body (503, 413), uvicorn reads
  the rest of the body and throws it away, so that the client can read the answer; a client
  still sending after ``drain_timeout_s`` is cut off.

Reading the body of an admitted upload is timed by the app (:class:`~.upload.BodyTimeouts`),
which knows its size. Connections beyond ``max_connections`` are closed as they open.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DeadlineH11Protocol", "deadline_protocol", "server_config", "HEAD_TIMEOUT_S",
           "DRAIN_TIMEOUT_S", "MAX_CONNECTIONS", "MAX_HEAD_BYTES"]

log = logging.getLogger("trailtech.web")

#: Time to deliver a complete request head [s]. A browser needs milliseconds.
HEAD_TIMEOUT_S = 10.0
#: Time to finish sending a body the app has already answered [s]: a 64 MB upload refused with
#: 503 drains in under a second on loopback and in ~25 s over 20 Mbit/s Wi-Fi.
DRAIN_TIMEOUT_S = 30.0
#: Open connections at once; a browser opens at most 6 per server.
MAX_CONNECTIONS = 1000
#: Largest request head [bytes] (h11's default, stated).
MAX_HEAD_BYTES = 16 * 1024


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's ``H11Protocol`` with a request-head deadline and a drain deadline."""

    head_timeout_s: float = HEAD_TIMEOUT_S
    drain_timeout_s: float = DRAIN_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: Optional[asyncio.TimerHandle] = None
        self._deadline_kind: Optional[str] = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("more than %d connections open: closing a new one", self.max_connections)
            transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._set_deadline(None)
        super().connection_lost(exc)

    # -- deadlines -----------------------------------------------------------------------------
    def _phase(self) -> Optional[str]:
        """The deadline the connection's state calls for: "head", "drain" or None."""
        if self.transport is None or self.transport.is_closing():
            return None
        theirs, ours = self.conn.their_state, self.conn.our_state
        if theirs is h11.IDLE:
            return "head"
        if theirs is h11.SEND_BODY and ours in (h11.DONE, h11.MUST_CLOSE):
            return "drain"
        return None  # the app is reading the body (its own timeouts) or answering

    def _watch(self) -> None:
        self._set_deadline(self._phase())

    def _set_deadline(self, kind: Optional[str]) -> None:
        if kind == self._deadline_kind:
            return  # a deadline runs from the start of its phase, not from the last byte
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._deadline_kind = kind
        if kind is not None:
            delay_s = self.head_timeout_s if kind == "head" else self.drain_timeout_s
            self._deadline = self.loop.call_later(delay_s, self._expire, kind)

    def _expire(self, kind: str) -> None:
        self._deadline = None
        self._deadline_kind = None
        if self._phase() != kind:
            self._watch()
            return
        log.info("closing a connection from %s: %s", self.client,
                 "no complete request head in %g s" % self.head_timeout_s if kind == "head"
                 else "still sending an answered body after %g s" % self.drain_timeout_s)
        self.transport.close()


def deadline_protocol(head_timeout_s: float = HEAD_TIMEOUT_S,
                      drain_timeout_s: float = DRAIN_TIMEOUT_S,
                      max_connections: int = MAX_CONNECTIONS) -> type:
    """A :class:`DeadlineH11Protocol` class with these limits, for ``uvicorn.Config(http=...)``."""
    if not head_timeout_s > 0 or not drain_timeout_s > 0:
        raise ValueError("head_timeout_s and drain_timeout_s must be > 0")
    if max_connections < 1:
        raise ValueError(f"max_connections must be >= 1, got {max_connections}")
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), {
        "head_timeout_s": float(head_timeout_s), "drain_timeout_s": float(drain_timeout_s),
        "max_connections": int(max_connections)})


def server_config(app: Any, *, host: str = "127.0.0.1", port: int = 8000,
                  log_level: str = "info", head_timeout_s: float = HEAD_TIMEOUT_S,
                  drain_timeout_s: float = DRAIN_TIMEOUT_S,
                  max_connections: int = MAX_CONNECTIONS) -> uvicorn.Config:
    """The uvicorn settings ``trailtech serve`` runs with (see the module docstring)."""
    return uvicorn.Config(
        app, host=host, port=int(port), log_level=log_level, lifespan="on", server_header=False,
        http=deadline_protocol(head_timeout_s, drain_timeout_s, max_connections),
        timeout_keep_alive=5, h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
