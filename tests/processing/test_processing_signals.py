"""Known-answer tests for position cleaning, elevation, grade, speed, cadence, moving, GAP."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtech.processing import cadence as cad
from trailtech.processing import elevation as ele
from trailtech.processing import gap
from trailtech.processing import grade as gr
from trailtech.processing import hiking
from trailtech.processing import moving as mv
from trailtech.processing import position as pos
from trailtech.processing import speed as spd


def _line(n=300, v=3.0):
    t = np.arange(n, dtype=float)
    return t, v * t, np.zeros(n)


# --- positions -------------------------------------------------------------------------------
def test_clean_track_has_no_outliers():
    t, x, y = _line()
    y = y + np.random.default_rng(0).normal(0, 1.0, x.size)
    assert not pos.find_position_outliers(t, x, y, max_speed_mps=8).any()


def test_single_spike_and_double_spike_removed():
    t, x, y = _line()
    y[100] += 200
    y[200:202] += 150
    bad = pos.find_position_outliers(t, x, y, max_speed_mps=8)
    assert set(np.flatnonzero(bad)) == {100, 200, 201}


def test_teleport_island_removed_but_persistent_jump_kept():
    t, x, y = _line(600)
    y[300:315] += 500  # 15 s excursion: an island
    x[450:] += 400  # jump and stay: both sides plausible
    bad = pos.find_position_outliers(t, x, y, max_speed_mps=8, max_island_s=30)
    assert set(np.flatnonzero(bad)) == set(range(300, 315))


def test_first_fixes_before_lock_removed():
    t, x, y = _line(300)
    x[:5] += 3000
    bad = pos.find_position_outliers(t, x, y, max_speed_mps=8)
    assert set(np.flatnonzero(bad)) == set(range(5))


def test_smooth_path_keeps_a_straight_line_and_nan():
    t, x, y = _line(50)
    x[20] = np.nan
    xs, ys = pos.smooth_path(x, y, window=5)
    np.testing.assert_allclose(xs[3:18], x[3:18])
    assert np.isnan(xs[20])


# --- elevation -------------------------------------------------------------------------------
def test_invalid_elevation_sentinels_zeros_and_garbage():
    h = 1000 + np.linspace(0, 50, 400)
    h[0] = -500.0  # TomTom sentinel
    h[10:20] = 0.0  # dropouts written as zero
    h[200] = 9921.6  # garbage
    h[300] = 4707.0
    bad = ele.invalid_elevation_mask(h)
    assert set(np.flatnonzero(bad)) == {0, *range(10, 20), 200, 300}


def test_invalid_elevation_keeps_sea_level_and_real_steps():
    h = np.concatenate([np.zeros(100), np.linspace(0, 5, 100)])
    assert not ele.invalid_elevation_mask(h).any()
    step = np.concatenate([np.full(200, 500.0), np.full(200, 560.0)])
    assert not ele.invalid_elevation_mask(step).any()


def test_barometric_vs_gps_noise_test():
    rng = np.random.default_rng(3)
    t = np.arange(3600.0)
    terrain = 500 + 50 * np.sin(t / 600)
    baro = np.round(terrain + rng.normal(0, 0.1, t.size), 1)
    gps = terrain + np.convolve(rng.normal(0, 3, t.size + 9), np.ones(10) / np.sqrt(10), "valid")
    assert ele.is_barometric_like(t, baro)
    assert not ele.is_barometric_like(t, gps)
    assert not ele.is_barometric_like(t[:10], baro[:10])


def test_hampel_repairs_a_spike_only():
    h = np.linspace(100, 110, 101)
    h[50] += 30
    out, mask = ele.hampel(h, window=7, min_scale=0.1)
    assert np.flatnonzero(mask).tolist() == [50]
    assert out[50] == pytest.approx(105, abs=0.2)


def test_clamp_vertical_rate_removes_jump_and_restarts_after_nan():
    t = np.arange(10.0)
    h = np.array([0, 0, 0, 20, 20, np.nan, 50, 50, 50, 50.0])
    out, n = ele.clamp_vertical_rate(t, h, max_vertical_speed_mps=2)
    assert n == 1
    np.testing.assert_allclose(out[:5], [0, 0, 0, 2, 2])
    np.testing.assert_allclose(out[6:], [50] * 4)


def test_smooth_profile_keeps_ramp_and_handles_short():
    h = np.arange(100) * 0.5
    np.testing.assert_allclose(ele.smooth_profile(h, grid_m=5, window_m=105), h, atol=1e-9)
    short = ele.smooth_profile(np.array([0, 1.0, 2.0]), grid_m=5, window_m=105)
    np.testing.assert_allclose(short, [0, 1, 2], atol=1e-9)


def test_ascent_descent_known_answers():
    up_down = np.concatenate([np.linspace(0, 100, 200), np.linspace(100, 40, 100)])
    assert ele.ascent_descent(up_down, hysteresis_m=5) == pytest.approx((100, 60))
    wiggle = 1.0 * np.sin(np.arange(500) / 3.0)
    assert ele.ascent_descent(wiggle, hysteresis_m=5) == (0.0, 0.0)
    assert ele.ascent_descent(wiggle, hysteresis_m=0)[0] > 20
    assert ele.ascent_descent([np.nan, 3.0], hysteresis_m=1) == (0.0, 0.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-100, 100), min_size=2, max_size=80),
    st.floats(0, 20),
)
def test_ascent_minus_descent_is_net_change_within_two_hysteresis(steps, h):
    prof = np.cumsum(steps)
    a, d = ele.ascent_descent(prof, hysteresis_m=h)
    assert a >= 0 and d >= 0
    # Only the unconfirmed wiggles at the start and at the end (< h each) are not counted.
    assert abs((a - d) - (prof[-1] - prof[0])) <= 2 * h + 1e-6
    a2, d2 = ele.ascent_descent(prof, hysteresis_m=h + 5)
    assert a2 <= a + 1e-6 and d2 <= d + 1e-6


# --- grade -----------------------------------------------------------------------------------
def test_grade_of_constant_ramp_is_constant():
    d = np.arange(0, 1000, 5.0)
    g = gr.grade_from_profile(d, 200 + 0.1 * d, baseline_m=100)
    np.testing.assert_allclose(g, 0.1)
    np.testing.assert_allclose(gr.clip_grade([-3, 0.5, 2], limit=1.0), [-1, 0.5, 1])
    with pytest.raises(ValueError, match="baseline_m"):
        gr.grade_from_profile(d, d, baseline_m=0)


# --- speed -----------------------------------------------------------------------------------
def test_speed_from_distance_constant():
    t = np.arange(100.0)
    v = spd.speed_from_distance(t, 3.2 * t)
    np.testing.assert_allclose(v, 3.2)


def _whole_metres_every(update_s: int, n: int = 600, speed_mps: float = 1.2) -> tuple:
    """A watch's distance: whole metres, updated every ``update_s`` s, rows every second."""
    t = np.arange(float(n))
    fixes = np.floor(t / update_s) * update_s  # the last fix's time at each row
    return t, np.floor(speed_mps * fixes)


