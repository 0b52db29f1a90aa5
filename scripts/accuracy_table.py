"""Accuracy of trailtech's distance, ascent and moving time, side by side with gpxpy and the device.

Two parts:

1. Simulated trail runs (``trailtech.simulate``), several seeds, GPS or barometric altitude,
   several GPS position-noise levels, against the simulator's exact truth. trailtech runs twice:
   on the track as a FIT watch writes it (device distance and Doppler speed), and on the same
   track with only positions (as a GPX file carries it).
2. Real running FIT files of the corpus (``../shared/tracks/real``) whose session carries totals,
   against the device's own totals.

gpxpy gets the same samples as a GPX object (positions, elevation, time) and reports
``length_2d()``, ``get_uphill_downhill()`` and ``get_moving_data().moving_time``.

The script owns only the part of docs/accuracy.md between :data:`BEGIN` and :data:`END`;
the sections other scripts and issues add after it are kept (:func:`splice`).

Usage::

    python scripts/accuracy_table.py                 # rewrites its part of docs/accuracy.md
    python scripts/accuracy_table.py --out -         # print its part to stdout
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TITLE = "# Accuracy of distance, ascent and moving time"
#: The markers around the part of docs/accuracy.md this script writes.
BEGIN = "<!-- begin: written by scripts/accuracy_table.py -->"
END = "<!-- end: written by scripts/accuracy_table.py -->"
from trailtech.devdata import real_tracks_dir  # noqa: E402

REAL_DIR = real_tracks_dir(ROOT)


def gpxpy_numbers(track) -> dict:
    """Distance, ascent, descent and moving time as gpxpy computes them from the samples."""
    import gpxpy.gpx

    s = track.samples
    if "lat_deg" not in s or "lon_deg" not in s:
        return {"distance_m": None, "ascent_m": None, "descent_m": None, "moving_time_s": None}
    gpx = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack()
    gpx.tracks.append(trk)
    seg = gpxpy.gpx.GPXTrackSegment()
    trk.segments.append(seg)
    ele = s["elevation_m"].to_numpy(float) if "elevation_m" in s else np.full(len(s), np.nan)
    lat, lon = s["lat_deg"].to_numpy(float), s["lon_deg"].to_numpy(float)
    times = s["time"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_pydatetime()
    for la, lo, h, t in zip(lat, lon, ele, times):
        if np.isfinite(la) and np.isfinite(lo):
            seg.points.append(
                gpxpy.gpx.GPXTrackPoint(la, lo, elevation=float(h) if np.isfinite(h) else None, time=t)
            )
    if len(seg.points) < 2:
        return {"distance_m": None, "ascent_m": None, "descent_m": None, "moving_time_s": None}
    up, down = gpx.get_uphill_downhill()
    return {
        "distance_m": gpx.length_2d(),
        "ascent_m": up,
        "descent_m": down,
        "moving_time_s": gpx.get_moving_data().moving_time,
    }


def _pct(a, b):
    if a is None or b is None or not b:
        return None
    return 100.0 * (a / b - 1.0)


def _f(v, fmt="{:.0f}"):
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else fmt.format(v)


def _e(v):
    return "–" if v is None else f"{v:+.1f}%"


def _without_device_streams(track):
    from trailtech.track import Track

    drop = [c for c in ("device_distance_m", "device_speed_mps") if c in track.samples]
    return Track(samples=track.samples.drop(columns=drop), meta=track.meta)


def _totals(track) -> dict:
    """Preparation's totals and the flat cadence (which the analyses compute), by key."""
    import trailtech

    s = trailtech.analyze(track).summary
    return {**s.prepared.to_dict(), "flat_cadence_spm": s.flat_cadence_spm}


