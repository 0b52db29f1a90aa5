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

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import pandas as pd

from ._json import jsonable
from .analysis.gait.crossover import crossover_reason_text
from .analysis.gait.effort import effort_sentence
from .analysis.tables import CONTRACT_COLUMNS, AnalysisSummary, HikeRun
from .config import AnalysisConfig
from .timeline import TIMELINE_COLUMNS, Column
from .track import TrackMeta, file_header

if TYPE_CHECKING:  # pragma: no cover
    from .prepare import PreparedSummary

__all__ = ["Analysis", "Summary", "HikeRun", "hike_run_dict", "jsonable", "file_header",
           "CONTRACT_COLUMNS", "SUMMARY_KEYS", "ANALYSIS_TIMELINE_COLUMNS", "NOTE_PATTERNS",
           "split_messages", "settings_dict"]

#: The keys of the JSON ``summary`` object, in contract order.
SUMMARY_KEYS = ["distance_m", "duration_s", "moving_time_s", "ascent_m", "descent_m",
                "min_elevation_m", "max_elevation_m", "avg_speed_mps", "gap_speed_mps",
                "flat_cadence_spm", "hike_time_s", "run_time_s", "technical_distance_m",
                "descent_control_score", "elevation_source"]

#: The columns of :attr:`Analysis.timeline`: the timeline's own (:data:`TIMELINE_COLUMNS`,
#: ``gait`` as labels), then what the descent analysis adds.
ANALYSIS_TIMELINE_COLUMNS: tuple[Column, ...] = TIMELINE_COLUMNS + (
    Column("technicality", "-", "float", "technicality proxy 0-1 over descents, NaN elsewhere"),
)


#: Messages that say what trailtech decided (a unit converted, a source chosen, a part left
#: out by design) rather than what went wrong with the recording: they are ``notes``, every
#: other message is a ``warning``. Matched anywhere in the message (multisport messages
#: carry a "Session 2: " prefix), case-insensitive. One list here rather than a kind on every
#: message: the readers, the preparation and the analyses all produce plain strings.
NOTE_PATTERNS: tuple[str, ...] = (
    r"doubled (?:to|from) (?:steps|strides)",   # FIT strides/min -> steps/min
    r"^no cadence in this file",                 # gait or scores from speed instead
    r"not on foot",                              # multisport: sessions kept out by design
    r"^little running on gentle grades",         # flat cadence from all running
    r"^little flat running",                     # flat cadence band widened
    r"^no flat-ground cadence baseline",         # score renormalised without that part
    r"^device distance not used",                # distance taken from GPS instead
    r"^the device speed disagrees",              # speed taken from distance instead
    r"^fast fit decoder does not handle",        # decoded by the other decoder
    r"(?:barometer|barometric altimeter|barometric elevation) (?:detected|found|used)",
    # Terrain tiles (--dem): which elevation was taken, and where the tiles end.
    r"^elevation from terrain tiles",
    r"^barometric elevation kept; its offset corrected",
    r"^terrain tiles in .* cover only",
    r"^no terrain tile covers",
)
_NOTE_RE = re.compile("|".join(f"(?:{p})" for p in NOTE_PATTERNS), re.I)
_SESSION_PREFIX = re.compile(r"^session \d+:\s*", re.I)


