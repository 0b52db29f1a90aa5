"""Issue 14: the control score measures the runner, not the terrain or the recording."""

import numpy as np
import pytest

import trailtech
from trailtech.simulate.skill import simulate_descent


def _main_descent(run):
    a = trailtech.analyze(run.track)
    d = a.descents
    sec = next(s for s in run.truth.sections if s.kind.endswith("_descent"))
    ov = np.minimum(d.end_m, sec.end_m) - np.maximum(d.start_m, sec.start_m)
    return a, d.iloc[int(np.argmax(ov))]


@pytest.mark.parametrize("seed", [0, 5])
def test_control_beats_no_control_on_the_same_technical_descent(seed):
    _, ctl = _main_descent(simulate_descent(seed, control=True, terrain="technical"))
    _, unc = _main_descent(simulate_descent(seed, control=False, terrain="technical"))
    assert ctl.control_score >= unc.control_score + 25
    assert unc.braking_surges > ctl.braking_surges == 0


@pytest.mark.parametrize("seed", [0, 5])
def test_same_behaviour_scores_alike_on_smooth_and_technical_ground(seed):
    _, tech = _main_descent(simulate_descent(seed, control=True, terrain="technical"))
    _, smooth = _main_descent(simulate_descent(seed, control=True, terrain="smooth"))
    assert abs(tech.control_score - smooth.control_score) <= 10
    # the terrain is told apart by technicality, not by the score
    assert tech.technicality > smooth.technicality + 0.2


def test_walking_inside_a_descent_is_walking_not_poor_control():
    _, walked = _main_descent(simulate_descent(1, walked_m=120))
    _, ran = _main_descent(simulate_descent(1))
    assert walked.walk_m >= 80
    assert walked.control_score >= ran.control_score - 8


def test_sparse_recording_says_braking_was_not_measured():
    _, row = _main_descent(simulate_descent(2, control=False, sample_interval_s=8))
    assert row.not_measured == "braking" and "braking" not in row.control_parts
    assert np.isfinite(row.control_score)


def test_no_device_speed_keeps_the_score_close():
    _, fit = _main_descent(simulate_descent(4, control=False))
    _, gpx = _main_descent(simulate_descent(4, control=False, device_speed=False))
    assert gpx.braking_threshold_mps >= fit.braking_threshold_mps
    assert abs(gpx.control_score - fit.control_score) <= 12
