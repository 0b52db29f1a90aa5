"""Stretches of trail covered more than once in one activity (hill repeats, line practice).

Science: ``science.md`` topic 6. The track is projected to local east/north metres and resampled
every 5 m of distance. For each reference stretch (a climb, a descent, or a flat stretch the
track returns to):

1. **Gates** of radius r (25 m) around the reference's start and end. A candidate pass opens
   when the track enters the start gate after having been more than 2r from it, and closes at
   the next entry into the end gate. It is abandoned when the distance covered exceeds 1.5× the
   reference length or the track leaves the corridor (100 m) around the reference.
   Pass start and end: see "Robustness" below.
2. **Validation** (all must hold): length ratio 0.8-1.25 (for the lower bound, the pass is
   credited with how far its ends stayed from the gate centres); same direction (initial 30 m heading
   within 60° of the reference's, and the same sign of elevation change, which rejects the
   walk back *up* a descent being practised); one-sided Hausdorff distance reference→pass
   ≤ 25 m with its 95th percentile ≤ 15 m (reference ends within r/2 left out: the gates
   judged them); discrete Fréchet distance ≤ 40 m (Eiter & Mannila
   1994), which catches wrong ordering and short cuts.
3. Stretches with two or more valid passes are reported once (the first reference that finds
   them), passes in time order, with a trend over the passes.

Robustness (issue 4): references that detect the same stretch (starts and ends within a
gate radius) are clustered first, and the gates sit at the median of their ends, so no single
detection's accidents (a start on the approach, an end past the turn-round) decide which passes
are caught; the passes between those gates are held to the length ratio against their own
median; groups of one kind that share a pass are joined. Inside a gate a pass is bounded by
the closest approach to the centre or, with a barometric altimeter, by the top or bottom
elevation (switchback traverses a few metres apart are told apart by height, not by GPS), then
moved to the last (start) or first (end) point of that unbroken run: a wait at the top or the
turn-round at the bottom is not timed. Timing applies the same rule to the raw 1 s track.

Without a barometer (issue 4 follow-up), GPS altitude wanders by a switchback's drop and
positions cannot tell the traverses in a gate apart, so climbs and descents get their ends
from the passes together (:func:`align_passes`): a pass end where the track turns round and
retraces itself for ~100 m (:func:`fold_score_m`: the walk back up a hill repeat), and
elsewhere the point that matches the end of a template pass under order-keeping alignment
(:func:`subsequence_dtw`). Passes turned down on shape with gate-rule ends are judged again
with aligned ends. These passes are timed on the distance timeline (:func:`_point_times`):
a wait at the turn-round, where the distance stands still, is not timed.

One module per step:

* :mod:`.path`: the track resampled every 5 m, and the stretches it comes back to.
* :mod:`.similarity`: Fréchet and Hausdorff distances, retracing, order-keeping alignment
  (also used across a season by :mod:`trailtech.season.match`).
* :mod:`.passes`: the passes of one reference stretch (gates, validation, pass ends and times).
* :mod:`.clustering`: references clustered, passes grouped into one entry per stretch.
* :mod:`.trend`: faster or better controlled over the passes.

:func:`find_repeats` returns the passes; its caller scores them (``trailtech.analysis.run``).
"""

from .clustering import Pass, Repeat, cluster_references, find_repeats, reference_stretches
from .passes import align_passes, find_passes
from .path import MAX_REVISIT_CANDIDATES, Path, TooManyRevisits, resample_path, revisited_stretches
from .similarity import (
    discrete_frechet_m,
    fold_score_m,
    frechet_within,
    hausdorff_one_sided_m,
    subsequence_dtw,
)
from .trend import trend

__all__ = [
    "MAX_REVISIT_CANDIDATES", "Pass", "Path", "Repeat", "TooManyRevisits", "align_passes",
    "cluster_references", "discrete_frechet_m", "find_passes", "find_repeats", "fold_score_m",
    "frechet_within", "hausdorff_one_sided_m", "reference_stretches", "resample_path",
    "revisited_stretches", "subsequence_dtw", "trend",
]
