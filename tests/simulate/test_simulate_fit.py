"""FIT writing and the round trip simulator -> FIT/GPX -> trailtech.load; the sample tracks."""

from __future__ import annotations

import io
import json
from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLE_DIR, make_track
from trailtech.errors import TrackDataError
from trailtech.io.fit_write import to_fit
from trailtech.simulate import simulate_hill_repeats, simulate_trail_run
from trailtech.track import DeviceTotals, Track, empty_samples


def _load():
    try:
        from trailtech.io import load
    except ImportError as exc:  # pragma: no cover - the readers are part of the package
        pytest.skip(f"trailtech.load is not importable yet: {exc}")
    return load


@pytest.fixture(scope="module")
def trail():
    return simulate_trail_run(seed=0)


@pytest.fixture(scope="module")
def trail_fit(trail) -> bytes:
    return to_fit(trail.track)


def test_fit_decodes_with_the_official_sdk(trail, trail_fit):
    from garmin_fit_sdk import Decoder, Stream

    assert Decoder(Stream.from_byte_array(bytearray(trail_fit))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(trail_fit))).read()
    assert errors == []
    records = messages["record_mesgs"]
    assert len(records) == len(trail.track.samples)
    (fid,) = messages["file_id_mesgs"]
    assert fid["type"] == "activity" and fid["product_name"] == "trailtech simulator"
    (session,) = messages["session_mesgs"]
    totals = trail.track.meta.device_totals
    assert (session["sport"], session["sub_sport"]) == ("running", "trail")
    assert session["total_distance"] == pytest.approx(totals.distance_m, abs=0.01)
    assert session["total_ascent"] == totals.ascent_m and session["total_descent"] == totals.descent_m
    assert session["total_timer_time"] == pytest.approx(totals.moving_time_s)
    assert session["total_elapsed_time"] == pytest.approx(totals.elapsed_time_s)
    assert len(messages["lap_mesgs"]) == 1 and len(messages["activity_mesgs"]) == 1
    events = [(e["event"], e["event_type"]) for e in messages["event_mesgs"]]
    assert events == [("timer", "start"), ("timer", "stop_all")]
    r = records[1000]
    s = trail.track.samples.iloc[1000]
    assert 2 * (r["cadence"] + r["fractional_cadence"]) == s.cadence_spm
    assert r["position_lat"] == round(s.lat_deg * 2**31 / 180)
    assert r["enhanced_altitude"] == pytest.approx(s.elevation_m)


def test_fit_decodes_with_fitparse(trail, trail_fit):
    import fitparse

    ff = fitparse.FitFile(io.BytesIO(trail_fit))
    ff.parse()
    records = list(ff.get_messages("record"))
    assert len(records) == len(trail.track.samples)
    v = records[-1].get_values()
    s = trail.track.samples.iloc[-1]
    assert v["distance"] == pytest.approx(s.device_distance_m)
    assert v["heart_rate"] == s.heart_rate_bpm
    (session,) = list(ff.get_messages("session"))
    assert session.get_value("sport") == "running" and session.get_value("sub_sport") == "trail"


@pytest.mark.parametrize("make", [simulate_trail_run, simulate_hill_repeats])
def test_fit_round_trip_via_load_is_exact(make):
    load = _load()
    run = make(seed=2)
    back = load(io.BytesIO(to_fit(run.track)))
    pd.testing.assert_frame_equal(back.samples, run.track.samples, check_exact=False, rtol=0, atol=1e-9)
    for f in fields(back.meta):
        if f.name in ("source", "warnings", "time_created", "utc_offset_s", "utc_offset_source"):
            continue
        assert getattr(back.meta, f.name) == getattr(run.track.meta, f.name), f.name
    # The simulated track has no local time; read back, its offset comes from its place.
    assert run.track.meta.utc_offset_s is None and back.meta.utc_offset_source == "coordinates"
    # The writer stamps file_id.time_created with the start (a simulated track has no file).
    assert back.meta.time_created == run.track.meta.start_time


def test_gpx_round_trip_via_load(trail):
    load = _load()
    from trailtech.io.gpx_write import to_gpx

    back = load(io.BytesIO(to_gpx(trail.track, cadence="strides")))
    a, b = trail.track.samples, back.samples
    assert back.meta.format == "gpx" and back.meta.cadence_doubled
    assert len(a) == len(b)
    pd.testing.assert_series_equal(a.time, b.time)
    for col in ("lat_deg", "lon_deg", "elevation_m", "heart_rate_bpm"):
        np.testing.assert_allclose(b[col], a[col], atol=1e-9, err_msg=col)
    # GPX <cad> holds whole strides/min: within 1 step/min of the FIT-resolution cadence
    assert np.max(np.abs(b.cadence_spm - a.cadence_spm)) <= 1.0 + 1e-9


