"""Walking speed on slopes: Tobler's hiking function.

The speed-vs-grade model for hiking, next to the running ones of :mod:`.gap`. The analysis
scales it to the runner (``k·Tobler``, science.md topic 2C) and the simulator moves its hikers
with it, so both read the same function.

References
----------
Tobler W. Three presentations on geographical analysis and modeling: non-isotropic
geographic modeling. Technical Report 93-1, National Center for Geographic Information and
Analysis, University of California, Santa Barbara, 1993.
"""

from __future__ import annotations

import numpy as np

__all__ = ["tobler_speed_mps"]


def tobler_speed_mps(grade) -> np.ndarray:
    """Tobler's hiking function ``W = 6·exp(−3.5·|g + 0.05|)`` km/h, in [m/s].

    Fastest (6 km/h) on a gentle 5 % descent, 5.04 km/h on the flat.

    Parameters
    ----------
    grade : array_like
        Grade, rise over horizontal run (fraction, not percent); NaN stays NaN.

    Returns
    -------
    numpy.ndarray
        Walking speed [m/s].

    References
    ----------
    Tobler W. Three presentations on geographical analysis and modeling. NCGIA Technical
    Report 93-1, 1993.

    Examples
    --------
    >>> round(float(tobler_speed_mps(-0.05)) * 3.6, 6)
    6.0
    """
    g = np.asarray(grade, dtype=float)
    return 6.0 / 3.6 * np.exp(-3.5 * np.abs(g + 0.05))
