"""The simulated runner: how fast, at what cadence and in which gait they move over a course.

The runner follows an itinerary of :class:`Leg` objects over a :class:`~.course.Course`
(forward, or backward for a hill repeat's walk back up). Motion is built in the distance
domain on the course's 1 m grid, which keeps it vectorised and exact:

1. A *model speed* per metre from the local grade (direction of travel):

   - running: ``v = v_flat / F(g)`` with ``F`` the Strava 2017 grade-adjusted-pace factor
     (Robb 2017, table reverse-engineered by Schroeder; science.md 1.2): the speed at the
     same effort as easy flat running; above ``g0`` = 10% it is further multiplied by
     ``exp(−κ·(g − g0)²)`` (κ = 30): holding a running gait on a steep slope costs more
     than the GAP table says (the table is fitted to heart rate on mixed running and hiking;
     per metre, walking becomes cheaper than running above ~15-20%, Minetti et al. 2002), so
     the runner's own running slows faster with grade than their hiking does;
   - hiking: ``v = k · Tobler(g)`` (Tobler 1993; ``k`` = 1.4 for a trained trail runner,
     ~830 m/h of climb at 28%, within the 700-1 400 m/h of science.md 2.5);
   - "run slow" (running up a steep climb no faster than hiking): ``v = r · k · Tobler(g)``
     with ``r`` = 0.95.

   The **crossover grade** :func:`crossover_grade` is where the running and hiking speeds
   (hence vertical speeds, at the same grade) are equal: the root of
   ``v_flat / F(g) · exp(−κ·(g − g0)²) = k · Tobler(g)``, 19.9% for the default runner. Below
   it running climbs faster, above it hiking does. On a climb that steepens gradually the
   runner runs until the grade passes their *switch grade* and hikes from there on; the
   default runner holds on a little too long, to 22% (where their running is 13% slower
   than their hiking), as many runners do.

2. Multiplicative speed jitter (AR(1) over a ~20 s horizon), eased transitions between legs
   (~9 m), braking dips at hairpins (speed falls to ~45% within ~4 m, i.e. ≥ 1 m/s in < 2 s,
   and recovers over ~11 m), and constant-acceleration starts and stops (1 m/s²).
3. Cadence [steps/min] follows speed while running, ``c = c_flat + 8 spm/(m/s)·(v − v_flat)
   + Δ_leg`` (cadence rises modestly with speed; in the field uphill cadence falls with the
   slower speed, Chan et al. 2025), is ~100-120 spm while hiking, and a fixed ~155 spm shuffle
   on the run-slow stretch; each leg adds its own AR(1) irregularity.
4. Time per metre ``dt = 2·ds/(v_i + v_{i+1})`` (constant acceleration between grid points),
   so position is the exact integral of speed; stops add nodes with zero distance.

Heart rate is a first-order response (τ = 30 s) to the flat-equivalent effort ``v·F(g)``,
with walking ~8% cheaper than running on steep slopes (Giovanelli et al. 2016), plus a slow
cardiac drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..processing.gap import strava_gap_factor
from ..processing.hiking import tobler_speed_mps
from .course import Course, _ease
from .noise import ar1

__all__ = ["Runner", "Leg", "Motion", "running_speed_mps", "hiking_speed_mps", "crossover_grade",
           "simulate_motion"]

#: Relative cost of each gait at the same speed and grade, for the heart-rate model.
_GAIT_COST = {"run": 1.0, "run_slow": 1.1, "hike": 0.92, "stop": 0.0}


@dataclass(frozen=True)
class Runner:
    """Physiology and habits of the simulated athlete.

    Attributes
    ----------
    flat_speed_mps : float
        Easy running speed on the flat [m/s] (3.0 m/s = 5:33 min/km).
    flat_cadence_spm : float
        Cadence at ``flat_speed_mps`` on the flat [steps/min]; step length 1.06 m.
    cadence_per_mps : float
        Running cadence change per m/s of speed [steps/min per m/s].
    hike_speed_scale : float
        Hiking speed = ``hike_speed_scale × Tobler(grade)`` [-].
    hike_cadence_spm : float
        Hiking cadence at 0.8 m/s [steps/min].
    hike_cadence_per_mps : float
        Hiking cadence change per m/s [steps/min per m/s].
    run_slow_cadence_spm : float
        Cadence of the steep uphill "shuffle" run [steps/min].
    run_slow_speed_ratio : float
        Speed of the shuffle run / hiking speed at the same grade [-] (<= 1: no faster).
    accel_mps2 : float
        Acceleration when starting and stopping [m/s²].
    pace_accel_mps2, pace_decel_mps2 : float
        Largest acceleration and deceleration between paces of consecutive legs [m/s²]
        (gentle enough never to count as a braking event: 0.3 m/s² is 0.6 m/s in 2 s).
    hr_base_bpm, hr_per_mps : float
        Steady heart rate = base + per_mps × flat-equivalent speed [1/min, 1/min per m/s].
    hr_start_bpm : float
        Heart rate when the recording starts [1/min].
    hr_tau_s : float
        Heart-rate response time [s].
    hr_drift_bpm_per_h : float
        Cardiac drift [1/min per hour].
    fatigue_per_h : float
        Fractional speed loss per hour of running [-/h].
    steep_run_onset_grade : float
        Grade above which running slows faster than the GAP table says [-].
    steep_run_decay : float
        ``κ``: above the onset, running speed is multiplied by ``exp(−κ·(g − onset)²)`` [-]
        (30: running climbs 808 m/h at 14%, 716 m/h at 19.9% like hiking, 544 m/h at 24%).
    hike_switch_grade : float or None
        Design grade at which the runner switches from running to hiking on a steepening
        climb [-]; ``None``: at the crossover grade (:func:`crossover_grade`).
    """

    flat_speed_mps: float = 3.0
    flat_cadence_spm: float = 170.0
    cadence_per_mps: float = 8.0
    hike_speed_scale: float = 1.4
    hike_cadence_spm: float = 112.0
    hike_cadence_per_mps: float = 25.0
    run_slow_cadence_spm: float = 155.0
    run_slow_speed_ratio: float = 0.95
    accel_mps2: float = 1.0
    pace_accel_mps2: float = 0.5
    pace_decel_mps2: float = 0.25
    hr_base_bpm: float = 92.0
    hr_per_mps: float = 22.0
    hr_start_bpm: float = 88.0
    hr_tau_s: float = 30.0
    hr_drift_bpm_per_h: float = 3.0
    fatigue_per_h: float = 0.0
    steep_run_onset_grade: float = 0.10
    steep_run_decay: float = 30.0
    hike_switch_grade: Optional[float] = 0.22

    @property
    def switch_grade(self) -> float:
        """Grade where this runner starts hiking on a steepening climb [-]."""
        if self.hike_switch_grade is not None:
            return float(self.hike_switch_grade)
        g = crossover_grade(self)
        if g is None:
            raise ValueError("this runner's running never gets slower than hiking: set hike_switch_grade")
        return g


def running_speed_mps(grade: np.ndarray | float, runner: Runner) -> np.ndarray:
    """The runner's model running speed at ``grade`` (before jitter) [m/s].

    ``v_flat / F(g)``, times ``exp(−κ·(g − g0)²)`` above ``g0 = steep_run_onset_grade``.
    """
    g = np.asarray(grade, dtype=float)
    steep = np.maximum(g - runner.steep_run_onset_grade, 0.0)
    return runner.flat_speed_mps / strava_gap_factor(g) * np.exp(-runner.steep_run_decay * steep * steep)


def hiking_speed_mps(grade: np.ndarray | float, runner: Runner) -> np.ndarray:
    """The runner's model hiking speed ``k · Tobler(g)`` at ``grade`` (before jitter) [m/s]."""
    return runner.hike_speed_scale * tobler_speed_mps(grade)


