"""The contract between preparation and analysis: :class:`Timeline` and :class:`Profile`.

:class:`~trailtech.track.Track` is what a file holds; :func:`trailtech.prepare.prepare` turns it
into a :class:`Timeline` (the 1 Hz time grid) and a :class:`Profile` (the uniform distance grid
of elevation and grade). Every analysis is a pure function of ``(timeline, profile, config)``.

Both are frozen dataclasses of read-only numpy arrays, one field per column, documented column
by column in :data:`TIMELINE_COLUMNS` and :data:`PROFILE_COLUMNS` (the one registry of columns:
the docstrings, :meth:`Timeline.to_frame` and the tests read it). Arrays cannot be written to,
so an analysis cannot change what the next one sees; :meth:`Timeline.with_gait` returns a new
timeline with the gait classified.

Gait is stored as int8 codes (:data:`GAIT_STOP`, :data:`GAIT_HIKE`, :data:`GAIT_RUN`);
:data:`GAIT_LABELS` names them for tables and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Optional

import numpy as np
import pandas as pd

__all__ = [
    "Column",
    "TIMELINE_COLUMNS",
    "PROFILE_COLUMNS",
    "GAIT_STOP",
    "GAIT_HIKE",
    "GAIT_RUN",
    "GAIT_LABELS",
    "Timeline",
    "Profile",
]

#: Gait codes of :attr:`Timeline.gait` (int8): not moving (or not on foot), hiking, running.
GAIT_STOP, GAIT_HIKE, GAIT_RUN = 0, 1, 2
#: Label of each gait code, as tables and JSON show it.
GAIT_LABELS = ("stop", "hike", "run")


@dataclass(frozen=True)
class Column:
    """One column of a processing grid.

    Attributes
    ----------
    name : str
        Field name on the dataclass and column name in :meth:`Timeline.to_frame`.
    unit : str
        Unit in brackets as the docstrings write it (``"m"``, ``"m/s"``, ``"-"`` for flags).
    kind : str
        ``"float"``, ``"bool"``, ``"int8"`` or ``"datetime"``.
    doc : str
        What the column holds.
    """

    name: str
    unit: str
    kind: str
    doc: str


#: The columns of :class:`Timeline`, in frame order.
TIMELINE_COLUMNS: tuple[Column, ...] = (
    Column("time", "UTC", "datetime", "time of the grid row (UTC); jumps where a long gap was skipped"),
    Column("elapsed_s", "s", "float", "seconds since the first row (true times: jumps across skipped gaps)"),
    Column("lat_deg", "deg", "float", "cleaned latitude; NaN in gaps"),
    Column("lon_deg", "deg", "float", "cleaned longitude; NaN in gaps"),
    Column("x_m", "m", "float", "east of the track's centroid, local equirectangular projection; NaN in gaps"),
    Column("y_m", "m", "float", "north of the track's centroid, same projection; NaN in gaps"),
    Column("distance_m", "m", "float", "cumulative horizontal distance, non-decreasing and finite"),
    Column("elevation_m", "m", "float", "smoothed elevation (see Timeline.elevation_source)"),
    Column("grade_pct", "%", "float", "grade of the profile at this row's distance"),
    Column("speed_mps", "m/s", "float", "horizontal speed (see Timeline.speed_source); NaN in gaps"),
    Column("vertical_speed_mps", "m/s", "float", "vertical speed, 30 s regression; positive climbing"),
    Column("cadence_spm", "steps/min", "float", "cadence, both feet; NaN when absent or not on foot"),
    Column("heart_rate_bpm", "1/min", "float", "heart rate; NaN when absent"),
    Column("moving", "-", "bool", "the runner moves (stop/resume state machine, timer pauses)"),
    Column("gap", "-", "bool", "no recording: interpolation was not allowed here"),
    Column("on_foot", "-", "bool", "the row's session is on foot (running, hiking, ...)"),
    Column("gait", "-", "int8", "GAIT_STOP, GAIT_HIKE or GAIT_RUN once classified (with_gait)"),
)

#: The columns of :class:`Profile`, in frame order.
PROFILE_COLUMNS: tuple[Column, ...] = (
    Column("distance_m", "m", "float", "uniform distance grid over the moving samples"),
    Column("elevation_m", "m", "float", "smoothed elevation"),
    Column("grade_pct", "%", "float", "grade over the elevation source's baseline, clipped to +-100 %"),
    Column("elapsed_s", "s", "float", "when the runner was at this distance"),
)

_DTYPES = {"float": np.float64, "bool": np.bool_, "int8": np.int8, "datetime": "datetime64[ns]"}


def _frozen(values, kind: str, n: Optional[int], name: str) -> np.ndarray:
    """A read-only array of the column's dtype (copied only when the dtype differs)."""
    if kind == "datetime":
        if getattr(getattr(values, "dtype", None), "tz", None) is not None:  # tz-aware pandas
            values = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
        a = np.asarray(values).astype("datetime64[ns]", copy=False)
    else:
        a = np.asarray(values, dtype=_DTYPES[kind])
    if a.ndim != 1:
        raise ValueError(f"{name}: a 1-D array is needed, got shape {a.shape}")
    if n is not None and a.shape[0] != n:
        raise ValueError(f"{name}: {a.shape[0]} rows where the grid has {n}")
    if a.flags.writeable:
        # A view of someone else's array is copied: freezing it must not freeze theirs.
        if not a.flags.owndata:
            a = a.copy()
        a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Timeline:
    """The activity on a uniform time grid (1 Hz by default): the input of every analysis.

    One read-only array per column of :data:`TIMELINE_COLUMNS` (same length, one row per grid
    second), plus where speed, distance and elevation came from. A recording gap longer than
    ``config.gap_break_s`` keeps half of that at each end (``gap`` True) and skips its middle:
    ``time`` and ``elapsed_s`` jump there.

    Attributes
    ----------
    time, elapsed_s, lat_deg, lon_deg, x_m, y_m, distance_m, elevation_m, grade_pct, speed_mps,
    vertical_speed_mps, cadence_spm, heart_rate_bpm, moving, gap, on_foot : numpy.ndarray
        See :data:`TIMELINE_COLUMNS` for units.
    gait : numpy.ndarray of int8 or None
        Gait codes once classified (:meth:`with_gait`), else None.
    speed_source : str
        ``"device"`` (the watch's speed stream) or ``"distance"`` (derivative of distance).
    distance_source : str or None
        ``"device"``, ``"gps"`` or None (no distance at all).
    elevation_source : str or None
        ``"barometric"``, ``"gps"`` or ``"dem"``; None without elevation.
    """

    time: np.ndarray
    elapsed_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    distance_m: np.ndarray
    elevation_m: np.ndarray
    grade_pct: np.ndarray
    speed_mps: np.ndarray
    vertical_speed_mps: np.ndarray
    cadence_spm: np.ndarray
    heart_rate_bpm: np.ndarray
    moving: np.ndarray
    gap: np.ndarray
    on_foot: np.ndarray
    gait: Optional[np.ndarray] = None
    speed_source: Optional[str] = None
    distance_source: Optional[str] = None
    elevation_source: Optional[str] = None

    def __post_init__(self) -> None:
        n = len(np.asarray(self.elapsed_s))
        for col in TIMELINE_COLUMNS:
            value = getattr(self, col.name)
            if value is None and col.name == "gait":
                continue
            object.__setattr__(self, col.name, _frozen(value, col.kind, n, col.name))

    def __len__(self) -> int:
        return int(self.elapsed_s.shape[0])

    @property
    def n(self) -> int:
        """Number of grid rows."""
        return len(self)

    @property
    def has_gait(self) -> bool:
        """Whether :attr:`gait` has been classified."""
        return self.gait is not None

    def with_gait(self, gait: np.ndarray) -> "Timeline":
        """The same timeline with its gait codes (int8, :data:`GAIT_STOP`...)."""
        return replace(self, gait=np.asarray(gait, dtype=np.int8))

    def rows(self, start_m: float, end_m: float) -> slice:
        """Rows from distance ``start_m`` to ``end_m`` [m], both included (may be empty)."""
        n = len(self)
        i0 = min(int(np.searchsorted(self.distance_m, start_m, side="left")), n)
        i1 = min(int(np.searchsorted(self.distance_m, end_m, side="right")), n)
        return slice(i0, max(i1, i0))

    def to_frame(self) -> pd.DataFrame:
        """The columns as a DataFrame (``time`` tz-aware UTC, ``gait`` as labels when set)."""
        data = {}
        for col in TIMELINE_COLUMNS:
            value = getattr(self, col.name)
            if col.name == "gait":
                if value is not None:
                    data["gait"] = np.asarray(GAIT_LABELS, dtype=object)[value]
                continue
            data[col.name] = value
        frame = pd.DataFrame(data)
        frame["time"] = frame["time"].dt.tz_localize("UTC")
        return frame

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, **sources) -> "Timeline":
        """A timeline from a frame with the columns of :data:`TIMELINE_COLUMNS`.

        ``x_m``/``y_m`` are projected from ``lat_deg``/``lon_deg`` when absent, ``gait`` may be
        labels or codes, and ``sources`` gives ``speed_source``, ``distance_source`` and
        ``elevation_source``.
        """
        n = len(frame)
        values = {}
        for col in TIMELINE_COLUMNS:
            if col.name in frame:
                values[col.name] = frame[col.name].to_numpy()
        if "x_m" not in values or "y_m" not in values:
            from .processing.geodesy import project_local

            x, y, _, _ = project_local(values.get("lat_deg", np.full(n, np.nan)),
                                       values.get("lon_deg", np.full(n, np.nan)))
            values["x_m"], values["y_m"] = x, y
        gait = values.get("gait")
        if gait is not None and gait.dtype == object:
            codes = {label: i for i, label in enumerate(GAIT_LABELS)}
            values["gait"] = np.array([codes[g] for g in gait], dtype=np.int8)
        for col in TIMELINE_COLUMNS:
            if col.name not in values and col.name != "gait":
                values[col.name] = (np.zeros(n, bool) if col.kind == "bool" else np.full(n, np.nan))
        if "time" in frame:
            values["time"] = frame["time"]  # tz-aware or naive UTC: _frozen makes it naive UTC
        return cls(**values, **sources)


@dataclass(frozen=True, eq=False)
class Profile:
    """Elevation and grade on a uniform distance grid (a few metres; ``config.distance_grid_m``).

    Grade lives on a distance grid so that it never divides by a stopped runner's zero distance.

    Attributes
    ----------
    distance_m, elevation_m, grade_pct, elapsed_s : numpy.ndarray
        See :data:`PROFILE_COLUMNS`; all empty when the track has no elevation.
    """

    distance_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    elevation_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grade_pct: np.ndarray = field(default_factory=lambda: np.zeros(0))
    elapsed_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        n = len(np.asarray(self.distance_m))
        for f in fields(self):
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name), "float", n, f.name))

    def __len__(self) -> int:
        return int(self.distance_m.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """The columns as a DataFrame."""
        return pd.DataFrame({c.name: getattr(self, c.name) for c in PROFILE_COLUMNS})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> "Profile":
        """A profile from a frame with the columns of :data:`PROFILE_COLUMNS`."""
        return cls(**{c.name: frame[c.name].to_numpy(dtype=float) for c in PROFILE_COLUMNS if c.name in frame})
