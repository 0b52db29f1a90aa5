"""Well-formedness proof of plain GPX documents (:mod:`trailtech.io.gpx_proof`).

The proof must be sound: whenever it says ``True``, libxml2 parses the document strictly. It
should also be complete on what watches and apps write (else the scan pays for libxml2).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtech.io import gpx_scan
from trailtech.io.gpx_proof import proves_well_formed
from trailtech.io.gpx_scan import scan_gpx, well_formed

TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def proven(data: bytes) -> bool | None:
    """The proof's answer for a document; ``None`` when the scan gives it nothing to prove."""
    prepared = gpx_scan._prepared(data)
    if prepared is None:
        return None
    structures = []
    try:
        with np.errstate(all="ignore"):
            found = gpx_scan._scan(*prepared, prove=structures.append)
    except Exception:
        return None
    if found is None or not structures:
        return None
    with np.errstate(all="ignore"):
        return proves_well_formed(structures[0])


def prepared_bytes(data: bytes) -> bytes:
    return gpx_scan._prepare(data)


def point(i: int, ext: str = "") -> str:
    return (
        f'<trkpt lat="{45 + i * 1e-4:.7f}" lon="{6 + i * 1e-4:.7f}">'
        f"<ele>{1000 + i}.5</ele><time>2024-05-01T08:00:{i:02d}Z</time>{ext}</trkpt>\n"
    )


def document(points: str, *, head: str = "", root_extra: str = "", tail: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f"{head}<gpx xmlns=\"http://www.topografix.com/GPX/1/1\" xmlns:gpxtpx=\"{TPX}\" "
        f'version="1.1" creator="A &amp; B"{root_extra}>\n'
        "<metadata><name><![CDATA[Morning <run>]]></name><!-- exported --></metadata>\n"
        f"<trk><name>Col &#233; &#x41;</name><type>running</type><trkseg>\n{points}"
        f"</trkseg></trk></gpx>\n{tail}"
    ).encode()


EXT = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>"
EXT_REDECLARED = (
    f'<extensions><gpxtpx:TrackPointExtension xmlns:gpxtpx="{TPX}">'
    "<gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
)
BASE = document("".join(point(i, EXT if i % 2 else EXT_REDECLARED) for i in range(6)))


# ------------------------------------------------------------------ what the proof accepts


@pytest.mark.parametrize(
    "data",
    [
        BASE,
        document(point(0) + point(1, "<extensions />")),
        document(point(0), head="<!-- before -->\n<?app-stylesheet x?>\n", tail="<!-- after -->\n"),
        document(point(0).replace("<ele>", "<ele >").replace("</ele>", "</ele  >")),
        document(point(0).replace("<time>", "<time>\r\n\t")),
        document(point(0).replace("</ele>", "</ele><!-- m -->")),
        document(point(0), root_extra=' xml:lang="fr"'),
        document(point(0)).replace(b"Col", "Col d\u2019Izoard".encode()),
    ],
    ids=["base", "empty-ext", "prolog-epilog", "spaces-in-tags", "crlf-tab", "comment-in-text",
         "xml-attribute", "utf8"],
)
def test_plain_documents_are_proven(data):
    assert proven(data) is True
    assert well_formed(prepared_bytes(data))


def test_corpus_documents_are_proven(real_dir, manifest):
    unproven = []
    for row in manifest:
        if row["format"] != "GPX":
            continue
        data = (real_dir / row["file"]).read_bytes()
        answer = proven(data)
        if answer:
            assert well_formed(prepared_bytes(data)), row["file"]
        elif scan_gpx(data) is not None:
            unproven.append(row["file"])  # read, but only after libxml2's check
    assert unproven == []


def test_simulated_documents_are_proven():
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_trail_run

    assert proven(to_gpx(simulate_trail_run(seed=1).track)) is True


# ------------------------------------------------------------------ what it must refuse


