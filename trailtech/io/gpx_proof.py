"""Proof that a plain XML document is well-formed, from the tag structure the GPX scan found.

:mod:`trailtech.io.gpx_scan` may only return what it read from a document libxml2 parses strictly
(anything else is read by the tree path, in recovery mode). libxml2's check costs ~6 ms on a
2.7 MB export, about as much as the whole scan; this module proves well-formedness for the
documents watches and apps actually write, from the arrays the scan has already built, in about a
millisecond per megabyte. It is *conservative*: ``True`` only when every rule of XML 1.0
and Namespaces in XML that such a document could break is checked; anything unusual (a DOCTYPE,
a new namespace binding below the root, an unknown entity, a non-ASCII tag name, a text longer than
1 MB, a '>' in a text...) gives ``False``, and the caller then asks libxml2, so a
``False`` costs time, never correctness.

What is checked (XML 1.0 production names in brackets):

* the XML declaration [XMLDecl]: version 1.0, encoding UTF-8 (or an ASCII name for an ASCII
  document), standalone yes/no, at the start only;
* characters [Char]: no control bytes other than tab, LF and CR; valid UTF-8 without U+FFFE and
  U+FFFF;
* references [Reference]: every ``&`` starts one of the five predefined entities or a
  character reference to a valid character;
* comments [Comment] have no ``--`` inside, CDATA sections [CDSect] sit inside the root element,
  processing instructions [PI] have a target other than ``xml``; ``]]>`` appears only where
  one of these ends;
* tags: names are ASCII [QName]s; a start tag is either bare (``<name>``, ``<name/>``), a plain
  ``<trkpt lat="..." lon="...">`` the scan verified byte by byte, or matches the [STag]/
  [EmptyElemTag] grammar with distinct attribute names (also after namespace expansion); end
  tags [ETag] carry the name of the start tag they close; depth never drops below 0, ends at 0,
  there is one root element and only white space and comments or PIs outside it;
* namespaces: every prefix used by an element or attribute is declared on the root; below it,
  declarations only repeat the root's bindings; no empty binding; ``xml``/``xmlns`` never declared;
* libxml2's limits without ``XML_PARSE_HUGE``: depth (256) and text length (10 MB), here
  checked with wide margins.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

__all__ = ["TagStructure", "proves_well_formed", "root_declarations"]

_S = rb"[ \t\r\n]"
_NCNAME = rb"[A-Za-z_][A-Za-z0-9._-]*"
_QNAME_RE = re.compile(rb"(?:" + _NCNAME + rb":)?" + _NCNAME)
_VALUE = rb"""(?:"[^<"]*"|'[^<']*')"""
_START_TAG = re.compile(
    rb"<"
    + _QNAME_RE.pattern
    + rb"((?:"
    + _S
    + rb"+"
    + _QNAME_RE.pattern
    + _S
    + rb"*="
    + _S
    + rb"*"
    + _VALUE
    + rb")*)"
    + _S
    + rb"*/?>"
)
_ATTRIBUTE = re.compile(
    _S + rb"+(" + _QNAME_RE.pattern + rb")" + _S + rb"*=" + _S + rb"*(" + _VALUE + rb")"
)
_XML_DECL = re.compile(
    rb"<\?xml"
    + _S
    + rb"+version"
    + _S
    + rb"*="
    + _S
    + rb"""*(?:"1\.0"|'1\.0')(?:"""
    + _S
    + rb"+encoding"
    + _S
    + rb"*="
    + _S
    + rb"""*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:"""
    + _S
    + rb"+standalone"
    + _S
    + rb"*="
    + _S
    + rb"""*(?:"(?:yes|no)"|'(?:yes|no)'))?"""
    + _S
    + rb"*\?>"
)
_PI = re.compile(rb"<\?(" + _NCNAME + rb")(?:" + _S + rb"[^\x00]*)?\?>", re.DOTALL)
_REFERENCE = re.compile(rb"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_WHITE = b" \t\r\n"
# A namespace name libxml2's URI parser surely accepts (RFC 3986, narrowed): a relative path,
# or a scheme, then either "//" a plain host name with an optional numeric port and an absolute
# path, or a path without authority, then an optional query and fragment.
_PCHAR = r"(?:[A-Za-z0-9._~!$'()*+,;=:@-]|%[0-9A-Fa-f]{2})"  # no '&': no references
_NAMESPACE_URI = re.compile(
    # a relative reference (libxml2 warns "not absolute", no error): its first segment has no ':'
    r"[A-Za-z0-9._~!$'()*+,;=@-]+(?:/" + _PCHAR + r"*)*|"
    r"[A-Za-z][A-Za-z0-9+.-]*:"
    rf"(?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/{_PCHAR}*)*|(?!//)/?{_PCHAR}*(?:/{_PCHAR}*)*)"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)

#: Most '&' the proof checks one by one; more and libxml2 decides.
_MAX_REFERENCES = 2000
#: Most distinct start tags with attributes checked by the tag grammar; more and libxml2 decides.
_MAX_ATTRIBUTE_TAGS = 2000
#: Most start tags with attributes (other than plain track points) looked at.
_MAX_ATTRIBUTE_TAGS_SCANNED = 200_000
#: Deepest element accepted (libxml2 refuses 256 without XML_PARSE_HUGE).
_MAX_DEPTH = 128
#: Longest text or attribute value accepted [bytes] (libxml2 refuses 10 MB without the flag).
_MAX_TEXT_BYTES = 1_000_000
_ENCODINGS_ANY = {b"utf-8"}
#: _LOW_BYTES[k] keeps the first k bytes of a little-endian 8-byte word.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_ENCODINGS_ASCII = {b"utf-8", b"us-ascii", b"ascii"}


@dataclass(frozen=True)
class TagStructure:
    """The tag structure of a document, as :mod:`trailtech.io.gpx_scan` found it.

    Attributes
    ----------
    data : bytes
        The document, padded with spaces at the end.
    regions : (ndarray, ndarray)
        Start and end (exclusive) of each comment, CDATA section and processing instruction.
    lt, tend : ndarray of int64
        Per tag outside the regions, the position of its '<' and of the '>' ending it.
    is_open, is_close, self_closing : ndarray of bool
        Per tag: a start tag (self-closing ones included), an end tag, a self-closing start tag.
    depth : ndarray of int64
        Per tag, the element depth before it (0 for the root's start tag).
    open_index : ndarray of int64
        Indices (into the tag arrays) of the start tags.
    names : list of bytes
        The distinct start-tag names.
    name_id : ndarray of int64
        Per start tag, the index of its name in ``names``.
    exact_open : ndarray of bool or None, or a Future of one
        Per start tag, whether the scan verified it byte by byte (``<trkpt lat="..." lon="...">``).
        A Future when the proof starts before the scan has finished that check: the proof
        waits for it only where it needs it, after its other checks.
    """

    data: bytes
    regions: tuple[np.ndarray, np.ndarray]
    lt: np.ndarray
    tend: np.ndarray
    is_open: np.ndarray
    is_close: np.ndarray
    self_closing: np.ndarray
    depth: np.ndarray
    open_index: np.ndarray
    names: list[bytes]
    name_id: np.ndarray
    exact_open: np.ndarray | Future | None


def proves_well_formed(s: TagStructure) -> bool:
    """Whether the document is certainly well-formed (see the module docstring).

    Parameters
    ----------
    s : TagStructure
        The scan's tag structure; its tag ends must be the simple ones (each '<' followed by
        exactly one '>' before the next '<').

    Returns
    -------
    bool
        ``True``: libxml2 parses the document strictly without error. ``False``: not proven
        (the document may still be well-formed).
    """
    data = s.data
    arr = np.frombuffer(data, dtype=np.uint8)
    if s.lt.size < 2 or s.depth.size == 0:
        return False
    if not (
        _characters(data, arr)
        and _references(data, arr)
        and _opaque(s)
        and _outside_root(s)
    ):
        return False
    declared = root_declarations(s.data[int(s.lt[0]) : int(s.tend[0]) + 1])
    return (
        declared is not None
        and _names(s, declared)
        and _start_tags(s, declared)
        and _end_tags(s, arr)
    )


def _characters(data: bytes, arr: np.ndarray) -> bool:
    """[Char] and the encoding: no control bytes but tab/LF/CR; valid UTF-8 as declared."""
    # (counting compares is much faster here than bytes.count or a regular expression)
    controls = int(np.count_nonzero(arr < 32))
    allowed = int(np.count_nonzero(arr == 10))
    if controls != allowed:
        allowed += int(np.count_nonzero(arr == 13)) + int(np.count_nonzero(arr == 9))
        if controls != allowed:
            return False
    decl = _XML_DECL.match(data) if data.startswith(b"<?xml") else None
    if data.startswith(b"<?xml") and decl is None:
        return False
    encoding = None
    if decl is not None:
        encoding = (decl.group(1) or decl.group(2) or b"utf-8").lower()
    if data.isascii():
        return encoding is None or encoding in _ENCODINGS_ASCII
    if encoding is not None and encoding not in _ENCODINGS_ANY:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
    return b"\xef\xbf\xbe" not in data and b"\xef\xbf\xbf" not in data


def _valid_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _references(data: bytes, arr: np.ndarray) -> bool:
    """Every '&' starts a predefined entity or a reference to a valid character."""
    amps = np.flatnonzero(arr == ord("&"))
    if amps.size > _MAX_REFERENCES:
        return False
    for pos in amps.tolist():
        m = _REFERENCE.match(data, pos)
        if m is None:
            return False
        if m.group(2) is not None and not _valid_char(int(m.group(2))):
            return False
        if m.group(3) is not None and not _valid_char(int(m.group(3), 16)):
            return False
    return True


def _opaque(s: TagStructure) -> bool:
    """Comments, CDATA sections and PIs are well-formed; ']]>' only ends one of them."""
    data = s.data
    starts, ends = s.regions
    root_open = int(s.lt[0])
    root_close = int(s.lt[-1])
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        if data.startswith(b"<!--", a):
            body = data[a + 4 : b - 3]
            if b"--" in body or body.endswith(b"-"):
                return False
        elif data.startswith(b"<![CDATA[", a):
            if not root_open < a < root_close:
                return False
        else:
            m = _PI.fullmatch(data, a, b)
            if m is None:
                return False
            # a target "xml" is only the XML declaration, checked with the encoding
            if m.group(1).lower() == b"xml" and (a != 0 or not data.startswith(b"<?xml")):
                return False
    # ']]>' in character data is an error; inside a comment or PI it is text, and a CDATA
    # section ends with it.
    arr = np.frombuffer(data, dtype=np.uint8)
    brackets = np.flatnonzero(arr[:-2] == ord("]"))
    pos = brackets[(arr[brackets + 1] == ord("]")) & (arr[brackets + 2] == ord(">"))]
    if pos.size:
        k = np.searchsorted(ends, pos + 3)
        if (k >= starts.size).any():
            return False
        if not ((starts[k] <= pos) & (pos + 3 <= ends[k])).all():
            return False
    # libxml2's size limit on one text or attribute value
    gaps = np.diff(s.lt)
    return not (gaps.size and int(gaps.max()) > _MAX_TEXT_BYTES)


def _outside_root(s: TagStructure) -> bool:
    """One root element; nothing but white space, comments and PIs before and after it."""
    data = s.data
    depth_after = s.depth + s.is_open - s.is_close - s.self_closing
    if int(depth_after.min()) < 0 or int(depth_after[-1]) != 0:
        return False
    if int(s.depth.max()) > _MAX_DEPTH:
        return False
    if not s.is_open[0] or (depth_after[:-1] == 0).any():
        return False  # the root must be the first tag and close only at the last one
    outer = [(0, int(s.lt[0])), (int(s.tend[-1]) + 1, len(data))]
    starts, ends = s.regions
    for lo, hi in outer:
        pos = lo
        for a, b in zip(starts.tolist(), ends.tolist()):
            if b <= lo or a >= hi:
                continue
            if data[pos:a].strip(_WHITE):
                return False
            pos = b
        if data[pos:hi].strip(_WHITE):
            return False
    return True


def root_declarations(tag: bytes) -> dict[str, str] | None:
    """Namespace bindings a root start tag declares, when it is plain enough for the proof.

    Parameters
    ----------
    tag : bytes
        The root's start tag, ``<`` to ``>``.

    Returns
    -------
    dict of str to str or None
        Prefix -> URI (the default namespace under ``""``); ``None`` when the tag does not match
        the start-tag grammar or declares something the proof does not follow (an empty or
        unusual URI, the ``xml``/``xmlns`` prefixes).
    """
    m = _START_TAG.fullmatch(tag)
    if m is None:
        return None
    declared: dict[str, str] = {}
    for raw_name, raw_value in _ATTRIBUTE.findall(m.group(1)):
        name = raw_name.decode("ascii")
        prefix, _, local = name.rpartition(":")
        if name == "xmlns":
            local = ""
        elif prefix != "xmlns":
            continue
        value = raw_value[1:-1].decode("utf-8")
        if local in ("xml", "xmlns") or not _NAMESPACE_URI.fullmatch(value):
            return None  # an empty binding or a bad URI is an error; no need to follow the rest
        declared[local] = value
    return declared


def _names(s: TagStructure, declared: dict[str, str]) -> bool:
    """Element names are ASCII QNames whose prefix the root declares."""
    for name in s.names:
        if _QNAME_RE.fullmatch(name) is None:
            return False
        prefix, _, _ = name.decode("ascii").rpartition(":")
        if prefix and prefix not in declared:
            return False
    return True


def _start_tags(s: TagStructure, declared: dict[str, str]) -> bool:
    """Bare, scanner-verified, or checked with the tag grammar and namespace rules.

    Tags with attributes are checked once per distinct byte string (exports repeat the same
    ``<gpxtpx:TrackPointExtension xmlns:gpxtpx="...">`` on every point).
    """
    data = s.data
    oi = s.open_index
    name_len = np.array([len(n) for n in s.names], dtype=np.int64)[s.name_id]
    body = s.lt[oi] + 1 + name_len  # first byte after the name
    end = s.tend[oi]
    bare = (end == body) | (s.self_closing[oi] & (end == body + 1))
    exact = s.exact_open.result() if isinstance(s.exact_open, Future) else s.exact_open
    if exact is not None:
        bare |= exact
    rest = np.flatnonzero(~bare)
    if rest.size > _MAX_ATTRIBUTE_TAGS_SCANNED:
        return False
    starts = s.lt[oi[rest]].tolist()
    stops = (end[rest] + 1).tolist()
    distinct = {data[a:b]: j for j, a, b in zip(rest.tolist(), starts, stops)}
    if len(distinct) > _MAX_ATTRIBUTE_TAGS:
        return False
    return all(_start_tag(tag, j == 0, declared) for tag, j in distinct.items())


def _start_tag(tag: bytes, is_root: bool, declared: dict[str, str]) -> bool:
    """One start tag with attributes: grammar, distinct (expanded) names, declarations."""
    m = _START_TAG.fullmatch(tag)
    if m is None:
        return False
    seen_names = set()
    seen_expanded = set()
    for raw_name, raw_value in _ATTRIBUTE.findall(m.group(1)):
        name = raw_name.decode("ascii")
        if name in seen_names:
            return False
        seen_names.add(name)
        prefix, _, local = name.rpartition(":")
        if name == "xmlns" or prefix == "xmlns":
            # below the root, only the root's own bindings repeated: scoping then cannot
            # matter (the scan resolved every prefix with the root's declarations)
            key = "" if name == "xmlns" else local
            if not is_root and declared.get(key) != raw_value[1:-1].decode("utf-8"):
                return False
            continue
        if not prefix:
            continue
        if prefix == "xml":
            uri = "http://www.w3.org/XML/1998/namespace"
        elif prefix in declared:
            uri = declared[prefix]
        else:
            return False
        if (uri, local) in seen_expanded:
            return False
        seen_expanded.add((uri, local))
    return True


def _end_tags(s: TagStructure, arr: np.ndarray) -> bool:
    """Every end tag closes the open element of its own name: ``</name>`` or ``</name  >``."""
    events = np.flatnonzero((s.is_open & ~s.self_closing) | s.is_close)
    level = s.depth[events] - s.is_close[events]
    # Start and end tags pair up level by level: a stable sort by level (int16: a radix sort)
    # lists each level's tags in document order, start, end, start, end...
    order = events[np.argsort(level.astype(np.int16), kind="stable")]
    closes = np.flatnonzero(s.is_close)
    if order.size != 2 * closes.size or not s.is_close[order[1::2]].all():
        return False
    # the name of the start tag each end tag closes, per end tag in document order (reading the
    # document in order, not level by level, keeps the reads of a large file cache-friendly)
    tag_name = np.full(s.lt.size, -1, dtype=np.int64)
    tag_name[s.open_index] = s.name_id
    expected = np.empty(s.lt.size, dtype=np.int64)
    expected[order[1::2]] = tag_name[order[0::2]]
    name = expected[closes]
    name_len = np.array([len(n) for n in s.names], dtype=np.int64)
    length = name_len[name]
    n_words = -(-int(name_len.max()) // 8)
    table = np.zeros((n_words, len(s.names)), dtype=np.uint64)
    for i, raw in enumerate(s.names):
        padded = raw.ljust(8 * n_words, b"\0")
        table[:, i] = np.frombuffer(padded, dtype="<u8")
    b = s.lt[closes] + 2  # name of the end tag
    words8 = np.ndarray(shape=(arr.size - 7,), dtype="<u8", buffer=arr, strides=(1,))
    same = (words8[b] & _LOW_BYTES[np.minimum(length, 8)]) == table[0][name]
    rest = np.flatnonzero(length > 8)
    for k in range(1, n_words):
        # names longer than 8k bytes: compare their next (up to) 8 bytes
        rest = rest[length[rest] > 8 * k]
        mask = _LOW_BYTES[np.minimum(length[rest] - 8 * k, 8)]
        same[rest] &= (words8[b[rest] + 8 * k] & mask) == table[k][name[rest]]
    if not same.all():
        return False
    after = b + length
    close_end = s.tend[closes]
    loose = np.flatnonzero(close_end != after)
    for i in loose.tolist():
        if arr[int(after[i]) : int(close_end[i])].tobytes().strip(_WHITE):
            return False
    return True
