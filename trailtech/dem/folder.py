"""A folder of terrain tiles, sampled along a track: :class:`TileFolder`.

The folder is scanned once for ``*.hgt`` (also inside ``*.hgt.zip`` is not supported: unzip
them) and ``*.tif``/``*.tiff``; SRTM tiles are found by name, GeoTIFF tiles by their
bounds (read from their tags when first needed). A folder comes from ``--dem DIR`` or the
``TRAILTECH_DEM`` environment variable (:func:`dem_folder`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .tiles import Tile, hgt_name, read_tile

__all__ = ["TileFolder", "dem_folder", "DEM_ENV"]

#: Environment variable naming the tile folder when no ``--dem`` is given.
DEM_ENV = "TRAILTECH_DEM"


class TileFolder:
    """The tiles of one folder.

    Parameters
    ----------
    folder : str or os.PathLike
        Folder holding ``.hgt`` and/or GeoTIFF tiles (not searched recursively).
    """

    def __init__(self, folder: Union[str, os.PathLike]):
        self.folder = Path(folder)
        self._hgt: dict[str, Path] = {}
        self._tif: list[Path] = []
        if self.folder.is_dir():
            for p in sorted(self.folder.iterdir()):
                suffix = p.suffix.lower()
                if suffix == ".hgt":
                    self._hgt[p.stem.upper()[:7]] = p
                elif suffix in (".tif", ".tiff"):
                    self._tif.append(p)
        self._open: dict[Path, Tile] = {}

    def __bool__(self) -> bool:
        return bool(self._hgt or self._tif)

    def _tile(self, path: Path) -> Tile:
        if path not in self._open:
            self._open[path] = read_tile(path)
        return self._open[path]

    def sample(self, lat_deg, lon_deg) -> np.ndarray:
        """Bilinear terrain height at each position [m]; NaN where no tile covers it.

        Parameters
        ----------
        lat_deg, lon_deg : array_like
            Positions [deg]; NaN gives NaN.

        Returns
        -------
        numpy.ndarray
        """
        lat = np.asarray(lat_deg, dtype=float)
        lon = np.asarray(lon_deg, dtype=float)
        out = np.full(lat.shape, np.nan)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if not ok.any():
            return out
        if self._hgt:
            cells = np.floor(lat[ok]).astype(np.int64) * 1000 + np.floor(lon[ok]).astype(np.int64)
            idx = np.flatnonzero(ok)
            for cell in np.unique(cells):
                la, lo = divmod(int(cell), 1000)
                if lo >= 500:  # divmod of negative longitudes: -71 -> (.., 929)
                    la, lo = la + 1, lo - 1000
                path = self._hgt.get(hgt_name(la, lo))
                if path is not None:
                    rows = idx[cells == cell]
                    out[rows] = self._tile(path).sample(lat[rows], lon[rows])
        for path in self._tif:
            todo = ok & ~np.isfinite(out)
            if not todo.any():
                break
            out[todo] = np.where(np.isfinite(out[todo]), out[todo], self._tile(path).sample(lat[todo], lon[todo]))
        return out


@lru_cache(maxsize=8)
def _cached(folder: str) -> TileFolder:
    return TileFolder(folder)


def dem_folder(folder: Optional[str] = None) -> Optional[TileFolder]:
    """The tile folder to use: ``folder`` if given, else ``$TRAILTECH_DEM``, else None.

    Folders are scanned once per process (a season analyses many files against the same
    tiles).

    Parameters
    ----------
    folder : str, optional

    Returns
    -------
    TileFolder or None
    """
    folder = folder or os.environ.get(DEM_ENV) or None
    if not folder:
        return None
    return _cached(os.path.abspath(folder))
