"""Issue 14 targets: the descent control score measures the runner, not the watch or the file.

Measures, and prints as a Markdown table:

* **recording**: every real 1 s running file of the corpus with cadence, re-recorded as a watch
  in smart-recording mode would (:func:`trailtech.simulate.skill.smart_recording`: a point on a
  turn, a speed or heart-rate change, at least every 10 s). Share of the scored descents found
  and scored again; per-descent |change| of the score (p90, max); share of the line-practice
  candidates kept (all those shown; weighted by their priority, so a candidate at the edge of
  the list counts for little; and the top three found in the other's top three). For reference, the same between two smart recordings of the same run (the
  resolution of sparse data itself).
* **format**: every real 1 s running FIT file with cadence against the GPX written from it
  (:func:`trailtech.io.gpx_write.to_gpx`): share found again, |change| median and p90.
* **pairs**: the real same-activity pairs rank their descents the same way.
* **simulator** (:mod:`trailtech.simulate.skill`), 10 seeds: the controlled runner's margin over
  the uncontrolled one on the same technical descent (min), the same controlled behaviour on
  smooth vs technical ground (max |difference|), the walked stretch reported as walking.
* **retest**: the same trail run twice with the same behaviour (another seed of the runner's
  irregularity and the sensor noise): max |change|, and how many changes exceed the 95 %
  interval of the difference from the score's own standard error (``control_score_se``).
* **pairs**, also over the pairs of descents whose scores differ by more than that interval
  (a near-tie inside the score's own error may fall either way).

Descents are matched across recordings by time: the largest overlap, at least half of both
descents' durations (until 2026-12-06 only half of the original's, so a descent merged with
its neighbour into one three times as long counted as found again, and its score change was
the merge's, not the score's).

Usage::

    PYTHONPATH=$PWD python scripts/descent_invariance.py [--real DIR] [--jobs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: How many line-practice candidates count as "the top" (issue 14 item 7).
TOP_PRACTICE = 3
#: A line-practice candidate of at least this priority is clearly one (not at the list's edge).
CLEAR_PRIORITY = 0.3
#: Columns of a descent shown for each of the worst changes (``--worst``): the points of each
#: part, and what its measurability and value rest on.
DETAIL_COLUMNS = ("points_cadence", "points_cadence_cv", "points_stride", "points_braking",
                  "score_cadence", "score_cadence_cv", "score_stride", "score_braking",
                  "cadence_delta_spm", "cadence_cv", "stride_ratio", "braking_surges", "surges_per_100m",
                  "braking_threshold_mps", "sample_interval_s", "length_m", "technicality",
                  "speed_shortfall", "tortuosity_deg_per_m", "steepness")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def _default_real() -> Path:
    from trailtech.devdata import real_tracks_dir

    return real_tracks_dir(ROOT)


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _spans(a) -> list[dict]:
    """Scored descents (and all descents) as time spans [s since the first row]."""
    tl = a.timeline
    d, t = tl["distance_m"].to_numpy(float), tl["elapsed_s"].to_numpy(float)
    out = []
    for r in a.descents.itertuples():
        t0, t1 = np.interp(r.start_m, d, t), np.interp(r.end_m, d, t)
        se = getattr(r, "control_score_se", float("nan"))
        detail = {c: _num(getattr(r, c, None)) for c in DETAIL_COLUMNS}
        detail["not_measured"] = list(getattr(r, "not_measured", []) or [])
        out.append({"t0": float(t0), "t1": float(t1), "score": float(r.control_score)
                    if r.control_score is not None else float("nan"),
                    "se": float(se) if se is not None else float("nan"), "detail": detail})
    return out


def _practice_spans(a) -> list[tuple[float, float]]:
    tl = a.timeline
    d, t = tl["distance_m"].to_numpy(float), tl["elapsed_s"].to_numpy(float)
    return [(float(np.interp(r.start_m, d, t)), float(np.interp(r.end_m, d, t)))
            for r in a.line_practice.itertuples()]


def _practice_priority(a) -> list[float]:
    lp = a.line_practice
    return [float(x) for x in lp["priority"]] if "priority" in lp else [1.0] * len(lp)


PRACTICE_DETAIL = ("priority", "control_score", "technicality", "avg_grade_pct", "length_m", "rank")


def _lost_candidate(a, b, i: int) -> dict:
    """Line-practice candidate ``i`` of ``a`` that ``b`` does not show: it, the candidate of
    ``b`` overlapping it most (with the overlap as a share of each), and ``b``'s priority of
    the same stretch when one of ``b``'s stretches covers it (``b``'s full ranked list is not
    kept, so the covering descent's own row stands in)."""
    pa, pb = _practice_spans(a), _practice_spans(b)
    t0, t1 = pa[i]
    row = a.line_practice.iloc[i]
    out = {"t0": t0, "t1": t1, "a": {k: _num(row.get(k)) for k in PRACTICE_DETAIL}, "b": None}
    best, k = 0.0, -1
    for j, (u0, u1) in enumerate(pb):
        ov = min(u1, t1) - max(u0, t0)
        if ov > best:
            best, k = ov, j
    if k >= 0:
        rb = b.line_practice.iloc[k]
        out["b"] = {**{c: _num(rb.get(c)) for c in PRACTICE_DETAIL},
                    "overlap_a": best / max(t1 - t0, 1e-9), "overlap_b": best / max(pb[k][1] - pb[k][0], 1e-9)}
    sb = _spans(b)
    cover = [x for x in sb if min(x["t1"], t1) - max(x["t0"], t0) >= 0.5 * (t1 - t0)]
    out["b_descent"] = ({"score": cover[0]["score"], "T": cover[0]["detail"]["technicality"],
                         "length_m": cover[0]["detail"]["length_m"]} if cover else None)
    out["b_shown"] = len(pb)
    return out


