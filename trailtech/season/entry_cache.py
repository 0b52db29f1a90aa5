"""A season entry in the cache: the compact result in one entry, its geometry in another.

Nine tenths of an analysed activity's entry is the descent and climb geometry (resampled
traces, ~175 kB of JSON for a 3 h run), and only segment matching reads it; segments are
cached for an unchanged set of files (:func:`trailtech.season.match.cached_segments`). A warm
season therefore reads the compact entries only, and the geometry only when the set of files
changed.

The compact entry names its geometry entry (``geometry_key``; ``geometry_part`` for one
activity of a file of several). A hit counts only while the geometry entry is there too, so a
half-removed pair is analysed again; a geometry entry that is present but unreadable when
segments need it (corrupt bytes) leaves that activity out of the segments for this run, says
so, and removes the compact entry so the next run analyses the file again.
"""

from __future__ import annotations

import os
import stat
from typing import Any, Callable, Optional

__all__ = ["put_entry", "get_entry", "with_geometry", "geometry_store_key"]


def geometry_store_key(key: str) -> str:
    """The cache key of the geometry belonging to the entry stored under ``key``."""
    return "geometry:" + key


def _is_geometry_entry(entry: Any) -> bool:
    from .shape import is_geometry_list

    g = entry.get("geometry") if isinstance(entry, dict) else None
    return isinstance(g, list) and all(is_geometry_list(x) for x in g)


def put_entry(store, key: str, entry: dict) -> None:
    """Store a season entry under ``key``: its geometry apart (see the module).

    ``entry`` is not changed; an entry without geometry (a failed file) is stored whole.
    """
    parts = entry.get("parts") if entry.get("ok") else None
    members = parts if parts else [entry]
    if not entry.get("ok") or not all("geometry" in m for m in members):
        store.put(key, entry)
        return
    store.put(geometry_store_key(key), {"file": entry["file"], "geometry": [m["geometry"] for m in members]})

    def compact(m: dict, k: int) -> dict:
        out = {n: v for n, v in m.items() if n != "geometry"}
        out["geometry_key"] = key
        if parts:
            out["geometry_part"] = k
        return out

    if parts:
        store.put(key, {**entry, "parts": [compact(p, k) for k, p in enumerate(parts)]})
    else:
        store.put(key, compact(entry, 0))


def get_entry(store, key: str, check: Callable[[Any], bool]) -> Optional[dict]:
    """The cached entry under ``key`` (without its geometry), or None when absent, unusable,
    or its geometry entry is gone (then it is analysed again)."""
    hit = store.get(key, check=check)
    if hit is None or not hit.get("ok"):
        return hit
    members = hit.get("parts") or [hit]
    gkeys = {m.get("geometry_key") for m in members}
    if None in gkeys:
        return hit  # stored whole (geometry inline)
    try:
        present = all(stat.S_ISREG(os.lstat(store.path(geometry_store_key(g))).st_mode) for g in gkeys)
    except OSError:
        present = False
    return hit if present else None


def with_geometry(entries: list[dict], store, notes: Optional[list] = None) -> tuple[list[dict], bool]:
    """``entries`` with each one's geometry read back from the cache where it was left out.

    Returns
    -------
    (list of dict, bool)
        The entries (copies where geometry was added), and whether every geometry was found.
        One that cannot be read gets no geometry (no segments from it this run), a line in
        ``notes``, and its compact entry is removed so the next run analyses the file again.
    """
    loaded: dict[str, Optional[list]] = {}
    out, complete, lost = [], True, []
    for e in entries:
        gkey = e.get("geometry_key")
        if "geometry" in e or gkey is None or store is None:
            out.append(e)
            continue
        if gkey not in loaded:
            hit = store.get(geometry_store_key(gkey), check=_is_geometry_entry)
            loaded[gkey] = None if hit is None else hit["geometry"]
        geoms = loaded[gkey]
        k = e.get("geometry_part") or 0
        if geoms is None or k >= len(geoms):
            complete = False
            lost.append(e["file"])
            try:
                store.path(gkey).unlink()
            except OSError:
                pass
            out.append({**e, "geometry": []})
            continue
        out.append({**e, "geometry": geoms[k]})
    if lost and notes is not None:
        notes.append("Segments: the cached geometry of " + ", ".join(lost) + " could not be read; their "
                     "passes are missing from the segments this run, and they are analysed again next run.")
    return out, complete
