"""Strava export zips: a malformed ``activities.csv`` costs the names, never the activities.

Issue 19 finding 2: a field over 128 KiB, old Mac line ends (CR only) or a corrupt deflate
stream aborted the whole season with a traceback, and a CSV that inflated to 1 GB took 5 GB.
Every zip is built here.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tests.season._helpers import gpx_bytes
from trailtech.errors import DataQualityWarning, TrackReadError
from trailtech.io import archive
from trailtech.io.archive import list_archive, read_member

HEADER = "Activity ID,Activity Date,Activity Name,Activity Type,Filename\n"
FILES = {"activities/11.gpx": gpx_bytes(40, start="2026-06-01T08:00:00Z"),
         "activities/12.gpx": gpx_bytes(40, start="2026-06-02T08:00:00Z")}


def _row(i: int, member: str, name: str) -> str:
    return f'{i},"Jun {i}, 2026",{name},Run,{member}'


def _export(path: Path, csv_text: str | bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", csv_text)
        for member, data in FILES.items():
            zf.writestr(member, data)
    return path


def _good_csv(newline: str = "\n") -> str:
    rows = [HEADER.rstrip("\n"), _row(1, "activities/11.gpx", "Morning"), _row(2, "activities/12.gpx", "Rocks")]
    return newline.join(rows) + newline


def _listed(path: Path) -> tuple[list, list[str]]:
    notes: list[str] = []
    members = list_archive(path, notes=notes)
    assert [m.member for m in members] == list(FILES)
    return members, notes


def test_good_csv_names_the_activities(tmp_path):
    members, notes = _listed(_export(tmp_path / "e.zip", _good_csv()))
    assert [m.name for m in members] == ["Morning", "Rocks"] and notes == []


def test_cr_only_line_ends_are_read(tmp_path):
    """Old Mac line ends: csv raised "new-line character seen in unquoted field"."""
    members, notes = _listed(_export(tmp_path / "e.zip", _good_csv("\r")))
    assert [m.name for m in members] == ["Morning", "Rocks"] and notes == []


def test_field_over_the_csv_module_limit_gives_no_names_and_a_note(tmp_path):
    text = HEADER + _row(1, "activities/11.gpx", '"' + "x" * 200_000 + '"') + "\n"
    members, notes = _listed(_export(tmp_path / "e.zip", text))
    assert [m.name for m in members] == [None, None]
    assert len(notes) == 1 and "activities.csv could not be read" in notes[0]
    assert "field larger than field limit" in notes[0]
    # without a notes list, the problem is a DataQualityWarning
    with pytest.warns(DataQualityWarning, match="without their Strava names"):
        assert len(list_archive(tmp_path / "e.zip")) == 2


def _corrupt_member(path: Path, name: str) -> None:
    """Make the deflate stream of ``name`` start with an invalid block type."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = bytearray(path.read_bytes())
    at = info.header_offset
    fname_len, extra_len = struct.unpack_from("<HH", raw, at + 26)
    start = at + 30 + fname_len + extra_len
    raw[start:start + 8] = b"\xff" * 8
    path.write_bytes(bytes(raw))


def test_corrupt_deflate_stream_gives_no_names_and_a_note(tmp_path):
    path = _export(tmp_path / "e.zip", _good_csv() * 50)
    _corrupt_member(path, "activities.csv")
    members, notes = _listed(path)
    assert [m.name for m in members] == [None, None]
    assert len(notes) == 1 and "could not be read (error: Error -3" in notes[0]


def test_csv_is_read_with_a_byte_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_CSV_BYTES", 2**20)
    filler = "".join(_row(1000 + i, f"activities/{1000 + i}.gpx", "filler") + "\n" for i in range(200_000))
    assert len(filler) > 8 * 2**20
    path = _export(tmp_path / "e.zip", _good_csv() + filler)
    tracemalloc.start()
    try:
        members, notes = _listed(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [m.name for m in members] == [None, None]
    assert notes == ["activities.csv is larger than 1 MiB; the activities are listed without their Strava names."]
    assert peak < 8 * 2**20, peak  # the cap and a few 1 MiB pieces, never the whole CSV


def test_a_member_is_read_with_a_byte_cap(tmp_path, monkeypatch):
    path = _export(tmp_path / "e.zip", _good_csv())
    assert read_member(path, "activities/11.gpx") == FILES["activities/11.gpx"]
    monkeypatch.setattr(archive, "MAX_DECOMPRESSED_BYTES", 1000)
    with pytest.raises(TrackReadError, match=r"e\.zip/activities/11\.gpx: the zip member is larger than"):
        read_member(path, "activities/11.gpx")
    with pytest.raises(TrackReadError, match="cannot read from the zip archive"):
        read_member(path, "activities/none.gpx")


@pytest.mark.parametrize("damage", ["long field", "corrupt deflate"])
def test_season_analyses_every_activity_despite_a_bad_csv(tmp_path, damage):
    import trailtech

    if damage == "long field":
        path = _export(tmp_path / "e.zip", HEADER + _row(1, "activities/11.gpx", "y" * 140_000) + "\n")
    else:
        path = _export(tmp_path / "e.zip", _good_csv() * 50)
        _corrupt_member(path, "activities.csv")
    season = trailtech.analyze_season([path], jobs=1, cache=False, progress=False)
    assert season.errors == []
    assert len(season.activities) == 2
    assert season.activities["name"].isna().all()
    # the coach is told why the names are missing: a note in the JSON and in the text
    assert len(season.notes) == 1 and "e.zip: activities.csv" in season.notes[0]
    assert season.to_dict()["notes"] == season.notes
    from trailtech.cli_text import _season_text

    assert f"note: {season.notes[0]}" in _season_text(season)
