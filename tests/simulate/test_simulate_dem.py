"""The simulator's terrain tiles: a known-answer test of the whole tiles chain."""

import numpy as np
import pytest

from trailtech.config import AnalysisConfig
from trailtech.dem import TileFolder
from trailtech.pipeline import analyze
from trailtech.processing.geodesy import unproject_local
from trailtech.simulate import simulate_trail_run
from trailtech.simulate.dem import write_terrain_tiles


@pytest.fixture(scope="module")
def run():
    return simulate_trail_run(seed=0, elevation_noise="gps", position_noise_m=3.0)


def test_tiles_hold_the_course_with_the_asked_error(run, tmp_path):
    course = run.course
    paths = write_terrain_tiles(course, tmp_path, seed=1, arcsec=3, error_sigma_m=4.0)
    assert [p.name for p in paths] == ["N45E006.hgt"]
    lat, lon = unproject_local(course.east_m, course.north_m, lat0_deg=course.origin_lat_deg,
                               lon0_deg=course.origin_lon_deg)
    err = TileFolder(tmp_path).sample(lat, lon) - course.elevation_m
    assert np.isfinite(err).all()
    assert abs(np.median(err)) < 2.0
    assert 2.0 < np.std(err) < 7.0  # the DEM error plus the 90 m posts' blur
    with pytest.raises(ValueError):
        write_terrain_tiles(course, tmp_path, arcsec=2)


@pytest.mark.slow
def test_gps_only_run_with_tiles_is_within_3_pct_of_the_truth(run, tmp_path):
    write_terrain_tiles(run.course, tmp_path, seed=0, arcsec=1, error_sigma_m=3.0)
    s = analyze(run.track, AnalysisConfig(dem_dir=str(tmp_path))).summary
    assert s.elevation_source == "dem"
    assert s.ascent_m == pytest.approx(run.truth.ascent_m, rel=0.03)
    assert s.descent_m == pytest.approx(run.truth.descent_m, rel=0.03)
    assert s.max_elevation_m == pytest.approx(float(run.course.elevation_m.max()), abs=15)


@pytest.mark.slow
def test_5_m_dem_error_is_averaged_with_gps_altitude(run, tmp_path):
    # With the tiles alone this seed read +4.1 % up and +8.2 % down: the error lifted each
    # flat ridge top and sank each valley floor (docs/elevation-accuracy.md).
    write_terrain_tiles(run.course, tmp_path, seed=0, arcsec=1, error_sigma_m=5.0)
    a = analyze(run.track, AnalysisConfig(dem_dir=str(tmp_path)))
    assert a.summary.elevation_source == "dem"
    assert a.summary.ascent_m == pytest.approx(run.truth.ascent_m, rel=0.03)
    assert a.summary.descent_m == pytest.approx(run.truth.descent_m, rel=0.03)
    assert any("refined with the recorded altitude" in w for w in a.warnings)
