"""The guards the importer and the export's validator share (interop.fhir_models)."""

from __future__ import annotations

from typing import Any

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.interop import FhirValidationError, check_resource, validate_resource
from dystonia.interop.fhir_import import plan_import
from dystonia.interop.fhir_models import (
    contained_type_problem,
    model_problem,
    readable_failures,
    resource_type_reason,
    show,
)


def _deep(depth: int) -> list[Any]:
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    return nested


@pytest.mark.parametrize(
    "value",
    [10**5000, -(10**400), _deep(5000), "x" * 10_000, {"k": [10**5000] * 1000}, "\ud800"],
    ids=["int-5001-digits", "int-401-digits", "deep", "long-text", "nested-ints", "surrogate"],
)
def test_show_never_fails_and_stays_short(value: Any) -> None:
    text = show(value)
    assert 0 < len(text) <= 60


def test_show_describes_integers_it_cannot_print() -> None:
    assert show(10**5000) == "<integer of about 5001 digits>"
    assert show(12345) == "12345"


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (RecursionError(), "is nested too deeply"),
        (ValueError("Exceeds the limit (4300 digits)"), "holds a value that cannot be read"),
        (OverflowError("int too large to convert to float"), "holds a value that cannot be"),
    ],
)
def test_readable_failures_turn_python_errors_into_ours(exc: Exception, said: str) -> None:
    to_ours = readable_failures(lambda reason: InvalidInputError("bundle", reason=reason))
    with pytest.raises(InvalidInputError, match=said), to_ours:
        raise exc


def test_readable_failures_let_our_errors_through() -> None:
    original = InvalidInputError("x", reason="as raised")
    to_ours = readable_failures(lambda reason: InvalidInputError("bundle", reason=reason))
    with pytest.raises(InvalidInputError) as info, to_ours:
        raise original
    assert info.value is original


@pytest.mark.parametrize(
    ("contained", "expected"),
    [
        ([{"resourceType": "Medication"}], None),
        ([{"resourceType": "Medication"}, {"resourceType": "Nope"}], "contained[1].resourceType"),
        ([5], "contained[0].resourceType"),
        (5, None),  # not a list: the model refuses it with its own words
    ],
)
def test_contained_type_problem(contained: Any, expected: str | None) -> None:
    problem = contained_type_problem({"resourceType": "Condition", "contained": contained})
    assert (problem[0] if problem else None) == expected


def test_resource_type_reason() -> None:
    assert "did you mean 'Observation'?" in resource_type_reason("Observationn")
    assert "data type" in resource_type_reason("Coding")
    assert resource_type_reason(None) == "is missing"
    assert len(resource_type_reason("X" * 5000)) < 120


def test_model_problem_reads_fhir_core_failures() -> None:
    from fhir.resources.R4B.bundle import BundleEntry

    problem = model_problem(BundleEntry, {"response": {"status": "200", "outcome": {"resourceType": "Nope"}}})  # fmt: skip
    assert problem is not None and "nested resource" in problem[1]
    assert model_problem(BundleEntry, {"fullUrl": "urn:uuid:x"}) is None


@pytest.mark.parametrize(
    "resource",
    [
        5,
        {"resourceType": 10**5000},
        {"resourceType": "Patient", "contained": [{"resourceType": {"a": 1}}]},
        {"resourceType": "Patient", "extension": _deep(5000)},
        {"resourceType": "Patient", "multipleBirthInteger": 10**400},
    ],
    ids=["not-a-mapping", "huge-int-type", "contained-dict-type", "deep", "int-beyond-double"],
)
def test_validate_resource_hostile(resource: Any) -> None:
    with pytest.raises(FhirValidationError) as info:
        validate_resource(resource)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient", "x": _deep(5000)},
        {"resourceType": "Patient", "x": 10**400},
        {"resourceType": "Patient", "x": {10**5000: 1}},
    ],
    ids=["deep", "int-beyond-double", "huge-int-key"],
)
def test_check_resource_hostile(resource: Any) -> None:
    with pytest.raises(FhirValidationError):
        check_resource(resource)


def test_plan_import_contained_not_a_list_is_a_clear_error() -> None:
    """Found while sharing the guards: ``contained: 5`` raised TypeError in plan_import."""
    statement = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "subject": {"reference": "Patient/1"},
        "medicationCodeableConcept": {"text": "x"},
        "contained": 5,
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": statement}]}
    with pytest.raises(InvalidInputError, match="contained"):
        plan_import(bundle)


def test_plan_import_refuses_nan_in_its_own_words() -> None:
    with pytest.raises(InvalidInputError) as info:
        plan_import('{"resourceType": "Bundle", "total": NaN}')
    assert str(info.value) == "bundle: NaN is not JSON"
