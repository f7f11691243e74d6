"""Published cases and case series classify as their sources say (published_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dystonia import assess

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "published_cases.yaml").read_text(encoding="utf-8")
)


def test_at_least_fifteen_cases_with_sources() -> None:
    assert len(CASES) >= 15
    assert all(case["source"] and case["expect"] for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_classifies_as_source_says(case: dict[str, Any]) -> None:
    result = assess(case["findings"])
    expect = case["expect"]
    workup = [w["id"] for w in result.workup]
    genes = next((w["genes"] for w in result.workup if w["id"] == "genetic_testing"), [])
    treatment = [t["id"] for t in result.treatment]
    checks = {
        "distribution": lambda v: result.distribution == v,
        "with_legs": lambda v: result.distribution_detail.get("with_legs") is v,
        "onset_band": lambda v: result.onset_band == v,
        "forms": lambda v: set(v) <= set(result.focal_forms),
        "isolated": lambda v: result.isolated is v,
        "suspected": lambda v: result.etiology.suspected == v,
        "category": lambda v: result.etiology.category == v,
        "workup": lambda v: set(v) <= set(workup),
        "no_workup": lambda v: not set(v) & set(workup),
        "genes": lambda v: set(v) <= set(genes),
        "treatment": lambda v: set(v) <= set(treatment),
        "icd10cm": lambda v: result.codes["icd10cm"] == v,
        "snomed": lambda v: set(v) <= set(result.codes["snomed"]),
        "hpo": lambda v: set(v) <= set(result.codes["hpo"]),
        "red_flag": lambda v: v in result.red_flags,
    }
    for key, value in expect.items():
        assert checks[key](value), f"{case['id']}: {key} expected {value!r}; got {result.to_dict()}"
    # every conclusion carries a rule and a source
    assert all(r.rule and r.source for r in result.rationale)
