"""One definition of running (issue 13 item 5): the flat cadence is the cadence of the rows the
gait classification calls running, on flat ground; a descent's cadence is judged against it."""

import numpy as np
import pandas as pd
import pytest

from trailtech.analysis.baseline import flat_cadence
from trailtech.analysis.run import run_analyses
from trailtech.config import AnalysisConfig
from trailtech.timeline import GAIT_RUN, Profile, Timeline


def _activity(legs):
    """1 Hz rows over legs ``(rows, grade, speed [m/s], cadence [spm])``, as prepare gives them."""
    n = sum(k for k, *_ in legs)
    g = np.concatenate([np.full(k, gr) for k, gr, _, _ in legs])
    v = np.concatenate([np.full(k, sp) for k, _, sp, _ in legs])
    c = np.concatenate([np.full(k, cd, dtype=float) for k, _, _, cd in legs])
    t = np.arange(n, dtype=float)
    d = np.r_[0.0, np.cumsum(v[:-1])]
    h = 500 + np.r_[0.0, np.cumsum(g[:-1] * v[:-1])]
    frame = pd.DataFrame({
        "time": pd.Timestamp("2026-06-01T08:00:00Z") + pd.to_timedelta(t, unit="s"),
        "elapsed_s": t, "lat_deg": 45 + d / 111_000.0, "lon_deg": np.full(n, 6.0),
        "distance_m": d, "elevation_m": h, "grade_pct": 100 * g, "speed_mps": v,
        "vertical_speed_mps": g * v, "cadence_spm": c, "heart_rate_bpm": np.full(n, np.nan),
        "moving": np.ones(n, bool), "gap": np.zeros(n, bool), "on_foot": np.ones(n, bool),
    })
    grid = np.arange(0, d[-1], 5.0)
    profile = pd.DataFrame({"distance_m": grid, "elevation_m": np.interp(grid, d, h),
                            "grade_pct": np.interp(grid, d, 100 * g), "elapsed_s": np.interp(grid, d, t)})
    return Timeline.from_frame(frame, elevation_source="barometric"), Profile.from_frame(profile)


def test_flat_cadence_of_a_slow_runner_is_their_running_cadence():
    # A runner at 134 spm (under the old fixed 140 spm cut) who hikes the top of a climb at
    # 100 spm, with a few 152 spm sensor blips on the flat; quicker steps (140) downhill.
    tl, pf = _activity([(600, 0.0, 2.8, 134.0), (5, 0.0, 2.8, 152.0), (600, 0.0, 2.8, 134.0),
                        (300, 0.12, 2.0, 134.0), (300, 0.12, 1.0, 100.0),
                        (600, 0.0, 2.8, 134.0), (300, -0.12, 3.0, 140.0), (300, 0.0, 2.8, 134.0)])
    tb = run_analyses(tl, pf, AnalysisConfig())
    assert tb.summary.gait_method == "cadence" and tb.summary.walk_run_cadence_spm < 134
    assert tb.summary.flat_cadence_spm == 134.0  # the old rule said 152 (the blips alone)
    assert tb.summary.flat_cadence_grade_band_pct == 2.0
    assert len(tb.descents) == 1
    assert tb.descents["cadence_delta_spm"].iloc[0] == pytest.approx(6.0)
    assert tb.descents["score_cadence"].iloc[0] == pytest.approx(1.0)


def test_a_walk_has_no_flat_running_cadence():
    # Walking at 100 spm throughout, with a few 155 spm blips: no running, so no baseline.
    tl, pf = _activity([(600, 0.0, 1.3, 100.0), (5, 0.0, 1.3, 155.0), (600, 0.0, 1.3, 100.0),
                        (400, -0.12, 1.2, 100.0), (300, 0.0, 1.3, 100.0)])
    tb = run_analyses(tl, pf, AnalysisConfig())
    assert not (tb.timeline.gait == GAIT_RUN).any()
    assert tb.summary.flat_cadence_spm is None  # the old rule said 155
    assert np.isnan(tb.descents["cadence_delta_spm"].iloc[0])
    assert any("No flat-ground cadence baseline" in w for w in tb.warnings)


def test_flat_cadence_prefers_flat_running_and_widens():
    n = 600
    c = np.where(np.arange(n) < 300, 172.0, 120.0)  # running then walking
    running = np.arange(n) < 300
    g = np.zeros(n)
    assert flat_cadence(c, g, running) == (172.0, 0.02)
    val, band = flat_cadence(c, np.full(n, 0.05), running)
    assert val == 172.0 and band == pytest.approx(0.06)
    val, band = flat_cadence(c, np.full(n, np.nan), running)
    assert val == 172.0 and band == float("inf")


def test_flat_cadence_widens_the_band_and_skips_rows_without_cadence():
    c = np.r_[np.full(30, 170.0), np.full(100, 160.0), np.full(50, np.nan)]
    g = np.r_[np.zeros(30), np.full(100, 0.03), np.zeros(50)]
    running = np.ones(c.size, bool)
    assert flat_cadence(c, g, running) == (160.0, 0.04)  # 30 flat rows < 60: band widened
    assert flat_cadence(c, np.full(c.size, np.nan), running)[1] == np.inf
    assert flat_cadence(c, g, np.zeros(c.size, bool)) == (None, None)
    with pytest.raises(ValueError, match="same shape"):
        flat_cadence(c, g[:-1], running)
