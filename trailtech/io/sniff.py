"""Decide what a byte string holds, by its content (never only by its name).

* ``"gzip"``: magic ``1f 8b``;
* ``"zip"``: magic ``PK\\x03\\x04`` (also an empty zip, ``PK\\x05\\x06``);
* ``"fit"``: bytes 8-11 are ``.FIT`` (the FIT file header);
* ``"gpx"`` / ``"tcx"``: XML whose root element is ``gpx`` / ``TrainingCenterDatabase`` (a bare
  ``Activities`` root, written by tools that drop the TCX wrapper, also counts as TCX). Only the
  first few KB are looked at; a BOM (UTF-8 or UTF-16), leading whitespace, the XML declaration,
  comments and a DOCTYPE are skipped.
"""

from __future__ import annotations

import re

__all__ = ["GZIP_MAGIC", "ZIP_MAGICS", "sniff", "xml_root_name"]

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_HEAD_BYTES = 8192
# Prolog items before the root element: declarations/PIs, comments, DOCTYPE (no nesting needed
# for sniffing: an internal subset is refused later anyway).
_PROLOG = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.DOTALL
)
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_XML_ROOTS = {b"gpx": "gpx", b"TrainingCenterDatabase": "tcx", b"Activities": "tcx"}


def _utf8_head(data: bytes) -> bytes:
    head = data[:_HEAD_BYTES]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore").encode("utf-8")
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    if len(head) > 1 and head[0] == 0 and head[1] == ord("<"):
        return head.decode("utf-16-be", errors="ignore").encode("utf-8")
    if len(head) > 1 and head[0] == ord("<") and head[1] == 0:
        return head.decode("utf-16-le", errors="ignore").encode("utf-8")
    return head


def xml_root_name(data: bytes) -> str | None:
    """Local name of the root element if ``data`` starts like XML, else None."""
    head = _utf8_head(data)
    pos = 0
    while True:
        m = _PROLOG.match(head, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _ROOT.match(head, pos)
    return m.group(2).decode("ascii") if m else None


def sniff(data: bytes) -> str | None:
    """``"gzip"``, ``"zip"``, ``"fit"``, ``"gpx"``, ``"tcx"``, ``"xml"`` (other XML) or None."""
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(ZIP_MAGICS):
        return "zip"
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    root = xml_root_name(data)
    if root is None:
        return None
    return _XML_ROOTS.get(root.encode("ascii"), "xml")


def is_junk_member(filename: str) -> bool:
    """Whether a zip member is packaging debris rather than a file a person put there.

    Folders, macOS resource forks (``__MACOSX/``, ``._name``) and other dot files.
    """
    parts = filename.replace("\\", "/").split("/")
    return filename.endswith("/") or parts[0] == "__MACOSX" or parts[-1].startswith(".")
