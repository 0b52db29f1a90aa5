"""The Starlette application behind ``trailtech serve``.

Routes (``shared/design/cli-contract.md``)::

    GET  /                        the upload page (static HTML, everything inline)
    POST /api/analyze             multipart field ``file`` -> the ``analyze --json`` document
    POST /api/report              same form -> the self-contained HTML report
    POST /api/line-practice.gpx   same form -> the line-practice courses as GPX
    GET  /healthz                 "ok"

Every error is JSON ``{"error": "..."}``: 400 for an unreadable file (the CLI's one line), a
request without a file, a malformed or incomplete form, or a ``Host`` that is not this server;
403 for a POST from another origin (:mod:`.guard`); 408 for a body that arrives too slowly; 413
over the size limit; 503, before the body is read, when the uploads in flight are at their limit
(:mod:`.limits`); 500 only for a bug (its traceback goes to the log). An upload is written to a
private temporary file as it arrives (:mod:`.upload`) and deleted when the answer is sent.

The routes are a thin shell: reading, analysing and rendering are the library's functions, run
in a :class:`~trailtech.web.pool.WorkerPool`; only the rendered bodies come back to the server
process. The three POST routes share a small cache of recent answers keyed by the file's SHA-256
and name (bounded in entries and bytes), so the page's report + JSON + GPX for one upload cost
one analysis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from importlib import resources
from typing import Iterable, Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..report.readout import SCRIPT_SHA256 as _READOUT_SHA256
from ..report.readout import TILE_HOST as _TILES
from . import jobs
from .guard import HostOriginGuard
from .limits import InFlight
from .pool import JobTimeout, WorkerCrashed, WorkerPool, default_workers
from .upload import (FORM_OVERHEAD_BYTES, BodyTimeouts, Upload, UploadError, body_chunks,
                     parse_form_head, read_upload)

__all__ = ["create_app", "page_html"]

log = logging.getLogger("trailtech.web")

_CACHE_ENTRIES = 16
_CACHE_BYTES = 64 * 1024 * 1024
# The page's own policy: nothing may load from anywhere but this server and inline code, and
# map tiles once the reader asks for the report's OpenStreetMap view. The report is shown in
# an iframe built from srcdoc, which inherits this policy; its figures are data: URIs.
_PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    f"img-src data: blob: {_TILES}; font-src data:; connect-src 'self'; frame-src 'self' blob: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: The report served by /api/report, when opened on its own: inline styles and data: images
#: (its figures are inline SVG with embedded PNG), only the report's own inline script (by
#: its hash), and OpenStreetMap tiles for the map view the reader asks for.
_REPORT_CSP = (
    f"default-src 'none'; script-src '{_READOUT_SHA256}'; style-src 'unsafe-inline'; "
    f"img-src data: {_TILES}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


def page_html(max_upload_mb: float = 64) -> str:
    """The upload page, with the server's size limit written into it for the client-side check."""
    text = resources.files("trailtech.web").joinpath("static/index.html").read_text("utf-8")
    return text.replace('data-max-upload-mb="64"', f'data-max-upload-mb="{max_upload_mb:g}"', 1)


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={**_NO_SNIFF, **headers})


async def _http_error(request: Request, exc: Exception) -> Response:
    # 404 / 405 as JSON too, so scripts see one error shape everywhere.
    status = getattr(exc, "status_code", 500)
    return _error(status, str(getattr(exc, "detail", exc)), **(getattr(exc, "headers", None) or {}))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("bug in the web app", exc_info=exc)
    return _error(500, "internal error in trailtech (this is a bug; the server log has the details)")


