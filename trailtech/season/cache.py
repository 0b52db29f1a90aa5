"""Per-file result cache for season runs.

An entry is the compact result of one activity (its season row, the ``analyze --json``
document, and the descent/climb geometry that segment matching needs; never the 1 Hz
timeline), stored as gzipped JSON. Its key is the BLAKE2b hash of the file's bytes, the
trailtech version and a hash of the analysis settings, so a changed file, a new version or
other settings never reuse a stale result.

Writes are atomic (a temporary file in the same folder, then :func:`os.replace`), so a run
killed mid-write leaves either the old entry or none; an entry that does not decode is
ignored (and recomputed by the caller).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional, Union

from .._version import __version__

__all__ = ["ResultCache", "default_cache_dir", "content_hash", "config_hash"]

#: Bumped when the layout of a cached entry changes (3: activity ``format``, ``sensors``,
#: ``samples``, which duplicate detection needs; ``bouts`` are the climbing pieces; 4: the
#: activity's ``on_foot`` figures, which the season's running totals count).
ENTRY_FORMAT = 4


def default_cache_dir() -> Path:
    """The user cache folder: ``$TRAILTECH_CACHE_DIR``, else the platform's convention.

    Linux and other POSIX: ``$XDG_CACHE_HOME/trailtech`` (``~/.cache/trailtech``); macOS:
    ``~/Library/Caches/trailtech``; Windows: ``%LOCALAPPDATA%\\trailtech\\Cache``.
    """
    env = os.environ.get("TRAILTECH_CACHE_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "trailtech" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "trailtech"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trailtech"


def content_hash(data: bytes) -> str:
    """BLAKE2b (128-bit) hex digest of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def config_hash(config: Any) -> str:
    """A short stable hash of an :class:`~trailtech.config.AnalysisConfig` (or None)."""
    settings = {} if config is None else config.to_dict()
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class ResultCache:
    """A folder of gzipped-JSON entries keyed by file content, version and settings.

    Parameters
    ----------
    folder : path
        Where entries live (created on first write).
    config : AnalysisConfig, optional
        The settings the results were computed with (part of the key).
    version : str, optional
        trailtech version (part of the key); defaults to the running version.
    """

    def __init__(self, folder: Union[str, os.PathLike], config: Any = None, *,
                 version: str = __version__):
        self.folder = Path(folder)
        self._salt = f"{ENTRY_FORMAT}:{version}:{config_hash(config)}"
        self.hits = 0
        self.misses = 0

    def key(self, digest: str) -> str:
        """The entry key of a file whose content hash is ``digest``."""
        return hashlib.blake2b(f"{digest}:{self._salt}".encode(), digest_size=16).hexdigest()

    def path(self, digest: str) -> Path:
        """The file an entry lives in (two-level fan-out keeps folders small)."""
        k = self.key(digest)
        return self.folder / k[:2] / f"{k}.json.gz"

    def get(self, digest: str) -> Optional[dict]:
        """The cached entry, or ``None`` when absent or unreadable (a corrupt entry is ignored)."""
        p = self.path(digest)
        try:
            raw = p.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            entry = json.loads(gzip.decompress(raw))
            if not isinstance(entry, dict) or entry.get("_key") != self.key(digest):
                raise ValueError("entry does not belong to this key")
        except (OSError, EOFError, ValueError, UnicodeDecodeError):
            # Corrupt or foreign: drop it so the recomputed result can take its place.
            try:
                p.unlink()
            except OSError:
                pass
            self.misses += 1
            return None
        self.hits += 1
        entry.pop("_key", None)
        return entry

    def put(self, digest: str, entry: dict) -> None:
        """Store ``entry`` atomically. A cache that cannot be written is skipped silently:
        the season result is still right, only the next run is slower."""
        p = self.path(digest)
        data = gzip.compress(
            json.dumps({**entry, "_key": self.key(digest)}, allow_nan=False,
                       separators=(",", ":")).encode(),
            compresslevel=5,
        )
        tmp = None
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=p.name + ".", suffix=".tmp", dir=p.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, p)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
