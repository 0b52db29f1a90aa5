"""Read one uploaded file from a ``multipart/form-data`` request into a private temporary file.

Starlette's own form parser keeps files under 1 MB in memory and may read a whole body before
the route sees it. This reader streams the request body through python-multipart's push parser
and writes only the ``file`` field, chunk by chunk, to a temporary file (mode 0600, deleted when
the answer is sent, as the web contract promises), hashing it on the way. So the server holds
about one chunk per upload, not the upload: a 60 MB file costs the server process no more
memory than a 60 kB one.

The reader refuses, with the HTTP status to answer:

* before reading any of the body (:func:`parse_form_head`): a request that is not a multipart
  form, a boundary python-multipart cannot take (400), a ``Content-Length`` over the limit (413);
* while reading (:func:`read_upload`): a body over the limit, counted as it streams whatever
  ``Content-Length`` said (413); too many fields, part headers over python-multipart's caps
  (8 headers of 4 KiB each), or a form that ends before its closing boundary, which is what a
  body cut short looks like (400); a body that pauses too long or arrives too slowly (408,
  :class:`BodyTimeouts`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable, Optional

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import (
    MAX_BOUNDARY_LENGTH,
    MultipartParser,
    MultipartState,
    parse_options_header,
)

__all__ = ["Upload", "UploadError", "FormHead", "BodyTimeouts", "parse_form_head", "read_upload",
           "body_chunks", "FIELD", "FORM_OVERHEAD_BYTES"]

#: The form field that carries the activity file.
FIELD = "file"
#: Room for the multipart boundaries, part headers and small extra fields on top of the file
#: itself, so a file of exactly the limit is still accepted [bytes].
FORM_OVERHEAD_BYTES = 64 * 1024
_MAX_PARTS = 16
_MAX_NAME_CHARS = 200
_PATH_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadError(Exception):
    """The request cannot be turned into an upload; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Upload:
    """The uploaded file: its cleaned base name, size and SHA-256, spooled to ``path``.

    Whoever keeps the file in use beyond the request (an analysis shared with other requests)
    calls :meth:`retain`; every holder calls :meth:`release`, and the last release deletes it.
    """

    def __init__(self, filename: str, path: str, size_bytes: int, sha256: str):
        self.filename = filename
        self.path = path
        self.size_bytes = size_bytes
        self.sha256 = sha256
        self._holders = 1

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as f:
            return f.read()

    def retain(self) -> "Upload":
        self._holders += 1
        return self

    def release(self) -> None:
        self._holders -= 1
        if self._holders == 0:
            _unlink(self.path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def clean_filename(raw: Optional[str]) -> str:
    """The base name of a client-supplied file name, safe to print and to use as a label.

    Browsers send a bare name, but other clients may send a path (``C:\\runs\\a.fit``); only the
    last component is kept, control characters are dropped and the length is capped.
    """
    if not raw:
        return "upload"
    name = re.split(r"[\\/]", raw)[-1]
    name = _PATH_OR_CONTROL.sub("", name).strip()
    if len(name) > _MAX_NAME_CHARS:
        name = name[: _MAX_NAME_CHARS - 3] + "..."
    return name or "upload"


def _too_big(max_file_bytes: int) -> UploadError:
    mb = max_file_bytes / (1024 * 1024)
    return UploadError(413, f"the upload is larger than the server's limit of {mb:g} MB")


@dataclass(frozen=True)
class FormHead:
    """What the request headers say about the form, checked before any of the body is read."""

    boundary: bytes
    #: The declared body size [bytes], or None for a body sent without ``Content-Length``.
    content_length: Optional[int]


def parse_form_head(content_type: Optional[str], content_length: Optional[str], *,
                    max_file_bytes: int) -> FormHead:
    """Check the request's ``Content-Type`` and ``Content-Length`` headers.

    Raises
    ------
    UploadError
        400 when the request is not a multipart form (or its boundary is unusable) or the
        length is not a number, 413 when the declared length is over the limit.
    """
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise UploadError(
            400, f"send the activity file as a multipart/form-data upload in the field '{FIELD}'")
    if len(boundary) > MAX_BOUNDARY_LENGTH:
        raise UploadError(400, f"the multipart boundary is longer than {MAX_BOUNDARY_LENGTH} "
                               "characters")
    declared = None
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise UploadError(400, "the Content-Length header is not a number") from None
        if declared > max_file_bytes + FORM_OVERHEAD_BYTES:
            raise _too_big(max_file_bytes)
    return FormHead(boundary=boundary, content_length=declared)


@dataclass(frozen=True)
class BodyTimeouts:
    """How slowly a request body may arrive before the server gives up on it (answer 408).

    After ``grace_s``, the body must keep an average of ``min_rate_bytes_per_s`` since its
    start: ``t`` seconds in, at least ``(t - grace_s) * min_rate_bytes_per_s`` bytes must have
    arrived. A 64 MB file at 1 Mbit/s passes; a client trickling a byte at a time (holding one of
    the few places for uploads in flight) is cut off after ``grace_s``, whatever length it
    declared. And the body may never pause for more than ``idle_s``.
    """

    idle_s: float = 15.0
    grace_s: float = 20.0
    min_rate_bytes_per_s: float = 128 * 1024

    def deadline_s(self, received_bytes: int) -> float:
        """Time from the body's start by which ``received_bytes`` must have become more [s]."""
        return self.grace_s + received_bytes / self.min_rate_bytes_per_s


async def body_chunks(receive: Callable[[], Awaitable[dict]],
                      timeouts: BodyTimeouts = BodyTimeouts()) -> AsyncIterator[bytes]:
    """The request body from the ASGI ``receive`` callable, under :class:`BodyTimeouts`.

    Raises
    ------
    UploadError
        408 when the body pauses for ``idle_s`` or falls below the minimum rate; 400 when the
        client disconnects.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    received = 0
    while True:
        rate_left_s = start + timeouts.deadline_s(received) - loop.time()
        wait_s = min(timeouts.idle_s, rate_left_s)
        try:
            if wait_s <= 0:
                raise TimeoutError
            async with asyncio.timeout(wait_s):
                message = await receive()
        except TimeoutError:
            why = (f"nothing arrived for {timeouts.idle_s:g} s" if wait_s == timeouts.idle_s
                   else f"under {timeouts.min_rate_bytes_per_s / 1024:g} KiB/s after "
                        f"{timeouts.grace_s:g} s")
            raise UploadError(408, f"the upload arrived too slowly ({why})") from None
        if message["type"] == "http.disconnect":
            raise UploadError(400, "the upload was interrupted")
        chunk = message.get("body", b"")
        received += len(chunk)
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class _FormCollector:
    """python-multipart callbacks that write the first ``file`` part to ``sink``."""

    def __init__(self, sink, max_file_bytes: int):
        self.sink = sink
        self.max_file_bytes = max_file_bytes
        self.hash = hashlib.sha256()
        self.size_bytes = 0
        self.found = False
        self.filename: Optional[str] = None
        self.parts = 0
        self.overflow = False
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._keep = False

    # -- callbacks ---------------------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.parts += 1
        self._disposition = b""
        self._keep = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == FIELD and not self.found:
            self._keep = True
            self.found = True
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._keep:
            return
        if self.size_bytes + (end - start) > self.max_file_bytes:
            # Stop keeping bytes at once; the caller turns this into a 413.
            self.overflow = True
            self._keep = False
            return
        piece = data[start:end]
        self.sink.write(piece)
        self.hash.update(piece)
        self.size_bytes += end - start

    def on_part_end(self) -> None:
        self._keep = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }


async def read_upload(
    content_type: Optional[str],
    content_length: Optional[str],
    body: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
    spool_dir: Optional[str] = None,
) -> Upload:
    """Write the ``file`` field of a multipart form, read from a streamed body, to a temporary file.

    Parameters
    ----------
    content_type, content_length : str or None
        The request's ``Content-Type`` and ``Content-Length`` headers.
    body : async iterator of bytes
        The request body, chunk by chunk (:func:`body_chunks`).
    max_file_bytes : int
        The largest file accepted [bytes]; the whole body may be ``FORM_OVERHEAD_BYTES`` larger.
    spool_dir : str, optional
        Folder for the temporary file (default: the system's temporary folder).

    Returns
    -------
    Upload
        Its file is deleted by its last :meth:`Upload.release`.

    Raises
    ------
    UploadError
        400 when the request is not a complete multipart form or carries no file, 408 from
        ``body``, 413 when it is too big. Reading stops at the first chunk over the limit, and
        the temporary file is deleted.
    """
    head = parse_form_head(content_type, content_length, max_file_bytes=max_file_bytes)
    max_body = max_file_bytes + FORM_OVERHEAD_BYTES
    fd, path = tempfile.mkstemp(prefix="trailtech-upload-", suffix=".part", dir=spool_dir)
    try:
        with open(fd, "wb") as sink:
            form = _FormCollector(sink, max_file_bytes)
            received = 0
            try:
                parser = MultipartParser(head.boundary, form.callbacks())
                async for chunk in body:
                    received += len(chunk)
                    if received > max_body:
                        raise _too_big(max_file_bytes)
                    parser.write(chunk)
                    if form.overflow:
                        raise _too_big(max_file_bytes)
                    if form.parts > _MAX_PARTS:
                        raise UploadError(400, f"the form has more than {_MAX_PARTS} fields")
                parser.finalize()
            except FormParserError as exc:
                raise UploadError(400, f"the upload is not a valid multipart form ({exc})") from None
            if parser.state != MultipartState.END:
                # python-multipart accepts a body that stops anywhere; a form cut short (a lost
                # connection, a Content-Length shorter than the form) would be read truncated.
                raise UploadError(400, "the upload is incomplete: the form ends before its "
                                       "closing boundary")
        if not form.found or (not form.size_bytes and not form.filename):
            # A browser form submitted with no file chosen sends an empty part without a name.
            raise UploadError(400, f"no file in the request: send it in the form field '{FIELD}'")
    except BaseException:
        _unlink(path)
        raise
    return Upload(filename=clean_filename(form.filename), path=path, size_bytes=form.size_bytes,
                  sha256=form.hash.hexdigest())