def _match(t0: float, t1: float, spans: list[tuple[float, float]]) -> int:
    """Index of the span overlapping [t0, t1] most, if the overlap is at least half of both
    durations (the same descent, not a longer one that swallowed it with its neighbours);
    else -1."""
    best, k = 0.0, -1
    for i, (a, b) in enumerate(spans):
        ov = min(b, t1) - max(a, t0)
        if ov > best:
            best, k = ov, i
    if k < 0 or best < 0.5 * (t1 - t0) or best < 0.5 * (spans[k][1] - spans[k][0]):
        return -1
    return k


def _compare(a, b) -> dict:
    """Scored descents of ``a`` found and scored in ``b``, their score changes, practice kept."""
    sa, sb = _spans(a), _spans(b)
    spans_b = [(x["t0"], x["t1"]) for x in sb]
    scored = [x for x in sa if np.isfinite(x["score"])]
    found, deltas, pairs = 0, [], []
    for x in scored:
        k = _match(x["t0"], x["t1"], spans_b)
        if k >= 0 and np.isfinite(sb[k]["score"]):
            found += 1
            deltas.append(sb[k]["score"] - x["score"])
            pairs.append({"t0": x["t0"], "t1": x["t1"], "before": x["score"], "after": sb[k]["score"],
                          "se_a": x["se"], "se_b": sb[k]["se"], "a": x["detail"], "b": sb[k]["detail"]})
    pa, pb = _practice_spans(a), _practice_spans(b)
    kept_each = [_match(t0, t1, pb) >= 0 for t0, t1 in pa]
    lost = [_lost_candidate(a, b, i) for i, k in enumerate(kept_each) if not k]
    kept = sum(kept_each)
    prio = _practice_priority(a)
    # The top candidates (what a runner acts on): the first TOP_PRACTICE of ``a`` found among
    # the first TOP_PRACTICE of ``b``.
    top_a, top_b = pa[:TOP_PRACTICE], pb[:TOP_PRACTICE]
    top_kept = sum(_match(t0, t1, top_b) >= 0 for t0, t1 in top_a)
    return {"scored": len(scored), "found": found, "deltas": deltas, "pairs": pairs, "lost": lost,
            "practice": len(pa),
            "practice_kept": kept, "practice_top": len(top_a), "practice_top_kept": top_kept,
            "practice_priority": float(sum(prio)),
            "practice_priority_kept": float(sum(p for p, k in zip(prio, kept_each) if k)),
            "practice_clear": sum(p >= CLEAR_PRIORITY for p in prio),
            "practice_clear_kept": sum(k for p, k in zip(prio, kept_each) if p >= CLEAR_PRIORITY),
            "order": [x["score"] for x in sa]}


