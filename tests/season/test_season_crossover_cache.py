"""The season's pooled crossover is cached under its evidence: a warm season skips the fit."""

from __future__ import annotations

import numpy as np
import pytest

from trailtech.season import summary
from trailtech.season.cache import ResultCache
from trailtech.season.shape import is_crossover_entry


def _bouts(seed: int, crossover: float = 0.18) -> dict:
    """Climbing pieces of one activity: hiking above ``crossover``, running below, both near it."""
    rng = np.random.default_rng(seed)
    g = rng.uniform(0.08, 0.30, 60)
    hike = (g + rng.normal(0, 0.03, g.size)) > crossover
    v_run = 3.0 * np.exp(-6.0 * g)
    v_hike = 1.3 * np.exp(-1.5 * g)
    speed = np.where(hike, v_hike, v_run) * np.exp(rng.normal(0, 0.03, g.size))
    start = np.cumsum(rng.uniform(150, 300, g.size))
    dur = rng.uniform(60, 200, g.size)
    return {"gait": ["hike" if h else "run" for h in hike], "avg_grade_pct": (100 * g).tolist(),
            "start_m": start.tolist(), "end_m": (start + speed * dur).tolist(), "duration_s": dur.tolist(),
            "speed_mps": speed.tolist()}


def test_cached_season_crossover_is_the_fit_and_a_second_call_reads_the_cache(tmp_path, monkeypatch):
    bouts = [_bouts(k) for k in range(4)]
    pct = [None, 17.5, None, 19.0]
    import pandas as pd

    frames = [pd.DataFrame(b) for b in bouts]
    direct = summary.season_crossover(pct, pd.concat(frames, ignore_index=True))
    store = ResultCache(tmp_path)
    first = summary.cached_season_crossover(pct, bouts, None, store)
    assert first == direct

    def no_fit(*args, **kwargs):
        raise AssertionError("the pooled fit ran again")

    monkeypatch.setattr(summary, "season_crossover", no_fit)
    assert summary.cached_season_crossover(pct, bouts, None, store) == direct
    with pytest.raises(AssertionError):  # other evidence: another key, the fit runs
        summary.cached_season_crossover(pct[:3], bouts[:3], None, store)


@pytest.mark.parametrize("bad", [None, {}, {"crossover": {"grade_pct": "x"}},
                                 {"crossover": {"grade_pct": 18.0, "ci_pct": [1.0], "method": "pooled", "reason": None,
                                                "reason_text": "", "activities": 2}}])
def test_a_malformed_cached_crossover_is_not_read(bad):
    assert not is_crossover_entry(bad)
