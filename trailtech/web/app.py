"""The Starlette application behind ``trailtech serve``.

Routes (``shared/design/cli-contract.md``)::

    GET  /                        the upload page (static HTML, everything inline)
    POST /api/analyze             multipart field ``file`` -> the ``analyze --json`` document
    POST /api/report              same form -> the self-contained HTML report
    POST /api/line-practice.gpx   same form -> the line-practice courses as GPX
    GET  /healthz                 "ok"

Every error is JSON ``{"error": "..."}``: 400 for an unreadable file (the CLI's one line), a
request without a file or a malformed form; 413 over the size limit; 503 when the queue is full;
500 only for a bug (its traceback goes to the log). Uploads stay in memory and are dropped when
the answer is sent.

The routes are a thin shell: reading, analysing and rendering are the library's functions, run
in a :class:`~trailtech.web.pool.WorkerPool`; only the rendered bodies come back to the server
process. The three POST routes share a small cache of recent answers keyed by the file's SHA-256
and name (bounded in entries and bytes), so the page's report + JSON + GPX for one upload cost
one analysis.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import OrderedDict
from importlib import resources
from typing import Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import jobs
from .pool import JobTimeout, WorkerCrashed, WorkerPool, default_workers
from .upload import Upload, UploadError, read_upload

__all__ = ["create_app", "page_html"]

log = logging.getLogger("trailtech.web")

_CACHE_ENTRIES = 16
_CACHE_BYTES = 64 * 1024 * 1024
# The page's own policy: nothing may load from anywhere but this server and inline code.
# The report is shown in an iframe built from srcdoc, which inherits this policy; its figures
# are data: URIs.
_PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'self'; frame-src 'self' blob: data:; "
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
    """State shared by the routes of one app: the pool, the answer cache, the queue count."""

    def __init__(self, *, max_upload_mb: float, workers: int, timeout_s: float,
                 max_pending: int, memory_limit_mb: Optional[int]):
        self.max_file_bytes = int(max_upload_mb * 1024 * 1024)
        self.max_upload_mb = max_upload_mb
        self.pool = WorkerPool(workers, timeout_s=timeout_s, memory_limit_mb=memory_limit_mb)
        self.max_pending = max_pending
        self.pending = 0
        # Rendered answers of recent good uploads: key -> {kind: body bytes}, least recent first.
        self._cache: "OrderedDict[str, dict[str, bytes]]" = OrderedDict()
        # Analyses under way: key -> (kinds, task), so simultaneous requests share one.
        self._inflight: dict[str, tuple[tuple[str, ...], asyncio.Task]] = {}
        self.page = page_html(max_upload_mb)

    def _remember(self, key: str, answers: dict) -> None:
        merged = {**self._cache.pop(key, {}), **answers}
        self._cache[key] = merged
        while len(self._cache) > _CACHE_ENTRIES or (
            len(self._cache) > 1 and sum(len(b) for a in self._cache.values()
                                         for b in a.values()) > _CACHE_BYTES):
            self._cache.popitem(last=False)

    async def body(self, upload: Upload, kind: str) -> jobs.Outcome:
        """The answer ``kind`` for an upload, from the cache or from one analysis in a worker."""
        key = hashlib.sha256(upload.data).hexdigest() + "/" + upload.filename
        cached = self._cache.get(key)
        if cached is not None and kind in cached:
            self._cache.move_to_end(key)
            return ("ok", cached[kind])
        running = self._inflight.get(key)
        if running is not None and kind in running[0]:
            task = running[1]  # may still lack `kind` if its best-effort rendering fails
        else:
            kinds = _RENDER_WITH[kind]
            task = asyncio.ensure_future(
                self.pool.run(jobs.answer, upload.data, upload.filename, kinds))
            self._inflight[key] = (kinds, task)

            def finished(t: asyncio.Task, key=key) -> None:
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
        outcome = await self.pool.run(jobs.answer, upload.data, upload.filename, _RENDER_WITH[kind])
        return ("ok", outcome[1][kind]) if outcome[0] == "ok" else outcome

    async def answer(self, request: Request, kind: str) -> Response:
        try:
            upload = await read_upload(
                request.headers.get("content-type"),
                request.headers.get("content-length"),
                request.stream(),
                max_file_bytes=self.max_file_bytes,
            )
        except UploadError as exc:
            return _error(exc.status, exc.message)
        except ClientDisconnect:
            return _error(400, "the upload was interrupted")

        if self.pending >= self.max_pending:
            return _error(503, "the server is busy with other files; try again in a moment",
                          **{"Retry-After": "5"})
        self.pending += 1
        try:
            status, value = await self.body(upload, kind)
        except JobTimeout:
            return _error(400, f"{upload.filename}: took longer than "
                               f"{self.pool.timeout_s:g} s to analyse; the file may be damaged")
        except WorkerCrashed:
            return _error(400, f"{upload.filename}: the analysis stopped while reading this "
                               "file (it may be damaged or too large)")
        finally:
            self.pending -= 1

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
                **_NO_SNIFF, "Content-Disposition": f'inline; filename="{stem}.report.html"'})
        return Response(value, media_type="application/gpx+xml", headers={
            **_NO_SNIFF, "Content-Disposition": f'attachment; filename="{stem}.flags.gpx"'})


def create_app(
    max_upload_mb: float = 64,
    workers: Optional[int] = None,
    *,
    timeout_s: float = 300.0,
    max_pending: Optional[int] = None,
    memory_limit_mb: Optional[int] = None,
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
        Longest one analysis may take before its worker is killed and the answer is 400 [s].
    max_pending : int, optional
        Uploads analysed or queued at once before new ones get 503 (default 8 per worker).
    memory_limit_mb : int, optional
        Address-space cap per worker process [MiB] (default: 2048, or 48 times the upload
        limit when that is more; heuristic: decoded samples and the analysis take roughly
        20-40 times the file's size).

    Returns
    -------
    starlette.applications.Starlette
    """
    if not max_upload_mb > 0:
        raise ValueError(f"max_upload_mb must be > 0, got {max_upload_mb}")
    n = default_workers() if workers is None else int(workers)
    if n < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")
    if max_pending is None:
        max_pending = 8 * max(n, 1)
    if max_pending < 1:
        raise ValueError(f"max_pending must be >= 1, got {max_pending}")
    if memory_limit_mb is None:
        memory_limit_mb = max(2048, int(48 * max_upload_mb))
    service = _Service(max_upload_mb=max_upload_mb, workers=n, timeout_s=timeout_s,
                       max_pending=max_pending, memory_limit_mb=memory_limit_mb)

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

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        service.pool.warm_up()  # starts the worker processes (a few ms; they import meanwhile)
        try:
            yield
        finally:
            service.pool.shutdown()

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/api/analyze", api_analyze, methods=["POST"]),
            Route("/api/report", api_report, methods=["POST"]),
            Route("/api/line-practice.gpx", api_flags_gpx, methods=["POST"]),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
    )
    app.state.service = service
    return app
