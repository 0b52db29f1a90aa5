"""The command line's text output: the summaries ``info``, ``analyze`` and ``season`` print
when ``--json`` is not given, built from the same JSON documents the ``--json`` form prints.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

def _fmt(value: Any, unit: str = "", *, scale: float = 1.0, nd: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * scale:,.{nd}f}{unit}"


def _signed_m(value: Any, sign: str) -> str:
    """An ascent (``+``) or descent (``-``) in metres; a lone dash when missing (never ``+–``)."""
    text = _fmt(value, " m")
    return text if text == "–" else sign + text


def _crossover_text(hr: dict) -> str:
    """The crossover grade with its interval, or why there is none (issue 15)."""
    if hr.get("crossover_grade_pct") is None:
        return "– (" + (hr.get("crossover_reason_text") or "not found") + ")"
    ci = hr.get("crossover_ci_pct")
    return _fmt(hr["crossover_grade_pct"], " %", nd=1) + (
        f" ({ci[0]:.1f}–{ci[1]:.1f} %, observed)" if ci else "")


def _hms(seconds: Any) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _pace(speed_mps: Any) -> str:
    """A speed [m/s] as a runner's pace, min:s per km."""
    if speed_mps is None or not speed_mps > 0:
        return "–"
    s = int(round(1000.0 / float(speed_mps)))
    return f"{s // 60}:{s % 60:02d} /km"


def _start_text(doc: dict) -> str:
    """The local start with its offset and the UTC time (``2024-11-24 06:27:08 -07:00
    (13:27:08 UTC)``); the UTC start alone when the offset is unknown."""
    local, utc = doc.get("start_time_local"), doc.get("start_time")
    if not local or not utc:
        return utc or "–"
    return f"{local[:10]} {local[11:19]} {local[19:]} ({utc[11:19]} UTC)"


def _kv(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 0) -> str:
    """An aligned text table; the first ``left`` columns are left-aligned, the rest right."""
    cols = list(zip(*([list(header)] + [list(r) for r in rows])))
    widths = [max(len(c) for c in col) for col in cols]

    def line(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            out.append(c.ljust(w) if i < left else c.rjust(w))
        return "  ".join(out).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows])


# --------------------------------------------------------------------------- info


def _info_text(doc: dict) -> str:
    has = doc["has"]
    sensors = [name.replace("_", " ") for name, v in has.items()
               if v and name != "barometric_elevation"]
    if has.get("elevation") and doc.get("elevation_source"):  # device table, else the signal
        sensors = [("elevation (barometric)" if doc["elevation_source"] == "barometric" else "elevation (GPS)")
                   if s == "elevation" else s for s in sensors]
    t = doc["device_totals"]
    totals = ", ".join(x for x in [
        _fmt(t["distance_m"], " km", scale=1e-3, nd=2) if t["distance_m"] is not None else "",
        _signed_m(t["ascent_m"], "+") if t["ascent_m"] is not None else "",
        _signed_m(t["descent_m"], "-") if t["descent_m"] is not None else "",
        # The FIT session's total_timer_time: time with the timer running, not moving time.
        f"timer {_hms(t['moving_time_s'])}" if t["moving_time_s"] is not None else "",
    ] if x) or "–"
    rows = [
        ("file", doc["file"]),
        ("format", doc["format"]),
        ("sport", doc["sport"] or "–"),
        ("device", doc["device"] or "–"),
        ("start time", _start_text(doc)),
        ("duration", _hms(doc["duration_s"])),
        ("samples", f"{doc['samples']:,}"),
        ("sensors", ", ".join(sensors) or "–"),
        ("device totals", totals),
    ]
    out = _kv(rows)
    for w in doc["warnings"]:
        out += f"\nwarning: {w}"
    return out


