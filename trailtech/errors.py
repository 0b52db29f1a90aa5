"""Errors and warnings raised by trailtech.

The hierarchy::

    TrailtechError                 base of everything trailtech raises on purpose
    ├── TrackReadError             the file cannot be decoded
    │   └── UnsupportedFormatError the content is not FIT, GPX or TCX (or a gzip/zip of one)
    ├── TrackDataError             readable, but unusable: no timestamps, too short, too long
    └── ConfigError                an AnalysisConfig value is out of range

    DataQualityWarning (UserWarning)  what was wrong with the data and what was done about it

``TrackReadError`` and ``TrackDataError`` are about one file: both carry ``source`` (the file)
and ``reason`` (the problem, without the file name), and read ``"<source>: <reason>"``.

The command-line interface turns any ``TrailtechError`` into one line on stderr and exit code 2;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "TrailtechError",
    "TrackReadError",
    "UnsupportedFormatError",
    "TrackDataError",
    "ConfigError",
    "DataQualityWarning",
    "error_line",
]


class TrailtechError(Exception):
    """Base class of every error trailtech raises on purpose."""


class _FileError(TrailtechError):
    """An error about one file: ``str(exc)`` is ``"<source>: <reason>"``, on one line.

    Parameters
    ----------
    source : str
        The file name (or ``"<stdin>"``, ``"<buffer>"``).
    reason : str
        What is wrong, in words a runner understands (without the file name).
    """

    def __init__(self, source: str, reason: str):
        self.source = str(source)
        # One line, always: a reason may quote a parser message that spans lines.
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.source}: {self.reason}")

    def __reduce__(self):
        # Keep the two-argument form through pickle (process pools send errors back).
        return (type(self), (self.source, self.reason))


class TrackReadError(_FileError):
    """A file cannot be decoded.

    Parameters
    ----------
    source : str
        The file name (or ``"<stdin>"``, ``"<buffer>"``).
    reason : str
        What is wrong, in words a runner understands.
    """


class UnsupportedFormatError(TrackReadError):
    """The content is not a FIT, GPX or TCX activity (nor a gzip or zip of one)."""


class TrackDataError(_FileError):
    """The file was read but cannot be analysed (no timestamps, too few points, ...).

    Parameters
    ----------
    source : str
        The file name (``Track.meta.source``).
    reason : str
        Why it cannot be analysed, in words a runner understands.
    """


class ConfigError(TrailtechError, ValueError):
    """An analysis setting is out of its valid range."""


class DataQualityWarning(UserWarning):
    """Something was wrong with the data and trailtech corrected or ignored it."""


def error_line(exc: BaseException, file: "str | None" = None) -> str:
    """The one-line ``<file>: <problem>`` text of an error (the CLI prefixes ``trailtech:``).

    The command line, the season error list and the web page word errors the same way.
    ``file`` is put in front when the message does not start with it already.
    """
    if isinstance(exc, _FileError):
        text = f"{exc.source}: {exc.reason}"
    else:
        text = str(exc) or type(exc).__name__
        if file and not text.startswith(str(file)):
            text = f"{file}: {text}"
    # One line, always: readers may quote parser messages that span lines.
    return " ".join(text.split())
