"""Clinical knowledge as data: regions, drugs, rules with their sources, and codes.

Each YAML file in this folder is loaded once, validated into typed models and cached. The
assessment engine reads facts only from here; ``tools/render_rules.py`` renders them into
``docs/clinical-rules.md``; the tests check every rule id against the code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Drug",
    "DrugTable",
    "Region",
    "RegionTable",
    "Rule",
    "RuleBook",
    "codes",
    "drugs",
    "regions",
    "rulebook",
    "sources",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _load_yaml(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):  # pragma: no cover - shipped files are mappings
        raise TypeError(f"knowledge file {name} must be a mapping")
    return data


# ---------------------------------------------------------------------------------- regions
class Region(_Strict):
    aggregate: str
    group: Literal["cranial", "neck", "trunk", "arm", "leg"]
    side: Literal["left", "right", "midline"]
    label: str


class RegionTable(_Strict):
    version: int
    source: str
    regions: dict[str, Region]
    contiguous_groups: list[tuple[str, str]]

    def groups_contiguous(self, a: str, b: str) -> bool:
        """Whether two region groups touch (order does not matter)."""
        return (a, b) in self.contiguous_groups or (b, a) in self.contiguous_groups


@cache
def regions() -> RegionTable:
    """The region table (``regions.yaml``)."""
    return RegionTable.model_validate(_load_yaml("regions.yaml"))


# ---------------------------------------------------------------------------------- drugs
class Drug(_Strict):
    name: str
    atc: str = Field(pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")
    class_: str = Field(alias="class")
    blocker: Literal["central", "peripheral", "none"]
    dopaminergic: bool = False
    verified: bool
    note: str | None = None


class DrugTable(_Strict):
    version: int
    source: str
    drugs: list[Drug]
    aliases: dict[str, str]

    @model_validator(mode="after")
    def _aliases_resolve(self) -> DrugTable:
        names = {d.name for d in self.drugs}
        missing = sorted(set(self.aliases.values()) - names)
        if missing:  # pragma: no cover - guarded by tests of the shipped file
            raise ValueError(f"aliases point to unknown drugs: {missing}")
        return self

    def find(self, *, name: str | None = None, atc: str | None = None) -> Drug | None:
        """Look a drug up by ATC code first, then by name or alias (case-insensitive)."""
        if atc:
            for drug in self.drugs:
                if drug.atc == atc.upper():
                    return drug
        if name:
            key = " ".join(name.lower().split())
            key = self.aliases.get(key, key)
            for drug in self.drugs:
                if drug.name == key:
                    return drug
        return None


@cache
def drugs() -> DrugTable:
    """The drug table (``drugs.yaml``)."""
    return DrugTable.model_validate(_load_yaml("drugs.yaml"))


# ---------------------------------------------------------------------------------- rules
class Rule(_Strict):
    id: str
    axis: Literal["I", "II", "workup", "treatment", "codes"]
    says: str
    sources: list[str]
    parameters: dict[str, Any] = Field(default_factory=dict)


class RuleBook(_Strict):
    version: str
    classification_version: str
    rules: list[Rule]

    def get(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError when there is none: a programming error)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def source_text(self, rule_id: str) -> str:
        """The rule's sources, as one citation string."""
        table = sources()
        return "; ".join(table[key] for key in self.get(rule_id).sources)

    def defaults(self) -> dict[str, Any]:
        """All rule parameters with their default values."""
        merged: dict[str, Any] = {}
        for rule in self.rules:
            merged.update(rule.parameters)
        return merged


@cache
def sources() -> dict[str, str]:
    """Citation text of every source key (``sources.yaml``)."""
    data = _load_yaml("sources.yaml")["sources"]
    return {str(k): str(v) for k, v in data.items()}


@cache
def rulebook() -> RuleBook:
    """Every rule (``rules.yaml``), each with its sources checked to exist."""
    book = RuleBook.model_validate(_load_yaml("rules.yaml"))
    known = sources()
    ids = [r.id for r in book.rules]
    if len(ids) != len(set(ids)):  # pragma: no cover - guarded by tests
        raise ValueError("duplicate rule ids in rules.yaml")
    for rule in book.rules:
        for key in rule.sources:
            if key not in known:  # pragma: no cover - guarded by tests
                raise ValueError(f"rule {rule.id} cites unknown source {key}")
    return book


# ---------------------------------------------------------------------------------- codes
class Code(_Strict):
    display: str
    verified: bool
    note: str | None = None


class CodeTable(_Strict):
    version: int
    icd10cm: dict[str, Code]
    snomed: dict[str, Code]
    hpo: dict[str, Code]
    map: dict[str, dict[str, dict[str, list[str]]]]


