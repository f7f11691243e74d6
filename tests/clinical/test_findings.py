"""Input validation: unknown fields or words are errors naming the field, the allowed words and
the closest match; nothing is silently ignored or guessed."""

from __future__ import annotations

from typing import Any

import pytest

from dystonia import assess
from dystonia.exceptions import InvalidInputError


@pytest.mark.parametrize(
    ("findings", "field", "fragment"),
    [
        ({"regions": ["nek"]}, "regions[0]", "did you mean 'neck'"),
        ({"regions": ["neck"], "colour": 1}, "colour", "unknown field"),
        ({"regions": []}, "regions", "at least 1"),
        ({"regions": ["neck"], "age_at_onset": -1}, "age_at_onset", "greater than or equal"),
        (
            {"regions": ["neck"], "age_at_onset": 50, "age": 40},
            "age_at_onset",
            "after the current age",
        ),
        (
            {"regions": ["neck"], "associated_features": ["parkinsonsim"]},
            "associated_features[0]",
            "parkinsonism",
        ),
        ({"regions": ["neck"], "history": ["strok"]}, "history[0]", "stroke"),
        ({"regions": ["neck"], "symptoms": ["pian"]}, "symptoms[0]", "pain"),
        (
            {"regions": ["neck"], "tests": {"mri_findings": ["putamen"]}},
            "tests.mri_findings[0]",
            "putamen_lesion",
        ),
        (
            {"regions": ["neck"], "tests": {"mri": "normal", "mri_findings": ["atrophy"]}},
            "tests.mri_findings",
            "normal",
        ),
        (
            {"regions": ["neck"], "tests": {"genetic": [{"gene": "TOR1A", "result": "positive"}]}},
            "tests.genetic[0].result",
            "pathogenic",
        ),
        (
            {"regions": ["neck"], "medications": [{"name": "x", "atc": "bad"}]},
            "medications[0].atc",
            "pattern",
        ),
        (
            {"regions": ["neck"], "task_specific": ["Writing Fast"]},
            "task_specific[0]",
            "lower-case",
        ),
        (
            {"regions": ["left_arm"], "cervical_pattern": ["torticollis"]},
            "cervical_pattern",
            "neck",
        ),
        ({"regions": ["neck"], "sex": "f"}, "sex", "allowed: female, male, other"),
        ({"regions": ["neck"], "levodopa_response": "good"}, "levodopa_response", "marked"),
    ],
)
def test_invalid_findings_name_the_field(
    findings: dict[str, Any], field: str, fragment: str
) -> None:
    findings.setdefault("age_at_onset", 40)
    with pytest.raises(InvalidInputError) as info:
        assess(findings)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_age_at_onset_is_required_but_may_be_null() -> None:
    with pytest.raises(InvalidInputError, match="age_at_onset: is required"):
        assess({"regions": ["neck"]})
    assert assess({"age_at_onset": None, "regions": ["neck"]}).onset_band is None


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="options.wilson_age"):
        assess({"age_at_onset": 40, "regions": ["neck"]}, wilson_age=30)
    with pytest.raises(InvalidInputError, match="options.distribution_convention"):
        assess({"age_at_onset": 40, "regions": ["neck"]}, distribution_convention="loose")


def test_not_a_mapping() -> None:
    with pytest.raises(InvalidInputError, match="mapping"):
        assess(["neck"])
