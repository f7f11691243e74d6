"""Interoperability: the workbench's records in HL7 FHIR R4B.

The export is pure: :func:`bundle_from_overview` takes the overview of one patient (what
``Records.overview()`` returns) and gives a JSON-ready FHIR R4B ``Bundle`` of type
``collection``, validated with ``fhir.resources`` (R4B models) and with the project's own checks on
codes, required bindings, units and references before it is returned. Ids are deterministic
(``urn:uuid`` from uuid5), so the same records always give the same bundle. Mapping and decisions:
``docs/fhir.md``.

Requires the ``fhir.resources`` package (8.x; its ``fhir.resources.R4B`` models).

API
---
bundle_from_overview
    One patient's records as a validated Bundle.
validate_bundle, validate_resource, check_resource
    ``fhir.resources`` validation plus our checks (bundle, one resource, our checks only).
FhirValidationError
    A resource the workbench built fails validation (resource type and path in the message).

References
----------
.. [1] HL7 FHIR R4B (4.3.0). https://hl7.org/fhir/R4B/
.. [2] fhir.resources (FHIR models for Python, pydantic v2). https://pypi.org/project/fhir.resources/
"""

from dystonia.interop.fhir import DEFAULT_BASE_URL, bundle_from_overview
from dystonia.interop.fhir_validation import (
    FhirValidationError,
    check_resource,
    validate_bundle,
    validate_resource,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "FhirValidationError",
    "bundle_from_overview",
    "check_resource",
    "validate_bundle",
    "validate_resource",
]
