"""FIT reader on the real-file corpus: loads, record counts, device totals, engines agree,
decoded values match the CSVs the source repositories' authors wrote."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trailtech.errors import TrailtechError
from trailtech.io.fit import check_fit_header, decode_fitparse, read_fit
from trailtech.io.fit_fast import FastPathUnsupported, decode_fast

from ..conftest import real_manifest

FIT_ROWS = [r for r in real_manifest() if r["format"] == "FIT" and not r["container"]]
FIT_IDS = [r["file"] for r in FIT_ROWS]
_CACHE: dict[str, object] = {}
#: Files the manifest counts as empty because its decoders stopped at a header declaring no
#: data size; read to the end of the file, they hold these records (both engines agree).
_UNFINALISED_RECORDS = {"sports-lib/empty-activities.fit": 2319}


def _load(real_dir: Path, name: str):
    """Track (or the TrailtechError) of one corpus file with the default engine, cached."""
    if name not in _CACHE:
        try:
            _CACHE[name] = read_fit((real_dir / name).read_bytes(), name)
        except TrailtechError as exc:
            _CACHE[name] = exc
    return _CACHE[name]


@pytest.mark.parametrize("row", FIT_ROWS, ids=FIT_IDS)
def test_fit_corpus_file_loads_or_names_the_problem(real_dir, row):
    got = _load(real_dir, row["file"])
    if isinstance(got, TrailtechError):
        assert row["file"] in str(got)
        # only files without usable records may fail
        assert int(row["n_records"] or 0) == 0 or row["fit_file_type"] not in ("activity", "") or (
            "timestamp" in str(got)
        ), str(got)
        return
    assert got.meta.format == "fit"
    assert got.meta.n_records == _UNFINALISED_RECORDS.get(row["file"], int(row["n_records"]))
    s = got.samples
    assert s["time"].is_monotonic_increasing and s["time"].is_unique
    assert list(s.index) == list(range(len(s)))
    if row["session_total_ascent_m"]:
        assert got.meta.device_totals.ascent_m == pytest.approx(float(row["session_total_ascent_m"]))
    if row["sport"]:
        assert got.meta.sessions, "sessions missing"
    if row["has_position"] == "yes":
        assert got.has["position"]
    if row["has_hr"] == "yes":
        assert got.has["heart_rate"]


def test_fit_corpus_load_rate(real_dir):
    with_records = [r for r in FIT_ROWS if int(r["n_records"] or 0) > 0]
    loaded = [r for r in with_records if not isinstance(_load(real_dir, r["file"]), TrailtechError)]
    assert len(loaded) / len(with_records) >= 0.97, [
        (r["file"], str(_load(real_dir, r["file"]))) for r in with_records if r not in loaded
    ]


def test_fit_expected_failures_are_the_right_errors(real_dir):
    from trailtech.errors import TrackDataError, TrackReadError, UnsupportedFormatError

    expect = {
        "sports-lib/empty-sessions.fit": TrackReadError,  # 0 bytes
        "fittrackee/example.fit": UnsupportedFormatError,  # a course, not an activity
        "python-fitparse/DeveloperData.fit": TrackDataError,  # records without timestamps
    }
    for name, err in expect.items():
        if (real_dir / name).is_file():
            with pytest.raises(err, match=name.split("/")[-1].replace(".", r"\.")):
                read_fit((real_dir / name).read_bytes(), name)


#: fitparse decodes ~15k records/s; larger files are compared on their first bytes (both
#: decoders then also have to agree on where a truncated file breaks).
_EQUIVALENCE_BYTES = 120_000


@pytest.mark.parametrize("row", FIT_ROWS, ids=FIT_IDS)
def test_fit_fast_engine_equals_fitparse(real_dir, row):
    data = (real_dir / row["file"]).read_bytes()[:_EQUIVALENCE_BYTES]
    try:
        check_fit_header(data, row["file"])
    except TrailtechError:
        return
    try:
        fast = decode_fast(data, row["file"])
    except FastPathUnsupported:
        return  # auto falls back to fitparse for these; covered by the corpus test
    ref = decode_fitparse(data, row["file"])
    assert fast.n_records == ref.n_records
    for key, a in fast.records.items():
        b = ref.records[key]
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=key)
        ok = ~np.isnan(a)
        # integers exact; scaled values within float rounding (the same IEEE operations)
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-12, atol=0, err_msg=key)
    assert fast.sessions == ref.sessions
    assert fast.timer_events == ref.timer_events
    assert (fast.manufacturer, fast.product, fast.product_name) == (
        ref.manufacturer,
        ref.product,
        ref.product_name,
    )
    assert fast.file_types[:1] == ref.file_types[:1]


@pytest.mark.parametrize("name", ["python-fitparse/compressed-speed-distance.fit",
                                  "python-fitparse/null_compressed_speed_dist.fit",
                                  "runalyze/FR70-intervals.fit", "sports-lib/empty-activities.fit"])
def test_fit_compressed_speed_distance_decoded_fast_like_fitparse(real_dir, name):
    """The fast decoder reads compressed_speed_distance (it used to hand these files to
    fitparse, 150x slower), with the same samples and no fallback note."""
    if not (real_dir / name).is_file():
        pytest.skip("file absent")
    data = (real_dir / name).read_bytes()
    fast = read_fit(data, name, engine="fast")
    assert not any("decoded with fitparse" in w for w in fast.meta.warnings)
    assert fast.samples["device_distance_m"].notna().any()
    assert fast.has["device_speed"]
    pd.testing.assert_frame_equal(fast.samples, read_fit(data, name, engine="fitparse").samples)
    pd.testing.assert_frame_equal(fast.samples, read_fit(data, name).samples)


# --------------------------------------------------------------------------- decoded CSVs
def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, skipinitialspace=True))


def _num(v: str) -> float:
    return float(v) if v not in ("", "null", "None", "nan") else np.nan


def _check(ours: np.ndarray, theirs: np.ndarray, atol: float, what: str) -> None:
    both = np.isfinite(ours) & np.isfinite(theirs)
    assert both.sum() >= 0.8 * np.isfinite(theirs).sum(), f"{what}: values missing"
    np.testing.assert_allclose(ours[both], theirs[both], atol=atol, rtol=0, err_msg=what)


@pytest.mark.parametrize("kind", ["run", "walk"])
def test_fit_matches_fitparse_csv_fenix5(real_dir, kind):
    """python-fitparse's CSV: position in semicircles, altitude m, speed m/s, distance m,
    cadence in the FIT unit (strides/min for run and walk), times in PDT."""
    fit = real_dir / f"python-fitparse/garmin-fenix-5-{kind}.fit"
    rows = _csv(real_dir / f"python-fitparse/garmin-fenix-5-{kind}-records.csv")
    track = read_fit(fit.read_bytes(), fit.name)
    s = track.samples
    times = pd.to_datetime(
        [r["timestamp"].replace(" PDT ", " ") for r in rows], format="%a %b %d %H:%M:%S %Y"
    ).tz_localize("Etc/GMT+7").tz_convert("UTC")
    assert np.array_equal(s["time"].to_numpy(), times.to_numpy())
    semi = 180.0 / 2**31
    col = lambda k: np.array([_num(r[k]) for r in rows])  # noqa: E731
    _check(s["lat_deg"].to_numpy(), col("position_lat") * semi, 1e-9, "lat")
    _check(s["lon_deg"].to_numpy(), col("position_long") * semi, 1e-9, "lon")
    _check(s["elevation_m"].to_numpy(), col("altitude"), 1e-9, "altitude")
    _check(s["device_speed_mps"].to_numpy(), col("speed"), 1e-9, "speed")
    _check(s["device_distance_m"].to_numpy(), col("distance"), 1e-9, "distance")
    _check(s["heart_rate_bpm"].to_numpy(), col("heart_rate"), 0, "heart rate")
    assert track.meta.cadence_doubled
    # our cadence adds fractional_cadence (< 1 stride/min) and doubles to steps/min
    _check(s["cadence_spm"].to_numpy() / 2, col("cadence"), 1.0, "cadence")


def test_fit_matches_fitparse_csv_compressed_speed_distance(real_dir):
    """Timestamps are raw FIT seconds (device power-on time); speed/distance rounded to 0.01."""
    fit = real_dir / "python-fitparse/compressed-speed-distance.fit"
    rows = _csv(real_dir / "python-fitparse/compressed-speed-distance-records.csv")
    track = read_fit(fit.read_bytes(), fit.name)
    s = track.samples
    fit_s = (s["time"] - pd.Timestamp("1989-12-31T00:00:00Z")).dt.total_seconds().to_numpy()
    ref = pd.DataFrame({k: [_num(r[k]) for r in rows] for k in rows[0]})
    merged = pd.DataFrame({"t": fit_s, "i": np.arange(len(s))}).merge(
        ref, left_on="t", right_on="Timestamp", how="inner"
    )
    assert len(merged) >= 0.99 * len(ref)
    i = merged["i"].to_numpy()
    _check(s["heart_rate_bpm"].to_numpy()[i], merged["Heart Rate [bpm]"].to_numpy(), 0, "hr")
    _check(s["device_speed_mps"].to_numpy()[i], merged["Speed [m/s]"].to_numpy(), 0.0051, "speed")
    _check(s["device_distance_m"].to_numpy()[i], merged["Distance [m]"].to_numpy(), 0.0051, "distance")
    _check(s["cadence_spm"].to_numpy()[i] / 2, merged["Cadence [rpm]"].to_numpy(), 1.0, "cadence")


def test_fit_matches_coros_csv(real_dir):
    """coros-run-metrics' CSV (decoded with fitparse by its author): positions already in
    degrees, distance m, enhanced speed m/s, altitude m, cadence strides/min (integer)."""
    fit = real_dir / "coros-run-metrics/BoulderTrailRun20241126062604.fit"
    rows = _csv(real_dir / "coros-run-metrics/BoulderTrailRun20241126062604.csv")
    track = read_fit(fit.read_bytes(), fit.name)
    s = track.samples.set_index("time")
    ref = pd.DataFrame({k: [_num(r[k]) for r in rows] for k in rows[0] if k not in ("timestamp", "activity_type", "elapsed_time")})
    ref.index = pd.to_datetime([r["timestamp"] for r in rows], utc=True)
    ref = ref[~ref.index.duplicated()]
    j = s.join(ref, how="inner")
    assert len(j) == len(ref)
    _check(j["lat_deg"].to_numpy(), j["position_lat"].to_numpy(), 1e-9, "lat")
    _check(j["lon_deg"].to_numpy(), j["position_long"].to_numpy(), 1e-9, "lon")
    _check(j["elevation_m"].to_numpy(), j["enhanced_altitude"].to_numpy(), 1e-9, "altitude")
    _check(j["device_speed_mps"].to_numpy(), j["enhanced_speed"].to_numpy(), 1e-9, "speed")
    _check(j["device_distance_m"].to_numpy(), j["distance"].to_numpy(), 1e-9, "distance")
    _check(j["heart_rate_bpm"].to_numpy(), j["heart_rate"].to_numpy(), 0, "heart rate")
    _check(j["cadence_spm"].to_numpy() / 2, j["cadence"].to_numpy(), 1.0, "cadence")
