"""Descent control score (0-100) from what the runner controls, and its descriptors.

Issue 14: the score measures the runner, not the terrain, the watch or the file format. Its
parts are what coaching asks of a descent (science.md 3.3: "a steady, rhythmic foot strike
even when terrain forces speed changes"; quick light steps +5-7 spm over the usual rhythm;
shorter strides on steeper ground; no rigid braking):

=========== =============================================================== ============ ======
 part        metric                                                          0 .. 1       weight
=========== =============================================================== ============ ======
 cadence     median running cadence minus the runner's flat cadence; the    target-15 ..  30
             target is +cadence_target_delta_spm on technical ground         target
             (scaled by technicality T / technical_threshold, at most 1)
 cadence_cv  cadence steadiness: IQR/1.349/median of the 5 s mean cadence     6 % .. 2 %   30
 stride      step length over the flat step length (M6) against a target   target+0.25  15
             that shortens with grade: 1.10 at -5 %, 1.00 at -15 % and       .. target
             steeper
 braking     braking surges per 100 m: a drop of the grade-adjusted speed   1.5 .. 0.5   25
             ``v·F(g)`` (Strava GAP factor: the grade's share removed) of
             at least max(braking_drop_mps, 3 x the speed source's measured
             noise) within braking_window_s **with** the cadence falling by
             braking_cadence_drop_spm (a terrain-forced slow-down taken in
             control keeps the step rate and shortens the stride; a rigid
             brake plants the foot ahead and the step rate collapses,
             Lieberman et al. 2015)
=========== =============================================================== ============ ======

Speed steadiness (M3) and braking work (M5) are no longer parts: terrain forces speed changes
and a runner in control is not penalised for them. They stay in the table as descriptors.

* **Without cadence there is no score** (NaN, ``null`` in JSON): cadence is the runner's own
  rhythm and no speed-only quantity tells control from terrain. The descriptors speed
  steadiness (``speed_cv``) and braking events (``braking_events``, plain speed drops) are
  reported instead, never on the 0-100 scale.
* **A part that cannot be measured at the sampling at hand is left out and named**: braking
  surges need samples at most ``max_braking_interval_s`` apart, on average or where speed
  changes (smart recording writes a point on each speed change; a 2 s surge is invisible in
  data taken every 8 s). Speed differenced from a **stepped** distance stream (a GPS fix every
  ~7 s, the seconds between filled with extrapolated positions) changes only at its fixes
  however often its rows were written, so braking is not measured where those fixes are
  more than ``max_braking_interval_s`` apart (:func:`.sampling.stepped_update_interval_s`).
  ``control_parts`` lists the parts the score was built from.
* All anchors are heuristics [H]; the score measures control, it is not a validated skill
  index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..processing.stats import mad_sigma, median
from .sampling import (cadence_steadiness_cv, dense_share, midmean, sample_interval_s, sample_knots,
                       speed_noise_mps, steadiness_reference_cv, stepped_update_interval_s)

__all__ = [
    "ramp",
    "midmean",
    "robust_cv",
    "braking_events",
    "braking_work_j_per_kg_m",
    "DescentMetrics",
    "descent_metrics",
    "ControlScore",
    "control_score",
    "control_score_se",
    "metric_standard_errors",
    "WEIGHTS",
    "braking_surges",
    "speed_noise_mps",
    "sample_interval_s",
    "sample_knots",
    "cadence_steadiness_cv",
    "steadiness_reference_cv",
    "dense_share",
    "stepped_update_interval_s",
    "stride_target",
    "PART_COLUMNS",
    "POINT_COLUMNS",
]

#: The parts of the control score and their weights (issue 14): cadence versus flat, cadence
#: steadiness, stride length against grade, few braking surges.
WEIGHTS = {"cadence": 30.0, "cadence_cv": 30.0, "stride": 15.0, "braking": 25.0}

#: The table column of each part's score in [0, 1].
PART_COLUMNS = {k: f"score_{k}" for k in WEIGHTS}

#: The table column of the points each part adds to the control score: ``100·w·s/Σw`` over
#: the parts that exist (NaN for a missing one), so they sum to the score.
POINT_COLUMNS = {k: f"points_{k}" for k in WEIGHTS}
G_MPS2 = 9.80665


def ramp(x, poor: float, good: float):
    """Linear score: 0 at ``poor``, 1 at ``good`` (either order), clipped to [0, 1]; NaN stays NaN."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.clip((x - poor) / (good - poor), 0.0, 1.0)


