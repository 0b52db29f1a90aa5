"""The command line, run in process: every command, exit code and error path."""

from __future__ import annotations

import io
import json
import sys

import pytest

import trailtech
from trailtech.cli import main

from tests.season._helpers import gpx_bytes, gz, write

INFO_KEYS = {"file", "format", "sport", "device", "start_time", "duration_s", "samples", "has",
             "device_totals", "warnings", "elevation_source"}
HAS_KEYS = {"position", "elevation", "barometric_elevation", "cadence", "heart_rate", "device_speed"}
TOTAL_KEYS = {"distance_m", "ascent_m", "descent_m", "moving_time_s"}
ANALYZE_KEYS = {"file", "format", "sport", "device", "start_time", "summary", "climbs", "descents",
                "hike_run", "line_practice", "repeats", "warnings"}


@pytest.fixture(scope="module")
def run_gpx(tmp_path_factory):
    return write(tmp_path_factory.mktemp("cli") / "run.gpx", gpx_bytes(400))


def _json(capsys):
    out = capsys.readouterr().out
    return json.loads(out)


def _one_error_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("trailtech: ")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"trailtech {trailtech.__version__}"


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_info_json(run_gpx, capsys):
    assert main(["info", str(run_gpx), "--json"]) == 0
    doc = _json(capsys)
    assert set(doc) == INFO_KEYS
    assert set(doc["has"]) == HAS_KEYS and set(doc["device_totals"]) == TOTAL_KEYS
    assert doc["file"] == str(run_gpx) and doc["format"] == "gpx"
    assert doc["samples"] == 400 and doc["duration_s"] == pytest.approx(399.0)
    assert doc["has"]["position"] is True and doc["has"]["heart_rate"] is False
    assert doc["start_time"] == "2026-06-01T08:00:00Z"


def test_info_text(run_gpx, capsys):
    assert main(["info", str(run_gpx)]) == 0
    out = capsys.readouterr().out
    assert "format" in out and "gpx" in out and "0:06:39" in out and "position" in out


def test_info_gzip_and_stdin(run_gpx, tmp_path, capsys, monkeypatch):
    g = write(tmp_path / "run.gpx.gz", gz(run_gpx.read_bytes()))
    assert main(["info", str(g), "--json"]) == 0
    assert _json(capsys)["samples"] == 400
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(run_gpx.read_bytes())))
    assert main(["info", "-", "--json"]) == 0
    assert _json(capsys)["file"] == "<stdin>"