BROKEN = {
    "mismatched-end": BASE.replace(b"</ele>", b"</elx>", 1),
    "end-name-longer": BASE.replace(b"</ele>", b"</elev>", 1),
    "end-name-prefix": BASE.replace(b"</gpxtpx:hr>", b"</gpxtpx:hx>", 1),
    "unclosed": BASE.replace(b"</time>", b"", 1),
    "extra-end": BASE.replace(b"</ele>", b"</ele></ele>", 1),
    "two-roots": BASE + b"<gpx/>",
    "text-after-root": BASE + b"junk",
    "text-before-root": BASE.replace(b"<gpx ", b"junk<gpx ", 1),
    "duplicate-attribute": BASE.replace(b'version="1.1"', b'version="1.1" version="1.0"'),
    "duplicate-expanded": BASE.replace(
        b'version="1.1"', f'version="1.1" xmlns:a="{TPX}" a:x="1" gpxtpx:x="2"'.encode()
    ),
    "attribute-no-space": BASE.replace(b'version="1.1" creator', b'version="1.1"creator'),
    "unbound-attribute-prefix": BASE.replace(b'version="1.1"', b'version="1.1" q:x="1"'),
    "unbound-element-prefix": BASE.replace(b"<ele>1000.5</ele>", b"<q:ele>1000.5</q:ele>", 1),
    "inner-new-prefix-used-outside": BASE.replace(
        b"<extensions>", b'<extensions xmlns:v="urn:v"><v:a/>', 1
    ).replace(b"<metadata>", b"<metadata><v:b/>", 1),
    "space-in-namespace-uri": BASE.replace(b"www.garmin.com", b"www.gar min.com"),
    "colon-in-namespace-host": BASE.replace(b"www.garmin.com", b"www.gar:min.com"),
    "reference-in-namespace-uri": BASE.replace(b"www.garmin.com", b"www.gar&#x20;min.com"),
    "empty-prefix-binding": BASE.replace(b'version="1.1"', b'version="1.1" xmlns:e=""'),
    "undefined-entity": BASE.replace(b"A &amp; B", b"A &nbsp; B"),
    "bare-ampersand": BASE.replace(b"A &amp; B", b"A & B"),
    "bad-char-ref": BASE.replace(b"&#233;", b"&#0;"),
    "surrogate-char-ref": BASE.replace(b"&#233;", b"&#xD800;"),
    "control-byte": BASE.replace(b"running", b"run\x01ning"),
    "form-feed": BASE.replace(b"running", b"run\x0cning"),
    "bad-utf8": BASE.replace(b"running", b"run\xffning"),
    "u+fffe": BASE.replace(b"running", "run\ufffening".encode()),
    "double-dash-comment": BASE.replace(b"<!-- exported -->", b"<!-- a -- b -->"),
    "dash-ending-comment": BASE.replace(b"<!-- exported -->", b"<!-- a --->"),
    "cdata-end-in-text": BASE.replace(b"running", b"run]]>ning"),
    "cdata-in-prolog": BASE.replace(b"<gpx ", b"<![CDATA[x]]><gpx ", 1),
    "pi-named-xml": BASE.replace(b"<gpx ", b"<?xml x?><gpx ", 1),
    "ascii-encoding-non-ascii": document(point(0))
    .replace(b'encoding="UTF-8"', b'encoding="US-ASCII"')
    .replace(b"Col", "Col\u2019".encode()),
    "latin1-declared": BASE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    "lt-in-attribute": BASE.replace(b'creator="A', b'creator="<A'),
    "quote-in-name": BASE.replace(b"<ele>1000.5</ele>", b'<e"le>1000.5</e"le>', 1),
    "space-after-lt": BASE.replace(b"<ele>1000.5</ele>", b"< ele>1000.5</ele>", 1),
    "slash-in-end-tag": BASE.replace(b"</ele>", b"</ele/>", 1),
    "attribute-on-end-tag": BASE.replace(b"</ele>", b'</ele a="1">', 1),
    "deep": document(point(0, "<extensions>" + "<a>" * 300 + "</a>" * 300 + "</extensions>")),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_documents_are_not_proven(name):
    data = BROKEN[name]
    assert not proven(data)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_cases_are_really_broken(name):
    # the cases above are what libxml2 rejects (so a proof saying True would be wrong)
    data = prepared_bytes(BROKEN[name])
    if data is not None:
        assert not well_formed(data), name


# Well-formed, but outside what the proof covers: libxml2 decides (and the scan still reads them).
LEFT_TO_LIBXML2 = {
    "version-1.1": BASE.replace(b'version="1.0" encoding', b'version="1.1" encoding', 1),
    "inner-new-prefix": BASE.replace(b"<extensions>", b'<extensions xmlns:v="urn:v"><v:a/>', 1),
    "gt-in-text": BASE.replace(b"running", b"run > walk"),
}


@pytest.mark.parametrize("name", sorted(LEFT_TO_LIBXML2))
def test_unusual_documents_are_left_to_libxml2(name):
    data = LEFT_TO_LIBXML2[name]
    assert not proven(data)
    assert well_formed(prepared_bytes(data))
    assert scan_gpx(data) is not None


# ------------------------------------------------------------------ soundness under mutation

_SNIPPETS = [
    b"<", b">", b"/", b"&", b'"', b"'", b"=", b" ", b"]]>", b"--", b"<!--", b"-->", b"<?",
    b"?>", b"<![CDATA[", b"</ele>", b"<ele>", b"</x>", b"<x/>", b"&amp;", b"&#0;", b"&#x41;",
    b"\x00", b"\x01", b"\x0b", b"\xff", b"\xc3", "\ufffe".encode(), b'xmlns:gpxtpx="urn:x"',
    b'xmlns="urn:y"', b'a="1"', b"gpxtpx:", b"q:", b"trkpt", b"\r\n", b"\t",
]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1, allow_nan=False),
            st.sampled_from(["insert", "delete", "replace"]),
            st.sampled_from(_SNIPPETS),
            st.integers(1, 12),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_proof_is_sound_under_mutation(edits):
    data = bytearray(BASE)
    for where, op, snippet, width in edits:
        at = int(where * len(data))
        if op == "insert":
            data[at:at] = snippet
        elif op == "delete":
            del data[at : at + width]
        else:
            data[at : at + len(snippet)] = snippet
    data = bytes(data)
    if proven(data):
        assert well_formed(prepared_bytes(data)), data
