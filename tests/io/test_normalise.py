"""The rules every reader shares (:mod:`trailtech.io.normalise`), and FIT and XML agreeing on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trailtech.io.fit_content import RECORD_KEYS, FitContent
from trailtech.io.fit_content import build_track as build_fit
from trailtech.io.gpx import read_gpx
from trailtech.io.normalise import (
    FOOT_SPORTS,
    merge_repeated_times,
    normalise_cadence,
    sport_on_foot,
    stray_edges,
)
from trailtech.io.tcx import read_tcx
from trailtech.processing import sport as processing_sport

T0_FIT_S = 1_000_000_000.0  # FIT seconds: 2021-09-09
T0 = pd.Timestamp("2021-09-09T01:46:40Z")  # the same instant


def _fit(cadence, sport=None, sub_sport=None, speed=None, t=None) -> FitContent:
    n = len(cadence)
    rec = {k: np.full(n, np.nan) for k in RECORD_KEYS}
    rec["timestamp"] = T0_FIT_S + np.arange(n, dtype=float) if t is None else np.asarray(t, float)
    rec["lat_deg"] = 45 + np.arange(n) * 1e-4
    rec["lon_deg"] = np.full(n, 6.0)
    rec["cadence"] = np.asarray(cadence, dtype=float)
    if speed is not None:
        rec["device_speed_mps"] = np.asarray(speed, dtype=float)
    c = FitContent(records=rec, file_types=["activity"])
    if sport is not None or sub_sport is not None:
        c.sports = [(sport, sub_sport)]
    return c


def _gpx(cadence, sport=None, times=None) -> bytes:
    times = times or [(T0 + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(len(cadence))]
    pts = "".join(
        f'<trkpt lat="{45 + i * 1e-4:.4f}" lon="6"><time>{t}</time>'
        f"<extensions><cadence>{c:g}</cadence></extensions></trkpt>"
        for i, (c, t) in enumerate(zip(cadence, times))
    )
    kind = f"<type>{sport}</type>" if sport else ""
    return (
        '<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t">'
        f"<trk>{kind}<trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def _tcx(cadence, sport="Running") -> bytes:
    pts = "".join(
        f"<Trackpoint><Time>{(T0 + pd.Timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        f"<Cadence>{c:g}</Cadence></Trackpoint>"
        for i, c in enumerate(cadence)
    )
    return (
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{T0.strftime("%Y-%m-%dT%H:%M:%SZ")}</Id>'
        f"<Lap><Track>{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


# ------------------------------------------------------------------ one rule for every format

STRIDES = [0, 84, 85, 86, 88, 90, 87, 85]  # a run written per foot
STEPS = [0, 168, 170, 172, 176, 180, 174, 170]  # the same run written per step
WALK_AND_RUN_STEPS = [100, 105, 110, 112, 115, 170, 175, 178]  # median low, top only steps reach


@pytest.mark.parametrize(
    "values, doubled",
    [(STRIDES, True), (STEPS, False), (WALK_AND_RUN_STEPS, False)],
)
def test_fit_gpx_and_tcx_decide_cadence_units_alike(values, doubled):
    fit = build_fit(_fit(values, sport="running"), "r.fit")
    gpx = read_gpx(_gpx(values, sport="running"), "r.gpx")
    tcx = read_tcx(_tcx(values), "r.tcx")
    want = np.asarray(values, float) * (2 if doubled else 1)
    for track in (fit, gpx, tcx):
        assert track.meta.cadence_doubled is doubled, track.meta.format
        np.testing.assert_array_equal(track.samples["cadence_spm"], want)
    # ... and explain it in the same words
    notes = [[w.rstrip(".") for w in t.meta.warnings if "cadence" in w] for t in (fit, gpx, tcx)]
    assert notes[0] == notes[1] == notes[2]


def test_unknown_sport_decided_by_values_and_speed_in_every_format():
    # ~85/min at 8 m/s is a bike's rpm; at 3 m/s a runner's strides
    for speed, doubled in ((8.0, False), (3.0, True)):
        fit = build_fit(_fit([85.0] * 10, speed=[speed] * 10), "u.fit")
        assert fit.meta.cadence_doubled is doubled
    cad, doubled, notes = normalise_cadence([85.0] * 10, [(None, None)], None, [8.0] * 10)
    assert not doubled and "looks like cycling" in notes[0]
    # no speed (a GPX without <speed>): assumed on foot, as a runner's file usually is
    gpx = read_gpx(_gpx([85] * 10), "u.gpx")
    assert gpx.meta.cadence_doubled and "sport unknown; assumed on foot" in gpx.meta.warnings[0]
    # too slow for strides on foot: kept, in every format
    low = [0, 30, 32, 35, 31, 30]
    assert not build_fit(_fit(low, sport="generic"), "l.fit").meta.cadence_doubled
    assert not read_gpx(_gpx(low, sport="generic"), "l.gpx").meta.cadence_doubled


def test_one_list_of_sports_on_foot():
    # the FIT reader used to keep a transition's strides and a treadmill (fitness equipment)
    # run as written, while the processing counted both as on foot
    assert processing_sport.FOOT_SPORTS is FOOT_SPORTS
    transition = build_fit(_fit(STRIDES, sport="transition"), "t.fit")
    treadmill = build_fit(_fit(STRIDES, sport="fitness_equipment", sub_sport="treadmill"), "m.fit")
    for track in (transition, treadmill):
        assert track.meta.cadence_doubled
        assert track.samples["cadence_spm"].iloc[1] == 168
    # a GPX <type> the readers know as on foot (hiking) or not (cycling)
    assert read_gpx(_gpx(STRIDES, sport="hiking"), "h.gpx").meta.cadence_doubled
    assert not read_gpx(_gpx(STRIDES, sport="cycling"), "c.gpx").meta.cadence_doubled
    assert sport_on_foot("generic", "trail") is True and sport_on_foot("generic") is None


def test_no_moving_cadence_is_not_a_unit_decision():
    track = build_fit(_fit([0.0] * 6, sport="running"), "z.fit")
    assert not track.meta.cadence_doubled and not track.meta.warnings


def test_cadence_decided_per_session():
    cad, doubled, notes = normalise_cadence(
        [85, 86, 90, 92], [("running", None), ("cycling", None)], np.array([0, 0, 1, 1])
    )
    assert doubled and cad.tolist() == [170, 172, 90, 92]
    assert notes == [
        "session 0: cadence doubled from strides/min to steps/min: median moving cadence 86 "
        "is below 120"
    ]


# ------------------------------------------------------------------ stray edges, repeated times


def test_stray_point_a_year_away_is_dropped_by_fit_and_gpx_readers_alike():
    n = 200
    t = T0_FIT_S + np.arange(n, dtype=float)
    t[0] -= 365 * 86400.0  # a broken clock on the first record
    fit = build_fit(_fit([85.0] * n, sport="running", t=t), "s.fit")
    times = [(T0 + pd.Timedelta(seconds=x - T0_FIT_S)).strftime("%Y-%m-%dT%H:%M:%SZ") for x in t]
    gpx = read_gpx(_gpx([85.0] * n, sport="running", times=times), "s.gpx")
    for track in (fit, gpx):
        assert len(track.samples) == n - 1 and track.samples["elapsed_s"].iloc[-1] == n - 2
        assert any(w.startswith("1 samples at the start or end lay more than a day away") for w in track.meta.warnings)


def test_stray_edges_keep_a_split_recording():
    keep, note = stray_edges(np.r_[np.arange(5.0), 1e6 + np.arange(5.0)])
    assert keep.all() and note is None
    keep, note = stray_edges(np.r_[-1e7, np.arange(300.0), 1e7, 1e7 + 1])
    assert keep.tolist() == [False] + [True] * 300 + [False, False] and note.startswith("3 samples")


def test_repeated_times_merged_alike_in_fit_and_gpx():
    # one second split into a GPS record and a sensor record: per field, the first value present
    fit_c = _fit([85.0, np.nan, 86.0], sport="running", t=[T0_FIT_S, T0_FIT_S + 1, T0_FIT_S + 1])
    fit_c.records["lat_deg"][2] = np.nan
    fit = build_fit(fit_c, "d.fit")
    assert fit.samples["cadence_spm"].tolist() == [170.0, 172.0]
    assert fit.samples["lat_deg"].tolist() == [45.0, 45.0001]
    assert "1 samples with a repeated timestamp were merged." in fit.meta.warnings


def _pandas_first(times: np.ndarray, data: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame({"time": times, **data})
    return frame.groupby("time", sort=True).first().reset_index()


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(0, 2), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_merge_repeated_times_equals_pandas_groupby_first(steps, seed):
    rng = np.random.default_rng(seed)
    n = len(steps)
    times = (np.cumsum(steps) * 10**9).astype("datetime64[ns]")
    values = rng.normal(size=n)
    values[rng.random(n) < 0.5] = np.nan
    ints = rng.integers(0, 5, size=n)
    merged_times, merged, note = merge_repeated_times(times, {"x": values, "seg": ints})
    want = _pandas_first(times, {"x": values, "seg": ints})
    np.testing.assert_array_equal(merged_times, want["time"].to_numpy())
    np.testing.assert_array_equal(merged["x"], want["x"].to_numpy())
    np.testing.assert_array_equal(merged["seg"], want["seg"].to_numpy())
    assert merged["seg"].dtype == ints.dtype
    assert (note is None) == (len(want) == n)
