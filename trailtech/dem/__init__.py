"""Terrain tiles (digital elevation models): read a folder of tiles, sample it along a track.

* :mod:`.tiles`: one tile, SRTM ``.hgt`` (1 and 3 arc-second, read with a NumPy memory map)
  or GeoTIFF (read with ``tifffile``, imported only when a ``.tif`` is opened).
* :mod:`.folder`: a folder of tiles, sampled bilinearly at positions (:class:`TileFolder`).
"""

from .folder import TileFolder, dem_folder
from .tiles import Tile, read_tile

__all__ = ["Tile", "TileFolder", "dem_folder", "read_tile"]
