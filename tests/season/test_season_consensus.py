"""Elevation by consensus of several runs over the same ground: one vote per run."""

import numpy as np
import pytest

from tests.conftest import make_track
from trailtech.season.consensus import consensus_elevation, consensus_tracks


def _line(n=400, lat0=45.0, step_deg=2.7e-5):
    # ~3 m apart, north along one meridian.
    return lat0 + step_deg * np.arange(n), np.full(n, 6.0)


def test_independent_offsets_average_and_every_run_reads_the_same_profile():
    lat, lon = _line()
    terrain = 1000 + 20 * np.sin(np.arange(lat.size) / 40.0)
    offsets = (-6.0, 0.0, 9.0)
    out = consensus_elevation([lat] * 3, [lon] * 3, [terrain + o for o in offsets])
    inner = slice(10, -10)  # at the ends the 15 m disc holds points on one side only
    for res in out:
        assert np.allclose(res[inner], terrain[inner] + np.mean(offsets), atol=0.6)
    assert np.max(np.abs(out[0] - out[2])) < 1e-9


def test_a_run_standing_still_has_one_vote_like_the_others():
    lat, lon = _line(200)
    mid = 100
    # Run 0 passes at 1000 m; run 1 stands at the middle for 500 samples reading 1010 m.
    lat1 = np.concatenate([lat[:mid], np.full(500, lat[mid]), lat[mid:]])
    lon1 = np.full(lat1.size, 6.0)
    out = consensus_elevation([lat, lat1], [lon, lon1], [np.full(200, 1000.0), np.full(lat1.size, 1010.0)],
                              radius_m=15.0)
    assert out[0][mid] == pytest.approx(1005.0, abs=1e-6)


def test_ground_no_other_run_passed_keeps_its_own_altitude_and_gaps_stay():
    lat, lon = _line(300)
    far_lat = lat + 0.01  # ~1.1 km north: never within the radius
    own = np.full(300, 500.0)
    own[10] = np.nan
    out = consensus_elevation([lat, far_lat], [lon, lon], [own, np.full(300, 900.0)])
    assert np.isnan(out[0][10])
    assert np.nanmax(np.abs(out[0] - 500.0)) == 0 and np.all(out[1] == 900.0)
    with pytest.raises(ValueError):
        consensus_elevation([lat], [lon, lon], [own])


@pytest.mark.slow
def test_consensus_of_simulated_runs_is_steadier_run_by_run():
    from trailtech.prepare import prepare
    from trailtech.simulate import simulate_trail_run

    runs = [simulate_trail_run(seed=100 + k, course_seed=0, elevation_noise="gps") for k in range(4)]
    assert np.array_equal(runs[0].course.elevation_m, runs[3].course.elevation_m)
    own = [prepare(r.track).summary.descent_m / r.truth.descent_m - 1 for r in runs]
    cons = [prepare(t).summary.descent_m / r.truth.descent_m - 1
            for r, t in zip(runs, consensus_tracks([r.track for r in runs]))]
    assert np.ptp(cons) < 0.25 * np.ptp(own)
    assert max(abs(c) for c in cons) < 0.03


def test_tracks_get_the_consensus_and_tracks_without_altitude_are_left_alone():
    a = make_track(300, ele0=1000.0)
    b = make_track(300, ele0=1010.0)
    c = make_track(300)
    c = type(c)(samples=c.samples.drop(columns="elevation_m"), meta=c.meta)
    out = consensus_tracks([a, b, c])
    assert np.allclose(out[0].samples["elevation_m"], 1005.0) and np.allclose(out[1].samples["elevation_m"], 1005.0)
    assert out[2] is c
    # Quiet as a barometer, but GPS altitude still: it must be smoothed and thresholded as such.
    assert out[0].meta.barometric is False and out[1].meta.barometric is False
    assert np.allclose(a.samples["elevation_m"], 1000.0)  # the inputs are not changed
