"""The Analysis result: its frames follow the column registry, its summary is typed, and the
JSON projections (analyze, info) keep the contract's keys."""

import copy
import io
import json
import pickle
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

import trailtech
from tests.conftest import make_track
from trailtech.result import ANALYSIS_TIMELINE_COLUMNS, SUMMARY_KEYS, Summary
from trailtech.timeline import PROFILE_COLUMNS


@pytest.fixture(scope="module")
def result():
    return trailtech.analyze(make_track(900, grade=0.05, speed_mps=3.0))


def test_analysis_frames_follow_the_column_registry(result):
    assert list(result.timeline.columns) == [c.name for c in ANALYSIS_TIMELINE_COLUMNS]
    assert list(result.profile.columns) == [c.name for c in PROFILE_COLUMNS]
    assert str(result.timeline["time"].dtype) == "datetime64[ns, UTC]"
    assert set(result.timeline["gait"]) <= {"stop", "hike", "run"}
    # x_m/y_m are the metric positions the figures draw: heading east at 3 m/s.
    np.testing.assert_allclose(np.diff(result.timeline["x_m"]), 3.0, rtol=1e-3)


def test_summary_reads_both_parts_and_projects_the_contract_keys(result):
    s = result.summary
    assert isinstance(s, Summary)
    assert s.distance_m == s.prepared.distance_m and s.hike_time_s == s.analysis.hike_time_s
    assert s.elevation_source == "barometric" or s.elevation_source == "gps"
    assert list(s.to_dict()) == SUMMARY_KEYS
    assert result.to_dict()["summary"] == s.to_dict()
    with pytest.raises(AttributeError, match="no value 'nope'"):
        s.nope  # noqa: B018
    # Copies and pickles (process pools, dataclasses.replace) keep the values.
    for back in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert back == s and back.distance_m == s.distance_m


def test_repr_uses_the_summary(result):
    text = repr(result)
    assert f"distance_km={result.summary.distance_m / 1000:.2f}" in text


def test_track_to_dict_is_the_info_document(tmp_path):
    from trailtech.cli import main
    from trailtech.io.gpx_write import to_gpx

    path = tmp_path / "run.gpx"
    path.write_bytes(to_gpx(make_track(120, fmt="gpx")))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["info", str(path), "--json"]) == 0
    track = trailtech.load(path)
    assert json.loads(out.getvalue()) == track.to_dict()
    assert list(track.to_dict())[:5] == ["file", "format", "sport", "device", "start_time"]


def test_no_module_imports_the_version_from_the_package(result):
    # The version lives in trailtech/_version.py: importing the package from inside it is a circle.
    root = Path(trailtech.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if re.search(r"^from \.+ import .*__version__", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
    from trailtech._version import __version__

    assert trailtech.__version__ == __version__ == result.version
