"""The web API in process (starlette TestClient): every route, every error, the same answers as
the library and the command line."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import stat
import threading
import time
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its TestClient and says so at import; httpx still works.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient  # noqa: E402

import trailtech  # noqa: E402
from trailtech.errors import TrailtechError, error_line  # noqa: E402
from trailtech.web import create_app  # noqa: E402
from trailtech.web.upload import FORM_OVERHEAD_BYTES  # noqa: E402

from ..conftest import SAMPLE_DIR  # noqa: E402


LIMIT_MB = 1
ROUTES = ["/api/analyze", "/api/report", "/api/line-practice.gpx"]
#: Where a browser on this machine finds the server (the Host check refuses TestClient's
#: default "testserver").
LOCAL = "http://127.0.0.1:8000"


def local_client(app) -> TestClient:
    return TestClient(app, base_url=LOCAL)


@pytest.fixture(scope="module")
def client():
    # One real worker process: the tests exercise the process boundary as `trailtech serve` does.
    app = create_app(max_upload_mb=LIMIT_MB, workers=1)
    with local_client(app) as c:
        yield c


def sample(name: str) -> bytes:
    path = SAMPLE_DIR / name
    if not path.is_file():
        pytest.skip(f"sample_tracks/{name} not generated yet")
    return path.read_bytes()


def expected_error(data: bytes, name: str) -> str:
    """The line the command line prints after ``trailtech: `` for these bytes."""
    try:
        trailtech.analyze(trailtech.load(data, source=name))
    except TrailtechError as exc:
        return error_line(exc, name)
    raise AssertionError(f"{name} was expected to be unreadable")


def assert_json_error(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    return body["error"]


# -- the page and the health check -------------------------------------------------------------
def test_web_page_is_self_contained(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    # Nothing to fetch from elsewhere: no external scripts, styles, fonts or images.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(http" not in html
    assert "<script src" not in html and 'rel="stylesheet"' not in html
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    # The server writes its own limit into the page for the client-side size check.
    assert f'data-max-upload-mb="{LIMIT_MB}"' in html
    # The pieces the page promises: a file input for the formats, a drop zone, the routes.
    assert 'type="file"' in html and ".fit" in html and ".gpx" in html and ".tcx" in html
    assert ".gz" in html and 'id="drop"' in html
    for route in ROUTES:
        assert route.lstrip("/") in html
    assert "upload.onprogress" in html  # upload progress is shown


def test_web_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.text == "ok"


def test_web_unknown_route_and_method_are_json(client):
    assert_json_error(client.get("/nope"), 404)
    assert_json_error(client.get("/api/analyze"), 405)


# -- requests that carry no usable file --------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_web_request_without_file_is_400(client, route):
    assert_json_error(client.post(route), 400)  # no body at all
    assert_json_error(client.post(route, data={"note": "hello"}), 400)  # a form, no file field
    # The wrong field name.
    assert_json_error(client.post(route, files={"upload": ("a.fit", b"abc")}), 400)
    # A browser form sent with no file chosen: an empty part without a file name.
    assert_json_error(client.post(route, files={"file": ("", b"")}), 400)


def test_web_not_multipart_is_400(client):
    msg = assert_json_error(
        client.post("/api/analyze", content=b"\x00" * 10,
                    headers={"content-type": "application/octet-stream"}), 400)
    assert "multipart" in msg
    assert_json_error(
        client.post("/api/analyze", content=b"--x\r\nnonsense",
                    headers={"content-type": "multipart/form-data; boundary=x"}), 400)


def test_web_bad_content_length_is_400(client):
    r = client.post("/api/analyze", files={"file": ("a.fit", b"abc")},
                    headers={"content-length": "lots"})
    assert "Content-Length" in assert_json_error(r, 400)


# -- the size limit ------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_web_oversize_is_413_by_content_length(client, route):
    big = os.urandom(LIMIT_MB * 1024 * 1024 + FORM_OVERHEAD_BYTES + 1)
    msg = assert_json_error(client.post(route, files={"file": ("big.fit", big)}), 413)
    assert f"{LIMIT_MB} MB" in msg
    assert client.get("/healthz").text == "ok"


def test_web_oversize_is_413_while_streaming(client):
    # Chunked upload without Content-Length: the limit is enforced while counting the body.
    def body():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.fit\"\r\n\r\n"
        for _ in range(64):
            yield b"\x00" * 65536  # 4 MB in all

    r = client.post("/api/analyze", content=body(),
                    headers={"content-type": "multipart/form-data; boundary=b"})
    assert_json_error(r, 413)


def test_web_upload_reader_stops_at_the_limit():
    """The reader gives up at the first chunk over the limit instead of reading everything."""
    import asyncio

    from trailtech.web.upload import UploadError, read_upload

    pulled = []

    async def body():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.fit\"\r\n\r\n"
        for _ in range(1000):
            pulled.append(1)
            yield b"\x00" * 65536  # 64 MB if read to the end

    async def read():
        return await read_upload("multipart/form-data; boundary=b", None, body(),
                                 max_file_bytes=1024 * 1024)

    with pytest.raises(UploadError) as info:
        asyncio.run(read())
    assert info.value.status == 413
    assert len(pulled) <= 1024 * 1024 // 65536 + 2


def test_web_upload_reader_keeps_name_and_bytes():
    import asyncio

    from trailtech.web.upload import read_upload

    payload = os.urandom(300_000)
    head = (b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; "
            b"filename=\"/home/me/r\xc3\xa9sum\xc3\xa9.fit\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n")
    whole = head + payload + b"\r\n--b--\r\n"

    async def body():
        for i in range(0, len(whole), 7777):  # boundaries split across chunks
            yield whole[i:i + 7777]

    up = asyncio.run(read_upload("multipart/form-data; boundary=b", str(len(whole)), body(),
                                 max_file_bytes=len(payload)))
    try:
        assert up.filename == "r\u00e9sum\u00e9.fit"
        assert up.read_bytes() == payload and up.size_bytes == len(payload)
        assert up.sha256 == hashlib.sha256(payload).hexdigest()
        assert stat.S_IMODE(os.stat(up.path).st_mode) == 0o600  # private to the server's user
    finally:
        up.release()
    assert not os.path.exists(up.path)  # the last holder deletes it


def test_web_file_just_over_the_limit_is_413_even_if_the_body_fits(client):
    # The file alone is one byte over; the form overhead allowance must not let it through.
    data = b"\x00" * (LIMIT_MB * 1024 * 1024 + 1)
    assert_json_error(client.post("/api/analyze", files={"file": ("x.fit", data)}), 413)


# -- unreadable and hostile files ----------------------------------------------------------------
def _truncated_fit() -> bytes:
    path = SAMPLE_DIR / "trail_run.fit"
    if path.is_file():
        return path.read_bytes()[:200]  # the header and a few definitions: no records
    # A FIT header announcing 100 kB of records, then nothing.
    return bytes([14, 0x20]) + (2160).to_bytes(2, "little") + (100000).to_bytes(4, "little") + b".FIT\x00\x00"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
    b'<trk><name>&lol9;</name><trkseg><trkpt lat="45" lon="6"><time>2026-01-01T00:00:00Z</time>'
    b"</trkpt></trkseg></trk></gpx>\n"
)

HOSTILE = {
    "random.fit": os.urandom(50_000),
    "zeros.gpx": b"\x00" * 1000,
    "truncated.fit": _truncated_fit(),
    "lolz.gpx": BILLION_LAUGHS,
    "notes.tcx": b"<TrainingCenterDatabase><Activities/></TrainingCenterDatabase>",
    "bomb.gpx.gz": gzip.compress(b"<gpx>" + b" " * 20_000_000 + b"</gpx>"),
    "empty.fit": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_web_unreadable_file_is_400_with_the_cli_line(client, name):
    data = HOSTILE[name]
    want = expected_error(data, name)
    for route in ROUTES:
        got = assert_json_error(client.post(route, files={"file": (name, data)}), 400)
        assert got == want
        assert "\n" not in got and got.startswith(f"{name}: ")
    assert client.get("/healthz").text == "ok"  # and the server keeps serving


def _time_bomb_gpx() -> bytes:
    # Two minutes of running, then one point fifteen years later: a naive 1 Hz grid over it
    # would hold ~470 million rows. The worker's memory cap and timeout must contain it.
    pts = "".join(
        f'<trkpt lat="{45 + i * 1e-4:.4f}" lon="6"><ele>{1000 + i}</ele>'
        f"<time>2020-06-01T08:{i // 60:02d}:{i % 60:02d}Z</time></trkpt>" for i in range(120))
    pts += '<trkpt lat="45.02" lon="6"><ele>1000</ele><time>2035-06-01T08:00:00Z</time></trkpt>'
    return ('<?xml version="1.0"?><gpx version="1.1" creator="x" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>'
            ).encode()


def test_web_time_bomb_gets_an_answer_and_the_server_goes_on(client):
    t0 = time.perf_counter()
    r = client.post("/api/analyze", files={"file": ("bomb.gpx", _time_bomb_gpx())})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"].startswith("bomb.gpx: ")
    assert time.perf_counter() - t0 < 120
    assert client.get("/healthz").text == "ok"
    assert client.app.state.service.pending == 0


def test_web_uploaded_path_is_reduced_to_its_name(client):
    data = HOSTILE["random.fit"]
    msg = assert_json_error(
        client.post("/api/analyze", files={"file": ("C:\\Users\\me\\..\\run.fit", data)}), 400)
    assert msg.startswith("run.fit: ")


# -- answers for good files ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["trail_run.fit", "trail_run.gpx", "hill_repeats.fit"])
def test_web_analyze_is_the_cli_json_document(client, name):
    data = sample(name)
    r = client.post("/api/analyze", files={"file": (name, data)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    want = trailtech.analyze(trailtech.load(data, source=name)).to_dict()
    assert r.json() == json.loads(json.dumps(want, allow_nan=False))
    assert r.json()["file"] == name


def test_web_report_is_the_self_contained_report(client):
    from trailtech.report.html import render_report

    data = sample("trail_run.fit")
    r = client.post("/api/report", files={"file": ("trail_run.fit", data)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    want = render_report(trailtech.analyze(trailtech.load(data, source="trail_run.fit")))
    assert r.text == want
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)\s*=\s*["']?https?://""", r.text, re.I)


