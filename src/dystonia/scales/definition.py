"""The schema of a rating-scale definition file, and the checks run when one is loaded.

A scale is data: one YAML file under ``dystonia/scales/definitions/`` lists its items (id, range,
allowed step), how items combine into terms and subscales, its versions and maxima, its source and
its licence status. This module validates such a file with pydantic and then checks that the
arithmetic it declares is consistent (declared maxima equal the maxima computed from the items),
so that a transcription error in a definition fails at load time, not in a clinic.

Scoring model
-------------
Every scale total is a sum of *terms*. A term is ``weight * prod(factor_k)`` and each factor is a
weighted sum of items, ``sum(coefficient_i * item_i)``. This one form covers all shipped scales:

* a plain item: one factor with one item (GDRS region, BFMDRS disability item);
* a weighted item: TWSTRS duration factor (``weight: 2``);
* a product: BFMDRS region ``provoking x severity x weight``; Tsui ``(rotation + tilt +
  antero/retrocollis) x duration``;
* a weighted mean: TWSTRS pain severity ``(worst + best + 2 x usual) / 4`` (coefficients 1, 1, 2;
  weight 0.25).

A term's maximum is computed from the item maxima; all coefficients and weights are positive and
all item minima are >= 0, so the maximum of a term is reached at the item maxima.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ItemDefinition",
    "LicenceStatus",
    "ScaleDefinition",
    "SourceDefinition",
    "SubscaleDefinition",
    "TermDefinition",
    "VersionDefinition",
]

_ID_PATTERN = r"^[a-z][a-z0-9_]*$"

LicenceStatus = Literal[
    "published_no_licence_body_found",
    "copyright_holder_permission_needed",
    "mds_permission_required",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceDefinition(_Strict):
    """Where the facts of a definition come from."""

    citation: str = Field(min_length=10)
    doi: str | None = None
    url: str | None = None
    note: str | None = None


class LicenceDefinition(_Strict):
    """What may be reproduced, and why."""

    status: LicenceStatus
    item_text_shipped: bool
    note: str = Field(min_length=10)


class ItemDefinition(_Strict):
    """One rated item.

    Attributes
    ----------
    id : str
        Fixed item id (also the FHIR linkId).
    label : str
        Short neutral label (never copyrighted anchor text).
    min, max : float
        Inclusive range of the rating.
    step : float
        Allowed increment from ``min`` (1 means whole numbers only).
    required : bool
        An optional item may be omitted; omission then means "not applicable".
    not_applicable : bool
        The rating may be ``None`` (null), meaning "not applicable"; such an item then adds
        nothing to the sums it belongs to.
    anchors : dict, optional
        Anchor text per rating value; shipped only where the licence allows it.
    """

    id: str = Field(pattern=_ID_PATTERN)
    label: str = Field(min_length=2)
    min: float
    max: float
    step: float = Field(default=1.0, gt=0)
    required: bool = True
    not_applicable: bool = False
    anchors: dict[float, str] | None = None

    @model_validator(mode="after")
    def _check(self) -> ItemDefinition:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min < 0:
            raise ValueError(f"item {self.id}: range must be finite with min >= 0")
        if self.max <= self.min:
            raise ValueError(f"item {self.id}: max must exceed min")
        steps = (self.max - self.min) / self.step
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"item {self.id}: the range is not a whole number of steps")
        if not self.required and not self.not_applicable:
            raise ValueError(f"item {self.id}: an optional item must allow 'not applicable'")
        return self

    def allowed_text(self) -> str:
        """Describe the allowed values in words, for error messages and listings."""
        low, high, step = _tidy(self.min), _tidy(self.max), _tidy(self.step)
        text = f"{low}-{high}, whole numbers" if step == 1 else f"{low}-{high} in steps of {step}"
        if self.not_applicable:
            text += ", or null (not applicable)"
        return text


class TermDefinition(_Strict):
    """One additive term of the total: ``weight * prod(sum(coefficient * item) per factor)``."""

    id: str = Field(pattern=_ID_PATTERN)
    factors: list[dict[str, float]] = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    subscale: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TermDefinition:
        for factor in self.factors:
            if not factor:
                raise ValueError(f"term {self.id}: empty factor")
            if any(c <= 0 or not math.isfinite(c) for c in factor.values()):
                raise ValueError(f"term {self.id}: coefficients must be positive")
        return self

    def item_ids(self) -> list[str]:
        """Ids of the items this term reads, in order."""
        return [item_id for factor in self.factors for item_id in factor]


class SubscaleDefinition(_Strict):
    """A named part of the result.

    ``kind: sum`` subscales partition the total (every term belongs to exactly one of them);
    ``kind: mean_of_answered`` is the mean of the answered (not "not applicable") items listed in
    ``items``, reported beside the total, as the BSDI is published.
    """

    id: str = Field(pattern=_ID_PATTERN)
    label: str
    kind: Literal["sum", "mean_of_answered"] = "sum"
    items: list[str] | None = None


class VersionDefinition(_Strict):
    """A published version or variant of a scale, with the maxima it states."""

    label: str
    max: float
    subscale_max: dict[str, float] = Field(default_factory=dict)
    source: SourceDefinition
    note: str | None = None


class ScaleDefinition(_Strict):
    """A complete, validated rating-scale definition (one YAML file)."""

    name: str = Field(pattern=_ID_PATTERN)
    title: str
    measures: str
    version: str
    versions: dict[str, VersionDefinition]
    source: SourceDefinition
    licence: LicenceDefinition
    items: list[ItemDefinition] = Field(min_length=1)
    terms: list[TermDefinition] | None = None
    subscales: list[SubscaleDefinition] = Field(default_factory=list)
    zero_together: list[list[str]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ScaleDefinition:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: duplicate item ids")
        known = set(ids)
        by_id = {item.id: item for item in self.items}
        if self.version not in self.versions:
            raise ValueError(f"{self.name}: default version {self.version!r} is not listed")
        for term in self.effective_terms():
            unknown = [i for i in term.item_ids() if i not in known]
            if unknown:
                raise ValueError(f"{self.name}: term {term.id} reads unknown items {unknown}")
            reads_na = any(by_id[i].not_applicable for i in term.item_ids())
            if reads_na and len(term.item_ids()) > 1:
                raise ValueError(
                    f"{self.name}: term {term.id}: a 'not applicable' item must be a term alone"
                )
        self._check_subscales(known)
        for group in self.zero_together:
            if len(group) < 2 or any(i not in known for i in group):
                raise ValueError(f"{self.name}: bad zero_together group {group}")
        self._check_maxima()
        return self

    def _check_subscales(self, known: set[str]) -> None:
        sub_ids = [s.id for s in self.subscales]
        if len(set(sub_ids)) != len(sub_ids):
            raise ValueError(f"{self.name}: duplicate subscale ids")
        sums = {s.id for s in self.subscales if s.kind == "sum"}
        for sub in self.subscales:
            if sub.kind == "sum" and sub.items is not None:
                raise ValueError(f"{self.name}: sum subscale {sub.id} takes members from terms")
            if sub.kind == "mean_of_answered":
                members = sub.items or []
                if not members or any(i not in known for i in members):
                    raise ValueError(f"{self.name}: mean subscale {sub.id} needs known items")
                ranges = {(self.item(i).min, self.item(i).max) for i in members}
                if len(ranges) != 1:
                    raise ValueError(f"{self.name}: mean subscale {sub.id} mixes item ranges")
        terms = self.effective_terms()
        if sums:
            for term in terms:
                if term.subscale not in sums:
                    raise ValueError(
                        f"{self.name}: term {term.id} must belong to one sum subscale of {sums}"
                    )
        elif any(term.subscale is not None for term in terms):
            raise ValueError(f"{self.name}: a term names a subscale that is not declared")

    def _check_maxima(self) -> None:
        computed_total = sum(self.term_max(t) for t in self.effective_terms())
        sums = [s.id for s in self.subscales if s.kind == "sum"]
        for version_id, version in self.versions.items():
            unknown = set(version.subscale_max) - set(sums)
            if unknown:
                raise ValueError(f"{self.name}/{version_id}: unknown subscales {sorted(unknown)}")
            if version_id == self.version:
                if version.subscale_max:
                    raise ValueError(f"{self.name}: the default version cannot override maxima")
                if not math.isclose(version.max, computed_total):
                    raise ValueError(
                        f"{self.name}: declared max {version.max} != computed {computed_total}"
                    )
            elif sums:
                stated = sum(self.subscale_max(s, version=version_id) for s in sums)
                if not math.isclose(version.max, stated):
                    raise ValueError(
                        f"{self.name}/{version_id}: max {version.max} != sum of subscale maxima"
                    )

    def item(self, item_id: str) -> ItemDefinition:
        """The item with this id (KeyError if none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def effective_terms(self) -> list[TermDefinition]:
        """The declared terms, or one unit-weight term per item when none are declared."""
        if self.terms is not None:
            return list(self.terms)
        return [TermDefinition(id=item.id, factors=[{item.id: 1.0}]) for item in self.items]

    def term_max(self, term: TermDefinition) -> float:
        """Largest value the term can take (all weights positive, all minima >= 0)."""
        value = term.weight
        for factor in term.factors:
            value *= sum(c * self.item(i).max for i, c in factor.items())
        return value

    def subscale_max(self, subscale_id: str, *, version: str | None = None) -> float:
        """Maximum of a subscale in a version (the version's stated maximum wins)."""
        version_def = self.versions[version or self.version]
        if subscale_id in version_def.subscale_max:
            return version_def.subscale_max[subscale_id]
        sub = next(s for s in self.subscales if s.id == subscale_id)
        if sub.kind == "mean_of_answered":
            return self.item((sub.items or [])[0]).max
        return sum(self.term_max(t) for t in self.effective_terms() if t.subscale == subscale_id)


def _tidy(value: float) -> int | float:
    """Show whole numbers without a decimal point."""
    return int(value) if float(value).is_integer() else value
