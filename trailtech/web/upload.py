"""Read one uploaded file from a ``multipart/form-data`` request, in memory, under a size limit.

Starlette's own form parser spools files larger than 1 MB to a temporary file on disk; the web
contract promises that uploaded bytes never leave a temporary folder, and the simplest way to
keep that promise is never to write them anywhere. This reader streams the request body through
python-multipart's push parser, keeps only the ``file`` field in memory, and stops reading as soon
as the body exceeds the limit (checked first against ``Content-Length``, then while counting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import AsyncIterator, Optional

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = ["Upload", "UploadError", "read_upload", "FIELD", "FORM_OVERHEAD_BYTES"]

#: The form field that carries the activity file.
FIELD = "file"
#: Room for the multipart boundaries, part headers and small extra fields on top of the file
#: itself, so a file of exactly the limit is still accepted [bytes].
FORM_OVERHEAD_BYTES = 64 * 1024
_MAX_PARTS = 16
_MAX_NAME_CHARS = 200
_PATH_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Upload:
    """The uploaded file: its cleaned base name and its bytes."""

    filename: str
    data: bytes


class UploadError(Exception):
    """The request cannot be turned into an upload; ``status`` is the HTTP answer (400 or 413)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


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


class _FormCollector:
    """python-multipart callbacks that keep the first ``file`` part and ignore the others."""

    def __init__(self, max_file_bytes: int):
        self.max_file_bytes = max_file_bytes
        self.filename: Optional[str] = None
        self.data: Optional[bytearray] = None
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
        if name == FIELD and self.data is None:
            self._keep = True
            self.data = bytearray()
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._keep or self.data is None:
            return
        if len(self.data) + (end - start) > self.max_file_bytes:
            # Stop keeping bytes at once; the caller turns this into a 413.
            self.overflow = True
            self._keep = False
            return
        self.data += data[start:end]

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
) -> Upload:
    """Parse the ``file`` field of a multipart form from a streamed body.

    Parameters
    ----------
    content_type, content_length : str or None
        The request's ``Content-Type`` and ``Content-Length`` headers.
    body : async iterator of bytes
        The request body, chunk by chunk (``request.stream()``).
    max_file_bytes : int
        The largest file accepted [bytes]; the whole body may be ``FORM_OVERHEAD_BYTES`` larger.

    Returns
    -------
    Upload

    Raises
    ------
    UploadError
        400 when the request is not a multipart form or carries no file, 413 when it is too big.
        Reading stops at the first byte over the limit, so an oversize upload never sits in memory.
    """
    max_body = max_file_bytes + FORM_OVERHEAD_BYTES
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise UploadError(
            400, f"send the activity file as a multipart/form-data upload in the field '{FIELD}'"
        )
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise UploadError(400, "the Content-Length header is not a number") from None
        if declared > max_body:
            raise _too_big(max_file_bytes)

    form = _FormCollector(max_file_bytes)
    parser = MultipartParser(boundary, form.callbacks())
    received = 0
    try:
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
    except MultipartParseError as exc:
        raise UploadError(400, f"the upload is not a valid multipart form ({exc})") from None

    if form.data is None or (not form.data and not form.filename):
        # A browser form submitted with no file chosen sends an empty part without a name.
        raise UploadError(400, f"no file in the request: send it in the form field '{FIELD}'")
    return Upload(filename=clean_filename(form.filename), data=bytes(form.data))
