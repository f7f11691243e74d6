"""Check FHIR R4B resources before they leave: ``fhir.resources`` plus our own rules.

``fhir.resources`` (pydantic models of FHIR R4B) checks structure, cardinality, primitive syntax
and choice types, but not terminology: it accepts ``Observation.status = "finalish"``. So every
resource the export writes also passes :func:`check_resource`, which enforces

- the required ``status`` bindings (Observation, Procedure, MedicationAdministration,
  MedicationStatement, Questionnaire, QuestionnaireResponse, DocumentReference, ``Bundle.type``)
  and ``Patient.gender``;
- ``Condition.clinicalStatus`` / ``verificationStatus`` present, each with one coding of its HL7
  code system and a code of that system;
- every coding (``coding``, ``meta.tag``, ``meta.security``) from a known system with a code that
  passes the system's check (:mod:`dystonia.interop.fhir_terms`);
- every Quantity in UCUM with a known code; onset ages positive (invariant ``age-1``);
- a botulinum toxin dose is ``[arb'U]`` with unit ``U`` and names its product;
- no empty strings, arrays, objects or nulls; no control characters; finite numbers.

:func:`validate_bundle` runs both on every entry, then checks the bundle: ``urn:uuid`` full URLs,
unique, matching the resource ids, and every reference and questionnaire canonical resolving inside
the bundle.
"""

from __future__ import annotations

import math
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dystonia.exceptions import DystoniaError
from dystonia.interop.fhir_models import (
    contained_type_problem,
    is_resource_type,
    model_problem,
    readable_failures,
    resource_type_reason,
    show,
)
from dystonia.interop.fhir_terms import (
    BOTULINUM_PRODUCT_SYSTEM,
    CONDITION_CLINICAL,
    CONDITION_VER_STATUS,
    REQUIRED_STATUS,
    UCUM,
    UCUM_CODES,
    check_code,
)

__all__ = [
    "FhirValidationError",
    "check_resource",
    "validate_bundle",
    "validate_resource",
]

