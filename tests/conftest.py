"""Shared test fixtures: where the real-track corpus lives, and a small Track factory."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

from trailtech.track import Track, TrackMeta

# Property tests draw the same examples on every run and every machine, so a commit that is
# green here is green in CI. HYPOTHESIS_PROFILE=explore draws fresh random examples (and
# HYPOTHESIS_SEED, via --hypothesis-seed, replays one) to look for new failures.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_tracks"
#: The shared corpus of real watch files (absent on a user's machine: tests skip).
from trailtech.devdata import real_tracks_dir  # noqa: E402

REAL_DIR = real_tracks_dir(ROOT)


def real_manifest() -> list[dict[str, str]]:
    """Rows of the corpus manifest.csv, or [] when the corpus is absent."""
    path = REAL_DIR / "manifest.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not (REAL_DIR / "manifest.csv").is_file():
        pytest.skip("real-track corpus (../shared/tracks/real) not present")
    return REAL_DIR


@pytest.fixture(scope="session")
def manifest(real_dir) -> list[dict[str, str]]:
    return real_manifest()


def make_track(
    n: int = 600,
    *,
    dt_s: float = 1.0,
    speed_mps: float = 3.0,
    grade: float = 0.0,
    cadence_spm: float | None = 170.0,
    heading_deg: float = 90.0,
    lat0: float = 45.0,
    lon0: float = 6.0,
    ele0: float = 1000.0,
    fmt: str = "fit",
    sport: str | None = "running",
    **extra_columns,
) -> Track:
    """A hand-built straight-line track whose answer is obvious by eye.

    Constant speed along ``heading_deg`` on a constant ``grade`` (rise over horizontal run).
    """
    t = np.arange(n) * dt_s
    d = speed_mps * t
    r_earth = 6371008.8
    h = np.deg2rad(heading_deg)
    north, east = d * np.cos(h), d * np.sin(h)
    lat = lat0 + np.rad2deg(north / r_earth)
    lon = lon0 + np.rad2deg(east / (r_earth * np.cos(np.deg2rad(lat0))))
    start = pd.Timestamp("2026-06-01T08:00:00Z")
    df = pd.DataFrame(
        {
            "time": start + pd.to_timedelta(t, unit="s"),
            "elapsed_s": t,
            "lat_deg": lat,
            "lon_deg": lon,
            "elevation_m": ele0 + grade * d,
            "device_distance_m": d,
            "device_speed_mps": np.full(n, speed_mps),
        }
    )
    if cadence_spm is not None:
        df["cadence_spm"] = np.full(n, float(cadence_spm))
    for k, v in extra_columns.items():
        df[k] = v
    meta = TrackMeta(source="<synthetic>", format=fmt, sport=sport, start_time=start)
    return Track(samples=df, meta=meta)


@pytest.fixture
def track_factory():
    return make_track