def crossover_grade(runner: Runner, *, lo: float = 0.0, hi: float = 0.45) -> Optional[float]:
    """Grade where the runner's model running and hiking vertical speeds are equal [-].

    At a given grade vertical speed is speed × grade, so this is the root of
    ``running_speed_mps(g) = hiking_speed_mps(g)`` between ``lo`` and ``hi`` (bisection on
    the 0.01% grid is exact enough: the models are smooth). Running is faster below it.

    Returns
    -------
    float or None
        ``None`` when running stays faster (or slower) over the whole range.
    """
    from scipy.optimize import brentq

    def diff(g: float) -> float:
        return float(running_speed_mps(g, runner) - hiking_speed_mps(g, runner))

    if not (diff(lo) > 0 > diff(hi)):
        return None
    return float(brentq(diff, lo, hi, xtol=1e-7))


@dataclass(frozen=True)
class Leg:
    """One step of the itinerary: a stretch of course travelled one way in one gait, or a stop.

    Attributes
    ----------
    kind : str
        Section label (:data:`~.truth.SECTION_KINDS`).
    u_start_m, u_end_m : int
        Course positions where the leg starts and ends [m]; ``end < start`` travels backwards;
        equal for a stop.
    gait : str
        ``"run"``, ``"hike"``, ``"run_slow"`` or ``"stop"``.
    duration_s : float
        Length of a stop [s].
    speed_factor : float
        Multiplies the model speed [-].
    cadence_delta_spm : float
        Added to the model cadence [steps/min].
    cadence_follow : float
        How strongly running cadence follows speed changes within the leg, as a fraction of
        ``Runner.cadence_per_mps`` [-] (on switchbacks runners keep stepping while braking).
    speed_cv : float
        Standard deviation of the multiplicative speed jitter [-].
    speed_tau_s : float
        Correlation time of the speed jitter [s].
    cadence_sd_spm : float
        Standard deviation of the cadence irregularity [steps/min].
    cadence_tau_s : float
        Correlation time of the cadence irregularity [s].
    brake_at_m : tuple of float
        Course positions of hairpins where the runner brakes hard [m].
    brake_ratio : float
        Speed at a braked hairpin / surge speed [-].
    ease_at_m : tuple of float
        Course positions of hairpins taken flowing (a gentle ~10% slow-down, no braking) [m].
    ease_ratio : float
        Speed at the slowest point of an ``ease_at_m`` slow-down / the speed around it [-]
        (lower values are terrain-forced slow-downs taken gradually, :mod:`.skill`).
    ease_down_m, ease_up_m : float
        Distance over which an ``ease_at_m`` slow-down slows and recovers [m].
    pass_index : int or None
        Hill-repeat pass this leg belongs to (1-based).
    """

    kind: str
    u_start_m: int
    u_end_m: int
    gait: str = "run"
    duration_s: float = 0.0
    speed_factor: float = 1.0
    cadence_delta_spm: float = 0.0
    cadence_follow: float = 1.0
    speed_cv: float = 0.03
    speed_tau_s: float = 20.0
    cadence_sd_spm: float = 1.5
    cadence_tau_s: float = 15.0
    brake_at_m: tuple[float, ...] = ()
    brake_ratio: float = 0.45
    ease_at_m: tuple[float, ...] = ()
    ease_ratio: float = 0.9
    ease_down_m: float = 8.0
    ease_up_m: float = 10.0
    pass_index: Optional[int] = None

    @property
    def direction(self) -> int:
        """+1 forward along the course, −1 backward, 0 for a stop."""
        return int(np.sign(self.u_end_m - self.u_start_m))