@pytest.mark.parametrize("update_s", [2, 3, 4, 7])
def test_speed_from_a_stepped_distance_is_taken_over_its_update_interval(update_s):
    t, d = _whole_metres_every(update_s)
    assert spd.distance_update_interval_s(d) == pytest.approx(update_s, rel=0.1)
    v = spd.speed_from_distance(t, d)
    # Row by row the speed is 0 or several times the truth; the old 5 s median kept the zeros.
    # Whole metres: a 4 s span holds 4 or 5 m, and the median keeps the commoner (1.25 m/s).
    assert np.mean(v[20:-20]) == pytest.approx(1.2, abs=0.08)
    assert np.median(v[20:-20]) == pytest.approx(1.2, abs=0.08)
    assert np.percentile(v[20:-20], 5) > 0.8  # never the zeros of the rows between updates


def test_a_stream_with_a_fix_every_row_is_not_stepped():
    t = np.arange(300.0)
    d = np.cumsum(np.random.default_rng(0).uniform(2.5, 3.5, 300))
    d[100:160] = d[99]  # a stop is not a burst
    assert np.isnan(spd.distance_update_interval_s(d))
    assert np.isnan(spd.distance_update_interval_s(3.0 * t))


def test_clean_speed_rejects_spikes_and_too_fast():
    t = np.arange(20.0)
    v = np.full(20, 3.0)
    v[5] = 12.0
    v[10] = 9.0
    v[15] = np.nan
    out, n = spd.clean_speed(t, v, max_speed_mps=8, max_accel_mps2=4)
    assert n == 2
    assert out[5] == pytest.approx(3.0) and out[10] == pytest.approx(3.0)
    assert np.isnan(out[15])


