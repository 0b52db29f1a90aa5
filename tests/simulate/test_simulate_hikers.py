"""Simulated runners whose crossover is known (issue 15)."""

import numpy as np
import pytest

from trailtech.simulate.hikers import hiker_runner, simulate_hill_session
from trailtech.simulate.runner import crossover_grade, hiking_speed_mps, running_speed_mps


@pytest.mark.parametrize("c", [0.12, 0.18, 0.30])
@pytest.mark.parametrize("flat", [2.6, 3.8])
def test_hiker_runner_has_the_crossover_asked_for(c, flat):
    r = hiker_runner(c, flat_speed_mps=flat, switch_offset=0.04)
    assert crossover_grade(r) == pytest.approx(c, abs=1e-5)
    assert r.switch_grade == pytest.approx(c + 0.04)
    # Running faster below, hiking faster above.
    assert running_speed_mps(c - 0.03, r) > hiking_speed_mps(c - 0.03, r)
    assert running_speed_mps(c + 0.03, r) < hiking_speed_mps(c + 0.03, r)


def test_hiker_runner_rejects_crossovers_outside_its_range():
    with pytest.raises(ValueError):
        hiker_runner(0.5)


def test_hill_session_truth_and_choices():
    r = hiker_runner(0.20, flat_speed_mps=3.0, switch_offset=0.0)
    run = simulate_hill_session(r, seed=3, grades=(0.08, 0.20, 0.32), repeats=2)
    t = run.truth
    assert t.crossover_grade == pytest.approx(0.20, abs=1e-5) and t.switch_grade == pytest.approx(0.20)
    s = t.samples
    climbing = s[s.grade > 0.05]
    hike_share = {g: (climbing[np.isclose(climbing.grade, g, atol=0.02)].gait == "hike").mean()
                  for g in (0.08, 0.32)}
    assert hike_share[0.08] < 0.2 and hike_share[0.32] > 0.8
    # Heart rate rises with effort: running a climb costs more beats than hiking it.
    hr = s.heart_rate_bpm.to_numpy()
    assert np.all(np.isfinite(hr)) and hr.max() > hr[0] + 20
    # Same seed, same bytes.
    again = simulate_hill_session(r, seed=3, grades=(0.08, 0.20, 0.32), repeats=2)
    assert again.track.samples.equals(run.track.samples)


def test_switch_sd_varies_the_choice_from_climb_to_climb_and_leaves_the_default_alone():
    """Issue 15: a runner's switch grade varies from one climb to the next (``switch_sd``), so
    both gaits are seen around it; 0 (the default) gives the same bytes as before."""
    r = hiker_runner(0.20, flat_speed_mps=3.0)
    grades = (0.14, 0.17, 0.20, 0.23, 0.26)
    sharp = simulate_hill_session(r, seed=5, grades=grades, repeats=3, mix_width=0.001)
    same = simulate_hill_session(r, seed=5, grades=grades, repeats=3, mix_width=0.001, switch_sd=0.0)
    assert same.track.samples.equals(sharp.track.samples)
    noisy = simulate_hill_session(r, seed=5, grades=grades, repeats=3, mix_width=0.001, switch_sd=0.04)

    def minority(run) -> float:
        """Share of the other gait than the sharp switch's on the climbs 3 points either side."""
        s = run.truth.samples
        below = s[np.abs(s.grade - 0.17) < 0.01].gait
        above = s[np.abs(s.grade - 0.23) < 0.01].gait
        return float(((below == "hike").sum() + (above == "run").sum()) / (below.size + above.size))

    assert minority(sharp) < 0.02 and minority(noisy) > 0.1
    with pytest.raises(ValueError):
        simulate_hill_session(r, seed=5, grades=grades, switch_sd=-0.01)