def _one_real(path: str) -> dict:
    import trailtech
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate.skill import smart_recording

    out = {"file": path}
    try:
        track = trailtech.load(path)
        base = trailtech.analyze(track)
        smart = track.__class__(samples=smart_recording(track.samples), meta=track.meta)
        smart_a = trailtech.analyze(smart)
        out["recording"] = _compare(base, smart_a)
        # The resolution of sparse data itself: another smart recording of the same run (a
        # 9 s longest interval, 0.45 m/s speed rule, starting one sample later).
        other = track.__class__(samples=smart_recording(track.samples.iloc[1:], max_interval_s=9.0,
                                                        speed_change_mps=0.45), meta=track.meta)
        out["smart_vs_smart"] = _compare(smart_a, trailtech.analyze(other))
        if path.lower().endswith(".fit"):
            gpx = trailtech.load(to_gpx(track))
            out["format"] = _compare(base, trailtech.analyze(gpx))
    except Exception as exc:  # a file the pipeline refuses is reported, not fatal
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _sim_case(args: tuple) -> dict:
    import trailtech
    from trailtech.simulate.skill import simulate_descent

    seed, kw = args
    run = simulate_descent(seed, **kw)
    a = trailtech.analyze(run.track)
    sec = [s for s in run.truth.sections if s.kind != "flat"]
    s0, s1 = sec[0].start_m, sec[-1].end_m
    d = a.descents
    ov = np.minimum(d.end_m, s1) - np.maximum(d.start_m, s0)
    row = d.iloc[int(np.argmax(ov))]
    walk = float(row["walk_m"]) if "walk_m" in d else float("nan")
    return {"seed": seed, "kw": kw, "score": float(row.control_score), "walk_m": walk,
            "se": float(row["control_score_se"]) if "control_score_se" in d else float("nan"),
            "technicality": float(row.technicality)}


def _real_files(real: Path) -> list[str]:
    rows = list(csv.DictReader(open(real / "manifest.csv", newline="", encoding="utf-8")))
    out = []
    for r in rows:
        if not (r["is_running"].startswith("yes") and r["provenance"] != "synthetic"
                and r["has_position"] == "yes" and r["has_cadence"] == "yes"):
            continue
        n, dur = int(r["n_records"] or 0), float(r["duration_s"] or 0)
        if n and dur / n < 1.5:  # recorded every second
            out.append(str(real / r["file"]))
    return out


def _pairs(real: Path) -> list[tuple[str, list[str]]]:
    sample = ROOT / "sample_tracks"
    return [
        ("6782987395 FIT/GPX/TCX", [str(real / "sports-lib" / f"6782987395.{e}") for e in ("fit", "gpx", "tcx")]),
        ("movescount/sports-tracker", [str(real / "sports-lib" / "movescount.gpx"),
                                       str(real / "sports-lib" / "sports-tracker.gpx")]),
        ("hill_repeats FIT/GPX", [str(sample / "hill_repeats.fit"), str(sample / "hill_repeats.gpx")]),
    ]


def _same_order(paths: list[str]) -> tuple[str, list[list[float]], tuple[int, int]]:
    """``"yes"`` when every file ranks the matched descents of the first in the same order,
    ``"no"`` when one does not, ``"n/a"`` when no other file scores two of them; the scores;
    and (agreeing, compared) over the pairs of descents whose scores in the first file differ
    by more than the 95 % interval of their difference, ``1.96·√(se_i² + se_j²)``."""
    import trailtech

    analyses = [trailtech.analyze(p) for p in paths]
    ref = _spans(analyses[0])
    scored = [x for x in ref if np.isfinite(x["score"])]
    table = [[x["score"] for x in scored]]
    same, compared = "yes", False
    clear_agree = clear_all = 0
    for a in analyses[1:]:
        sb = _spans(a)
        sp = [(x["t0"], x["t1"]) for x in sb]
        got = []
        for x in scored:
            k = _match(x["t0"], x["t1"], sp)
            got.append(sb[k]["score"] if k >= 0 else float("nan"))
        table.append(got)
        r0, r1 = np.array(table[0]), np.array(got)
        ok = np.isfinite(r0) & np.isfinite(r1)
        if ok.sum() >= 2:
            compared = True
            if not np.array_equal(np.argsort(r0[ok]), np.argsort(r1[ok])):
                same = "no"
        for i in range(len(scored)):
            for j in range(i + 1, len(scored)):
                if not (ok[i] and ok[j]):
                    continue
                width = 1.96 * float(np.hypot(scored[i]["se"], scored[j]["se"]))
                if abs(r0[i] - r0[j]) > width:
                    clear_all += 1
                    clear_agree += int(np.sign(r0[i] - r0[j]) == np.sign(r1[i] - r1[j]))
    return same if compared else "n/a", table, (clear_agree, clear_all)


