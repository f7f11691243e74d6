"""A rating scale driven entirely by its definition file.

:class:`DataDrivenScale` compiles a validated :class:`~dystonia.scales.definition.ScaleDefinition`
into plain tuples once, then validates and scores item mappings without further lookups. All
shipped scales use it; a scale with rules that data cannot express would implement
:class:`~dystonia.scales.base.RatingScale` directly.

Validation policy (applies to every scale)
------------------------------------------
1. An item id the scale does not know is an error, with the closest known id suggested.
2. A required item that is missing is an error naming it. Nothing is prorated or imputed.
3. A rating must be a real number (``bool`` and text are refused), finite, within the item's
   range, and a whole number of steps from its minimum (``2.5`` is refused where the step is 1).
4. ``None`` (JSON/YAML ``null``) means "not applicable" and is accepted only for items whose
   definition allows it; such an item adds nothing to its sum.
5. Items in a ``zero_together`` group must be all zero or all non-zero (e.g. Tsui tremor severity
   and tremor duration), so that an inconsistent pair is not silently scored as 0.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dystonia.exceptions import InvalidInputError, short_repr
from dystonia.scales.base import ItemValue, ScaleResult, Subscore, tidy_number
from dystonia.scales.definition import ScaleDefinition

__all__ = ["DataDrivenScale"]

_STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _Item:
    id: str
    field: str
    low: float
    high: float
    step: float
    required: bool
    not_applicable: bool
    allowed: str


@dataclass(frozen=True)
class _Term:
    weight: float
    factors: tuple[tuple[tuple[str, float], ...], ...]
    subscale: str | None


class DataDrivenScale:
    """A :class:`~dystonia.scales.base.RatingScale` built from a definition file.

    Parameters
    ----------
    definition : ScaleDefinition
        The validated definition.
    """

    def __init__(self, definition: ScaleDefinition) -> None:
        self.definition = definition
        self._items = tuple(
            _Item(
                id=item.id,
                field=f"items.{item.id}",
                low=item.min,
                high=item.max,
                step=item.step,
                required=item.required,
                not_applicable=item.not_applicable,
                allowed=item.allowed_text(),
            )
            for item in definition.items
        )
        self._item_ids = tuple(item.id for item in self._items)
        self._known = frozenset(self._item_ids)
        self._terms = tuple(
            _Term(
                weight=term.weight,
                factors=tuple(tuple(factor.items()) for factor in term.factors),
                subscale=term.subscale,
            )
            for term in definition.effective_terms()
        )
        self._sum_subscales = tuple(s.id for s in definition.subscales if s.kind == "sum")
        self._mean_subscales = tuple(
            (s.id, tuple(s.items or ()))
            for s in definition.subscales
            if s.kind == "mean_of_answered"
        )
        self._subscale_order = tuple(s.id for s in definition.subscales)
        self._zero_together = tuple(tuple(group) for group in definition.zero_together)
        others = [v for v in definition.versions if v != definition.version]
        self._versions = (definition.version, *others)
        self._subscale_max = {
            version: {s: definition.subscale_max(s, version=version) for s in self._subscale_order}
            for version in self._versions
        }

    # -- RatingScale protocol -------------------------------------------------------------
    @property
    def name(self) -> str:
        """Fixed scale name."""
        return self.definition.name

    @property
    def title(self) -> str:
        """Human-readable title."""
        return self.definition.title

    @property
    def default_version(self) -> str:
        """Version used when none is asked for."""
        return self.definition.version

    @property
    def versions(self) -> tuple[str, ...]:
        """All versions, default first."""
        return self._versions

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in definition order."""
        return self._item_ids

    def max_score(self, *, version: str | None = None) -> float:
        """Largest total the version states."""
        return self.definition.versions[self._resolve_version(version)].max

    def score(self, items: Mapping[str, ItemValue], *, version: str | None = None) -> ScaleResult:
        """Validate ``items`` and score them.

        Parameters
        ----------
        items : mapping of str to float or None
            Rating per item id.
        version : str, optional
            Version whose maxima apply; the default version when omitted.

        Returns
        -------
        ScaleResult

        Raises
        ------
        InvalidInputError
            Unknown version or item, missing required item, or a rating that is not a number,
            out of range, not an allowed step, or null where "not applicable" is not allowed.
        """
        version_id = self._resolve_version(version)
        values = self._validate(items)
        total = 0.0
        sums = dict.fromkeys(self._sum_subscales, 0.0)
        for term in self._terms:
            value = term.weight
            for factor in term.factors:
                part = 0.0
                for item_id, coefficient in factor:
                    rating = values[item_id]
                    if rating is not None:
                        part += coefficient * rating
                value *= part
            total += value
            if term.subscale is not None:
                sums[term.subscale] += value
        maxima = self._subscale_max[version_id]
        subscores: dict[str, Subscore] = {}
        for sub_id in self._subscale_order:
            if sub_id in sums:
                subscores[sub_id] = Subscore(value=sums[sub_id], max=maxima[sub_id])
        for sub_id, members in self._mean_subscales:
            answered = [r for r in (values[i] for i in members) if r is not None]
            if not answered:
                raise InvalidInputError(
                    "items",
                    None,
                    reason=(
                        f"every item of {sub_id!r} is 'not applicable'; at least one must be rated"
                    ),
                )
            subscores[sub_id] = Subscore(value=sum(answered) / len(answered), max=maxima[sub_id])
        return ScaleResult(
            scale=self.name,
            version=version_id,
            total=total,
            max=self.definition.versions[version_id].max,
            subscores={k: subscores[k] for k in self._subscale_order},
            items=values,
        )

    def describe(self) -> dict[str, Any]:
        """JSON-ready description of the scale (what ``dystonia scales --json`` prints)."""
        d = self.definition
        subscale_of = {
            item_id: term.subscale for term in d.effective_terms() for item_id in term.item_ids()
        }
        items = []
        for item in d.items:
            entry: dict[str, Any] = {
                "id": item.id,
                "label": item.label,
                "min": tidy_number(item.min),
                "max": tidy_number(item.max),
                "step": tidy_number(item.step),
                "allowed": item.allowed_text(),
                "required": item.required,
                "not_applicable": item.not_applicable,
                "subscale": subscale_of.get(item.id),
            }
            if item.anchors and d.licence.item_text_shipped:
                entry["anchors"] = {str(tidy_number(k)): v for k, v in item.anchors.items()}
            items.append(entry)
        return {
            "name": d.name,
            "title": d.title,
            "measures": d.measures,
            "version": d.version,
            "max": tidy_number(self.max_score()),
            "versions": {
                vid: {
                    "label": d.versions[vid].label,
                    "max": tidy_number(d.versions[vid].max),
                    "subscale_max": {k: tidy_number(v) for k, v in self._subscale_max[vid].items()},
                    "source": d.versions[vid].source.model_dump(exclude_none=True),
                    **({"note": d.versions[vid].note} if d.versions[vid].note else {}),
                }
                for vid in self._versions
            },
            "subscales": [
                {
                    "id": s.id,
                    "label": s.label,
                    "kind": s.kind,
                    "max": tidy_number(self._subscale_max[d.version][s.id]),
                }
                for s in d.subscales
            ],
            "items": items,
            "terms": [
                {
                    "id": t.id,
                    "weight": tidy_number(t.weight),
                    "factors": [{k: tidy_number(v) for k, v in f.items()} for f in t.factors],
                    "subscale": t.subscale,
                }
                for t in d.effective_terms()
            ],
            "source": d.source.model_dump(exclude_none=True),
            "licence": d.licence.model_dump(),
        }

    # -- internals ------------------------------------------------------------------------
    def _resolve_version(self, version: str | None) -> str:
        if version is None:
            return self.definition.version
        if not isinstance(version, str) or version not in self.definition.versions:
            raise InvalidInputError("version", version, allowed=self._versions)
        return version

    def _validate(self, items: Mapping[str, ItemValue]) -> dict[str, ItemValue]:
        if not isinstance(items, Mapping):
            raise InvalidInputError(
                "items", type(items).__name__, reason="must be a mapping of item id to rating"
            )
        for key in items:
            if key not in self._known:
                shown = key if isinstance(key, str) else short_repr(key)
                raise InvalidInputError(
                    f"items.{shown}", key, allowed=self._item_ids, reason="unknown item"
                )
        missing = [item.id for item in self._items if item.required and item.id not in items]
        if missing:
            also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
            raise InvalidInputError(
                f"items.{missing[0]}", None, reason=f"is required and missing{also}"
            )
        values: dict[str, ItemValue] = {}
        for item in self._items:
            values[item.id] = self._check_value(item, items.get(item.id))
        for group in self._zero_together:
            zero = [values[i] == 0 for i in group]
            if any(zero) and not all(zero):
                first_zero = group[zero.index(True)]
                culprit = group[zero.index(False)]
                raise InvalidInputError(
                    f"items.{culprit}",
                    values[culprit],
                    allowed=f"0, because {first_zero} is 0",
                    reason=f"must be 0 exactly when {', '.join(group)} are 0",
                )
        return values

    @staticmethod
    def _check_value(item: _Item, raw: object) -> ItemValue:
        if raw is None:
            if item.not_applicable:
                return None
            raise InvalidInputError(
                item.field, None, allowed=item.allowed, reason="null is not a number"
            )
        plain = type(raw) is int or type(raw) is float  # fast path; bool is not plain
        if not plain and (isinstance(raw, bool) or not isinstance(raw, numbers.Real)):
            raise InvalidInputError(
                item.field, raw, allowed=item.allowed, reason=f"{short_repr(raw)} is not a number"
            )
        try:
            value = float(raw)  # type: ignore[arg-type]
        except OverflowError:  # an int too large for a float: finite, but out of any range
            raise InvalidInputError(
                item.field, raw, allowed=item.allowed, reason=f"{short_repr(raw)} is out of range"
            ) from None
        if not math.isfinite(value):
            raise InvalidInputError(
                item.field, raw, allowed=item.allowed, reason=f"{short_repr(raw)} is not finite"
            )
        if value < item.low or value > item.high:
            raise InvalidInputError(
                item.field, raw, allowed=item.allowed, reason=f"{short_repr(raw)} is out of range"
            )
        steps = (value - item.low) / item.step
        if abs(steps - round(steps)) > _STEP_TOLERANCE:
            raise InvalidInputError(
                item.field,
                raw,
                allowed=item.allowed,
                reason=f"{short_repr(raw)} is not an allowed step",
            )
        return value
