"""The descent-skill simulator: control and terrain apart, recorded the ways watches record."""

import numpy as np
import pytest

from trailtech.simulate.skill import simulate_descent, smart_recording


def _descent(run):
    return next(s for s in run.truth.sections if s.kind.endswith("_descent"))


def test_controlled_runner_keeps_quick_even_steps_through_forced_slowdowns():
    ctl = simulate_descent(0, control=True, terrain="technical")
    unc = simulate_descent(0, control=False, terrain="technical")
    a, b = _descent(ctl), _descent(unc)
    # the same trail: terrain forces speed changes on both
    assert ctl.course.hairpins_m.tolist() == unc.course.hairpins_m.tolist()
    s = ctl.truth.samples
    v = s.speed_mps[(s.elapsed_s >= a.start_s) & (s.elapsed_s < a.end_s)]
    assert np.std(v) / np.mean(v) > 0.2
    assert a.cadence_delta_spm >= 5 and a.cadence_cv < 0.02
    assert b.cadence_delta_spm < 0 and b.cadence_cv > 0.03
    assert b.braking_events > a.braking_events


def test_smooth_terrain_has_no_forced_slowdowns():
    a = _descent(simulate_descent(0, control=True, terrain="smooth"))
    assert a.kind == "smooth_descent" and a.braking_events == 0


def test_walked_stretch_is_a_hiking_section():
    run = simulate_descent(1, walked_m=120)
    kinds = [s.kind for s in run.truth.sections]
    assert kinds == ["flat", "technical_descent", "walked_descent", "technical_descent", "flat"]
    w = run.truth.sections_of("walked_descent")[0]
    assert w.end_m - w.start_m == pytest.approx(120, abs=1) and w.median_cadence_spm < 130


def test_recording_options():
    full = simulate_descent(2)
    smart = simulate_descent(2, smart=True)
    bare = simulate_descent(2, device_speed=False)
    assert len(smart.track.samples) < 0.6 * len(full.track.samples)
    gaps = np.diff(smart.track.samples.elapsed_s)
    assert gaps.max() <= 10 and gaps.min() >= 1
    assert "device_speed_mps" not in bare.track.samples and "device_distance_m" not in bare.track.samples
    assert bare.track.meta.n_records == len(bare.track.samples)


def test_smart_recording_keeps_turns_and_speed_changes():
    import pandas as pd

    t = np.arange(60.0)
    # straight east for 30 s, then north; speed steps up at 45 s
    x = np.where(t < 30, 3 * t, 90.0)
    y = np.where(t < 30, 0.0, 3 * (t - 30))
    v = np.where(t < 45, 3.0, 4.0)
    df = pd.DataFrame({"elapsed_s": t, "lat_deg": 45 + y / 111195.0,
                       "lon_deg": 6 + x / (111195.0 * np.cos(np.deg2rad(45))), "device_speed_mps": v})
    kept = smart_recording(df).elapsed_s.to_numpy()
    assert kept[0] == 0 and kept[-1] == 59 and np.diff(kept).max() <= 10
    assert any(30 <= k <= 36 for k in kept)  # the turn
    assert 45 in kept  # the speed change


def test_retest_runs_the_same_trail():
    a = simulate_descent(3, course_seed=7)
    b = simulate_descent(4, course_seed=7)
    assert a.course.hairpins_m.tolist() == b.course.hairpins_m.tolist()
    assert not np.array_equal(a.track.samples.elevation_m, b.track.samples.elevation_m)


def test_bad_options():
    with pytest.raises(ValueError):
        simulate_descent(0, terrain="mud")
    with pytest.raises(ValueError):
        simulate_descent(0, walked_m=550)
