"""Hostile and broken XML: entity attacks fail fast, damage raises TrailtechError or recovers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from trailtech.errors import TrackReadError, TrailtechError
from trailtech.io import load
from trailtech.io.xmlsafe import _parser, parse_xml
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


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE_FILE], ids=["laughs", "xxe"])
def test_entities_refused_when_the_size_caps_count_the_document(doc):
    # a document long enough for the caps to count its marks skips the entity search only
    # when it holds no '!' at all
    from trailtech.io.gpx import read_gpx
    from trailtech.io.xmlsafe import XmlLimits

    with pytest.raises(TrackReadError, match="ENTITY"):
        read_gpx(doc, "counted.gpx", limits=XmlLimits(max_attributes=10))


def test_billion_laughs_in_utf16_is_refused_too(no_network):
    doc = BILLION_LAUGHS.decode().replace(
        'version="1.0"?>', 'version="1.0" encoding="UTF-16"?>', 1
    )
    with pytest.raises(TrackReadError):
        load(doc.encode("utf-16"), source="attack16.gpx")


def test_external_dtd_is_not_fetched(no_network):
    t0 = time.perf_counter()
    with pytest.raises(TrackReadError, match="dtd.gpx: .*external DTD"):
        load(EXTERNAL_DTD, source="dtd.gpx")
    assert time.perf_counter() - t0 < 1.0


_POINT = (
    b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="x"><trk><trkseg>'
    b'<trkpt lat="45" lon="6"><time>2024-05-01T08:00:00Z</time></trkpt>'
    b'<trkpt lat="45.001" lon="6"><time>2024-05-01T08:00:01Z</time></trkpt>'
    b"</trkseg></trk></gpx>"
)


def _doctype(external_id: str) -> bytes:
    return f'<?xml version="1.0"?>\n<!DOCTYPE gpx {external_id}>\n'.encode() + _POINT


def _external_ids(path: Path) -> list[str]:
    return [f'SYSTEM "{path}"', f'PUBLIC "-//trailtech//test//EN" "{path}"']


@pytest.mark.parametrize("kind", [0, 1], ids=["SYSTEM", "PUBLIC"])
def test_doctype_naming_a_local_file_is_refused(tmp_path, kind):
    # A valid DTD: the old parser (collect_ids=False, i.e. loadsubset on) loaded it silently.
    dtd = tmp_path / "gpx.dtd"
    dtd.write_text("<!ELEMENT gpx ANY>")
    with pytest.raises(TrackReadError, match=r"^local.gpx: .*external DTD") as exc:
        load(_doctype(_external_ids(dtd)[kind]), source="local.gpx")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("kind", [0, 1], ids=["SYSTEM", "PUBLIC"])
def test_parser_never_opens_the_file_a_doctype_names(tmp_path, kind):
    # Junk that libxml2 rejects as "Content error in the external subset" if it reads it:
    # parsing succeeds only because the file is never opened.
    dtd = tmp_path / "secret.txt"
    dtd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for recover in (False, True):
        root = etree.fromstring(
            _doctype(_external_ids(dtd)[kind]), _parser(recover=recover)
        )
        assert root is not None and len(root) == 1


@pytest.mark.parametrize("kind", [0, 1], ids=["SYSTEM", "PUBLIC"])
def test_doctype_naming_stdin_does_not_hang(tmp_path, kind):
    # Before the fix, SYSTEM "/dev/stdin" waited for standard input to close: here it never
    # closes, so the old code runs into the timeout.
    gpx = tmp_path / "stdin.gpx"
    gpx.write_bytes(_doctype(_external_ids(Path("/dev/stdin"))[kind]))
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "w") as err_file:
        # stdin is a pipe this test keeps open (communicate() would close it): wait() instead.
        proc = subprocess.Popen(
            [sys.executable, "-W", "ignore", "-m", "trailtech", "info", str(gpx)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err_file,
        )
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("reading a GPX whose DOCTYPE names /dev/stdin hangs")
        finally:
            proc.stdin.close()
    err = err_path.read_text()
    assert proc.returncode == 2
    assert "external DTD" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_lone_surrogate_is_a_read_error_not_a_traceback(fmt):
    if fmt == "gpx":
        doc = _POINT.replace(b"<time>2024-05-01T08:00:00Z", b"<ele>1&#xD800;0</ele><time>2024-05-01T08:00:00Z")
    else:
        doc = (
            b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            b'<Activities><Activity Sport="Running"><Id>2024-05-01T08:00:00Z</Id><Lap><Track>'
            b"<Trackpoint><Time>2024-05-01T08:00:00Z</Time><AltitudeMeters>1&#55296;0</AltitudeMeters>"
            b"</Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
        )
    with pytest.raises(TrackReadError, match=rf"^surrogate.{fmt}: .*surrogate"):
        load(doc, source=f"surrogate.{fmt}")


def test_lone_surrogate_outside_the_values_read_is_harmless():
    doc = _POINT.replace(b"<trk>", b"<trk><name>Col&#xDFFF;</name>")
    track = load(doc, source="name.gpx")
    assert len(track.samples) == 2
    assert any("recovery mode" in w for w in track.meta.warnings)


def test_empty_default_namespace_reads():
    # xmlns="" (no namespace, said explicitly) gave an AttributeError in the byte scanner.
    doc = _POINT.replace(b'xmlns="http://www.topografix.com/GPX/1/1"', b'xmlns=""')
    track = load(doc, source="empty-ns.gpx")
    assert len(track.samples) == 2
    assert track.samples["lat_deg"].tolist() == [45.0, 45.001]


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
