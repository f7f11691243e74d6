"""The one contract every rating scale satisfies, and the result every scale returns.

The JSON form of a result is fixed (it is what ``dystonia score --json`` prints and what the web
API returns)::

    {"scale": "twstrs", "version": "consky_lang_1994", "total": 31.5, "max": 85,
     "subscores": {"severity": {"value": 18, "max": 35}, ...},
     "items": {"rotation": 3, ...}}

``subscores`` maps a subscale id to ``{"value": number, "max": number}``. Whole numbers are written
without a decimal point; an item rated "not applicable" is written as ``null``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dystonia.exceptions import InvalidInputError

__all__ = ["ItemValue", "RatingScale", "ScaleResult", "Subscore", "tidy_number"]

ItemValue = float | None
"""A rating: a number, or ``None`` for "not applicable" where the item allows it."""


def tidy_number(value: float) -> int | float:
    """Return ``value`` as an int when it is a whole number, else as a float.

    Keeps the JSON form stable: ``12`` rather than ``12.0``, ``4.5`` unchanged.
    """
    number = float(value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class Subscore:
    """Value of one subscale and the largest value it can take."""

    value: float
    max: float

    def to_dict(self) -> dict[str, int | float]:
        """JSON form ``{"value": ..., "max": ...}``."""
        return {"value": tidy_number(self.value), "max": tidy_number(self.max)}


@dataclass(frozen=True)
class ScaleResult:
    """The score of one completed rating scale.

    Attributes
    ----------
    scale : str
        Scale name (``"bfmdrs_movement"``).
    version : str
        Version whose maxima apply.
    total : float
        Total score.
    max : float
        Largest total the version states.
    subscores : dict of str to Subscore
        Subscale values and maxima.
    items : dict of str to float or None
        The validated item ratings, in the order of the definition.
    """

    scale: str
    version: str
    total: float
    max: float
    subscores: dict[str, Subscore] = field(default_factory=dict)
    items: dict[str, ItemValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with exactly the keys scale, version, total, max, subscores, items."""
        return {
            "scale": self.scale,
            "version": self.version,
            "total": tidy_number(self.total),
            "max": tidy_number(self.max),
            "subscores": {name: sub.to_dict() for name, sub in self.subscores.items()},
            "items": {
                item_id: None if value is None else tidy_number(value)
                for item_id, value in self.items.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScaleResult:
        """Rebuild a result from its JSON form (the inverse of :meth:`to_dict`)."""
        expected = {"scale", "version", "total", "max", "subscores", "items"}
        if set(data) != expected:
            raise InvalidInputError(
                "result", sorted(data), allowed=sorted(expected), reason="wrong keys"
            )
        return cls(
            scale=str(data["scale"]),
            version=str(data["version"]),
            total=data["total"],
            max=data["max"],
            subscores={
                name: Subscore(value=sub["value"], max=sub["max"])
                for name, sub in data["subscores"].items()
            },
            items=dict(data["items"]),
        )


@runtime_checkable
class RatingScale(Protocol):
    """What every rating scale offers.

    Implementations are pure: no files, no printing. :func:`dystonia.scales.get_scale` returns
    one; the data-driven implementation is
    :class:`dystonia.scales.data_driven.DataDrivenScale`.
    """

    @property
    def name(self) -> str:
        """Fixed scale name, e.g. ``"twstrs"``."""
        ...

    @property
    def title(self) -> str:
        """Human-readable title."""
        ...

    @property
    def default_version(self) -> str:
        """Version used when none is asked for."""
        ...

    @property
    def versions(self) -> tuple[str, ...]:
        """All versions, default first."""
        ...

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in definition order."""
        ...

    def max_score(self, *, version: str | None = None) -> float:
        """Largest total the version states."""
        ...

    def score(self, items: Mapping[str, ItemValue], *, version: str | None = None) -> ScaleResult:
        """Validate the ratings and score them; raise InvalidInputError on any bad rating."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-ready description: items, ranges, subscales, versions, source, licence."""
        ...
