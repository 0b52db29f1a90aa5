"""Run every terrain analysis of one activity: :func:`run_analyses` -> :class:`~.tables.Tables`.

Only the wiring lives here; each step is a pure function of the timeline, the profile, the
config and what the steps before it returned:

1. climbs and descents on the distance grid (:func:`.segments.terrain_segments`);
2. the gait of every row (:func:`.gait.classify_gait`), set on the timeline;
3. the runner's flat running baseline: flat cadence, step length, flat-equivalent speed
   (:func:`.baseline.running_baseline`), from the rows the gait calls running;
4. the climbs table and the hike/run verdicts (:mod:`.climbs`, :func:`.gait.hike_run`);
5. each descent scored (:func:`.stretch.score_stretch`) and its technicality along the rows;
6. repeated stretches (:func:`.repeats.find_repeats` returns the passes; descending passes
   are scored here);
7. line-practice candidates (:func:`.practice.line_practice`);
8. the summary.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..timeline import Profile, Timeline
from . import repeats as rp
from .baseline import RunningBaseline, running_baseline
from .climbs import climbs_table
from .gait import classify_gait, hike_run, row_dt_s
from .practice import line_practice
from .segments import Segments, terrain_segments
from .pitches import descent_pitches
from .reference import REFERENCE_COLUMNS, personal_reference, pitch_reference
from .stretch import foot_share, pass_control_score, pass_rows, score_stretch, technicality_along_rows
from .tables import AnalysisSummary, CONTRACT_COLUMNS, HikeRun, Tables, empty_table

__all__ = ["Tables", "AnalysisSummary", "run_analyses"]


def _none(x) -> Optional[float]:
    return None if x is None or not np.isfinite(x) else float(x)


def _descents(timeline: Timeline, ranges_m: np.ndarray, baseline: RunningBaseline,
              config: AnalysisConfig, row_dt: np.ndarray) -> list[tuple[slice, dict[str, Any]]]:
    """Each descent's timeline rows and its descents-table row."""
    out = []
    for a_m, b_m in ranges_m:
        sl = timeline.rows(a_m, b_m)
        out.append((sl, score_stretch(timeline, sl, baseline, config, start_m=a_m, end_m=b_m,
                                      row_dt_s=row_dt)))
    return out


def _descent_notes(n_descents: int, baseline: RunningBaseline) -> tuple[str, ...]:
    if n_descents and not baseline.has_cadence:
        return ("No cadence in this file: descents get no control score (it is built from the "
                "runner's step rate); speed steadiness and braking events describe them instead.",)
    if n_descents and baseline.flat_cadence_spm is None:
        return ("No flat-ground cadence baseline: descent control scores leave out the "
                "cadence-versus-flat and stride parts (weights renormalised).",)
    return ()


def _on_foot(timeline: Timeline, repeat: rp.Repeat) -> Optional[rp.Repeat]:
    """The repeat without the passes made off foot (the same road ridden on the bike leg);
    None when fewer than two passes are left."""
    keep = tuple(p for p in repeat.passes
                 if foot_share(timeline, pass_rows(timeline, p.start_s, p.start_s + p.duration_s)) >= 0.5)
    if len(keep) == len(repeat.passes):
        return repeat
    if len(keep) < 2:
        return None
    return rp.Repeat(repeat.start_m, repeat.end_m, repeat.length_m, repeat.direction, keep)


def _repeats(timeline: Timeline, profile: Profile, segments: Segments, baseline: RunningBaseline,
             config: AnalysisConfig, row_dt: np.ndarray
             ) -> tuple[pd.DataFrame, list[rp.Repeat], tuple[str, ...]]:
    """The repeats table, the repeats in its order, and notes for the user."""
    cfg = config
    path = rp.resample_path(timeline.x_m, timeline.y_m, timeline.distance_m, timeline.elevation_m,
                            timeline.elapsed_s, step_m=cfg.distance_grid_m)
    if len(path.distance_m) < 3:
        return empty_table("repeats"), [], ()
    refs, notes = rp.reference_stretches(
        path, timeline, Segments.metres(segments.climbs, profile),
        Segments.metres(segments.descents, profile), min_length_m=cfg.repeat_min_length_m)
    found = rp.find_repeats(
        path, refs, gate_radius_m=cfg.gate_radius_m, corridor_m=cfg.corridor_m,
        length_ratio=(cfg.repeat_length_ratio_min, cfg.repeat_length_ratio_max),
        hausdorff_max_m=cfg.hausdorff_max_m, hausdorff_p95_max_m=cfg.hausdorff_p95_max_m,
        frechet_max_m=cfg.frechet_max_m, elevation_gates=timeline.elevation_source == "barometric")
    if not timeline.on_foot.all():
        found = [r for r in (_on_foot(timeline, r) for r in found) if r is not None]
    if not found:
        return empty_table("repeats"), [], notes
    t0 = pd.Timestamp(timeline.time[0]).tz_localize("UTC")
    rows = []
    for rep in found:
        scores = [pass_control_score(timeline, p.start_s, p.end_s, baseline, cfg, row_dt_s=row_dt)
                  if rep.direction == "down" else None for p in rep.passes]
        passes = [{"start_time": t0 + pd.to_timedelta(p.start_s - timeline.elapsed_s[0], unit="s"),
                   "duration_s": p.duration_s, "control_score": s} for p, s in zip(rep.passes, scores)]
        rows.append({"start_m": rep.start_m, "end_m": rep.end_m, "length_m": rep.length_m,
                     "direction": rep.direction, "passes": passes,
                     "trend": rp.trend([p.duration_s for p in rep.passes],
                                       scores if rep.direction == "down" else None),
                     "n_passes": len(passes)})
    return pd.DataFrame(rows)[CONTRACT_COLUMNS["repeats"] + ["n_passes"]], found, notes