def simulated_rows(seeds=(0, 1, 2, 3), noises=("gps", "baro"), position_noise=(1.0, 3.0)):
    from trailtech.simulate import simulate_trail_run

    rows = []
    for noise in noises:
        for pn in position_noise:
            for seed in seeds:
                run = simulate_trail_run(seed=seed, elevation_noise=noise, position_noise_m=pn)
                t = run.truth
                fit = _totals(run.track)
                gps = _totals(_without_device_streams(run.track))
                gx = gpxpy_numbers(run.track)
                rows.append(dict(noise=noise, pn=pn, seed=seed, truth=t, fit=fit, gps=gps, gpxpy=gx))
    return rows


def corpus_rows():
    import trailtech
    from trailtech.errors import TrailtechError

    path = REAL_DIR / "manifest.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    rows = []
    for m in manifest:
        if m["format"] != "FIT" or not m["is_running"].startswith("yes") or m["provenance"] == "synthetic":
            continue
        if not (m["session_total_ascent_m"] or m["distance_m"]):
            continue
        try:
            track = trailtech.load(REAL_DIR / m["file"])
            fit = _totals(track)
        except TrailtechError as exc:
            rows.append(dict(file=m["file"], error=str(exc)))
            continue
        try:
            gps = _totals(_without_device_streams(track))
        except TrailtechError:
            gps = {}
        dt = track.meta.device_totals
        rows.append(
            dict(
                file=m["file"], device=m["device"], dev=dt, fit=fit, gps=gps, gpxpy=gpxpy_numbers(track),
                cadence=track.has["cadence"],
            )
        )
    return rows


def splice(existing, section: str) -> str:
    """The document with this script's part replaced by ``section``.

    Parameters
    ----------
    existing : str or None
        The current document; None when there is none yet.
    section : str
        What :func:`render` made.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When the document exists but does not hold the two markers, once each and in order
        (rewriting it whole would drop what others wrote).
    """
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if existing is None:
        return f"{TITLE}\n\n{block}\n"
    i, j = existing.find(BEGIN), existing.find(END)
    if i < 0 or j < i or existing.count(BEGIN) != 1 or existing.count(END) != 1:
        raise ValueError(f"the document lacks the markers {BEGIN!r} and {END!r} around the part "
                         "this script writes: add them, it will not overwrite the rest")
    return existing[:i] + block + existing[j + len(END):]


