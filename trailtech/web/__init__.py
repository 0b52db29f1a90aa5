"""``trailtech serve``: a local upload page for the runner who just synced a watch.

::

    from trailtech.web import serve
    serve(port=8000, open_browser=True)      # http://127.0.0.1:8000

:func:`create_app` builds the Starlette application (routes in :mod:`trailtech.web.app`) for any
ASGI server or for tests; :func:`server_config` gives the uvicorn settings ``serve`` runs it with
(connection deadlines, :mod:`trailtech.web.protocol`). Needs the ``web`` extra:
``pip install "trailtech[web]"``.
"""

from __future__ import annotations

import threading
import time
from typing import Optional

# Imported here, not lazily, so that a missing web extra shows at `import trailtech.web`
# (the CLI turns that ImportError into a one-line hint).
import uvicorn

from .app import create_app
from .protocol import server_config

__all__ = ["serve", "create_app", "server_config"]


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    max_upload_mb: float = 64,
    *,
    workers: Optional[int] = None,
) -> None:
    """Serve the upload page until interrupted (Ctrl+C).

    Parameters
    ----------
    host : str
        Interface to bind; the default keeps the server private to this machine.
    port : int
        TCP port; 0 picks a free one.
    open_browser : bool
        Open the page in the default web browser once the server is listening.
    max_upload_mb : float
        Largest accepted upload [MiB]; bigger ones are refused with 413.
    workers : int, optional
        Analysis worker processes (default: the number of cores, 1 to 4).

    Raises
    ------
    ValueError
        If ``port`` is outside 0-65535 or ``max_upload_mb`` is not positive.
    """
    if not 0 <= int(port) <= 65535:
        raise ValueError(f"port must be between 0 and 65535, got {port}")
    app = create_app(max_upload_mb=max_upload_mb, workers=workers, host=host)
    server = uvicorn.Server(server_config(app, host=host, port=int(port)))

    def announce() -> None:
        # uvicorn sets `started` once the socket listens (and the lifespan has warmed the pool).
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if not server.started or not server.servers:
            return
        sock = server.servers[0].sockets[0]
        bound_host, bound_port = sock.getsockname()[:2]
        shown = "127.0.0.1" if bound_host in ("0.0.0.0", "::") else bound_host
        if ":" in shown:
            shown = f"[{shown}]"
        url = f"http://{shown}:{bound_port}/"
        print(f"trailtech: the upload page is at {url}  (Ctrl+C stops the server)", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    threading.Thread(target=announce, name="trailtech-announce", daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully on Ctrl+C, then re-raises the signal for the caller;
        # stopping the server is what the user asked for, not an error worth a traceback.
        pass