def test_vertical_speed_of_steady_climb():
    t = np.arange(300.0)
    vs = spd.vertical_speed(t, 100 + 0.25 * t, window_s=30)
    np.testing.assert_allclose(vs, 0.25, atol=1e-9)


# --- cadence ---------------------------------------------------------------------------------
def test_clean_cadence():
    c = np.full(60, 170.0)
    c[10] = 300.0
    c[20] = 90.0  # one-sample dropout spike
    c[40:50] = 0.0  # standing
    out, n = cad.clean_cadence(c)
    assert n == 2 and np.isnan(out[10]) and np.isnan(out[20])
    assert (out[40:50] == 0).all()


# --- moving ----------------------------------------------------------------------------------
def test_moving_state_detects_a_stop_retroactively():
    v = np.full(300, 3.0)
    v[100:160] = 0.1
    m = mv.moving_state(v)
    assert m[:100].all() and not m[100:160].any() and m[160:].all()


def test_short_slowdown_is_not_a_stop_and_cadence_keeps_moving():
    v = np.full(200, 3.0)
    v[50:57] = 0.1  # 7 s < 10 s
    assert mv.moving_state(v).all()
    v2 = np.full(200, 0.1)
    c = np.full(200, 110.0)  # stepping on the spot / very slow with cadence
    assert mv.moving_state(v2, c).all()


def test_slow_steep_hike_moves_and_drift_does_not():
    rng = np.random.default_rng(0)
    hike = np.full(300, 0.8) + rng.normal(0, 0.05, 300)
    assert mv.moving_state(hike, None, np.full(300, 0.24)).all()
    drift = np.abs(rng.normal(0.15, 0.05, 300))
    m = mv.moving_state(np.concatenate([np.full(60, 3.0), drift]), np.concatenate([np.full(60, 170.0), np.zeros(300)]))
    assert m[:60].all() and not m[60:].any()


def test_pause_mask():
    t = np.arange(10.0)
    np.testing.assert_array_equal(
        mv.pause_mask(t, [(2, 4), (3, 6)]), [0, 0, 1, 1, 1, 1, 0, 0, 0, 0]
    )
    assert not mv.pause_mask(t, []).any()


# --- GAP -------------------------------------------------------------------------------------
def test_gap_anchors_from_science_md():
    assert gap.minetti_cost_running(0.0) == pytest.approx(3.6)
    assert gap.minetti_cost_running(0.45) == pytest.approx(19.4, abs=0.05)
    assert gap.minetti_cost_running(-0.2) == pytest.approx(1.85, abs=0.06)
    assert gap.strava_gap_factor(-0.10) == pytest.approx(0.876)
    assert gap.strava_gap_factor(0.10) == pytest.approx(1.459)
    assert gap.strava_gap_factor(0.0) == pytest.approx(1.0)
    assert gap.strava_gap_factor(0.9) == pytest.approx(4.286)  # clipped at 45 %
    assert gap.strava_gap_factor(0.03) == pytest.approx((1.055 + 1.135) / 2)


