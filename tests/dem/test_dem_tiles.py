"""Terrain tiles: the SRTM .hgt and GeoTIFF readers, bilinear sampling, the tile folder."""

from pathlib import Path

import numpy as np
import pytest

from trailtech.dem import TileFolder, dem_folder, read_tile
from trailtech.dem.tiles import hgt_name
from trailtech.errors import TrackReadError

SHARED_DEM = Path(__file__).resolve().parents[2].parent / "shared" / "dem"
REAL_TILE = SHARED_DEM / "N44W072.hgt"
if not REAL_TILE.exists():
    REAL_TILE = Path("/work/shared/dem/N44W072.hgt")


def _write_hgt(folder: Path, name: str, heights: np.ndarray) -> Path:
    path = folder / f"{name}.hgt"
    heights.astype(">i2").tofile(path)
    return path


@pytest.mark.skipif(not REAL_TILE.exists(), reason="shared terrain tile (../shared/dem) not present")
def test_real_srtm3_tile_reads_mount_washington():
    tile = read_tile(REAL_TILE)
    assert tile.heights_m.shape == (1201, 1201)
    summit = float(tile.sample(np.array([44.2706]), np.array([-71.3033]))[0])
    assert 1880 < summit < 1930  # SRTM3 reads ~1,908 m; surveyed 1,917 m
    folder = TileFolder(REAL_TILE.parent)
    h = folder.sample([44.2706, 43.5, np.nan], [-71.3033, -71.3, -71.3])
    assert h[0] == pytest.approx(summit)
    assert np.isnan(h[1]) and np.isnan(h[2])  # outside every tile; no position


def test_hgt_bilinear_between_posts(tmp_path):
    # A 1 arc-second-style tile that is a plane: bilinear sampling must reproduce it exactly.
    side = 11
    rows, cols = np.mgrid[0:side, 0:side]
    heights = 100 + 10 * cols - 5 * rows  # rises east, falls south
    _write_hgt(tmp_path, "S01E010", heights)
    tile = read_tile(tmp_path / "S01E010.hgt")
    assert tile.north_deg == 0.0 and tile.west_deg == 10.0 and tile.step_lat_deg == pytest.approx(0.1)
    lat, lon = np.array([-0.05, -0.95, -0.5]), np.array([10.05, 10.95, 10.5])
    expected = 100 + 10 * (lon - 10) / 0.1 - 5 * (0 - lat) / 0.1
    assert np.allclose(tile.sample(lat, lon), expected)


def test_hgt_void_gives_nan(tmp_path):
    heights = np.full((3, 3), 50)
    heights[1, 1] = -32768
    _write_hgt(tmp_path, "N10E020", heights)
    tile = read_tile(tmp_path / "N10E020.hgt")
    assert np.isnan(tile.sample(np.array([10.5]), np.array([20.5]))[0])
    assert tile.sample(np.array([11.0]), np.array([20.0]))[0] == 50


def test_bad_tiles_are_refused(tmp_path):
    (tmp_path / "N10E020.hgt").write_bytes(b"\x00" * 10)
    with pytest.raises(TrackReadError, match="square"):
        read_tile(tmp_path / "N10E020.hgt")
    (tmp_path / "terrain.hgt").write_bytes(b"\x00" * 18)
    with pytest.raises(TrackReadError, match="named"):
        read_tile(tmp_path / "terrain.hgt")
    with pytest.raises(TrackReadError, match="hgt"):
        read_tile(tmp_path / "terrain.png")


def test_geotiff_tile_matches_its_georeferencing(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    heights = (np.arange(20 * 30, dtype=np.float32).reshape(20, 30))
    # 0.01 deg pixels, tiepoint at the north-west corner (7.0 E, 46.2 N), PixelIsArea.
    extratags = [(33550, "d", 3, (0.01, 0.01, 0.0)), (33922, "d", 6, (0.0, 0.0, 0.0, 7.0, 46.2, 0.0))]
    tifffile.imwrite(tmp_path / "alps.tif", heights, extratags=extratags)
    tile = read_tile(tmp_path / "alps.tif")
    # Pixel (row 3, col 4) has its centre at 46.2 - 3.5 * 0.01 N, 7.0 + 4.5 * 0.01 E.
    h = tile.sample(np.array([46.2 - 0.035]), np.array([7.0 + 0.045]))
    assert h[0] == pytest.approx(heights[3, 4])
    assert TileFolder(tmp_path).sample([46.2 - 0.035], [7.045])[0] == pytest.approx(heights[3, 4])


def test_hgt_name_and_folder_from_environment(tmp_path, monkeypatch):
    assert hgt_name(44.27, -71.30) == "N44W072"
    assert hgt_name(-33.9, 18.4) == "S34E018"
    _write_hgt(tmp_path, "S34E018", np.full((3, 3), 300))
    monkeypatch.setenv("TRAILTECH_DEM", str(tmp_path))
    folder = dem_folder()
    assert folder and folder.sample([-33.5], [18.5])[0] == 300
    monkeypatch.delenv("TRAILTECH_DEM")
    assert dem_folder() is None
