"""Write trailtech's own sample tracks into ``sample_tracks/`` (deterministic: fixed seeds).

Usage::

    python scripts/make_sample_tracks.py [--out sample_tracks]

Files written: ``trail_run.fit``, ``trail_run.gpx``, ``trail_run_nocadence.gpx``,
``hill_repeats.fit``, ``hill_repeats.gpx``, ``trail_run.truth.json``,
``hill_repeats.truth.json`` and ``README.md`` (which documents every file and its truth).
Running the script twice produces byte-identical files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from trailtech.io.fit_write import to_fit
from trailtech.io.gpx_write import to_gpx
from trailtech.simulate import simulate_hill_repeats, simulate_trail_run
from trailtech.track import Track

ROOT = Path(__file__).resolve().parents[1]
TRAIL_SEED = 0
REPEATS_SEED = 0
#: GPX keeps every GPX_STEP-th sample of the trail run: a 1 Hz GPX of 1.65 h is ~2 MB.
GPX_STEP = 2
#: Positions in the sample GPX are rounded to 1e-6 deg (~0.1 m, far below GPS noise).
GPX_DECIMALS = 6


def _gpx_track(track: Track, step: int) -> Track:
    """The track thinned to every ``step``-th sample, positions rounded for a compact GPX."""
    from dataclasses import replace

    s = track.samples.iloc[::step].reset_index(drop=True).copy()
    s["lat_deg"] = np.round(s["lat_deg"].to_numpy(), GPX_DECIMALS)
    s["lon_deg"] = np.round(s["lon_deg"].to_numpy(), GPX_DECIMALS)
    return replace(track, samples=s, meta=replace(track.meta, format="gpx", n_records=len(s)))


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({len(data) / 1024:.0f} KiB)")


def _truth_json(run, files: list[str]) -> bytes:
    d = run.truth.to_dict()
    d = {"files": files, **d}
    return (json.dumps(d, indent=1) + "\n").encode()


def _section_table(truth) -> str:
    rows = [
        "| # | kind | start–end [m] | start–end [s] | avg grade | speed [m/s] | cadence [spm] | braking events | Δcadence vs flat [spm] | pass |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, s in enumerate(truth.sections):
        brake = "" if s.braking_events is None else str(s.braking_events)
        dcad = "" if s.cadence_delta_spm is None else f"{s.cadence_delta_spm:+.1f}"
        rows.append(
            f"| {i} | {s.kind} | {s.start_m:.0f}–{s.end_m:.0f} | {s.start_s:.0f}–{s.end_s:.0f} | "
            f"{100 * s.avg_grade:+.1f}% | {s.avg_speed_mps:.2f} | {s.median_cadence_spm:.0f} | {brake} | {dcad} | "
            f"{'' if s.pass_index is None else s.pass_index} |"
        )
    return "\n".join(rows)


def _readme(trail, repeats) -> str:
    t, h = trail.truth, repeats.truth
    tech = t.sections_of("technical_descent")[0]
    smooth = t.sections_of("smooth_descent")[0]
    steep_run = t.sections_of("steepening_climb_run")[0]
    steep_hike = t.sections_of("steepening_climb_hiked")[0]
    passes = h.sections_of("technical_descent")
    return f"""# Sample tracks

Every file here was produced by trailtech's own simulator (`trailtech.simulate`) with
`python scripts/make_sample_tracks.py` (fixed seeds: running it again gives identical files).
No third-party recordings. The ground truth of each run is in the `*.truth.json` next to it
(scalar truth and labelled sections; the per-second truth arrays come from the simulator:
`simulate_trail_run(seed={TRAIL_SEED}, elevation_noise="baro").truth.samples`).

| file | what |
|---|---|
| `trail_run.fit` | the trail run as a Garmin watch writes it: 1 Hz records, semicircle positions, `enhanced_altitude`, `enhanced_speed`, `distance`, `heart_rate`, running `cadence` in strides/min + `fractional_cadence`; timer events, lap, session (running / trail) with totals |
| `trail_run.gpx` | the same run as GPX 1.1 with Garmin TrackPointExtension (`hr`, `cad` in strides/min); every {GPX_STEP}nd sample (2 s) and positions to 1e-6° so the file stays under 1 MB |
| `trail_run_nocadence.gpx` | the same run recorded without cadence (no `cad`), otherwise identical to `trail_run.gpx` |
| `trail_run.truth.json` | truth of the trail run |
| `hill_repeats.fit` | a line-practice session: one switchback descent run {len(passes)} times |
| `hill_repeats.gpx` | the same session as GPX (1 Hz) |
| `hill_repeats.truth.json` | truth of the session |

