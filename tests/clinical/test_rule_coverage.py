"""Every rule of knowledge/rules.yaml has a test that names it, and every rule the engine cites
exists; every source a rule cites exists; the option defaults equal the rule book's."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from dystonia.clinical.options import AssessOptions
from dystonia.knowledge import rulebook, sources

SRC = Path(__file__).parents[2] / "src" / "dystonia" / "clinical"


def test_every_rule_has_a_test() -> None:
    tested: set[str] = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        tested |= set(re.findall(r'rule\("([a-z0-9_.]+)"\)', path.read_text(encoding="utf-8")))
    untested = {r.id for r in rulebook().rules if r.axis != "codes"} - tested
    untested |= {r.id for r in rulebook().rules if r.axis == "codes"} - tested
    assert not untested, f"rules without a test: {sorted(untested)}"
    assert tested <= {r.id for r in rulebook().rules}, "a test cites an unknown rule"


def test_code_cites_only_known_rules() -> None:
    cited: set[str] = set()
    for path in SRC.glob("*.py"):
        cited |= set(
            re.findall(
                r'"((?:onset|distribution|form|temporal|associated|etiology|category|workup|treatment|codes)\.[a-z0-9_.]+)"',
                path.read_text(encoding="utf-8"),
            )
        )
    known = {r.id for r in rulebook().rules}
    assert cited <= known, sorted(cited - known)
    assert len(cited) >= 0.9 * len(known)


def test_every_source_exists_and_is_cited() -> None:
    cited = {key for rule in rulebook().rules for key in rule.sources}
    assert cited <= set(sources())
    assert set(sources()) - cited == set(), "sources.yaml holds a source no rule cites"


def test_option_defaults_equal_rulebook_parameters() -> None:
    book = rulebook().defaults()
    for f in fields(AssessOptions):
        assert book[f.name] == f.default, f.name
