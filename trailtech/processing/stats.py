"""The median the analyses share: :func:`numpy.median`, under the name they import.

Robust CVs, robust line residuals and descent summaries take the median of many small arrays;
they import it from here so that one place says which median it is (numpy's: the mean of the
two middle values for an even count, NaN when a value is NaN). Rolling quantiles and medians
are pandas' ``Rolling.quantile`` / ``Rolling.median``, called where they are needed.
"""

from __future__ import annotations

from numpy import median

__all__ = ["median"]
