"""Shared state of one FHIR export: stable ids, references, local identifiers, demo tags.

Every resource gets a deterministic UUID (``uuid5`` of the export's ``base_url`` and the record's
kind and id), so exporting the same records twice gives byte-identical bundles and a receiver can
recognise a resource it has seen. Full URLs are ``urn:uuid:<uuid>`` and resource ids are the same
UUID. Records also carry the workbench's own id as an ``Identifier`` (system derived from
``base_url``), which a later import can match on.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.interop.fhir_terms import TAG_SYSTEM, V3_ACT_REASON

__all__ = ["ExportContext", "need", "number", "text"]

JSON = dict[str, Any]


def text(value: object) -> str | None:
    """``value`` as FHIR text, or None when there is no text (None, empty or blank).

    Text is never altered otherwise: markup, quotes and any Unicode travel as they are (JSON
    escaping is the serializer's job; a control character is refused by the validation).
    """
    if value is None:
        return None
    s = value if isinstance(value, str) else str(value)
    return s if s.strip() else None


def need(record: Mapping[str, Any], key: str, where: str) -> Any:
    """``record[key]``, or an :class:`InvalidInputError` naming ``where.key`` when absent."""
    value = record.get(key) if isinstance(record, Mapping) else None
    if value is None:
        raise InvalidInputError(f"{where}.{key}", None, reason="is required")
    return value


def number(value: object, field_name: str) -> int | float:
    """A finite number, unchanged (never rounded or converted), else InvalidInputError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(field_name, value, allowed="a finite number")
    return value


@dataclass
class ExportContext:
    """Ids and shared parts of the resources of one patient's export.

    Parameters
    ----------
    base_url : str
        ``urn:...`` or ``http(s)://...`` naming the workbench installation; it seeds the UUIDs and
        the identifier systems.
    patient_id : int
        The workbench id of the patient.
    demo : bool
        The patient is a fictional demo patient: every resource gets the demo tag and the HL7
        ``HTEST`` (test health data) security label.
    """

    base_url: str
    patient_id: int
    demo: bool
    namespace: uuid.UUID = field(init=False)

    def __post_init__(self) -> None:
        url = self.base_url
        if (
            not isinstance(url, str)
            or not url.startswith(("urn:", "http://", "https://"))
            or any(c.isspace() for c in url)
            or "|" in url
        ):
            raise InvalidInputError(
                "base_url", url, allowed="a URI starting urn:, http:// or https:// (no spaces)"
            )
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, url)

    # ---------------------------------------------------------------------------- ids
    def uuid_for(self, kind: str, key: object) -> str:
        """Deterministic UUID of record ``key`` of ``kind`` (e.g. ``"Observation/diary"``)."""
        return str(uuid.uuid5(self.namespace, f"{kind}/{key}"))

    def full_url(self, kind: str, key: object) -> str:
        """``urn:uuid:`` full URL of a record."""
        return f"urn:uuid:{self.uuid_for(kind, key)}"

    def ref(self, kind: str, key: object) -> JSON:
        """A Reference to a record of this export."""
        return {"reference": self.full_url(kind, key)}

    @property
    def patient_ref(self) -> JSON:
        """Reference to the patient."""
        return self.ref("Patient", self.patient_id)

    def identifier(self, kind: str, key: object) -> JSON:
        """The workbench's own id of a record, as an Identifier (use ``secondary``)."""
        if self.base_url.startswith("urn:"):
            system = f"{self.base_url}:{kind}"
        else:
            system = f"{self.base_url.rstrip('/')}/{kind}"
        return {"use": "secondary", "system": system, "value": str(key)}

    # ---------------------------------------------------------------------------- resources
    def meta(self) -> JSON | None:
        """``meta`` of every resource: demo tag and test-data label for demo patients."""
        if not self.demo:
            return None
        return {
            "tag": [
                {
                    "system": TAG_SYSTEM,
                    "code": "demo",
                    "display": "Fictional demo patient: not a real person",
                }
            ],
            "security": [{"system": V3_ACT_REASON, "code": "HTEST", "display": "test health data"}],
        }

    def entry(self, resource_type: str, kind: str, key: object, body: Mapping[str, Any]) -> JSON:
        """A bundle entry: full URL and the resource with id, meta and ``body``.

        Keys of ``body`` whose value is None or empty are dropped, so builders can write optional
        elements inline.
        """
        uid = self.uuid_for(kind, key)
        resource: JSON = {"resourceType": resource_type, "id": uid}
        meta = self.meta()
        if meta is not None:
            resource["meta"] = meta
        resource.update(prune(body))
        return {"fullUrl": f"urn:uuid:{uid}", "resource": resource}


def prune(node: Any) -> Any:
    """Drop None, empty strings, empty lists and empty objects, recursively."""
    if isinstance(node, Mapping):
        out = {k: prune(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if not _empty(v)}
    if isinstance(node, list):
        items = [prune(v) for v in node]
        return [v for v in items if not _empty(v)]
    return node


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
