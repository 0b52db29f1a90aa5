"""Safe XML parsing for activity files (GPX, TCX).

Activity files come from anywhere (uploads to ``trailtech serve``, a friend's e-mail), so the
parser must not be a way in:

* no file or network access of any kind: no entity expansion, no DTD loading, no network
  (``resolve_entities=False``, ``load_dtd=False``, ``no_network=True``), and lxml's
  ``collect_ids`` left on: turning it off sets libxml2's ``loadsubset`` bit, which loads the
  external subset a ``<!DOCTYPE gpx SYSTEM "/etc/passwd">`` names despite ``load_dtd=False``
  (``SYSTEM "/dev/stdin"`` then waits for standard input to close). A resolver that hands back
  an empty document stands behind those settings, so nothing outside the document is ever
  read even if libxml2 asked; and a DOCTYPE with an external identifier (``SYSTEM`` or
  ``PUBLIC``) is refused: GPX and TCX never need one;
* a document declaring entities (``<!ENTITY``: the "billion laughs" and external-entity
  attacks; GPX and TCX never need one) is refused before parsing, so it fails in microseconds
  and allocates nothing;
* sizes are capped before anything is allocated (:class:`XmlLimits`). libxml2's tree takes
  about 8 times a GPX's bytes, and up to 250 bytes per element or attribute; within the caps
  a document's tree and values stay under about 1 GB (a 300,000-point GPX with heart rate and
  cadence, 71 MB, is read in 0.9 GB):

  - at most 128 MiB of XML (:data:`MAX_XML_BYTES`; a 9-hour GPX at 1 Hz with heart rate and
    cadence is 11 MB);
  - at most 4,000,000 tags (:data:`MAX_XML_TAGS`, every ``<`` counts: start and end tags,
    comments; 80 hours at 1 Hz of such a GPX) and 2,000,000 attributes and namespace
    declarations (:data:`MAX_XML_ATTRIBUTES`, every ``=`` counts), counted in the bytes in one
    pass, so that a flood of tiny elements, attributes or ``xmlns`` declarations cannot build
    a huge tree (a document too short to pass a cap is not counted);
  - at most 1,000,000 track points (:data:`MAX_POINTS`, 11 days at one point a second),
    checked by the readers before they gather any value;
  - libxml2's own limits stay on (``huge_tree=False``): nesting depth 256, 10 MB per text
    node or tag.

Real exporters write slightly broken XML (Strava through mapstogpx binds no namespace to its
``gpxdata:`` prefix; some TCX tools drop the root element). Such files are re-read in libxml2's
recovery mode and a warning says so; XML that cannot be recovered raises
:class:`~trailtech.errors.TrackReadError` naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..errors import TrackReadError

__all__ = [
    "MAX_POINTS",
    "MAX_XML_ATTRIBUTES",
    "MAX_XML_BYTES",
    "MAX_XML_TAGS",
    "XmlLimits",
    "check_points",
    "invalid_text_error",
    "local_name",
    "namespace",
    "parse_xml",
    "strip_leading_space",
]

#: Largest XML document read [bytes].
MAX_XML_BYTES = 128 * 2**20
#: Most tags (``<`` characters) in a document.
MAX_XML_TAGS = 4_000_000
#: Most attributes and namespace declarations (``=`` characters) in a document.
MAX_XML_ATTRIBUTES = 2_000_000
#: Most track points (GPX ``trkpt``/``rtept``, TCX ``Trackpoint``) in a document.
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class XmlLimits:
    """The size caps of an XML activity file (defaults: the module's ``MAX_*`` constants).

    Attributes
    ----------
    max_bytes, max_tags, max_attributes, max_points : int
        Largest document [bytes]; most ``<`` and ``=`` in it; most track points.
    """

    max_bytes: int = MAX_XML_BYTES
    max_tags: int = MAX_XML_TAGS
    max_attributes: int = MAX_XML_ATTRIBUTES
    max_points: int = MAX_POINTS


# Every byte but '<', '=' and '!': deleting them leaves the marks the caps count, in one pass
# (and '!', without which there is no <!ENTITY to look for). In UTF-16 each of these
# characters holds such a byte too (other characters may: the counts only grow).
_NOT_MARKS = bytes(b for b in range(256) if b not in b"<=!")

_UTF8_BOM = b"\xef\xbb\xbf"
_ENTITY_MARKERS = (
    b"<!ENTITY",
    "<!ENTITY".encode("utf-16-le"),
    "<!ENTITY".encode("utf-16-be"),
)
# libxml2 messages that mean a safety limit was hit: never "recover" past those.
_LIMIT_MESSAGES = ("excessive depth", "huge", "amplification", "network", "memory")


class _NothingOutside(etree.Resolver):
    """Answers every request for an outside resource (DTD, entity) with an empty document."""

    def resolve(self, url, pubid, context):
        return self.resolve_string("", context)


def _parser(*, recover: bool) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
        # Whitespace between elements is never read; dropping it halves the nodes to build.
        remove_blank_text=True,
        # collect_ids must stay True: False sets libxml2's loadsubset bit (see module docstring).
        collect_ids=True,
    )
    parser.resolvers.add(_NothingOutside())
    return parser


def strip_leading_space(data: bytes) -> bytes:
    """Drop whitespace before the XML declaration (after a UTF-8 BOM, if any).

    Some tools write a newline before ``<?xml``, which strict XML forbids.
    """
    if data.startswith(_UTF8_BOM):
        return _UTF8_BOM + data[len(_UTF8_BOM) :].lstrip(b" \t\r\n")
    return data.lstrip(b" \t\r\n")


def local_name(tag: object) -> str:
    """Tag name without namespace (and without an unbound ``prefix:`` left by recovery)."""
    if not isinstance(tag, str):
        return ""
    name = tag.rpartition("}")[2]
    return name.rpartition(":")[2]


def namespace(tag: object) -> str:
    """Namespace URI of a Clark-notation tag, ``""`` when none."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return ""


def _refused(source: str, what: str, count: int, limit: int) -> TrackReadError:
    return TrackReadError(
        source,
        f"the XML holds {count:,} {what}, more than the {limit:,} trailtech reads (a cap "
        "against memory exhaustion); refused",
    )


def _check_sizes(data: bytes, source: str, limits: XmlLimits) -> bool:
    """Refuse a document over a size cap, counting in its bytes (C speed, nothing parsed).

    Returns False when the document holds no ``!`` (so no ``<!ENTITY``), True when it may.
    """
    if len(data) > limits.max_bytes:
        raise TrackReadError(
            source,
            f"the XML is {len(data) / 2**20:,.0f} MiB, more than the "
            f"{limits.max_bytes / 2**20:,.0f} MiB trailtech reads (a cap against memory "
            "exhaustion); refused",
        )
    if len(data) <= min(limits.max_tags, limits.max_attributes):
        return True  # each mark is a byte: too few bytes to pass a cap, nothing counted
    marks = data.translate(None, _NOT_MARKS)
    tags, bangs = marks.count(b"<"), marks.count(b"!")
    for what, n, limit in (
        ("tags ('<')", tags, limits.max_tags),
        ("attributes and namespace declarations ('=')", len(marks) - tags - bangs,
         limits.max_attributes),
    ):
        if n > limit:
            raise _refused(source, what, n, limit)
    return bangs > 0


def check_points(n: int, source: str, limits: XmlLimits) -> None:
    """Refuse a document with more than ``limits.max_points`` track points."""
    if n > limits.max_points:
        raise _refused(source, "track points", n, limits.max_points)


def parse_xml(
    data: bytes, source: str, limits: XmlLimits = XmlLimits()
) -> tuple[etree._Element, list[str]]:
    """Parse an XML activity file safely.

    Parameters
    ----------
    data : bytes
        The document.
    source : str
        File name for messages.
    limits : XmlLimits
        Size caps, checked before parsing (the defaults everywhere but in tests).

    Returns
    -------
    root : lxml.etree._Element
        The root element.
    warnings : list of str
        One sentence when the document had to be read in recovery mode.

    Raises
    ------
    TrackReadError
        The document is over a size cap, declares entities or an external DTD, hits one of
        libxml2's limits, or is broken beyond recovery (the message names the line).
    """
    # UTF-16 text has NUL bytes among its first characters; only then scan for its encodings.
    may_declare = _check_sizes(data, source, limits)
    markers = _ENTITY_MARKERS if b"\x00" in data[:4] else _ENTITY_MARKERS[:1]
    if may_declare and any(marker in data for marker in markers):
        raise TrackReadError(
            source,
            "the XML declares entities (<!ENTITY>), which GPX and TCX never need; refused "
            "as a possible entity-expansion or external-entity attack",
        )
    data = strip_leading_space(data)
    try:
        root = etree.fromstring(data, _parser(recover=False))
        return _check(root, source), []
    except etree.XMLSyntaxError as exc:
        error = exc
    # libxml2 ends some messages with a newline before its ", line N" ("Char 0x0 out of
    # allowed range\n, line 2, column 7"): one line, without the stray space.
    message = " ".join((getattr(error, "msg", None) or str(error)).split()).replace(" ,", ",")
    line = getattr(error, "lineno", None)
    where = f" (line {line})" if line and "line" not in message else ""
    if any(word in message.lower() for word in _LIMIT_MESSAGES):
        raise TrackReadError(source, f"XML refused: {message}{where}")
    try:
        root = etree.fromstring(data, _parser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or len(root) == 0:
        raise TrackReadError(
            source, f"not well-formed XML and cannot be recovered: {message}{where}"
        )
    note = (
        f"the XML is not well-formed ({message}{where}); it was read in recovery mode and data "
        "near the damaged spot may be missing"
    )
    return _check(root, source), [note]


def invalid_text_error(source: str) -> TrackReadError:
    """The error for a value lxml cannot hand over as text.

    A character reference to a lone surrogate (``&#xD800;``) is not XML; libxml2's recovery
    mode keeps it as bytes that are not UTF-8, and lxml raises ``UnicodeDecodeError`` when the
    text is read. Readers catch that and raise this instead.
    """
    return TrackReadError(
        source,
        "a value holds a character that is not Unicode (a lone surrogate such as &#xD800;); "
        "refused",
    )


def _check(root: etree._Element, source: str) -> etree._Element:
    doc = root.getroottree().docinfo
    if doc.system_url or doc.public_id:
        raise TrackReadError(
            source,
            "the XML names an external DTD (<!DOCTYPE ... SYSTEM/PUBLIC>), which GPX and TCX "
            "never need; refused so that no document can make trailtech open another file",
        )
    # Belt and braces for encodings the byte scan cannot see (e.g. UTF-32).
    dtd = doc.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise TrackReadError(source, "the XML declares entities (<!ENTITY>); refused")
    return root
