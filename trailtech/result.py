"""The result of analysing one activity: :class:`Analysis`.

``Analysis.to_dict()`` is exactly the ``analyze --json`` document of the command-line contract
(``shared/design/cli-contract.md``): units in the key names, ``None`` (JSON null) for missing
values, never NaN.

Tables (pandas DataFrames, one row each, columns named as the JSON keys)
------------------------------------------------------------------------
climbs
    start_m, end_m [m along the track], start_time (UTC), length_m, gain_m, avg_grade_pct,
    hike_fraction [0-1 of moving time], hike_vam_m_per_h, run_vam_m_per_h.
descents
    start_m, end_m, start_time, length_m, drop_m, avg_grade_pct, control_score [0-100],
    cadence_spm, cadence_delta_spm, speed_cv, braking_events, technicality [0-1]; extra
    columns (components of the score) are kept in the DataFrame and left out of the JSON.
line_practice
    rank, start_m, end_m, start_lat, start_lon, end_lat, end_lon, length_m, drop_m,
    avg_grade_pct, control_score, time_lost_s, reasons (list of str).
repeats
    start_m, end_m, length_m, direction, passes (list of dict), trend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd

from .analysis.tables import CONTRACT_COLUMNS, HikeRun
from .config import AnalysisConfig
from .track import TrackMeta

__all__ = ["Analysis", "HikeRun", "hike_run_dict", "jsonable", "file_header", "CONTRACT_COLUMNS"]

SUMMARY_KEYS = ["distance_m", "duration_s", "moving_time_s", "ascent_m", "descent_m",
                "min_elevation_m", "max_elevation_m", "avg_speed_mps", "gap_speed_mps",
                "flat_cadence_spm", "hike_time_s", "run_time_s", "technical_distance_m",
                "descent_control_score"]


def jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars and containers into JSON-ready Python values (NaN -> None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            return None
        if ts.tzinfo is None:
            ts = ts.tz_localize("UTC")
        return ts.tz_convert("UTC").isoformat().replace("+00:00", "Z")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def file_header(meta: Any) -> dict[str, Any]:
    """The keys that open both ``info --json`` and ``analyze --json``: which file, what it is.

    Parameters
    ----------
    meta : TrackMeta

    Returns
    -------
    dict
        ``file``, ``format``, ``sport``, ``device``, ``start_time`` (ISO 8601 UTC or None).
    """
    return {
        "file": meta.source,
        "format": meta.format,
        "sport": meta.sport,
        "device": meta.device,
        "start_time": jsonable(meta.start_time),
    }


def _table(df: Optional[pd.DataFrame], key: str) -> list[dict[str, Any]]:
    if df is None or len(df) == 0:
        return []
    cols = CONTRACT_COLUMNS[key]
    out = []
    # Only the contract columns are converted: the tables carry extra columns the JSON leaves out.
    for rec in df[[c for c in cols if c in df.columns]].to_dict(orient="records"):
        out.append({c: jsonable(rec.get(c)) for c in cols})
    return out


def hike_run_dict(hike_run: HikeRun) -> dict[str, Any]:
    """The ``hike_run`` object of the JSON document."""
    return {
        "method": hike_run.method,
        "crossover_grade_pct": jsonable(hike_run.crossover_grade_pct),
        "crossover_method": hike_run.crossover_method,
        "hike_time_s": jsonable(hike_run.hike_time_s),
        "run_time_s": jsonable(hike_run.run_time_s),
        "ran_should_hike": _table(hike_run.ran_should_hike, "hike_run_flags"),
        "hiked_could_run": _table(hike_run.hiked_could_run, "hike_run_flags"),
    }


@dataclass(frozen=True, repr=False)
class Analysis:
    """Everything trailtech computed for one activity.

    Attributes
    ----------
    meta : TrackMeta
        The source file's metadata.
    timeline : pandas.DataFrame
        The 1 Hz processed samples: time, elapsed_s, lat_deg, lon_deg, distance_m,
        elevation_m, grade_pct, speed_mps, vertical_speed_mps, cadence_spm, heart_rate_bpm,
        moving (bool), gap (bool: inside a recording gap, values NaN), on_foot (bool: the
        session is on foot), gait (``"hike"``/``"run"``/``"stop"``; ``"stop"`` also off
        foot), technicality (0-1, NaN off descents). Long gaps are not materialised:
        ``elapsed_s`` jumps there (docs/interfaces.md).
    profile : pandas.DataFrame
        The uniform distance grid: distance_m, elevation_m (smoothed), grade_pct,
        elapsed_s (time the runner reached that point). ``timeline.distance_m`` maps the
        timeline onto it (``numpy.interp``).
    summary : dict
        The ``summary`` object of the JSON contract, plus extra keys (elevation_source, ...).
    climbs, descents, line_practice, repeats : pandas.DataFrame
        See the module docstring.
    hike_run : HikeRun
        Gait verdicts.
    config : AnalysisConfig
        Settings used.
    version : str
        trailtech version that produced the result.
    warnings : tuple of str
        Reader and pipeline warnings.
    """

    meta: TrackMeta
    timeline: pd.DataFrame
    profile: pd.DataFrame
    summary: dict
    climbs: pd.DataFrame
    descents: pd.DataFrame
    hike_run: HikeRun
    line_practice: pd.DataFrame
    repeats: pd.DataFrame
    config: AnalysisConfig
    version: str
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``trailtech analyze --json`` document (see the CLI contract)."""
        return {
            **file_header(self.meta),
            "summary": {k: jsonable(self.summary.get(k)) for k in SUMMARY_KEYS},
            "climbs": _table(self.climbs, "climbs"),
            "descents": _table(self.descents, "descents"),
            "hike_run": hike_run_dict(self.hike_run),
            "line_practice": _table(self.line_practice, "line_practice"),
            "repeats": _table(self.repeats, "repeats"),
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        s = self.summary

        def num(k: str, scale: float = 1.0, nd: int = 0) -> str:
            v = s.get(k)
            return "None" if v is None or v != v else f"{v * scale:.{nd}f}"

        return (f"Analysis(file={self.meta.source!r}, distance_km={num('distance_m', 1e-3, 2)}, "
                f"ascent_m={num('ascent_m')}, moving_time_s={num('moving_time_s')}, "
                f"climbs={len(self.climbs)}, descents={len(self.descents)}, "
                f"descent_control_score={num('descent_control_score', nd=1)}, "
                f"line_practice={len(self.line_practice)}, repeats={len(self.repeats)}, "
                f"timeline_rows={len(self.timeline)}, warnings={len(self.warnings)})")

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        s = self.summary

        def fmt(k, unit="", scale=1.0, nd=0):
            v = s.get(k)
            return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * scale:.{nd}f}{unit}"

        return (
            f"<b>Analysis</b> of {self.meta.source}: {fmt('distance_m', ' km', 1e-3, 2)}, "
            f"+{fmt('ascent_m', ' m')} / -{fmt('descent_m', ' m')}, moving "
            f"{fmt('moving_time_s', ' min', 1 / 60, 1)}; {len(self.climbs)} climbs, "
            f"{len(self.descents)} descents (control {fmt('descent_control_score')}), "
            f"{len(self.line_practice)} line-practice candidates, {len(self.repeats)} repeats."
        )
