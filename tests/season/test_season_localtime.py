"""The season in local time: an evening run stays on its local day and week (issue 17)."""

from __future__ import annotations

import trailtech
from trailtech.cli import _season_text

from ._helpers import gpx_bytes, write

BOULDER = dict(lat0=40.015, lon0=-105.27)


def test_evening_run_lands_on_its_local_day_and_week(tmp_path):
    # Sunday 1 December 2024, 22:30 in Boulder (-07:00) is Monday 05:30 UTC: cut in UTC the run
    # would fall on Monday, in ISO week 49. A Tuesday-morning run is the week's other activity.
    write(tmp_path / "evening.gpx", gpx_bytes(start="2024-12-02T05:30:00Z", **BOULDER))
    write(tmp_path / "tuesday.gpx", gpx_bytes(start="2024-11-26T14:00:00Z", **BOULDER))
    season = trailtech.analyze_season([tmp_path], jobs=1, cache=False, progress=False)
    assert season.errors == []
    doc = season.to_dict()
    local = {a["file"].rsplit("/", 1)[-1]: a["start_time_local"] for a in doc["activities"]}
    assert local == {"tuesday.gpx": "2024-11-26T07:00:00-07:00", "evening.gpx": "2024-12-01T22:30:00-07:00"}
    assert [(w["week"], w["activities"]) for w in doc["weeks"]] == [("2024-W48", 2)]
    # The text table dates each activity by its local day.
    assert "2024-12-01" in _season_text(season) and "2024-12-02" not in _season_text(season)
    # The same stretch run twice: each pass carries its local start beside the UTC one.
    passes = [p for s in doc["segments"] for p in s["passes"]]
    assert passes, "the two runs share their descent"
    for p in passes:
        assert p["start_time_local"][:10] in ("2024-11-26", "2024-12-01")
        assert p["start_time_local"].endswith("-07:00")
    assert "start_time_local" in season.segment_passes().columns