def _print_worst(ok: list[dict], n: int) -> None:
    """The ``n`` largest |change| under smart recording: each part's points before -> after,
    and the metrics its measurability and value rest on."""
    rows = [(abs(p["after"] - p["before"]), r["file"], p) for r in ok for p in r["recording"]["pairs"]]
    rows.sort(key=lambda x: -x[0])
    short = {"points_cadence": "cad", "points_cadence_cv": "steady", "points_stride": "stride",
             "points_braking": "brake", "cadence_delta_spm": "dcad", "cadence_cv": "cv",
             "stride_ratio": "sr", "braking_surges": "surges", "surges_per_100m": "s/100m",
             "braking_threshold_mps": "thr", "sample_interval_s": "dt", "length_m": "len",
             "technicality": "T", "score_cadence": "", "score_cadence_cv": "", "score_stride": "",
             "score_braking": "", "speed_shortfall": "", "tortuosity_deg_per_m": "", "steepness": ""}
    for delta, f, p in rows[:n]:
        width = 1.96 * float(np.hypot(p["se_a"], p["se_b"]))
        print(f"{delta:5.1f}  {Path(f).parent.name}/{Path(f).name}  t={p['t0']:.0f}-{p['t1']:.0f} s  "
              f"{p['before']:.1f} -> {p['after']:.1f}  (95 % interval of the difference +-{width:.1f})")
        parts = "  ".join(f"{short[c]} {p['a'][c]:.3g}->{p['b'][c]:.3g}" for c in DETAIL_COLUMNS if short[c])
        print(f"       {parts}  not_measured {p['a']['not_measured']}->{p['b']['not_measured']}")
    print()


def _print_lost(ok: list[dict]) -> None:
    """Each line-practice candidate of the 1 s recording that smart recording does not show."""
    for r in ok:
        for x in r["recording"]["lost"]:
            a, b, d = x["a"], x["b"], x["b_descent"]
            print(f"{Path(r['file']).parent.name}/{Path(r['file']).name}  t={x['t0']:.0f}-{x['t1']:.0f} s  "
                  f"rank {a['rank']:.0f} prio {a['priority']:.2f} score {a['control_score']:.0f} "
                  f"T {a['technicality']:.2f} grade {a['avg_grade_pct']:.0f} % len {a['length_m']:.0f} m")
            if b:
                print(f"       smart's nearest: rank {b['rank']:.0f} prio {b['priority']:.2f} score "
                      f"{b['control_score']:.0f} T {b['technicality']:.2f} len {b['length_m']:.0f} m, overlap "
                      f"{100 * b['overlap_a']:.0f} % of it / {100 * b['overlap_b']:.0f} % of smart's")
            print(f"       smart shows {x['b_shown']}; smart descent covering it: "
                  + (f"score {d['score']:.0f} T {d['T']:.2f} len {d['length_m']:.0f} m" if d else "none"))
    print()


def _common_parts_change(p: dict) -> float:
    """Score change over the parts measured in both recordings: each score rebuilt as
    ``100·Σ w·s / Σ w`` over those parts only (:data:`trailtech.analysis.descent.WEIGHTS`)."""
    from trailtech.analysis.descent import WEIGHTS

    both = [k for k in WEIGHTS if np.isfinite(p["a"][f"score_{k}"]) and np.isfinite(p["b"][f"score_{k}"])]
    if not both:
        return float("nan")
    w = np.array([WEIGHTS[k] for k in both])

    def score(side):
        return 100.0 * float(np.sum(w * np.array([p[side][f"score_{k}"] for k in both]))) / float(np.sum(w))

    return score("b") - score("a")


def _interval_forms(pairs: list[dict]) -> dict:
    """Interval-aware forms of the recording target: how many changes lie outside the 95 %
    interval of the difference, ``1.96·√(se_a² + se_b²)`` (``control_score_se``); how many
    descents lost or gained a part; the change over the parts measured in both."""
    beyond = total = parts_differ = 0
    common = []
    for p in pairs:
        width = 1.96 * float(np.hypot(p["se_a"], p["se_b"]))
        if np.isfinite(width):
            total += 1
            beyond += int(abs(p["after"] - p["before"]) > width + 1e-9)
        parts_differ += int(p["a"]["not_measured"] != p["b"]["not_measured"])
        common.append(_common_parts_change(p))
    c = np.asarray(common, float)
    c = c[np.isfinite(c)]
    return {"beyond_95": beyond, "with_interval": total, "parts_differ": parts_differ,
            "common_p90": _pct(c, 90), "common_max": float(np.max(np.abs(c))) if c.size else float("nan")}