def _dip(d: np.ndarray, *, ratio: float, before_m: float, down_m: float, hold_m: float, up_m: float) -> np.ndarray:
    """Speed multiplier around a hairpin at ``d = 0`` (``d`` = distance past the apex [m])."""
    down = _ease((d + before_m) / down_m)
    up = 1.0 - _ease((d - hold_m) / up_m)
    return 1.0 - (1.0 - ratio) * down * up


def _limit_rates(s: np.ndarray, v: np.ndarray, *, accel_mps2: float, decel_mps2: float) -> np.ndarray:
    """Cap acceleration and deceleration along the path: ``v² <= v_j² ± 2·a·(s − s_j)``.

    The backward (deceleration) and forward (acceleration) envelopes are cumulative minima,
    so this is vectorised: ``v_i² = min_{j>=i}(v_j² + 2·a_d·s_j) − 2·a_d·s_i``.
    """
    v2 = v * v
    back = np.minimum.accumulate((v2 + 2.0 * decel_mps2 * s)[::-1])[::-1] - 2.0 * decel_mps2 * s
    v2 = np.minimum(v2, back)
    fwd = np.minimum.accumulate(v2 - 2.0 * accel_mps2 * s) + 2.0 * accel_mps2 * s
    v2 = np.minimum(v2, fwd)
    return np.sqrt(np.maximum(v2, 0.0))


