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
