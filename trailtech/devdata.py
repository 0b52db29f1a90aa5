"""Where the project's corpus of real watch files lives, for its tests, scripts and benchmarks.

The corpus (``shared/tracks/real``: FIT, GPX and TCX files from real watches and phones, with a
``manifest.csv``) is not part of trailtech and never copied into the repository. It is found
the same way everywhere: ``$TRAILTECH_REAL_TRACKS`` when set, else ``shared/tracks/real``
beside the checkout or beside any folder above it (a git worktree sits a level or two deeper).
Tests skip cleanly when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

__all__ = ["real_tracks_dir"]

#: The checkout this module belongs to (an editable install, or a source tree on the path).
_CHECKOUT = Path(__file__).resolve().parents[1]


def real_tracks_dir(start: Optional[Union[str, os.PathLike]] = None) -> Path:
    """The real-file corpus folder (it may not exist: callers check and skip).

    Parameters
    ----------
    start : path, optional
        Where to look from (default: this checkout); ``shared/tracks/real`` is searched beside
        it and beside each folder above it.
    """
    env = os.environ.get("TRAILTECH_REAL_TRACKS")
    if env:
        return Path(env)
    root = Path(start).resolve() if start is not None else _CHECKOUT
    for folder in (root, *root.parents):
        candidate = folder / "shared" / "tracks" / "real"
        if candidate.is_dir():
            return candidate
    return root.parent / "shared" / "tracks" / "real"
