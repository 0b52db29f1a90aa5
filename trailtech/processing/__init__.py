"""The signal pipeline: small pure numpy/scipy functions, arrays in, arrays out.

Nothing here imports anything else from trailtech; tuning values are keyword arguments
with units in their names. The wiring from a Track to these functions is
:mod:`trailtech.prepare`.
"""