@dataclass(frozen=True, eq=False)
class Motion:
    """The runner's continuous motion, on nodes 1 m apart (plus zero-length stop intervals).

    Between consecutive nodes acceleration is constant, so :meth:`at` evaluates distance,
    speed, course position and cadence at any time exactly.

    Attributes
    ----------
    t_s, s_m, u_m, v_mps, cadence_spm : numpy.ndarray
        Node time [s], travelled distance [m], course position [m], speed [m/s] and cadence
        [steps/min].
    interval_leg : numpy.ndarray
        Leg index of each interval between nodes (length ``len(t_s) - 1``).
    leg_node_span : list of (int, int)
        First and last node of each leg.
    legs : tuple of Leg
    """

    t_s: np.ndarray
    s_m: np.ndarray
    u_m: np.ndarray
    v_mps: np.ndarray
    cadence_spm: np.ndarray
    interval_leg: np.ndarray
    leg_node_span: list[tuple[int, int]]
    legs: tuple[Leg, ...]

    @property
    def end_s(self) -> float:
        """Time the runner comes to rest at the end [s]."""
        return float(self.t_s[-1])

    def at(self, times_s: np.ndarray) -> dict[str, np.ndarray]:
        """Distance [m], speed [m/s], course position [m], cadence [1/min], leg index at times."""
        t = np.asarray(times_s, dtype=float)
        n = len(self.t_s)
        i = np.clip(np.searchsorted(self.t_s, t, side="right") - 1, 0, n - 2)
        dt = self.t_s[i + 1] - self.t_s[i]
        tau = np.clip(t - self.t_s[i], 0.0, dt)
        with np.errstate(invalid="ignore", divide="ignore"):
            acc = np.where(dt > 0, (self.v_mps[i + 1] - self.v_mps[i]) / dt, 0.0)
            frac_t = np.where(dt > 0, tau / dt, 0.0)
        ds = self.s_m[i + 1] - self.s_m[i]
        travelled = np.clip(self.v_mps[i] * tau + 0.5 * acc * tau * tau, 0.0, ds)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac_s = np.where(ds > 0, travelled / ds, 0.0)
        return {
            "distance_m": self.s_m[i] + travelled,
            "speed_mps": np.maximum(self.v_mps[i] + acc * tau, 0.0),
            "u_m": self.u_m[i] + frac_s * (self.u_m[i + 1] - self.u_m[i]),
            "cadence_spm": self.cadence_spm[i] + frac_t * (self.cadence_spm[i + 1] - self.cadence_spm[i]),
            "leg": self.interval_leg[i],
        }