@cache
def codes() -> CodeTable:
    """Code systems and the phenotype-to-code map (``codes.yaml``)."""
    return CodeTable.model_validate(_load_yaml("codes.yaml"))


# ---------------------------------------------------------------------------------- botulinum
__all__ += [
    "BotulinumFact",
    "BotulinumRule",
    "BotulinumTable",
    "DoseLimit",
    "DoseRange",
    "IndicationDosing",
    "InjectionMuscle",
    "ReinjectionInterval",
    "ToxinGuidance",
    "ToxinProduct",
    "ToxinSeverity",
    "ToxinSide",
    "botulinum",
]

ToxinSide = Literal["left", "right", "bilateral", "midline"]
ToxinGuidance = Literal["none", "emg", "ultrasound", "e_stim", "endoscopy"]
ToxinSeverity = Literal["info", "caution", "warning"]
_ATC = r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$"
_KEY = r"^[a-z][a-z0-9_]*$"


class BotulinumFact(_Strict):
    """A statement with its sources; ``verified: false`` = tagged [M] in the research."""

    says: str
    sources: list[str] = Field(min_length=1)
    verified: bool


class DoseRange(_Strict):
    """Usual total units of one product per session for one indication."""

    low_units: float = Field(gt=0)
    high_units: float = Field(gt=0)
    basis: str
    sources: list[str] = Field(min_length=1)
    verified: bool

    @model_validator(mode="after")
    def _ordered(self) -> DoseRange:
        if self.low_units > self.high_units:  # pragma: no cover - guarded by tests
            raise ValueError(f"low_units {self.low_units} above high_units {self.high_units}")
        return self


class ReinjectionInterval(_Strict):
    """Minimum days between two sessions."""

    min_days: int = Field(gt=0)
    says: str
    sources: list[str] = Field(min_length=1)
    verified: bool


class IndicationDosing(_Strict):
    """Dosing facts of one product for one indication."""

    total_units: DoseRange | None = None
    notes: list[BotulinumFact] = Field(default_factory=list)


