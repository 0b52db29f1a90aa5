"""The upload server under hostile clients: admission before the body, bounded memory, slow
clients cut off, foreign hosts and origins refused, broken forms refused, CSP on HTML.

Most tests drive the app in process; the ones about connections run uvicorn in a thread with
:func:`trailtech.web.server_config` (the settings ``trailtech serve`` uses) and talk raw HTTP.
Every wait is bounded; no assertion depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
import tracemalloc
import warnings

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient  # noqa: E402

from trailtech.web import create_app, jobs, server_config  # noqa: E402
from trailtech.web.limits import InFlight  # noqa: E402
from trailtech.web.upload import (FORM_OVERHEAD_BYTES, BodyTimeouts, UploadError,  # noqa: E402
                                  body_chunks, read_upload)

LOCAL = "http://127.0.0.1:8000"
HTML = b"<!doctype html><html><head><style>p{}</style></head><body><p>ok</p></body></html>"


def form(data: bytes, *, name: str = "run.fit", boundary: bytes = b"b",
         closed: bool = True) -> bytes:
    """A multipart body with ``data`` in the field ``file``; ``closed=False`` leaves out the
    closing boundary, as a body cut short does."""
    head = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="'
            + name.encode() + b'"\r\nContent-Type: application/octet-stream\r\n\r\n')
    return head + data + (b"\r\n--" + boundary + b"--\r\n" if closed else b"")


def multipart(boundary: bytes = b"b") -> dict:
    return {"content-type": "multipart/form-data; boundary=" + boundary.decode()}


@pytest.fixture
def analysed(monkeypatch):
    """Replace the analysis (run in threads: ``workers=0``) by a recorder of what reached it."""
    seen = []

    def fake_answer(source, filename, kinds):
        seen.append(filename)
        return ("ok", {"json": b"{}", "report": HTML, "flags_gpx": b"<gpx/>"})

    monkeypatch.setattr(jobs, "answer", fake_answer)
    return seen


@pytest.fixture
def held(monkeypatch):
    """An analysis that waits until released: keeps its upload in flight."""
    entered, release = threading.Event(), threading.Event()

    def blocked(source, filename, kinds):
        entered.set()
        release.wait(30)
        return ("rejected", f"{filename}: no")

    monkeypatch.setattr(jobs, "answer", blocked)
    yield entered, release
    release.set()


def _post_in_thread(client, body: bytes, **headers) -> threading.Thread:
    t = threading.Thread(target=lambda: client.post(
        "/api/analyze", content=body, headers={**multipart(), **headers}), daemon=True)
    t.start()
    return t


# -- admission: 503 before the body is read ----------------------------------------------------
def test_web_busy_server_answers_503_without_reading_the_body(held):
    entered, release = held
    pulled = []

    def body():
        pulled.append(1)
        yield form(b"2")

    app = create_app(workers=0, max_pending=1)
    with TestClient(app, base_url=LOCAL) as c:
        t = _post_in_thread(c, form(b"1"))
        assert entered.wait(10)
        r = c.post("/api/analyze", content=body(), headers=multipart())
        release.set()
        t.join(10)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "busy" in r.json()["error"]
    assert pulled == []  # refused from the headers alone
    assert app.state.service.pending == 0


def test_web_bytes_in_flight_are_limited_too(held):
    entered, release = held
    big = os.urandom(700_000)
    # 1 MiB uploads, 1 MiB in flight: one 700 kB upload fills it, a second one must wait,
    # though the count of uploads (8) is far from its limit; a small one still fits.
    app = create_app(max_upload_mb=1, workers=0, max_pending_mb=1)
    with TestClient(app, base_url=LOCAL) as c:
        t = _post_in_thread(c, form(big))
        assert entered.wait(10)
        refused = c.post("/api/analyze", content=form(big, name="b.fit"), headers=multipart())
        # A body without Content-Length reserves the largest body accepted: no room either.
        chunked = c.post("/api/analyze", content=iter([form(b"x", name="c.fit")]),
                         headers=multipart())
        release.set()
        t.join(10)
        small = c.post("/api/analyze", content=form(b"tiny", name="d.fit"), headers=multipart())
    assert refused.status_code == 503 and chunked.status_code == 503
    assert small.status_code == 400 and small.json()["error"] == "d.fit: no"
    assert app.state.service.in_flight.bytes_in_flight == 0


def test_web_in_flight_counts_places_and_bytes():
    limits = InFlight(max_uploads=2, max_bytes=100)
    a = limits.admit(60)
    assert limits.admit(50) is None  # bytes
    a.shrink(10)  # received: only its file's size stays reserved
    b = limits.admit(50)
    assert b is not None and limits.admit(1) is None  # places
    a.release()
    a.release()  # idempotent
    b.release()
    assert (limits.uploads_in_flight, limits.bytes_in_flight) == (0, 0)


# -- memory: uploads go to a temporary file --------------------------------------------------------
def test_web_upload_is_spooled_to_disk_not_held_in_memory(tmp_path):
    chunk = os.urandom(64 * 1024)
    n_chunks = 256  # 16 MiB
    whole_head = form(b"", closed=False)

    async def body():
        yield whole_head
        for _ in range(n_chunks):
            yield chunk
        yield b"\r\n--b--\r\n"

    tracemalloc.start()
    try:
        up = asyncio.run(read_upload("multipart/form-data; boundary=b", None, body(),
                                     max_file_bytes=32 * 1024 * 1024, spool_dir=str(tmp_path)))
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert up.size_bytes == n_chunks * len(chunk)
        assert os.path.dirname(up.path) == str(tmp_path)
        with open(up.path, "rb") as f:
            assert f.read(len(chunk)) == chunk
    finally:
        up.release()
    # Holding the upload would take 16 MiB (twice, with the copy to bytes).
    assert peak_bytes < 4 * 1024 * 1024
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("body, status", [
    (form(b"x" * 2000, closed=False), 400),                  # cut short
    (form(b"x" * 3 * 1024 * 1024), 413),                     # over the limit
    (b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--b--\r\n", 400),
])
def test_web_refused_upload_leaves_no_file(tmp_path, body, status):
    async def chunks():
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    with pytest.raises(UploadError) as info:
        asyncio.run(read_upload("multipart/form-data; boundary=b", None, chunks(),
                                max_file_bytes=1024 * 1024, spool_dir=str(tmp_path)))
    assert info.value.status == status
    assert os.listdir(tmp_path) == []


# -- malformed and incomplete forms --------------------------------------------------------------
def test_web_long_multipart_boundary_is_400_not_500(analysed):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        long_b = b"x" * 300
        r = c.post("/api/analyze", content=form(b"data", boundary=long_b),
                   headers=multipart(long_b))
        ok_b = b"y" * 256  # python-multipart's limit, still accepted
        ok = c.post("/api/analyze", content=form(b"data", boundary=ok_b), headers=multipart(ok_b))
    assert r.status_code == 400 and "boundary" in r.json()["error"]
    assert ok.status_code == 200
    assert analysed == ["run.fit"]


def test_web_form_without_closing_boundary_is_400(analysed):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        cut = c.post("/api/analyze", content=form(b"half a file", closed=False),
                     headers=multipart())
        # The closing boundary without its final CRLF is still a whole form.
        whole = c.post("/api/analyze", content=form(b"data")[:-2], headers=multipart())
    assert cut.status_code == 400 and "closing boundary" in cut.json()["error"]
    assert whole.status_code == 200
    assert analysed == ["run.fit"]  # the cut form never reached the analysis


def test_web_oversize_part_headers_are_400(analysed):
    # python-multipart caps each part header line (4 KiB) and their count (8).
    headers = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.fit"\r\n'
               + b"X-Padding: " + b"p" * 20_000 + b"\r\n\r\ndata\r\n--b--\r\n")
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        r = c.post("/api/analyze", content=headers, headers=multipart())
    assert r.status_code == 400 and "not a valid multipart form" in r.json()["error"]
    assert analysed == []


# -- body timeouts ------------------------------------------------------------------------------------
def _read_all(receive, timeouts: BodyTimeouts) -> int:
    async def read():
        n = 0
        async for chunk in body_chunks(receive, timeouts):
            n += len(chunk)
        return n

    async def bounded():
        return await asyncio.wait_for(read(), 30)

    return asyncio.run(bounded())


def test_web_body_that_pauses_gets_408():
    async def silent():
        await asyncio.sleep(3600)

    with pytest.raises(UploadError) as info:
        _read_all(silent, BodyTimeouts(idle_s=0.2, grace_s=60))
    assert info.value.status == 408 and "nothing arrived" in info.value.message


def test_web_body_that_trickles_gets_408():
    async def trickle():
        await asyncio.sleep(0.02)
        return {"type": "http.request", "body": b"x", "more_body": True}

    with pytest.raises(UploadError) as info:
        _read_all(trickle, BodyTimeouts(idle_s=10, grace_s=0.3, min_rate_bytes_per_s=1000))
    assert info.value.status == 408 and "KiB/s" in info.value.message


def test_web_body_at_a_modest_rate_is_read_to_the_end():
    sent = []

    async def steady():
        # ~50 kB/s for about a second, against a 1 kB/s minimum: far above it, past the grace.
        await asyncio.sleep(0.02)
        sent.append(1)
        return {"type": "http.request", "body": b"x" * 1000, "more_body": len(sent) < 50}

    assert _read_all(steady, BodyTimeouts(idle_s=10, grace_s=0.1, min_rate_bytes_per_s=1000)) \
        == 50_000


# -- Host and Origin ------------------------------------------------------------------------------
@pytest.mark.parametrize("host", [
    "evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example:80",
    "10.0.0.7:8000", "[::1", "127.0.0.1:port", "user@127.0.0.1",
])
def test_web_foreign_host_is_400(analysed, host):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        page = c.get("/", headers={"host": host})
        post = c.post("/api/analyze", content=form(b"data"), headers={**multipart(), "host": host})
    for r in (page, post):
        assert r.status_code == 400, r.text
        assert "host" in r.json()["error"]
    assert analysed == []  # a DNS-rebound page reaches nothing


@pytest.mark.parametrize("bind, good, bad", [
    ("127.0.0.1", ["127.0.0.1:8000", "localhost", "LocalHost:9", "[::1]:8000", "127.0.0.1"],
     ["mybox.lan:8000", "192.168.1.20:8000"]),
    ("mybox.lan", ["mybox.lan:8000", "localhost:8000"], ["other.lan", "192.168.1.20"]),
    ("0.0.0.0", ["192.168.1.20:8000", "[fe80::1]:8000", "localhost:8000"], ["mybox.lan"]),
])
def test_web_host_allow_list_follows_the_bound_host(bind, good, bad):
    with TestClient(create_app(workers=0, host=bind), base_url=LOCAL) as c:
        for host in good:
            assert c.get("/healthz", headers={"host": host}).status_code == 200, host
        for host in bad:
            assert c.get("/healthz", headers={"host": host}).status_code == 400, host


@pytest.mark.parametrize("origin", [
    "http://evil.example", "null", "http://127.0.0.1:3000", "https://127.0.0.1:8000",
    "http://localhost:8000", "http://127.0.0.1:8000/path", "http://[::1]:8000",
])
def test_web_cross_origin_post_is_403(analysed, origin):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        r = c.post("/api/report", content=form(b"data"),
                   headers={**multipart(), "origin": origin})
        page = c.get("/", headers={"origin": origin})  # reading the page is harmless
    assert r.status_code == 403 and "own page" in r.json()["error"]
    assert page.status_code == 200
    assert analysed == []


def test_web_same_origin_and_originless_posts_are_served(analysed):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        page = c.post("/api/analyze", content=form(b"1", name="a.fit"),
                      headers={**multipart(), "origin": "http://127.0.0.1:8000"})
        script = c.post("/api/analyze", content=form(b"2", name="b.fit"), headers=multipart())
        other = c.post("/api/analyze", content=form(b"3", name="c.fit"),
                       headers={**multipart(), "origin": "http://localhost:8000",
                                "host": "localhost:8000"})
    assert [page.status_code, script.status_code, other.status_code] == [200, 200, 200]
    assert analysed == ["a.fit", "b.fit", "c.fit"]


# -- security headers on HTML -------------------------------------------------------------------
def test_web_every_html_answer_has_csp_and_nosniff(analysed):
    with TestClient(create_app(workers=0), base_url=LOCAL) as c:
        answers = [c.get("/"), c.post("/api/report", content=form(b"x"), headers=multipart())]
        answers += [c.get("/nope"), c.post("/api/report"), c.get("/healthz")]
    html = [r for r in answers if r.headers.get("content-type", "").startswith("text/html")]
    assert len(html) == 2
    for r in html:
        assert r.headers["x-content-type-options"] == "nosniff"
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    report_csp = html[1].headers["content-security-policy"]
    # The report has inline styles and data: images, and no script at all.
    assert "style-src 'unsafe-inline'" in report_csp and "img-src data:" in report_csp
    assert "script-src" not in report_csp


# -- connections: a real server --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(app, **protocol):
    port = _free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, log_level="warning",
                                          **protocol))
    thread = threading.Thread(target=server.run, name="uvicorn-limits", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = server.force_exit = True
        thread.join(15)


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setblocking(False)
    return s


def _closed_by_server(s: socket.socket, received: bytearray) -> bool:
    """Read what is there; True once the server has closed the connection."""
    while True:
        try:
            data = s.recv(65536)
        except BlockingIOError:
            return False
        except OSError:
            return True
        if not data:
            return True
        received += data


def _wait_closed(socks, bound_s: float, trickle: bytes = b"", every_s: float = 0.2):
    """Trickle ``trickle`` on every open socket until the server closes them all or
    ``bound_s`` passes; the bytes each one received."""
    received = [bytearray() for _ in socks]
    open_ = set(range(len(socks)))
    deadline = time.monotonic() + bound_s
    while open_ and time.monotonic() < deadline:
        for i in list(open_):
            if _closed_by_server(socks[i], received[i]):
                open_.discard(i)
            elif trickle:
                try:
                    socks[i].send(trickle)
                except OSError:
                    open_.discard(i)
        time.sleep(every_s)
    for s in socks:
        s.close()
    return received, open_


def _healthz(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        out = b""
        while chunk := s.recv(4096):
            out += chunk
    return out


def test_web_slow_request_heads_are_cut_off():
    with serving(create_app(workers=0), head_timeout_s=1.0) as port:
        socks = [_connect(port) for _ in range(30)]
        for s in socks:
            s.send(b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        silent = [_connect(port) for _ in range(5)]  # connect and say nothing
        assert _healthz(port).endswith(b"ok")  # others are served meanwhile
        _, still_open = _wait_closed(socks + silent, bound_s=20, trickle=b"X-Slow: 1\r\n")
    assert still_open == set()


def test_web_connections_over_the_cap_are_closed_as_they_open():
    with serving(create_app(workers=0), max_connections=3, head_timeout_s=60) as port:
        kept = [_connect(port) for _ in range(3)]
        time.sleep(0.2)  # let the server take them in before the extra ones arrive
        extra = [_connect(port) for _ in range(4)]
        _, extra_open = _wait_closed(extra, bound_s=20)
        _, kept_open = _wait_closed(kept, bound_s=0.5)
    assert extra_open == set()
    assert kept_open == {0, 1, 2}


def test_web_slow_bodies_get_408_and_are_closed(analysed):
    timeouts = BodyTimeouts(idle_s=1.0, grace_s=2.0, min_rate_bytes_per_s=1e6)
    app = create_app(workers=0, body_timeouts=timeouts)
    head = (b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 200000\r\n\r\n")
    with serving(app) as port:
        trickler, idler = _connect(port), _connect(port)
        for s in (trickler, idler):
            s.send(head + form(b"", closed=False))
        got_t, open_t = _wait_closed([trickler], bound_s=20, trickle=b"x" * 10)
        got_i, open_i = _wait_closed([idler], bound_s=20)
    assert open_t == open_i == set()
    assert got_t[0].startswith(b"HTTP/1.1 408") and b"KiB/s" in got_t[0]
    assert got_i[0].startswith(b"HTTP/1.1 408") and b"nothing arrived" in got_i[0]
    assert analysed == []


def test_web_busy_answer_comes_before_the_body_and_a_trickled_rest_is_cut(held):
    entered, release = held
    app = create_app(workers=0, max_pending=1)
    with serving(app, drain_timeout_s=1.0) as port:
        first = _connect(port)
        body = form(b"1")
        first.send(b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                   b"multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n" % len(body)
                   + body)
        assert entered.wait(10)
        second = _connect(port)
        second.send(b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    b"multipart/form-data; boundary=b\r\nContent-Length: 900000\r\n\r\n")
        # Not one byte of the body sent: the 503 comes all the same.
        got = bytearray()
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in got and time.monotonic() < deadline:
            if _closed_by_server(second, got):
                break
            time.sleep(0.05)
        assert got.startswith(b"HTTP/1.1 503") and b"retry-after: 5" in got.lower()
        # A client that then trickles the body it no longer needs to send is cut off.
        _, still_open = _wait_closed([second], bound_s=20, trickle=b"x" * 10)
        release.set()
        first.close()
    assert still_open == set()


def test_web_short_content_length_is_400(analysed):
    body = form(b"x" * 5000)
    short = len(body) - 20  # the declared length ends inside the closing boundary
    request = (b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               b"Content-Type: multipart/form-data; boundary=b\r\n"
               b"Content-Length: %d\r\n\r\n" % short + body[:short])
    with serving(create_app(workers=0)) as port:
        s = _connect(port)
        s.send(request)
        got, still_open = _wait_closed([s], bound_s=20)
    assert still_open == set()
    assert got[0].startswith(b"HTTP/1.1 400") and b"closing boundary" in got[0]
    assert analysed == []


def test_web_limits_leave_room_for_the_form():
    # Internal consistency: the largest body is the file limit plus the form's overhead.
    app = create_app(max_upload_mb=1, workers=0, max_pending_mb=0.5)
    assert app.state.service.in_flight.max_bytes == 1024 * 1024 + FORM_OVERHEAD_BYTES
