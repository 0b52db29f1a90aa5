"""The report's offline map: shaded relief from terrain tiles under the route, and the plain
route without tiles."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from trailtech.processing.geodesy import EARTH_RADIUS_M, project_local
from trailtech.report.hillshade import MIN_COVERAGE, hillshade, route_hillshade
from trailtech.report.html import render_report, terrain_for

REAL_TILE = Path("/work/shared/dem/N44W072.hgt")
for _up in Path(__file__).resolve().parents:
    if (_up / "shared" / "dem" / "N44W072.hgt").is_file():
        REAL_TILE = _up / "shared" / "dem" / "N44W072.hgt"
        break


def _expected(dz_dx: float, dz_dy: float, azimuth_deg: float = 315.0, altitude_deg: float = 45.0) -> float:
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    light = np.array([np.cos(alt) * np.sin(az), np.cos(alt) * np.cos(az), np.sin(alt)])
    normal = np.array([-dz_dx, -dz_dy, 1.0]) / np.sqrt(1 + dz_dx ** 2 + dz_dy ** 2)
    return max(float(light @ normal), 0.0)


def test_hillshade_lights_slopes_from_the_north_west():
    y, x = np.mgrid[0:5, 0:5] * 30.0  # row 0 south, column 0 west, 30 m posts
    flat = hillshade(np.zeros((5, 5)), dx_m=30.0, dy_m=30.0)
    assert np.allclose(flat, np.sin(np.radians(45.0)))
    facing_west = hillshade(0.5 * x, dx_m=30.0, dy_m=30.0)     # rises to the east
    facing_east = hillshade(-0.5 * x, dx_m=30.0, dy_m=30.0)
    facing_south = hillshade(0.5 * y, dx_m=30.0, dy_m=30.0)    # rises to the north
    assert np.allclose(facing_west, _expected(0.5, 0.0))
    assert np.allclose(facing_east, _expected(-0.5, 0.0))
    assert np.allclose(facing_south, _expected(0.0, 0.5))
    assert facing_west.mean() > flat.mean() > facing_east.mean()
    assert facing_south.mean() < flat.mean()   # turned away from the northern light
    steep_away = hillshade(-5.0 * x, dx_m=30.0, dy_m=30.0)
    assert np.all(steep_away == 0.0)           # in full shadow, never negative


def test_hillshade_leaves_unknown_terrain_unknown():
    z = np.zeros((6, 6))
    z[2, 3] = np.nan
    shade = hillshade(z, dx_m=10.0, dy_m=10.0)
    assert np.isnan(shade[2, 3]) and np.isnan(shade[1, 3]) and np.isnan(shade[2, 2])
    assert np.isfinite(shade[5, 0])
    with pytest.raises(ValueError, match="2-D"):
        hillshade(np.zeros(5), dx_m=10.0, dy_m=10.0)


def _loop(lat0: float = 46.0, lon0: float = 7.0, radius_m: float = 1500.0, n: int = 400):
    t = np.linspace(0, 2 * np.pi, n)
    north, east = radius_m * np.sin(t), 1.6 * radius_m * np.cos(t)
    lat = lat0 + np.degrees(north / EARTH_RADIUS_M)
    lon = lon0 + np.degrees(east / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
    x, y, _, _ = project_local(lat, lon)
    return lat, lon, x, y


def test_route_hillshade_reads_the_terrain_around_the_route():
    lat, lon, x, y = _loop()
    asked = []

    def plane(la, lo):  # terrain rising 20 % to the north and 10 % to the west
        asked.append((np.asarray(la).copy(), np.asarray(lo).copy()))
        north_m = np.radians(la - 46.0) * EARTH_RADIUS_M
        east_m = np.radians(lo - 7.0) * EARTH_RADIUS_M * np.cos(np.radians(46.0))
        return 1000.0 + 0.2 * north_m - 0.1 * east_m

    shade = route_hillshade(lat, lon, x, y, plane)
    assert shade is not None and shade.coverage == 1.0
    # The grid covers the route (with room for the map to widen at equal aspect) ...
    assert shade.x_m[0] < x.min() and shade.x_m[1] > x.max()
    assert shade.y_m[0] < y.min() and shade.y_m[1] > y.max()
    assert shade.x_m[1] - shade.x_m[0] >= 1.3 * np.ptp(x)
    # ... and is the right way round: row 0 south, column 0 west, the plane's one brightness.
    assert np.allclose(shade.shade, _expected(-0.1, 0.2), atol=1e-3)
    la, lo = asked[0]
    assert la.min() < lat.min() and la.max() > lat.max() and lo.min() < lon.min() and lo.max() > lon.max()


def test_route_hillshade_needs_terrain_and_positions():
    lat, lon, x, y = _loop()
    assert route_hillshade(lat, lon, x, y, lambda la, lo: np.full(np.shape(la), np.nan)) is None

    def half_covered(la, lo):  # a tile edge through the middle, just under the minimum
        return np.where(la > np.quantile(la, MIN_COVERAGE + 0.05), 500.0, np.nan)

    assert route_hillshade(lat, lon, x, y, half_covered) is None
    nan = np.full(5, np.nan)
    assert route_hillshade(nan, nan, nan, nan, lambda la, lo: np.zeros(np.shape(la))) is None


@pytest.fixture(scope="module")
def sim_tiles(tmp_path_factory):
    """SRTM3 tiles of the simulated trail run's terrain (the sim_run fixture's course)."""
    from trailtech.simulate import simulate_trail_run
    from trailtech.simulate.dem import write_terrain_tiles

    folder = tmp_path_factory.mktemp("dem")
    write_terrain_tiles(simulate_trail_run(0).course, folder, arcsec=3)
    return folder


def _with_dem(analysis, folder):
    return dataclasses.replace(analysis, config=dataclasses.replace(analysis.config, dem_dir=str(folder)))


def test_report_offline_map_is_hillshade_with_tiles_and_plain_route_without(sim_run, sim_tiles):
    shaded = render_report(_with_dem(sim_run, sim_tiles), offline=True)
    assert 'id="f1-route-map-terrain"' in shaded
    assert "Shaded relief from the terrain tiles" in shaded
    assert "lies on shaded relief from your terrain tiles" in shaded
    assert "tile.openstreetmap.org" not in shaded   # offline still means no address at all
    plain = render_report(sim_run, offline=True)
    assert "route-map-terrain" not in plain and "Shaded relief" not in plain
    assert "drawn from the file alone" in plain
    # Online, the relief is there too (it is the map until the reader asks for tiles).
    assert 'id="f1-route-map-terrain"' in render_report(_with_dem(sim_run, sim_tiles))


def test_report_terrain_follows_the_environment_and_the_tiles_coverage(sim_run, sim_tiles, monkeypatch,
                                                                       tmp_path):
    monkeypatch.setenv("TRAILTECH_DEM", str(sim_tiles))
    shade = terrain_for(sim_run)
    assert shade is not None and shade.coverage == 1.0
    assert 0.2 < np.nanmean(shade.shade) < 0.9 and np.nanstd(shade.shade) > 0.01
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "N10E010.hgt").write_bytes(np.zeros((1201, 1201), ">i2").tobytes())
    monkeypatch.setenv("TRAILTECH_DEM", str(elsewhere))
    assert terrain_for(sim_run) is None   # tiles that miss the route: the plain route
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "N45E006.hgt").write_bytes(b"\0" * 1001)
    monkeypatch.setenv("TRAILTECH_DEM", str(broken))
    assert terrain_for(sim_run) is None   # an unreadable tile: the plain route, no traceback


@pytest.mark.skipif(not REAL_TILE.is_file(), reason="shared terrain tile (shared/dem) not present")
def test_report_hillshade_of_a_real_srtm_tile(sim_run):
    """The simulated run moved onto Mount Washington: real relief under it."""
    tl = sim_run.timeline
    moved = tl.assign(lat_deg=tl["lat_deg"] - tl["lat_deg"].mean() + 44.27,
                      lon_deg=tl["lon_deg"] - tl["lon_deg"].mean() - 71.30)
    shade = terrain_for(_with_dem(dataclasses.replace(sim_run, timeline=moved), REAL_TILE.parent))
    assert shade is not None and shade.coverage == 1.0
    # Mountains: slopes in light and in shadow, not the even grey of a plain.
    assert np.nanpercentile(shade.shade, 95) - np.nanpercentile(shade.shade, 5) > 0.3


def test_cli_report_dem_offline_draws_the_hillshade(sim_tiles, tmp_path, capsys):
    """``trailtech report FILE --dem DIR --offline``: what the README shows."""
    from trailtech.cli import main
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_trail_run

    gpx = tmp_path / "run.gpx"
    gpx.write_bytes(to_gpx(simulate_trail_run(0).track))
    out = tmp_path / "run.html"
    assert main(["report", str(gpx), "--dem", str(sim_tiles), "--offline", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'id="f1-route-map-terrain"' in text and "tile.openstreetmap.org" not in text
    assert main(["report", str(gpx), "--offline", "-o", str(out)]) == 0
    assert "route-map-terrain" not in out.read_text(encoding="utf-8")
