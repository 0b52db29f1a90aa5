"""`trailtech serve` as a user starts it: a real process, loopback by default, --open."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from trailtech.web import serve

ROOT = Path(__file__).resolve().parents[2]


def _start(args: list[str], env: dict | None = None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "trailtech", "serve", "--port", "0", *args],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # its own process group, as in a terminal
    )
    deadline = time.time() + 60
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"upload page is at (http://\S+/)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    proc.wait()
    pytest.fail("serve did not announce its address:\n" + "".join(lines))


def _stop(proc: subprocess.Popen) -> str:
    # Ctrl+C in a terminal: SIGINT to the whole foreground group, the workers included.
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail("serve did not stop on Ctrl+C")
    return out


def test_web_serve_binds_loopback_and_opens_the_browser(tmp_path):
    opened = tmp_path / "opened.txt"
    fake_browser = tmp_path / "browser.py"
    fake_browser.write_text(
        f"import sys; open({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    # webbrowser honours $BROWSER; %s is replaced by the URL.
    proc, url = _start(["--open", "--max-upload-mb", "0.5"],
                       env={"BROWSER": f"{sys.executable} {fake_browser} %s"})
    try:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url + "healthz").text == "ok"
        r = httpx.post(url + "api/analyze", files={"file": ("x.fit", b"\0" * 600_000)})
        assert r.status_code == 413 and "0.5 MB" in r.json()["error"]
        # A real analysis, so that the worker processes are up when Ctrl+C arrives.
        r = httpx.post(url + "api/analyze", files={"file": ("x.gpx", b"<gpx></gpx>")}, timeout=60)
        assert r.status_code == 400
        deadline = time.time() + 20
        while not opened.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert opened.read_text().strip() == url
    finally:
        out = _stop(proc)
    assert proc.returncode in (0, -signal.SIGINT, 130), out
    assert "Traceback" not in out


def test_web_serve_rejects_a_bad_port():
    with pytest.raises(ValueError, match="port"):
        serve(port=70000)


def test_web_serve_ctrl_c_while_workers_start_is_quiet():
    # Ctrl+C right after startup, while the worker processes are still importing trailtech.
    proc, url = _start([])
    out = _stop(proc)
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert "Finished server process" in out
