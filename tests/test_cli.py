"""The command line, run in process: every command, exit code and error path."""

from __future__ import annotations

import io
import json
import os
import sys

import pytest

import trailtech
from trailtech.cli import main

from tests.season._helpers import gpx_bytes, gz, write

INFO_KEYS = {"file", "format", "sport", "device", "start_time", "start_time_local", "utc_offset_source",
             "duration_s", "samples", "has", "device_totals", "warnings", "elevation_source"}
HAS_KEYS = {"position", "elevation", "barometric_elevation", "cadence", "heart_rate", "device_speed"}
TOTAL_KEYS = {"distance_m", "ascent_m", "descent_m", "moving_time_s"}
ANALYZE_KEYS = {"file", "format", "sport", "device", "start_time", "start_time_local", "utc_offset_source",
                "summary", "climbs", "descents", "hike_run", "line_practice", "repeats", "warnings",
                "notes", "trailtech_version", "settings"}


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


def test_analyze_does_not_import_matplotlib_or_scipy(run_gpx, tmp_path):
    # Every analysis runs the filters and neighbour searches: a scipy import there would be paid
    # by every command (scipy.signal ~0.7 s, scipy.spatial ~0.3 s of CPU; see the CHANGELOG).
    import subprocess

    code = ("import sys; from trailtech.cli import main; rc = main(['analyze', sys.argv[1], '--json']); "
            "assert rc == 0; assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'scipy'], 'scipy imported'")
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
    import trailtech._outfile as outfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(outfile.tempfile, "mkstemp", denied)
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


def test_season_report_inside_a_new_out_folder_is_written(run_gpx, tmp_path, capsys):
    out = tmp_path / "season-2026"  # does not exist yet: --out creates it
    report = out / "season.html"
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--out", str(out),
                 "--report", str(report), "--no-activity-reports"]) == 0
    assert report.is_file() and (out / "activities.csv").is_file()
    # Elsewhere, a missing folder is still refused before any work.
    elsewhere = tmp_path / "nowhere" / "season.html"
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--report", str(elsewhere)]) == 2
    _one_error_line(capsys.readouterr().err, "does not exist")


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


# --------------------------------------------------------------------------- issue 18
def test_analyze_json_carries_version_settings_and_notes(run_gpx, capsys):
    assert main(["analyze", str(run_gpx), "--json"]) == 0
    doc = _json(capsys)
    assert doc["trailtech_version"] == trailtech.__version__
    assert doc["settings"]["changed"] == {}
    assert doc["settings"]["hash"].startswith("sha256:")
    assert isinstance(doc["notes"], list) and isinstance(doc["warnings"], list)


def test_settings_hash_follows_the_config(run_gpx):
    from trailtech.config import AnalysisConfig
    from trailtech.result import settings_dict

    base, changed = settings_dict(AnalysisConfig()), settings_dict(AnalysisConfig(gate_radius_m=30.0))
    assert changed["changed"] == {"gate_radius_m": 30.0}
    assert changed["hash"] != base["hash"]
    assert settings_dict(AnalysisConfig(gate_radius_m=30.0)) == changed


def test_messages_split_into_notes_and_warnings():
    from trailtech.result import split_messages

    msgs = ("Running cadence is strides/min in FIT: doubled to steps/min.",
            "Session 2: Running cadence is strides/min in FIT: doubled to steps/min.",
            "2 recording gap(s) longer than 60 s; no values were invented there.",
            "Removed 3 GPS position spike(s)/teleport(s) implying more than 15 m/s and interpolated over them.",
            "Device distance not used (device distance covers only 40% of samples); distance is from GPS positions.",
            "2 recording gap(s) longer than 60 s; no values were invented there.")
    notes, warnings = split_messages(msgs)
    assert notes == (msgs[0], msgs[1], msgs[4])
    assert warnings == (msgs[2], msgs[3])
    tiles = ("Elevation from terrain tiles (100 % of the track covered) instead of gps altitude.",
             "Barometric elevation kept; its offset corrected by +12 m onto the terrain tiles.",
             "Terrain tiles in /dem cover only 20 % of the track: kept gps elevation.",
             "No terrain tile covers 3 % of the positions: those keep gps altitude shifted by +4 m.")
    assert split_messages(tiles) == (tiles, ())