def _stem(filename: str) -> str:
    name = filename
    for suffix in (".gz", ".fit", ".gpx", ".tcx", ".FIT", ".GPX", ".TCX", ".GZ"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    # A header value must stay plain ASCII without quotes.
    safe = "".join(c if (c.isascii() and c.isprintable() and c not in '"\\;') else "_" for c in name)
    return safe or "activity"


#: What one analysis renders, by the answer asked for: the page asks for the report first and
#: then for the JSON and the GPX of the same upload, which are cheap; a script asking for the
#: JSON does not pay for the report's figures.
_RENDER_WITH = {
    "report": ("report", "json", "flags_gpx"),
    "json": ("json", "flags_gpx"),
    "flags_gpx": ("flags_gpx", "json"),
}


class _Service:
    """State shared by the routes of one app: the pool, the answer cache, the uploads in flight."""

    def __init__(self, *, max_upload_mb: float, workers: int, timeout_s: float,
                 max_pending: int, max_pending_bytes: int, memory_limit_mb: Optional[int],
                 body_timeouts: BodyTimeouts, spool_dir: Optional[str]):
        self.max_file_bytes = int(max_upload_mb * 1024 * 1024)
        self.max_upload_mb = max_upload_mb
        self.pool = WorkerPool(workers, timeout_s=timeout_s, memory_limit_mb=memory_limit_mb)
        self.in_flight = InFlight(max_pending, max_pending_bytes)
        self.body_timeouts = body_timeouts
        self.spool_dir = spool_dir
        # Rendered answers of recent good uploads: key -> {kind: body bytes}, least recent first.
        self._cache: "OrderedDict[str, dict[str, bytes]]" = OrderedDict()
        # Analyses under way: key -> (kinds, task), so simultaneous requests share one.
        self._inflight: dict[str, tuple[tuple[str, ...], asyncio.Task]] = {}
        self.page = page_html(max_upload_mb)

    @property
    def pending(self) -> int:
        """Uploads in flight: being received, waiting for a worker or analysed."""
        return self.in_flight.uploads_in_flight

    def _remember(self, key: str, answers: dict) -> None:
        merged = {**self._cache.pop(key, {}), **answers}
        self._cache[key] = merged
        while len(self._cache) > _CACHE_ENTRIES or (
            len(self._cache) > 1 and sum(len(b) for a in self._cache.values()
                                         for b in a.values()) > _CACHE_BYTES):
            self._cache.popitem(last=False)

    async def body(self, upload: Upload, kind: str) -> jobs.Outcome:
        """The answer ``kind`` for an upload, from the cache or from one analysis in a worker."""
        key = upload.sha256 + "/" + upload.filename
        cached = self._cache.get(key)
        if cached is not None and kind in cached:
            self._cache.move_to_end(key)
            return ("ok", cached[kind])
        running = self._inflight.get(key)
        if running is not None and kind in running[0]:
            task = running[1]  # may still lack `kind` if its best-effort rendering fails
        else:
            kinds = _RENDER_WITH[kind]
            # The task may outlive this request (a shared analysis): it keeps the file alive.
            upload.retain()
            task = asyncio.ensure_future(
                self.pool.run(jobs.answer, upload.path, upload.filename, kinds))
            self._inflight[key] = (kinds, task)

            def finished(t: asyncio.Task, key=key, upload=upload) -> None:
                upload.release()
                if self._inflight.get(key, (None, None))[1] is t:
                    del self._inflight[key]
                if not t.cancelled() and t.exception() is None and t.result()[0] == "ok":
                    self._remember(key, t.result()[1])

            task.add_done_callback(finished)
        # shield: one client hanging up must not cancel an analysis others may be waiting for.
        outcome = await asyncio.shield(task)
        if outcome[0] != "ok":
            return outcome
        if kind in outcome[1]:
            return ("ok", outcome[1][kind])
        # Shared an analysis whose extra rendering of `kind` failed: ask for it first-hand.
        outcome = await self.pool.run(jobs.answer, upload.path, upload.filename, _RENDER_WITH[kind])
        return ("ok", outcome[1][kind]) if outcome[0] == "ok" else outcome

    async def answer(self, request: Request, kind: str) -> Response:
        content_type = request.headers.get("content-type")
        content_length = request.headers.get("content-length")
        try:
            head = parse_form_head(content_type, content_length,
                                   max_file_bytes=self.max_file_bytes)
        except UploadError as exc:
            return _error(exc.status, exc.message)
        # Admission from the headers alone: a body without Content-Length reserves the largest
        # body accepted, and is cut there with 413 as it streams.
        reserve = head.content_length
        if reserve is None:
            reserve = self.max_file_bytes + FORM_OVERHEAD_BYTES
        ticket = self.in_flight.admit(reserve)
        if ticket is None:
            return _error(503, "the server is busy with other files; try again in a moment",
                          **{"Retry-After": "5"})
        upload = None
        try:
            try:
                body = body_chunks(request.receive, self.body_timeouts)
                upload = await read_upload(content_type, content_length, body,
                                           max_file_bytes=self.max_file_bytes,
                                           spool_dir=self.spool_dir)
            except UploadError as exc:
                # After a timeout the client is too slow to be worth keeping the connection for.
                close = {"Connection": "close"} if exc.status == 408 else {}
                return _error(exc.status, exc.message, **close)
            ticket.shrink(upload.size_bytes)
            return await self._analysed(upload, kind)
        finally:
            ticket.release()
            if upload is not None:
                upload.release()

    async def _analysed(self, upload: Upload, kind: str) -> Response:
        try:
            status, value = await self.body(upload, kind)
        except JobTimeout:
            return _error(400, f"{upload.filename}: took longer than "
                               f"{self.pool.timeout_s:g} s to analyse; the file may be damaged")
        except WorkerCrashed:
            return _error(400, f"{upload.filename}: the analysis stopped while reading this "
                               "file (it may be damaged or too large)")

        if status == "rejected":
            return _error(400, str(value))
        if status == "bug":
            log.error("bug while answering %s for %s:\n%s", kind, upload.filename, value)
            return _error(500, f"{upload.filename}: internal error in trailtech (this is a bug; "
                               "the server log has the details)")
        stem = _stem(upload.filename)
        if kind == "json":
            return Response(value, media_type="application/json", headers=_NO_SNIFF)
        if kind == "report":
            return Response(value, media_type="text/html; charset=utf-8", headers={
                **_NO_SNIFF, "Content-Security-Policy": _REPORT_CSP,
                "Content-Disposition": f'inline; filename="{stem}.report.html"'})
        return Response(value, media_type="application/gpx+xml", headers={
            **_NO_SNIFF, "Content-Disposition": f'attachment; filename="{stem}.flags.gpx"'})


def _in_flight_limits(max_pending: Optional[int], max_pending_mb: Optional[float],
                      max_upload_mb: float) -> tuple[int, int]:
    """Uploads and bytes [bytes] in flight at once, defaults filled in (see :func:`create_app`)."""
    if max_pending is None:
        max_pending = 64
    if max_pending < 1:
        raise ValueError(f"max_pending must be >= 1, got {max_pending}")
    if max_pending_mb is None:
        max_pending_mb = max(256.0, 4 * max_upload_mb)
    if not max_pending_mb > 0:
        raise ValueError(f"max_pending_mb must be > 0, got {max_pending_mb}")
    largest_body = int(max_upload_mb * 1024 * 1024) + FORM_OVERHEAD_BYTES
    return max_pending, max(int(max_pending_mb * 1024 * 1024), largest_body)


def create_app(
    max_upload_mb: float = 64,
    workers: Optional[int] = None,
    *,
    timeout_s: float = 300.0,
    max_pending: Optional[int] = None,
    max_pending_mb: Optional[float] = None,
    memory_limit_mb: Optional[int] = None,
    host: str = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
    body_timeouts: BodyTimeouts = BodyTimeouts(),
    spool_dir: Optional[str] = None,
) -> Starlette:
    """Build the web application.

    Parameters
    ----------
    max_upload_mb : float
        Largest accepted upload [MiB]; bigger ones get 413.
    workers : int, optional
        Worker processes for analysis (default: the number of cores, 1 to 4); 0 runs analyses
        in threads of the server process (no isolation from hostile files; for debugging).
    timeout_s : float
        Longest one analysis may take, from the moment a worker takes it, before its worker is
        killed and the answer is 400 [s].
    max_pending : int, optional
        Uploads in flight (being received, queued or analysed) at once; more get 503 before
        their body is read (default 64: an upload in flight costs the server a task and a
        temporary file, not its size in memory, and a few dozen clients trickling their
        bodies must not shut others out for long).
    max_pending_mb : float, optional
        Bytes those uploads may reserve in all [MiB] (default: 4 largest uploads, at least
        256 MiB); never less than one largest upload.
    memory_limit_mb : int, optional
        Address-space cap per worker process [MiB] (default: 2048, or 48 times the upload
        limit when that is more; heuristic: decoded samples and the analysis take roughly
        20-40 times the file's size).
    host : str
        The address the server binds: its name is accepted in ``Host`` besides 127.0.0.1,
        localhost and [::1]; a wildcard (0.0.0.0, ::) accepts any IP address (:mod:`.guard`).
    allowed_hosts : iterable of str
        More host names to accept in ``Host``.
    body_timeouts : BodyTimeouts
        How slowly an upload may arrive before it gets 408.
    spool_dir : str, optional
        Folder for the uploads' temporary files (default: the system's temporary folder).

    Returns
    -------
    starlette.applications.Starlette
    """
    if not max_upload_mb > 0:
        raise ValueError(f"max_upload_mb must be > 0, got {max_upload_mb}")
    n = default_workers() if workers is None else int(workers)
    if n < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    max_pending, max_pending_bytes = _in_flight_limits(max_pending, max_pending_mb, max_upload_mb)
    if memory_limit_mb is None:
        memory_limit_mb = max(2048, int(48 * max_upload_mb))
    service = _Service(max_upload_mb=max_upload_mb, workers=n, timeout_s=timeout_s,
                       max_pending=max_pending, max_pending_bytes=max_pending_bytes,
                       memory_limit_mb=memory_limit_mb, body_timeouts=body_timeouts,
                       spool_dir=spool_dir)

    app = Starlette(
        routes=_routes(service),
        lifespan=_lifespan(service),
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        middleware=[Middleware(HostOriginGuard, bind_host=host, extra_names=tuple(allowed_hosts))],
    )
    app.state.service = service
    return app


def _routes(service: _Service) -> list[Route]:
    """The application's routes (module docstring), answered by ``service``."""

    async def index(request: Request) -> Response:
        return HTMLResponse(service.page, headers={
            **_NO_SNIFF, "Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-cache"})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def api_analyze(request: Request) -> Response:
        return await service.answer(request, "json")

    async def api_report(request: Request) -> Response:
        return await service.answer(request, "report")

    async def api_flags_gpx(request: Request) -> Response:
        return await service.answer(request, "flags_gpx")

    return [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/api/analyze", api_analyze, methods=["POST"]),
        Route("/api/report", api_report, methods=["POST"]),
        Route("/api/line-practice.gpx", api_flags_gpx, methods=["POST"]),
    ]


def _lifespan(service: _Service):
    """The application's lifespan: ``service``'s worker processes live as long as the server."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        service.pool.warm_up()  # starts the worker processes (a few ms; they import meanwhile)
        try:
            yield
        finally:
            service.pool.shutdown()

    return lifespan
