"""FIT reader: bad input gives a TrailtechError naming the file; normalisation rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trailtech.errors import TrackDataError, TrackReadError, TrailtechError, UnsupportedFormatError
from trailtech.io.fit import read_fit
from trailtech.io.fit_content import RECORD_KEYS, FitContent, build_track
from trailtech.io.fit_devices import device_label, is_barometric
from trailtech.io.fit_fast import fit_crc

SMALL = ["python-fitparse/Activity.fit", "heartandsole/testdata.fit", "python-fitparse/antfs-dump.63.fit"]


def test_fit_empty_and_garbage_raise_named_errors():
    with pytest.raises(TrackReadError, match="x.fit: empty file"):
        read_fit(b"", "x.fit")
    with pytest.raises(UnsupportedFormatError, match="junk.fit: not a FIT file"):
        read_fit(bytes(range(200)), "junk.fit")
    header = bytes([14, 0x10, 0, 0]) + (0).to_bytes(4, "little") + b".FIT" + b"\0\0"
    with pytest.raises(TrackReadError, match="h.fit: FIT file holds only its header"):
        read_fit(header, "h.fit")
    with pytest.raises(ValueError, match="engine"):
        read_fit(header, "h.fit", engine="turbo")


@pytest.mark.parametrize("engine", ["fast", "fitparse"])
def test_fit_settings_file_is_not_an_activity(real_dir, engine):
    # the chained file's second part is a settings file with a corrupt header: cut the
    # activity off and the first file_id says what the file is
    data = (real_dir / "python-fitparse/activity-settings-corruptheader.fit").read_bytes()
    with pytest.raises(TrailtechError, match="settings.fit"):
        read_fit(data[771:], "settings.fit", engine=engine)


@pytest.mark.parametrize("name", SMALL)
@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fit_truncated_or_corrupted_never_crashes(real_dir, name, data):
    raw = bytearray((real_dir / name).read_bytes())
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), max_size=6))
    for pos, val in flips:
        raw[pos] = val
    blob = bytes(raw[:cut])
    for engine in ("auto", "fitparse"):
        try:
            track = read_fit(blob, name, engine=engine)
        except TrailtechError as exc:
            assert name in str(exc)
        else:
            assert track.samples["time"].is_monotonic_increasing


def _content(t, **cols) -> FitContent:
    n = len(t)
    rec = {k: np.full(n, np.nan) for k in RECORD_KEYS}
    rec["timestamp"] = np.asarray(t, dtype=float)
    for k, v in cols.items():
        rec[k] = np.asarray(v, dtype=float)
    return FitContent(records=rec, file_types=["activity"])


def test_fit_duplicates_merged_and_backwards_dropped():
    t0 = 1_000_000_000
    c = _content(
        [t0, t0 + 1, t0 + 1, t0 + 2, t0 + 1, t0 + 3],
        heart_rate_bpm=[100, np.nan, 101, 102, 150, 103],
        lat_deg=[45.0, 45.1, np.nan, 45.2, 45.9, 45.3],
        lon_deg=[6.0, 6.1, np.nan, 6.2, 6.9, 6.3],
    )
    tr = build_track(c, "d.fit")
    s = tr.samples
    assert s["elapsed_s"].tolist() == [0, 1, 2, 3]
    assert s["heart_rate_bpm"].tolist() == [100, 101, 102, 103]  # gap filled from the twin
    assert s["lat_deg"].tolist() == [45.0, 45.1, 45.2, 45.3]
    assert tr.meta.n_records == 6
    text = " ".join(tr.meta.warnings)
    assert "1 records went back in time" in text
    assert "1 samples with a repeated timestamp were merged" in text


def test_fit_no_timestamps_and_no_records():
    with pytest.raises(TrackDataError, match="n.fit"):
        build_track(_content([np.nan, np.nan], heart_rate_bpm=[1, 2]), "n.fit")
    with pytest.raises(TrackReadError, match="no records"):
        build_track(_content([]), "e.fit")
    c = _content([1e9])
    c.file_types = ["workout"]
    with pytest.raises(UnsupportedFormatError, match="workout"):
        build_track(c, "w.fit")


def test_fit_cadence_doubled_per_session_and_segments_from_pauses():
    t0 = 1_000_000_000.0
    t = t0 + np.arange(20.0)
    cad = np.r_[np.full(10, 85.0), np.full(10, 90.0)]
    c = _content(t, cadence=cad, device_speed_mps=np.r_[np.full(10, 3.0), np.full(10, 8.0)])
    c.sessions = [
        dict(start_time=t0, timestamp=None, sport="running", sub_sport="trail", total_distance=100.0,
             total_ascent=10.0, total_descent=5.0, total_timer_time=9.0, total_elapsed_time=10.0),
        dict(start_time=t0 + 10, timestamp=None, sport="cycling", sub_sport=None, total_distance=200.0,
             total_ascent=20.0, total_descent=None, total_timer_time=9.0, total_elapsed_time=9.0),
    ]
    c.timer_events = [(t0 + 4.5, "stop_all"), (t0 + 5.5, "start")]
    tr = build_track(c, "m.fit")
    s = tr.samples
    assert s["cadence_spm"].tolist() == [170.0] * 10 + [90.0] * 10
    assert s["session"].tolist() == [0] * 10 + [1] * 10
    assert s["segment"].tolist() == [0] * 6 + [1] * 4 + [2] * 10  # restart at +5.5 s
    assert tr.meta.cadence_doubled and tr.meta.sport == "running" and tr.meta.sub_sport == "trail"
    assert tr.meta.device_totals.ascent_m == 30.0 and tr.meta.device_totals.descent_m == 5.0
    assert len(tr.meta.timer_pauses) == 1
    assert [x.sport for x in tr.meta.sessions] == ["running", "cycling"]


def test_fit_generic_sport_cadence_decided_by_values():
    t = 1e9 + np.arange(10.0)
    walk = build_track(_content(t, cadence=np.full(10, 55.0), device_speed_mps=np.full(10, 1.2)), "g.fit")
    assert walk.meta.cadence_doubled and walk.samples["cadence_spm"].iloc[0] == 110.0
    ride = build_track(_content(t, cadence=np.full(10, 85.0), device_speed_mps=np.full(10, 8.0)), "b.fit")
    assert not ride.meta.cadence_doubled and "cycling" in " ".join(ride.meta.warnings)


def test_fit_device_label_and_barometer():
    assert device_label("garmin", "fenix6x") == "garmin fenix6x"
    assert device_label("coros", "841", "COROS APEX Pro") == "coros 841 (COROS APEX Pro)"
    assert device_label("lezyne", "4", "\ufffd") == "lezyne 4"
    assert is_barometric("garmin", "fenix6x") is True
    assert is_barometric("coros", "841", "COROS APEX Pro") is True
    assert is_barometric("garmin", "fr735xt") is False  # known to have no barometer
    assert is_barometric("stryd", "0") is None
    assert device_label(None, None) is None


@given(st.binary(max_size=3000))
@settings(max_examples=30, deadline=None)
def test_fit_crc_matches_sdk_reference(blob):
    from fitparse.records import Crc

    assert fit_crc(blob) == Crc.calculate(blob)