def test_analyze_text_has_pass_times_and_no_blank_lines_between_messages(capsys, monkeypatch):
    import trailtech.cli as cli

    doc = {"file": "x.fit", "sport": "running", "device": None, "start_time": None,
           "summary": {k: None for k in ("distance_m", "duration_s", "moving_time_s", "ascent_m",
                                         "descent_m", "min_elevation_m", "max_elevation_m",
                                         "avg_speed_mps", "gap_speed_mps", "flat_cadence_spm",
                                         "hike_time_s", "run_time_s", "technical_distance_m",
                                         "descent_control_score")},
           "hike_run": {"method": "cadence", "crossover_grade_pct": None,
                        "hiked_could_run": [{"start_m": 1000.0, "end_m": 1200.0, "avg_grade_pct": 9.0}]},
           "climbs": [], "descents": [], "line_practice": [],
           "repeats": [{"start_m": 380.0, "length_m": 1730.0, "direction": "up", "trend": None,
                        "passes": [{"duration_s": 910.0}, {"duration_s": 913.4}]}],
           "notes": ["cadence doubled"], "warnings": ["1 recording gap(s) longer than 60 s"]}
    text = cli._analyze_text(doc)
    assert "15:10 / 15:13" in text
    tail = text.split("\n\n")[-1].splitlines()
    assert tail == ["note: hiked, running was clearly faster: km 1.00–1.20 at 9.0 %",
                    "note: cadence doubled", "warning: 1 recording gap(s) longer than 60 s"]


def test_config_describe_is_a_table():
    from trailtech.config import AnalysisConfig

    table = AnalysisConfig(gate_radius_m=30.0).describe()
    assert {"value", "default", "changed", "min", "max", "source"} <= set(table.columns)
    assert table.loc["gate_radius_m", "value"] == 30.0 and table.loc["gate_radius_m", "changed"]
    assert int(table["changed"].sum()) == 1


# --------------------------------------------------------------------------- hostile paths and I/O
# (issue 19, findings 10, 13 and 14: one line and exit 2 for every argument and I/O failure)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")


@pytest.mark.parametrize("command", [
    lambda f, out: ["report", f, "-o", out],
    lambda f, out: ["analyze", f, "--report", out],
    lambda f, out: ["analyze", f, "--flags-gpx", out],
    lambda f, out: ["season", f, "--no-cache", "--jobs", "1", "--report", out],
])
def test_outputs_never_write_through_a_symlink(run_gpx, tmp_path, capsys, command):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.html"
    link.symlink_to(victim)
    assert main(command(str(run_gpx), str(link))) == 2
    _one_error_line(capsys.readouterr().err, str(link), "symbolic link")
    assert victim.read_text() == "precious" and link.is_symlink()


