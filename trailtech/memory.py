"""Keep freed memory in the process for reuse, instead of handing it back to the kernel at once.

Reading and analysing a track makes many short-lived numpy arrays of a few megabytes. glibc's
``malloc`` returns such blocks to the kernel as soon as they are freed (``munmap``, or trimming
the heap's top), so the next array of the same size is given fresh pages, and every page costs a
fault and zeroing on first touch. On a 9-hour GPX read ten times in a row this was 11,000-16,500
page faults per read and close to half of the read's time; with the settings below, none
(measured with ``getrusage`` minor-fault counts; see ``benchmarks/gpx_bench.py``).

:func:`keep_freed_memory` raises glibc's two thresholds: blocks up to ``mmap_mib`` come from the
heap, and the heap keeps up to ``trim_mib`` of free memory at its top. The process's peak memory
does not grow; it just does not shrink below what it held after its largest file, up to
``trim_mib`` more than it uses. The command line, the season workers and the web workers call
it once at start; a notebook reading many files can call it too. It does nothing on other C
libraries (musl, macOS, Windows) or when ``TRAILTECH_KEEP_FREED_MEMORY=0``.
"""

from __future__ import annotations

import os

__all__ = ["keep_freed_memory"]

# mallopt(3) parameter numbers (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_applied: tuple[int, int] | None = None


def keep_freed_memory(*, trim_mib: int = 128, mmap_mib: int = 64) -> bool:
    """Tune glibc ``malloc`` to reuse freed memory (once per process; later calls are no-ops).

    Parameters
    ----------
    trim_mib : int, optional
        Free memory the heap keeps at its top before returning it to the kernel [MiB].
    mmap_mib : int, optional
        Blocks at least this large are mapped and unmapped on their own, as before [MiB];
        smaller ones come from the heap. glibc caps this at 32 MiB unless set explicitly.

    Returns
    -------
    bool
        True when the settings are in force (now or from an earlier call); False when the C
        library is not glibc, ``mallopt`` refused, or ``TRAILTECH_KEEP_FREED_MEMORY`` is ``0``.

    Raises
    ------
    ValueError
        ``trim_mib`` or ``mmap_mib`` is not a positive whole number of MiB below 2048.
    """
    global _applied
    for name, value in (("trim_mib", trim_mib), ("mmap_mib", mmap_mib)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2048:
            raise ValueError(f"{name} must be a whole number of MiB in 1..2047, got {value!r}")
    if _applied is not None:
        return True
    if os.environ.get("TRAILTECH_KEEP_FREED_MEMORY", "1").strip() == "0":
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (ValueError, OSError, AttributeError):  # not glibc, or no confstr on this system
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # Both at once: setting either one turns glibc's own adjustment of the other off.
    ok = mallopt(_M_MMAP_THRESHOLD, mmap_mib << 20) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, trim_mib << 20) == 1 and ok
    if ok:
        _applied = (trim_mib, mmap_mib)
    return ok
