"""One terrain tile: heights on a regular latitude/longitude grid.

SRTM ``.hgt`` files are headerless big-endian int16 squares (1201 x 1201 at 3 arc-seconds,
3601 x 3601 at 1 arc-second), row 0 on the north edge, named after their south-west corner
(``N44W072.hgt``); NumPy reads them as a memory map, so a tile costs only the pages a track
touches. GeoTIFF tiles (Copernicus GLO-30, national DEMs) are read with ``tifffile``, a small
well-kept reader that needs no GDAL (rasterio would bring GDAL's 100 MB for one TIFF read);
their georeferencing comes from the GeoTIFF ModelTiepoint and ModelPixelScale tags.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import TrackReadError

__all__ = ["Tile", "read_tile", "hgt_name"]

#: SRTM void marker.
_HGT_VOID = -32768
_HGT_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class Tile:
    """Heights on a regular grid of pixel centres (or SRTM's corner-registered posts).

    Attributes
    ----------
    heights_m : numpy.ndarray
        2-D heights [m] (may be a memory map), NaN or :attr:`void` where unknown; row 0 north.
    north_deg, west_deg : float
        Latitude of row 0 and longitude of column 0 [deg].
    step_lat_deg, step_lon_deg : float
        Grid spacing [deg], positive.
    void : float or None
        Value meaning "no data".
    """

    heights_m: np.ndarray
    north_deg: float
    west_deg: float
    step_lat_deg: float
    step_lon_deg: float
    void: float | None = None

    @property
    def south_deg(self) -> float:
        """Latitude of the last row [deg]."""
        return self.north_deg - (self.heights_m.shape[0] - 1) * self.step_lat_deg

    @property
    def east_deg(self) -> float:
        """Longitude of the last column [deg]."""
        return self.west_deg + (self.heights_m.shape[1] - 1) * self.step_lon_deg

    def sample(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Bilinear heights at the positions [m]; NaN outside the tile or next to a void.

        Parameters
        ----------
        lat_deg, lon_deg : numpy.ndarray
            Positions [deg]; NaN gives NaN.

        Returns
        -------
        numpy.ndarray
        """
        lat = np.asarray(lat_deg, dtype=float)
        lon = np.asarray(lon_deg, dtype=float)
        out = np.full(lat.shape, np.nan)
        nrow, ncol = self.heights_m.shape
        r = (self.north_deg - lat) / self.step_lat_deg
        c = (lon - self.west_deg) / self.step_lon_deg
        inside = np.isfinite(r) & np.isfinite(c) & (r >= 0) & (r <= nrow - 1) & (c >= 0) & (c <= ncol - 1)
        if not inside.any():
            return out
        r, c = r[inside], c[inside]
        r0 = np.minimum(np.floor(r).astype(np.intp), nrow - 2)
        c0 = np.minimum(np.floor(c).astype(np.intp), ncol - 2)
        fr, fc = r - r0, c - c0
        # Fancy indexing reads only the touched posts of a memory-mapped tile.
        h = self.heights_m
        corners = [np.asarray(h[r0 + dr, c0 + dc], dtype=float) for dr in (0, 1) for dc in (0, 1)]
        if self.void is not None:
            corners = [np.where(v == self.void, np.nan, v) for v in corners]
        weights = [(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc]
        # A void post counts only where it has weight (a position on a post next to a void
        # reads that post).
        total = sum(np.where(w > 0, v, 0.0) * w for v, w in zip(corners, weights))
        void = np.any([(w > 0) & np.isnan(v) for v, w in zip(corners, weights)], axis=0)
        out[inside] = np.where(void, np.nan, total)
        return out


def hgt_name(lat_deg: float, lon_deg: float) -> str:
    """The SRTM tile name holding a position, e.g. ``"N44W072"``.

    Examples
    --------
    >>> hgt_name(44.2706, -71.3033)
    'N44W072'
    >>> hgt_name(-0.5, 0.5)
    'S01E000'
    """
    la, lo = int(np.floor(lat_deg)), int(np.floor(lon_deg))
    return f"{'N' if la >= 0 else 'S'}{abs(la):02d}{'E' if lo >= 0 else 'W'}{abs(lo):03d}"


def _read_hgt(path: Path) -> Tile:
    m = _HGT_NAME.match(path.name)
    if m is None:
        raise TrackReadError(str(path), "an SRTM tile is named like N44W072.hgt")
    lat_sw = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon_sw = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    size = os.path.getsize(path)
    side = int(round(np.sqrt(size / 2)))
    if side * side * 2 != size or side < 2:
        raise TrackReadError(str(path), f"{size} bytes is not a square SRTM tile (1201x1201 or 3601x3601 int16)")
    heights = np.memmap(path, dtype=">i2", mode="r", shape=(side, side))
    step = 1.0 / (side - 1)
    return Tile(heights, north_deg=lat_sw + 1.0, west_deg=float(lon_sw), step_lat_deg=step,
                step_lon_deg=step, void=_HGT_VOID)


def _read_geotiff(path: Path) -> Tile:
    try:
        import tifffile
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise TrackReadError(str(path), "reading GeoTIFF tiles needs tifffile (pip install 'trailtech[dem]')") from exc
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        tags = page.tags
        scale = tags.get("ModelPixelScaleTag")
        tie = tags.get("ModelTiepointTag")
        if scale is None or tie is None:
            raise TrackReadError(str(path), "a GeoTIFF tile needs ModelPixelScale and ModelTiepoint tags")
        sx, sy = float(scale.value[0]), float(scale.value[1])
        i, j, _, x, y, _ = (float(v) for v in tie.value[:6])
        heights = page.asarray().astype(float)
        nodata = tags.get("GDAL_NODATA")
        void = float(str(nodata.value).strip("\x00 ")) if nodata is not None else None
        # PixelIsArea (the default raster type) puts the tiepoint on a pixel's corner: the
        # first pixel centre is half a pixel in.
        geokeys = tif.geotiff_metadata or {}
        area = str(geokeys.get("GTRasterTypeGeoKey", "RasterPixelIsArea")).endswith("Area")
        half = 0.5 if area else 0.0
    if heights.ndim != 2:
        heights = heights[..., 0]
    # Column 0's centre (row 0's) lies i (j) pixels west (north) of the tiepoint, plus half.
    return Tile(heights, north_deg=y + (j - half) * sy, west_deg=x - (i - half) * sx,
                step_lat_deg=sy, step_lon_deg=sx, void=void)


def read_tile(path: Union[str, os.PathLike]) -> Tile:
    """Open one tile: ``.hgt`` (SRTM) or ``.tif``/``.tiff`` (GeoTIFF).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Tile

    Raises
    ------
    TrackReadError
        Not a tile this reader understands.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".hgt":
        return _read_hgt(p)
    if suffix in (".tif", ".tiff"):
        return _read_geotiff(p)
    raise TrackReadError(str(p), "terrain tiles are .hgt (SRTM) or .tif (GeoTIFF)")