def simulate_motion(
    course: Course, legs: list[Leg] | tuple[Leg, ...], runner: Runner, *, rng: np.random.Generator
) -> Motion:
    """Move ``runner`` along ``legs`` over ``course``.

    Parameters
    ----------
    course : Course
    legs : sequence of Leg
        Consecutive legs: each starts where the previous one ended.
    runner : Runner
    rng : numpy.random.Generator

    Returns
    -------
    Motion

    Raises
    ------
    ValueError
        If legs are not consecutive, leave the course, or a stop has no positive duration.
    """
    legs = tuple(legs)
    if not legs:
        raise ValueError("legs must not be empty")
    u, s, interval_leg, interval_stop, spans = _nodes(course, legs)
    node_leg = np.concatenate([[0], interval_leg])  # leg of the interval ending at each node
    # Grade in the direction of travel.
    direction = np.array([lg.direction for lg in legs], dtype=float)[node_leg]
    grade = np.interp(u, course.u_m, course.grade) * direction
    gait = np.array([lg.gait for lg in legs])[node_leg]
    factor = np.array([lg.speed_factor for lg in legs])[node_leg]
    v = _model_speed_mps(grade, gait, runner) * factor
    jitter, cad_noise = _leg_noise(legs, spans, v, rng=rng)
    moving = gait != "stop"
    v = _paced_speed_mps(s, v, jitter, moving, runner)
    v_smooth = v.copy()  # speed before dips: the runner's intended pace
    v = v * _hairpin_multiplier(legs, spans, s)
    # Starts and stops at runner.accel_mps2.
    dist_rest = _distance_to_rest_m(s, interval_stop)
    v = np.minimum(v, np.sqrt(2.0 * runner.accel_mps2 * dist_rest))
    cad = _cadence_spm(legs, node_leg, gait, v, v_smooth, dist_rest, cad_noise, runner)
    t = _node_times_s(s, v, interval_stop)
    return Motion(
        t_s=t, s_m=s, u_m=u, v_mps=v, cadence_spm=cad, interval_leg=interval_leg,
        leg_node_span=spans, legs=legs,
    )