def _summary(descents: pd.DataFrame, hr: HikeRun, baseline: RunningBaseline, method: str,
             threshold_spm: float, config: AnalysisConfig) -> AnalysisSummary:
    scores = descents["control_score"].to_numpy(float) if len(descents) else np.zeros(0)
    lengths = descents["length_m"].to_numpy(float) if len(descents) else np.zeros(0)
    ok = np.isfinite(scores)
    dcs = float(np.sum(scores[ok] * lengths[ok]) / np.sum(lengths[ok])) if ok.any() else None
    tech_dist = 0.0
    if len(descents):
        t = descents["technicality"].to_numpy(float)
        gpc = descents["avg_grade_pct"].to_numpy(float)
        sel = (t >= config.technical_threshold) & (gpc <= 100 * config.technical_max_grade)
        tech_dist = float(np.sum(lengths[sel]))
    return AnalysisSummary(
        flat_cadence_spm=_none(baseline.flat_cadence_spm),
        flat_cadence_grade_band_pct=baseline.flat_cadence_band_pct,
        hike_time_s=hr.hike_time_s,
        run_time_s=hr.run_time_s,
        technical_distance_m=tech_dist,
        descent_control_score=dcs,
        gait_method=method,
        walk_run_cadence_spm=_none(threshold_spm),
        crossover_grade_pct=hr.crossover_grade_pct,
        crossover_method=hr.crossover_method,
    )


def run_analyses(timeline: Timeline, profile: Profile, config: Optional[AnalysisConfig] = None) -> Tables:
    """Run every terrain analysis of one activity.

    Parameters
    ----------
    timeline : Timeline
        The 1 Hz grid (its gait, if any, is classified again).
    profile : Profile
        The distance grid of elevation and grade.
    config : AnalysisConfig, optional

    Returns
    -------
    Tables
    """
    cfg = config or AnalysisConfig()
    segments = terrain_segments(timeline, profile, cfg)
    gait = classify_gait(timeline, cfg)
    timeline = timeline.with_gait(gait.codes)
    baseline = running_baseline(timeline, cfg, has_cadence=gait.method == "cadence")
    row_dt = row_dt_s(timeline.elapsed_s)

    climb_rows = [timeline.rows(a, b) for a, b in Segments.metres(segments.climbs, profile)]
    climbs = climbs_table(timeline, profile, segments.climbs, climb_rows, row_dt)
    climb_time_s = climbs["moving_time_s"].to_numpy(float) if len(climbs) else np.zeros(0)
    hr = hike_run(timeline, climb_rows, climb_time_s, baseline.flat_speed_mps, gait.method, cfg,
                  climbs=climbs, confidence=gait.confidence)

    scored = _descents(timeline, Segments.metres(segments.descents, profile), baseline, cfg, row_dt)
    technicality = technicality_along_rows(timeline, [sl for sl, _ in scored if sl.stop - sl.start >= 3],
                                           baseline)
    for sl, row in scored:
        row["pitches"] = descent_pitches(timeline, sl, technicality, baseline, cfg, row_dt_s=row_dt)
    descents = pd.DataFrame([row for _, row in scored]) if scored else empty_table("descents")
    if len(descents):
        descents[list(REFERENCE_COLUMNS)] = personal_reference(descents)
        descents["pitches"] = pitch_reference(descents)  # each pitch against the run's descents

    repeats, found, repeat_notes = _repeats(timeline, profile, segments, baseline, cfg, row_dt)
    practice = line_practice(timeline, scored, technicality, found, baseline, cfg, row_dt_s=row_dt)
    return Tables(
        timeline=timeline, technicality=technicality, climbs=climbs, descents=descents,
        line_practice=practice, repeats=repeats, hike_run=hr,
        summary=_summary(descents, hr, baseline, gait.method, gait.threshold_spm, cfg),
        warnings=(*segments.notes, *gait.notes, *baseline.notes,
                  *_descent_notes(len(scored), baseline), *repeat_notes),
    )