def test_outputs_are_written_through_a_fresh_temporary_file(run_gpx, tmp_path, monkeypatch):
    # The old season report wrote to the predictable "<out>.tmp": a symlink planted there had
    # its target overwritten. Now that name means nothing, and nothing is left behind.
    from trailtech.season.core import Season

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "season.html.tmp").symlink_to(victim)
    season = trailtech.analyze_season([run_gpx], jobs=1, cache=False)
    assert isinstance(season, Season)
    season.report(tmp_path / "season.html")
    assert victim.read_text() == "precious"
    assert (tmp_path / "season.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["season.html", "season.html.tmp", "victim.txt"]


@posix_only
def test_a_device_is_never_replaced(run_gpx, tmp_path, capsys):
    # As root, `season --report /dev/full` renamed a regular file over the device node. The test
    # makes its own node (a copy of /dev/full: major 1, minor 7), never touching /dev.
    import stat as st

    full = tmp_path / "full"
    try:
        os.mknod(full, st.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    assert main(["report", str(run_gpx), "-o", str(full)]) == 2
    _one_error_line(capsys.readouterr().err, str(full), "not a regular file")
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--report", str(full)]) == 2
    _one_error_line(capsys.readouterr().err, str(full), "not a regular file")
    assert st.S_ISCHR(os.lstat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_season_out_never_writes_through_a_symlink(run_gpx, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.csv"
    victim.write_text("precious")
    (out / "activities.csv").symlink_to(victim)
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, "activities.csv", "symbolic link")
    assert victim.read_text() == "precious"
    (out / "activities.csv").unlink()
    (out / "activities").rmdir()
    (out / "activities").symlink_to(tmp_path)  # the JSON would land elsewhere
    assert main(["season", str(run_gpx), "--no-cache", "--jobs", "1", "--out", str(out)]) == 2
    _one_error_line(capsys.readouterr().err, "activities", "not a folder")


def test_names_that_are_not_utf8(tmp_path, capsys):
    if sys.getfilesystemencoding().lower() != "utf-8":
        pytest.skip("needs a file system taking any bytes as names")
    folder = tmp_path / "runs"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"L\xe4uf.gpx"), "wb") as fh:
        fh.write(gpx_bytes(300))
    report, out = tmp_path / "season.html", tmp_path / "out"
    for extra in ([], ["--json"]):
        assert main(["season", str(folder), "--no-cache", "--jobs", "1", "--report", str(report),
                     "--out", str(out), *extra]) == 0
        captured = capsys.readouterr()
        assert captured.err == ""
        if extra:
            assert json.loads(captured.out)["activities"][0]["file"] == str(folder / "L\\xe4uf.gpx")
        else:
            assert "L\\xe4uf.gpx" in captured.out
    assert "L\\xe4uf.gpx" in report.read_text(encoding="utf-8")
    assert "L\\xe4uf.gpx" in (out / "activities.csv").read_text(encoding="utf-8")
    assert [p.name for p in (out / "activities").iterdir()] == ["L_xe4uf.json"]


def test_a_name_given_on_the_command_line_that_is_not_utf8(run_gpx, tmp_path, capsys):
    if sys.getfilesystemencoding().lower() != "utf-8":
        pytest.skip("needs a file system taking any bytes as names")
    src = os.path.join(os.fsencode(tmp_path), b"R\xe4n.gpx")
    with open(src, "wb") as fh:
        fh.write(run_gpx.read_bytes())
    name = os.fsdecode(src)
    assert main(["analyze", name, "--report", str(tmp_path / "r.html")]) == 0
    assert "R\\udce4n.gpx" in capsys.readouterr().out
    assert "R\\udce4n.gpx" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("argv_of", [
    lambda long: ["info", long],
    lambda long: ["analyze", long],
    lambda long: ["report", long, "-o", "r.html"],
    lambda long: ["season", long, "--no-cache"],
])
def test_a_path_component_over_255_bytes_is_one_line(tmp_path, capsys, argv_of):
    long = str(tmp_path / ("x" * 300 + ".fit"))
    assert main(argv_of(long)) == 2
    _one_error_line(capsys.readouterr().err, "name too long")


@pytest.mark.parametrize("flag", ["-o", "--report"])
def test_an_output_name_over_255_bytes_is_one_line(run_gpx, tmp_path, capsys, flag):
    out = str(tmp_path / ("y" * 300 + ".html"))
    argv = ["report", str(run_gpx), "-o", out] if flag == "-o" else ["analyze", str(run_gpx), "--report", out]
    assert main(argv) == 2
    _one_error_line(capsys.readouterr().err, "cannot write", "name too long")


@pytest.mark.parametrize("argv, needle", [
    (["serve", "--port", "99999"], "--port"),
    (["serve", "--port", "http"], "--port"),
    (["serve", "--port", "-1"], "--port"),
    (["serve", "--max-upload-mb", "nan"], "--max-upload-mb"),
    (["serve", "--max-upload-mb", "inf"], "--max-upload-mb"),
    (["serve", "--max-upload-mb", "-1"], "--max-upload-mb"),
    (["season", ".", "--jobs", "0"], "--jobs"),
    (["season", ".", "--jobs", "two"], "--jobs"),
    (["report", "x.fit"], "-o"),
    (["nonsense"], "nonsense"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    _one_error_line(capsys.readouterr().err, needle)


def _cli(*args, stdin=None, stdout=None):
    import subprocess

    return subprocess.run([sys.executable, "-m", "trailtech", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=300)


@posix_only
@pytest.mark.parametrize("command", ["info", "analyze"])
def test_stdout_to_a_full_device_is_one_line(run_gpx, command):
    with open("/dev/full", "wb") as full:
        r = _cli(command, str(run_gpx), "--json", stdout=full)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    _one_error_line(err, "standard output", "No space left on device")


@posix_only
@pytest.mark.parametrize("how", ["<&-", "close"])
def test_a_closed_stdin_is_one_line(how):
    import shlex
    import subprocess

    if how == "<&-":  # closed by the shell: Python starts with no sys.stdin at all
        cmd = ["sh", "-c", f"exec {shlex.quote(sys.executable)} -m trailtech info - <&-"]
    else:  # closed while running
        cmd = [sys.executable, "-c", "import os, sys; os.close(0); from trailtech.cli import main; "
               "sys.exit(main(['info', '-']))"]
    r = subprocess.run(cmd, capture_output=True, timeout=300)
    assert r.returncode == 2, r.stderr
    _one_error_line(r.stderr.decode(), "standard input is closed")


def test_report_offline_has_no_map_view(run_gpx, tmp_path, capsys):
    online, offline = tmp_path / "on.html", tmp_path / "off.html"
    assert main(["report", str(run_gpx), "-o", str(online)]) == 0
    assert main(["report", str(run_gpx), "-o", str(offline), "--offline"]) == 0
    assert 'id="tt-osm-show"' in online.read_text(encoding="utf-8")
    text = offline.read_text(encoding="utf-8")
    assert 'id="tt-osm-show"' not in text and "tile.openstreetmap.org" not in text