def _nodes(
    course: Course, legs: tuple[Leg, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """The itinerary's nodes: one per metre travelled, one more per stop.

    Returns
    -------
    u_m, s_m : numpy.ndarray
        Course position and travelled distance of each node [m].
    interval_leg : numpy.ndarray
        Leg index of each interval between nodes.
    interval_stop_s : numpy.ndarray
        Duration of each stop interval [s]; NaN on moving intervals.
    spans : list of (int, int)
        First and last node of each leg.

    Raises
    ------
    ValueError
        If legs are not consecutive, leave the course, or a stop has no positive duration.
    """
    u_parts = [np.array([float(legs[0].u_start_m)])]
    s_parts = [np.array([0.0])]
    iv_leg: list[np.ndarray] = []
    stop_dur: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []
    node = 0
    s_now, u_now = 0.0, float(legs[0].u_start_m)
    for k, leg in enumerate(legs):
        if leg.u_start_m != u_now:
            raise ValueError(f"leg {k} ({leg.kind}) starts at {leg.u_start_m} m, previous ended at {u_now} m")
        if not (0 <= min(leg.u_start_m, leg.u_end_m) and max(leg.u_start_m, leg.u_end_m) <= course.length_m):
            raise ValueError(f"leg {k} ({leg.kind}) leaves the course")
        if leg.gait == "stop":
            if leg.duration_s <= 0 or leg.u_end_m != leg.u_start_m:
                raise ValueError(f"stop leg {k} needs duration_s > 0 and no length")
            u_parts.append(np.array([u_now]))
            s_parts.append(np.array([s_now]))
            iv_leg.append(np.array([k]))
            stop_dur.append(np.array([leg.duration_s]))
            spans.append((node, node + 1))
            node += 1
            continue
        length = abs(leg.u_end_m - leg.u_start_m)
        if length < 1:
            raise ValueError(f"leg {k} ({leg.kind}) has no length")
        steps = np.arange(1, length + 1, dtype=float)
        u_parts.append(u_now + leg.direction * steps)
        s_parts.append(s_now + steps)
        iv_leg.append(np.full(length, k))
        stop_dur.append(np.full(length, np.nan))
        spans.append((node, node + length))
        node += length
        s_now += length
        u_now = float(leg.u_end_m)
    return (np.concatenate(u_parts), np.concatenate(s_parts), np.concatenate(iv_leg),
            np.concatenate(stop_dur), spans)


def _model_speed_mps(grade: np.ndarray, gait: np.ndarray, runner: Runner) -> np.ndarray:
    """Model speed of each node's gait at its grade, before the leg's factor and jitter [m/s]."""
    hike_v = hiking_speed_mps(grade, runner)
    return np.where(
        gait == "hike",
        hike_v,
        np.where(gait == "run_slow", runner.run_slow_speed_ratio * hike_v, running_speed_mps(grade, runner)),
    )


def _leg_noise(
    legs: tuple[Leg, ...], spans: list[tuple[int, int]], v_mps: np.ndarray, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each moving leg's speed jitter [-] and cadence irregularity [steps/min] at the nodes.

    AR(1) series drawn leg by leg, speed then cadence; their correlation times [s] become
    lengths in nodes through the leg's mean model speed ``v_mps`` [m/s].
    """
    jitter = np.zeros(len(v_mps))
    cad_noise = np.zeros(len(v_mps))
    for k, leg in enumerate(legs):
        a, b = spans[k]
        if leg.gait == "stop":
            continue
        sl = slice(a + 1, b + 1)
        m = b - a
        v_mean = float(np.mean(v_mps[sl])) or 1.0
        jitter[sl] = ar1(m, sigma=leg.speed_cv, tau_s=leg.speed_tau_s * v_mean, dt_s=1.0, rng=rng)
        cad_noise[sl] = ar1(m, sigma=leg.cadence_sd_spm, tau_s=max(leg.cadence_tau_s * v_mean, 1.0), dt_s=1.0, rng=rng)
    return jitter, cad_noise


def _paced_speed_mps(
    s_m: np.ndarray, v_mps: np.ndarray, jitter: np.ndarray, moving: np.ndarray, runner: Runner
) -> np.ndarray:
    """Model speed with jitter, smoothed over ~9 m, slowed by fatigue, paced between legs [m/s]."""
    from scipy.ndimage import uniform_filter1d

    v = v_mps * (1.0 + jitter)
    v[moving] = uniform_filter1d(v[moving], size=9, mode="nearest")
    if runner.fatigue_per_h:
        t_est = np.concatenate([[0.0], np.cumsum(np.diff(s_m) / np.maximum(v[1:], 0.1))])
        v = v * np.maximum(1.0 - runner.fatigue_per_h * t_est / 3600.0, 0.5)
    # Changes of pace between legs (into a climb, at the bottom of a repeat) are gradual:
    # only hairpin braking and stops are abrupt.
    return _limit_rates(s_m, v, accel_mps2=runner.pace_accel_mps2, decel_mps2=runner.pace_decel_mps2)


def _hairpin_multiplier(legs: tuple[Leg, ...], spans: list[tuple[int, int]], s_m: np.ndarray) -> np.ndarray:
    """Speed multiplier at the nodes [-]: braking dips and flowing turns at each leg's hairpins."""
    mult = np.ones(len(s_m))
    for k, leg in enumerate(legs):
        if leg.gait == "stop" or not (leg.brake_at_m or leg.ease_at_m):
            continue
        a, b = spans[k]
        seg = slice(a, b + 1)
        s_leg0 = s_m[a]
        for apex, hard in [(x, True) for x in leg.brake_at_m] + [(x, False) for x in leg.ease_at_m]:
            d = s_m[seg] - (s_leg0 + abs(apex - leg.u_start_m))
            if hard:
                mult[seg] *= _dip(d, ratio=leg.brake_ratio, before_m=7.0, down_m=4.0, hold_m=2.0, up_m=11.0)
            else:
                mult[seg] *= _dip(d, ratio=leg.ease_ratio, before_m=leg.ease_down_m + 2.0,
                                  down_m=leg.ease_down_m, hold_m=1.0, up_m=leg.ease_up_m)
    return mult


def _distance_to_rest_m(s_m: np.ndarray, interval_stop_s: np.ndarray) -> np.ndarray:
    """Distance from each node to the nearest point at rest: the start, the end, a stop [m]."""
    rest_points = np.concatenate([[s_m[0], s_m[-1]], s_m[:-1][np.isfinite(interval_stop_s)]])
    return np.min(np.abs(s_m[:, None] - rest_points[None, :]), axis=1)


def _cadence_spm(
    legs: tuple[Leg, ...],
    node_leg: np.ndarray,
    gait: np.ndarray,
    v_mps: np.ndarray,
    v_smooth_mps: np.ndarray,
    dist_rest_m: np.ndarray,
    cad_noise_spm: np.ndarray,
    runner: Runner,
) -> np.ndarray:
    """Cadence at the nodes [steps/min] (module docstring, step 3).

    ``v_mps`` is the final speed [m/s], ``v_smooth_mps`` the intended pace before hairpin dips
    [m/s], ``dist_rest_m`` the distance to the nearest rest [m].
    """
    from scipy.ndimage import uniform_filter1d

    delta = np.array([lg.cadence_delta_spm for lg in legs])[node_leg]
    follow = np.array([lg.cadence_follow for lg in legs])[node_leg]
    v, v_smooth = v_mps, v_smooth_mps
    cad_run = runner.flat_cadence_spm + runner.cadence_per_mps * (
        (v_smooth - runner.flat_speed_mps) + follow * (v - v_smooth)
    )
    # While accelerating from / braking to rest the step rate follows the intended pace.
    cad_run = np.where(dist_rest_m < 5.0, runner.flat_cadence_spm + runner.cadence_per_mps * (v_smooth - runner.flat_speed_mps), cad_run)
    cad_hike = runner.hike_cadence_spm + runner.hike_cadence_per_mps * (v - 0.8)
    cad = np.where(gait == "hike", cad_hike, np.where(gait == "run_slow", runner.run_slow_cadence_spm, cad_run))
    cad = cad + delta + cad_noise_spm
    moving = gait != "stop"
    cad[moving] = uniform_filter1d(cad[moving], size=3, mode="nearest")
    # Rest nodes keep a cadence so that starting steps interpolate smoothly; the samples
    # themselves report 0 whenever the speed is 0.
    return np.maximum(cad, 60.0)


def _node_times_s(s_m: np.ndarray, v_mps: np.ndarray, interval_stop_s: np.ndarray) -> np.ndarray:
    """Time at each node [s]: constant acceleration over each metre, stops last their duration.

    Raises
    ------
    ValueError
        If a moving interval has zero speed at both ends.
    """
    ds = np.diff(s_m)
    vsum = v_mps[:-1] + v_mps[1:]
    if np.any((ds > 0) & (vsum <= 0)):
        raise ValueError("the runner would need infinite time: zero speed on a moving leg")
    with np.errstate(divide="ignore", invalid="ignore"):
        dt = np.where(np.isfinite(interval_stop_s), interval_stop_s, 2.0 * ds / vsum)
    return np.concatenate([[0.0], np.cumsum(dt)])


def heart_rate(
    times_s: np.ndarray, speed_mps: np.ndarray, grade: np.ndarray, gait: np.ndarray, runner: Runner
) -> np.ndarray:
    """Noise-free model heart rate at 1 Hz samples [1/min] (see the module docstring)."""
    from scipy.signal import lfilter

    cost = np.vectorize(_GAIT_COST.get, otypes=[float])(gait) if len(gait) else np.zeros(0)
    effort = speed_mps * strava_gap_factor(grade) * cost
    target = runner.hr_base_bpm + runner.hr_per_mps * effort
    target = np.where(speed_mps > 0, target, runner.hr_base_bpm - 5.0)
    phi = float(np.exp(-1.0 / runner.hr_tau_s))
    hr, _ = lfilter([1.0 - phi], [1.0, -phi], target, zi=[phi * runner.hr_start_bpm])
    return hr + runner.hr_drift_bpm_per_h * np.asarray(times_s) / 3600.0
