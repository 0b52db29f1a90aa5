"""Recording devices named in FIT files: a readable label, and whether they have a barometer.

A FIT file does not say where its altitude comes from. Devices with a barometric altimeter
write a smooth, well-behaved ``enhanced_altitude``; GPS-only devices write a noisy one. The
list below covers families whose public spec sheets list a barometric altimeter; anything
else is ``None`` (unknown) and the pipeline decides from the noise of the signal.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["device_label", "is_barometric"]

#: Device families with a barometric altimeter (vendor spec sheets), matched against
#: "manufacturer product (product_name)" in lower case.
_BAROMETRIC = re.compile(
    r"""
    ^garmin\ (fenix|epix|enduro|instinct|marq|quatix|tactix|descent|d2)
    | ^garmin\ fr(645|745|910xt|920xt|935|945|955|965|255|265|570|970)
    | ^garmin\ (edge_?(5[0-9]{2}|8[0-9]{2}|10[0-9]{2})|edge_?130)
    | ^garmin\ (vivo_?active_?hr|oregon|gpsmap|montana|etrex_?30)
    | ^coros\ .*(apex|vertix|pace\ ?2|pace\ ?3)
    | ^suunto\ .*(baro|peak|ambit3|ambit2|spartan\ ultra|vertical|race)
    | ^wahoo_fitness\ .*elemnt
    | ^lezyne\ .*super
    | ^sigmasport\ .*rox\ 1[12]
    """,
    re.VERBOSE,
)


def device_label(
    manufacturer: Optional[str], product: Optional[str], product_name: Optional[str] = None
) -> Optional[str]:
    """``"manufacturer product"`` plus ``" (product_name)"`` when the file names the product.

    Examples
    --------
    >>> device_label("garmin", "fenix6x")
    'garmin fenix6x'
    >>> device_label("coros", "841", "COROS APEX Pro")
    'coros 841 (COROS APEX Pro)'
    """
    parts = [str(p) for p in (manufacturer, product) if p is not None and str(p) != ""]
    if product_name is not None:
        # corrupt files hold undecodable bytes here; a label must stay readable
        product_name = str(product_name).strip()
        if not product_name.isprintable() or "\ufffd" in product_name:
            product_name = None
    if not parts and not product_name:
        return None
    label = " ".join(parts)
    if product_name:
        label = f"{label} ({product_name})" if label else str(product_name)
    return label


def is_barometric(
    manufacturer: Optional[str], product: Optional[str], product_name: Optional[str] = None
) -> Optional[bool]:
    """``True`` when the device family is known to carry a barometric altimeter, else ``None``."""
    label = device_label(manufacturer, product, product_name)
    if label is None:
        return None
    return True if _BAROMETRIC.search(label.lower()) else None
