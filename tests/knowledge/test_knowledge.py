"""The knowledge files load, hold what the rules rely on, and the generated docs are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dystonia.knowledge import codes, drugs, regions, rulebook

ROOT = Path(__file__).parents[2]


def test_generated_rules_doc_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "render_rules.py"), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_region_word_of_the_contract_is_in_the_table() -> None:
    from dystonia.clinical.findings import REGIONS

    assert set(REGIONS) == set(regions().regions)


def test_drug_table_traps() -> None:
    table = drugs()
    assert table.find(name="metoclopramide").atc == "A03FA01"  # not A04AB01
    assert table.find(atc="N05AN01").blocker == "none"  # lithium is in N05A but not a blocker
    assert table.find(name="domperidone").blocker == "peripheral"
    assert table.find(name="prochlorperazine").blocker == "central"
    assert table.find(name="Sinemet").dopaminergic


def test_only_verified_codes_are_emitted_by_the_map() -> None:
    table = codes()
    for element in table.map.values():
        for systems in element.values():
            for system, values in systems.items():
                for code in values:
                    assert getattr(table, system)[code].verified


def test_rule_ids_unique_and_sourced() -> None:
    ids = [r.id for r in rulebook().rules]
    assert len(ids) == len(set(ids))
    assert all(r.sources for r in rulebook().rules)
