"""The elevation source: the same decision at any sampling rate, device table, override, tiles."""

import numpy as np
import pandas as pd
import pytest

from trailtech.config import AnalysisConfig
from trailtech.errors import ConfigError
from trailtech.io.fit_devices import is_barometric
from trailtech.prepare.elevation import decide_source, elevation
from trailtech.processing.elevation import is_barometric_like, local_fit_residual_m
from trailtech.prepare.time_axis import time_axis
from trailtech.track import Track, TrackMeta


def _terrain_m(t_s):
    # Rolling hills at a runner's pace: up to 0.45 m/s vertical, a 15 % grade at 3 m/s.
    return 500 + 40 * np.sin(t_s / 130.0) + 8 * np.sin(t_s / 60.0)


def _gps_noise_m(n, rng, tau_s=20.0, sigma_m=3.0):
    a = np.exp(-1.0 / tau_s)
    e = rng.normal(0, sigma_m * np.sqrt(1 - a * a), n)
    out = np.empty(n)
    out[0] = rng.normal(0, sigma_m)
    for i in range(1, n):
        out[i] = a * out[i - 1] + e[i]
    return out


def _thinned(t, h, mode, rng):
    if mode == "1s":
        keep = np.ones(t.size, bool)
    elif mode == "5s":
        keep = (np.arange(t.size) % 5) == 0
    else:  # smart recording: 2-8 s intervals
        rows = np.cumsum(rng.integers(2, 9, t.size))
        keep = np.zeros(t.size, bool)
        keep[rows[rows < t.size]] = True
        keep[0] = True
    return t[keep], h[keep]


@pytest.mark.parametrize("mode", ["1s", "5s", "smart"])
def test_decision_is_the_same_at_any_sampling_rate(mode):
    rng = np.random.default_rng(3)
    t = np.arange(3600.0)
    baro = np.round((_terrain_m(t) + rng.normal(0, 0.1, t.size)) * 5) / 5  # FIT's 0.2 m steps
    gps = _terrain_m(t) + _gps_noise_m(t.size, rng)
    # The old per-step test called the thinned barometer GPS (its 5 s steps carry terrain).
    assert is_barometric_like(*_thinned(t, baro, mode, rng))
    assert not is_barometric_like(*_thinned(t, gps, mode, rng))


def test_residual_needs_enough_windows():
    t = np.arange(20.0)
    assert local_fit_residual_m(t, t * 0.1) is None
    assert not is_barometric_like(t, t * 0.1)  # unknown: GPS, the conservative answer


def test_device_table_knows_models_without_barometer():
    assert is_barometric("garmin", "fr630") is False
    assert is_barometric("garmin", "fr645m") is True
    assert is_barometric("garmin", "fr255") is True
    assert is_barometric("garmin", "fr235") is False
    assert is_barometric("suunto", "35", "Suunto 9") is False
    assert is_barometric("suunto", "34", "Suunto 9 Baro") is True
    assert is_barometric("stryd", "0") is None


def test_device_and_override_decide_before_the_signal():
    t = np.arange(600.0)
    quiet = 100 + 0.01 * t
    assert decide_source(t, quiet, None, AnalysisConfig()) == ("barometric", "signal")
    assert decide_source(t, quiet, False, AnalysisConfig()) == ("gps", "device")
    assert decide_source(t, quiet, True, AnalysisConfig(elevation_source="gps")) == ("gps", "forced")
    with pytest.raises(ConfigError):
        AnalysisConfig(elevation_source="lidar")


def _axis(n):
    time = pd.Timestamp("2024-05-01T08:00:00Z") + pd.to_timedelta(np.arange(n), unit="s")
    samples = pd.DataFrame({"time": time, "elapsed_s": np.arange(n, dtype=float), "lat_deg": np.full(n, 45.5), "lon_deg": np.full(n, 6.5)})
    track = Track(samples=samples, meta=TrackMeta(source="t", format="gpx"))
    return time_axis(track, AnalysisConfig())


