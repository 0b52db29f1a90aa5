"""Repeated stretches of one activity: references clustered, their passes grouped into one
entry per stretch ("Robustness" in :mod:`trailtech.analysis.repeats`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ...timeline import Timeline
from .passes import _overlap, find_passes
from .path import Path, TooManyRevisits, revisited_stretches

__all__ = ["Pass", "Repeat", "reference_stretches", "cluster_references", "find_repeats"]


def _union(passes: list) -> list:
    """Passes of several groups in time order, one per stretch of track."""
    out: list = []
    for p in sorted(passes, key=lambda q: q[0]):
        if out and _overlap(out[-1][:2], p[:2]) > 0.5:
            continue
        out.append(p)
    return out


def _merge_groups(groups: list[tuple[str, list]]) -> list[tuple[str, list]]:
    """Join groups of one kind that share a pass (the same stretch found from two references)."""
    merged: list[tuple[str, list]] = []
    for kind, passes in groups:
        hit = [k for k, (kk, pp) in enumerate(merged) if kk == kind and any(
            _overlap(a[:2], b[:2]) > 0.5 for a in pp for b in passes)]
        if not hit:
            merged.append((kind, list(passes)))
            continue
        joined = list(passes)
        for k in reversed(hit):
            joined += merged.pop(k)[1]
        merged.insert(hit[0], (kind, _union(joined)))
    return merged


def cluster_references(path: Path, references: Sequence[tuple[int, int, str]], *,
                       gate_radius_m: float = 25.0,
                       length_ratio: tuple[float, float] = (0.8, 1.25)) -> list[dict]:
    """Group references of one kind whose start and end points lie within a gate radius of
    each other and whose lengths agree: the same stretch, detected once per pass.

    Returns
    -------
    list of dict
        ``i0, i1, kind`` (the medoid member: the one nearest the others at both ends),
        ``start_xy``, ``end_xy`` (median of the members' start and end points [m]) and
        ``members`` (number of references), in order of the earliest member.

    Notes
    -----
    One climb or descent detection carries its accidents (a start on the approach, an end
    past the turn-round, one noisy fix), and they decide which other passes its gates
    catch. Gates at the members' median and the medoid's shape judge every pass alike.
    """
    xy = path.xy
    d = path.distance_m
    refs = [(int(a), int(b), k) for a, b, k in references]
    group = list(range(len(refs)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    if refs:
        a = np.array([r[0] for r in refs])
        b = np.array([r[1] for r in refs])
        kinds = np.array([r[2] for r in refs])
        lens = d[b] - d[a]
        ds = np.hypot(*(xy[a][:, None, :] - xy[a][None, :, :]).transpose(2, 0, 1))
        de = np.hypot(*(xy[b][:, None, :] - xy[b][None, :, :]).transpose(2, 0, 1))
        ratio = lens[:, None] / np.maximum(lens[None, :], 1e-9)
        same = ((ds < gate_radius_m) & (de < gate_radius_m) & (kinds[:, None] == kinds[None, :])
                & (ratio >= length_ratio[0]) & (ratio <= length_ratio[1]))
        for i, j in zip(*np.nonzero(np.triu(same, 1))):
            ri, rj = root(int(i)), root(int(j))
            if ri != rj:
                group[max(ri, rj)] = min(ri, rj)
    out = []
    roots = [root(i) for i in range(len(refs))]
    for g in sorted(set(roots), key=lambda g: min(path.elapsed_s[refs[i][0]] for i in range(len(refs)) if roots[i] == g)):
        idx = [i for i in range(len(refs)) if roots[i] == g]
        s_xy = xy[[refs[i][0] for i in idx]]
        e_xy = xy[[refs[i][1] for i in idx]]
        cost = (np.hypot(*(s_xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)).sum(1)
                + np.hypot(*(e_xy[:, None, :] - e_xy[None, :, :]).transpose(2, 0, 1)).sum(1))
        m = idx[int(np.argmin(cost))]
        out.append({"i0": refs[m][0], "i1": refs[m][1], "kind": refs[m][2],
                    "start_xy": np.median(s_xy, axis=0), "end_xy": np.median(e_xy, axis=0),
                    "members": len(idx)})
    return out


def _consensus_passes(path: Path, i0: int, i1: int, start_xy: np.ndarray, end_xy: np.ndarray,
                      **pass_kw) -> list:
    """Passes between the gates at ``start_xy`` and ``end_xy`` whose lengths agree with
    each other.

    The detection ``i0..i1`` may be cut short or run long, so its length is a poor
    yardstick: the search runs with a loose length test (0.5-2 × the detection), and the
    passes are then held to the normal ratio against their own median length (all of them
    bounded by the same gate rule).
    """
    lo, hi = pass_kw.get("length_ratio", (0.8, 1.25))
    loose = {**pass_kw, "length_ratio": (min(lo, 0.5), max(hi, 2.0))}
    found = find_passes(path, i0, i1, start_xy=start_xy, end_xy=end_xy, **loose)
    if len(found) < 2:
        return found
    lengths = np.array([path.distance_m[e] - path.distance_m[s] for s, e, _, _ in found])
    ratio = lengths / np.median(lengths)
    return [p for p, q in zip(found, ratio) if lo <= q <= hi]


@dataclass(frozen=True)
class Pass:
    """One pass over a repeated stretch.

    Attributes
    ----------
    start_s, end_s : float
        Elapsed time at the pass's start and end gates [s].
    path_start, path_end : int
        Its ends on the :class:`~.path.Path` (inclusive indices).
    """

    start_s: float
    end_s: float
    path_start: int
    path_end: int

    @property
    def duration_s(self) -> float:
        """Time from the start gate to the end gate [s]."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Repeat:
    """A stretch of trail passed at least twice in one activity.

    Attributes
    ----------
    start_m, end_m, length_m : float
        The first pass on the distance axis [m].
    direction : str
        ``"up"``, ``"down"`` or ``"flat"``.
    passes : tuple of Pass
        In time order.
    """

    start_m: float
    end_m: float
    length_m: float
    direction: str
    passes: tuple[Pass, ...]


def find_repeats(path: Path, references: Sequence[tuple[int, int, str]], **pass_kw) -> list[Repeat]:
    """Stretches passed at least twice, one entry each.

    References detecting the same stretch are clustered first (:func:`cluster_references`);
    each cluster not already covered by a pass found earlier gives a group of passes
    (:func:`~.passes.find_passes`, gates at the cluster's median ends). Groups of one kind
    that still share a pass are joined: one stretch gives one entry, whichever of its passes
    were detected as climbs or descents.

    Parameters
    ----------
    path : Path
    references : sequence of (i0, i1, kind)
        Candidate reference stretches on the path; ``kind`` is "down", "up" or "flat".
    **pass_kw
        Tolerances forwarded to :func:`~.passes.find_passes`.

    Returns
    -------
    list of Repeat
        In order of the first pass.
    """
    claimed: list[tuple[int, int, str]] = []
    groups: list[tuple[str, list]] = []
    gate_kw = {k: pass_kw[k] for k in ("gate_radius_m", "length_ratio") if k in pass_kw}
    clusters = cluster_references(path, references, **gate_kw)
    # Stretches detected most often first: their gates are the best founded.
    for ref in sorted(clusters, key=lambda c: -c["members"]):
        i0, i1, kind = ref["i0"], ref["i1"], ref["kind"]
        # A stretch already found (as a pass of an earlier reference) is not searched again.
        if any(k == kind and _overlap((s, e), (i0, i1)) > 0.5 for s, e, k in claimed):
            continue
        # Climbs and descents without a barometer: pass ends by alignment (issue 4).
        kw = {"align_ends": kind != "flat", **pass_kw}
        passes = _consensus_passes(path, i0, i1, ref["start_xy"], ref["end_xy"], **kw)
        if len(passes) < 2:
            continue
        claimed.extend((s, e, kind) for s, e, _, _ in passes)
        groups.append((kind, passes))
    groups = sorted(_merge_groups(groups), key=lambda g: g[1][0][0])
    out = []
    for kind, passes in groups:
        if len(passes) < 2:
            continue
        s0, e0 = passes[0][:2]
        out.append(Repeat(
            start_m=float(path.distance_m[s0]),
            end_m=float(path.distance_m[e0]),
            length_m=float(path.distance_m[e0] - path.distance_m[s0]),
            direction=kind,
            passes=tuple(Pass(t0, t1, int(s), int(e)) for s, e, t0, t1 in passes),
        ))
    return out


def reference_stretches(path: Path, timeline: Timeline, climbs_m: np.ndarray, descents_m: np.ndarray,
                        *, min_length_m: float) -> tuple[list[tuple[int, int, str]], tuple[str, ...]]:
    """The stretches whose passes are looked for: every descent and climb, and the flat
    stretches on foot that the track comes back to and no climb or descent covers.

    Parameters
    ----------
    path : Path
    timeline : Timeline
        For which path points are on foot.
    climbs_m, descents_m : array, shape (k, 2)
        Start and end of each climb and descent [m along the track].
    min_length_m : float
        Shortest revisited flat stretch [m].

    Returns
    -------
    references : list of (i0, i1, kind)
        Path index ranges (inclusive), ``kind`` ``"down"``, ``"up"`` or ``"flat"``, in order
        of the time the runner reached their start.
    notes : tuple of str
        Warnings for the user.
    """
    n = len(path.distance_m)

    def on_path(a_m: float, b_m: float) -> tuple[int, int]:
        return (int(np.clip(np.searchsorted(path.distance_m, a_m), 0, n - 1)),
                int(np.clip(np.searchsorted(path.distance_m, b_m), 0, n - 1)))

    refs = [(*on_path(a, b), "down") for a, b in descents_m]
    refs += [(*on_path(a, b), "up") for a, b in climbs_m]
    covered = np.zeros(n, bool)
    for i0, i1, _ in refs:
        covered[i0:i1 + 1] = True
    rows = np.clip(np.searchsorted(timeline.distance_m, path.distance_m, side="left"), 0, len(timeline) - 1)
    path_foot = timeline.on_foot[rows]
    notes: tuple[str, ...] = ()
    try:
        revisited = revisited_stretches(path, min_length_m=min_length_m)
    except TooManyRevisits as exc:
        revisited = np.empty((0, 2), int)
        notes = (
            "Repeated flat stretches were not searched: the track comes back to the same spots "
            f"far too often ({exc.candidates / 1e6:,.0f} million point pairs), which happens when "
            "the position stands still while the distance grows (a frozen GPS fix or damaged "
            "records). Climbs and descents were still compared.",)
    for i0, i1 in revisited:
        # Only stretches not already a climb or descent reference, and on foot.
        if covered[i0:i1 + 1].mean() < 0.5 and path_foot[i0:i1 + 1].mean() >= 0.5:
            refs.append((int(i0), int(i1), "flat"))
    refs.sort(key=lambda r: path.elapsed_s[r[0]])
    return refs, notes
