"""Every running file of the real corpus analyses without error; the spread of scores is printed
(``pytest -s``) so that nonsense shows."""

import warnings

import numpy as np

import trailtech
from trailtech.errors import DataQualityWarning, TrackDataError


def _flags_agree_with_climbs(a, name):
    """Issue 15: no hike/run flag shorter than 100 m and 60 s, none contradicting the climbs
    table beside it, and no crossover without an interval nor a missing one without a reason."""
    hr, climbs = a.hike_run, a.climbs
    for kind, flags in (("ran_should_hike", hr.ran_should_hike), ("hiked_could_run", hr.hiked_could_run)):
        for f in flags.itertuples():
            assert f.end_m - f.start_m >= 100 and f.duration_s >= 60, (name, kind, f)
            assert f.reference in ("measured", "predicted")
            mid = 0.5 * (f.start_m + f.end_m)  # a piece ends where the next row starts
            on = climbs[(climbs["start_m"] <= mid) & (climbs["end_m"] >= mid)]
            assert len(on) == 1, (name, kind, f.start_m)
            hv, rv = float(on["hike_vam_m_per_h"].iloc[0]), float(on["run_vam_m_per_h"].iloc[0])
            if np.isfinite(hv) and np.isfinite(rv):
                if kind == "ran_should_hike":
                    assert rv <= hv * a.config.marginal_hike_ratio, (name, f.start_m, hv, rv)
                else:
                    assert hv < rv, (name, f.start_m, hv, rv)
    if hr.crossover_grade_pct is None:
        assert hr.crossover_reason is not None and hr.crossover_method is None, name
    else:
        lo, hi = hr.crossover_ci_pct
        assert hr.crossover_method == "observed" and lo <= hr.crossover_grade_pct <= hi, name


def test_real_running_files_analyse(real_dir, manifest):
    rows = [r for r in manifest if r["is_running"].startswith("yes")]
    assert rows
    scores, techs, hike_share, lines = [], [], [], []
    parts = {"cadence": [], "cadence_cv": [], "stride": [], "braking": []}
    n_ok = 0
    for r in rows:
        path = real_dir / r["file"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            try:
                a = trailtech.analyze(path)
            except trailtech.TrailtechError as exc:
                # unreadable or unusable files are the readers' business; they must say why
                assert str(r["file"]).split("/")[-1] in str(exc) or isinstance(exc, TrackDataError)
                continue
        n_ok += 1
        for k in parts:
            if f"score_{k}" in a.descents:
                parts[k] += [x for x in a.descents[f"score_{k}"].to_numpy(float) if np.isfinite(x)]
        d = a.to_dict()  # JSON-ready: no NaN anywhere in the analysis tables
        for row in d["descents"]:
            # issue 14: a score exactly when it was built from something, never without cadence
            if row["control_parts"]:
                assert 0 <= row["control_score"] <= 100 and row["cadence_spm"] is not None
                scores.append(row["control_score"])
            else:
                assert row["control_score"] is None
            assert row["technicality"] is None or 0 <= row["technicality"] <= 1
            if row["technicality"] is not None:
                techs.append(row["technicality"])
        for row in d["climbs"]:
            assert row["hike_fraction"] is None or 0 <= row["hike_fraction"] <= 1
        # Line practice is ranked by a continuous priority (issue 14 item 7): the need for
        # practice is 0 from a score of 80 (practice_max_score + practice_score_band).
        assert len(d["line_practice"]) <= 5
        for row in d["line_practice"]:
            assert row["reasons"] and (row["control_score"] is None or row["control_score"] < 80)
            assert 0.1 <= row["priority"] <= 1
        for rep in d["repeats"]:
            assert len(rep["passes"]) >= 2
        _flags_agree_with_climbs(a, r["file"])
        t = a.timeline["technicality"].to_numpy(float)
        assert np.all((t[np.isfinite(t)] >= 0) & (t[np.isfinite(t)] <= 1))
        assert set(np.unique(a.timeline["gait"])) <= {"hike", "run", "stop"}
        moving = d["summary"]["hike_time_s"] + d["summary"]["run_time_s"]
        if moving > 0:
            hike_share.append(d["summary"]["hike_time_s"] / moving)
        lines.append(f"{r['file'][:48]:48s} {len(d['climbs']):3d} climbs {len(d['descents']):3d} descents "
                     f"DCS={d['summary']['descent_control_score'] or float('nan'):5.1f} "
                     f"hike={hike_share[-1] if moving > 0 else float('nan'):4.2f} "
                     f"{d['hike_run']['method']:7s} practice={len(d['line_practice'])} repeats={len(d['repeats'])}")
    assert n_ok >= 0.8 * len(rows)
    pct = lambda x: np.percentile(x, [0, 10, 50, 90, 100]).round(2).tolist() if x else []  # noqa: E731
    print(f"\n{n_ok}/{len(rows)} running files analysed")
    print("\n".join(lines))
    print(f"descent control score over {len(scores)} descents (min, p10, median, p90, max): {pct(scores)}")
    print(f"technicality over {len(techs)} descents: {pct(techs)}")
    for k, x in parts.items():  # issue 14: the parts must discriminate on real descents
        full = np.mean(np.asarray(x) >= 0.999) if x else float("nan")
        print(f"part {k} over {len(x)} descents (min, p10, median, p90, max): {pct(x)}; full marks {full:.0%}")
    print(f"share of moving time hiking over {len(hike_share)} files: {pct(hike_share)}")
    # a sanity bound: the corpus is mostly road and easy trail running
    assert np.median(scores) > 50
    assert np.median(techs) < 0.5
