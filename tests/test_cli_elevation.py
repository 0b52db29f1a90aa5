"""`--elevation-source`, `--dem` and the elevation source shown by `info` and `analyze`."""

from __future__ import annotations

import json
import os
import sys
import types

import numpy as np
import pytest

import trailtech
from trailtech.cli import main

from tests.season._helpers import gpx_bytes, write


@pytest.fixture(scope="module")
def run_gpx(tmp_path_factory):
    # A steady -12 % descent at 45.0 N, 6.0 E (tile N45E006), from 1500 m.
    return write(tmp_path_factory.mktemp("cli-ele") / "run.gpx", gpx_bytes(400))


@pytest.fixture()
def tiles(tmp_path):
    np.full((3, 3), 800).astype(">i2").tofile(tmp_path / "N44E005.hgt")
    np.full((3, 3), 900).astype(">i2").tofile(tmp_path / "N45E006.hgt")
    return tmp_path


def _summary(capsys):
    return json.loads(capsys.readouterr().out)["summary"]


def test_info_shows_the_elevation_source(run_gpx, capsys):
    assert main(["info", str(run_gpx), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["elevation_source"] in ("barometric", "gps")
    assert main(["info", str(run_gpx)]) == 0
    assert "elevation (" in capsys.readouterr().out  # elevation (GPS) or (barometric)


def test_elevation_source_override(run_gpx, capsys):
    assert main(["analyze", str(run_gpx), "--json", "--elevation-source", "gps"]) == 0
    assert _summary(capsys)["elevation_source"] == "gps"
    assert main(["analyze", str(run_gpx), "--json", "--elevation-source", "barometric"]) == 0
    doc = _summary(capsys)
    assert doc["elevation_source"] == "barometric"
    assert main(["analyze", str(run_gpx), "--elevation-source", "lidar"]) == 2


def test_dem_folder_and_environment(run_gpx, tiles, capsys, monkeypatch):
    # The track lies at the edge of N45E006 on a flat 900 m tile.
    assert main(["analyze", str(run_gpx), "--json", "--dem", str(tiles), "--elevation-source", "dem"]) == 0
    s = _summary(capsys)
    assert s["elevation_source"] == "dem" and s["max_elevation_m"] == pytest.approx(900, abs=1)
    monkeypatch.setenv("TRAILTECH_DEM", str(tiles))
    assert main(["analyze", str(run_gpx), "--json", "--elevation-source", "dem"]) == 0
    assert _summary(capsys)["elevation_source"] == "dem"
    assert main(["analyze", str(run_gpx), "--dem", str(tiles / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_dem_asked_without_tiles_is_said(run_gpx, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TRAILTECH_DEM", raising=False)
    assert main(["analyze", str(run_gpx), "--json", "--elevation-source", "dem", "--dem", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["elevation_source"] in ("barometric", "gps")
    assert any("holds no tiles" in w for w in doc["warnings"] + doc.get("notes", []))


def test_report_and_season_take_the_options(run_gpx, tiles, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", str(run_gpx), "-o", str(out), "--dem", str(tiles), "--elevation-source", "dem"]) == 0
    assert out.exists()
    assert main(["season", str(run_gpx), "--json", "--no-cache", "--jobs", "1", "--dem", str(tiles),
                 "--elevation-source", "gps"]) == 0


def test_serve_passes_the_tiles_on(tiles, monkeypatch):
    calls = []
    fake = types.ModuleType("trailtech.web")
    fake.serve = lambda **kw: calls.append(os.environ.get("TRAILTECH_DEM"))
    monkeypatch.setitem(sys.modules, "trailtech.web", fake)
    monkeypatch.setattr(trailtech, "web", fake, raising=False)
    monkeypatch.setenv("TRAILTECH_DEM", "")  # restored (unset) after the test: serve sets it
    assert main(["serve", "--dem", str(tiles)]) == 0
    assert calls == [str(tiles.resolve())]


@pytest.mark.slow
def test_real_gps_only_watch_is_gps_at_every_rate(real_dir):
    from scripts.elevation_accuracy import thin
    from trailtech.io import load
    from trailtech.prepare import prepare

    track = load(real_dir / "runalyze" / "support-001885-rs-pronation.fit")  # Forerunner 630
    ascents = []
    for rate in ("1 s", "5 s", "smart"):
        s = prepare(thin(track, rate)).summary
        assert s.elevation_source == "gps"
        ascents.append(s.ascent_m)
    assert max(ascents) / min(ascents) < 1.08