def _tiles(folder, height):
    np.full((3, 3), height).astype(">i2").tofile(folder / "N45E006.hgt")


def test_gps_altitude_takes_the_tiles_and_says_so(tmp_path):
    n = 300
    axis = _axis(n)
    rng = np.random.default_rng(0)
    gps = 700 + _gps_noise_m(n, rng)
    lat, lon = np.linspace(45.2, 45.8, n), np.full(n, 6.5)
    _tiles(tmp_path, 1234)
    e = elevation(gps, axis, False, AnalysisConfig(dem_dir=str(tmp_path)), lat_deg=lat, lon_deg=lon)
    assert e.source == "dem" and np.allclose(e.values_m, 1234)
    assert any("terrain tiles" in note for note in e.notes)
    # Half the track leaves the tile: it keeps GPS altitude shifted onto the tiles, and says so.
    lat2 = np.linspace(45.5, 46.5, n)
    e = elevation(gps, axis, False, AnalysisConfig(dem_dir=str(tmp_path)), lat_deg=lat2, lon_deg=lon)
    assert e.source == "dem"
    assert any("No terrain tile covers" in note for note in e.notes)
    assert np.nanmedian(e.values_m[lat2 > 46.01]) == pytest.approx(1234, abs=8)  # GPS noise sigma 3 m
    # Barometric altitude keeps its shape; the tiles only move it.
    baro = 700 + 0.05 * np.arange(n)
    e = elevation(baro, axis, True, AnalysisConfig(dem_dir=str(tmp_path)), lat_deg=lat, lon_deg=lon)
    assert e.source == "barometric"
    assert np.allclose(np.diff(e.values_m), 0.05) and np.median(e.values_m) == pytest.approx(1234)


def test_dem_asked_without_tiles_is_said(tmp_path):
    axis = _axis(100)
    e = elevation(100 + np.zeros(100), axis, None, AnalysisConfig(elevation_source="dem", dem_dir=str(tmp_path)),
                  lat_deg=np.full(100, 45.5), lon_deg=np.full(100, 6.5))
    assert e.source in ("gps", "barometric")
    assert any("holds no tiles" in note for note in e.notes)


def test_gpx_and_tcx_device_labels_use_the_table_too():
    from trailtech.prepare.elevation import device_barometer

    # A TCX Forerunner 410 (no barometer) used to be called barometric by its quiet signal.
    assert device_barometer(TrackMeta(source="t", format="tcx", device="Forerunner 410 Software Version 2.20")) is False
    assert device_barometer(TrackMeta(source="t", format="tcx", device="Forerunner305 (ID 3464792754)")) is False
    assert device_barometer(TrackMeta(source="t", format="gpx", device="StravaGPX")) is None
    assert device_barometer(TrackMeta(source="t", format="fit", device="garmin fr630", barometric=True)) is True


def test_phone_apps_are_gps_altitude_however_quiet():
    from trailtech.prepare.elevation import device_barometer

    for creator in ("StravaGPX Android", "StravaGPX iPhone", "Locus Map, Android", "https://www.komoot.de",
                    "OsmAnd~ 4.5", "Runkeeper - http://www.runkeeper.com", "MyTrails 2.0.3", "Sports Tracker"):
        assert device_barometer(TrackMeta(source="t", format="gpx", device=creator)) is False, creator
    # Strava's web export of any device, and watches named like apps, stay with the signal.
    for creator in ("StravaGPX", "Garmin Connect", "Polar Pacer Pro"):
        assert device_barometer(TrackMeta(source="t", format="gpx", device=creator)) is not False, creator
    # A quiet phone track (0.1 m of noise) used to be read as barometric by its signal.
    t = np.arange(600.0)
    quiet = _terrain_m(t) + np.random.default_rng(1).normal(0, 0.1, t.size)
    phone = device_barometer(TrackMeta(source="t", format="gpx", device="StravaGPX Android"))
    assert decide_source(t, quiet, phone, AnalysisConfig()) == ("gps", "device")
    assert decide_source(t, quiet, None, AnalysisConfig())[0] == "barometric"
