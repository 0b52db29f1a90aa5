"""Writing an output file (a report, a GPX course, a season's CSV and JSON) safely and atomically.

The bytes go to a fresh temporary file made by :func:`tempfile.mkstemp` in the target's own
folder (unpredictable name, created exclusively, so a symlink planted in advance cannot catch
the write), which then replaces the target with :func:`os.replace`: a reader sees the old file
or the new one, never half of one.

The target itself is looked at with ``lstat`` and never followed: a symbolic link, a folder or
anything that is not a regular file (``/dev/full``, a FIFO, a socket) is refused with
:class:`UnsafeOutputError`. Renaming over a device node would replace it with a regular file,
which as root is what ``--report /dev/full`` used to do.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Optional, Union

__all__ = ["UnsafeOutputError", "output_refusal", "write_output", "ensure_folder"]


class UnsafeOutputError(OSError):
    """The output path is a symlink, a folder or a special file: refused, nothing written."""


def output_refusal(path: Union[str, os.PathLike]) -> Optional[str]:
    """Why ``path`` must not be written, or None when it is absent or a regular file.

    Raises
    ------
    OSError
        ``path`` cannot be looked at (a name too long, a folder that cannot be searched).
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "it is a symbolic link, which is never followed or replaced; give the real path"
    if stat.S_ISDIR(mode):
        return "it is a folder; give a file name inside it"
    if not stat.S_ISREG(mode):
        return "it is not a regular file (a device, a pipe or a socket), which is never replaced"
    return None


def _refuse_unsafe(path: str) -> None:
    reason = output_refusal(path)
    if reason is not None:
        raise UnsafeOutputError(errno.EEXIST, reason, path)


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for every thread)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_output(path: Union[str, os.PathLike], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, refusing a symlink, a folder or a special file.

    The new file gets the permissions of the file it replaces, or the usual ones for a new file
    (``0o666`` less the umask).

    Parameters
    ----------
    path : str or path-like
        The output file; its folder must exist.
    data : bytes
        The whole content.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    UnsafeOutputError
        ``path`` is a symbolic link, a folder, or not a regular file.
    OSError
        The folder does not exist or cannot be written, the disk is full, ...
    """
    target = os.fspath(path)
    _refuse_unsafe(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=".trailtech-", suffix=".tmp", dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        _refuse_unsafe(target)  # again, just before the rename: it may have changed meanwhile
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return Path(target)


def ensure_folder(path: Union[str, os.PathLike]) -> Path:
    """Create the folder ``path`` if needed; refuse it when it exists as anything else
    (a symlink inside an output folder, a file).

    Raises
    ------
    UnsafeOutputError
        ``path`` exists and is not a real folder.
    """
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        if not stat.S_ISDIR(os.lstat(p).st_mode):
            raise UnsafeOutputError(errno.EEXIST, "it exists and is not a folder (a file or a symbolic link)",
                                    os.fspath(p)) from None
    return p
