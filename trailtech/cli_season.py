"""The ``trailtech season`` options beyond the common ones: the runner's heart-rate range and
threshold pace (training load), the sports kept (``--sport``), segment names and the per-activity reports (``--report
season.html`` also writes ``season_activities/<activity>.html``, unless
``--no-activity-reports``).

Kept apart from :mod:`trailtech.cli` so the season's options and their parsing live together.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

__all__ = ["add_season_options", "season_kwargs"]


def _bpm(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and 25 <= v <= 250):
        raise argparse.ArgumentTypeError(f"{text!r}: give a heart rate in beats per minute (25-250)")
    return v


def _pace(text: str) -> float:
    """``M:SS`` per km (or plain minutes) -> speed [m/s]."""
    m = re.fullmatch(r"\s*(\d{1,2}):([0-5]\d(?:\.\d+)?)\s*(?:/km)?\s*", text)
    try:
        s = int(m.group(1)) * 60 + float(m.group(2)) if m else float(text) * 60.0
    except ValueError:
        s = math.nan
    if not (math.isfinite(s) and 120 <= s <= 1200):
        raise argparse.ArgumentTypeError(f"{text!r}: give a pace per km as M:SS, between 2:00 and 20:00")
    return 1000.0 / s


def _sport_name(value: str) -> str:
    """A ``--sport`` name the season can select by (:mod:`trailtech.season.sports`)."""
    from .season.sports import sport_matcher

    try:
        sport_matcher([value])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def add_season_options(s: argparse.ArgumentParser) -> None:
    """Add the training-load and segment-name options to the ``season`` parser."""
    s.add_argument("--hr-max", type=_bpm, metavar="BPM",
                   help="maximum heart rate for the training load (default: the highest held 30 s in the season)")
    s.add_argument("--hr-rest", type=_bpm, metavar="BPM", help="resting heart rate for the training load (default 60)")
    s.add_argument("--threshold-pace", type=_pace, metavar="M:SS",
                   help="threshold pace per km, for the load of runs without heart rate "
                        "(default: the fastest hour of grade-adjusted pace in the season)")
    s.add_argument("--no-activity-reports", action="store_true",
                   help="with --report: no report per activity (each costs 2-4 s of CPU the first time)")
    s.add_argument("--sport", metavar="NAME", action="append", type=_sport_name,
                   help="keep only activities of this sport: trail (trail runs), running, hiking ... "
                        "(repeat for several; a file naming no sport is kept when it was on foot like the sport)")
    s.add_argument("--segment-names", metavar="FILE",
                   help="TOML file of segment_id = \"name\" (default: segments.toml in the folders read)")
    s.add_argument("--no-consensus", action="store_true",
                   help="GPS-only runs over the same ground keep their own altitude (default: analysed again "
                        "on the season's consensus elevation)")


def season_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The :func:`trailtech.analyze_season` keywords these options give."""
    if args.hr_max is not None and args.hr_rest is not None and not args.hr_max > args.hr_rest:
        raise ValueError(f"--hr-max {args.hr_max:g} must be above --hr-rest {args.hr_rest:g}")
    if args.segment_names is not None:
        from .season.names import read_segment_names

        read_segment_names(args.segment_names)  # a bad file is said before any analysis
    kw = {"hr_max_bpm": args.hr_max, "hr_rest_bpm": args.hr_rest, "threshold_gap_mps": args.threshold_pace,
          "segment_names_file": args.segment_names, "sport": args.sport}
    if getattr(args, "no_consensus", False):
        kw["consensus"] = False  # GPS-only runs keep their own altitude
    if getattr(args, "report", None) and not args.no_activity_reports:
        from .season.reports import reports_folder

        # Each activity's own report, in a folder beside the season report that links to them.
        kw["activity_reports"] = reports_folder(args.report)
    return kw
