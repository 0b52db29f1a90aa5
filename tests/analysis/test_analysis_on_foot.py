"""Terrain analyses skip sessions not on foot: a bike leg has no descents, gait or verdicts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_track
from trailtech.analysis.run import run_analyses
from trailtech.pipeline import analyze
from trailtech.prepare import prepare
from trailtech.timeline import Timeline
from trailtech.track import SessionInfo, Track

START = pd.Timestamp("2026-06-01T08:00:00Z")
MULTISPORT = "python-fitparse/activity-large-fenxi2-multisport.fit"


def _hill(d: np.ndarray, length_m: float, grade: float) -> np.ndarray:
    """Up at ``grade`` for half of ``length_m``, down at ``-grade`` for the other half [m]."""
    half = length_m / 2
    return grade * np.where(d < half, d, 2 * half - d)


def _run_bike_run() -> Track:
    """20 min run over a 10 % hill, 20 min ride over a 8 % hill, 20 min run over a 10 % hill."""
    legs = [(1200, 3.0, 170.0, 0.10), (1200, 10.0, 85.0, 0.08), (1200, 3.0, 170.0, 0.10)]
    speed = np.concatenate([np.full(n, v) for n, v, _, _ in legs])
    cad = np.concatenate([np.full(n, c) for n, _, c, _ in legs])
    session = np.concatenate([np.full(n, k) for k, (n, *_) in enumerate(legs)])
    d = np.r_[0.0, np.cumsum(speed[1:])]
    ele = np.full(d.size, 1000.0)
    for k, (n, v, _, g) in enumerate(legs):
        sel = session == k
        ele[sel] = 1000.0 + _hill(d[sel] - d[sel][0], v * n, g)
    base = make_track(d.size, cadence_spm=None)
    df = base.samples.copy()
    lat0 = 45.0
    df["lat_deg"] = lat0 + np.rad2deg(d / 6371008.8)
    df["lon_deg"] = 6.0
    df["device_distance_m"] = d
    df["device_speed_mps"] = speed
    df["cadence_spm"] = cad
    df["elevation_m"] = ele
    df["session"] = session
    sessions = tuple(
        SessionInfo(index=k, sport=s, start_time=START + pd.Timedelta(seconds=1200.0 * k))
        for k, s in enumerate(["running", "cycling", "running"])
    )
    meta = dataclasses.replace(base.meta, sessions=sessions, barometric=True, source="rbr.fit")
    return Track(samples=df, meta=meta)


def _rows_on_foot(timeline: pd.DataFrame, start_m: float, end_m: float) -> float:
    d = timeline["distance_m"].to_numpy()
    i0, i1 = np.searchsorted(d, start_m), np.searchsorted(d, end_m, side="right")
    return float(timeline["on_foot"].iloc[i0:i1].mean())


def test_run_bike_run_bike_leg_has_no_terrain_analyses():
    a = analyze(_run_bike_run())
    tl = a.timeline
    bike = tl["elapsed_s"].between(1205, 2395)
    assert not tl.loc[bike, "on_foot"].any() and tl.loc[tl["elapsed_s"] < 1195, "on_foot"].all()
    assert (tl.loc[bike, "gait"] == "stop").all()
    assert (tl.loc[~tl["on_foot"] & tl["moving"], "technicality"].isna()).all()
    # One climb and one descent per run leg, none on the bike.
    assert len(a.climbs) == 2 and len(a.descents) == 2
    for df in (a.climbs, a.descents, a.line_practice):
        for _, r in df.iterrows():
            assert _rows_on_foot(tl, r["start_m"], r["end_m"]) == 1.0
    assert a.descents["control_score"].notna().all()
    assert a.hike_run.hike_time_s + a.hike_run.run_time_s <= 2400 + 5
    for _, b in a.hike_run.bouts.iterrows():
        assert not (1205 < b["start_s"] < 2395)
    assert any("12.0 km of sessions not on foot" in w for w in a.notes)


def test_run_bike_run_control_without_on_foot_scores_the_bike_descent():
    # The control: the same timeline without the column analyses the bike leg as terrain.
    p = prepare(_run_bike_run())
    t = run_analyses(dataclasses.replace(p.timeline, on_foot=np.ones(len(p.timeline), bool)), p.profile)
    assert len(t.descents) == 3 and len(t.climbs) == 3
    assert not any("not on foot" in w for w in t.warnings)


def test_all_on_foot_activity_gets_no_warning():
    a = analyze(make_track(1200, grade=-0.1))
    assert a.timeline["on_foot"].all()
    assert not any("not on foot" in w for w in a.warnings + a.notes)


def test_multisport_file_cycling_session_contributes_no_descents(real_dir):
    path = real_dir / MULTISPORT
    if not path.is_file():
        pytest.skip(f"{MULTISPORT} not in the corpus")
    a = analyze(path)
    tl = a.timeline
    bike = tl.loc[~tl["on_foot"], "distance_m"]
    assert bike.max() - bike.min() > 20_000  # the cycling leg
    assert len(a.descents) > 0
    for df in (a.climbs, a.descents, a.line_practice):
        for _, r in df.iterrows():
            assert _rows_on_foot(tl, r["start_m"], r["end_m"]) > 0.99
            assert r["end_m"] <= bike.min() + 1 or r["start_m"] >= bike.max()
    assert (tl.loc[~tl["on_foot"], "gait"] == "stop").all()
    assert any("km of sessions not on foot" in w for w in a.notes)


def test_repeat_passes_off_foot_are_dropped():
    from trailtech.analysis import run as run_mod
    from trailtech.analysis.repeats import Pass, Repeat

    on_foot = np.r_[np.ones(300, bool), np.zeros(300, bool), np.ones(300, bool)]
    t = np.arange(900.0)
    tl = Timeline.from_frame(pd.DataFrame({
        "time": START + pd.to_timedelta(t, unit="s"), "elapsed_s": t, "distance_m": 3.0 * t,
        "lat_deg": 45.0 + 3.0 * t / 111_000.0, "lon_deg": np.full(t.size, 6.0), "on_foot": on_foot}))
    passes = tuple(Pass(s, s + 60.0, k, k + 1) for k, s in enumerate((10.0, 400.0, 700.0, 800.0)))
    down = Repeat(0.0, 180.0, 180.0, "down", passes)
    out = run_mod._on_foot(tl, down)
    assert [p.start_s for p in out.passes] == [10.0, 700.0, 800.0]  # the one on the bike is gone
    assert [p.path_start for p in out.passes] == [0, 2, 3]
    assert run_mod._on_foot(tl, Repeat(0.0, 180.0, 180.0, "flat", passes[:2])) is None  # one left
    assert run_mod._on_foot(tl, Repeat(0.0, 180.0, 180.0, "flat", passes[2:])) is not None