def render(sim, real) -> str:
    out = ["Generated by `python scripts/accuracy_table.py` (the part between its markers; do not edit by hand)."]
    out.append("")
    out.append(
        "trailtech *FIT* = the track as a watch writes it (device distance and Doppler speed used); "
        "trailtech *GPS* = the same samples without the device streams (what a GPX file carries: "
        "distance from positions). gpxpy = `length_2d()`, `get_uphill_downhill()`, "
        "`get_moving_data().moving_time` on the same samples."
    )
    out.append("")
    if sim:
        out.append("## Simulated trail runs (vs the simulator's exact truth)")
        out.append("")
        out.append(
            "| altitude | pos. noise σ [m] | seed | truth km | dist FIT | dist GPS | dist gpxpy "
            "| truth ascent m | ascent trailtech | ascent gpxpy | descent trailtech "
            "| moving Δ trailtech [s] | moving Δ gpxpy [s] | flat cadence Δ [spm] |"
        )
        out.append("|" + "---|" * 14)
        errs = {k: [] for k in ("dfit", "dgps", "dgx", "asc", "desc", "agx", "mov", "mgx", "cad")}
        for r in sim:
            t, f, g, x = r["truth"], r["fit"], r["gps"], r["gpxpy"]
            vals = dict(
                dfit=_pct(f["distance_m"], t.distance_m), dgps=_pct(g["distance_m"], t.distance_m),
                dgx=_pct(x["distance_m"], t.distance_m), asc=_pct(f["ascent_m"], t.ascent_m),
                desc=_pct(f["descent_m"], t.descent_m), agx=_pct(x["ascent_m"], t.ascent_m),
                mov=f["moving_time_s"] - t.moving_time_s,
                mgx=(x["moving_time_s"] - t.moving_time_s) if x["moving_time_s"] is not None else None,
                cad=(f["flat_cadence_spm"] - t.flat_cadence_spm) if f["flat_cadence_spm"] else None,
            )
            for k, v in vals.items():
                if v is not None:
                    errs[k].append(v)
            out.append(
                f"| {r['noise']} | {r['pn']:g} | {r['seed']} | {t.distance_m / 1000:.2f} | {_e(vals['dfit'])} "
                f"| {_e(vals['dgps'])} | {_e(vals['dgx'])} | {t.ascent_m:.0f} | {_e(vals['asc'])} "
                f"| {_e(vals['agx'])} | {_e(vals['desc'])} | {vals['mov']:+.0f} | {_f(vals['mgx'], '{:+.0f}')} "
                f"| {_f(vals['cad'], '{:+.1f}')} |"
            )
        out.append("")
        out.append("Summary over all simulated runs (median |error|, max |error|):")
        out.append("")
        out.append("| quantity | trailtech median | trailtech max | gpxpy median | gpxpy max |")
        out.append("|---|---|---|---|---|")

        def mm(k):
            a = np.abs(np.asarray(errs[k], float))
            return (np.median(a), a.max()) if a.size else (np.nan, np.nan)

        for label, k, kx, unit in [
            ("distance, FIT path [%]", "dfit", "dgx", "%"), ("distance, GPS path [%]", "dgps", "dgx", "%"),
            ("ascent [%]", "asc", "agx", "%"), ("descent [%]", "desc", None, "%"),
            ("moving time [s]", "mov", "mgx", "s"), ("flat cadence [spm]", "cad", None, "spm"),
        ]:
            a, b = mm(k)
            c, d = mm(kx) if kx else (np.nan, np.nan)
            out.append(f"| {label} | {a:.1f} | {b:.1f} | {_f(c, '{:.1f}')} | {_f(d, '{:.1f}')} |")
        out.append("")
    if real:
        out.append("## Real running FIT files (vs the device's session totals)")
        out.append("")
        out.append(
            "| file | device | device km | trailtech | GPS-only | gpxpy | device ascent | trailtech "
            "| gpxpy | elevation | device timer [min] | trailtech moving [min] | gpxpy moving [min] | flat cadence |"
        )
        out.append("|" + "---|" * 14)
        de, dg, dx, ae, ax = [], [], [], [], []
        for r in real:
            if "error" in r:
                out.append(f"| {r['file']} | error: {r['error']} |" + " |" * 12)
                continue
            d, f, g, x = r["dev"], r["fit"], r["gps"], r["gpxpy"]
            e1, e2, e3 = _pct(f.get("distance_m"), d.distance_m), _pct(g.get("distance_m"), d.distance_m), _pct(x["distance_m"], d.distance_m)
            a1 = _pct(f.get("ascent_m"), d.ascent_m) if d.ascent_m else None
            a2 = _pct(x["ascent_m"], d.ascent_m) if d.ascent_m else None
            for lst, v in ((de, e1), (dg, e2), (dx, e3), (ae, a1), (ax, a2)):
                if v is not None:
                    lst.append(v)
            out.append(
                f"| {r['file']} | {r['device']} | {_f(d.distance_m and d.distance_m / 1000, '{:.2f}')} | {_e(e1)} "
                f"| {_e(e2)} | {_e(e3)} | {_f(d.ascent_m)} | {_f(f.get('ascent_m'))} ({_e(a1)}) "
                f"| {_f(x['ascent_m'])} | {f.get('elevation_source') or '–'} "
                f"| {_f(d.moving_time_s and d.moving_time_s / 60, '{:.1f}')} | {f['moving_time_s'] / 60:.1f} "
                f"| {_f(x['moving_time_s'] and x['moving_time_s'] / 60, '{:.1f}')} | {_f(f.get('flat_cadence_spm'), '{:.0f}')} |"
            )
        out.append("")

        def med(v):
            a = np.abs(np.asarray(v, float))
            return f"{np.median(a):.1f}% (n={a.size})" if a.size else "–"

        out.append("| median |error| vs device | trailtech | trailtech GPS-only | gpxpy |")
        out.append("|---|---|---|---|")
        out.append(f"| distance | {med(de)} | {med(dg)} | {med(dx)} |")
        out.append(f"| ascent (files with device ascent > 0) | {med(ae)} | – | {med(ax)} |")
        out.append("")
    out += [
        "## Decisions these numbers support",
        "",
        "- **Distance source.** A FIT watch's cumulative `distance` is filtered by the device and its "
        "end value is the session total; summed positions read 0.8 % (median) off it on real files and "
        "+2.3 % with 3 m (per axis) simulated GPS noise. trailtech therefore uses the device stream "
        "when it covers >= 80 % of samples and agrees with the position sum within 0.8-1.25x; otherwise "
        "(GPX, foot-pod or broken streams) it sums cleaned positions smoothed by a 5 s centred mean, "
        "without accumulating while stopped.",
        "- **GPS altitude.** The simulator's GPS altitude error (4 m, 40 s correlation, plus a 5 m "
        "20-min drift) sits at the same spatial scale as real terrain. SG 205 m, then a hysteresis "
        "of 6 x the robust sigma of the smoothing residual, between 2 m and Strava's 10 m "
        "(`gps_hysteresis_noise_factor`): on 16 simulated seeds ascent error median 1.1 %, max 4.1 %; "
        "descent median 4.3 %, max 8.8 % (the ~6 m GPS altitude error, correlated over minutes, "
        "pushes the ridge tops up and the valley floors down and adds 10-25 m dips on the flat "
        "start; no extra up-and-downs appear on the descents, and the smaller descent, 410 m "
        "against 714 m of ascent, takes the same absolute error). The two real GPS-altitude FIT "
        "files have quieter altitude (hysteresis 4.5-5 m; smoothing residual 0.75-0.8 m against "
        "the simulator's 1.4-1.8 m): ascent vs device -13 % and -2 % (fixed 10 m: -23 % and "
        "-14 %). A smoothing window of speed x 150-300 s (0.4-1 km) brings the worst simulated "
        "descent to 4.4-6.8 % but costs those files 20-55 % of their ascent, and smoothing in "
        "time first (30-120 s) 5-40 %: neither is used. At half the simulator's GPS altitude "
        "noise (the level of the real files) every seed is within 5 % "
        "(`tests/processing/test_processing_accuracy.py`).",
        "- **Multisport files.** Running limits (8 m/s) apply only to sessions on foot; other "
        "sessions (cycling...) use `max_other_speed_mps` = 35 m/s and their cadence is dropped. "
        "On `activity-large-fenxi2-multisport.fit` this removes 4 GPS spikes instead of 430 and "
        "replaces no speed instead of 2128; the device distance, restarted per session, now sums "
        "to 69.7 km (device 69.8 km) instead of falling back to GPS (67.9 km).",
        "- **Moving time.** The vertical-speed band of the stop detector was raised to 0.1/0.15 m/s: "
        "at 0.05 m/s the barometer's own noise kept stopped runners 'moving' (+30-60 s per run).",
        "- Files whose records cover less than the session (e.g. `strava-android-app-...fit`, 5 min "
        "of records for a 59 min session) cannot match the device total.",
    ]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "accuracy.md"), help="output file, '-' for stdout")
    ap.add_argument("--seeds", type=int, default=4, help="simulated seeds per setting")
    ap.add_argument("--no-corpus", action="store_true", help="skip the real files")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    sim = simulated_rows(seeds=tuple(range(args.seeds)))
    real = [] if args.no_corpus else corpus_rows()
    text = render(sim, real)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            doc = splice(out.read_text(encoding="utf-8") if out.exists() else None, text)
        except ValueError as e:
            print(f"{out}: {e}", file=sys.stderr)
            return 2
        out.write_text(doc, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
