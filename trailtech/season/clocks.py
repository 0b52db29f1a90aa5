"""Which activities' clocks can be trusted for the season's time-based figures.

A watch whose clock was never set (a Forerunner 70 synced without its computer dates its runs
1990), a file stamped in the future, or a start far from the time the device says it created
the file cannot be placed on a calendar. Such activities are still read and analysed; they are
left out of the weeks, trends and load curves only, and listed with the reason.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

__all__ = ["clock_problems", "EARLIEST_PLAUSIBLE", "MAX_CREATED_GAP_D", "FUTURE_MARGIN_D"]

#: No consumer GPS watch file predates this: an earlier date is an unset clock.
EARLIEST_PLAUSIBLE = pd.Timestamp("2000-01-01T00:00:00Z")
#: A start this far from the file's own creation time means one of the two clocks is wrong [d]
#: (a watch writes the file when the activity starts; an export tool may write it later, so
#: the margin is generous).
MAX_CREATED_GAP_D = 366.0
#: Tolerance for "in the future" [d]: time-zone mistakes of a day are not a broken clock.
FUTURE_MARGIN_D = 1.0


def _utc(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True, errors="coerce", format="ISO8601")


def clock_problems(start_time: Any, time_created: Any = None, *,
                   now: Optional[pd.Timestamp] = None) -> list[Optional[str]]:
    """Why each activity's start time cannot be used on a calendar (None when it can).

    Parameters
    ----------
    start_time : sequence of Timestamp or ISO 8601 str
        Each activity's start (UTC).
    time_created : sequence of Timestamp or ISO 8601 str, optional
        The file's own creation time (FIT ``file_id.time_created``), same length; None where
        unknown.
    now : Timestamp, optional
        The present (default: the machine's clock, UTC).

    Returns
    -------
    list of str or None
        One sentence per activity, e.g. ``"clock unset: dated 1990-01-02, before 2000"``.
    """
    t = _utc(start_time)
    n = len(t)
    created = _utc(time_created) if time_created is not None else pd.Series(pd.NaT, index=range(n),
                                                                             dtype="datetime64[ns, UTC]")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    gap_d = ((t.reset_index(drop=True) - created.reset_index(drop=True)).dt.total_seconds() / 86400.0).to_numpy()
    out: list[Optional[str]] = []
    for i in range(n):
        ti = t.iloc[i]
        if pd.isna(ti):
            out.append("no start time")
        elif ti < EARLIEST_PLAUSIBLE:
            out.append(f"clock unset: dated {ti.date().isoformat()}, before {EARLIEST_PLAUSIBLE.year}")
        elif (ti - now).total_seconds() > FUTURE_MARGIN_D * 86400.0:
            out.append(f"dated {ti.date().isoformat()}, in the future")
        elif np.isfinite(gap_d[i]) and abs(gap_d[i]) > MAX_CREATED_GAP_D:
            out.append(f"starts {ti.date().isoformat()}, {abs(gap_d[i]):.0f} days from the file's creation "
                       f"time ({created.iloc[i].date().isoformat()})")
        else:
            out.append(None)
    return out
