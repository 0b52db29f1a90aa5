"""Which requests the upload server answers at all: its own names in ``Host``, its own page in
``Origin``.

A server on 127.0.0.1 is reachable from every web page the user opens: a page can POST a form
to ``http://127.0.0.1:8000/api/report`` (a "simple" cross-site request that the browser sends
without asking), and a page on a domain the attacker re-points at 127.0.0.1 (DNS rebinding) can
even read the answers. So:

* ``Host`` must name this server: ``127.0.0.1``, ``localhost``, ``[::1]`` or the host it was
  told to bind, any port (400 otherwise). A rebound domain arrives with the attacker's name. A
  server bound to every interface (``--host 0.0.0.0``, to reach it from a phone) also answers
  to any IP address, which a rebinding attack cannot forge: it needs a name.
* A POST that carries ``Origin`` must come from the same origin as its ``Host`` (403
  otherwise). Browsers send ``Origin`` on every cross-site POST; scripts and curl send none and
  are let through, since they are not a browser acting for another site.

Starlette's ``TrustedHostMiddleware`` checks names only and answers in plain text; the checks
here also take IP literals and ``Origin`` and answer with the API's JSON errors.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Optional
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HostOriginGuard", "allowed_names", "host_allowed", "same_origin"]

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_WILDCARD_BINDS = ("0.0.0.0", "::", "")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _strip(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    return name[1:-1] if name.startswith("[") and name.endswith("]") else name


def allowed_names(bind_host: str) -> tuple[frozenset, bool]:
    """The host names a server bound to ``bind_host`` answers to, and whether any IP does too."""
    bind = _strip(bind_host)
    wildcard = bind in _WILDCARD_BINDS
    return frozenset(_LOOPBACK_NAMES) | (frozenset() if wildcard else {bind}), wildcard


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _split_netloc(netloc: str) -> Optional[tuple[str, Optional[int]]]:
    """``(host, port)`` of ``host[:port]``, brackets off an IPv6 literal; None if malformed."""
    if not netloc or any(c in netloc for c in "/?#@ \t\\"):
        return None
    try:
        parts = urlsplit("//" + netloc)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if "[" in netloc and not _is_ip(host):
        return None
    return _strip(host), port


def host_allowed(host_header: Optional[str], names: frozenset, any_ip: bool) -> bool:
    """Whether a ``Host`` header names this server."""
    split = _split_netloc(host_header or "")
    if split is None:
        return False
    host = split[0]
    return host in names or (any_ip and _is_ip(host))


def same_origin(origin: str, scheme: str, host_header: str) -> bool:
    """Whether an ``Origin`` header is the origin ``scheme://host_header`` (default ports equal)."""
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    if parts.scheme != scheme or parts.path or parts.query or parts.fragment:
        return False
    a, b = _split_netloc(parts.netloc), _split_netloc(host_header)
    if a is None or b is None:
        return False
    default = _DEFAULT_PORTS.get(scheme)
    return a[0] == b[0] and (a[1] or default) == (b[1] or default)


class HostOriginGuard:
    """ASGI middleware answering 400 to a foreign ``Host`` and 403 to a cross-origin POST."""

    def __init__(self, app: ASGIApp, bind_host: str = "127.0.0.1",
                 extra_names: Iterable[str] = ()):
        self.app = app
        names, self.any_ip = allowed_names(bind_host)
        self.names = names | {_strip(n) for n in extra_names}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [v.decode("latin-1") for k, v in scope["headers"] if k == b"host"]
        origins = [v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"]
        if len(hosts) != 1 or not host_allowed(hosts[0], self.names, self.any_ip):
            shown = hosts[0][:100] if len(hosts) == 1 else "missing"
            await _refuse(400, f"this server does not answer to the host name {shown!r}; open it "
                               "as http://127.0.0.1:<port>/ or start it with --host <name>",
                          scope, receive, send)
            return
        if scope["method"] not in _SAFE_METHODS and origins and not (
                len(origins) == 1 and same_origin(origins[0], scope.get("scheme", "http"),
                                                  hosts[0])):
            await _refuse(403, "uploads are accepted from this server's own page only "
                               f"(the request came from {origins[0][:100]!r})",
                          scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _refuse(status: int, message: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"error": message}, status_code=status,
                            headers={"X-Content-Type-Options": "nosniff"})
    await response(scope, receive, send)