def test_whole_stride_cadence_and_no_cadence():
    load = _load()
    run = simulate_hill_repeats(seed=1)
    back = load(io.BytesIO(to_fit(run.track, cadence_fractional=False)))
    cad = back.samples.cadence_spm.to_numpy()
    np.testing.assert_array_equal(cad % 2, 0)  # whole strides -> even steps/min
    assert np.max(np.abs(cad - run.track.samples.cadence_spm)) <= 1.0 + 1e-9
    nocad = simulate_hill_repeats(seed=1, cadence=False)
    back = load(io.BytesIO(to_fit(nocad.track)))
    assert "cadence_spm" not in back.samples or back.samples.cadence_spm.isna().all()


def test_to_fit_writes_timer_pauses_and_handles_plain_tracks():
    from garmin_fit_sdk import Decoder, Stream

    track = make_track(120, speed_mps=2.5, cadence_spm=None)
    t0 = track.samples.time.iloc[0]
    pause = (t0 + pd.Timedelta(seconds=40), t0 + pd.Timedelta(seconds=50))
    track = replace(track, meta=replace(track.meta, timer_pauses=(pause,), device_totals=DeviceTotals()))
    messages, errors = Decoder(Stream.from_byte_array(bytearray(to_fit(track)))).read()
    assert errors == []
    events = [e["event_type"] for e in messages["event_mesgs"]]
    assert events == ["start", "stop_all", "start", "stop_all"]
    (session,) = messages["session_mesgs"]
    assert session["sub_sport"] == "generic"
    assert session["total_distance"] == pytest.approx(track.samples.device_distance_m.iloc[-1], abs=0.01)
    assert "cadence" not in messages["record_mesgs"][0]


def test_to_fit_rejects_an_empty_track():
    empty = Track(samples=empty_samples(), meta=make_track(2).meta)
    with pytest.raises(TrackDataError, match="no samples"):
        to_fit(empty)


# --------------------------------------------------------------------------- sample_tracks/
SAMPLE_FILES = [
    "trail_run.fit", "trail_run.gpx", "trail_run_nocadence.gpx", "hill_repeats.fit",
    "hill_repeats.gpx", "trail_run.truth.json", "hill_repeats.truth.json", "README.md",
]


def test_sample_tracks_exist_and_are_small():
    for name in SAMPLE_FILES:
        path = SAMPLE_DIR / name
        assert path.is_file(), f"{name} missing: run python scripts/make_sample_tracks.py"
        assert path.stat().st_size < 1_000_000, name


def test_sample_tracks_are_up_to_date():
    """The committed files decode to exactly what the simulator produces today."""
    load = _load()
    trail = simulate_trail_run(seed=0, elevation_noise="baro")
    fit = load(SAMPLE_DIR / "trail_run.fit")
    pd.testing.assert_frame_equal(fit.samples, trail.track.samples, check_exact=False, rtol=0, atol=1e-9)
    gpx = load(SAMPLE_DIR / "trail_run.gpx")
    half = trail.track.samples.iloc[::2].reset_index(drop=True)
    pd.testing.assert_series_equal(gpx.samples.time, half.time)
    np.testing.assert_allclose(gpx.samples.lat_deg, half.lat_deg, atol=5e-7 + 1e-12)
    assert np.max(np.abs(gpx.samples.cadence_spm - half.cadence_spm)) <= 1.0 + 1e-9
    nocad = load(SAMPLE_DIR / "trail_run_nocadence.gpx")
    assert not nocad.has["cadence"] and len(nocad.samples) == len(half)
    repeats = simulate_hill_repeats(seed=0, elevation_noise="baro")
    hill = load(SAMPLE_DIR / "hill_repeats.fit")
    pd.testing.assert_frame_equal(hill.samples, repeats.track.samples, check_exact=False, rtol=0, atol=1e-9)
    for name, run in (("trail_run", trail), ("hill_repeats", repeats)):
        stored = json.loads((SAMPLE_DIR / f"{name}.truth.json").read_text())
        fresh = json.loads(json.dumps(run.truth.to_dict()))
        stored.pop("files")
        assert stored == fresh, name
