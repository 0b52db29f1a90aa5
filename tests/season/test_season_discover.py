"""Finding activity files: recursion, content sniffing, quiet skipping, Strava zips."""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

from trailtech.io.archive import list_archive, read_member
from trailtech.season.discover import discover, sniff
from trailtech.errors import TrackReadError

from ._helpers import FifoWatch, gpx_bytes, gz, strava_zip, write


def test_sniff_by_content():
    g = gpx_bytes(20)
    assert sniff(g) == "gpx"
    assert sniff(gz(g)) == "gpx"
    assert sniff(b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT") == "fit"
    assert sniff(b"<?xml version='1.0'?><TrainingCenterDatabase>") == "tcx"
    assert sniff(b"PK\x03\x04rest") == "zip"
    assert sniff(b"hello world") is None
    assert sniff(b"") is None
    assert sniff(gz(b"just text")) is None


def test_discover_recurses_and_skips_quietly(tmp_path):
    g = gpx_bytes(20)
    write(tmp_path / "a" / "b" / "deep.gpx", g)
    write(tmp_path / "run.gpx.gz", gz(g))
    write(tmp_path / "renamed.dat", g)              # recognised by content, not name
    write(tmp_path / "notes.txt", b"not an activity")  # skipped quietly
    write(tmp_path / "photo.jpg", bytes(range(256)))   # skipped quietly
    write(tmp_path / ".hidden" / "x.gpx", g)           # hidden folder skipped
    write(tmp_path / "broken.fit", b"")                # named like an activity: kept, fails later
    sources, errors = discover([tmp_path])
    names = sorted(s.file.replace(str(tmp_path), "") for s in sources)
    assert names == ["/a/b/deep.gpx", "/broken.fit", "/renamed.dat", "/run.gpx.gz"]
    assert errors == []


def test_discover_missing_path_and_duplicates(tmp_path):
    f = write(tmp_path / "one.gpx", gpx_bytes(20))
    sources, errors = discover([f, tmp_path, tmp_path / "nope"])
    assert [s.file for s in sources] == [str(f)]
    assert errors == [{"file": str(tmp_path / "nope"), "error": "no such file or folder"}]


def test_explicit_file_is_always_listed(tmp_path):
    f = write(tmp_path / "notes.txt", b"text")
    sources, _ = discover([f])
    assert [s.file for s in sources] == [str(f)]


def test_strava_export_read_in_place(tmp_path):
    g = gpx_bytes(20)
    z = strava_zip(tmp_path / "export_123.zip",
                   {"activities/11.gpx": g, "activities/12.gpx.gz": gz(g)},
                   {"activities/11.gpx": ("Morning Trail Run", "Run"),
                    "activities/12.gpx.gz": ("Line practice, rocky bit", "Trail Run")})
    members = list_archive(z)
    assert [m.member for m in members] == ["activities/11.gpx", "activities/12.gpx.gz"]
    assert members[1].name == "Line practice, rocky bit"
    assert members[1].activity_type == "Trail Run"
    assert members[0].activity_id == "1001"
    assert read_member(z, "activities/11.gpx") == g
    sources, errors = discover([tmp_path])
    assert errors == []
    assert [s.file for s in sources] == [f"{z}/activities/11.gpx", f"{z}/activities/12.gpx.gz"]
    assert sources[0].name == "Morning Trail Run"
    assert sources[1].read_bytes() == gz(g)
    assert not any(p.name.endswith(".gpx") for p in tmp_path.iterdir())  # nothing extracted


def test_corrupt_zip_is_an_error(tmp_path):
    z = write(tmp_path / "export.zip", b"PK\x03\x04" + b"\x00" * 50)
    sources, errors = discover([tmp_path])
    assert sources == []
    assert len(errors) == 1 and errors[0]["file"] == str(z)
    with pytest.raises(TrackReadError):
        list_archive(z)


def test_zip_member_missing(tmp_path):
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.gpx", gpx_bytes(20))
    with pytest.raises(TrackReadError, match="x.zip/nope.gpx"):
        read_member(z, "nope.gpx")


def test_zip_packaging_debris_is_not_an_activity(tmp_path):
    """A zip made on a Mac carries __MACOSX/._name resource forks: not activities, not errors."""
    import zipfile

    from pathlib import Path

    from trailtech.io.sniff import is_junk_member

    src = Path(__file__).resolve().parents[2] / "sample_tracks" / "trail_run.fit"
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(src, "run.fit")
        zf.writestr("__MACOSX/._run.fit", b"\x00\x05\x16\x07junk")
        zf.writestr(".DS_Store", b"junk")
    assert [m.member for m in list_archive(z)] == ["run.fit"]
    assert is_junk_member("__MACOSX/._run.fit") and is_junk_member("a/.hidden.fit")
    assert not is_junk_member("activities/123.fit.gz")


# ----------------------------------------------------------------- special files (issue 19 #8)

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                reason="needs FIFOs and /dev/zero")


