"""Size caps of the XML readers and of plain files: refused in one line, before allocating.

The hostile inputs are built here, small: the caps are lowered through ``XmlLimits`` (or the
module constant), and a parser that must not run is replaced by one that fails the test.
"""

from __future__ import annotations


import pytest

from trailtech.errors import TrackReadError
from trailtech.io import xmlsafe
from trailtech.io.gpx import read_gpx
from trailtech.io.tcx import read_tcx
from trailtech.io.xmlsafe import XmlLimits, parse_xml

GPX_HEAD = b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t">'


def _points(n: int) -> bytes:
    pts = b"".join(
        b'<trkpt lat="45" lon="6"><time>2024-05-01T08:%02d:%02dZ</time></trkpt>' % divmod(i, 60)
        for i in range(n)
    )
    return GPX_HEAD + b"<trk><trkseg>" + pts + b"</trkseg></trk></gpx>"


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail if libxml2 is asked to build a tree: the refusal must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the document was parsed before its size was checked")

    monkeypatch.setattr(xmlsafe.etree, "fromstring", refuse)


@pytest.mark.parametrize(
    "doc, limits, words",
    [
        # a flood of tiny elements (each '<' is a tag)
        (GPX_HEAD + b"<a/>" * 101 + b"</gpx>", XmlLimits(max_tags=100), "tags"),
        # the 9-million-level nesting of issue 19, a thousand levels here
        (GPX_HEAD + b"<a>" * 1000 + b"</a>" * 1000 + b"</gpx>", XmlLimits(max_tags=1000), "tags"),
        # attributes spread over elements
        (GPX_HEAD + b'<a x="1" y="2"/>' * 60 + b"</gpx>", XmlLimits(max_attributes=100), "attributes"),
        # namespace declarations, one per element (2.4 million took 1 GB and 9 s)
        (GPX_HEAD + b''.join(b'<e xmlns:a%d="urn:%d"/>' % (i, i) for i in range(60)) + b"</gpx>",
         XmlLimits(max_attributes=50), "namespace declarations"),
        (_points(3), XmlLimits(max_bytes=100), "MiB"),
    ],
    ids=["tags", "depth", "attributes", "namespaces", "bytes"],
)
def test_size_caps_refuse_before_parsing(no_parsing, doc, limits, words):
    with pytest.raises(TrackReadError, match=rf"^big.gpx: .*{words}.*cap against memory") as exc:
        read_gpx(doc, "big.gpx", limits=limits)
    assert "\n" not in str(exc.value)


def test_default_caps_count_in_the_bytes(no_parsing):
    # one over each default cap is a few MB of '=' or '<' (the head holds some too)
    def over(text: bytes, limit: int) -> bytes:
        head, tail = GPX_HEAD + b"<![CDATA[", b"]]></gpx>"
        return head + text * (limit + 1 - (head + tail).count(text)) + tail

    with pytest.raises(TrackReadError, match=r"2,000,001 attributes and namespace declarations \('='\), more than the 2,000,000"):
        parse_xml(over(b"=", xmlsafe.MAX_XML_ATTRIBUTES), "a.gpx")
    with pytest.raises(TrackReadError, match="4,000,001 tags"):
        parse_xml(over(b"<", xmlsafe.MAX_XML_TAGS), "t.gpx")


def test_caps_count_utf16_documents_too(no_parsing):
    doc = ('<?xml version="1.0" encoding="UTF-16"?>' + GPX_HEAD.decode() + "<a/>" * 101 + "</gpx>")
    with pytest.raises(TrackReadError, match="tags"):
        read_gpx(doc.encode("utf-16"), "u16.gpx", limits=XmlLimits(max_tags=100))


def test_documents_within_the_caps_read():
    t = read_gpx(_points(5), "ok.gpx", limits=XmlLimits(max_tags=100, max_attributes=20, max_points=5))
    assert len(t.samples) == 5


def test_point_caps_of_gpx_and_tcx():
    with pytest.raises(TrackReadError, match=r"^p.gpx: the XML holds 6 track points, more than the 5"):
        read_gpx(_points(6), "p.gpx", limits=XmlLimits(max_points=5))
    tps = b"".join(b"<Trackpoint><Time>2024-05-01T08:00:%02dZ</Time></Trackpoint>" % i for i in range(6))
    tcx = (
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        b'<Activities><Activity Sport="Running"><Lap><Track>' + tps +
        b"</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    )
    with pytest.raises(TrackReadError, match="6 track points"):
        read_tcx(tcx, "p.tcx", limits=XmlLimits(max_points=5))
    assert len(read_tcx(tcx, "p.tcx", limits=XmlLimits(max_points=6)).samples) == 6


@pytest.mark.parametrize("levels, refused", [(200, False), (300, True)])
def test_nesting_depth_is_libxml2s_256(levels, refused):
    doc = GPX_HEAD + b"<a>" * levels + b"</a>" * levels + b"</gpx>"
    if refused:
        with pytest.raises(TrackReadError, match="deep.gpx: XML refused: Excessive depth"):
            parse_xml(doc, "deep.gpx")
    else:
        assert parse_xml(doc, "deep.gpx")[1] == []


