"""The ground truth of a simulated run: what really happened, before any sensor noise.

Axes and conventions
--------------------
- ``distance`` is the runner's cumulative **horizontal** distance along the path actually
  travelled [m] (a hill repeat's walk back up counts), starting at 0 at the first sample.
- ``elapsed`` is seconds since the first sample [s]; samples are at whole seconds.
- ``grade`` is rise over horizontal run in the direction of travel, a fraction [-] (0.28 = 28%).
- cadence is in steps per minute, both feet [1/min]; 0 while standing.
- A *braking event* is counted by :func:`count_braking_events` on the 1 Hz true speed: a speed
  drop of at least 0.6 m/s within at most 2 s (science.md topic 3, M4); consecutive flagged
  seconds form one event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd

__all__ = [
    "Section",
    "Truth",
    "SECTION_KINDS",
    "DESCENT_KINDS",
    "count_braking_events",
    "positive_sum",
]

#: Section labels and what they mean.
SECTION_KINDS: dict[str, str] = {
    "flat": "|grade| < ~2%, run at the runner's flat speed and cadence",
    "runnable_climb": "moderate climb (~6-9%) run at a steady, Strava-GAP-equivalent effort",
    "steep_climb_hiked": "steep climb (~25-35%) power-hiked (cadence ~100-120 spm)",
    "steep_climb_run_slow": "steep climb RUN (cadence ~150-160 spm) at no more than hiking speed",
    "stop": "standing still: speed 0, cadence 0 (GPS position still drifts)",
    "smooth_descent": "even descent: steady speed, cadence a few spm above flat, no braking",
    "technical_descent": "switchbacks: surges and braking events, irregular cadence below flat",
    "runnable_descent": "long moderate descent run at a natural, steady stride",
    "walked_descent": "a stretch of a descent walked (hiking gait), simulate.skill",
    "walk_back_up": "hill repeats: hiking back up the descent just run",
    "steepening_climb_run": "climb steepening from ~10% to the runner's switch grade (~22%), run",
    "steepening_climb_hiked": "the same climb from the switch grade to ~35%, power-hiked",
}

#: Section kinds that are descents (they carry braking and cadence-delta truth).
DESCENT_KINDS = frozenset({"smooth_descent", "technical_descent", "runnable_descent"})


@dataclass(frozen=True)
class Section:
    """One labelled stretch of the run.

    Sections are contiguous: each starts where the previous one ends, the first at 0 m / 0 s,
    the last at the end of the recording.

    Attributes
    ----------
    kind : str
        One of :data:`SECTION_KINDS`.
    start_m, end_m : float
        True cumulative horizontal distance at the start and end [m].
    start_s, end_s : float
        Elapsed time at the start and end [s].
    avg_grade : float
        (elevation at end − elevation at start) / (end_m − start_m) [-]; 0 for a stop.
    avg_speed_mps : float
        (end_m − start_m) / (end_s − start_s) [m/s].
    median_cadence_spm : float
        Median true cadence of the 1 Hz samples in the section [1/min].
    braking_events : int or None
        True braking events (see module docstring), for descents; ``None`` otherwise.
    cadence_delta_spm : float or None
        Median true cadence on a descent minus the runner's flat cadence [1/min]; ``None``
        for other kinds.
    cadence_cv : float or None
        Robust coefficient of variation of the true cadence on a descent,
        1.4826·MAD/median (:func:`trailtech.analysis.descent.robust_cv`) [-]; ``None`` for
        other kinds.
    pass_index : int or None
        For hill repeats: which pass (1-based) a descent or walk-back belongs to.
    """

    kind: str
    start_m: float
    end_m: float
    start_s: float
    end_s: float
    avg_grade: float
    avg_speed_mps: float
    median_cadence_spm: float
    braking_events: Optional[int] = None
    cadence_delta_spm: Optional[float] = None
    cadence_cv: Optional[float] = None
    pass_index: Optional[int] = None

    @property
    def length_m(self) -> float:
        """Horizontal length [m]."""
        return self.end_m - self.start_m

    @property
    def duration_s(self) -> float:
        """Duration [s]."""
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class Truth:
    """What the simulated runner really did (noise-free).

    Attributes
    ----------
    distance_m : float
        True horizontal distance travelled [m].
    ascent_m, descent_m : float
        Sum of the positive (negative) elevation increments of the noise-free profile along
        the path travelled, at 1 m resolution, with no hysteresis [m].
    elapsed_time_s : float
        Elapsed time of the recording, first to last sample [s].
    moving_time_s : float
        ``elapsed_time_s`` minus the stopped intervals [s].
    stopped_intervals : tuple of (float, float)
        ``(start_s, end_s)`` of every stop, in elapsed seconds; speed is exactly 0 inside.
    flat_cadence_spm : float
        The runner's true cadence when running on the flat at ``flat_speed_mps`` [1/min].
    flat_speed_mps : float
        The runner's easy flat running speed [m/s].
    hike_speed_scale : float
        The runner's hiking speed is ``hike_speed_scale × Tobler(grade)`` [-].
    samples : pandas.DataFrame
        One row per elapsed second: ``elapsed_s`` [s], ``distance_m`` [m], ``elevation_m``
        [m], ``grade`` [-], ``speed_mps`` [m/s], ``cadence_spm`` [1/min], ``gait``
        (``"run"``, ``"hike"`` or ``"stop"``), ``section`` (index into ``sections``),
        ``east_m``, ``north_m`` (local true position [m]), ``lat_deg``, ``lon_deg`` (true
        position [deg]), ``heart_rate_bpm`` (noise-free model heart rate [1/min]).
    sections : tuple of Section
        Labelled, contiguous stretches of the run.
    noise : dict
        The sensor-noise settings used (``position_noise_m``, ``position_tau_s``,
        ``elevation_noise`` name, ``elevation_sigma_m``, ``elevation_tau_s``,
        ``elevation_drift_sigma_m``, ``elevation_drift_tau_s``, ``elevation_quantum_m``,
        ``speed_sigma_mps``, ``speed_tau_s``, ``cadence_sigma_spm``, ``sample_interval_s``).
    seed : int
        The seed the run was simulated with.
    crossover_grade : float or None
        The runner model's crossover grade: where its running and hiking vertical speeds
        are equal (:func:`trailtech.simulate.runner.crossover_grade`; 0.199 for the default
        runner) [-]. Below it running climbs faster, above it hiking does.
    switch_grade : float or None
        Design grade at which the runner switched from running to hiking on the steepening
        climb (0.22 for the default runner, a little past its crossover) [-].
    """

    distance_m: float
    ascent_m: float
    descent_m: float
    elapsed_time_s: float
    moving_time_s: float
    stopped_intervals: tuple[tuple[float, float], ...]
    flat_cadence_spm: float
    flat_speed_mps: float
    hike_speed_scale: float
    samples: pd.DataFrame
    sections: tuple[Section, ...]
    noise: dict
    seed: int
    crossover_grade: Optional[float] = None
    switch_grade: Optional[float] = None

    def sections_of(self, kind: str) -> list[Section]:
        """Every section of ``kind``, in order."""
        return [s for s in self.sections if s.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """The scalar truth and the sections, JSON-ready (no per-second arrays)."""
        out: dict[str, Any] = {
            "seed": self.seed,
            "distance_m": round(self.distance_m, 2),
            "ascent_m": round(self.ascent_m, 2),
            "descent_m": round(self.descent_m, 2),
            "elapsed_time_s": round(self.elapsed_time_s, 2),
            "moving_time_s": round(self.moving_time_s, 2),
            "stopped_intervals": [[round(a, 2), round(b, 2)] for a, b in self.stopped_intervals],
            "flat_cadence_spm": round(self.flat_cadence_spm, 2),
            "flat_speed_mps": round(self.flat_speed_mps, 3),
            "hike_speed_scale": self.hike_speed_scale,
            "crossover_grade": None if self.crossover_grade is None else round(self.crossover_grade, 4),
            "switch_grade": None if self.switch_grade is None else round(self.switch_grade, 4),
            "noise": dict(self.noise),
            "sections": [],
        }
        for s in self.sections:
            d = asdict(s)
            for k, v in d.items():
                if isinstance(v, float):
                    d[k] = round(v, 4 if k in ("avg_grade", "cadence_cv") else 2)
            out["sections"].append(d)
        return out


def count_braking_events(speed_mps: np.ndarray, *, drop_mps: float = 0.6, window_s: int = 2) -> int:
    """Count braking events in a 1 Hz speed series.

    Sample ``i`` is flagged when the speed falls by at least ``drop_mps`` within the next
    ``window_s`` samples (``max_k v[i] − v[i+k] >= drop``, ``1 <= k <= window_s``); each run of
    consecutive flagged samples is one event.

    Parameters
    ----------
    speed_mps : numpy.ndarray
        Speed at 1 Hz [m/s].
    drop_mps : float
        Minimum drop [m/s] (science.md topic 3 M4: 0.6 m/s).
    window_s : int
        Maximum duration of the drop [s] (M4: 2 s).

    Returns
    -------
    int
    """
    v = np.asarray(speed_mps, dtype=float)
    n = len(v)
    if n < 2:
        return 0
    drop = np.zeros(n, dtype=float)
    for k in range(1, window_s + 1):
        drop[: n - k] = np.maximum(drop[: n - k], v[: n - k] - v[k:])
    flagged = drop >= drop_mps - 1e-9
    starts = flagged & ~np.concatenate([[False], flagged[:-1]])
    return int(starts.sum())


def positive_sum(values: np.ndarray) -> float:
    """Sum of the positive increments of ``values`` (no hysteresis, no smoothing)."""
    d = np.diff(np.asarray(values, dtype=float))
    return float(d[d > 0].sum())
