"""Byte-level GPX scanner: track points straight from the document bytes, no element tree.

Building an lxml tree and visiting every element from Python costs far more than the data is
worth (a 2.7 MB Strava export holds ~115 000 tags for ~7 000 points). This scanner finds the
tags with numpy instead: the positions of every ``<`` and ``>`` give every tag, a running sum of
+1 (start tag) / -1 (end tag) gives every element's depth, and a hash of each start tag's name
(resolved to its namespace URI, never matched by prefix) says what the element is. An element's
parent at depth *k* is the last start tag at depth *k* before it, so "a ``<trkpt>`` child of a
``<trkseg>`` child of a ``<trk>`` child of the root" is a few vectorised comparisons, exactly
the elements :func:`trailtech.io.gpx.read_gpx`'s tree path visits. Element texts are byte spans
``(start, stop)`` converted whole columns at a time (numbers and the common fixed time format
``YYYY-MM-DDTHH:MM:SS[.fff]Z`` in numpy; anything else through the same text converters as the
tree path, so the results are identical).

It only answers when it can be sure, and returns ``None`` otherwise (the caller then uses the
lxml tree path):

* the document must be well-formed. The scan's own tags prove it for the plain documents
  watches and apps write (:mod:`trailtech.io.gpx_proof`: conservative XML 1.0 and namespace
  rules, run in a worker thread while the caller converts the values); any other document is
  checked by libxml2 itself with the same safe parser settings as :mod:`trailtech.io.xmlsafe`
  (no entities, no DTD, no network, size and depth limits on), without building a tree. A
  document the tree path would read in recovery mode is never scanned: whatever the scan
  returned or raised is discarded, and the caller falls back to the tree path;
* no DOCTYPE; comments, CDATA sections and processing instructions are skipped as opaque byte
  ranges (Runkeeper and MyTrails wrap names in CDATA), but none may sit inside a value the scan
  reads; UTF-8 or ASCII only;
* every namespace prefix is bound to one URI throughout the document, and a default namespace is
  declared on the root only (inner declarations of the same URI are fine);
* the root is ``<gpx>`` in no namespace or the GPX 1.0/1.1 namespace, with at least one track
  point, and every tag name is at most :data:`NAME_BYTES_MAX` bytes long.

Safety: the scan is linear in the document size (numpy passes, searches over sorted positions,
and regular expressions that start with a literal or are anchored at a tag, none of which can
backtrack far), and nothing from the document is ever expanded: entity references are decoded
only for the five predefined entities and character references, the only ones a well-formed
document without a DTD can hold. A document with a DOCTYPE is declined before libxml2 sees
it, so the entity refusal of :mod:`trailtech.io.xmlsafe` (in the tree path) still happens
before any parsing.

Measured (wall time, 2 cores, 2.7 MB Strava export, 7 264 points; benchmarks/gpx_bench.py):
gpxpy.parse ~280 ms, the lxml tree path ~55 ms, this scanner with its proof ~12 ms.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from lxml import etree

from ._build import fixed_time_form, parse_times, to_float
from .gpx_proof import TagStructure, proves_well_formed, root_declarations
from .xmlsafe import strip_leading_space

__all__ = [
    "NAME_BYTES_MAX",
    "PADDING",
    "GpxScan",
    "StartedScan",
    "scan_gpx",
    "start_scan",
    "well_formed",
]

GPX10_NS = "http://www.topografix.com/GPX/1/0"
GPX11_NS = "http://www.topografix.com/GPX/1/1"

#: Longest tag name (prefix included) the scanner handles [bytes]; longer ones make it decline.
NAME_BYTES_MAX = 40
#: Longest element text converted in numpy [bytes]; longer texts go through the text path.
_VALUE_BYTES_MAX = 40
#: Longest point start tag read in numpy [bytes]; longer ones go through a tokeniser.
_POINT_TAG_BYTES_MAX = 256
#: Spaces appended to the document, so that fixed-width reads never pass its end [bytes].
PADDING = 264

# Element kinds (codes) the structure is built from; 0 is "anything else".
_TRK, _TRKSEG, _TRKPT, _EXTENSIONS, _ELE, _TIME, _SPEED, _TYPE = range(1, 9)
_GPX_KINDS = {
    "trk": _TRK,
    "trkseg": _TRKSEG,
    "trkpt": _TRKPT,
    "extensions": _EXTENSIONS,
    "ele": _ELE,
    "time": _TIME,
    "speed": _SPEED,
    "type": _TYPE,
}
#: Per element kind, whether it is a point field read directly (``<ele>``, ``<time>``, ``<speed>``).
_IS_DIRECT = np.isin(np.arange(len(_GPX_KINDS) + 1), (_ELE, _TIME, _SPEED))

_LT, _GT, _SLASH, _QMARK, _DQUOTE, _APOS = 60, 62, 47, 63, 34, 39
_UTF8_BOM = b"\xef\xbb\xbf"
_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}
# Starts with its literal so that re's fast literal search skips the rest of the document.
_XMLNS = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTRIBUTE = re.compile(rb"""\s([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
#: _LOW_BYTES[k] keeps the first k bytes of a little-endian 8-byte word.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


class _IgnoreEvents:
    """A parser target without event methods: libxml2 checks the document, Python sees nothing."""

    def close(self) -> None:
        return None


def well_formed(data: bytes) -> bool:
    """Whether libxml2 parses ``data`` strictly, with the safe settings of ``xmlsafe``.

    No tree is built (about a quarter of the cost of a tree parse); any error counts, as in the
    tree parse (an unbound namespace prefix included). Entities are not resolved,
    no DTD or network is loaded and the size and depth limits stay on, as in
    :func:`trailtech.io.xmlsafe.parse_xml`; a document it rejects is one the tree path reads in
    recovery mode or refuses.
    """
    parser = etree.XMLParser(
        target=_IgnoreEvents(),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
        collect_ids=False,
    )
    try:
        etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return False
    # Namespace errors (an unbound prefix) are not fatal to libxml2, but the tree parse
    # refuses any error of this level, and then reads the document in recovery mode.
    # (libxml2's push parser, parser.feed(), is slightly faster but reports neither the depth
    # limit nor namespace errors the same way: not used.)
    return not any(e.level >= etree.ErrorLevels.ERROR for e in parser.error_log)


def _unescape(text: str) -> str:
    if "&" not in text:
        return text

    def one(m: re.Match) -> str:
        ref = m.group(1)
        if ref[0] == "#":
            return chr(int("0" + ref[1:], 0) if ref[1] in "xX" else int(ref[1:]))
        return _PREDEFINED[ref]

    return _REFERENCE.sub(one, text)


def _element_text(raw: bytes) -> str:
    """Text content as an XML parser reports it: line ends normalised, references decoded."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _unescape(text)


def _attribute_text(raw: bytes) -> str:
    """Attribute value as an XML parser reports it (XML 1.0 section 3.3.3 normalisation)."""
    text = raw.decode("utf-8").replace("\r\n", " ")
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _unescape(text)


@dataclass
class GpxScan:
    """What :func:`scan_gpx` found: points, their segment, and the spans of their field texts.

    Attributes
    ----------
    n_points : int
        Track points (``<trkpt>`` children of ``<trkseg>`` children of ``<trk>`` children of
        the root), in document order.
    segment : ndarray of int64
        Per point, the index of its ``<trkseg>`` among all of them (0-based).
    lat_span, lon_span : (ndarray, ndarray) or None
        Byte spans of the ``lat``/``lon`` values when every point tag has the plain form
        ``<trkpt lat="..." lon="...">`` (convert them with :meth:`floats_many`); else None and
    lat_deg, lon_deg : ndarray of float or None
        the attributes already read (NaN where missing or unreadable).
    tags : list of str
        Clark names (``{uri}local``) of the field elements, indexed by ``field_tag``.
    field_tag, field_point : ndarray of int64
        Per field element (document order): its name and the point it belongs to.
    field_extension : ndarray of bool
        Whether the field element is a descendant of the point's ``<extensions>`` (else it is
        one of the point's ``<ele>``, ``<time>`` or ``<speed>`` children).
    field_start, field_stop : ndarray of int64
        Byte span of the element's text (its first text node, as lxml's ``.text``).
    creator : str or None
        The root's ``creator`` attribute.
    sport_text : str or None
        Text of the first ``<trk>``'s first ``<type>`` child (``""`` if empty), as lxml's
        ``findtext``.
    gpx_namespace : str
        The root's namespace URI (``""`` when none).
    """

    n_points: int
    segment: np.ndarray
    lat_span: tuple[np.ndarray, np.ndarray] | None
    lon_span: tuple[np.ndarray, np.ndarray] | None
    lat_deg: np.ndarray | None
    lon_deg: np.ndarray | None
    tags: list[str]
    field_tag: np.ndarray
    field_point: np.ndarray
    field_extension: np.ndarray
    field_start: np.ndarray
    field_stop: np.ndarray
    creator: str | None
    sport_text: str | None
    gpx_namespace: str
    _data: bytes
    _padded: np.ndarray

    def texts(self, start: np.ndarray, stop: np.ndarray) -> list[str | None]:
        """Element texts of the spans (``None`` for an empty span, as lxml's ``.text``)."""
        data = self._data
        return [
            _element_text(data[a:b]) if b > a else None
            for a, b in zip(start.tolist(), stop.tolist())
        ]

    def _windows(self, start: np.ndarray, width: int) -> np.ndarray:
        """At least ``width`` bytes from each start, as an (n, 8k) array (a copy)."""
        return _windows(self._padded, start, width)

    def _fixed(self, start: np.ndarray, length: np.ndarray) -> np.ndarray | None:
        """The spans as an (n, width) byte array, zero-filled past each end, if all are short."""
        if length.size == 0 or length.min() <= 0 or length.max() > _VALUE_BYTES_MAX:
            return None
        win = self._windows(start, int(length.max()))
        win *= np.arange(win.shape[1]) < length[:, None]
        return win

    def floats(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Numbers from the spans; unreadable or missing texts are NaN (as ``to_float``)."""
        return self.floats_many([(start, stop)])[0]

    def floats_many(
        self, spans: list[tuple[np.ndarray, np.ndarray]]
    ) -> list[np.ndarray]:
        """:meth:`floats` of several columns of spans, decimals decoded in one batch.

        numpy's per-call cost dominates arrays of a few thousand values, so the plain
        decimals of all columns are decoded together. A column with any other text is
        converted whole by :meth:`_general_floats`, because ``to_float`` decides per column
        (one unreadable text sends all of them through pandas, which reads some texts, such as
        ``-0`` or ``1_0``, differently from ``float()``).
        """
        if not spans:
            return []
        sizes = np.cumsum([len(a) for a, _ in spans])[:-1]
        values, done, plain = _plain_decimals(
            self._padded,
            np.concatenate([a for a, _ in spans]),
            np.concatenate([b for _, b in spans]),
        )
        out = []
        for (start, stop), v, d, ok in zip(
            spans,
            np.split(values, sizes),
            np.split(done, sizes),
            np.split(plain, sizes),
        ):
            if d.all():
                out.append(v)
            elif ok.all():
                # every text is a plain decimal, a few too close to a rounding boundary to
                # prove: float() on just those
                rest = np.flatnonzero(~d)
                v = v.copy()
                v[rest] = self._general_floats(start[rest], stop[rest])
                out.append(v)
            else:
                out.append(self._general_floats(start, stop))
        return out

    def _general_floats(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """One column as ``to_float`` reads it: float() on every text, else pandas on all."""
        if len(start) == 0:
            return np.empty(0, dtype=float)
        win = self._fixed(start, stop - start)
        if win is not None:
            # numpy reads bytes to float with Python's own float(); anything it refuses (an
            # entity reference, a word, non-ASCII) takes the text path below, which is the
            # tree path's to_float on the same text.
            try:
                return win.view(f"S{win.shape[1]}").ravel().astype(float)
            except ValueError:
                pass
        return to_float(self.texts(start, stop))

    def times(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """UTC times (``datetime64[ns]``) from the spans, as ``parse_times`` reads them."""
        if len(start) == 0:
            return np.empty(0, dtype="datetime64[ns]")
        length = stop - start
        # The fixed form YYYY-MM-DDTHH:MM:SS[.f+]Z, checked byte by byte so that numpy never
        # sees a zone (it warns, and numpy 2.4 can crash converting many zoned byte strings)
        # or a form it reads differently from parse_times.
        if length.min() >= 20 and (self._padded[stop - 1] == ord("Z")).all():
            win = self._fixed(start, length - 1)
            if win is not None and fixed_time_form(win, length - 1):
                try:
                    return win.view(f"S{win.shape[1]}").ravel().astype("datetime64[ns]")
                except ValueError:
                    pass
        return parse_times(self.texts(start, stop))


def _windows(padded: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """The bytes ``[s, s + 8k)`` from each start ``s`` (``8k >= width``), as an (n, 8k) array.

    Gathered as 8-byte words from an overlapping view of the buffer, which moves 8x fewer
    elements than a byte gather; ``padded`` must extend ``8k`` bytes past every start.
    """
    n_words = max(1, -(-width // 8))
    words8 = np.ndarray(
        shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,)
    )
    out = np.empty((start.size, n_words), dtype="<u8")
    for k in range(n_words):
        out[:, k] = words8[start + 8 * k]
    return out.view(np.uint8)


def _prepare(data: bytes) -> bytes | None:
    """The document without BOM and leading space, if its encoding is one the scan reads.

    :data:`PADDING` spaces are appended (white space after the root element is allowed) so that
    fixed-width reads near the end of the document stay inside the buffer.
    """
    data = strip_leading_space(data).removeprefix(_UTF8_BOM)
    if not data.startswith(b"<") or b"\x00" in data[:4]:
        return None
    if data.startswith(b"<?"):
        m = _ENCODING.match(data[:400])
        if m and m.group(1).decode().lower() not in _UTF8_NAMES:
            return None
    return data + b" " * PADDING


def _opaque_regions(
    data: bytes, arr: np.ndarray, lt: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Byte ranges ``[start, end)`` of comments, CDATA sections and processing instructions.

    Their '<' and '>' are not tags. ``lt`` holds the position of every '<'. ``None`` for a
    DOCTYPE (or anything else after ``<!``) and for a construct that is never closed.
    """
    if lt.size == 0 or lt[-1] + 1 >= arr.size:
        return None
    second = arr[lt + 1]
    special = lt[(second == ord("!")) | (second == _QMARK)]
    starts: list[int] = []
    ends: list[int] = []
    end = -1
    for pos in special.tolist():
        if pos < end:
            continue  # inside the previous comment or CDATA section
        for opening, closing in _OPAQUE:
            if data.startswith(opening, pos):
                break
        else:
            return None
        found = data.find(closing, pos + len(opening))
        if found == -1:
            return None
        end = found + len(closing)
        starts.append(pos)
        ends.append(end)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


_OPAQUE = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))


def _outside(
    positions: np.ndarray, regions: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """The positions that fall outside every region."""
    r_start, r_end = regions
    if r_start.size == 0:
        return positions
    lo = np.searchsorted(positions, r_start)
    hi = np.searchsorted(positions, r_end)
    if r_start.size == 1:  # typically the XML declaration
        return np.concatenate((positions[: lo[0]], positions[hi[0] :]))
    inside = np.zeros(positions.size + 1, dtype=np.int64)
    np.add.at(inside, lo, 1)
    np.add.at(inside, hi, -1)
    return positions[np.cumsum(inside[:-1]) == 0]


def _holds_region(
    start: np.ndarray, stop: np.ndarray, regions: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Which spans ``[start, stop)`` contain (part of) a region."""
    r_start = regions[0]
    if r_start.size == 0:
        return np.zeros(start.size, dtype=bool)
    return np.searchsorted(r_start, start) != np.searchsorted(r_start, stop)


def _namespaces(data: bytes, root_tag: bytes) -> tuple[dict[str, str], str] | None:
    """Prefix -> URI bindings and the default namespace, when they are the same everywhere."""
    bindings: dict[str, str] = {}
    defaults: set[str] = set()
    for m in _XMLNS.finditer(data):
        if m.start() == 0 or data[m.start() - 1] > 32:
            continue  # part of a longer name, not a declaration
        prefix, dq, sq = m.groups()
        uri = _attribute_text(dq if dq is not None else sq)
        if prefix:
            name = prefix.decode("utf-8")
            if bindings.setdefault(name, uri) != uri or not uri:
                return None
        else:
            defaults.add(uri)
    root_default = None
    for m in _XMLNS.finditer(root_tag):
        prefix, dq, sq = m.groups()
        if not prefix and root_tag[m.start() - 1] <= 32:
            root_default = _attribute_text(dq if dq is not None else sq)
    if defaults and (len(defaults) > 1 or root_default is None):
        return None
    return bindings, (root_default or "")


def scan_gpx(data: bytes) -> GpxScan | None:
    """Scan a GPX document's track points; ``None`` when the document needs the tree path.

    Parameters
    ----------
    data : bytes
        The document.

    Returns
    -------
    GpxScan or None
        The points and the spans of their field texts, or ``None`` when the document is not
        plain enough to be sure (see the module docstring); the caller then parses it with lxml.
    """
    started = start_scan(data)
    return None if started is None else started.final()


@dataclass
class StartedScan:
    """A scan whose document may still be being proven well-formed (see :func:`start_scan`).

    Attributes
    ----------
    scan : GpxScan
        The scan; nothing derived from it may be used before :meth:`final` returns it.
    """

    scan: GpxScan
    _verdict: Future | None
    _prepared: tuple

    def final(self) -> GpxScan | None:
        """The scan to use: :attr:`scan` once proven well-formed; else the scan of
        :func:`_checked_scan` (``None``: libxml2 rejects the document, read it with lxml)."""
        if self._verdict is None or self._verdict.result():
            return self.scan
        return _checked_scan(*self._prepared)


def start_scan(data: bytes) -> StartedScan | None:
    """Scan a document and start proving it well-formed, so that the caller can work meanwhile.

    Returns
    -------
    StartedScan or None
        ``None``: the scanner declines (read the document with lxml).

    Notes
    -----
    The scan runs on a document that may be broken: it is used only once the document is shown
    well-formed by the proof of :mod:`trailtech.io.gpx_proof`, from the tags the scan found.
    That proof admits no namespace binding but the root's, so this scan resolves prefixes with
    the root's declarations only. The proof runs in a worker thread from the moment the tag
    names are known: it, the rest of the scan and the caller's conversion of the values are
    numpy passes that release the GIL, so on two cores it costs little wall time. A document
    it cannot start on is scanned again with every declaration and checked by libxml2 at once.
    """
    prepared = _prepared(data)
    if prepared is None:
        return None
    try:
        with np.errstate(all="ignore"):
            found = _scan(*prepared, prove=lambda structure: _pool().submit(_prove, structure))
    except Exception:
        found = None  # the checked scan runs again, and raises if the document is fine
    if found is not None and found[1] is not None:
        return StartedScan(found[0], found[1], prepared)
    scan = _checked_scan(*prepared)
    return None if scan is None else StartedScan(scan, None, prepared)


def _prove(structure: TagStructure) -> bool:
    with np.errstate(all="ignore"):
        return proves_well_formed(structure)


def _checked_scan(data: bytes, arr: np.ndarray, lt: np.ndarray, regions) -> GpxScan | None:
    """The scan with every namespace declaration of the document, checked by libxml2.

    For the documents the proof leaves open. libxml2 checks well-formedness in a worker thread
    while numpy scans here (both release the GIL for their bulk work, so on two cores the check
    costs little wall time). The scan may meet a broken document before the check says so: it is
    then discarded whatever it did (result, exception or numpy floating-point state), and the
    caller falls back to the tree path exactly as if the check had run first.
    """
    check = _pool().submit(well_formed, data)
    try:
        with np.errstate(all="ignore"):
            found = _scan(data, arr, lt, regions)
    except Exception:
        if check.result():
            raise  # a well-formed document the scan cannot handle: a bug, not a fallback
        return None
    return found[0] if check.result() and found is not None else None


def _prepared(data: bytes):
    """The prepared document, its bytes, its '<' positions and its opaque regions, or ``None``."""
    data = _prepare(data)
    if data is None:
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    lt = np.flatnonzero(arr == _LT)
    # A DOCTYPE (the only place entities can be declared) makes the scanner decline before
    # any parsing: the tree path then refuses entity declarations without parsing either.
    regions = _opaque_regions(data, arr, lt)
    if regions is None:
        return None
    return data, arr, lt, regions


_POOL: ThreadPoolExecutor | None = None
_POOL_PID = -1


def _pool() -> ThreadPoolExecutor:
    """The one-thread pool running the proof or the libxml2 check, created on first use (per
    process: a forked child inherits the pool object but not its thread, so it makes its own)."""
    global _POOL, _POOL_PID
    pid = os.getpid()
    if _POOL is None or _POOL_PID != pid:
        _POOL = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="trailtech-gpx-check"
        )
        _POOL_PID = pid
    return _POOL


def _scan(
    data: bytes,
    arr: np.ndarray,
    lt: np.ndarray,
    regions: tuple[np.ndarray, np.ndarray],
    *,
    prove: Callable[[TagStructure], Future] | None = None,
) -> tuple[GpxScan, Future | None] | None:
    """The scan proper, from the '<' positions and the opaque regions of a prepared document.

    Run before the document is known to be well-formed: on a broken document it may return
    anything or raise, and the caller discards it.

    ``prove``: when given, namespace prefixes are resolved with the root tag's declarations
    only (right when the proof passes, which admits no other declaration), and, when every tag
    ends at the first '>' after it, ``prove`` is handed the tag structure as soon as the names
    are known (for :func:`trailtech.io.gpx_proof.proves_well_formed` in a worker thread, which
    then runs alongside the rest of the scan). Returns the scan and what ``prove`` returned
    (``None`` when it was not called).
    """
    lt = _outside(lt, regions)
    gt = _outside(np.flatnonzero(arr == _GT), regions)
    if lt.size < 2 or gt.size == 0 or gt[-1] < lt[-1]:
        return None
    # The '>' closing each tag: the first one after its '<'. In the common case every '<' has
    # exactly one '>' before the next '<' (no '>' in any text or attribute value).
    simple_ends = bool(
        gt.size == lt.size and (gt > lt).all() and (gt[:-1] < lt[1:]).all()
    )
    if simple_ends:
        tend = gt
    else:
        tend = _tag_ends(data, lt, gt)
        if tend is None:
            return None
    second = arr[lt + 1]
    is_close = second == _SLASH
    is_open = ~is_close & (second != _QMARK)
    self_closing = is_open & (arr[tend - 1] == _SLASH)
    step = is_open.astype(np.int64) - is_close - self_closing
    depth_all = np.cumsum(step) - step

    oi = np.flatnonzero(is_open)
    o_lt = lt[oi]
    depth = depth_all[oi]
    if depth[0] != 0 or (depth[1:] == 0).any():
        return None

    names = _name_ids(data, arr, o_lt)
    if names is None:
        return None
    unique_names, name_id = names
    verdict = None
    exact_open: Future = Future()  # which start tags are verified track points, found below
    if prove is not None and simple_ends:
        verdict = prove(
            TagStructure(
                data=data,
                regions=regions,
                lt=lt,
                tend=tend,
                is_open=is_open,
                is_close=is_close,
                self_closing=self_closing,
                depth=depth_all,
                open_index=oi,
                names=unique_names,
                name_id=name_id,
                exact_open=exact_open,
            )
        )
    try:
        found = _scan_fields(
            data, arr, lt, tend, oi, o_lt, depth, self_closing, regions,
            unique_names, name_id, exact_open, root_only=prove is not None,
        )
    finally:
        if not exact_open.done():  # the scan ended early: the proof is not used
            exact_open.set_result(None)
    return None if found is None else (found, verdict)


def _scan_fields(
    data: bytes,
    arr: np.ndarray,
    lt: np.ndarray,
    tend: np.ndarray,
    oi: np.ndarray,
    o_lt: np.ndarray,
    depth: np.ndarray,
    self_closing: np.ndarray,
    regions: tuple[np.ndarray, np.ndarray],
    unique_names: list[bytes],
    name_id: np.ndarray,
    exact_open: Future,
    *,
    root_only: bool,
) -> GpxScan | None:
    """The second half of :func:`_scan`: namespaces, track points and their fields.

    Sets ``exact_open`` to the start tags verified as plain track points (or None) once known.
    """

    def text_spans(j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # The text after start tag j runs to the next '<' (none after a self-closing tag).
        end = tend[oi[j]]
        nxt = lt[np.minimum(oi[j] + 1, lt.size - 1)]
        return end + 1, np.where(self_closing[oi[j]], end + 1, nxt)

    root_tag = data[o_lt[0] : tend[oi[0]] + 1]
    if root_only:
        declared = root_declarations(root_tag)
        if declared is None:
            return None
        default_ns = declared.pop("", "")
        bindings = declared
    else:
        ns = _namespaces(data, root_tag)
        if ns is None:
            return None
        bindings, default_ns = ns
    clark = []
    for raw in unique_names:
        prefix, _, local = raw.decode("utf-8").rpartition(":")
        if prefix:
            if prefix not in bindings:
                return None
            uri = bindings[prefix]
        else:
            uri = default_ns
        clark.append((uri, local))
    root_ns, root_local = clark[name_id[0]]
    if root_local != "gpx" or root_ns not in ("", GPX10_NS, GPX11_NS):
        return None
    kind_of_name = np.array(
        [_GPX_KINDS.get(local, 0) if uri == root_ns else 0 for uri, local in clark],
        dtype=np.int64,
    )
    kind = kind_of_name[name_id]

    index = np.arange(oi.size)

    def ancestor(k: int) -> np.ndarray:
        # the last start tag at depth k before each tag: its ancestor there, if it is deeper
        return np.maximum.accumulate(np.where(depth == k, index, -1))

    a1, a2, a3, a4 = ancestor(1), ancestor(2), ancestor(3), ancestor(4)
    trk = (depth == 1) & (kind == _TRK)
    seg = (depth == 2) & (kind == _TRKSEG) & trk[a1]
    point = (depth == 3) & (kind == _TRKPT) & seg[a2]
    n_points = int(point.sum())
    if n_points == 0:
        return None
    direct = (depth == 4) & point[a3] & _IS_DIRECT[kind]
    container = (depth == 4) & point[a3] & (kind == _EXTENSIONS)
    inside = (depth >= 5) & container[a4]
    field = direct | inside
    point_id = np.cumsum(point) - 1
    seg_id = np.cumsum(seg) - 1
    pi = np.flatnonzero(point)
    segment = seg_id[a2[pi]].astype(np.int64)

    fi = np.flatnonzero(field)
    field_start, field_stop = text_spans(fi)
    if _holds_region(field_start, field_stop, regions).any():
        return (
            None  # a comment or CDATA inside a value: lxml would merge the text pieces
        )
    field_name = name_id[fi]
    used = np.flatnonzero(np.bincount(field_name, minlength=len(clark)))
    renumber = np.zeros(len(clark), dtype=np.int64)
    renumber[used] = np.arange(used.size)
    field_tag = renumber[field_name]
    tags = [
        f"{{{clark[u][0]}}}{clark[u][1]}" if clark[u][0] else clark[u][1] for u in used
    ]

    creator = None
    for m in _ATTRIBUTE.findall(root_tag):
        if m[0] == b"creator":
            creator = _attribute_text(m[1] if m[1] is not None else m[2])
    sport_text = None
    first_trk = np.flatnonzero(trk)
    if first_trk.size:
        t = first_trk[0]
        types = np.flatnonzero((depth == 2) & (kind == _TYPE) & (a1 == t))
        if types.size:
            text_start, text_stop = text_spans(types[:1])
            if _holds_region(text_start, text_stop, regions)[0]:
                return None
            sport_text = _element_text(data[text_start[0] : text_stop[0]])

    scan = GpxScan(
        n_points=n_points,
        segment=segment,
        lat_span=None,
        lon_span=None,
        lat_deg=None,
        lon_deg=None,
        tags=tags,
        field_tag=field_tag.astype(np.int64),
        field_point=point_id[a3[fi]].astype(np.int64),
        field_extension=inside[fi],
        field_start=field_start,
        field_stop=field_stop,
        creator=creator,
        sport_text=sport_text,
        gpx_namespace=root_ns,
        _data=data,
        _padded=arr,
    )
    spans = _lat_lon_spans(arr, o_lt[pi], tend[oi[pi]])
    exact_open.set_result(point if spans is not None else None)
    if spans is not None:
        scan.lat_span, scan.lon_span = spans[:2], spans[2:]
    else:
        scan.lat_deg, scan.lon_deg = _lat_lon(scan, o_lt[pi], tend[oi[pi]])
    return scan


def _tag_ends(data: bytes, lt: np.ndarray, gt: np.ndarray) -> np.ndarray | None:
    """The '>' ending each tag when some text or attribute value holds a '>' as well."""
    first = np.searchsorted(gt, lt)
    if (first >= gt.size).any():
        return None
    tend = gt[first]
    # The first '>' after a '<' ends the tag unless it sits inside an attribute value. With
    # quotes of one kind only, it does exactly when an odd number of them precede it; tags with
    # both kinds or an odd count are re-read by a tokeniser that knows attribute syntax.
    arr = np.frombuffer(data, dtype=np.uint8)
    counts = []
    for quote in (_DQUOTE, _APOS):
        at = np.flatnonzero(arr == quote)
        counts.append(np.searchsorted(at, tend) - np.searchsorted(at, lt))
    n_dq, n_apos = counts
    doubtful = ((n_dq % 2) == 1) | ((n_apos % 2) == 1) | ((n_dq > 0) & (n_apos > 0))
    for i in np.flatnonzero(doubtful).tolist():
        m = _TAG.match(data, int(lt[i]))
        if m is None:
            return None
        tend[i] = m.end() - 1
    if (tend[:-1] > lt[1:]).any():
        return None
    return tend


_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)


def _stops(word: np.ndarray) -> np.ndarray:
    """High bit set in each byte of ``word`` that ends a tag name (<= 32, '/' or '>').

    The classic "has less" / "has zero" byte tricks, eight bytes per operation; only the
    lowest flag is reliable (a borrow can flag a higher byte), which is the one used.
    """
    below = (word - np.uint64(0x2121212121212121)) & ~word
    slash = word ^ np.uint64(0x2F2F2F2F2F2F2F2F)
    gt = word ^ np.uint64(0x3E3E3E3E3E3E3E3E)
    return (below | ((slash - _ONES) & ~slash) | ((gt - _ONES) & ~gt)) & _HIGH


def _first_stop(word: np.ndarray) -> np.ndarray:
    """Index (0-7) of the first name-ending byte of each little-endian word; 8 when none."""
    return _lowest_flag(_stops(word))


def _name_ids(
    data: bytes, padded: np.ndarray, start: np.ndarray
) -> tuple[list[bytes], np.ndarray] | None:
    """Distinct start-tag names (bytes) and, per start tag, the index of its name.

    ``start`` holds the position of each start tag's '<'; ``padded`` the document followed by
    :data:`PADDING` spaces. Names are read as little-endian 8-byte words from an overlapping
    view of the buffer: their length from the first name-ending byte, their identity from the
    words masked to the name (with the length, an exact encoding), hashed and bucketed.
    """
    words8 = np.ndarray(
        shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,)
    )
    first = start + 1
    n_words = -(-NAME_BYTES_MAX // 8)
    words = [words8[first], words8[first + 8]]
    length = _first_stop(words[0])
    rest = np.flatnonzero(length == 8)
    for k in range(1, n_words):
        if rest.size == 0:
            break
        word = words[k][rest] if k < len(words) else words8[first[rest] + 8 * k]
        found = _first_stop(word)
        length[rest] += found
        rest = rest[found == 8]
    if (
        length.size == 0
        or length.min() <= 0
        or length.max() > NAME_BYTES_MAX
        or rest.size
    ):
        return None
    n_words = -(-int(length.max()) // 8)
    # Each name as its words masked to the name: word 0 of every tag, and word k only of the
    # names longer than 8k bytes (the others' word k is zero), as (those tags, their words).
    head = words[0] & _LOW_BYTES[np.minimum(length, 8)]
    tails = []
    for k in range(1, n_words):
        longer = np.flatnonzero(length > 8 * k)
        word = words[1][longer] if k == 1 else words8[first[longer] + 8 * k]
        tails.append((longer, word & _LOW_BYTES[np.minimum(length[longer] - 8 * k, 8)]))
    key = length.astype(np.uint64) * _HASH_MULTIPLIER ^ head
    for longer, word in tails:
        key *= _HASH_MULTIPLIER  # then ^ 0 for the names that end before word k
        key[longer] ^= word
    # A document has a few dozen distinct names: bucket them by 16 bits of the key (no sort),
    # take each bucket's first tag as its name, and check every tag's words against it. Two
    # names sharing a bucket fail the check and take np.unique instead.
    bucket = (key >> np.uint64(48)).astype(np.intp)
    first_in = np.full(1 << 16, start.size, dtype=np.intp)
    first_in[bucket[::-1]] = np.arange(start.size - 1, -1, -1)  # last write: first tag
    used = np.flatnonzero(first_in < start.size)
    reps = first_in[used]
    rep = first_in[bucket]
    same = bool((length == length[rep]).all() and (head == head[rep]).all())
    for k, (longer, word) in enumerate(tails, start=1):
        if not same:
            break
        # Every tag has its representative's length (checked above), so the representative
        # of a tag in `longer` is in `longer` too: its word k, per bucket, from a small table.
        in_longer = length[reps] > 8 * k
        rep_word = np.zeros(1 << 16, dtype=np.uint64)
        rep_word[used[in_longer]] = word[np.searchsorted(longer, reps[in_longer])]
        same = bool((word == rep_word[bucket[longer]]).all())
    if same:
        name_of_bucket = np.zeros(1 << 16, dtype=np.int64)
        name_of_bucket[used] = np.arange(used.size)
        inverse = name_of_bucket[bucket]
    else:
        stacked = np.zeros((start.size, n_words), dtype=np.uint64)
        stacked[:, 0] = head
        for k, (longer, word) in enumerate(tails, start=1):
            stacked[longer, k] = word
        _, reps, inverse = np.unique(key, return_index=True, return_inverse=True)
        same = (stacked == stacked[reps[inverse]]).all() and (
            length == length[reps[inverse]]
        ).all()
        if not same:
            return None  # a 64-bit hash collision: be sure, not fast
    names = [data[int(first[i]) : int(first[i]) + int(length[i])] for i in reps]
    return names, inverse.astype(np.int64)


def _word(text: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(text.ljust(8, b"\0"), "little"))


def _first_byte(word: np.ndarray, byte: int) -> np.ndarray:
    """Index (0-7) of the first ``byte`` in each little-endian word; 8 when none."""
    v = word ^ np.uint64(byte * 0x0101010101010101)
    return _lowest_flag((v - _ONES) & ~v & _HIGH)


def _lowest_flag(flags: np.ndarray) -> np.ndarray:
    """Byte index (0-7) of the lowest flag of each word of byte flags (bit 7 of a byte); 8
    when none: the count of trailing zero bits, ``popcount((f - 1) & ~f)``, over 8 (64 for 0).
    """
    return (np.bitwise_count((flags - np.uint64(1)) & ~flags) >> np.uint8(3)).astype(np.intp)


def _next_quote(words8: np.ndarray, pos: np.ndarray, n_words: int = 5) -> np.ndarray:
    """Position of the first '"' at or after each position (within 8 words), -1 if none."""
    out = np.full(pos.size, -1, dtype=np.int64)
    rest = np.arange(pos.size)
    for k in range(n_words):
        found = _first_byte(words8[pos[rest] + 8 * k], _DQUOTE)
        hit = found < 8
        out[rest[hit]] = pos[rest[hit]] + 8 * k + found[hit]
        rest = rest[~hit]
        if rest.size == 0:
            break
    return out


_ZEROS8 = np.uint64(0x3030303030303030)
_SIXES8 = np.uint64(0x7676767676767676)
_POW10 = 10.0 ** np.arange(20)
_POW10_U = np.array([10**k for k in range(20)], dtype=np.uint64)
_EXACT_MANTISSA = np.uint64(1 << 53)
#: Most digits the fast decoder reads: the integer mantissa stays below 10**19 < 2**64.
_DIGITS_MAX = 19
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant for float64
#: Residuals must clear the rounding boundary by this fraction (the residual's computed error
#: is below 2**-40 while the boundary is at least 1, see _verified_quotients).
_MARGIN = 1.0 - 2.0**-30


def _eight_digits(x: np.ndarray) -> np.ndarray:
    """The number written by 8 digit values (0-9, most significant in the lowest byte).

    The SWAR reduction used by simdjson and fast_float: pairs, then quads, then the whole.
    """
    x = ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) * np.uint64(2561)) >> np.uint64(8)
    x = ((x & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
    return (
        (x & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)
    ) >> np.uint64(32)


def _digit_word(word: np.ndarray, n: np.ndarray):
    """The first ``n`` bytes (0-8) of each word as a decimal number, and whether all are digits."""
    mask = _LOW_BYTES[n]
    x = word ^ _ZEROS8  # '0'-'9' -> 0-9; others stay > 9
    x &= mask
    ok = (((x + _SIXES8) | x) & _HIGH & mask) == 0
    # left-pad with zero digits: move the n digits to the top bytes (n = 0: x is 0 already)
    x <<= (np.uint64(8) * (8 - n).astype(np.uint64)) & np.uint64(63)
    return _eight_digits(x), ok


def _funnel(low: np.ndarray, high: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The 8 bytes starting ``k`` bytes (1-8) into the 16 bytes ``low`` then ``high``.

    Shifts of 64 bits are undefined, hence the split shift of ``low``.
    """
    bits = np.uint64(8) * k.astype(np.uint64)
    return ((low >> (bits - np.uint64(1))) >> np.uint64(1)) | (high << (np.uint64(64) - bits))


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Veltkamp split: ``a == hi + lo`` exactly, each half with at most 26 significant bits."""
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _residual(m_hi, m_lo, q, p_hi, p_lo, p) -> np.ndarray:
    """``M - q * p`` for ``M = m_hi + m_lo`` (``m_lo`` < 2**11), with error below 2**-40.

    ``q * p`` is split exactly into ``ph + pl`` (Dekker's product, no FMA in numpy);
    ``m_hi - ph`` is exact (Sterbenz: both are within a factor 2 of M), and the only
    rounding left is in the sum of numbers smaller than 2**13.
    """
    ph = q * p
    q_hi, q_lo = _split(q)
    pl = q_lo * p_lo - (((ph - q_hi * p_hi) - q_lo * p_hi) - q_hi * p_lo)
    return (m_hi - ph) + (m_lo - pl)


def _verified_quotients(
    mantissa: np.ndarray, n_frac: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``M / 10**f`` correctly rounded where it can be proven; and where it was proven.

    For ``2**53 <= M < 2**64`` the decimal is not two exact float64 operands, so the quotient of
    the rounded M is a candidate only (within about one unit in the last place). The exact
    residual ``r = M - q * 10**f`` decides: q is the correctly rounded value when ``|r|`` is
    less than half the gap to q's neighbour on that side, times ``10**f``. The candidate and,
    when that fails, its neighbour towards the exact value are tried; a residual within the
    safety margin of the midpoint (a tie, or too close to call) is left unproven for float().
    Here ``M >= 2**53`` makes every such half-gap times ``10**f`` at least 1, while the
    residual's computed error is below 2**-40.
    """
    m_hi = (mantissa & ~np.uint64(2047)).astype(np.float64)  # < 2**53 significant bits: exact
    m_lo = (mantissa & np.uint64(2047)).astype(np.float64)
    p = _POW10[n_frac]
    p_hi, p_lo = _split(p)
    q = (m_hi + m_lo) / p
    ok = np.zeros(q.shape, dtype=bool)
    for _ in range(2):
        r = _residual(m_hi, m_lo, q, p_hi, p_lo, p)
        up = np.nextafter(q, np.inf) - q
        down = q - np.nextafter(q, 0.0)
        ok = np.where(r >= 0, r < _MARGIN * 0.5 * up * p, -r < _MARGIN * 0.5 * down * p)
        if ok.all():
            break
        q = np.where(ok, q, np.where(r > 0, q + up, q - down))
    return q, ok


def _plain_decimals(
    padded: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of spans written ``[-]digits[.digits]`` (at most 8 + 16 digits and 19 in all).

    Returns the values, which of them are proven equal to float() of the text, and which spans
    are plain decimals at all (the proven ones and the few whose rounding could not be
    proven; the rest hold exponents, spaces, '+' signs, more digits, or anything else).

    The digits give an integer mantissa M < 10**19 and a scale 10**f (f <= 16). When M < 2**53
    both are exact in float64 and the single division M / 10**f is the correctly rounded value
    of the decimal (Clinger's fast path): exactly what float() returns for the text. Larger
    mantissas (the 15-16 decimals of Garmin Connect exports and of trailtech's own writer) are
    rounded through :func:`_verified_quotients`.
    """
    words8 = np.ndarray(
        shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,)
    )
    # Three 8-byte reads per span cover a sign, 8 + 1 + 16 characters (the decoder's domain) and
    # the byte after them; everything else is shifted out of these words, not read again.
    w0, w1, w2 = words8[start], words8[start + 8], words8[start + 16]
    negative = (w0 & np.uint64(0xFF)) == ord("-")
    sign = negative.astype(np.int64)
    first = start + sign
    length = stop - first
    # the words from the first digit on: shifted by one byte after a '-'
    shift = negative.astype(np.uint64) * np.uint64(8)
    back = (np.uint64(64) - shift) & np.uint64(63)
    keep = np.where(negative, ~np.uint64(0), np.uint64(0))
    w0 = (w0 >> shift) | ((w1 << back) & keep)
    w1 = (w1 >> shift) | ((w2 << back) & keep)
    w2 = w2 >> shift  # its last byte is lost after a '-': beyond the domain (a sign + 20 bytes)
    # the dot: within the first 9 characters, or the integer part is too long anyway
    dot = _first_byte(w0, ord("."))
    dot[(dot == 8) & ((w1 & np.uint64(0xFF)) != ord("."))] = 16
    has_dot = dot < length
    n_int = np.where(has_dot, dot, length)
    n_frac = np.where(has_dot, length - dot - 1, 0)
    usable = (
        (n_int <= 8)
        & (n_frac <= 16)
        & (n_int + n_frac <= _DIGITS_MAX)
        & (n_int + n_frac > 0)
        & (length > 0)
    )
    n_int = np.where(usable, n_int, 0)
    n_frac = np.where(usable, n_frac, 0)
    whole, ok_int = _digit_word(w0, n_int)
    # the fraction starts k = n_int + 1 bytes in (1-9): in w0:w1, or in w1:w2 when k is 9
    k = n_int + 1
    wide = k == 9
    k = np.where(wide, 1, k)
    frac1 = _funnel(np.where(wide, w1, w0), np.where(wide, w2, w1), k)
    if n_frac.max(initial=0) <= 8:
        # the common short decimals (Strava's 7 places): one digit word suffices
        part, ok_frac = _digit_word(frac1, n_frac)
    else:
        n_frac1 = np.minimum(n_frac, 8)
        n_frac2 = n_frac - n_frac1
        frac2 = _funnel(w1, w2, k)
        # k = 9 with a second fractional word (8 + 1 + 9 or more bytes) would need a fourth
        # word: those spans are read again from the buffer
        far = np.flatnonzero(wide & (n_frac2 > 0))
        frac2[far] = words8[first[far] + 17]
        part1, ok_frac1 = _digit_word(frac1, n_frac1)
        part2, ok_frac2 = _digit_word(frac2, n_frac2)
        part = part1 * _POW10_U[n_frac2] + part2
        ok_frac = ok_frac1 & ok_frac2
    # < 10**19 < 2**64: no wrap-around
    mantissa = whole * _POW10_U[n_frac] + part
    plain = usable & ok_int & ok_frac
    exact = mantissa < _EXACT_MANTISSA
    values = mantissa.astype(np.float64) / _POW10[n_frac]
    done = plain & exact
    big = np.flatnonzero(plain & ~exact)
    if big.size:
        q, ok = _verified_quotients(mantissa[big], n_frac[big])
        values[big] = q
        done[big] = ok
    values = np.where(negative, -values, values)
    return values, done, plain


_PT_LAT, _PT_LON = _word(b'pt lat="'), _word(b'pt lon="')
_THEN_LAT, _THEN_LON = _word(b'" lat="'), _word(b'" lon="')


def _lat_lon_spans(padded: np.ndarray, start: np.ndarray, tend: np.ndarray):
    """Value spans when every point tag is exactly ``<trkpt lat="..." lon="...">`` (or lon
    first, or ``/>``): a few 8-byte word compares instead of reading the tags byte by byte."""
    words8 = np.ndarray(
        shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,)
    )
    head = words8[start + 4]  # bytes 4..11 of '<trkpt lat="'
    lat_first = head == _PT_LAT
    if not (lat_first | (head == _PT_LON)).all():
        return None
    first_end = _next_quote(words8, start + 12)
    if (first_end < 0).any():
        return None
    middle = words8[first_end] & _LOW_BYTES[7]
    if not np.where(lat_first, middle == _THEN_LON, middle == _THEN_LAT).all():
        return None
    second_end = _next_quote(words8, first_end + 7)
    if (second_end < 0).any():
        return None
    # nothing else in the tag: '>' or '/>' right after the second value
    after = padded[second_end + 1]
    if not (
        (tend == second_end + 1) | ((after == _SLASH) & (tend == second_end + 2))
    ).all():
        return None
    first = (start + 12, first_end)
    second = (first_end + 7, second_end)
    lat = [np.where(lat_first, a, b) for a, b in zip(first, second)]
    lon = [np.where(lat_first, b, a) for a, b in zip(first, second)]
    return lat[0], lat[1], lon[0], lon[1]


def _lat_lon(
    scan: GpxScan, start: np.ndarray, tend: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``lat`` and ``lon`` of point tags spanning ``[start, tend]``, in any layout."""
    length = tend - start + 1
    if length.max() <= _POINT_TAG_BYTES_MAX:
        win = scan._windows(start, int(length.max()))
        win *= np.arange(win.shape[1]) < length[:, None]
        rows, cols = np.nonzero(win == _DQUOTE)
        if (
            rows.size == 4 * start.size
            and (rows.reshape(-1, 4) == np.arange(start.size)[:, None]).all()
            and not (win == _APOS).any()
        ):
            # The common form: exactly two attributes, double-quoted, named lat and lon
            # (either order), each written `name="...` after a space.
            q = start[:, None] + cols.reshape(-1, 4)
            arr = scan._padded

            def named(opening: np.ndarray, name: bytes) -> np.ndarray:
                expected = name + b"="
                ok = arr[opening - len(expected) - 1] <= 32
                for i, byte in enumerate(expected):
                    ok &= arr[opening - len(expected) + i] == byte
                return ok

            lat_first = named(q[:, 0], b"lat") & named(q[:, 2], b"lon")
            lon_first = named(q[:, 0], b"lon") & named(q[:, 2], b"lat")
            if (lat_first | lon_first).all():
                lat = np.where(lat_first, 0, 2)
                rows = np.arange(len(q))
                return tuple(
                    scan.floats_many(
                        [
                            (q[rows, lat] + 1, q[rows, lat + 1]),
                            (q[rows, 2 - lat] + 1, q[rows, 3 - lat]),
                        ]
                    )
                )
    # Any other layout: each point's attributes read by a tokeniser (a loop over points, still
    # far cheaper than a tree).
    data = scan._data
    texts: dict[bytes, list[str | None]] = {
        b"lat": [None] * start.size,
        b"lon": [None] * start.size,
    }
    for i, (a, b) in enumerate(zip(start.tolist(), tend.tolist())):
        for name, dq_value, sq_value in _ATTRIBUTE.findall(data, a, b + 1):
            if name in texts:
                texts[name][i] = _attribute_text(dq_value or sq_value)
    return to_float(texts[b"lat"]), to_float(texts[b"lon"])
