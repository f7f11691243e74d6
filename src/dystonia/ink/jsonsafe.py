"""JSON-safe numbers for reports: None for NaN/inf, rounded to a few significant digits."""

from __future__ import annotations

import math

__all__ = ["num"]


def num(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded to ``digits`` significant digits; None when missing or not finite."""
    if value is None:
        return None
    v = float(value)
    if not math.isfinite(v):
        return None
    if v == 0:
        return 0.0
    return round(v, max(0, digits - 1 - math.floor(math.log10(abs(v)))))