def _pct(x, q):
    return float(np.percentile(np.abs(x), q)) if len(x) else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=_default_real())
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--practice-lost", action="store_true",
                    help="also list the line-practice candidates smart recording does not show, and why")
    ap.add_argument("--worst", type=int, default=0,
                    help="also list the N largest score changes under smart recording, part by part")
    args = ap.parse_args(argv)
    res: dict = {}
    with Pool(args.jobs) as pool:
        seeds = range(args.seeds)
        cases = []
        for s in seeds:
            cases += [(s, dict(control=True, terrain="technical")), (s, dict(control=False, terrain="technical")),
                      (s, dict(control=True, terrain="smooth")), (s, dict(control=True, walked_m=120)),
                      (s + 100, dict(control=True, terrain="technical", course_seed=s)),
                      (s + 100, dict(control=False, terrain="technical", course_seed=s))]
        sims = pool.map(_sim_case, cases)
        real = [] if args.skip_real or not args.real.is_dir() else pool.map(_one_real, _real_files(args.real))
    by = {(c["seed"], json.dumps(c["kw"], sort_keys=True)): c for c in sims}

    def get(seed, **kw):
        return by[(seed, json.dumps(kw, sort_keys=True))]

    margin = [get(s, control=True, terrain="technical")["score"] - get(s, control=False, terrain="technical")["score"]
              for s in seeds]
    terrain = [abs(get(s, control=True, terrain="technical")["score"] - get(s, control=True, terrain="smooth")["score"])
               for s in seeds]
    walked = [get(s, control=True, walked_m=120)["walk_m"] for s in seeds]
    retest, retest_z = [], []
    for s in seeds:
        for ctl in (True, False):
            ca, cb = get(s, control=ctl, terrain="technical"), get(s + 100, control=ctl, terrain="technical", course_seed=s)
            retest.append(cb["score"] - ca["score"])
            width = float(np.hypot(ca["se"], cb["se"]))
            retest_z.append(abs(cb["score"] - ca["score"]) / width if width > 0 else 0.0)
    res["simulator"] = {"margin_min": float(np.min(margin)), "margin_median": float(np.median(margin)),
                        "terrain_max": float(np.max(terrain)),
                        "walked_reported": int(sum(np.isfinite(w) and w >= 60 for w in walked)),
                        "seeds": len(seeds), "retest_max": float(np.max(np.abs(retest))),
                        "retest_beyond_95": int(sum(z > 1.96 for z in retest_z)), "retest_pairs": len(retest_z),
                        "retest_se_median": float(np.median([get(s, control=c, terrain="technical")["se"]
                                                              for s in seeds for c in (True, False)]))}
    rows = [
        ("simulator: controlled - uncontrolled, technical (min over seeds)", ">= 25",
         f"{res['simulator']['margin_min']:.1f} (median {res['simulator']['margin_median']:.1f})"),
        ("simulator: same behaviour smooth vs technical (max abs diff)", "<= 10", f"{res['simulator']['terrain_max']:.1f}"),
        ("simulator: walked stretch reported as walking (>= 60 of 120 m)", f"{len(seeds)}/{len(seeds)}",
         f"{res['simulator']['walked_reported']}/{len(seeds)}" if np.isfinite(walked).all() else "not reported"),
        ("retest: same trail, same behaviour, max abs change", "<= 8", f"{res['simulator']['retest_max']:.1f}"),
        ("retest: changes beyond the 95 % interval of the difference (control_score_se)", "0",
         f"{res['simulator']['retest_beyond_95']}/{res['simulator']['retest_pairs']} "
         f"(median se {res['simulator']['retest_se_median']:.1f})"),
    ]
    if real:
        ok = [r for r in real if "error" not in r]
        rec = [r["recording"] for r in ok]
        d = np.concatenate([x["deltas"] for x in rec]) if rec else np.zeros(0)
        sc, fo = sum(x["scored"] for x in rec), sum(x["found"] for x in rec)
        pr, pk = sum(x["practice"] for x in rec), sum(x["practice_kept"] for x in rec)
        tp, tk = sum(x["practice_top"] for x in rec), sum(x["practice_top_kept"] for x in rec)
        wp, wk = sum(x["practice_priority"] for x in rec), sum(x["practice_priority_kept"] for x in rec)
        cp, ck = sum(x["practice_clear"] for x in rec), sum(x["practice_clear_kept"] for x in rec)
        res["recording"] = {"files": len(rec), "scored": sc, "found": fo, "p90": _pct(d, 90),
                            "max": float(np.max(np.abs(d))) if d.size else float("nan"),
                            "practice": pr, "practice_kept": pk,
                            "practice_top": tp, "practice_top_kept": tk,
                            "practice_priority_kept_pct": 100 * wk / max(wp, 1e-9), "errors": [r for r in real if "error" in r]}
        ss = np.concatenate([r["smart_vs_smart"]["deltas"] for r in ok]) if ok else np.zeros(0)
        res["smart_vs_smart"] = {"p90": _pct(ss, 90), "max": float(np.max(np.abs(ss))) if ss.size else float("nan")}
        rec_pairs = [dict(p, file=r["file"]) for r in ok for p in r["recording"]["pairs"]]
        iv = _interval_forms(rec_pairs)
        iv_ss = _interval_forms([p for r in ok for p in r["smart_vs_smart"]["pairs"]])
        res["recording"]["interval"], res["smart_vs_smart"]["interval"] = iv, iv_ss
        res["recording_pairs"] = rec_pairs
        fmt = [r["format"] for r in ok if "format" in r]
        f = np.concatenate([x["deltas"] for x in fmt]) if fmt else np.zeros(0)
        fs, ff = sum(x["scored"] for x in fmt), sum(x["found"] for x in fmt)
        res["format"] = {"files": len(fmt), "scored": fs, "found": ff, "median": _pct(f, 50), "p90": _pct(f, 90)}
        rows += [
            (f"recording: scored descents found again ({len(rec)} files, {sc} descents)", ">= 90 %",
             f"{100 * fo / max(sc, 1):.0f} %"),
            ("recording: abs change of the score, p90 / max", "<= 5 / <= 12",
             f"{res['recording']['p90']:.1f} / {res['recording']['max']:.1f}"),
            ("recording, reference: two smart recordings of the same run, abs change p90 / max", "(resolution)",
             f"{res['smart_vs_smart']['p90']:.1f} / {res['smart_vs_smart']['max']:.1f}"),
            ("recording: changes beyond the 95 % interval of the difference (control_score_se)", "(proposed: <= 5 %)",
             f"{iv['beyond_95']}/{iv['with_interval']} (two smart recordings: "
             f"{iv_ss['beyond_95']}/{iv_ss['with_interval']})"),
            ("recording: descents whose measured parts differ (not_measured)", "(reported)",
             f"{iv['parts_differ']}/{len(rec_pairs)}"),
            ("recording: abs change over the parts measured in both, p90 / max", "(reference)",
             f"{iv['common_p90']:.1f} / {iv['common_max']:.1f}"),
            (f"recording: line-practice candidates kept, all shown ({pr})", ">= 90 %", f"{100 * pk / max(pr, 1):.0f} %"),
            ("recording: line-practice candidates kept, weighted by priority", ">= 90 %",
             f"{100 * wk / max(wp, 1e-9):.0f} %"),
            (f"recording: line-practice candidates of priority >= {CLEAR_PRIORITY} kept ({cp})", ">= 90 %",
             f"{100 * ck / max(cp, 1):.0f} %"),
            (f"recording: line-practice top {TOP_PRACTICE} kept in the top {TOP_PRACTICE} ({tp})", ">= 90 %",
             f"{100 * tk / max(tp, 1):.0f} %"),
            (f"format FIT -> GPX: scored descents found again ({len(fmt)} files, {fs} descents)", ">= 90 %",
             f"{100 * ff / max(fs, 1):.0f} %"),
            ("format FIT -> GPX: abs change, median / p90", "<= 2 / <= 6",
             f"{res['format']['median']:.1f} / {res['format']['p90']:.1f}"),
        ]
        for name, paths in _pairs(args.real):
            if all(Path(p).is_file() for p in paths):
                same, table, (agree, clear) = _same_order(paths)
                res.setdefault("pairs", {})[name] = {"scores": table, "clear_pairs": clear, "clear_agree": agree}
                rows.append((f"pair {name}: same descent ranking", "yes",
                             same + " " + json.dumps([[round(v, 0) for v in t] for t in table])))
                rows.append((f"pair {name}: pairs of descents apart by more than their 95 % interval, same order",
                             "all", f"{agree}/{clear}"))
    if real and args.worst:
        _print_worst([r for r in real if "error" not in r], args.worst)
    if real and args.practice_lost:
        _print_lost([r for r in real if "error" not in r])
    print("| target | goal | measured |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