_GENDERS = frozenset({"male", "female", "other", "unknown"})
_QUESTIONNAIRE_ITEM_TYPES = frozenset(
    {
        "group",
        "display",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    }
)
_QUANTITY_KEYS = frozenset({"valueQuantity", "dose", "onsetAge"})
_CODING_LISTS = frozenset({"coding", "tag", "security"})
_NAME_RE = re.compile(r"^[A-Z]([A-Za-z0-9_]){0,254}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_STRING = 1024 * 1024
_DOUBLE_MAX = int(sys.float_info.max)


class FhirValidationError(DystoniaError):
    """A FHIR resource the workbench built fails validation: a bug, never sent.

    Parameters
    ----------
    resource_type : str
        ``"Observation"``, ``"Bundle"``...
    path : str
        Location inside the resource, e.g. ``"component[1].valueQuantity.code"``.
    reason : str
        What is wrong.
    value : object, optional
        The offending value.
    full_url : str, optional
        The bundle entry, when known.
    """

    exit_code = 1

    def __init__(
        self,
        resource_type: str,
        path: str,
        reason: str,
        *,
        value: Any = None,
        full_url: str | None = None,
    ) -> None:
        self.resource_type = resource_type
        self.path = path
        self.reason = reason
        self.value = value
        self.full_url = full_url
        name = resource_type if len(resource_type) <= 64 else resource_type[:61] + "..."
        where = f"{name}.{path}" if path else name
        shown = "" if value is None else f" ({show(value)})"
        entry = f" [entry {full_url}]" if full_url else ""
        super().__init__(f"FHIR export failed validation: {where}: {reason}{shown}{entry}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


# ------------------------------------------------------------------------------ generic walk
def _check_string(rt: str, path: str, value: str) -> None:
    if not value.strip():
        raise FhirValidationError(rt, path, "empty or blank string", value=value)
    if len(value) > _MAX_STRING:
        raise FhirValidationError(rt, path, "string longer than 1 MiB")
    if _CONTROL_RE.search(value):
        raise FhirValidationError(rt, path, "control character in string", value=value)


def _check_coding(rt: str, path: str, coding: Any) -> None:
    if not isinstance(coding, Mapping):
        raise FhirValidationError(rt, path, "a coding must be an object", value=coding)
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        raise FhirValidationError(rt, path, "a coding needs both system and code", value=coding)
    problem = check_code(system, code)
    if problem is not None:
        raise FhirValidationError(rt, _join(path, "code"), f"{code!r} in {system}: {problem}")


def _check_quantity(rt: str, path: str, q: Any, key: str) -> None:
    if not isinstance(q, Mapping):
        raise FhirValidationError(rt, path, "a Quantity must be an object", value=q)
    value = q.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirValidationError(
            rt, _join(path, "value"), "a Quantity needs a number", value=value
        )
    if q.get("system") != UCUM:
        raise FhirValidationError(
            rt, _join(path, "system"), f"Quantity system must be {UCUM}", value=q.get("system")
        )
    if q.get("code") not in UCUM_CODES:
        raise FhirValidationError(
            rt,
            _join(path, "code"),
            "UCUM code not allowed; allowed: " + ", ".join(sorted(UCUM_CODES)),
            value=q.get("code"),
        )
    if not isinstance(q.get("unit"), str):
        raise FhirValidationError(rt, _join(path, "unit"), "a Quantity needs a human unit")
    if key == "onsetAge" and (q.get("code") != "a" or not value > 0):
        raise FhirValidationError(
            rt,
            path,
            "an Age must be a positive number of years (UCUM 'a'; invariant age-1)",
            value=q,
        )


def _walk(rt: str, path: str, node: Any, key: str = "") -> None:
    if node is None:
        raise FhirValidationError(rt, path, "null is not allowed in FHIR JSON")
    if isinstance(node, bool):
        return
    if isinstance(node, str):
        _check_string(rt, path, node)
    elif isinstance(node, float):
        if not math.isfinite(node):
            raise FhirValidationError(rt, path, "number is not finite", value=node)
    elif isinstance(node, int):
        if abs(node) > _DOUBLE_MAX:
            raise FhirValidationError(rt, path, "integer beyond the range of a double", value=node)
    elif isinstance(node, Mapping):
        if not node:
            raise FhirValidationError(rt, path, "empty object is not allowed in FHIR JSON")
        if key in _QUANTITY_KEYS:
            _check_quantity(rt, path, node, key)
        for k, v in node.items():
            sub = _join(path, str(k))
            if k in _CODING_LISTS and isinstance(v, list):
                for i, coding in enumerate(v):
                    _check_coding(rt, _join(sub, i), coding)
            _walk(rt, sub, v, str(k))
    elif isinstance(node, list):
        if not node:
            raise FhirValidationError(rt, path, "empty array is not allowed in FHIR JSON")
        for i, item in enumerate(node):
            _walk(rt, _join(path, i), item, key)
    else:
        raise FhirValidationError(rt, path, f"{type(node).__name__} is not JSON", value=node)


# ------------------------------------------------------------------------------ per resource
def _status(rt: str, resource: Mapping[str, Any]) -> None:
    allowed = REQUIRED_STATUS.get(rt)
    if allowed is None:
        return
    element = "type" if rt == "Bundle" else "status"
    value = resource.get(element)
    if value not in allowed:
        raise FhirValidationError(
            rt,
            element,
            "not in the required value set; allowed: " + ", ".join(sorted(allowed)),
            value=value,
        )


def _required_concept(rt: str, resource: Mapping[str, Any], element: str, system: str) -> None:
    concept = resource.get(element)
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    ours = [c for c in codings or [] if isinstance(c, Mapping) and c.get("system") == system]
    if len(ours) != 1:
        raise FhirValidationError(
            rt, element, f"needs exactly one coding of {system} (required binding)", value=concept
        )


def _condition(resource: Mapping[str, Any]) -> None:
    _required_concept("Condition", resource, "clinicalStatus", CONDITION_CLINICAL)
    _required_concept("Condition", resource, "verificationStatus", CONDITION_VER_STATUS)


def _patient(resource: Mapping[str, Any]) -> None:
    gender = resource.get("gender")
    if gender is not None and gender not in _GENDERS:
        raise FhirValidationError(
            "Patient", "gender", "allowed: " + ", ".join(sorted(_GENDERS)), value=gender
        )


def _questionnaire_items(items: Any, path: str, seen: set[str]) -> None:
    for i, item in enumerate(items or []):
        where = _join(path, i)
        if item.get("type") not in _QUESTIONNAIRE_ITEM_TYPES:
            raise FhirValidationError(
                "Questionnaire",
                _join(where, "type"),
                "not a Questionnaire item type",
                value=item.get("type"),
            )
        link = item.get("linkId")
        if link in seen:
            raise FhirValidationError(
                "Questionnaire", _join(where, "linkId"), "duplicate linkId", value=link
            )
        seen.add(link)
        _questionnaire_items(item.get("item"), _join(where, "item"), seen)


def _questionnaire(resource: Mapping[str, Any]) -> None:
    name = resource.get("name")
    if name is not None and not (isinstance(name, str) and _NAME_RE.match(name)):
        raise FhirValidationError(
            "Questionnaire", "name", "not usable as an identifier (invariant que-0)", value=name
        )
    for element in ("url", "version"):
        if not resource.get(element):
            raise FhirValidationError(
                "Questionnaire", element, "is required for a canonical questionnaire"
            )
    _questionnaire_items(resource.get("item"), "item", set())


def _questionnaire_response(resource: Mapping[str, Any]) -> None:
    canonical = resource.get("questionnaire")
    if not isinstance(canonical, str) or "|" not in canonical:
        raise FhirValidationError(
            "QuestionnaireResponse",
            "questionnaire",
            "needs the canonical url|version of its questionnaire",
            value=canonical,
        )


def _observation(resource: Mapping[str, Any]) -> None:
    has_value = any(k.startswith("value") for k in resource)
    if has_value and "dataAbsentReason" in resource:
        raise FhirValidationError(
            "Observation", "dataAbsentReason", "only when there is no value (invariant obs-6)"
        )
    for i, comp in enumerate(resource.get("component") or []):
        n = sum(1 for k in comp if k.startswith("value")) + ("dataAbsentReason" in comp)
        if n != 1:
            raise FhirValidationError(
                "Observation",
                _join("component", i),
                "needs exactly one of value[x] or dataAbsentReason",
            )


def _medication_administration(resource: Mapping[str, Any]) -> None:
    rt = "MedicationAdministration"
    medication = resource.get("medicationCodeableConcept")
    if not isinstance(medication, Mapping) or not medication.get("text"):
        raise FhirValidationError(rt, "medicationCodeableConcept.text", "the product is not named")
    dosage = resource.get("dosage")
    dose = dosage.get("dose") if isinstance(dosage, Mapping) else None
    if isinstance(dose, Mapping) and dose.get("code") == "[arb'U]":
        if dose.get("unit") != "U":
            raise FhirValidationError(
                rt, "dosage.dose.unit", "botulinum toxin units are written 'U'", value=dose
            )
        systems = {c.get("system") for c in medication.get("coding") or []}
        if BOTULINUM_PRODUCT_SYSTEM not in systems:
            raise FhirValidationError(
                rt,
                "medicationCodeableConcept.coding",
                "units of botulinum toxin need the product coded: they belong to one product",
            )


_SPECIFIC = {
    "Condition": _condition,
    "Patient": _patient,
    "Questionnaire": _questionnaire,
    "QuestionnaireResponse": _questionnaire_response,
    "Observation": _observation,
    "MedicationAdministration": _medication_administration,
}


def check_resource(resource: Mapping[str, Any]) -> None:
    """Our own checks on one resource (bindings, codes, units, strings).

    Parameters
    ----------
    resource : mapping
        A resource as JSON (``resourceType`` first-level key).

    Raises
    ------
    FhirValidationError
        Naming the resource type and the path of the first problem.

    Examples
    --------
    >>> check_resource({"resourceType": "Observation", "status": "finalish", "code": {"text": "x"}})
    Traceback (most recent call last):
    ...
    dystonia.interop.fhir_validation.FhirValidationError: FHIR export failed validation: \
Observation.status: not in the required value set; allowed: amended, cancelled, corrected, \
entered-in-error, final, preliminary, registered, unknown ('finalish')
    """
    with readable_failures(_failure(resource)):
        _check_resource(resource)


def _type_name(resource: Any) -> str:
    """The resource type to name in a message: short text, else ``Resource``."""
    rt = resource.get("resourceType") if isinstance(resource, Mapping) else None
    return rt if isinstance(rt, str) and 0 < len(rt) <= 64 else "Resource"


def _failure(resource: Any, full_url: str | None = None) -> Callable[[str], FhirValidationError]:
    """The error for how Python failed on a resource (see ``readable_failures``)."""

    def error(reason: str) -> FhirValidationError:
        return FhirValidationError(_type_name(resource), "", reason, full_url=full_url)

    return error


def _check_resource(resource: Mapping[str, Any]) -> None:
    rt = resource.get("resourceType") if isinstance(resource, Mapping) else None
    if not isinstance(rt, str):
        raise FhirValidationError("Resource", "resourceType", "missing", value=resource)
    _status(rt, resource)
    specific = _SPECIFIC.get(rt)
    if specific is not None:
        specific(resource)
    for k, v in resource.items():
        if k == "resourceType":
            continue
        if k in _CODING_LISTS and isinstance(v, list):  # pragma: no cover - not top-level in FHIR
            for i, coding in enumerate(v):
                _check_coding(rt, _join(k, i), coding)
        _walk(rt, k, v, k)


def validate_resource(resource: Mapping[str, Any], *, full_url: str | None = None) -> None:
    """Validate one resource with ``fhir.resources`` (R4B) and then :func:`check_resource`.

    Raises
    ------
    FhirValidationError
        The first problem, with the resource type and path.
    """
    with readable_failures(_failure(resource, full_url)):
        _validate_resource(resource, full_url)


def _validate_resource(resource: Mapping[str, Any], full_url: str | None) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    rt = resource.get("resourceType") if isinstance(resource, Mapping) else None
    if not (isinstance(rt, str) and is_resource_type(rt)):
        raise FhirValidationError(
            _type_name(resource), "resourceType", resource_type_reason(rt), full_url=full_url
        )
    contained = contained_type_problem(resource)
    if contained is not None:
        path, _, reason = contained
        raise FhirValidationError(rt, path, reason, full_url=full_url)
    problem = model_problem(get_fhir_model_class(rt), resource)
    if problem is not None:
        path, msg, _ = problem
        raise FhirValidationError(rt, path, msg, full_url=full_url)
    try:
        _check_resource(resource)
    except FhirValidationError as err:
        raise FhirValidationError(
            err.resource_type, err.path, err.reason, value=err.value, full_url=full_url
        ) from None


def _references(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            sub = _join(path, str(k))
            if k == "reference" and isinstance(v, str):
                yield sub, v
            else:
                yield from _references(v, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _references(item, _join(path, i))


def validate_bundle(bundle: Mapping[str, Any]) -> None:
    """Validate a whole Bundle: every entry, then ids, full URLs and references.

    Raises
    ------
    FhirValidationError
        The first problem, naming the resource type, the path and the entry.
    """
    with readable_failures(_failure({"resourceType": "Bundle"})):
        _validate_bundle(bundle)


def _validate_bundle(bundle: Mapping[str, Any]) -> None:
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise FhirValidationError("Bundle", "resourceType", "not a Bundle")
    _check_resource({k: v for k, v in bundle.items() if k != "entry"})  # type, meta, JSON rules
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FhirValidationError("Bundle", "entry", "must be a list of entries")
    full_urls: set[str] = set()
    canonicals: set[str] = set()
    for i, entry in enumerate(entries):
        where = _join("entry", i)
        full_url = entry.get("fullUrl") if isinstance(entry, Mapping) else None
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(full_url, str) or not full_url.startswith("urn:uuid:"):
            raise FhirValidationError("Bundle", _join(where, "fullUrl"), "must be urn:uuid:...")
        try:
            uid = str(uuid.UUID(full_url.removeprefix("urn:uuid:")))
        except ValueError:
            raise FhirValidationError(
                "Bundle", _join(where, "fullUrl"), "not a UUID", value=full_url
            ) from None
        if full_url in full_urls:
            raise FhirValidationError(
                "Bundle",
                _join(where, "fullUrl"),
                "duplicate fullUrl (invariant bdl-7)",
                value=full_url,
            )
        full_urls.add(full_url)
        if not isinstance(resource, Mapping):
            raise FhirValidationError("Bundle", _join(where, "resource"), "missing")
        if resource.get("id") not in (None, uid):
            raise FhirValidationError(
                _type_name(resource),
                "id",
                "does not match the entry's fullUrl",
                value=resource.get("id"),
                full_url=full_url,
            )
        _validate_resource(resource, full_url)
        if resource.get("resourceType") == "Questionnaire":
            canonicals.add(f"{resource.get('url')}|{resource.get('version')}")
    for entry in entries:
        resource = entry["resource"]
        rt = str(resource["resourceType"])
        for path, ref in _references(resource, ""):
            if ref not in full_urls:
                raise FhirValidationError(
                    rt,
                    path,
                    "reference does not resolve inside the bundle",
                    value=ref,
                    full_url=entry["fullUrl"],
                )
        if rt == "QuestionnaireResponse" and resource.get("questionnaire") not in canonicals:
            raise FhirValidationError(
                rt,
                "questionnaire",
                "no Questionnaire in the bundle has this canonical",
                value=resource.get("questionnaire"),
                full_url=entry["fullUrl"],
            )
    # The resources are validated above; the Bundle's own elements and each entry's other
    # elements are validated here without validating every resource a second time.
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import BundleEntry

    shell = {k: v for k, v in bundle.items() if k != "entry"}
    parts = [("", get_fhir_model_class("Bundle"), shell)]
    parts += [
        (_join("entry", i), BundleEntry, {k: v for k, v in e.items() if k != "resource"})
        for i, e in enumerate(entries)
    ]
    for where, model, data in parts:
        problem = model_problem(model, data)
        if problem is not None:
            path, msg, _ = problem
            raise FhirValidationError("Bundle", ".".join(p for p in (where, path) if p), msg)
