"""Recording devices named in FIT files: a readable label, and whether they have a barometer.

A FIT file does not say where its altitude comes from, nor does a GPX or TCX file. Devices with a barometric altimeter
write a smooth, well-behaved ``enhanced_altitude``; GPS-only devices write a noisy one. The
lists below cover families whose public spec sheets list a barometric altimeter, and models
known to have none (their altitude is GPS altitude, however smooth the watch makes it);
anything else is ``None`` (unknown) and the pipeline decides from the signal.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["device_label", "is_barometric", "label_is_barometric"]

#: Models without a barometric altimeter (vendor spec sheets), matched like ``_BAROMETRIC``
#: after it (so "Suunto 9 Baro" stays barometric): Garmin Forerunner 10/15, the 2xx and 6xx
#: lines but the FR255/265 and FR645 (which have one), 110/310XT/405/410/305 and FR735XT;
#: Suunto 3, 5 and 9 without "Baro"/"Peak"; Polar M430/Vantage M; COROS Pace (first).
_NO_BAROMETER = re.compile(
    r"""
    ^garmin\ fr(10|15|25|30|35|45s?|55|60|70|110|205|210|220|225|230|235|245m?|305|310xt|405|410|
                610|620|630|735xt)(?![0-9])
    | ^(garmin\ )?forerunner[_\ ]?(10|15|25|35|45|55|110|205|210|220|225|230|235|245|305|405|410|610|620|630|735)(?![0-9])
    | ^suunto\ .*\(suunto\ [359]\)$
    | ^polar\ .*(m430|vantage\ m)(?![0-9])
    | ^coros\ .*\(coros\ pace\)$
    """,
    re.VERBOSE,
)

#: Phone apps, as GPX and TCX files name their creator. Their altitude is treated as GPS
#: altitude whatever the phone: Strava does the same ("we ignore elevation data from devices
#: without a barometric altimeter (such as ... the iPhone, and Android devices)", support
#: article "Elevation Gain"), because an app's altitude may be GPS, Kalman-smoothed GPS,
#: barometer-fused or already looked up in a DEM, and the file does not say which. In the
#: corpus, phone altitude is sometimes quiet enough to pass the residual test
#: (``StravaGPX Android`` 1681613317.gpx: 0.09 m; Runkeeper 0.34 m; Sports Tracker 0.51 m)
#: and sometimes whole-metre GPS (6048438275.gpx: 0.81 m); docs/elevation-accuracy.md. As
#: GPS altitude a quiet track keeps its small climbs (the hysteresis scales with its noise)
#: and terrain tiles replace it when given. "StravaGPX" alone is Strava's web export of any
#: device's activity, so it stays unknown.
_PHONE_APP = re.compile(
    r"""
    ^stravagpx\ (android|iphone|ios)
    | ^(strava\ )?(android|iphone)\b
    | komoot | locus | osmand | runkeeper | runtastic | adidas\ running | sportractive | mytrails
    | ^sports\ tracker | endomondo | map\ ?my\ ?(run|fitness|ride|walk) | wikiloc | alltrails
    | open\ gpx\ tracker | gpslogger | geo\ tracker | opentracks | nike\ run
    """,
    re.VERBOSE,
)

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


def label_is_barometric(label: Optional[str]) -> Optional[bool]:
    """:func:`is_barometric` of a device label as GPX and TCX files write it.

    Examples
    --------
    >>> label_is_barometric("Forerunner 410 Software Version 2.40")
    False
    >>> label_is_barometric("StravaGPX") is None
    True
    >>> label_is_barometric("StravaGPX Android"), label_is_barometric("Locus Map, Android")
    (False, False)
    """
    if not label:
        return None
    label = str(label).lower()
    if _BAROMETRIC.search(label):
        return True
    return False if (_NO_BAROMETER.search(label) or _PHONE_APP.search(label)) else None


def is_barometric(
    manufacturer: Optional[str], product: Optional[str], product_name: Optional[str] = None
) -> Optional[bool]:
    """Whether the device has a barometric altimeter: True, False (known to have none) or None.

    Examples
    --------
    >>> is_barometric("garmin", "fenix6x")
    True
    >>> is_barometric("garmin", "fr630")
    False
    >>> is_barometric("suunto", "35", "Suunto 9"), is_barometric("suunto", "34", "Suunto 9 Baro")
    (False, True)
    >>> is_barometric("stryd", "0") is None
    True
    """
    return label_is_barometric(device_label(manufacturer, product, product_name))