@posix_only
def test_discovery_never_opens_fifos_or_devices(tmp_path):
    write(tmp_path / "runs" / "run.gpx", gpx_bytes(20))
    quiet = FifoWatch(tmp_path / "runs" / "pipe.dat")
    named = FifoWatch(tmp_path / "runs" / "ride.fit")
    os.symlink("/dev/zero", tmp_path / "runs" / "zero.fit")
    try:
        sources, errors = discover([tmp_path / "runs"])
    finally:
        opened = [quiet.release(), named.release()]
    assert opened == [False, False]
    assert [s.file for s in sources] == [str(tmp_path / "runs" / "run.gpx")]
    assert errors == [
        {"file": str(tmp_path / "runs" / "ride.fit"), "error": "not a regular file (a named pipe (FIFO)); not read"},
        {"file": str(tmp_path / "runs" / "zero.fit"), "error": "not a regular file (a character device); not read"},
    ]


@posix_only
def test_special_files_named_on_the_command_line_are_refused(tmp_path):
    fifo = FifoWatch(tmp_path / "pipe.gpx")
    try:
        sources, errors = discover([tmp_path / "pipe.gpx", "/dev/zero"])
    finally:
        assert not fifo.release()
    assert sources == []
    assert [e["error"] for e in errors] == ["not a regular file (a named pipe (FIFO)); not read",
                                            "not a regular file (a character device); not read"]


@posix_only
def test_a_source_never_opens_a_fifo(tmp_path):
    # The path found at discovery can be swapped for something else before it is read.
    from trailtech.season.discover import Source

    fifo = FifoWatch(tmp_path / "run.fit")
    try:
        with pytest.raises(TrackReadError, match="named pipe"):
            Source(str(tmp_path / "run.fit"), str(tmp_path / "run.fit")).read_bytes()
    finally:
        assert not fifo.release()


def test_files_over_the_size_cap_are_refused_unread(tmp_path, monkeypatch):
    from trailtech.season import discover as disc

    write(tmp_path / "big.gpx", gpx_bytes(200))
    write(tmp_path / "small.gpx", gpx_bytes(2))
    monkeypatch.setattr(disc, "MAX_FILE_BYTES", len(gpx_bytes(2)) + 10)
    sources, errors = disc.discover([tmp_path])
    assert [s.file for s in sources] == [str(tmp_path / "small.gpx")]
    assert [e["file"] for e in errors] == [str(tmp_path / "big.gpx")]
    assert "file too large" in errors[0]["error"]


def test_names_are_escaped_for_display(tmp_path):
    if sys.platform == "win32" or sys.getfilesystemencoding().lower() != "utf-8":
        pytest.skip("needs a file system taking any bytes as names")
    folder = os.fsencode(tmp_path)
    for raw in (b"L\xe4uf.gpx", b"new\nline.gpx"):
        with open(os.path.join(folder, raw), "wb") as fh:
            fh.write(gpx_bytes(20))
    sources, errors = discover([tmp_path])
    assert errors == []
    assert sorted(os.path.basename(s.file) for s in sources) == ["L\\xe4uf.gpx", "new\\x0aline.gpx"]
    assert all(s.file.encode("utf-8") for s in sources)  # no lone surrogate left
    assert sorted(len(s.read_bytes()) for s in sources) == [len(gpx_bytes(20))] * 2  # still read by path


def test_unusable_paths_are_one_error_each(tmp_path):
    long_name = str(tmp_path / ("x" * 300 + ".fit"))
    sources, errors = discover([long_name, tmp_path / "missing.fit"])
    assert sources == []
    assert [e["error"] for e in errors] == ["file name too long", "no such file or folder"]
