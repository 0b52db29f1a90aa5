"""The runner's own baseline in one activity: how they run on flat ground.

A descent is judged against the runner themself: its cadence against their flat cadence (M1),
its step length against their flat step length at a similar speed (M6), its speed against the
speed their flat running effort gives on that grade (M7, technicality, time lost). All three are
read off the rows the gait classification calls running (:mod:`.gait.classification`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing.stats import median
from ..timeline import GAIT_RUN, Timeline
from . import terrain as tr
from .sampling import steadiness_reference_cv

__all__ = ["FLAT_BANDS", "flat_cadence", "RunningBaseline", "running_baseline", "flat_stride_m"]

#: |grade| bands tried in turn for the flat cadence when the flat one holds too little running.
FLAT_BANDS: tuple[float, ...] = (0.02, 0.04, 0.06, 0.10, 0.15)


def flat_cadence(cadence_spm, grade, running, *, flat_grade_max: float = 0.02,
                 min_samples: int = 60, bands: tuple[float, ...] = FLAT_BANDS
                 ) -> tuple[Optional[float], Optional[float]]:
    """The runner's flat running cadence [steps/min].

    Parameters
    ----------
    cadence_spm : array_like
        Cadence per row [steps/min].
    grade : array_like
        Grade per row [fraction]; NaN without elevation (all grades then count as flat, and
        the band returned is ``inf``).
    running : array_like of bool
        Rows that run.
    flat_grade_max : float
        |grade| below which ground is flat [fraction].
    min_samples : int
        Rows needed in a band before its median is trusted (60 = one minute at 1 Hz).
    bands : tuple of float
        Wider bands tried in turn when the flat one has too few rows [fraction].

    Returns
    -------
    cadence_spm : float or None
        Median running cadence on the narrowest band with enough rows; None with no running
        row that has a cadence.
    band : float or None
        The |grade| limit used [fraction] (``flat_grade_max`` normally; larger means the band
        was widened; ``inf`` means grade was unknown or every band was too sparse).
    """
    c = np.asarray(cadence_spm, dtype=float)
    g = np.asarray(grade, dtype=float)
    r = np.asarray(running, dtype=bool)
    if not (c.shape == g.shape == r.shape):
        raise ValueError("cadence_spm, grade and running must have the same shape")
    run = r & np.isfinite(c) & (c > 0)
    if not run.any():
        return None, None
    if not np.isfinite(g[run]).any():
        return float(np.median(c[run])), float("inf")
    absg = np.abs(g)
    for band in sorted({float(flat_grade_max), *[b for b in bands if b > flat_grade_max]}):
        sel = run & (absg < band)
        if sel.sum() >= min_samples:
            return float(np.median(c[sel])), band
    return float(np.median(c[run])), float("inf")


@dataclass(frozen=True, eq=False)
class RunningBaseline:
    """How the runner runs on flat ground in this activity.

    Attributes
    ----------
    has_cadence : bool
        Whether the activity has a usable step cadence (the gait came from it).
    flat_cadence_spm : float or None
        Median cadence of the running rows on flat ground [steps/min] (:func:`flat_cadence`).
    flat_cadence_band : float or None
        The |grade| band the flat cadence was taken on [fraction] (see :func:`flat_cadence`).
    flat_speed_mps : float
        Grade-adjusted flat-equivalent running speed [m/s]; NaN under 30 s of running.
    expected_speed_mps : numpy.ndarray or None
        Speed expected at every timeline row at that effort, ``v_flat / F(g)`` [m/s]; None
        when the flat speed is unknown.
    stride_speed_mps, stride_m : numpy.ndarray
        Speed [m/s] and step length [m] of every flat running row with a cadence.
    notes : tuple of str
        Warnings for the user.
    downhill_steadiness_cv : float or None
        The runner's cadence steadiness on this run's downhill running
        (:func:`downhill_steadiness_cv`) [-], NaN without cadence or such running; None when
        not computed (a baseline built by hand): the descents then compute it themselves.
    """

    has_cadence: bool
    flat_cadence_spm: Optional[float]
    flat_cadence_band: Optional[float]
    flat_speed_mps: float
    expected_speed_mps: Optional[np.ndarray]
    stride_speed_mps: np.ndarray
    stride_m: np.ndarray
    notes: tuple[str, ...] = ()
    downhill_steadiness_cv: Optional[float] = None

    @property
    def flat_cadence_band_pct(self) -> Optional[float]:
        """The flat cadence's |grade| band [%], None when unbounded or unknown."""
        b = self.flat_cadence_band
        return 100 * b if b is not None and np.isfinite(b) else None


