"""Border tolerance: how deep an excursion into another country must go to count, and its bounds."""

from __future__ import annotations

import math

from .errors import ToleranceError

__all__ = ["DEFAULT_TOLERANCE_M", "MAX_TOLERANCE_M", "check_tolerance"]

# A crossing counts only when the route goes deeper than this into another country.
# Justification (see README, "Border tolerance"): along the Aras the OpenStreetMap polygons
# of neighbouring countries leave gaps of up to ~100 m (the Armenia–Iran border is 34 km
# where the two outlines coincide and 44 km within 100 m), the river channel is 50–150 m
# wide, and the lines digitised along a bank sit 300 m from the border. 500 m covers these
# and stays far below the narrowest territory a route really crosses (the Meghri strip).
DEFAULT_TOLERANCE_M = 500.0
# The largest tolerance accepted: 50 km is wider than any border strip a route may follow (the
# Meghri strip between Azerbaijan and Iran is 30-40 km wide) and bounds the work per segment.
MAX_TOLERANCE_M = 50_000.0


def check_tolerance(tolerance_m: float) -> float:
    """Return ``tolerance_m`` as a float if it is finite and within 0 … :data:`MAX_TOLERANCE_M` metres.

    Raises
    ------
    ToleranceError
        Otherwise (NaN, infinite, negative, too large or not a number).
    """
    try:
        value = float(tolerance_m)
    except (TypeError, ValueError):
        raise ToleranceError(f"tolerance_m must be a number of metres, not {tolerance_m!r}") from None
    if not math.isfinite(value) or not 0 <= value <= MAX_TOLERANCE_M:
        raise ToleranceError(f"tolerance_m must be finite and between 0 and {MAX_TOLERANCE_M:g} m, not {tolerance_m!r}")
    return value
