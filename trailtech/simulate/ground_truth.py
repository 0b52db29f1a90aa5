"""The ground truth of a run, measured on the runner's exact motion (steps of the assembly).

:func:`~.scenarios._assemble` moves the runner (:func:`~.runner.simulate_motion`), then calls
these pure functions to read what really happened off the :class:`~.runner.Motion`: the 1 Hz
truth table, the climb along the path, the stops, the labelled sections, and the true values
at the watch's sample times (what :func:`~.device.record` adds its noise to). None of them
draws random numbers.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ..analysis.descent import robust_cv
from ..processing.geodesy import unproject_local
from .course import Course
from .runner import Leg, Motion, Runner, heart_rate
from .truth import DESCENT_KINDS, Section, count_braking_events, positive_sum

__all__ = ["end_time_s", "truth_samples", "path_climb_m", "stop_intervals", "truth_sections", "watch_input"]


def end_time_s(motion: Motion, max_duration_s: Optional[float] = None) -> float:
    """Time of the last recorded second: the runner's rest, or ``max_duration_s`` if sooner [s]."""
    t_end = float(np.floor(motion.end_s))
    if max_duration_s is not None:
        t_end = min(t_end, float(np.floor(max_duration_s)))
    return t_end


def truth_samples(course: Course, legs: list[Leg], runner: Runner, motion: Motion, t_end_s: float) -> pd.DataFrame:
    """The true state every second from 0 to ``t_end_s`` (:attr:`Truth.samples`).

    Parameters
    ----------
    course : Course
    legs : list of Leg
        The itinerary ``motion`` followed.
    runner : Runner
        The athlete (for the heart-rate model).
    motion : Motion
    t_end_s : float
        Last second recorded [s].

    Returns
    -------
    pandas.DataFrame
        ``elapsed_s`` [s], ``distance_m`` [m], ``elevation_m`` [m], ``grade`` [-] (direction of
        travel), ``speed_mps`` [m/s], ``cadence_spm`` [steps/min] (0 at rest), ``gait``,
        ``section`` (leg index), ``east_m``, ``north_m`` [m], ``lat_deg``, ``lon_deg`` [deg],
        ``heart_rate_bpm`` [1/min].
    """
    t1 = np.arange(0.0, t_end_s + 0.5, 1.0)
    m = motion.at(t1)
    u = m["u_m"]
    leg_idx = m["leg"]
    direction = np.array([lg.direction for lg in legs])[leg_idx]
    grade = np.interp(u, course.u_m, course.grade) * direction
    speed = m["speed_mps"]
    leg_gait = np.array([lg.gait for lg in legs])[leg_idx]
    leg_gait = np.where(speed > 0, leg_gait, "stop")
    gait = np.where(leg_gait == "run_slow", "run", leg_gait)
    cad = np.where(speed > 0, m["cadence_spm"], 0.0)
    east = np.interp(u, course.u_m, course.east_m)
    north = np.interp(u, course.u_m, course.north_m)
    ele = np.interp(u, course.u_m, course.elevation_m)
    lat, lon = unproject_local(east, north, lat0_deg=course.origin_lat_deg, lon0_deg=course.origin_lon_deg)
    hr = heart_rate(t1, speed, grade, leg_gait, runner)
    return pd.DataFrame(
        {
            "elapsed_s": t1,
            "distance_m": m["distance_m"],
            "elevation_m": ele,
            "grade": grade,
            "speed_mps": speed,
            "cadence_spm": cad,
            "gait": gait,
            "section": leg_idx.astype("int64"),
            "east_m": east,
            "north_m": north,
            "lat_deg": lat,
            "lon_deg": lon,
            "heart_rate_bpm": hr,
        }
    )


def path_climb_m(course: Course, motion: Motion, distance_m: float, end_elevation_m: float) -> tuple[float, float]:
    """True ascent and descent [m] on the 1 m node path up to ``distance_m`` travelled.

    ``end_elevation_m`` is the elevation at the last recorded second [m] (the recording may end
    between two nodes).
    """
    keep = motion.s_m <= distance_m + 1e-9
    z_path = np.interp(motion.u_m[keep], course.u_m, course.elevation_m)
    z_path = np.append(z_path, end_elevation_m)
    return positive_sum(z_path), positive_sum(-z_path)


