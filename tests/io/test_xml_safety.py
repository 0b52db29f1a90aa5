"""Hostile and broken XML: entity attacks fail fast, damage raises TrailtechError or recovers."""

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtech.errors import TrackReadError, TrailtechError
from trailtech.io import load
from trailtech.io.xmlsafe import parse_xml
from trailtech.track import Track

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n'
        % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="x">'
    b"<trk><name>&lol9;</name></trk></gpx>"
)
XXE_FILE = (
    b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&xxe;</name></trk></gpx>'
)
XXE_NET = (
    b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY % ext SYSTEM "http://example.invalid/x.dtd">'
    b" %ext;]><gpx/>"
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://example.invalid/gpx.dtd">'
    b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
    b'<trkpt lat="1" lon="2"><time>2024-05-01T08:00:00Z</time></trkpt></trkseg></trk></gpx>'
)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the XML parser tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    "doc", [BILLION_LAUGHS, XXE_FILE, XXE_NET], ids=["laughs", "xxe", "net"]
)
def test_entity_attacks_fail_fast(doc, no_network):
    t0 = time.perf_counter()
    with pytest.raises(TrackReadError, match="attack.gpx.*ENTITY"):
        load(doc, source="attack.gpx")
    assert time.perf_counter() - t0 < 1.0


def test_billion_laughs_in_utf16_is_refused_too(no_network):
    doc = BILLION_LAUGHS.decode().replace(
        'version="1.0"?>', 'version="1.0" encoding="UTF-16"?>', 1
    )
    with pytest.raises(TrackReadError):
        load(doc.encode("utf-16"), source="attack16.gpx")


def test_external_dtd_is_not_fetched(no_network):
    t0 = time.perf_counter()
    with pytest.raises(TrackReadError, match="dtd.gpx: .*network"):
        load(EXTERNAL_DTD, source="dtd.gpx")
    assert time.perf_counter() - t0 < 1.0


def test_undefined_html_entity_recovers_with_warning():
    doc = (
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Col&nbsp;du Lac</name>'
        b'<trkseg><trkpt lat="1" lon="2"><time>2024-05-01T08:00:00Z</time></trkpt>'
        b"</trkseg></trk></gpx>"
    )
    t = load(doc, source="nbsp.gpx")
    assert len(t.samples) == 1
    assert any("nbsp" in w for w in t.meta.warnings)


def test_deep_nesting_hits_the_limit_not_memory():
    doc = b"<gpx>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</gpx>"
    with pytest.raises(TrackReadError, match="deep.gpx"):
        load(doc, source="deep.gpx")


def test_unrecoverable_xml_names_file_and_line():
    doc = b'<?xml version="1.0"?>\n<gpx>\n<trk>\n\x00\x01\x02'
    with pytest.raises(TrackReadError, match=r"broken.gpx: .*line") as exc:
        parse_xml(b"\n\x00\x01not xml at all", "broken.gpx")
    assert "broken.gpx" in str(exc.value)
    # a document cut right after its first elements recovers to an empty track, with warnings
    t = load(doc, source="trunc.gpx")
    assert len(t.samples) == 0
    assert any("recovery mode" in w for w in t.meta.warnings)
    assert any("no track or route points" in w for w in t.meta.warnings)


def test_truncated_gpx_recovers_with_warning():
    from tests.conftest import make_track
    from trailtech.io.gpx_write import to_gpx

    data = to_gpx(make_track(100))
    t = load(data[: len(data) * 2 // 3], source="cut.gpx")
    assert 30 < len(t.samples) < 100
    assert any("recovery mode" in w for w in t.meta.warnings)


# ------------------------------------------------------------------ fuzzing real files

_SMALL_REAL = [
    "runpandas/garmin_connect.gpx",
    "runalyze/garmin-ns3-extension.gpx",
    "runalyze/First-point-empty.tcx",
    "runalyze/missing-distances.tcx",
]


def _check(data: bytes, name: str) -> None:
    try:
        result = load(data, source=name)
    except TrailtechError as exc:
        assert str(exc).startswith(name)
    else:
        assert isinstance(result, Track)


@pytest.fixture(scope="module")
def small_real(real_dir):
    return {name: (real_dir / name).read_bytes() for name in _SMALL_REAL}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(which=st.integers(0, len(_SMALL_REAL) - 1), cut=st.floats(0, 1))
def test_truncations_never_crash(small_real, which, cut):
    data = small_real[_SMALL_REAL[which]]
    _check(data[: int(len(data) * cut)], "cut.file")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    which=st.integers(0, len(_SMALL_REAL) - 1),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=5,
    ),
)
def test_random_corruptions_never_crash(small_real, which, edits):
    data = bytearray(small_real[_SMALL_REAL[which]])
    for where, junk in edits:
        i = int(where * (len(data) - 1))
        data[i : i + len(junk)] = junk
    _check(bytes(data), "corrupt.file")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    which=st.integers(0, len(_SMALL_REAL) - 1),
    text=st.sampled_from(
        [
            b"abc",
            b"-1e999",
            b"NaN",
            b"",
            b"2024-13-45T99:99:99Z",
            b"\xff\xfe",
            b"<",
            b"&amp;",
            b"]]>",
            b"99999999999999999999",
        ]
    ),
    nth=st.integers(0, 40),
)
def test_garbage_values_never_crash(small_real, which, text, nth):
    # replace the text of the n-th element with garbage: values become NaN/NaT, never a crash
    data = small_real[_SMALL_REAL[which]]
    parts = data.split(b">")
    k = min(nth * 3 + 5, len(parts) - 2)
    _, sep, tail = parts[k + 1].partition(b"<")
    if sep:
        parts[k + 1] = text + sep + tail
    _check(b">".join(parts), "garbage.file")
