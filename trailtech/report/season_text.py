"""The season's figures in words: trend changes with their units, the sentence naming the
activities the running figures leave out, and the weekly table with idle weeks collapsed.

Presentation only, shared by the season HTML report (:mod:`trailtech.report.season`) and the
command line's text summary. It takes the plain values of a season (its ``to_dict()`` parts)
and imports nothing from :mod:`trailtech.season`: the season sits above the reports, and a
report that imported it back made an import circle.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TREND_UNITS", "trend_change_text", "collapse_empty_weeks", "not_counted_text"]


#: Unit of each trended metric, as a reader sees it next to its change per 30 days.
TREND_UNITS = {"flat_cadence_spm": "spm", "descent_control_score": "points"}


def trend_change_text(key: str, change_per_30d: Any) -> str:
    """A trend's change as text with its unit, e.g. ``"+1.5 spm per 30 days"``.

    Rounded to 0.1 first, so a tiny negative slope reads ``+0.0``, never ``-0.0``.
    """
    unit = TREND_UNITS.get(key, "")
    if change_per_30d is None:
        return "–"
    v = round(float(change_per_30d), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{v:+.1f}{' ' + unit if unit else ''} per 30 days"


def collapse_empty_weeks(weeks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The weeks of :func:`trailtech.season.summary.weekly_technical` for display: each run of weeks without any
    activity becomes one row, so a season with a long break does not list every idle week.

    Parameters
    ----------
    weeks : list of dict
        ``weekly_technical`` rows (the season's ``weeks``), in order.

    Returns
    -------
    list of dict
        Rows in order. A week with activities is its row plus ``label`` (the week),
        ``empty`` False and ``n_weeks`` 1. A run of empty weeks is one row: ``label``
        ("2025-W01 – 2026-W23", or the week alone), ``empty`` True, ``n_weeks``, ``week`` and
        ``week_start`` of its first week, ``last_week``, ``activities`` 0,
        ``technical_distance_m`` 0, ``technical_sessions`` 0 and ``verdict``
        "no activities".
    """
    out: list[dict[str, Any]] = []
    for w in weeks:
        if w.get("activities"):
            out.append({**w, "label": w["week"], "empty": False, "n_weeks": 1})
            continue
        last = out[-1] if out else None
        if last is not None and last["empty"]:
            last["last_week"] = w["week"]
            last["n_weeks"] += 1
            last["label"] = f"{last['week']} – {w['week']}"
            continue
        out.append({"week": w["week"], "week_start": w["week_start"], "last_week": w["week"], "label": w["week"],
                    "empty": True, "n_weeks": 1, "activities": 0, "technical_distance_m": 0.0,
                    "technical_sessions": 0, "verdict": "no activities"})
    return out


def not_counted_text(running: dict[str, Any]) -> str:
    """The sentence saying which activities the running figures leave out.

    Parameters
    ----------
    running : dict
        :meth:`trailtech.season.Season.running_totals` (``not_counted``,
        ``not_counted_sports``).

    Returns
    -------
    str
        E.g. ``"3 rides, swims and other activities (cycling 2, swimming 1) are listed but
        not counted in the running figures."``; empty when every activity counts.
    """
    n = int(running.get("not_counted") or 0)
    if n == 0:
        return ""
    sports = running.get("not_counted_sports") or {}
    which = ", ".join(f"{k.replace('_', ' ')} {v}" if n > 1 else k.replace("_", " ")
                      for k, v in sorted(sports.items(), key=lambda kv: (-kv[1], kv[0])))
    what = "1 activity not on foot" if n == 1 else f"{n} rides, swims and other activities"
    return (f"{what}{f' ({which})' if which else ''} {'is' if n == 1 else 'are'} listed but not counted "
            "in the running figures.")
