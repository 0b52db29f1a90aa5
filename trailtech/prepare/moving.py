"""Moving or stopped, per grid row: a stage of :func:`~trailtech.prepare.prepare`.

The stop/resume state machine (:func:`~trailtech.processing.moving.moving_state`) on speed,
cadence and (barometric) vertical speed; in a recording gap the runner moved if the distance
across it implies it; device timer pauses override everything.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing import moving as _mov
from ..processing import speed as _spd
from .elevation import Elevation
from .positions import Positions
from .speed import Speed
from .time_axis import TimeAxis

__all__ = ["MOVING_VERTICAL_WINDOW_S", "STOP_DISPLACEMENT_WINDOW_S", "moving"]

#: Window of the vertical-speed regression used by the moving state machine [s]; shorter than
#: the VAM window so a stop is seen within seconds of the runner halting.
MOVING_VERTICAL_WINDOW_S = 10.0
#: Window of the net-displacement speed the stop detector uses with GPS distance [s].
STOP_DISPLACEMENT_WINDOW_S = 10.0


def moving(
    axis: TimeAxis,
    spd: Speed,
    raw_cum_m: np.ndarray,
    distance_source: Optional[str],
    pos: Positions,
    cadence_spm: Optional[np.ndarray],
    ele: Elevation,
    config: AnalysisConfig,
) -> np.ndarray:
    """Whether the runner moves, per grid row.

    Parameters
    ----------
    axis : TimeAxis
    spd : Speed
        The cleaned speed (:func:`~.speed.speed`).
    raw_cum_m : numpy.ndarray
        Cumulative distance per grid row [m] (across gaps, where the speed is unknown).
    distance_source : str or None
        ``"gps"``: standing GPS jitter reads as walking pace step by step, so the net
        displacement over 10 s decides instead.
    pos : Positions
    cadence_spm : numpy.ndarray or None
        Cleaned cadence per grid row [1/min].
    ele : Elevation
        Barometric elevation adds its vertical speed (GPS elevation is too noisy for it).
    config : AnalysisConfig
        The ``stop_*`` and ``resume_*`` thresholds.

    Returns
    -------
    numpy.ndarray of bool
    """
    dt = axis.dt_s
    v_state = spd.mps
    if distance_source == "gps" and spd.source == "distance":
        v_disp = _spd.displacement_speed(
            pos.smooth_x_m, pos.smooth_y_m, window=axis.window(STOP_DISPLACEMENT_WINDOW_S) - 1 or 1, dt_s=dt
        )
        v_state = np.where(np.isfinite(v_disp), v_disp, spd.mps)
    vs_move = None
    if ele.values_m is not None and ele.barometric:
        vs_move = _spd.vertical_speed(axis.grid_s, ele.values_m, window_s=MOVING_VERTICAL_WINDOW_S)
    state = _mov.moving_state(
        v_state, cadence_spm, vs_move, dt_s=dt,
        stop_speed_mps=config.stop_speed_mps, resume_speed_mps=config.resume_speed_mps,
        stop_cadence_spm=config.stop_cadence_spm, resume_cadence_spm=config.resume_cadence_spm,
        stop_vertical_speed_mps=config.stop_vertical_speed_mps,
        resume_vertical_speed_mps=config.resume_vertical_speed_mps,
        stop_min_s=config.stop_min_s, resume_min_s=config.resume_min_s,
    )
    if axis.gap.any():
        # In a recording gap the runner moved if the distance across it implies it.
        gap_speed = np.gradient(raw_cum_m, axis.grid_s) if axis.n > 1 else np.zeros(axis.n)
        state = np.where(axis.gap, gap_speed > config.stop_speed_mps, state)
    return state & ~axis.paused
