"""``trailtech season --sport``: keep only the activities of some sports.

How an activity's sport is known: what its file says, read by the readers and normalised by
:func:`trailtech.io._build.normalise_sport` -- the FIT ``session`` ``sport`` and ``sub_sport``
(of the longest session), the TCX ``Activity Sport`` attribute, the GPX ``<trk><type>``
(Strava's numeric types decoded), else the "Activity Type" column of a Strava export's
``activities.csv``. A trail run is a running activity whose sub-sport is ``trail`` (a FIT
``sub_sport``, a GPX/TCX type such as "trail running"); a watch that records a trail run as
plain "running" says nothing more, and ``--sport trail`` cannot tell it from a road run.

What a wanted name selects (several names: any of them):

* ``trail`` (also ``trail_running``, "trail running", ``trail_run``): running with sub-sport trail;
* a sport (``running``, ``hiking``, ``cycling`` ...): that sport, whatever its sub-sport (so
  ``running`` includes trail and treadmill runs);
* anything else: activities whose sport or sub-sport has that name.

An activity whose file names no sport, or one that says nothing (FIT ``generic``, a GPX type
that is no sport), is **kept** when the analysis judged it the same kind as the wanted sport -- on foot (running, trail, hiking, walking ...) or not (cycling, swimming ...)
-- and left out otherwise; the season's notes say how many were kept that way.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ..io._build import normalise_sport
from ..io.normalise import sport_on_foot

__all__ = ["sport_matcher", "filter_by_sport", "select_sport", "wanted_sports"]

_TRAIL_WORDS = ("trail", "trail_running", "trail running", "trail_run", "trail run", "trailrunning")


def _kind(text: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(sport, sub-sport) of a wanted name or of an activity's sport text."""
    if text is None or not str(text).strip():
        return None, None
    key = " ".join(str(text).split()).lower()
    if key in _TRAIL_WORDS or key.replace(" ", "_") in _TRAIL_WORDS:
        return "running", "trail"
    return normalise_sport(key)


def sport_matcher(wanted: Sequence[str]):
    """A function ``(sport, sub_sport, on_foot) -> bool | None``: whether an activity is one of
    the ``wanted`` sports; None when its file names no sport (the caller decides by ``on_foot``:
    see :func:`filter_by_sport`)."""
    kinds = [_kind(w) for w in wanted]
    for w, k in zip(wanted, kinds):
        if k[0] is None:
            raise ValueError(f"{w!r} is not a sport name; give e.g. trail, running, hiking")
    if not kinds:
        raise ValueError("no sport name given; give e.g. trail, running, hiking")

    def match(sport: Optional[str], sub_sport: Optional[str]) -> Optional[bool]:
        own, own_sub = _kind(sport)
        if own is None:
            return None
        own_sub = own_sub or (str(sub_sport).lower() if sub_sport else None)
        for w, w_sub in kinds:
            if w_sub is not None:
                if own == w and own_sub == w_sub:
                    return True
            elif own == w or own_sub == w:
                return True
        # A sport that says nothing (FIT "generic", a GPX type like "jkljkl") is not known.
        return False if sport_on_foot(own) is not None else None

    match.on_foot = any(sport_on_foot(w) is not False for w, _ in kinds)  # type: ignore[attr-defined]
    return match


def filter_by_sport(activities: Sequence[dict], wanted: Sequence[str]) -> tuple[list[bool], list[str]]:
    """Which season activities ``--sport`` keeps, and the season notes that say what it did.

    Parameters
    ----------
    activities : sequence of dict
        Season activity rows (``file``, ``sport``, ``sub_sport``, ``on_foot``).
    wanted : sequence of str
        The wanted sport names (``["trail"]``).

    Returns
    -------
    keep : list of bool
    notes : list of str
        One sentence: how many were kept, how many left out by sport, and how many without a
        sport were kept as on foot.

    Raises
    ------
    ValueError
        A name in ``wanted`` is empty, or there is none.
    """
    match = sport_matcher(wanted)
    keep, left_out, unknown_kept, unknown_left = [], {}, 0, 0
    for a in activities:
        m = match(a.get("sport"), a.get("sub_sport"))
        if m is None:
            m = bool(a.get("on_foot", True)) == match.on_foot
            unknown_kept += m
            unknown_left += not m
        elif not m:
            label = _kind(a.get("sport"))[0] or "unknown"
            left_out[label] = left_out.get(label, 0) + 1
        keep.append(bool(m))
    name = " ".join(wanted)
    parts = [f"--sport {name}: kept {sum(keep)} of {len(keep)} activities"]
    if left_out:
        parts.append("left out " + ", ".join(f"{n} {k}" for k, n in sorted(left_out.items())))
    if unknown_kept or unknown_left:
        parts.append(f"{unknown_kept + unknown_left} name no sport in their file (or a generic one): "
                     f"{unknown_kept} kept, {unknown_left} left out, by whether they were on foot")
    return keep, ["; ".join(parts)]


def wanted_sports(sport) -> Optional[list[str]]:
    """``analyze_season``'s ``sport`` (a name, names or None) as a list, checked.

    Raises
    ------
    ValueError
        A name that selects nothing, refused before any work.
    """
    if sport is None:
        return None
    wanted = [sport] if isinstance(sport, str) else list(sport)
    sport_matcher(wanted)
    return wanted


def select_sport(entries: list[dict], wanted: Optional[Sequence[str]]) -> tuple[list[dict], list[str]]:
    """The season entries of the ``wanted`` sports (all when None) and the notes saying so."""
    if not wanted:
        return entries, []
    keep, notes = filter_by_sport([e["activity"] for e in entries], wanted)
    return [e for e, k in zip(entries, keep) if k], notes