@pytest.mark.parametrize("content, needle", [
    (b"", "empty"),
    (bytes(range(256)) * 8, "not a FIT, GPX or TCX"),
    (b"\x0e\x10\x00\x00\x40\x00\x00\x00.FIT" + bytes(range(200)), ""),
])
@pytest.mark.parametrize("command", ["info", "analyze"])
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, capsys, content, needle, command):
    f = write(tmp_path / "bad.fit", content)
    assert main([command, str(f)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _one_error_line(captured.err, str(f), needle)


def test_gpx_without_points(tmp_path, capsys):
    f = write(tmp_path / "nothing.gpx", b"<gpx><trk><trkseg></trkseg></trk></gpx>")
    assert main(["info", str(f), "--json"]) == 0  # info says what is there: nothing
    assert _json(capsys)["samples"] == 0
    assert main(["analyze", str(f)]) == 2  # but there is nothing to analyse
    _one_error_line(capsys.readouterr().err, str(f))


def test_missing_file_and_folder(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.fit")]) == 2
    _one_error_line(capsys.readouterr().err, "nope.fit", "no such file")
    assert main(["analyze", str(tmp_path)]) == 2
    _one_error_line(capsys.readouterr().err, "folder")


def test_empty_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["analyze", "-", "--json"]) == 2
    _one_error_line(capsys.readouterr().err, "<stdin>", "empty")


def test_analyze_json(run_gpx, capsys):
    assert main(["analyze", str(run_gpx), "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out
    doc = json.loads(out)
    assert set(doc) == ANALYZE_KEYS
    assert doc["summary"]["distance_m"] == pytest.approx(997.5, rel=0.02)  # 399 s at 2.5 m/s


def test_analyze_text(run_gpx, capsys):
    assert main(["analyze", str(run_gpx)]) == 0
    out = capsys.readouterr().out
    assert "distance" in out and " km" in out and "descent control" in out


def test_analyze_does_not_import_matplotlib(run_gpx, tmp_path):
    import subprocess

    code = ("import sys; from trailtech.cli import main; rc = main(['analyze', sys.argv[1], '--json']); "
            "assert rc == 0; assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    r = subprocess.run([sys.executable, "-W", "ignore", "-c", code, str(run_gpx)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def test_analyze_report_and_flags_gpx(run_gpx, tmp_path, capsys):
    html = tmp_path / "r.html"
    gpx = tmp_path / "flags.gpx"
    assert main(["analyze", str(run_gpx), "--json", "--report", str(html), "--flags-gpx", str(gpx)]) == 0
    json.loads(capsys.readouterr().out)  # stdout stays pure JSON
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    back = trailtech.io.gpx_write  # the flags file is GPX a reader accepts
    assert back is not None
    assert gpx.read_bytes().lstrip().startswith(b"<?xml")
    assert b"<gpx" in gpx.read_bytes()


def test_report_command(run_gpx, tmp_path, capsys):
    html = tmp_path / "r.html"
    assert main(["report", str(run_gpx), "-o", str(html)]) == 0
    assert str(html) in capsys.readouterr().out
    text = html.read_text(encoding="utf-8")
    assert "<script src" not in text and "stylesheet" not in text


def test_report_needs_output(run_gpx, capsys):
    assert main(["report", str(run_gpx)]) == 2
    assert "-o" in capsys.readouterr().err


def test_report_into_missing_folder(run_gpx, tmp_path, capsys):
    assert main(["report", str(run_gpx), "-o", str(tmp_path / "no" / "r.html")]) == 2
    _one_error_line(capsys.readouterr().err, "does not exist")


def test_serve_calls_web_serve(monkeypatch, capsys):
    import types

    calls = []
    fake = types.ModuleType("trailtech.web")
    fake.serve = lambda **kw: calls.append(kw)
    monkeypatch.setitem(sys.modules, "trailtech.web", fake)
    monkeypatch.setattr(trailtech, "web", fake, raising=False)
    assert main(["serve", "--port", "8123", "--open", "--max-upload-mb", "5"]) == 0
    assert calls == [{"host": "127.0.0.1", "port": 8123, "open_browser": True, "max_upload_mb": 5.0}]
    assert main(["serve", "--max-upload-mb", "0"]) == 2
    _one_error_line(capsys.readouterr().err, "max-upload-mb")


def test_python_dash_m(run_gpx):
    import subprocess

    r = subprocess.run([sys.executable, "-m", "trailtech", "info", str(run_gpx), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["samples"] == 400
    r = subprocess.run([sys.executable, "-m", "trailtech", "info", "/nonexistent/x.fit"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_real_files_info(real_dir, capsys):
    for f in sorted(real_dir.rglob("*.gpx"))[:3] + sorted(real_dir.rglob("*.fit"))[:3]:
        rc = main(["info", str(f), "--json"])
        captured = capsys.readouterr()
        if rc == 0:
            assert set(json.loads(captured.out)) == INFO_KEYS
        else:
            assert rc == 2
            _one_error_line(captured.err, str(f))


# --------------------------------------------------------------------------- acceptance review
def test_output_is_a_folder_or_unwritable_is_one_line(run_gpx, tmp_path, capsys, monkeypatch):
    # A folder given where a file is expected: refused before any analysis.
    assert main(["report", str(run_gpx), "-o", str(tmp_path)]) == 2
    _one_error_line(capsys.readouterr().err, str(tmp_path), "folder")
    assert main(["analyze", str(run_gpx), "--flags-gpx", str(tmp_path)]) == 2
    _one_error_line(capsys.readouterr().err, "folder")

    # The disk refuses the write (permissions, read-only, full): one line, exit 2, no traceback.
    import trailtech.report.html as report_html

    def denied(analysis, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(report_html, "write_report", denied)
    out = tmp_path / "r.html"
    assert main(["report", str(run_gpx), "-o", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, str(out), "cannot write", "Permission denied")
    assert main(["analyze", str(run_gpx), "--json", "--report", str(out)]) == 2
    captured = capsys.readouterr()
    json.loads(captured.out)  # the analysis was printed before the write failed
    _one_error_line(captured.err, "Permission denied")


def test_season_out_must_be_a_folder(run_gpx, tmp_path, capsys):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--out", str(not_a_folder)]) == 2
    _one_error_line(capsys.readouterr().err, "notes.txt", "not a folder")


def test_text_never_prints_a_sign_on_a_missing_amount(tmp_path, capsys):
    # Positions and time but no elevation: ascent and descent are unknown.
    from tests.season._helpers import gpx_bytes as _gpx

    flat = tmp_path / "noele.gpx"
    flat.write_bytes(_gpx(400).replace(b"<ele>", b"<!--").replace(b"</ele>", b"-->"))
    assert main(["analyze", str(flat)]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("ascent / descent"))
    assert "+–" not in line and "-–" not in line and "–" in line
    line = next(s for s in out.splitlines() if s.startswith("elevation"))
    assert line.split() == ["elevation", "–"]
    assert main(["season", str(flat), "--no-cache", "--jobs", "1"]) == 0
    assert "+–" not in capsys.readouterr().out


def test_info_text_calls_the_device_timer_a_timer(real_dir, capsys):
    # FIT total_timer_time is time with the timer running, not moving time.
    f = real_dir / "python-fitparse" / "2013-02-06-12-11-14.fit"
    assert main(["info", str(f)]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("device totals"))
    assert "timer 0:4" in line and "moving" not in line
