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
