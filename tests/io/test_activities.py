"""Files holding several activities: TCX <Activity>, GPX <trk> hours apart, chained FIT (issue 17)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

import trailtech
from trailtech.io import load, read_activities
from trailtech.io.split import TRACK_GAP_S, choose, gap_groups, overlap_groups

TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def _times(start: str, n: int, step_s: int = 1) -> list[str]:
    t0 = dt.datetime.fromisoformat(start)
    return [(t0 + dt.timedelta(seconds=i * step_s)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n)]


def _tcx_activity(start: str, n: int, sport: str = "Running") -> str:
    pts = "".join(
        f"<Trackpoint><Time>{t}</Time><Position><LatitudeDegrees>{46 + i * 1e-5}</LatitudeDegrees>"
        f"<LongitudeDegrees>{7 + i * 1e-5}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{1000 + i * 0.1}</AltitudeMeters></Trackpoint>"
        for i, t in enumerate(_times(start, n))
    )
    return (f'<Activity Sport="{sport}"><Id>{start}Z</Id><Lap StartTime="{start}Z"><Track>{pts}</Track></Lap>'
            "</Activity>")


def _tcx(body: str) -> bytes:
    return (f'<?xml version="1.0"?><TrainingCenterDatabase xmlns="{TCD}"><Activities>{body}</Activities>'
            "</TrainingCenterDatabase>").encode()


def _gpx(tracks: list[tuple[str, str, int]]) -> bytes:
    """One <trk> per (type, start, points), 1 s apart."""
    out = ['<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">']
    for kind, start, n in tracks:
        pts = "".join(f'<trkpt lat="{46 + i * 1e-5}" lon="{7 + i * 1e-5}"><ele>{1000 + i * 0.1}</ele>'
                      f"<time>{t}</time></trkpt>" for i, t in enumerate(_times(start, n)))
        out.append(f"<trk><type>{kind}</type><trkseg>{pts}</trkseg></trk>")
    return ("".join(out) + "</gpx>").encode()


# ------------------------------------------------------------------------------ TCX


def test_tcx_activities_under_activities_are_separate_and_in_time_order():
    # Written newest first, as runalyze/Multiple-Trainings.tcx is.
    data = _tcx(_tcx_activity("2024-05-03T07:00:00", 400) + _tcx_activity("2024-05-01T07:00:00", 900)
                + _tcx_activity("2024-05-02T07:00:00", 600))
    tracks = read_activities(data, source="three.tcx")
    assert [t.meta.start_time.day for t in tracks] == [1, 2, 3]
    assert [len(t.samples) for t in tracks] == [900, 600, 400]
    assert [(t.meta.activity_index, t.meta.n_activities) for t in tracks] == [(0, 3), (1, 3), (2, 3)]
    for t in tracks:  # each one its own recording: no day-long jump, one session
        assert t.duration_s < 1000 and len(t.meta.sessions) == 1 and t.meta.notes == ()
        assert not any("jump" in w for w in t.meta.warnings)


def test_load_returns_the_longest_and_says_so():
    data = _tcx(_tcx_activity("2024-05-03T07:00:00", 400) + _tcx_activity("2024-05-01T07:00:00", 900)
                + _tcx_activity("2024-05-02T07:00:00", 600))
    t = load(data, source="three.tcx")
    assert len(t.samples) == 900 and t.meta.start_time.day == 1
    assert t.meta.notes == ("this file holds 3 activities (1 May 2024, 2 May 2024, 3 May 2024); analysed the "
                            "longest, the 1st (1 May 2024); `trailtech season` analyses each of them",)
    assert not any("holds 3" in w for w in t.meta.warnings)
    doc = trailtech.analyze(t).to_dict()
    assert doc["notes"][0].startswith("this file holds 3 activities")
    assert not any("holds 3" in w for w in doc["warnings"])


def test_tcx_multisport_session_stays_one_activity():
    legs = _tcx_activity("2024-05-01T07:00:00", 300, "Biking") + _tcx_activity("2024-05-01T07:05:00", 300)
    data = _tcx(f"<MultiSportSession><Id>2024-05-01T07:00:00Z</Id><FirstSport>{legs}</FirstSport>"
                "</MultiSportSession>")
    (t,) = read_activities(data)
    assert len(t.meta.sessions) == 2 and t.meta.n_activities == 1


def test_tcx_activities_recorded_at_the_same_time_are_one():
    # Two copies of one recording (an export written twice): not two activities.
    one = _tcx_activity("2024-05-01T07:00:00", 300)
    assert len(read_activities(_tcx(one + one))) == 1


def test_single_activity_tcx_is_unchanged():
    data = _tcx(_tcx_activity("2024-05-01T07:00:00", 300))
    t = load(data, source="one.tcx")
    assert t.meta.notes == () and (t.meta.activity_index, t.meta.n_activities) == (0, 1)


# ------------------------------------------------------------------------------ GPX


@pytest.mark.parametrize("engine", ["auto", "gpxpy"])
def test_gpx_tracks_hours_apart_are_separate_and_close_ones_are_one(engine):
    data = _gpx([("running", "2024-05-01T08:00:00", 600), ("running", "2024-05-01T08:20:00", 300),
                 ("hiking", "2024-05-02T08:00:00", 900)])
    tracks = read_activities(data, engine=engine)
    assert len(tracks) == 2
    first, second = tracks
    # the two tracks 10 min apart: one activity with two segments
    assert len(first.samples) == 900 and list(first.samples["segment"].unique()) == [0, 1]
    assert second.meta.sport == "hiking" and len(second.samples) == 900
    assert [t.meta.n_activities for t in tracks] == [2, 2]


def test_gpx_track_gap_threshold():
    hours = TRACK_GAP_S / 3600
    below = _gpx([("running", "2024-05-01T08:00:00", 60), ("running", "2024-05-01T10:50:00", 60)])
    above = _gpx([("running", "2024-05-01T08:00:00", 60), ("running", "2024-05-01T11:01:00", 60)])
    assert hours == 3
    assert len(read_activities(below)) == 1
    assert len(read_activities(above)) == 2


def test_gpx_single_track_is_unchanged():
    data = _gpx([("running", "2024-05-01T08:00:00", 300)])
    t = load(data)
    assert t.meta.notes == () and t.meta.n_activities == 1


# ------------------------------------------------------------------------------ FIT


def _shifted(track, days: float):
    s = track.samples.copy()
    s["time"] = s["time"] + pd.Timedelta(days=days)
    return replace(track, samples=s, meta=replace(track.meta, start_time=track.meta.start_time + pd.Timedelta(days=days)))


@pytest.fixture(scope="module")
def two_fit_files():
    from trailtech.io.fit_write import to_fit
    from trailtech.simulate import simulate_trail_run

    run = simulate_trail_run(seed=1).track
    short = replace(run, samples=run.samples.iloc[:1200].copy())
    return to_fit(run), to_fit(_shifted(short, 2))


@pytest.mark.parametrize("engine", ["auto", "fitparse"])
def test_chained_fit_activities_are_separate(two_fit_files, engine):
    long_fit, short_fit = two_fit_files
    # the later, shorter activity first in the file: time order and "longest" are both tested
    tracks = read_activities(short_fit + long_fit, engine=engine)
    assert len(tracks) == 2
    assert tracks[0].meta.start_time < tracks[1].meta.start_time
    assert [len(t.samples) for t in tracks] == [len(load(long_fit).samples), 1200]
    assert all(len(t.meta.sessions) == 1 and t.duration_s < 86400 for t in tracks)
    picked = load(short_fit + long_fit, engine=engine)
    assert len(picked.samples) == len(tracks[0].samples)
    assert "holds 2 activities" in picked.meta.notes[0] and "the 1st" in picked.meta.notes[0]


def test_chained_identical_fit_copies_are_one_activity(two_fit_files):
    long_fit, _ = two_fit_files
    tracks = read_activities(long_fit + long_fit)
    assert len(tracks) == 1 and tracks[0].meta.notes == ()


# ------------------------------------------------------------------------------ grouping rules


def test_grouping_rules():
    # overlapping containers are one activity, also when not neighbours in the file
    assert overlap_groups([(0, 10), (100, 200), (5, 20)]) == [[0, 2], [1]]
    assert overlap_groups([(0, 10), (11, 20)]) == [[0], [1]]
    # a container without times joins the one before it
    assert overlap_groups([(0, 10), (None, None), (50, 60)]) == [[0, 1], [2]]
    # gaps either way in time
    assert gap_groups([(0, 10), (20, 30), (20000, 20010)], gap_s=3600) == [[0, 1], [2]]
    assert gap_groups([(20000, 20010), (0, 10)], gap_s=3600) == [[0], [1]]


def test_choose_an_index():
    data = _tcx(_tcx_activity("2024-05-01T07:00:00", 900) + _tcx_activity("2024-05-02T07:00:00", 300))
    tracks = read_activities(data)
    t = choose(tracks, 1)
    assert len(t.samples) == 300 and "analysed the 2nd (2 May 2024)" in t.meta.notes[0]
    with pytest.raises(IndexError, match="holds 2"):
        choose(tracks, 2)
    first = load(data, activity=0)
    assert len(first.samples) == 900 and "analysed the 1st (1 May 2024)" in first.meta.notes[0]
    assert "longest" not in first.meta.notes[0]
    assert load(data, activity=-1).meta.start_time.day == 2
    # a file of one activity: activity 0 (or -1) is it, unchanged
    one = _tcx(_tcx_activity("2024-05-01T07:00:00", 300))
    assert load(one, activity=0).meta.notes == ()


# ------------------------------------------------------------------------------ the real file


def test_real_multiple_trainings_tcx_gives_three_runs(real_dir):
    path = real_dir / "runalyze/Multiple-Trainings.tcx"
    tracks = read_activities(path)
    assert [t.meta.start_time.strftime("%Y-%m-%d") for t in tracks] == ["2012-01-19", "2012-01-20", "2012-01-22"]
    assert all(t.meta.sport == "running" and t.duration_s < 4 * 3600 for t in tracks)
    # before: one 27.9 km activity whose "timestamps jump by 2 days"
    assert sum(len(t.samples) for t in tracks) >= 2360
    for t in tracks:
        assert not any("jump" in w for w in t.meta.warnings)
    picked = load(path)
    assert picked.meta.start_time == tracks[2].meta.start_time  # the longest: 1 h 03 min
    assert "holds 3 activities (19 Jan 2012, 20 Jan 2012, 22 Jan 2012)" in picked.meta.notes[0]


def test_real_chained_fit_files_stay_one_activity(real_dir):
    # a triathlon in 4 chained FIT files, 7 chained segments of one swim, two SDK copies of one file
    for name in ("python-fitparse/sample_mulitple_header.fit", "fitdecode/garmin-fr935-cr.fit",
                 "python-fitparse/activity-activity-filecrc.fit", "runalyze/Multisession.fit"):
        tracks = read_activities(real_dir / name)
        assert len(tracks) == 1, name
        assert tracks[0].meta.notes == ()


def test_more_activities_than_the_cap_are_read_as_one(monkeypatch):
    import trailtech.io.gpx as gpx_mod
    import trailtech.io.split as split_mod
    import trailtech.io.tcx as tcx_mod

    for mod in (split_mod, gpx_mod, tcx_mod):
        monkeypatch.setattr(mod, "MAX_ACTIVITIES", 2)
    tcx = _tcx("".join(_tcx_activity(f"2024-05-0{d}T07:00:00", 60) for d in (1, 2, 3)))
    (t,) = read_activities(tcx)
    assert len(t.samples) == 180 and any("holds 3 activities, more than the 2" in w for w in t.meta.warnings)
    gpx = _gpx([("running", f"2024-05-0{d}T07:00:00", 60) for d in (1, 2, 3)])
    (t,) = read_activities(gpx)
    assert len(t.samples) == 180 and any("holds 3 activities, more than the 2" in w for w in t.meta.warnings)
    assert len(read_activities(_gpx([("running", f"2024-05-0{d}T07:00:00", 60) for d in (1, 2)]))) == 2


def test_many_gpx_tracks_minutes_apart_are_one_activity():
    # 5,000 one-point tracks a minute apart (a device that starts a track per fix): one activity
    pts = "".join(f'<trk><trkseg><trkpt lat="46" lon="7"><time>{t}</time></trkpt></trkseg></trk>'
                  for t in _times("2024-05-01T00:00:00", 5000, 60))
    data = ('<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
            + pts + "</gpx>").encode()
    (t,) = read_activities(data)
    assert len(t.samples) == 5000 and t.samples["segment"].nunique() == 5000
