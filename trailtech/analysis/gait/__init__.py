"""Hike or run (science.md topic 2), in four steps, one module each.

* :mod:`.classification`: the gait of every timeline row (int8 codes of :mod:`trailtech.timeline`).
* :mod:`.bouts`: runs of one gait, and the pieces of them on climbs.
* :mod:`.models`: the runner's own hiking and running speed by grade.
* :mod:`.verdicts`: where the choice of gait cost time, and the hike/run crossover grade.
"""

from .bouts import BOUT_COLUMNS, CLIMB_PIECE_COLUMNS, bout_table, climb_pieces, piece_table, row_dt_s
from .classification import (
    GaitClassification,
    analysis_moving,
    cadence_threshold,
    classify_cadence,
    classify_gait,
    classify_speed,
    clean_bouts,
    gait_codes,
    gait_confidence,
    gait_smoothing_samples,
    has_step_cadence,
    v_wrt_mps,
)
from .models import SpeedModel, hiking_model, huber_line, running_model, speed_model
from .verdicts import (
    FLAG_COLUMNS,
    GAIT_MODEL_COLUMNS,
    crossover_from_models,
    crossover_grade,
    gait_model_curves,
    hike_run,
    hiked_could_run,
    model_crossover_grade,
    ran_should_hike,
)

__all__ = [
    "BOUT_COLUMNS", "CLIMB_PIECE_COLUMNS", "FLAG_COLUMNS", "GAIT_MODEL_COLUMNS",
    "GaitClassification", "SpeedModel", "analysis_moving", "bout_table", "cadence_threshold",
    "classify_cadence", "classify_gait", "classify_speed", "clean_bouts", "climb_pieces",
    "crossover_from_models", "crossover_grade", "gait_codes", "gait_confidence", "gait_model_curves", "gait_smoothing_samples",
    "has_step_cadence", "hike_run", "hiked_could_run", "hiking_model", "huber_line",
    "model_crossover_grade", "piece_table", "ran_should_hike", "row_dt_s", "running_model",
    "speed_model", "v_wrt_mps",
]