def running_baseline(timeline: Timeline, config: AnalysisConfig, *,
                     has_cadence: bool) -> RunningBaseline:
    """The flat cadence, flat step length and flat-equivalent speed of the running rows.

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    config : AnalysisConfig
        ``flat_grade_max``: |grade| below which ground is flat.
    has_cadence : bool
        Whether the activity has a usable step cadence (:func:`.gait.has_step_cadence`).

    Returns
    -------
    RunningBaseline
    """
    cfg = config
    running = timeline.gait == GAIT_RUN
    grade = timeline.grade_pct / 100.0
    c, v = timeline.cadence_spm, timeline.speed_mps
    # The rows the gait calls running, and no other definition of running (issue 13): the
    # descents' cadence (M1) is judged against the cadence of the same kind of rows.
    cad, band = flat_cadence(c, grade, running, flat_grade_max=cfg.flat_grade_max)
    notes: tuple[str, ...] = ()
    if band is not None and band > cfg.flat_grade_max:
        if np.isfinite(band):
            notes = (f"Little flat running: the flat cadence uses |grade| < {100 * band:.0f} % "
                     f"instead of {100 * cfg.flat_grade_max:.0f} %.",)
        elif timeline.elevation_source is not None:
            notes = ("Little running on gentle grades: the flat cadence is the median of all running.",)
    v_flat = tr.flat_equivalent_speed_mps(v, grade, running)
    flat = running & (np.abs(np.nan_to_num(grade, nan=1.0)) < cfg.flat_grade_max) \
        & np.isfinite(c) & (c > 0)
    fi = np.flatnonzero(flat)
    return RunningBaseline(
        has_cadence=has_cadence,
        flat_cadence_spm=cad,
        flat_cadence_band=band,
        flat_speed_mps=v_flat,
        expected_speed_mps=tr.expected_speed_mps(grade, v_flat) if np.isfinite(v_flat) else None,
        stride_speed_mps=v[fi],
        stride_m=v[fi] / (c[fi] / 60.0),
        notes=notes,
        # Once per activity: every descent, pitch and practice window reads the same reference.
        downhill_steadiness_cv=downhill_steadiness_cv(timeline, cfg),
    )


def downhill_steadiness_cv(timeline: Timeline, config: AnalysisConfig) -> float:
    """The runner's cadence steadiness on this run's downhill running [-]:
    :func:`.sampling.steadiness_reference_cv` over the running rows on grades at or below
    ``config.steadiness_reference_max_grade``, in blocks of 60 s; NaN without cadence or such
    running."""
    with np.errstate(invalid="ignore"):
        down = (timeline.gait == GAIT_RUN) & (timeline.grade_pct / 100.0 <= config.steadiness_reference_max_grade)
    block = max(2, int(round(60.0 / config.time_grid_s)))
    return steadiness_reference_cv(timeline.cadence_spm, down, block_rows=block)


def flat_stride_m(baseline: RunningBaseline, speed_mps: float) -> Optional[float]:
    """Median flat running step length [m] at speeds within 0.3 m/s of ``speed_mps`` (all flat
    running when that is under 30 rows); None without cadence or under 30 rows of flat running."""
    if not baseline.has_cadence:
        return None
    near = np.abs(baseline.stride_speed_mps - speed_mps) <= 0.3
    stride = baseline.stride_m[near] if np.count_nonzero(near) >= 30 else baseline.stride_m
    if stride.size < 30:
        return None
    return float(median(stride))
