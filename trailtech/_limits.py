"""Limits of the worker processes that read untrusted files: a memory cap, and dying with the parent.

A hostile or broken file can make a reader or the 1 Hz grid balloon. In a worker process with a
cap on its address space that ends in ``MemoryError`` inside the worker (a one-line failure for
that file) instead of the kernel's OOM killer choosing a process, maybe the user's desktop.

A worker must also never outlive the process that started it. SIGINT reaches the whole process
group and the parent stops its workers itself, but SIGKILL and SIGTERM (what ``timeout``,
``kill`` and systemd send) kill only the parent, and an orphaned worker keeps its memory and its
CPU forever. :func:`die_with_parent` arranges for the kernel to kill the worker when the parent
dies (Linux), with a thread watching the parent's pid as a fallback on every platform.

Used by the season's process pool (:mod:`trailtech.season.runner`); the web workers apply the
same cap (:func:`worker_memory_limit_mb` is their formula).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Optional

__all__ = ["worker_memory_limit_mb", "DEFAULT_WORKER_MEMORY_MB", "cap_address_space", "address_space_cap_mb",
           "memory_refusal", "die_with_parent"]


def worker_memory_limit_mb(max_upload_mb: float = 64.0) -> int:
    """Address-space cap of a worker [MiB] for files up to ``max_upload_mb`` [MiB].

    2048, or 48 times the largest file when that is more (heuristic: decoded samples and the
    analysis take roughly 20-40 times the file's size). The web server's formula; the season
    uses it with the upload page's default limit (64 MiB, giving 3072 MiB).
    """
    return max(2048, int(48 * max_upload_mb))


#: The memory cap of a season worker [MiB]: the web workers' default.
DEFAULT_WORKER_MEMORY_MB = worker_memory_limit_mb()


def cap_address_space(limit_mb: Optional[int]) -> Optional[int]:
    """Cap this process's address space (``RLIMIT_AS``) at ``limit_mb`` [MiB].

    Parameters
    ----------
    limit_mb : int or None
        The cap [MiB]; None or 0 leaves the limit as it is.

    Returns
    -------
    int or None
        The cap now in force [MiB] (lower than asked when the hard limit is lower), or None when
        there is none or the platform has no ``resource`` module (Windows).
    """
    try:
        import resource
    except ImportError:  # Windows
        return None
    if limit_mb:
        limit = int(limit_mb) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return address_space_cap_mb()


def address_space_cap_mb() -> Optional[int]:
    """The address-space cap of this process [MiB], or None when there is none."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else int(soft // (1024 * 1024))


def memory_refusal() -> str:
    """The one line for a file whose analysis ran out of memory in this process."""
    cap = address_space_cap_mb()
    if cap is None:
        return "ran out of memory while reading or analysing the file"
    return f"needs more memory than a worker process may use ({cap} MiB); too large or built to exhaust memory"


#: prctl(2) option: the signal this process gets when the thread that created it exits.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, *, poll_s: float = 1.0, kernel_signal: bool = True) -> bool:
    """Make this (worker) process exit when ``parent_pid``, its parent, dies.

    On Linux the kernel sends SIGKILL the moment the parent exits (``prctl(PR_SET_PDEATHSIG)``;
    strictly, when the parent's thread that started this process exits, which is why a pool is
    started and stopped by one thread). Everywhere, a daemon thread also checks every ``poll_s``
    seconds that the parent is still this process's parent (an orphan is re-parented) and exits
    when it is not.

    Parameters
    ----------
    parent_pid : int
        The process this one must not outlive.
    poll_s : float
        How often the watchdog thread checks the parent [s].
    kernel_signal : bool
        Arm the kernel's signal too. False for workers that a short-lived thread of the parent
        may start (a ``ProcessPoolExecutor`` submitted to from a server's thread pool): the
        signal would kill them when that thread exits, not when the parent does.

    Returns
    -------
    bool
        True when the kernel will send the signal (Linux); the watchdog thread runs either way.
    """
    armed = False
    if kernel_signal and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="trailtech-parent-watch", daemon=True).start()
    return armed
