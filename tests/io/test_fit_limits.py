"""FIT: caps against size bombs, decoding in chunks, unfinalised files, compressed_speed_distance.

Every file is built here byte by byte (:mod:`tests.fitbytes`); issue 19 findings 3, 7 and 12.
"""

from __future__ import annotations

import gzip
import random
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from tests import fitbytes as fb
from trailtech.errors import TrackReadError
from trailtech.io import fit_fast, load
from trailtech.io import fit_crc as fit_crc_module
from trailtech.io.fit import read_fit
from trailtech.io.fit_fast import FastPathUnsupported, decode_fast, fit_crc
from trailtech.io.limits import ContentTooLarge, FitLimits, gunzip_bounded


def _bomb(n_records: int) -> bytes:
    """One record repeated: the shape of the 1.2 MB -> 510 MB .fit.gz of issue 19."""
    body = fb.file_id_activity() + fb.definition(1, 20, fb.RECORD_FIELDS)
    return fb.fit_file(body + fb.record(1, fb.T0_FIT_S, 45.0, 6.0, 1000.0, 140) * n_records)


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.samples, b.samples)


# --------------------------------------------------------------------------- caps
def test_message_cap_refuses_during_the_scan_before_allocating():
    blob = _bomb(1_000_000)  # 17 MB
    tracemalloc.start()
    try:
        with pytest.raises(TrackReadError, match=r"^bomb\.fit: FIT file holds more than 50,000 data messages"):
            read_fit(blob, "bomb.fit", limits=FitLimits(max_messages=50_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the scan stops within 1 MiB of the cap: ~110,000 offsets, a few MB, never 1 M records
    assert peak < 12 * 2**20, peak


def test_default_message_cap_refuses_a_bomb_that_fits_the_byte_cap():
    blob = _bomb(FitLimits().max_messages)  # plus the file_id message: one over
    assert len(blob) < FitLimits().max_bytes
    with pytest.raises(TrackReadError, match="more than 2,000,000 data messages; refused"):
        read_fit(blob, "bomb.fit")


def test_byte_cap_refuses_before_decoding():
    blob = _bomb(100)
    with pytest.raises(TrackReadError, match=r"^b\.fit: the FIT file is larger than [0-9.]+ MiB; refused"):
        read_fit(blob, "b.fit", limits=FitLimits(max_bytes=1000))


def test_gzip_bomb_is_refused_at_the_fit_cap_while_inflating():
    """A .fit.gz is cut off as soon as its content passes the FIT byte cap, not the 512 MiB
    decompression cap: the 1.2 MB -> 510 MB bomb of issue 19 then costs 256 MiB, not 8 GB."""
    import zlib

    head = _bomb(0)[:-2]  # header, file_id, record definition (the header size is not checked)
    piece = fb.record(1, fb.T0_FIT_S, 45.0, 6.0, 1000.0, 140) * 100_000
    z = zlib.compressobj(1, wbits=31)
    packed = z.compress(head) + b"".join(z.compress(piece) for _ in range(FitLimits().max_bytes // len(piece) + 2))
    packed += z.flush()
    with pytest.raises(ContentTooLarge, match=r"^b\.fit\.gz: the FIT file is larger than 256 MiB"):
        gunzip_bounded(packed, "b.fit.gz")


def test_gunzip_holds_the_content_once():
    content = bytes(range(256)) * (48 * 2**20 // 256)  # 48 MiB
    packed = gzip.compress(content, compresslevel=1)
    from trailtech.io import _gunzip

    tracemalloc.start()
    try:
        out = _gunzip(packed, "x.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out == content
    # one copy plus a 4 MiB piece and BytesIO's growth margin; a single zlib call held two
    assert peak < 1.4 * len(content), peak / len(content)


def test_meta_message_cap():
    events = fb.definition(2, 21, [(253, 4, fb.UINT32), (0, 1, fb.ENUM), (1, 1, fb.ENUM)])
    events += b"".join(fb.data(2, fb.u32(fb.T0_FIT_S + i), fb.u8(0), fb.u8(0)) for i in range(300))
    blob = fb.fit_file(fb.activity(10) + events)
    assert len(read_fit(blob, "e.fit").samples) == 10
    with pytest.raises(TrackReadError, match="more than 100 session, event and device messages"):
        read_fit(blob, "e.fit", limits=FitLimits(max_meta_messages=100))


def test_layout_cap():
    body = fb.activity(5)
    for i in range(40):  # 40 distinct layouts: a record with i extra unknown bytes
        body += fb.definition(3, 20, fb.RECORD_FIELDS + [(200, 1 + i, fb.BYTE)])
    blob = fb.fit_file(body)
    assert len(read_fit(blob, "l.fit").samples) == 5
    with pytest.raises(TrackReadError, match="more than 20 message layouts"):
        read_fit(blob, "l.fit", limits=FitLimits(max_layouts=20))


def test_fitparse_fallback_is_bounded_by_size():
    """What the fast decoder hands to fitparse (150x slower) is bounded: a larger file is
    refused at once instead of taking minutes (issue 19 finding 7)."""
    # compressed_speed_distance stored as uint8 (not bytes): only fitparse reads that
    layout = [(253, 4, fb.UINT32), (8, 3, fb.UINT8), (3, 1, fb.UINT8)]
    body = fb.file_id_activity() + fb.definition(1, 20, layout)
    body += b"".join(fb.data(1, fb.u32(fb.T0_FIT_S + i), bytes([100, 16 * (i % 15), 0]), fb.u8(130))
                     for i in range(200))
    blob = fb.fit_file(body)
    with pytest.raises(FastPathUnsupported, match="stored as uint8"):
        read_fit(blob, "u.fit", engine="fast")
    track = read_fit(blob, "u.fit")
    assert any("decoded with fitparse" in w for w in track.meta.warnings)
    with pytest.raises(TrackReadError, match=r"does not handle this file .* larger than the 0.0009\d* MiB"):
        read_fit(blob, "u.fit", limits=FitLimits(max_fitparse_bytes=1000))


def test_plain_file_and_stdin_are_read_with_a_cap(tmp_path, monkeypatch):
    import io
    import sys

    import trailtech.io as tio

    path = tmp_path / "big.fit"
    path.write_bytes(_bomb(1000))
    monkeypatch.setattr(tio, "MAX_INPUT_BYTES", 10_000)
    with pytest.raises(TrackReadError, match=r"big\.fit: the file is larger than"):
        load(path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_bomb(1000))))
    with pytest.raises(TrackReadError, match="<stdin>: the file is larger than"):
        load("-")


# --------------------------------------------------------------------------- chunks
def _interleaved(n: int) -> bytes:
    """Two record layouts interleaved, compressed timestamps, a redefinition, a pause."""
    other = [(253, 4, fb.UINT32), (0, 4, fb.SINT32), (1, 4, fb.SINT32), (3, 1, fb.UINT8)]
    short = [(3, 1, fb.UINT8), (4, 1, fb.UINT8)]  # time from compressed headers
    body = fb.file_id_activity() + fb.definition(1, 20, fb.RECORD_FIELDS)
    body += fb.definition(2, 20, other) + fb.definition(3, 20, short)
    for i in range(n):
        t = fb.T0_FIT_S + 2 * i
        if i % 3 == 0:
            body += fb.record(1, t, 45 + i * 1e-5, 6.0, 1000 + i * 0.2, 120 + i % 40)
        elif i % 3 == 1:
            body += fb.data(2, fb.u32(t), fb.semicircles(45 + i * 1e-5), fb.semicircles(6.001), fb.u8(150))
        else:
            body += fb.compressed(3, t, fb.u8(140), fb.u8(80 + i % 7))
        if i == n // 2:
            body += fb.definition(1, 20, fb.RECORD_FIELDS)  # the same layout again
    return fb.fit_file(body)


def test_chunked_decoding_equals_fitparse(monkeypatch):
    monkeypatch.setattr(fit_fast, "_CHUNK_MESSAGES", 7)
    monkeypatch.setattr(fit_fast, "_WINDOW_BYTES", 64)
    blob = _interleaved(400)
    fast = read_fit(blob, "i.fit", engine="fast")
    assert len(fast.samples) == 400
    _same(fast, read_fit(blob, "i.fit", engine="fitparse"))


def test_decoding_memory_is_a_small_multiple_of_the_records():
    blob = fb.fit_file(fb.activity(200_000))
    tracemalloc.start()
    try:
        content = decode_fast(blob, "m.fit")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    final = sum(v.nbytes for v in content.records.values())
    assert content.n_records == 200_000
    # the arrays, their offsets and one chunk's temporaries (~13 MB for 65,536 records);
    # gathering every record as one (n, message size) block with an int64 index cost 3.4x
    assert peak < 1.25 * final + 16 * 2**20, peak / final


def test_crc_of_long_data_in_blocks():
    rng = random.Random(3)
    data = rng.randbytes(4 * 2**20 + 777)
    table = [int(x) for x in fit_crc_module._crc_table()]
    crc = 0
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    assert fit_crc(data) == crc
    assert fit_crc(memoryview(data)[1000:]) == fit_crc(data[1000:])


# --------------------------------------------------------------------------- unfinalised
@pytest.mark.parametrize("header_size", [12, 14])
@pytest.mark.parametrize("engine", ["auto", "fitparse"])
def test_unfinalised_file_is_read_to_its_end(header_size, engine):
    """A watch that crashed leaves data_size 0 and no CRC: the records are all there."""
    body = fb.activity(60)
    blob = fb.fit_file(body, data_size=0, crc=False, header_size=header_size)
    track = read_fit(blob, "crash.fit", engine=engine)
    assert len(track.samples) == 60
    assert any("not finalised" in w for w in track.meta.warnings)
    assert not any("CRC" in w for w in track.meta.warnings)
    _same(track, read_fit(fb.fit_file(body), "ok.fit"))


@pytest.mark.parametrize("engine", ["auto", "fitparse"])
def test_unfinalised_file_cut_inside_a_record(engine):
    blob = fb.fit_file(fb.activity(30), data_size=0, crc=False)[:-5]
    track = read_fit(blob, "cut.fit", engine=engine)
    assert len(track.samples) == 29
    assert any("not finalised" in w for w in track.meta.warnings)


def test_header_alone_is_still_refused():
    with pytest.raises(TrackReadError, match="holds only its header"):
        read_fit(fb.fit_header(0), "h.fit")
    with pytest.raises(TrackReadError, match="no records"):
        read_fit(fb.fit_file(fb.file_id_activity(), data_size=0, crc=False), "h.fit")


def test_corpus_unfinalised_file(real_dir):
    """sports-lib's "empty-activities.fit" is an unfinalised Zwift ride, not an empty file."""
    path = real_dir / "sports-lib/empty-activities.fit"
    if not path.is_file():
        pytest.skip("file absent")
    track = load(path)
    assert len(track.samples) == 2319
    assert track.meta.device == "zwift 0"
    assert 18_000 < track.samples["device_distance_m"].max() < 18_500
    assert any("not finalised" in w for w in track.meta.warnings)


# --------------------------------------------------------------------------- compressed speed/distance
def _csd(speed_cmps: int, dist_16th: int) -> bytes:
    v = (speed_cmps & 0xFFF) | ((dist_16th & 0xFFF) << 12)
    return v.to_bytes(3, "little")


def _csd_file(n: int, *, extra_def: bool = True) -> tuple[bytes, np.ndarray, np.ndarray]:
    """Records with compressed_speed_distance whose distance wraps the 12-bit counter several
    times; a second layout with a real distance field; a redefinition that resets the count."""
    layout = [(253, 4, fb.UINT32), (8, 3, fb.BYTE), (3, 1, fb.UINT8)]
    real = [(253, 4, fb.UINT32), (8, 3, fb.BYTE), (5, 4, fb.UINT32)]
    body = fb.file_id_activity() + fb.definition(1, 20, layout) + fb.definition(2, 20, real)
    speed, dist = [], []
    acc = 0
    for i in range(n):
        if i == n // 2 and extra_def:
            body += fb.definition(1, 20, layout)  # fitparse resets the accumulator here
            acc = 0
        step = 40 + (i * 37) % 300  # 1/16 m
        acc += step
        s = 250 + i % 200  # cm/s
        if i % 11 == 5:  # invalid: all bytes 0xFF -> no speed, no distance, no accumulation
            acc -= step
            body += fb.data(1, fb.u32(fb.T0_FIT_S + i), b"\xff\xff\xff", fb.u8(150))
            speed.append(np.nan)
            dist.append(np.nan)
        elif i % 7 == 3:  # a real distance field wins over the compressed one
            body += fb.data(2, fb.u32(fb.T0_FIT_S + i), _csd(s, acc), fb.u32(123_400 + i))
            speed.append(s / 100)
            dist.append((123_400 + i) / 100)
        else:
            body += fb.data(1, fb.u32(fb.T0_FIT_S + i), _csd(s, acc), fb.u8(150))
            speed.append(s / 100)
            dist.append(acc / 16)
    return fb.fit_file(body), np.array(speed), np.array(dist)


def test_compressed_speed_distance_is_decoded_fast():
    blob, speed, dist = _csd_file(400)
    fast = read_fit(blob, "csd.fit", engine="fast")  # raised FastPathUnsupported before
    s = fast.samples
    np.testing.assert_allclose(s["device_speed_mps"], speed, equal_nan=True)
    np.testing.assert_allclose(s["device_distance_m"], dist, equal_nan=True)
    assert np.nanmax(dist) > 4096 / 16 * 3  # the 12-bit counter wrapped several times
    _same(fast, read_fit(blob, "csd.fit", engine="fitparse"))


@pytest.mark.parametrize("size", [1, 2, 4])
def test_compressed_speed_distance_of_other_sizes_like_fitparse(size):
    layout = [(253, 4, fb.UINT32), (8, size, fb.BYTE), (3, 1, fb.UINT8)]
    body = fb.file_id_activity() + fb.definition(1, 20, layout)
    rng = random.Random(size)
    body += b"".join(fb.data(1, fb.u32(fb.T0_FIT_S + i), rng.randbytes(size), fb.u8(140))
                     for i in range(120))
    blob = fb.fit_file(body)
    _same(read_fit(blob, "s.fit", engine="fast"), read_fit(blob, "s.fit", engine="fitparse"))


def test_a_compressed_speed_distance_definition_does_not_force_the_slow_decoder():
    """Issue 19 finding 7: 20 bytes (a definition holding compressed_speed_distance and one
    record) sent a file to fitparse; on the corpus' 3 MB MultiSport file 0.2 s -> 33 s."""
    body = fb.activity(30_000) + fb.definition(4, 20, [(253, 4, fb.UINT32), (8, 3, fb.BYTE)])
    body += fb.data(4, fb.u32(fb.T0_FIT_S + 30_000), b"\x10\x20\x30")
    track = read_fit(fb.fit_file(body), "big.fit")
    assert len(track.samples) == 30_001
    assert not any("fitparse" in w for w in track.meta.warnings)
