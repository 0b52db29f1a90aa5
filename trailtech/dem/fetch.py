"""Download the terrain tiles a set of tracks needs: ``trailtech dem fetch``.

Opt-in and the only part of trailtech that reaches the network. The default source is
*Terrain Tiles on AWS Open Data* (Tilezen/Mapzen "skadi" format: 1 x 1 degree SRTM-layout
``.hgt.gz``, 1 arc-second, built from SRTM, 3DEP, EU-DEM and other open DEMs), free to use with
the attribution its providers require: https://github.com/tilezen/joerd/blob/master/docs/attribution.md.
Any server with the same layout can be named instead (``--url``).
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterable, Optional, Union

import numpy as np

from .tiles import hgt_name

__all__ = ["DEFAULT_URL", "tile_names", "track_tile_names", "fetch_tiles", "default_dem_dir"]

#: ``{lat}`` is the latitude part (``N45``), ``{name}`` the tile (``N45E006``).
DEFAULT_URL = "https://s3.amazonaws.com/elevation-tiles-prod/skadi/{lat}/{name}.hgt.gz"


def default_dem_dir() -> Path:
    """``$TRAILTECH_DEM``, else ``trailtech/dem`` in the user cache folder."""
    env = os.environ.get("TRAILTECH_DEM")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trailtech" / "dem"


def tile_names(lat_deg, lon_deg) -> list[str]:
    """The SRTM tiles (``"N45E006"``...) holding the finite positions, sorted.

    Parameters
    ----------
    lat_deg, lon_deg : array_like
        Positions [deg].

    Returns
    -------
    list of str
    """
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    cells = {(int(a), int(b)) for a, b in zip(np.floor(lat[ok]), np.floor(lon[ok]))}
    return sorted(hgt_name(a + 0.5, b + 0.5) for a, b in cells)


def fetch_tiles(
    names: Iterable[str],
    folder: Union[str, os.PathLike],
    *,
    url: str = DEFAULT_URL,
    progress: bool = True,
    timeout_s: float = 60.0,
) -> tuple[list[Path], list[str]]:
    """Download the named tiles into ``folder`` (tiles already there are kept).

    Parameters
    ----------
    names : iterable of str
        Tile names, e.g. ``"N45E006"``.
    folder : str or os.PathLike
        Where the ``.hgt`` files go (created if missing).
    url : str
        Template with ``{lat}`` and ``{name}``; gzip-compressed when it ends in ``.gz``.
    progress : bool
        Show a tqdm progress bar (bytes) on standard error.
    timeout_s : float
        Per-request timeout [s].

    Returns
    -------
    present : list of Path
        The tiles on disk afterwards.
    missing : list of str
        Tiles the server does not have (HTTP 404: open sea).

    Raises
    ------
    OSError
        The server could not be reached or answered with another error.
    """
    from tqdm import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    present, missing = [], []
    todo = []
    for name in names:
        path = folder / f"{name}.hgt"
        (present if path.exists() else todo).append(path if path.exists() else name)
    for name in todo:
        path = folder / f"{name}.hgt"
        src = url.format(lat=name[:3], name=name)
        try:
            with urllib.request.urlopen(src, timeout=timeout_s) as resp:  # noqa: S310 - a URL the user chose
                size = int(resp.headers.get("Content-Length") or 0) or None
                fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
                try:
                    with os.fdopen(fd, "wb") as out, tqdm(total=size, unit="B", unit_scale=True, desc=name,
                                                           disable=not progress, leave=False) as bar:
                        while True:
                            chunk = resp.read(1 << 16)
                            if not chunk:
                                break
                            out.write(chunk)
                            bar.update(len(chunk))
                    if src.endswith(".gz"):
                        with gzip.open(tmp, "rb") as zin, open(tmp + ".hgt", "wb") as zout:
                            shutil.copyfileobj(zin, zout)
                        os.replace(tmp + ".hgt", path)
                    else:
                        os.replace(tmp, path)
                finally:
                    for leftover in (tmp, tmp + ".hgt"):
                        if os.path.exists(leftover):
                            os.remove(leftover)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                missing.append(name)
                continue
            raise OSError(f"{src}: HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise OSError(f"{src}: {exc.reason}") from exc
        present.append(path)
    return present, missing


def track_tile_names(tracks: Iterable, extra: Optional[list[str]] = None) -> list[str]:
    """The tiles every track's positions touch (see :func:`tile_names`)."""
    names = set(extra or ())
    for track in tracks:
        s = track.samples
        if "lat_deg" in s and "lon_deg" in s:
            names.update(tile_names(s["lat_deg"].to_numpy(dtype=float), s["lon_deg"].to_numpy(dtype=float)))
    return sorted(names)