def robust_cv(x: np.ndarray, *, min_samples: int = 5) -> float:
    """Robust coefficient of variation ``1.4826·MAD / median`` (NaN with too few samples)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < min_samples:
        return float("nan")
    med = median(x)
    if med <= 0:
        return float("nan")
    return float(mad_sigma(x) / med)


def braking_events(speed_mps: np.ndarray, *, drop_mps: float = 0.6, window_samples: int = 2) -> np.ndarray:
    """Start index of each braking event: speed falls by ≥ ``drop_mps`` within ``window_samples``.

    Consecutive samples that all qualify count as one event (one brake).

    Parameters
    ----------
    speed_mps : array
        Smoothed speed at a fixed rate [m/s].
    drop_mps : float
        Smallest drop counted [m/s] (0.6 m/s: above Doppler noise, Townshend 2008).
    window_samples : int
        Longest time the drop may take [samples].

    Returns
    -------
    numpy.ndarray of int
    """
    if drop_mps <= 0:
        raise ValueError(f"drop_mps={drop_mps} must be positive")
    v = np.asarray(speed_mps, dtype=float)
    n = v.size
    hit = np.zeros(n, bool)
    for k in range(1, max(1, int(window_samples)) + 1):
        if n > k:
            with np.errstate(invalid="ignore"):
                hit[:-k] |= (v[k:] - v[:-k]) <= -drop_mps
    return np.flatnonzero(hit & ~np.r_[False, hit[:-1]])


def braking_surges(gap_speed_mps: np.ndarray, cadence_spm: Optional[np.ndarray], *, drop_mps: float,
                   window_samples: int = 2, cadence_drop_spm: float = 4.0) -> np.ndarray:
    """Start index of each braking surge: a braking event with the step rate collapsing.

    A braking event (:func:`braking_events`) of the grade-adjusted speed counts when the
    cadence over the event and the ``window_samples + 2`` rows after it falls to at least
    ``cadence_drop_spm`` below its median over the 3 rows before it (a slow-down taken with
    the stride, the cadence kept, is control; one taken by planting the foot is braking).

    Parameters
    ----------
    gap_speed_mps : array
        Grade-adjusted speed ``v·F(g)`` at a fixed rate [m/s] (NaN rows never count).
    cadence_spm : array or None
        Cadence on the same rows [steps/min]; None: every braking event counts.
    drop_mps : float
        Smallest speed drop counted [m/s].
    window_samples : int
        Longest time the drop may take [samples].
    cadence_drop_spm : float
        Smallest cadence drop that makes an event a braking surge [steps/min].

    Returns
    -------
    numpy.ndarray of int
    """
    ev = braking_events(gap_speed_mps, drop_mps=drop_mps, window_samples=window_samples)
    if cadence_spm is None or ev.size == 0:
        return ev
    c = np.asarray(cadence_spm, dtype=float)
    keep = []
    for i in ev:
        before = c[max(0, i - 3):i + 1]
        after = c[i:i + window_samples + 3]
        before, after = before[np.isfinite(before)], after[np.isfinite(after)]
        if before.size and after.size and float(np.min(after)) <= float(np.median(before)) - cadence_drop_spm:
            keep.append(i)
    return np.asarray(keep, dtype=np.int64)


def stride_target(grade: float) -> float:
    """Target step length over the flat step length on mean grade ``grade`` [-]: 1.10 at -5 %,
    falling linearly to 1.00 at -15 % and steeper (shorter strides on steeper ground)."""
    g = float(grade) if np.isfinite(grade) else -0.15
    return 1.0 + float(np.clip(g + 0.15, 0.0, 0.10))


def braking_work_j_per_kg_m(speed_mps: np.ndarray, length_m: float) -> float:
    """Kinetic energy thrown away per metre, ``Σ max(0, -Δ(v²/2)) / length`` [J/kg/m] (M5)."""
    v = np.asarray(speed_mps, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2 or not length_m > 0:
        return float("nan")
    de = np.diff(0.5 * v * v)
    return float(np.sum(np.maximum(0.0, -de)) / length_m)


@dataclass(frozen=True)
class DescentMetrics:
    """The components M1-M7 of one descent (NaN where they cannot be computed).

    Attributes
    ----------
    speed_mps : float
        Median moving speed [m/s].
    cadence_spm, cadence_delta_spm : float
        Running cadence (interquartile mean, :func:`midmean`), and it minus the flat cadence
        (M1) [steps/min].
    cadence_cv, speed_cv : float
        Robust CVs of cadence (M2) and speed (M3) [-].
    braking_events : int
        Braking events (M4), and ``braking_per_100m`` of them [1/100 m].
    braking_work_j_per_kg_m, braking_ratio : float
        Braking work [J/kg/m] and its ratio to the potential energy released (M5) [-].
    stride_ratio, speed_ratio : float
        Step length over the flat step length (M6), speed over the expected speed (M7) [-].
    braking_surges : int
        Braking surges (:func:`braking_surges`), and ``surges_per_100m`` of them [1/100 m].
    braking_threshold_mps : float
        Speed drop a braking surge needed here [m/s].
    sample_interval_s : float
        Interval of the samples behind the rows [s] (:func:`sample_interval_s`).
    dense_share : float
        Share of the sample spacings short enough to see a braking surge [-].
    mean_grade : float
        Mean grade of the stretch, ``-drop/length`` [-].
    walk_s : float
        Moving rows not running (hiked) [rows, i.e. s at 1 Hz].
    cadence_rows : int
        Rows the cadence parts were measured on (running, with cadence).
    cadence_cv_weight : float
        Weight of the stretch's own steadiness in ``cadence_cv`` (1 without a reference) [-].
    speed_update_interval_s : float
        With speed differenced from a stepped distance stream: the interval between its real
        fixes over the running rows (:func:`.sampling.stepped_update_interval_s`); NaN
        otherwise (device speed, or a stream whose samples are its fixes) [s].
    length_m : float
        Horizontal length of the stretch [m].
    """

    speed_mps: float = float("nan")
    cadence_spm: float = float("nan")
    cadence_delta_spm: float = float("nan")
    cadence_cv: float = float("nan")
    speed_cv: float = float("nan")
    braking_events: int = 0
    braking_per_100m: float = float("nan")
    braking_work_j_per_kg_m: float = float("nan")
    braking_ratio: float = float("nan")
    stride_ratio: float = float("nan")
    speed_ratio: float = float("nan")
    braking_surges: int = 0
    surges_per_100m: float = float("nan")
    braking_threshold_mps: float = float("nan")
    sample_interval_s: float = float("nan")
    dense_share: float = float("nan")
    mean_grade: float = float("nan")
    walk_s: float = 0.0
    cadence_rows: int = 0
    cadence_cv_weight: float = 1.0
    speed_update_interval_s: float = float("nan")
    length_m: float = float("nan")


def _cadence_metrics(c_all: Optional[np.ndarray], use: np.ndarray, v: np.ndarray, interval_s: float, *,
                     flat_cadence_spm: Optional[float], flat_stride_m: Optional[float],
                     cadence_cv_reference: Optional[float], cadence_cv_prior_rows: float) -> dict:
    """The cadence parts of :func:`descent_metrics` over the rows ``use``: cadence (M1), its
    steadiness (M2, leaning on the runner's reference) and the stride ratio (M6).

    The stretch's own steadiness weighs as many independent samples as it holds,
    ``rows / max(CORRELATION_ROWS, interval_s)`` (the count :func:`metric_standard_errors` uses),
    against the prior's ``cadence_cv_prior_rows / CORRELATION_ROWS``: at 1 s the weight is
    ``rows / (rows + prior rows)``; cadence sampled every 8 s carries 5/8 of that evidence per
    row and leans on the reference accordingly.
    """
    nan = float("nan")
    out = {"cadence_spm": nan, "cadence_delta_spm": nan, "cadence_cv": nan, "stride_ratio": nan,
           "cadence_rows": 0, "cadence_cv_weight": 1.0}
    if c_all is None:
        return out
    c = c_all[use]
    c = c[np.isfinite(c) & (c > 0)]
    if c.size < 5:
        return out
    cad_med = midmean(c)
    cad_cv = cadence_steadiness_cv(c_all, use)
    out.update(cadence_spm=cad_med, cadence_rows=int(c.size))
    if (cadence_cv_reference is not None and np.isfinite(cadence_cv_reference)
            and np.isfinite(cad_cv) and cadence_cv_prior_rows > 0):
        spacing = max(CORRELATION_ROWS, interval_s if np.isfinite(interval_s) else 1.0)
        n_own, n_prior = c.size / spacing, cadence_cv_prior_rows / CORRELATION_ROWS
        w = n_own / (n_own + n_prior)
        cad_cv = float(w * cad_cv + (1.0 - w) * cadence_cv_reference)
        out["cadence_cv_weight"] = float(w)
    out["cadence_cv"] = cad_cv
    if flat_cadence_spm is not None and np.isfinite(flat_cadence_spm):
        out["cadence_delta_spm"] = cad_med - float(flat_cadence_spm)
    if flat_stride_m and np.isfinite(flat_stride_m):
        out["stride_ratio"] = float(median(v[use])) / (cad_med / 60.0) / flat_stride_m
    return out


def _over_updates(v_mps: np.ndarray, update_s: float) -> np.ndarray:
    """Speed averaged over a stepped stream's update interval [m/s]: the speed variation such a
    stream can resolve (row by row it swings with every fix; ``sports-lib/6037744996.gpx``
    read ±125 %)."""
    from ..processing.speed import rolling_mean

    return rolling_mean(v_mps, max(1, int(round(update_s))))


def descent_metrics(
    speed_mps: np.ndarray,
    cadence_spm: Optional[np.ndarray],
    moving: np.ndarray,
    running: np.ndarray,
    *,
    length_m: float,
    drop_m: float,
    flat_cadence_spm: Optional[float],
    flat_stride_m: Optional[float] = None,
    expected_speed_mps: Optional[np.ndarray] = None,
    braking_drop_mps: float = 0.6,
    braking_window_samples: int = 2,
    grade: Optional[np.ndarray] = None,
    heart_rate_bpm: Optional[np.ndarray] = None,
    braking_cadence_drop_spm: float = 4.0,
    braking_noise_factor: float = 3.0,
    speed_noise: Optional[float] = None,
    max_braking_interval_s: float = 3.0,
    recording_dense_share: Optional[float] = None,
    cadence_cv_reference: Optional[float] = None,
    cadence_cv_prior_rows: float = 0.0,
    distance_step_m: Optional[np.ndarray] = None,
) -> DescentMetrics:
    """The components M1-M7 of one descent (rows of the 1 Hz timeline inside it).

    Parameters
    ----------
    speed_mps : array
        Smoothed speed [m/s].
    cadence_spm : array or None
        Cadence [spm]; None or all-NaN when the file has none.
    moving, running : array of bool
        Moving rows; rows classified running.
    length_m, drop_m : float
        Horizontal length [m] and elevation drop (positive) [m] of the descent.
    flat_cadence_spm : float or None
        The runner's cadence on flat ground [spm].
    flat_stride_m : float or None
        Stride (step) length on the flat at a similar speed [m], for M6.
    expected_speed_mps : array or None
        Grade-expected speed per row [m/s], for M7.
    braking_drop_mps, braking_window_samples
        Braking-event definition (M4).
    grade : array or None
        Grade per row [-], to take the grade's share out of speed changes (braking surges).
    heart_rate_bpm : array or None
        Heart rate per row [1/min], only to find the samples' interval.
    braking_cadence_drop_spm, braking_noise_factor
        Braking-surge definition: cadence drop [steps/min]; the speed drop is at least this
        many times the speed source's noise [-].
    speed_noise : float or None
        Noise of the speed source [m/s]; measured on the rows when None.
    max_braking_interval_s : float
        Sample spacing short enough to see a braking surge [s] (:func:`dense_share`).
    recording_dense_share : float or None
        :func:`dense_share` of the recording around the stretch (the stretch's own when None):
        a smart-recording watch that wrote no point inside a steady descent saw no speed
        change there, which is itself a measurement.
    cadence_cv_reference, cadence_cv_prior_rows : float or None, float
        The runner's own steadiness on this run's downhill running
        (:func:`steadiness_reference_cv`) and the weight it gets, in rows: the stretch's
        steadiness is ``(n·own + prior·reference) / (n + prior)`` over its ``n`` running rows
        with cadence (empirical-Bayes shrinkage: a short stretch's spread, from a few samples,
        leans on the runner's usual one; a long one stands on its own).
    distance_step_m : array or None
        When the speed is differenced from a distance stream: that stream's step into each
        row [m], whose real fixes (:func:`.sampling.stepped_update_interval_s`) bound the
        speed changes it can show; None with a device speed stream.

    Returns
    -------
    DescentMetrics
    """
    v = np.asarray(speed_mps, dtype=float)
    mv = np.asarray(moving, dtype=bool)
    rn = np.asarray(running, dtype=bool) & mv
    use = rn if rn.sum() >= 10 else mv  # hiked descents: judge what there is (.stretch.running_rows)
    nan = float("nan")
    hr = None if heart_rate_bpm is None else np.asarray(heart_rate_bpm, dtype=float)
    c_all = None if cadence_spm is None else np.asarray(cadence_spm, dtype=float)
    knots = sample_knots(c_all, hr)
    interval = sample_interval_s(None if c_all is None else c_all[rn], None if hr is None else hr[rn])
    cad = _cadence_metrics(c_all, use, v, interval, flat_cadence_spm=flat_cadence_spm,
                           flat_stride_m=flat_stride_m, cadence_cv_reference=cadence_cv_reference,
                           cadence_cv_prior_rows=cadence_cv_prior_rows)
    vm = v[mv]
    update_s = nan if distance_step_m is None else stepped_update_interval_s(distance_step_m, rn)
    speed_cv = robust_cv(vm if not (update_s >= 1.5) else _over_updates(v, update_s)[mv])
    # Braking: every recorded row of the descent (a stop is the hardest brake of all).
    vv = v[np.isfinite(v)]
    ev = braking_events(vv, drop_mps=braking_drop_mps, window_samples=braking_window_samples)
    n_ev = int(ev.size)
    per100 = 100.0 * n_ev / length_m if length_m > 0 else nan
    wb = braking_work_j_per_kg_m(vv, length_m)
    pe = G_MPS2 * drop_m / length_m if length_m > 0 and drop_m > 0 else nan
    ratio = wb / pe if np.isfinite(pe) and pe > 0 else nan
    speed_ratio = nan
    if expected_speed_mps is not None and vm.size:
        ve = np.asarray(expected_speed_mps, dtype=float)[mv]
        ok = np.isfinite(ve) & (ve > 0) & np.isfinite(vm)
        if ok.any():
            # Time-based: distance covered / distance expected in the same moving time.
            speed_ratio = float(np.sum(vm[ok]) / np.sum(ve[ok]))
    # Braking surges, on the running rows' grade-adjusted speed (the grade's share of a speed
    # change is the terrain's), above the speed source's own noise.
    from ..processing.gap import gap_factor

    g = np.zeros(v.size) if grade is None else np.nan_to_num(np.asarray(grade, dtype=float))
    v_gap = np.where(rn, v * gap_factor(g), np.nan)
    noise = speed_noise_mps(v_gap) if speed_noise is None else float(speed_noise)
    thr = max(braking_drop_mps, braking_noise_factor * noise) if np.isfinite(noise) else braking_drop_mps
    surges = braking_surges(v_gap, c_all, drop_mps=thr, window_samples=braking_window_samples,
                            cadence_drop_spm=braking_cadence_drop_spm)
    run_rows = int(np.count_nonzero(rn))
    dense = (dense_share(knots[rn] if knots is not None else None, max_braking_interval_s)
             if recording_dense_share is None else float(recording_dense_share))
    return DescentMetrics(
        speed_mps=float(median(vm)) if vm.size else nan,
        cadence_spm=cad["cadence_spm"],
        cadence_delta_spm=cad["cadence_delta_spm"],
        cadence_cv=cad["cadence_cv"],
        speed_cv=speed_cv,
        braking_events=n_ev,
        braking_per_100m=per100,
        braking_work_j_per_kg_m=wb,
        braking_ratio=ratio,
        stride_ratio=cad["stride_ratio"],
        speed_ratio=speed_ratio,
        braking_surges=int(surges.size),
        surges_per_100m=100.0 * surges.size / length_m if length_m > 0 and run_rows else nan,
        braking_threshold_mps=float(thr),
        sample_interval_s=interval,
        dense_share=dense,
        mean_grade=-drop_m / length_m if length_m > 0 and np.isfinite(drop_m) else nan,
        walk_s=float(np.count_nonzero(mv & ~rn)),
        cadence_rows=cad["cadence_rows"],
        cadence_cv_weight=cad["cadence_cv_weight"],
        speed_update_interval_s=update_s,
        length_m=float(length_m),
    )


@dataclass(frozen=True)
class ControlScore:
    """The descent control score and its named parts.

    Attributes
    ----------
    score : float
        0-100 (NaN without cadence, or when no part can be computed).
    parts : dict
        Each part's score in [0, 1] by the names of :data:`WEIGHTS` (NaN where missing).
    points : dict
        The points each part adds to the score, ``100·w·s/Σw`` over the parts that exist (NaN
        where missing): they sum to ``score``.
    renormalised : bool
        Whether missing parts were left out and the weights rescaled.
    not_measured : tuple of str
        Parts that the data at hand cannot measure (e.g. ``"braking"`` at sparse sampling).
    se : float
        Standard error of the score from the sampling error of its parts
        (:func:`control_score_se`) [points]; NaN without a score.
    """

    score: float
    parts: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    renormalised: bool = False
    not_measured: tuple = ()
    se: float = float("nan")

    @property
    def used(self) -> tuple:
        """The parts the score was built from (empty without a score)."""
        if not np.isfinite(self.score):
            return ()
        return tuple(k for k, v in self.parts.items() if np.isfinite(v))

    def columns(self) -> dict:
        """The parts and points as table columns (:data:`PART_COLUMNS`, :data:`POINT_COLUMNS`)."""
        return {**{PART_COLUMNS[k]: v for k, v in self.parts.items()},
                **{POINT_COLUMNS[k]: v for k, v in self.points.items()},
                "score_renormalised": self.renormalised,
                "control_parts": list(self.used),
                "not_measured": list(self.not_measured),
                "control_score_se": self.se}


def _control_score(
    metrics: DescentMetrics,
    *,
    technicality: float = float("nan"),
    technical_threshold: float = 0.5,
    cadence_target_delta_spm: float = 5.0,
    cadence_band_spm: float = 15.0,
    cadence_cv_good: float = 0.02,
    cadence_cv_poor: float = 0.06,
    stride_band: float = 0.25,
    surges_good_per_100m: float = 0.5,
    surges_poor_per_100m: float = 1.5,
    max_braking_interval_s: float = 3.0,
    min_dense_share: float = 0.01,
) -> ControlScore:
    """Descent control score 0-100 from :func:`descent_metrics` (the module table).

    Parameters
    ----------
    metrics : DescentMetrics
    technicality : float
        Technicality T of the stretch [0-1]; the cadence target is
        ``cadence_target_delta_spm · min(1, T / technical_threshold)`` (the full target when
        T is unknown).
    cadence_target_delta_spm, cadence_band_spm : float
        Cadence target over flat [steps/min] and how far below it the part reaches 0.
    cadence_cv_good, cadence_cv_poor : float
        Cadence-steadiness anchors [-].
    stride_band : float
        How far above its target (:func:`stride_target`) the stride ratio scores 0 [-].
    surges_good_per_100m, surges_poor_per_100m : float
        Braking-surge anchors [1/100 m].
    max_braking_interval_s, min_dense_share : float
        Braking surges are measured when the samples are at most ``max_braking_interval_s``
        apart on average, or when at least ``min_dense_share`` of their spacings are (a
        smart-recording watch densifies where speed changes); never when the speed comes
        from a stepped distance stream whose fixes are more than ``max_braking_interval_s``
        apart (``metrics.speed_update_interval_s``) [s], [-].

    Returns
    -------
    ControlScore
    """
    m = metrics
    nan = float("nan")
    share = 1.0 if not np.isfinite(technicality) else float(np.clip(technicality / technical_threshold, 0.0, 1.0))
    target = cadence_target_delta_spm * share
    st = stride_target(m.mean_grade)
    not_measured = []
    has_cadence = np.isfinite(m.cadence_spm)
    braking = nan
    if has_cadence:
        sparse = (np.isfinite(m.sample_interval_s) and m.sample_interval_s > max_braking_interval_s
                  and not m.dense_share >= min_dense_share)
        unresolved = np.isfinite(m.speed_update_interval_s) and m.speed_update_interval_s > max_braking_interval_s
        if sparse or unresolved:
            not_measured.append("braking")
        else:
            braking = float(ramp(m.surges_per_100m, surges_poor_per_100m, surges_good_per_100m))
    s = {
        "cadence": float(ramp(m.cadence_delta_spm, target - cadence_band_spm, target)),
        "cadence_cv": float(ramp(m.cadence_cv, cadence_cv_poor, cadence_cv_good)),
        "stride": float(ramp(m.stride_ratio, st + stride_band, st)),
        "braking": braking,
    }
    w = np.array([WEIGHTS[k] for k in s])
    x = np.array(list(s.values()))
    ok = np.isfinite(x)
    if not has_cadence or not ok.any():
        return ControlScore(score=nan, parts=s, points={k: nan for k in s}, renormalised=False,
                            not_measured=tuple(not_measured))
    total_w = float(np.sum(w[ok]))
    pts = np.where(ok, 100.0 * w * np.nan_to_num(x) / total_w, np.nan)
    return ControlScore(score=float(np.sum(pts[ok])), parts=s, points={k: float(v) for k, v in zip(s, pts)},
                        renormalised=bool(not ok.all()), not_measured=tuple(not_measured))


#: Rows over which cadence samples are about independent (a 5 s rhythm window) [rows at 1 Hz].
CORRELATION_ROWS = 5.0


def metric_standard_errors(m: DescentMetrics) -> dict:
    """Sampling standard error of each metric a part is built from (NaN: unknown).

    Over ``n = rows / max(5, sample interval)`` about independent samples: the mean of the
    middle half (cadence) 1.25·σ/√n; an IQR-based spread 1.17·cv/√n (times the weight of the
    stretch's own rows when it leans on a reference); the stride ratio from the speed and
    cadence spreads; braking surges as a Poisson count, √max(N, 1) per stretch.
    """
    nan = float("nan")
    spacing = max(CORRELATION_ROWS, m.sample_interval_s if np.isfinite(m.sample_interval_s) else 1.0)
    n = m.cadence_rows / spacing
    if n <= 0 or not np.isfinite(m.cadence_cv):
        return {"cadence_delta_spm": nan, "cadence_cv": nan, "stride_ratio": nan, "surges_per_100m": nan}
    root = float(np.sqrt(n))
    sv = m.speed_cv if np.isfinite(m.speed_cv) else 0.0
    return {
        "cadence_delta_spm": 1.25 * m.cadence_cv * m.cadence_spm / root,
        "cadence_cv": 1.17 * m.cadence_cv * m.cadence_cv_weight / root,
        "stride_ratio": m.stride_ratio * float(np.hypot(sv, m.cadence_cv)) / root,
        "surges_per_100m": 100.0 * float(np.sqrt(max(m.braking_surges, 1))) / m.length_m
        if m.length_m > 0 else nan,
    }


def control_score_se(metrics: DescentMetrics, **kwargs) -> float:
    """Standard error of :func:`control_score` [points]: each metric moved by ± its standard
    error (:func:`metric_standard_errors`) through the part's ramp, the halves of the score
    changes added in quadrature (the parts' errors taken as independent). NaN without a score."""
    from dataclasses import replace

    base = _control_score(metrics, **kwargs).score
    if not np.isfinite(base):
        return float("nan")
    total = 0.0
    for name, se in metric_standard_errors(metrics).items():
        x = getattr(metrics, name)
        if not (np.isfinite(se) and np.isfinite(x)):
            continue
        up = _control_score(replace(metrics, **{name: x + se}), **kwargs).score
        down = _control_score(replace(metrics, **{name: max(0.0, x - se)}), **kwargs).score
        total += (0.5 * (up - down)) ** 2
    return float(np.sqrt(total))


def control_score(metrics: DescentMetrics, **kwargs) -> ControlScore:
    """Descent control score 0-100 from :func:`descent_metrics` (the module table), with its
    standard error (:func:`control_score_se`); keyword arguments as :func:`_control_score`."""
    from dataclasses import replace

    cs = _control_score(metrics, **kwargs)
    return replace(cs, se=control_score_se(metrics, **kwargs))