Simulated watch: barometric altimeter (σ 0.25 m, 0.1 m steps, slow drift), GPS position error
σ 3 m per axis correlated over 20 s (it keeps wandering during the stop), Doppler speed
σ 0.12 m/s, distance = integral of the device speed, cadence jitter σ 1 spm, device name
`trailtech simulator`. Start 2026-06-13 06:30 UTC near Chamonix (45.92 N, 6.87 E).
Runner: flat speed {t.flat_speed_mps:.1f} m/s, flat cadence {t.flat_cadence_spm:.0f} spm; hiking speed
{t.hike_speed_scale} × Tobler; running speed on grades = flat speed / Strava GAP factor, slowing a further
`exp(−30·(g − 0.10)²)` above 10% grade. The two meet at the runner's **crossover grade**
{100 * t.crossover_grade:.1f}% (`truth.crossover_grade`): below it running climbs faster, above it hiking does.

## trail_run (seed {TRAIL_SEED})

Truth: {t.distance_m / 1000:.2f} km horizontal, {t.ascent_m:.0f} m ascent, {t.descent_m:.0f} m descent
(noise-free profile, no hysteresis), {t.elapsed_time_s / 60:.1f} min elapsed, {t.moving_time_s / 60:.1f} min moving,
one {t.stopped_intervals[0][1] - t.stopped_intervals[0][0]:.0f} s stop at {t.stopped_intervals[0][0]:.0f} s (top of the steep climb).

What an analysis should find:
- the steep climb (27–29%) is hiked, except a 300 m stretch RUN at 150–160 spm but at no more
  than hiking speed: flag it `ran_should_hike`;
- the climb that steepens from 10% to 35% over 1 km ({steep_run.start_m:.0f}–{steep_hike.end_m:.0f} m) is run up to
  {100 * t.switch_grade:.1f}% and hiked above: the crossover grade estimated from the runner's own climbing
  should be close to {100 * t.crossover_grade:.1f}%;
- the smooth descent ({100 * smooth.avg_grade:.0f}%, {smooth.length_m:.0f} m): {smooth.braking_events} braking events, cadence
  {smooth.cadence_delta_spm:+.1f} spm vs flat, cadence CV {100 * smooth.cadence_cv:.1f}%;
- the technical descent ({100 * tech.avg_grade:.0f}%, {tech.length_m:.0f} m of switchbacks): {tech.braking_events} braking events
  ({100 * tech.braking_events / tech.length_m:.1f} per 100 m), cadence {tech.cadence_delta_spm:+.1f} spm vs flat,
  cadence CV {100 * tech.cadence_cv:.1f}%: lower descent control, higher technicality, a line-practice candidate.

{_section_table(t)}

## hill_repeats (seed {REPEATS_SEED})

Truth: {h.distance_m / 1000:.2f} km, {h.ascent_m:.0f} m ascent, {h.elapsed_time_s / 60:.1f} min. The descent is run
{len(passes)} times; braking fades and the line flows:

| pass | time [s] | braking events | Δcadence vs flat [spm] | cadence CV |
|---|---|---|---|---|
""" + "\n".join(
        f"| {s.pass_index} | {s.duration_s:.1f} | {s.braking_events} | {s.cadence_delta_spm:+.1f} | {100 * s.cadence_cv:.1f}% |"
        for s in passes
    ) + f"""

{_section_table(h)}

Section kinds: `flat`, `runnable_climb`, `steep_climb_hiked`, `steep_climb_run_slow`, `stop`,
`smooth_descent`, `technical_descent`, `runnable_descent`, `walk_back_up`,
`steepening_climb_run`, `steepening_climb_hiked`
(see `trailtech.simulate.truth.SECTION_KINDS`). A braking event is a true speed drop of
≥ 0.6 m/s within ≤ 2 s (1 Hz samples; consecutive seconds are one event).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "sample_tracks", help="output folder")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    trail = simulate_trail_run(seed=TRAIL_SEED, elevation_noise="baro")
    nocad = simulate_trail_run(seed=TRAIL_SEED, elevation_noise="baro", cadence=False)
    repeats = simulate_hill_repeats(seed=REPEATS_SEED, elevation_noise="baro")

    _write(out / "trail_run.fit", to_fit(trail.track))
    _write(out / "trail_run.gpx", to_gpx(_gpx_track(trail.track, GPX_STEP), name="Simulated trail run", creator="trailtech simulator", cadence="strides"))
    _write(out / "trail_run_nocadence.gpx", to_gpx(_gpx_track(nocad.track, GPX_STEP), name="Simulated trail run (no cadence)", creator="trailtech simulator", cadence="strides"))
    _write(out / "hill_repeats.fit", to_fit(repeats.track))
    _write(out / "hill_repeats.gpx", to_gpx(_gpx_track(repeats.track, 1), name="Simulated hill repeats", creator="trailtech simulator", cadence="strides"))
    _write(out / "trail_run.truth.json", _truth_json(trail, ["trail_run.fit", "trail_run.gpx", "trail_run_nocadence.gpx"]))
    _write(out / "hill_repeats.truth.json", _truth_json(repeats, ["hill_repeats.fit", "hill_repeats.gpx"]))
    _write(out / "README.md", _readme(trail, repeats).encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