def stop_intervals(legs: list[Leg], motion: Motion, t_end_s: float) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` of every stop leg begun before ``t_end_s``, cut at it [s]."""
    stops = []
    for k, leg in enumerate(legs):
        if leg.gait == "stop":
            a, b = motion.leg_node_span[k]
            t0, t1s = float(motion.t_s[a]), float(motion.t_s[b])
            if t0 < t_end_s:
                stops.append((t0, min(t1s, t_end_s)))
    return stops


def truth_sections(
    course: Course,
    legs: list[Leg],
    runner: Runner,
    motion: Motion,
    samples: pd.DataFrame,
    *,
    t_end_s: float,
    distance_m: float,
) -> list[Section]:
    """One :class:`~.truth.Section` per leg begun before ``t_end_s`` (the last one cut there).

    Parameters
    ----------
    course : Course
    legs : list of Leg
    runner : Runner
        The athlete (its flat cadence is the reference of a descent's cadence delta).
    motion : Motion
    samples : pandas.DataFrame
        The 1 Hz truth (:func:`truth_samples`): ``elapsed_s`` [s], ``speed_mps`` [m/s],
        ``cadence_spm`` [steps/min].
    t_end_s : float
        Last second recorded [s].
    distance_m : float
        Distance travelled at ``t_end_s`` [m].

    Returns
    -------
    list of Section
    """
    t1 = samples["elapsed_s"].to_numpy()
    speed = samples["speed_mps"].to_numpy()
    cad = samples["cadence_spm"].to_numpy()
    sections: list[Section] = []
    for k, leg in enumerate(legs):
        a, b = motion.leg_node_span[k]
        start_s, end_s = float(motion.t_s[a]), float(motion.t_s[b])
        if start_s >= t_end_s:
            break
        start_m, end_m = float(motion.s_m[a]), float(motion.s_m[b])
        if end_s > t_end_s:
            end_s, end_m = t_end_s, distance_m
        z0 = float(np.interp(motion.u_m[a], course.u_m, course.elevation_m))
        z1 = float(np.interp(motion.at(np.array([end_s]))["u_m"][0], course.u_m, course.elevation_m))
        inside = (t1 >= start_s) & (t1 < end_s) if end_s < t_end_s else (t1 >= start_s)
        cad_in = cad[inside]
        med_cad = float(np.median(cad_in)) if cad_in.size else 0.0
        is_descent = leg.kind in DESCENT_KINDS
        sections.append(
            Section(
                kind=leg.kind,
                start_m=start_m,
                end_m=end_m,
                start_s=start_s,
                end_s=end_s,
                avg_grade=(z1 - z0) / (end_m - start_m) if end_m > start_m else 0.0,
                avg_speed_mps=(end_m - start_m) / (end_s - start_s) if end_s > start_s else 0.0,
                median_cadence_spm=med_cad,
                braking_events=count_braking_events(speed[inside]) if is_descent else None,
                cadence_delta_spm=med_cad - runner.flat_cadence_spm if is_descent else None,
                cadence_cv=robust_cv(cad_in, min_samples=1) if is_descent else None,
                pass_index=leg.pass_index,
            )
        )
    return sections


def watch_input(samples: pd.DataFrame, t_end_s: float, sample_interval_s: float) -> dict[str, np.ndarray]:
    """The true values at the watch's sample times, every ``sample_interval_s`` [s] from 0.

    Sample times are whole seconds, so they index the 1 Hz ``samples``
    (:func:`truth_samples`). Returns the ``truth_at`` mapping :func:`~.device.record` takes.
    """
    ts = np.arange(0.0, t_end_s + 0.5, float(sample_interval_s))
    idx = np.round(ts).astype(int)  # sample times are whole seconds: index the 1 Hz truth
    out = {"elapsed_s": ts}
    for name in ("east_m", "north_m", "elevation_m", "speed_mps", "cadence_spm", "heart_rate_bpm"):
        out[name] = samples[name].to_numpy()[idx]
    return out
