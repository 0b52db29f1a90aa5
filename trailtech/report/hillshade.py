"""Shaded relief under the route map, from terrain tiles: the report's offline map.

Pure functions over arrays, no matplotlib and no file access: :func:`route_hillshade` takes
the timeline's positions and a *sampler* (a function from positions to terrain heights, e.g.
:meth:`trailtech.dem.TileFolder.sample`), lays a grid over the route in the route map's
local metres, reads the terrain at its posts and shades it (:func:`hillshade`). The route
map (:func:`trailtech.report.course.route_map`) only draws the result.

Examples
--------
>>> import numpy as np
>>> flat = np.zeros((3, 3))
>>> hillshade(flat, dx_m=10.0, dy_m=10.0).round(2)[1]    # the sine of the light's altitude
array([0.71, 0.71, 0.71])
>>> east_up = np.add.outer(np.zeros(3), [0.0, 10.0, 20.0])   # a slope facing west
>>> hillshade(east_up, dx_m=10.0, dy_m=10.0).round(2)[1]    # turned towards the north-west light
array([0.85, 0.85, 0.85])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..processing.geodesy import EARTH_RADIUS_M

__all__ = ["Hillshade", "hillshade", "route_hillshade", "MAX_POSTS", "MIN_COVERAGE"]

#: Posts along the longer side of the grid: about the resolution of 1 arc-second tiles on a
#: 6 km route, and a few tens of kB of PNG in the report.
MAX_POSTS = 200
#: Below this share of the grid with terrain heights, the map stays the plain route.
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Hillshade:
    """Shaded relief on a regular grid of the route map's local metres.

    Attributes
    ----------
    shade : numpy.ndarray
        2-D brightness 0 (in shadow) to 1 (facing the light); NaN where no tile covers the
        post. Row 0 is the southern edge, column 0 the western edge.
    x_m, y_m : tuple of float
        West and east edge, south and north edge of the grid [m east/north of the route's
        origin, as the timeline's ``x_m``/``y_m``].
    coverage : float
        Share of posts with a terrain height [0-1].
    """

    shade: np.ndarray
    x_m: tuple[float, float]
    y_m: tuple[float, float]
    coverage: float


def hillshade(heights_m: np.ndarray, *, dx_m: float, dy_m: float, azimuth_deg: float = 315.0,
              altitude_deg: float = 45.0) -> np.ndarray:
    """Brightness of terrain lit from one direction: the cosine of the angle between the
    surface normal and the light, clipped at 0 (the usual cartographic hillshade, with the
    light from the north-west at 45 degrees).

    Parameters
    ----------
    heights_m : numpy.ndarray
        2-D terrain heights [m]; row 0 south, column 0 west; NaN where unknown.
    dx_m, dy_m : float
        Post spacing east-west and south-north [m].
    azimuth_deg : float
        Where the light comes from, clockwise from north [deg].
    altitude_deg : float
        Height of the light above the horizon [deg].

    Returns
    -------
    numpy.ndarray
        Brightness 0-1, the shape of ``heights_m``; NaN at and next to unknown heights.
    """
    z = np.asarray(heights_m, dtype=float)
    if z.ndim != 2 or min(z.shape) < 2:
        raise ValueError(f"heights_m must be a 2-D grid of at least 2 x 2 posts, got shape {z.shape}")
    dz_dy, dz_dx = np.gradient(z, dy_m, dx_m)
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    # Unit vector towards the light (east, north, up) against the normal (-dz/dx, -dz/dy, 1).
    lit = (-dz_dx * np.cos(alt) * np.sin(az) - dz_dy * np.cos(alt) * np.cos(az) + np.sin(alt))
    shade = np.clip(lit / np.sqrt(1.0 + dz_dx ** 2 + dz_dy ** 2), 0.0, 1.0)
    # Central differences skip the post itself: an unknown post must not come out shaded.
    shade[~np.isfinite(z)] = np.nan
    return shade


def _origin_deg(lat_deg: np.ndarray, lon_deg: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> tuple[float, float]:
    """The local projection's origin, recovered from positions given both ways (the
    timeline's ``x_m``/``y_m`` are an equirectangular projection of its lat/lon)."""
    lat0 = float(np.median(lat_deg - np.degrees(y_m / EARTH_RADIUS_M)))
    lon0 = float(np.median(lon_deg - np.degrees(x_m / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))))
    return lat0, lon0


def route_hillshade(lat_deg: np.ndarray, lon_deg: np.ndarray, x_m: np.ndarray, y_m: np.ndarray,
                    sample: Callable[[np.ndarray, np.ndarray], np.ndarray], *,
                    max_posts: int = MAX_POSTS) -> Optional[Hillshade]:
    """Shaded relief of a square around the route, or None where the tiles cover too little
    of it (less than :data:`MIN_COVERAGE`) or the route has fewer than two positions.

    The square is centred on the route and 1.3 times its longer side (at least 600 m), so the
    map can widen its limits to its box at equal aspect and still sit on terrain.

    Parameters
    ----------
    lat_deg, lon_deg : numpy.ndarray
        Positions [deg], NaN where none.
    x_m, y_m : numpy.ndarray
        The same positions in the route map's local metres (the timeline's ``x_m``/``y_m``).
    sample : callable
        ``sample(lat_deg, lon_deg) -> heights_m``, NaN where unknown (a tile folder's
        :meth:`~trailtech.dem.TileFolder.sample`).
    max_posts : int
        Posts along each side of the grid.

    Returns
    -------
    Hillshade or None
    """
    lat, lon = np.asarray(lat_deg, float), np.asarray(lon_deg, float)
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return None
    lat0, lon0 = _origin_deg(lat[ok], lon[ok], x[ok], y[ok])
    cx, cy = (x[ok].min() + x[ok].max()) / 2, (y[ok].min() + y[ok].max()) / 2
    half = max(1.3 * max(np.ptp(x[ok]), np.ptp(y[ok])), 600.0) / 2
    posts = np.linspace(-half, half, max_posts)
    gx, gy = np.meshgrid(cx + posts, cy + posts)  # row 0 south, column 0 west
    glat = lat0 + np.degrees(gy / EARTH_RADIUS_M)
    glon = lon0 + np.degrees(gx / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
    glon = (glon + 180.0) % 360.0 - 180.0
    heights = np.asarray(sample(glat.ravel(), glon.ravel()), dtype=float).reshape(gx.shape)
    coverage = float(np.isfinite(heights).mean())
    if coverage < MIN_COVERAGE:
        return None
    step = float(posts[1] - posts[0])
    shade = hillshade(heights, dx_m=step, dy_m=step)
    # Image edges sit half a post outside the outer posts.
    return Hillshade(shade=shade, x_m=(cx - half - step / 2, cx + half + step / 2),
                     y_m=(cy - half - step / 2, cy + half + step / 2), coverage=coverage)
