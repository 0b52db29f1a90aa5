"""The season's text summary (what `trailtech season` prints) for segments met more than once."""

from __future__ import annotations

import pandas as pd

from trailtech.cli import _season_text

from .test_season_report import _season


def _seg(sid, direction, drop_m, trend, passes):
    t = pd.Timestamp
    return {"segment_id": sid, "direction": direction, "start_lat": 45.0, "start_lon": 6.0, "end_lat": 45.01,
            "end_lon": 6.0, "length_m": 400.0, "drop_m": drop_m, "n_passes": len(passes), "trend": trend,
            "passes": [{"file": f, "start_time": t(s), "duration_s": d, "control_score": c}
                       for f, s, d, c in passes]}


def test_descent_passes_show_the_control_scores_that_their_trend_weighs():
    down = _seg("d-abc-def", "down", 60.0, "worse",
                [("a.fit", "2026-06-01T08:00:00Z", 403.0, 98.5), ("b.fit", "2026-06-08T08:00:00Z", 401.1, 95.4)])
    up = _seg("c-def-abc", "up", -60.0, "steady",
              [("a.fit", "2026-06-01T08:20:00Z", 300.0, None), ("b.fit", "2026-06-08T08:20:00Z", 301.0, None)])
    text = _season_text(_season(["2026-06-01T08:00:00Z", "2026-06-08T08:00:00Z"], segments=[down, up]))
    block = text[text.index("segments met more than once"):].splitlines()
    assert "(a negative drop is a climb; rename them in segments.toml)" in block[0]
    assert block[1].split() == ["segment", "length", "drop", "passes", "trend", "times", "control", "id"]
    # Without a name (hand-built), the id names the segment.
    assert block[2].split() == ["d-abc-def", "400", "m", "60", "m", "2", "worse", "403s", "401s", "98", "95",
                                "d-abc-def"]
    assert block[3].split() == ["c-def-abc", "400", "m", "-60", "m", "2", "steady", "300s", "301s", "–",
                                "c-def-abc"]
