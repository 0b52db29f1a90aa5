"""The coach's season on real files (issue 17 targets); skipped without the real corpus."""

from __future__ import annotations

import pytest

import trailtech


@pytest.fixture(scope="module")
def coros(real_dir):
    return trailtech.analyze_season([real_dir / "coros-run-metrics"], jobs=2, cache=False)


def test_five_runs_over_13_days_get_no_trend_word(coros):
    # Issue 17: flat cadence 166, 166, 169, 166, 170 was called "improving (+8.7 spm per 30
    # days)" and descent control "improving +3.9".
    assert len(coros.activities) == 5
    for key in ("flat_cadence_spm", "descent_control_score"):
        t = coros.trends[key]
        assert t["trend"] is None and t["status"] == "not enough data yet", (key, t)
        assert "4 weeks" in t["missing"]


def test_start_times_read_as_the_watch_named_the_files(coros, real_dir):
    # Issue 17: the watch names its files by local start time; the FIT activity message's
    # local_timestamp gives the offset.
    local = dict(zip(coros.activities["file"].map(lambda f: f.rsplit("/", 1)[-1]),
                     coros.activities["start_time_local"]))
    assert local["BoulderTrailRun20241124062708.fit"] == "2024-11-24T06:27:08-07:00"
    assert local["LakewoodTrailRun20241128074748.fit"] == "2024-11-28T07:47:48-07:00"
    for engine in ("fast", "fitparse"):
        from trailtech.io.fit import read_fit

        path = real_dir / "coros-run-metrics" / "BoulderTrailRun20241124062708.fit"
        doc = read_fit(path.read_bytes(), str(path), engine=engine).to_dict()
        assert doc["start_time_local"] == "2024-11-24T06:27:08-07:00" and doc["utc_offset_source"] == "file"


def test_unset_fr70_clock_leaves_the_calendar(real_dir):
    s = trailtech.analyze_season([real_dir / "python-fitparse" / "compressed-speed-distance.fit",
                                  real_dir / "runpandas" / "run.fit"], jobs=1, cache=False)
    assert len(s.activities) == 2
    assert [c["reason"] for c in s.clock_problems()] == ["clock unset: dated 1990-07-18, before 2000"]
    assert [w["week"] for w in s.weeks] == ["2019-W37"]