def _analyze_text(doc: dict) -> str:
    s = doc["summary"]
    hr = doc["hike_run"]
    head = _kv([
        ("file", doc["file"]),
        ("sport / device", f"{doc['sport'] or '–'} / {doc['device'] or '–'}"),
        ("start time", _start_text(doc)),
        ("distance", _fmt(s["distance_m"], " km", scale=1e-3, nd=2)),
        ("time (moving)", f"{_hms(s['duration_s'])} ({_hms(s['moving_time_s'])})"),
        ("ascent / descent", f"{_signed_m(s['ascent_m'], '+')} / {_signed_m(s['descent_m'], '-')}"),
        ("elevation", "–" if s["min_elevation_m"] is None and s["max_elevation_m"] is None
         else f"{_fmt(s['min_elevation_m'], ' m')} – {_fmt(s['max_elevation_m'], ' m')}"),
        ("pace", f"{_pace(s['avg_speed_mps'])} ({_pace(s['gap_speed_mps'])} grade-adjusted)"),
        ("flat cadence", _fmt(s["flat_cadence_spm"], " spm")),
        ("hike / run", f"{_hms(s['hike_time_s'])} / {_hms(s['run_time_s'])} (by {hr['method']})"),
        ("crossover grade", _crossover_text(hr)),
        ("hike / run effort", (hr.get("effort") or {}).get("text") or "–"),
        ("technical descent", _fmt(s["technical_distance_m"], " m")),
        ("descent control", _fmt(s["descent_control_score"], " / 100")),
    ])
    parts = [head]
    if doc["climbs"]:
        rows = [[f"{c['start_m'] / 1000:.2f}", _fmt(c["length_m"], " m"), _fmt(c["gain_m"], " m"),
                 _fmt(c["avg_grade_pct"], " %", nd=1), _fmt(c["hike_fraction"], " %", scale=100),
                 _fmt(c["hike_vam_m_per_h"], " m/h"), _fmt(c["run_vam_m_per_h"], " m/h")]
                for c in doc["climbs"]]
        parts.append("climbs\n" + _table(
            ["at km", "length", "gain", "grade", "hiked", "hike VAM", "run VAM"], rows))
    if doc["descents"]:
        rows = [[f"{d['start_m'] / 1000:.2f}", _fmt(d["length_m"], " m"), _fmt(d["drop_m"], " m"),
                 _fmt(d["avg_grade_pct"], " %", nd=1), _fmt(d["control_score"]),
                 _fmt(d["cadence_delta_spm"], " spm", nd=1), _fmt(d["braking_events"]),
                 _fmt(d["technicality"], nd=2)]
                for d in doc["descents"]]
        parts.append("descents\n" + _table(
            ["at km", "length", "drop", "grade", "control", "Δcadence", "brakes", "technical"], rows))
    if doc["line_practice"]:
        rows = [[str(p["rank"]), f"{p['start_m'] / 1000:.2f}", _fmt(p["length_m"], " m"),
                 _fmt(p["avg_grade_pct"], " %", nd=1), _fmt(p["control_score"]),
                 _fmt(p["time_lost_s"], " s")]
                for p in doc["line_practice"]]
        lines = _table(["#", "at km", "length", "grade", "control", "lost"], rows).split("\n")
        out = [lines[0]]
        for line, p in zip(lines[1:], doc["line_practice"]):
            out.append(line)
            # The coaching reasons read best as their own indented lines under each stretch.
            out.extend(f"     - {r}" for r in p.get("reasons") or [])
        parts.append("line practice (practise #1 first)\n" + "\n".join(out))
    if doc["repeats"]:
        from .report.htmlkit import fmt_duration as mss  # pass times m:ss, as in the HTML report
        rows = [[f"{r['start_m'] / 1000:.2f}", _fmt(r["length_m"], " m"), str(r["direction"]), str(len(r["passes"])),
                 " / ".join(mss(p.get("duration_s")) for p in r["passes"]), str(r["trend"] or "–")] for r in doc["repeats"]]
        parts.append("repeats\n" + _table(["at km", "length", "direction", "passes", "pass times", "trend"], rows))
    lines = [f"note: {label}: km {f['start_m'] / 1000:.2f}–{f['end_m'] / 1000:.2f} at "
             f"{_fmt(f['avg_grade_pct'], ' %', nd=1)}" for flag, label in (
                 ("ran_should_hike", "ran, hiking was as fast"),
                 ("hiked_could_run", "hiked, running was clearly faster")) for f in hr.get(flag) or []]
    lines += [f"note: {n}" for n in doc.get("notes") or []] + [f"warning: {w}" for w in doc["warnings"]]
    parts += ["\n".join(lines)] if lines else []  # notes, decisions, warnings: one block
    return "\n\n".join(parts)


#: Weeks shown in the text summary (the JSON and --out keep every week).
_TEXT_WEEKS = 12


def _foot_mark(a: dict) -> str:
    """"*" for an activity the running figures leave out, "~" for one they count in part."""
    if not a.get("on_foot", True):
        return "*"
    d, foot = a.get("distance_m"), a.get("on_foot_distance_m")
    return "~" if d and foot is not None and foot < 0.99 * d else ""


