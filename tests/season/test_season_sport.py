"""Rides, swims and other sports in a season folder: listed, but not in the running figures."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import trailtech
from trailtech.cli import main
from trailtech.report.season_text import not_counted_text
from trailtech.season.work import on_foot_figures

from ._helpers import write

#: Speed the simulated ride moves at [m/s].
RIDE_SPEED_MPS = 8.0


def _shifted(track, days: float):
    s = track.samples.copy()
    s["time"] = s["time"] + pd.Timedelta(days=days)
    return s


def _ride(seed: int, *, days: float, sport="cycling"):
    """A simulated trail run sped up to ~8 m/s: same path, time squeezed, pedal cadence."""
    from trailtech.simulate import simulate_trail_run

    tr = simulate_trail_run(seed).track
    s = _shifted(tr, days)
    dist = float(s["device_distance_m"].iloc[-1])
    span = float(s["elapsed_s"].iloc[-1])
    k = (dist / span) / RIDE_SPEED_MPS  # time scale: <1 squeezes the run into a ride
    t0 = s["time"].iloc[0]
    s["elapsed_s"] = s["elapsed_s"] * k
    s["time"] = t0 + pd.to_timedelta(s["elapsed_s"], unit="s")
    s["device_speed_mps"] = s["device_speed_mps"] / k
    s["cadence_spm"] = 85.0  # pedal revolutions, not steps
    sessions = tuple(dataclasses.replace(si, sport=sport, sub_sport=None) for si in tr.meta.sessions)
    totals = dataclasses.replace(tr.meta.device_totals, moving_time_s=None, elapsed_time_s=None)
    meta = dataclasses.replace(tr.meta, sport=sport, sub_sport=None, sessions=sessions, device_totals=totals,
                               start_time=t0)
    return dataclasses.replace(tr, samples=s, meta=meta)


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory):
    """A trail run in one week; a FIT ride (sport cycling) and a GPX of unknown sport at ride
    speed in the next week."""
    from trailtech.io.fit_write import to_fit
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_trail_run

    d = tmp_path_factory.mktemp("mixed")
    run = simulate_trail_run(0).track
    write(d / "run.gpx", to_gpx(dataclasses.replace(run, samples=_shifted(run, 0))))
    write(d / "ride.fit", to_fit(_ride(1, days=8)))
    write(d / "commute.gpx", to_gpx(_ride(2, days=9, sport=None)))
    return d


@pytest.fixture(scope="module")
def season(mixed_dir):
    return trailtech.analyze_season([mixed_dir], jobs=2, cache=False)


def test_ride_is_listed_with_its_sport_but_not_counted(season, mixed_dir):
    acts = season.activities.set_index(season.activities["file"].map(lambda f: f.rsplit("/", 1)[-1]))
    assert set(acts.index) == {"run.gpx", "ride.fit", "commute.gpx"}
    assert acts.loc["ride.fit", "sport"] == "cycling"
    assert acts.loc["ride.fit", "distance_m"] > 10_000
    # The ride moves at ride speed, so the ride is not a slow run by mistake.
    assert acts.loc["ride.fit", "distance_m"] / acts.loc["ride.fit", "moving_time_s"] > 6.5
    assert acts["on_foot"].to_dict() == {"run.gpx": True, "ride.fit": False, "commute.gpx": False}
    assert acts.loc["ride.fit", "on_foot_distance_m"] == 0.0
    assert acts.loc["run.gpx", "on_foot_distance_m"] == pytest.approx(acts.loc["run.gpx", "distance_m"], abs=0.1)


def test_running_figures_count_the_run_only(season):
    run_row = season.activities[season.activities["file"].str.endswith("run.gpx")].iloc[0]
    tot = season.running_totals()
    assert tot["activities"] == 1
    assert tot["distance_m"] == pytest.approx(run_row["distance_m"], abs=0.1)
    assert tot["ascent_m"] == pytest.approx(run_row["ascent_m"], abs=0.1)
    assert tot["not_counted"] == 2
    assert tot["not_counted_sports"] == {"cycling": 1, "unknown": 1}
    # The rides are in the next week: the weeks span the run's week alone.
    assert len(season.weeks) == 1 and season.weeks[0]["activities"] == 1
    for trend in season.trends.values():
        assert trend["n"] <= 1
    assert season.to_dict()["running"] == tot


def test_text_and_report_name_the_sport_and_the_left_out(mixed_dir, season, tmp_path, capsys):
    out = tmp_path / "s.html"
    assert main(["season", str(mixed_dir), "--no-cache", "--jobs", "1", "--report", str(out)]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0].split()
    assert header[:3] == ["date", "sport", "file"]
    ride_line = next(line for line in text.splitlines() if "ride.fit" in line)
    assert "cycling*" in ride_line.split()
    assert "running figures (1 on-foot activity)" in text
    assert "2 rides, swims and other activities (cycling 1, unknown 1) are listed but not counted" in text
    html = out.read_text(encoding="utf-8")
    assert "activities on foot" in html.lower()
    assert "not counted in the running figures" in html
    # The distance card is the run's distance, not the three activities'.
    run_km = season.running_totals()["distance_m"] / 1000
    all_km = season.activities["distance_m"].sum() / 1000
    assert f"{run_km:,.0f} km" in html and f"{all_km:,.0f} km" not in html


def test_json_keeps_every_activity(mixed_dir, capsys):
    assert main(["season", str(mixed_dir), "--no-cache", "--jobs", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["activities"]) == 3
    assert {a["sport"] for a in doc["activities"]} >= {"cycling"}
    assert doc["running"]["activities"] == 1


def test_on_foot_figures_split_a_multisport_timeline():
    # 100 s running at 3 m/s climbing 0.1 m/s, then 100 s cycling at 9 m/s on the flat.
    n = 200
    foot = np.arange(n) < 100
    step = np.where(foot, 3.0, 9.0)
    d = np.concatenate([[0.0], np.cumsum(step[1:])])
    h = 1000 + np.concatenate([[0.0], np.cumsum(np.where(foot, 0.1, 0.0)[1:])])
    tl = pd.DataFrame({"distance_m": d, "elevation_m": h, "on_foot": foot, "moving": np.ones(n, bool)})
    f = on_foot_figures(tl, d[-1], 9.9, 199.0)
    assert f["on_foot"] is True
    assert f["on_foot_distance_m"] == pytest.approx(297.0, abs=0.1)
    assert f["on_foot_ascent_m"] == pytest.approx(9.9, abs=0.1)
    assert f["on_foot_moving_time_s"] == pytest.approx(99.5, abs=0.1)
    # A ride with a short transition on foot is not counted.
    tl["on_foot"] = np.arange(n) < 10
    f = on_foot_figures(tl, d[-1], 9.9, 199.0)
    assert f["on_foot"] is False and 0 < f["on_foot_distance_m"] < 1000
    # All on foot (or no on_foot column): the totals unchanged.
    f = on_foot_figures(tl.drop(columns="on_foot"), 1234.5, None, 600.0)
    assert f == {"on_foot": True, "on_foot_distance_m": 1234.5, "on_foot_ascent_m": None,
                 "on_foot_moving_time_s": 600.0}


def test_not_counted_text():
    assert not_counted_text({"not_counted": 0}) == ""
    assert not_counted_text({"not_counted": 1, "not_counted_sports": {"stand_up_paddleboarding": 1}}) == (
        "1 activity not on foot (stand up paddleboarding) is listed but not counted in the running figures.")
    assert not_counted_text({"not_counted": 3, "not_counted_sports": {"swimming": 1, "cycling": 2}}).startswith(
        "3 rides, swims and other activities (cycling 2, swimming 1) are listed")


def test_real_corpus_rides_are_not_counted(real_dir):
    """The corpus's rides (FIT sport cycling) are listed and left out; its triathlons count
    their running leg only."""
    files = [real_dir / "python-fitparse" / "2019-02-17-062644-ELEMNT-297E-195-0.fit",
             real_dir / "python-fitparse" / "sample_mulitple_header.fit",
             real_dir / "python-fitparse" / "activity-small-fenix2-run.fit"]
    files = [f for f in files if f.exists()]
    if len(files) < 3:
        pytest.skip("corpus files missing")
    season = trailtech.analyze_season(files, jobs=2, cache=False)
    acts = season.activities.set_index(season.activities["file"].map(lambda f: f.rsplit("/", 1)[-1]))
    assert not acts.loc["2019-02-17-062644-ELEMNT-297E-195-0.fit", "on_foot"]
    tri = acts.loc["sample_mulitple_header.fit"]
    # Forerunner 920XT triathlon, 52.5 km: its run leg is ~10 km.
    assert tri["on_foot"] and 8_000 < tri["on_foot_distance_m"] < 12_000
    tot = season.running_totals()
    assert tot["activities"] == 2 and tot["not_counted"] == 1
    assert tot["distance_m"] == pytest.approx(
        tri["on_foot_distance_m"] + acts.loc["activity-small-fenix2-run.fit", "distance_m"], abs=1)
