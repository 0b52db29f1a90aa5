"""Per-file result cache for season runs.

An entry is the compact result of one activity (its season row, the ``analyze --json``
document, and the descent/climb geometry that segment matching needs; never the 1 Hz
timeline), stored as gzipped JSON. Its key is the BLAKE2b hash of the file's bytes, the
trailtech version and a hash of the analysis settings, so a changed file, a new version or
other settings never reuse a stale result.

Writes are atomic (a temporary file in the same folder, then :func:`os.replace`), so a run
killed mid-write leaves either the old entry or none.

Reading trusts nothing in the folder: an entry must be a regular file (a symlink, say to
``/dev/zero``, is never followed), at most :data:`MAX_ENTRY_BYTES` on disk and
:data:`MAX_ENTRY_JSON_BYTES` decompressed, decode as JSON, carry its own key, and pass the
caller's shape check (:mod:`trailtech.season.shape`). Anything else is a miss: the entry is
removed and the caller recomputes it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any, Callable, Optional, Union

from .._version import __version__

__all__ = ["ResultCache", "default_cache_dir", "content_hash", "config_hash", "resolve_cache"]

#: Bumped when the layout of a cached entry changes (3: activity ``format``, ``sensors``,
#: ``samples``, which duplicate detection needs; ``bouts`` are the climbing pieces; 4: the
#: activity's ``on_foot`` figures, which the season's running totals count; 5: ``time_created``
#: and ``start_time_local`` of the activity, segments with time and control trends; 6: ``gap``,
#: the grade-adjusted speed histogram the load of an activity without heart rate comes from;
#: 7: the offset from the first position for GPX, TCX and FIT files without one; 8: ``trace``
#: of a GPS-altitude activity, which the season elevation consensus reads; 9: ``parts``, one
#: entry per activity of a file that holds several, and the activity's ``sub_sport``; 10: the
#: geometry in an entry of its own, named by ``geometry_key``, see season.entry_cache; 11: each
#: pitch of a descent carries its personal reference).
ENTRY_FORMAT = 11

#: Largest cache entry read [bytes on disk]. An entry holds one activity's compact result,
#: tens to hundreds of kB gzipped; a bigger file is not one of ours.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: Largest decompressed entry [bytes]: a small gzip bomb in the cache folder is a miss.
MAX_ENTRY_JSON_BYTES = 256 * 1024 * 1024


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

    def get(self, digest: str, check: Optional[Callable[[Any], bool]] = None) -> Optional[dict]:
        """The cached entry, or ``None`` when absent or unusable (then it is removed).

        Parameters
        ----------
        digest : str
            The content hash of the file (or another key) the entry belongs to.
        check : callable, optional
            ``entry -> bool``: whether the decoded entry has the shape the caller reads.
        """
        p = self.path(digest)
        raw = _read_entry_file(p)
        entry = None
        if raw is not None:
            entry = _decode(raw)
            if (not isinstance(entry, dict) or entry.get("_key") != self.key(digest)
                    or (check is not None and not check({k: v for k, v in entry.items() if k != "_key"}))):
                entry = None
        if entry is None:
            if raw is not None or p.is_symlink():
                # Corrupt, foreign or of the wrong shape: drop it so the recomputed result can
                # take its place (unlink removes a symlink itself, never its target).
                try:
                    p.unlink()
                except OSError:
                    pass
            self.misses += 1
            return None
        self.hits += 1
        entry.pop("_key", None)
        return entry

    def memo(self, kind: str, inputs: Any, compute: Callable[[], Any],
             check: Callable[[Any], bool]) -> Any:
        """``compute()``, cached under a hash of ``kind`` and its JSON ``inputs``: a warm season
        reads a season-wide figure back instead of computing it (and importing what computing
        needs). ``check`` is the shape the cached value must have; a value that fails it is
        computed again."""
        key = f"{kind}:" + content_hash(json.dumps(inputs, allow_nan=True, default=str).encode())
        hit = self.get(key, check=lambda e: isinstance(e, dict) and "value" in e and check(e["value"]))
        if hit is not None:
            return hit["value"]
        value = compute()
        self.put(key, {"file": f"<{kind}>", "value": value})
        return value

    def put(self, digest: str, entry: dict) -> None:
        """Store ``entry`` atomically. A cache that cannot be written is skipped silently:
        the season result is still right, only the next run is slower."""
        p = self.path(digest)
        data = gzip.compress(
            json.dumps({**entry, "_key": self.key(digest)}, allow_nan=False,
                       separators=(",", ":")).encode(),
            compresslevel=1,  # 3x faster than 5 for 11 % more bytes: a cold season writes 40 MB
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


def _read_entry_file(p: Path) -> Optional[bytes]:
    """The bytes of an entry that is a regular file of at most :data:`MAX_ENTRY_BYTES`, else None.

    Opened without following a symlink and without blocking on a FIFO, then checked on the
    open descriptor, so what was checked is what is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(os.lstat(p).st_mode):  # a FIFO or a device is never opened
            return None
        fd = os.open(p, flags)
    except OSError:  # absent, a symlink (ELOOP), unreadable
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_ENTRY_BYTES + 1)
        return data if len(data) <= MAX_ENTRY_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _decode(raw: bytes) -> Any:
    """The JSON value of a gzipped entry, or None when it is not one (or inflates too far)."""
    try:
        d = zlib.decompressobj(wbits=31)
        text = d.decompress(raw, MAX_ENTRY_JSON_BYTES)
        if d.unconsumed_tail or not d.eof:
            return None
        return json.loads(text)
    except (zlib.error, ValueError, UnicodeDecodeError, RecursionError):
        return None


def resolve_cache(cache: Any, config: Any = None) -> Optional["ResultCache"]:
    """The season's cache from what the caller gave: ``None``/``False`` for none, a
    :class:`ResultCache` as is, ``True`` for :func:`default_cache_dir`, or a folder path."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, ResultCache):
        return cache
    return ResultCache(default_cache_dir() if cache is True else cache, config)