def _season_text(season) -> str:
    doc = season.to_dict()
    parts = []
    if doc["activities"]:
        rows = []
        for a in doc["activities"]:
            # A star marks an activity listed but left out of the running figures (a ride, a
            # swim); a tilde one whose running figures count only its on-foot part (multisport).
            sport = (a.get("sport") or "–") + _foot_mark(a)
            rows.append([(a.get("start_time_local") or a["start_time"] or "–")[:10], sport, Path(a["file"]).name,
                         _fmt(a["distance_m"], " km", scale=1e-3, nd=1), _signed_m(a["ascent_m"], "+"),
                         _hms(a["moving_time_s"]), _fmt(a["descent_control_score"]),
                         _hms(a["hike_time_s"]), _fmt(a["crossover_grade_pct"], " %", nd=1),
                         str(a["line_practice_count"])])
        parts.append(_table(["date", "sport", "file", "distance", "ascent", "moving", "control", "hiked",
                             "crossover", "practice"], rows, left=3))
        dups = [f"  {Path(a['file']).name} (kept), also " + ", ".join(Path(d).name for d in a["duplicates"])
                for a in doc["activities"] if a.get("duplicates")]
        if dups:
            parts.append("same activity in several files, counted once:\n" + "\n".join(dups))

    from .report.season_text import collapse_empty_weeks, not_counted_text, trend_text

    run = doc.get("running") or {}
    if run:
        n_run = run["activities"]
        parts.append(f"running figures ({n_run} on-foot activit{'y' if n_run == 1 else 'ies'}): "
                     f"{_fmt(run['distance_m'], ' km', scale=1e-3, nd=1)}, {_signed_m(run['ascent_m'], '+')} climbing"
                     + (f"\n* {not_counted_text(run)}" if run.get("not_counted") else "")
                     + ("\n~ multisport: only the on-foot part is counted"
                        if any(_foot_mark(a) == "~" for a in doc["activities"]) else ""))
    parts.append(f"season crossover grade: {_fmt(doc['crossover_grade_pct'], ' %', nd=1)}")
    trends = doc.get("trends") or {}

    for key, label in (("flat_cadence_spm", "flat cadence"), ("descent_control_score", "descent control")):
        if trends.get(key):
            parts.append(f"{label}: {trend_text(key, trends[key])}")

    # Runs of weeks without activities are one row each (the JSON keeps every week).
    weeks = collapse_empty_weeks(doc.get("weeks") or [])[-_TEXT_WEEKS:]
    if weeks:
        rows = [[w["label"], "–", "–", f"no activities ({w['n_weeks']} week{'s' if w['n_weeks'] > 1 else ''})"]
                if w["empty"] else
                [w["week"], _fmt(w["technical_distance_m"], " km", scale=1e-3, nd=1),
                 str(w["technical_sessions"]), w["verdict"]] for w in weeks]
        wide = max(len(r[-1]) for r in rows)
        rows = [r[:-1] + [r[-1].ljust(wide)] for r in rows]  # the verdict reads left-aligned
        parts.append(f"technical sessions per week since {weeks[0]['week']} (coaches suggest 1–2)\n"
                     + _table(["week", "technical", "sessions", ""], rows, left=1))
    volume = [w for w in doc.get("weeks") or [] if w.get("activities")][-_TEXT_WEEKS:]
    if volume:
        rows = [[w["week"], str(w["activities"]), _fmt(w.get("distance_m"), " km", scale=1e-3, nd=1),
                 _signed_m(w.get("ascent_m"), "+"), _hms(w.get("moving_time_s")), _hms(w.get("hike_time_s")),
                 _fmt(w.get("technical_distance_m"), " km", scale=1e-3, nd=1)] for w in volume]
        parts.append("volume on foot per week (weeks with activities)\n" + _table(
            ["week", "activities", "distance", "vertical", "time on foot", "hiking", "technical"], rows, left=1))
    loads = [a for a in doc["activities"] if a.get("load_method")]
    if loads and doc.get("load"):
        from .report.season_volume import load_text

        parts.append(load_text(doc["load"], doc.get("hr_range") or {}, doc.get("load_settings") or {},
                               [a.get("load_method") for a in doc["activities"]
                                if a.get("on_foot", True) and not a.get("clock_problem")]))
    if doc["segments"]:
        rows = []
        for s in doc["segments"]:
            times = " ".join(_fmt(p["duration_s"], "s") for p in s["passes"])
            # Time and control are judged on their own (season.match.segment_trend); both are
            # shown so the reader sees which moved.
            scores = (" ".join(_fmt(p.get("control_score")) for p in s["passes"])
                      if s.get("direction") == "down" else "–")
            rows.append([s.get("name") or s["segment_id"], _fmt(s["length_m"], " m"), _fmt(s["drop_m"], " m"),
                         str(len(s["passes"])), str(s["trend"] or "–"), times, scores, s["segment_id"]])
        parts.append("segments met more than once (a negative drop is a climb; rename them in segments.toml)\n"
                     + _table(["segment", "length", "drop", "passes", "trend", "times", "control", "id"], rows,
                              left=1))
    if doc.get("clock_problems"):
        parts.append("left out of weeks and trends (their clock cannot be trusted)\n" + "\n".join(
            f"  {c['file']}: {c['reason']}" for c in doc["clock_problems"]))
    if doc.get("notes"):
        parts.append("\n".join(f"note: {n}" for n in doc["notes"]))
    n_ok, n_bad = len(doc["activities"]), len(doc["errors"])
    n_dup = sum(len(a.get("duplicates") or []) for a in doc["activities"])
    parts.append(f"{n_ok} activities read"
                 + (f" (plus {n_dup} duplicate files of them, counted once)" if n_dup else "")
                 + (f", {n_bad} could not be read" if n_bad else ""))
    return "\n\n".join(parts)
