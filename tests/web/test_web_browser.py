"""The upload page in a real browser: Debian's chromium driven by Playwright.

Skipped when /usr/bin/chromium or the playwright package is absent (never ``playwright
install``: the test uses the system browser). Set ``TRAILTECH_UPDATE_SCREENSHOTS=1`` to copy
the desktop and phone screenshots to ``docs/img/`` for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from ..conftest import ROOT, SAMPLE_DIR

CHROMIUM = Path(os.environ.get("TRAILTECH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.is_file():
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from trailtech.web import create_app, server_config  # noqa: E402

SAMPLE = SAMPLE_DIR / "trail_run.fit"
DOCS_IMG = ROOT / "docs" / "img"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    port = _free_port()
    app = create_app(max_upload_mb=2, workers=1)
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _csp_violations(page) -> list:
    """Console messages of the page (and its frames) about a Content Security Policy."""
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text
            else None)
    return seen


def _open(browser, url, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    elsewhere = []
    # Offline by construction: record anything the page tries to fetch from another host.
    page.on("request", lambda req: None if req.url.startswith((url, "data:", "blob:", "about:"))
            else elsewhere.append(req.url))
    page.goto(url)
    return context, page, elsewhere


def _upload_and_wait(page, path: Path) -> None:
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#result.show", timeout=90_000)
    # The JSON and GPX downloads become ready after the report.
    for button in ("#dl-report", "#dl-json", "#dl-gpx"):
        page.wait_for_selector(f'{button}[aria-disabled="false"]', timeout=30_000)


def test_web_browser_upload_shows_the_report(browser, server_url, tmp_path):
    if not SAMPLE.is_file():
        pytest.skip("sample_tracks/trail_run.fit not generated yet")
    context, page, elsewhere = _open(browser, server_url, viewport={"width": 1280, "height": 900})
    violations = _csp_violations(page)
    try:
        # Record every status line the page shows while it works.
        page.evaluate("""() => {
            window.__seen = [];
            new MutationObserver(() => window.__seen.push(
                document.getElementById('status-what').textContent))
              .observe(document.getElementById('status'), {subtree: true, childList: true,
                                                          characterData: true});
        }""")
        _upload_and_wait(page, SAMPLE)
        seen = page.evaluate("window.__seen")
        assert any(t.startswith("Uploading") for t in seen), seen
        assert any(t.startswith("Analysing") for t in seen), seen
        assert not page.locator("#status").is_visible()  # done: the status gives way to the report

        report = page.frame_locator("#report")
        descents = report.locator("#descents table")
        assert descents.count() >= 1
        assert descents.first.is_visible()
        assert report.locator("#descents tbody tr").count() >= 1
        figures = report.locator("figure.plot svg")
        assert figures.count() >= 3
        assert figures.first.is_visible()
        # The iframe grew to its content: the whole report is on the page, no inner scrolling.
        frame_h = page.locator("#report").bounding_box()["height"]
        assert frame_h > 900

        # The download buttons carry Blob URLs with sensible names.
        assert page.get_attribute("#dl-json", "download") == "trail_run.json"
        assert page.get_attribute("#dl-gpx", "download") == "trail_run.flags.gpx"
        assert page.get_attribute("#dl-report", "download") == "trail_run.report.html"
        assert page.get_attribute("#dl-json", "href").startswith("blob:")
        page.evaluate("window.scrollTo(0, 0)")
        shot = tmp_path / "web-desktop.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        _maybe_publish(shot, "web-desktop.png")
        with page.expect_download() as dl:
            page.click("#dl-json")
        saved = tmp_path / "dl.json"
        dl.value.save_as(saved)
        import json

        assert json.loads(saved.read_text())["file"] == "trail_run.fit"
        assert not page.locator("#error").is_visible()
        assert elsewhere == []
        assert violations == []  # the page's policy lets the page and the report work

        page.screenshot(path=str(tmp_path / "web-desktop-full.png"), full_page=True)
    finally:
        context.close()


def test_web_browser_phone_width(browser, server_url, tmp_path):
    if not SAMPLE.is_file():
        pytest.skip("sample_tracks/trail_run.fit not generated yet")
    context, page, elsewhere = _open(browser, server_url, viewport={"width": 390, "height": 844},
                                     device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        _upload_and_wait(page, SAMPLE)
        # Nothing wider than the screen: no sideways scrolling of the page itself.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        box = page.locator("#report").bounding_box()
        assert box["width"] <= 390
        # The buttons wrap onto the screen instead of running off it.
        for button in ("#dl-report", "#dl-json", "#dl-gpx"):
            b = page.locator(button).bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390
        assert page.frame_locator("#report").locator("#descents table").count() >= 1
        assert elsewhere == []
        page.evaluate("window.scrollTo(0, 0)")
        shot = tmp_path / "web-phone.png"
        page.screenshot(path=str(shot))
        _maybe_publish(shot, "web-phone.png")
    finally:
        context.close()


def test_web_browser_report_opened_alone_obeys_its_csp(browser, server_url, tmp_path):
    """/api/report's answer, shown as a page of its own with its own headers: the figures
    (inline SVG with data: images) and styles display, and the policy blocks nothing."""
    if not SAMPLE.is_file():
        pytest.skip("sample_tracks/trail_run.fit not generated yet")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        answer = context.request.post(server_url + "api/report", multipart={"file": {
            "name": SAMPLE.name, "mimeType": "application/octet-stream",
            "buffer": SAMPLE.read_bytes()}})
        assert answer.status == 200
        headers = {k: v for k, v in answer.headers.items()
                   if k in ("content-type", "content-security-policy", "x-content-type-options")}
        assert "default-src 'none'" in headers["content-security-policy"]
        page = context.new_page()
        violations = _csp_violations(page)
        view = server_url + "report-view"
        page.route(view, lambda route: route.fulfill(status=200, body=answer.body(),
                                                     headers=headers))
        page.goto(view)
        figures = page.locator("figure.plot svg")
        assert figures.count() >= 3 and figures.first.is_visible()
        # The stylesheet applied: the summary cards are laid out side by side.
        assert page.evaluate("document.styleSheets.length") >= 1
        page.screenshot(path=str(tmp_path / "report-alone.png"))
        assert violations == []
    finally:
        context.close()


def test_web_browser_shows_errors_in_plain_words(browser, server_url, tmp_path):
    context, page, elsewhere = _open(browser, server_url, viewport={"width": 1000, "height": 700})
    try:
        bad = tmp_path / "not-a-watch-file.fit"
        bad.write_bytes(os.urandom(4000))
        page.set_input_files("#file", str(bad))
        page.wait_for_selector("#error.show", timeout=60_000)
        text = page.locator("#error").inner_text()
        assert "not-a-watch-file.fit" in text and "could not read" in text
        assert not page.locator("#result").is_visible()

        # Over the limit (2 MB here): refused in the page, before uploading.
        big = tmp_path / "huge.gpx"
        big.write_bytes(b" " * (3 * 1024 * 1024))
        page.set_input_files("#file", str(big))
        page.wait_for_function(
            "document.querySelector('#error-text').textContent.includes('larger')", timeout=10_000)
        assert "2 MB" in page.locator("#error").inner_text()
        page.screenshot(path=str(tmp_path / "web-error.png"))
        assert elsewhere == []
    finally:
        context.close()


def _maybe_publish(shot: Path, name: str) -> None:
    if os.environ.get("TRAILTECH_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMG / name)