def split_messages(messages: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split reader and pipeline messages into ``(notes, warnings)``.

    Notes say what was decided (:data:`NOTE_PATTERNS`: cadence doubled, distance from GPS);
    warnings say what went wrong (gaps, spikes removed, clock jumps). Order is kept and
    duplicates are dropped.
    """
    notes, warnings = [], []
    for m in dict.fromkeys(messages):
        (notes if _NOTE_RE.search(_SESSION_PREFIX.sub("", str(m))) else warnings).append(m)
    return tuple(notes), tuple(warnings)


def settings_dict(config: AnalysisConfig) -> dict[str, Any]:
    """The ``settings`` object of ``analyze --json``: the values that differ from the
    defaults (``changed``) and a SHA-256 of every value (``hash``), so a figure can be traced
    to the configuration that made it."""
    default = AnalysisConfig().to_dict()
    values = config.to_dict()
    blob = json.dumps(values, sort_keys=True, default=str).encode("utf-8")
    return {
        "changed": {k: jsonable(v) for k, v in values.items() if v != default.get(k)},
        "hash": "sha256:" + hashlib.sha256(blob).hexdigest()[:16],
    }


def _table(df: Optional[pd.DataFrame], key: str, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    if df is None or len(df) == 0:
        return []
    cols = CONTRACT_COLUMNS[key] + [c for c in extra if c in df.columns]
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
        "crossover_ci_pct": None if hike_run.crossover_ci_pct is None
        else [jsonable(x) for x in hike_run.crossover_ci_pct],
        "crossover_reason": hike_run.crossover_reason,
        "crossover_reason_text": crossover_reason_text(hike_run.crossover_reason,
                                                       hike_run.crossover_reason_grade_pct) or None,
        "effort": None if hike_run.effort is None else
        {**{k: jsonable(v) for k, v in hike_run.effort.to_dict().items()},
         "text": effort_sentence(hike_run.effort)},
        "hike_time_s": jsonable(hike_run.hike_time_s),
        "run_time_s": jsonable(hike_run.run_time_s),
        "ran_should_hike": _table(hike_run.ran_should_hike, "hike_run_flags", ("reference",)),
        "hiked_could_run": _table(hike_run.hiked_could_run, "hike_run_flags", ("reference",)),
        "confidence": None if hike_run.confidence is None
        else {k: jsonable(v) for k, v in hike_run.confidence.items()},
    }


@dataclass(frozen=True)
class Summary:
    """The totals of one activity: preparation's and the analyses'.

    Every value of either part reads as an attribute of the summary itself
    (``result.summary.distance_m``, ``result.summary.hike_time_s``); :meth:`to_dict` gives the
    ``summary`` object of the JSON contract (:data:`SUMMARY_KEYS`).

    Attributes
    ----------
    prepared : PreparedSummary
        Distance, durations, ascent and descent, elevation range, speeds, energy, where
        distance, speed and elevation came from (:class:`trailtech.prepare.PreparedSummary`).
    analysis : AnalysisSummary
        Flat cadence and its grade band, hike and run time, technical distance, descent
        control score, how gait was judged, the hike/run crossover
        (:class:`trailtech.analysis.tables.AnalysisSummary`).
    """

    prepared: "PreparedSummary"
    analysis: AnalysisSummary

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the values of the two parts. The guard keeps
        # copy and pickle (which look up dunders before the fields exist) away from the parts.
        parts = self.__dict__
        if not name.startswith("__"):
            for part in ("prepared", "analysis"):
                if part in parts and hasattr(parts[part], name):
                    return getattr(parts[part], name)
        raise AttributeError(f"{type(self).__name__!r} has no value {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """The ``summary`` object of ``analyze --json``: :data:`SUMMARY_KEYS`, JSON-ready."""
        return {k: jsonable(getattr(self, k)) for k in SUMMARY_KEYS}


@dataclass(frozen=True, repr=False)
class Analysis:
    """Everything trailtech computed for one activity.

    Attributes
    ----------
    meta : TrackMeta
        The source file's metadata.
    timeline : pandas.DataFrame
        The 1 Hz processed samples, one column per :data:`ANALYSIS_TIMELINE_COLUMNS` (units
        there): the :class:`~trailtech.timeline.Timeline` columns (``time`` tz-aware UTC,
        ``gait`` as ``"stop"``/``"hike"``/``"run"``; ``"stop"`` also off foot), then
        ``technicality``. Long gaps are not materialised: ``elapsed_s`` jumps there.
    profile : pandas.DataFrame
        The uniform distance grid, one column per
        :data:`~trailtech.timeline.PROFILE_COLUMNS`: distance_m, elevation_m (smoothed),
        grade_pct, elapsed_s (time the runner reached that point). ``timeline.distance_m``
        maps the timeline onto it (``numpy.interp``).
    summary : Summary
        The totals; ``summary.to_dict()`` is the ``summary`` object of the JSON contract.
    climbs, descents, line_practice, repeats : pandas.DataFrame
        See the module docstring.
    hike_run : HikeRun
        Gait verdicts.
    config : AnalysisConfig
        Settings used.
    version : str
        trailtech version that produced the result.
    warnings : tuple of str
        What went wrong in the recording (gaps, spikes removed, clock jumps).
    notes : tuple of str
        What trailtech decided (cadence doubled, distance from GPS); see
        :func:`split_messages`.
    """

    meta: TrackMeta
    timeline: pd.DataFrame
    profile: pd.DataFrame
    summary: Summary
    climbs: pd.DataFrame
    descents: pd.DataFrame
    hike_run: HikeRun
    line_practice: pd.DataFrame
    repeats: pd.DataFrame
    config: AnalysisConfig
    version: str
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The ``trailtech analyze --json`` document (see the CLI contract)."""
        return {
            **file_header(self.meta),
            "summary": self.summary.to_dict(),
            "climbs": _table(self.climbs, "climbs"),
            "descents": _table(self.descents, "descents"),
            "hike_run": hike_run_dict(self.hike_run),
            "line_practice": _table(self.line_practice, "line_practice"),
            "repeats": _table(self.repeats, "repeats"),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "trailtech_version": self.version,
            "settings": settings_dict(self.config),
        }

    def __repr__(self) -> str:
        s = self.summary

        def num(k: str, scale: float = 1.0, nd: int = 0) -> str:
            v = getattr(s, k, None)
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
            v = getattr(s, k, None)
            return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * scale:.{nd}f}{unit}"

        return (
            f"<b>Analysis</b> of {self.meta.source}: {fmt('distance_m', ' km', 1e-3, 2)}, "
            f"+{fmt('ascent_m', ' m')} / -{fmt('descent_m', ' m')}, moving "
            f"{fmt('moving_time_s', ' min', 1 / 60, 1)}; {len(self.climbs)} climbs, "
            f"{len(self.descents)} descents (control {fmt('descent_control_score')}), "
            f"{len(self.line_practice)} line-practice candidates, {len(self.repeats)} repeats."
        )