def test_web_line_practice_gpx_is_what_flags_gpx_writes(client, tmp_path):
    from trailtech.cli import write_flags_gpx

    data = sample("trail_run.fit")
    r = client.post("/api/line-practice.gpx", files={"file": ("trail_run.fit", data)})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/gpx+xml")
    assert 'filename="trail_run.flags.gpx"' in r.headers["content-disposition"]
    out = tmp_path / "flags.gpx"
    write_flags_gpx(trailtech.analyze(trailtech.load(data, source="trail_run.fit")), str(out))
    assert r.content == out.read_bytes()
    import gpxpy

    gpx = gpxpy.parse(r.content.decode("utf-8"))
    doc = client.post("/api/analyze", files={"file": ("trail_run.fit", data)}).json()
    assert len(gpx.tracks) == len(doc["line_practice"])


def test_web_truncated_fit_keeps_the_records_before_the_break(client):
    # Half a FIT file is readable (the records before the break), like the command line reads it.
    data = sample("trail_run.fit")
    half = data[: len(data) // 2]
    r = client.post("/api/analyze", files={"file": ("half.fit", half)})
    assert r.status_code == 200, r.text
    want = trailtech.analyze(trailtech.load(half, source="half.fit")).to_dict()
    assert r.json() == json.loads(json.dumps(want, allow_nan=False))
    assert any("truncated" in w for w in r.json()["warnings"])


def test_web_gzipped_upload_is_read_by_content(client):
    data = sample("trail_run.gpx")
    r = client.post("/api/analyze", files={"file": ("trail_run.gpx.gz", gzip.compress(data))})
    assert r.status_code == 200, r.text
    plain = client.post("/api/analyze", files={"file": ("trail_run.gpx.gz", data)}).json()
    assert r.json()["summary"] == plain["summary"]


REAL_FILES = [
    "coros-run-metrics/LakewoodTrailRun20241128074748.fit",
    "runpandas/malformed.tcx",
    "python-fitparse/activity-unexpected-eof.fit",
    "sports-lib/empty-activities.fit",
]


@pytest.mark.parametrize("rel", REAL_FILES)
def test_web_real_files_answer_like_the_library(client, real_dir, rel):
    path = real_dir / rel
    if not path.is_file():
        pytest.skip(f"{rel} not in the corpus")
    data = path.read_bytes()
    name = path.name
    r = client.post("/api/analyze", files={"file": (name, data)})
    try:
        want = trailtech.analyze(trailtech.load(data, source=name)).to_dict()
    except TrailtechError as exc:
        assert assert_json_error(r, 400) == error_line(exc, name)
    else:
        assert r.status_code == 200, r.text
        assert r.json() == json.loads(json.dumps(want, allow_nan=False))


# -- serving many ---------------------------------------------------------------------------------
def test_web_page_answers_while_an_analysis_runs(monkeypatch):
    """A slow analysis occupies a worker, not the event loop: the page and health check answer."""
    from trailtech.web import jobs

    started = threading.Event()

    def slow_answer(data, filename, kinds):
        started.set()
        time.sleep(2.0)
        return ("rejected", f"{filename}: slow and unreadable")

    monkeypatch.setattr(jobs, "answer", slow_answer)
    app = create_app(workers=0)  # threads, so the monkeypatch reaches the job
    with local_client(app) as c:
        answers = {}
        t = threading.Thread(target=lambda: answers.setdefault(
            "slow", c.post("/api/analyze", files={"file": ("slow.fit", b"x")})))
        t.start()
        assert started.wait(5)
        t0 = time.perf_counter()
        assert c.get("/healthz").text == "ok"
        assert c.get("/").status_code == 200
        waited = time.perf_counter() - t0
        t.join(10)
    assert waited < 1.0
    assert answers["slow"].status_code == 400
    assert answers["slow"].json() == {"error": "slow.fit: slow and unreadable"}


def test_web_full_queue_is_503_not_a_hang(monkeypatch):
    from trailtech.web import jobs

    release = threading.Event()

    def blocked(data, filename, kinds):
        release.wait(10)
        return ("rejected", f"{filename}: no")

    monkeypatch.setattr(jobs, "answer", blocked)
    app = create_app(workers=0, max_pending=1)
    with local_client(app) as c:
        t = threading.Thread(target=lambda: c.post("/api/analyze", files={"file": ("a.fit", b"1")}))
        t.start()
        deadline = time.time() + 5
        while app.state.service.pending < 1 and time.time() < deadline:
            time.sleep(0.01)
        r = c.post("/api/analyze", files={"file": ("b.fit", b"2")})
        release.set()
        t.join(10)
    assert_json_error(r, 503)
    assert r.headers["retry-after"] == "5"


def test_web_one_upload_is_analysed_once_for_all_three_answers(monkeypatch):
    from trailtech.web import jobs

    calls = []
    real = jobs.answer

    def counting(data, filename, kinds):
        calls.append((filename, kinds[0]))
        return real(data, filename, kinds)

    monkeypatch.setattr(jobs, "answer", counting)
    data = sample("trail_run.gpx")
    with local_client(create_app(workers=0)) as c:
        # The page's order: the report, then the JSON and the GPX of the same upload.
        for route in ["/api/report", "/api/analyze", "/api/line-practice.gpx"]:
            assert c.post(route, files={"file": ("trail_run.gpx", data)}).status_code == 200
        # A different name is a different document ("file" differs): analysed again.
        assert c.post("/api/analyze", files={"file": ("other.gpx", data)}).json()["file"] == "other.gpx"
        # The JSON does not render the report; asking for it later analyses again.
        assert c.post("/api/report", files={"file": ("other.gpx", data)}).status_code == 200
    assert calls == [("trail_run.gpx", "report"), ("other.gpx", "json"), ("other.gpx", "report")]


def test_web_create_app_rejects_bad_settings():
    with pytest.raises(ValueError, match="max_upload_mb"):
        create_app(max_upload_mb=0)
    with pytest.raises(ValueError, match="workers"):
        create_app(workers=-1)
    with pytest.raises(ValueError, match="max_pending"):
        create_app(max_pending=0)
    with pytest.raises(ValueError, match="max_pending_mb"):
        create_app(max_pending_mb=0)