def test_gap_distance_and_energy():
    steps = np.full(100, 5.0)
    assert gap.gap_distance_m(steps, np.zeros(100)) == pytest.approx(500)
    assert gap.gap_distance_m(steps, np.full(100, 0.1)) == pytest.approx(500 * 1.459)
    assert gap.gap_distance_m(steps, np.full(100, 0.1), model="minetti2002") == pytest.approx(
        500 * gap.minetti_cost_running(0.1) / 3.6
    )
    assert gap.energy_j_per_kg(steps, np.zeros(100)) == pytest.approx(1800)
    with pytest.raises(ValueError, match="model"):
        gap.gap_factor(0.1, model="kay")


def test_tobler_anchor_values():
    # Tobler 1993: 6 km/h at a 5 % descent, 5.04 km/h on the flat; symmetric about -5 %.
    assert hiking.tobler_speed_mps(0.0) * 3.6 == pytest.approx(5.04, abs=0.01)
    assert hiking.tobler_speed_mps(-0.05) * 3.6 == pytest.approx(6.0)
    assert hiking.tobler_speed_mps(0.15) == pytest.approx(hiking.tobler_speed_mps(-0.25))
    assert np.isnan(hiking.tobler_speed_mps(np.nan))


# --- cadence at half the step rate -------------------------------------------------------------
def test_a_stretch_written_in_strides_per_minute_is_found():
    """goldencheetah/Move_2019_03_17: 15 minutes at 86 spm and 3.1 m/s (2.2 m steps) inside a
    run at 166 spm: the watch wrote strides/min there, and they read as 16 min of hiking."""
    from trailtech.processing.cadence import half_rate_rows

    n = 600
    cad = np.full(n, 166.0)
    cad[200:500] = 86.0
    speed = np.full(n, 3.1)
    moving = np.ones(n, bool)
    half = half_rate_rows(cad, speed, moving)
    assert half[200:500].all() and not half[:200].any() and not half[500:].any()
    # A walk at 110 spm and 1.3 m/s, a full-rate cadence at a GPS-glitch speed (171 spm at
    # 7.6 m/s), a short dropout and a stop are left alone.
    walk = half_rate_rows(np.full(n, 110.0), np.full(n, 1.3), moving)
    # Twice 67 spm is no running cadence (a multisport file's stretch at 2.6 m/s): left alone.
    assert not half_rate_rows(np.full(n, 67.0), np.full(n, 2.6), moving).any()
    glitch = half_rate_rows(np.full(n, 171.0), np.full(n, 7.6), moving)
    short = cad.copy()
    short[:] = 166.0
    short[300:310] = 80.0
    stopped = half_rate_rows(cad, speed, np.zeros(n, bool))
    assert not walk.any() and not glitch.any() and not half_rate_rows(short, speed, moving).any()
    assert not stopped.any()


def test_the_timeline_doubles_that_stretch_and_says_so():
    from trailtech.prepare.sensors import full_rate_cadence

    n = 600
    cad = np.full(n, 166.0)
    cad[200:500] = 86.0
    out, notes = full_rate_cadence(cad, np.full(n, 3.1), np.ones(n, bool))
    np.testing.assert_allclose(out[200:500], 172.0)
    np.testing.assert_allclose(out[:200], 166.0)
    assert len(notes) == 1 and "300 s" in notes[0] and "86 spm at 3.1 m/s" in notes[0]
    from trailtech.result import split_messages

    assert split_messages(notes) == (notes, ())  # a decision: a note, not a warning
    same, none = full_rate_cadence(np.full(n, 166.0), np.full(n, 3.1), np.ones(n, bool))
    assert none == () and (same == 166.0).all()
