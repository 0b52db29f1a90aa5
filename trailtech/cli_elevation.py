"""The command line's elevation options: ``--dem``, ``--elevation-source`` and ``dem fetch``.

Kept beside :mod:`trailtech.cli` (which stays a thin shell under its size limit): the option
lines, the :class:`~trailtech.config.AnalysisConfig` they make, and the one command that uses
the network. Usage problems raise :class:`OptionError`, one line for the user.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional

__all__ = ["OptionError", "add_to", "add_options", "config", "serve_tiles", "add_dem_command"]

_DEM_HELP = "folder of terrain tiles (.hgt, GeoTIFF; default $TRAILTECH_DEM)"


class OptionError(Exception):
    """A bad elevation option: the message is the whole error line."""


def add_to(sub, *, load: Callable, out: Callable[[str], None]) -> None:
    """Add the options to the ``analyze``, ``report``, ``season`` and ``serve`` parsers of
    ``sub`` (an argparse subparsers action), and the ``dem`` command."""
    for name in ("analyze", "report", "season"):
        add_options(sub.choices[name])
    serve = sub.choices["serve"]
    add_options(serve, source=False)
    run_serve = serve.get_default("func")

    def serve_with_tiles(args):
        serve_tiles(args)
        return run_serve(args)

    serve.set_defaults(func=serve_with_tiles)
    add_dem_command(sub, load=load, out=out)


def add_options(parser, *, source: bool = True) -> None:
    """Add ``--dem DIR`` and (unless ``source`` is False) ``--elevation-source``."""
    parser.add_argument("--dem", metavar="DIR", help=_DEM_HELP)
    if source:
        parser.add_argument("--elevation-source", choices=("barometric", "gps", "dem"),
                            help="override the elevation source the file's device or signal suggests")


def config(args):
    """The AnalysisConfig of ``--elevation-source`` and ``--dem`` (None: the defaults).

    ``TRAILTECH_DEM`` goes into the configuration too, so the season cache keys on it.
    """
    from .config import AnalysisConfig

    source, dem = getattr(args, "elevation_source", None), getattr(args, "dem", None)
    if dem is not None and not os.path.isdir(dem):
        raise OptionError(f"--dem {dem}: no such folder")
    dem = dem or os.environ.get("TRAILTECH_DEM") or None
    if source is None and dem is None:
        return None
    return AnalysisConfig(elevation_source=source or "auto", dem_dir=os.path.abspath(dem) if dem else "")


def serve_tiles(args) -> None:
    """``serve --dem DIR``: every upload's analysis reads the tiles through ``TRAILTECH_DEM``."""
    if args.dem is not None:
        config(args)  # checks the folder
        from .dem.folder import DEM_ENV

        os.environ[DEM_ENV] = os.path.abspath(args.dem)


def add_dem_command(sub, *, load: Callable, out: Callable[[str], None]) -> None:
    """Add ``trailtech dem fetch FILE... [--dem DIR] [--url TEMPLATE]``."""
    s = sub.add_parser("dem", help="terrain tiles")
    actions = s.add_subparsers(dest="dem_command", metavar="ACTION")
    actions.required = True
    f = actions.add_parser("fetch", help="download the terrain tiles the files need (the only network access)")
    f.add_argument("files", metavar="FILE", nargs="+", help="activity files")
    f.add_argument("--dem", metavar="DIR", help="tile folder (default $TRAILTECH_DEM, else the user cache folder)")
    f.add_argument("--url", metavar="TEMPLATE",
                   help="tile URL with {lat} and {name} (default: Terrain Tiles on AWS, skadi .hgt.gz)")
    f.set_defaults(func=lambda args: _dem_fetch(args, load, out))


def _dem_fetch(args, load: Callable, out: Callable[[str], None]) -> int:
    from .dem.fetch import DEFAULT_URL, default_dem_dir, fetch_tiles, track_tile_names

    folder: Optional[str] = args.dem or str(default_dem_dir())
    names = track_tile_names(load(f) for f in args.files)
    if not names:
        raise OptionError("dem fetch: no positions in the files: no terrain tiles to fetch")
    try:
        present, missing = fetch_tiles(names, folder, url=args.url or DEFAULT_URL, progress=sys.stderr.isatty())
    except OSError as exc:
        raise OptionError(f"dem fetch: {exc}") from exc
    out(f"{len(present)} tile(s) in {folder}" + (f"; no tile for {', '.join(missing)} (sea)" if missing else ""))
    out(f"use them with: trailtech analyze FILE --dem {folder}")
    return 0