class DoseLimit(_Strict):
    """A per-site, per-muscle, per-side or cumulative note of a product's label.

    ``scope``: ``site`` = each injection entry (a bilateral entry counts as two sites with half the
    units each); ``muscle`` = sum over the listed muscles, all sides; ``side`` = sum over the listed
    muscles on each side (half of a bilateral entry to each side); ``window`` = sum over the listed
    muscles in this session and the same product's sessions of the last ``window_days`` days.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
    indication: str | None
    scope: Literal["site", "muscle", "side", "window"]
    muscles: list[str] = Field(min_length=1)
    max_units: float = Field(gt=0)
    window_days: int | None = Field(default=None, gt=0)
    says: str
    sources: list[str] = Field(min_length=1)
    verified: bool

    @model_validator(mode="after")
    def _window(self) -> DoseLimit:
        if (self.scope == "window") != (self.window_days is not None):  # pragma: no cover
            raise ValueError(f"limit {self.id}: window_days is required for scope window only")
        return self


class ToxinProduct(_Strict):
    """One botulinum toxin product; its units belong to it and to nothing else."""

    id: str = Field(pattern=_KEY)
    generic_name: str
    brand_names: list[str] = Field(min_length=1)
    serotype: Literal["A", "B"]
    atc: str = Field(pattern=_ATC)
    reinjection: ReinjectionInterval
    dosing: dict[str, IndicationDosing] = Field(default_factory=dict)
    limits: list[DoseLimit] = Field(default_factory=list)
    notes: list[BotulinumFact] = Field(default_factory=list)

    @property
    def display(self) -> str:
        """Generic name with brand names, e.g. ``"onabotulinumtoxinA (Botox)"``."""
        return f"{self.generic_name} ({'/'.join(self.brand_names)})"

    def dose_range(self, indication: str | None) -> DoseRange | None:
        """The usual total-dose range for ``indication``, or None when the data hold none."""
        if indication is None or indication not in self.dosing:
            return None
        return self.dosing[indication].total_units


class InjectionMuscle(_Strict):
    """One muscle of the closed injection vocabulary."""

    label: str
    region: Literal[
        "upper_face", "lower_face", "jaw_tongue", "larynx", "neck", "trunk",
        "arm_proximal", "arm_distal", "leg_proximal", "leg_distal",
    ]  # fmt: skip
    sides: list[ToxinSide] = Field(min_length=1)
    guidance: list[ToxinGuidance] = Field(min_length=1)


class BotulinumRule(_Strict):
    """A warning rule of an injection session; its id is the warning code."""

    id: str = Field(pattern=r"^bont\.[a-z0-9_]+$")
    severity: ToxinSeverity
    says: str
    sources: list[str] = Field(min_length=1)


class BotulinumTable(_Strict):
    """Products, warning rules and injection muscles (``botulinum.yaml``)."""

    version: int
    atc: str = Field(pattern=_ATC)
    atc_sources: list[str] = Field(min_length=1)
    sources: dict[str, str]
    units_policy: BotulinumFact
    rules: list[BotulinumRule]
    indications: dict[str, str]
    guidance: dict[ToxinGuidance, str]
    products: list[ToxinProduct] = Field(min_length=1)
    notes: list[BotulinumFact] = Field(default_factory=list)
    muscles_note: BotulinumFact
    muscles: dict[str, InjectionMuscle] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> BotulinumTable:
        problems: list[str] = []
        ids = [p.id for p in self.products]
        rule_ids = [r.id for r in self.rules]
        limit_ids = [lim.id for p in self.products for lim in p.limits]
        for what, values in (("product", ids), ("rule", rule_ids), ("limit", limit_ids)):
            if len(values) != len(set(values)):
                problems.append(f"duplicate {what} ids")
        names = [n.lower() for p in self.products for n in (p.id, p.generic_name, *p.brand_names)]
        if len(names) != len(set(names)):
            problems.append("a product name or brand is used twice")
        for product in self.products:
            if product.atc != self.atc:
                problems.append(f"{product.id}: ATC {product.atc} is not {self.atc}")
            for indication in product.dosing:
                if indication not in self.indications:
                    problems.append(f"{product.id}: unknown indication {indication}")
            for lim in product.limits:
                if lim.indication is not None and lim.indication not in self.indications:
                    problems.append(f"{lim.id}: unknown indication {lim.indication}")
                problems += [
                    f"{lim.id}: unknown muscle {m}" for m in lim.muscles if m not in self.muscles
                ]
        import re

        for word in self.muscles:
            if not re.match(_KEY, word):
                problems.append(f"muscle word {word!r} is not lower_snake_case")
        if problems:  # pragma: no cover - guarded by tests of the shipped file
            raise ValueError("; ".join(problems))
        return self

    def product(self, name: str) -> ToxinProduct | None:
        """Look a product up by id, generic name or brand name (case-insensitive)."""
        key = " ".join(str(name).split()).lower()
        for product in self.products:
            if key in {n.lower() for n in (product.id, product.generic_name, *product.brand_names)}:
                return product
        return None

    def display_name(self, product_id: str) -> str:
        """A product as clinicians read it (``onabotulinumtoxinA (Botox)``); an unknown id as
        given, never replaced by a guess."""
        found = self.product(product_id)
        return found.display if found else product_id

    def rule(self, rule_id: str) -> BotulinumRule:
        """The warning rule with this id (KeyError when there is none: a programming error)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def cited_sources(self) -> set[str]:
        """Every source key cited anywhere in the table."""
        facts: list[BotulinumFact | DoseRange | ReinjectionInterval | DoseLimit | BotulinumRule]
        facts = [self.units_policy, self.muscles_note, *self.notes, *self.rules]
        for product in self.products:
            facts += [product.reinjection, *product.limits, *product.notes]
            for dosing in product.dosing.values():
                facts += dosing.notes
                if dosing.total_units is not None:
                    facts.append(dosing.total_units)
        return {key for fact in facts for key in fact.sources} | set(self.atc_sources)

    def source_text(self, keys: list[str] | tuple[str, ...]) -> str:
        """The citations of ``keys`` (botulinum sources first, then ``sources.yaml``), joined."""
        known = sources()
        return "; ".join(self.sources.get(key) or known[key] for key in keys)


@cache
def botulinum() -> BotulinumTable:
    """Botulinum toxin products, session warning rules and injection muscles (``botulinum.yaml``).

    Every cited source key exists in ``botulinum.yaml``'s own ``sources`` or in ``sources.yaml``,
    and the two sets of keys do not overlap.
    """
    table = BotulinumTable.model_validate(_load_yaml("botulinum.yaml"))
    known = sources()
    clash = sorted(set(table.sources) & set(known))
    if clash:  # pragma: no cover - guarded by tests
        raise ValueError(f"botulinum.yaml redefines sources of sources.yaml: {clash}")
    missing = sorted(table.cited_sources() - set(known) - set(table.sources))
    if missing:  # pragma: no cover - guarded by tests
        raise ValueError(f"botulinum.yaml cites unknown sources: {missing}")
    return table
