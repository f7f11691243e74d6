"""Rating scales as FHIR: Questionnaire, QuestionnaireResponse and a score Observation.

One ``Questionnaire`` per scale and version used, with the canonical URL
``https://dystonia-workbench.org/fhir/Questionnaire/<scale>`` and ``version`` = the scale version.
Items are the contract's item ids as ``linkId`` with the project's short labels, the numeric range
as the standard ``minValue``/``maxValue`` extensions, and no verbatim item or anchor text of the
instrument (some are licensed; see ``docs/scales/``). Scale and subscale codes come from the
project CodeSystem ``.../CodeSystem/dystonia-scales`` (no LOINC codes are known for these scales).

Each stored result gives one ``QuestionnaireResponse`` (the item-level source of truth; an item
rated "not applicable" has no answer) and one ``Observation`` (category ``survey``): the total as
``valueQuantity`` in UCUM ``{score}``, subscores as components, ``derivedFrom`` the response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.exceptions import InvalidInputError
from dystonia.interop.fhir_context import JSON, ExportContext, need, number
from dystonia.interop.fhir_terms import (
    OBSERVATION_CATEGORY,
    QUESTIONNAIRE_BASE,
    SCALE_SYSTEM,
    UCUM,
)
from dystonia.scales import get_scale

__all__ = ["questionnaire_entry", "scale_entries", "scale_key"]

_MIN_EXT = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX_EXT = "http://hl7.org/fhir/StructureDefinition/maxValue"
_SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}


def scale_key(record: Mapping[str, Any]) -> tuple[str, str]:
    """(scale, version) of a stored result."""
    return str(need(record, "scale", "scales[]")), str(need(record, "version", "scales[]"))


def _describe(scale: str) -> dict[str, Any] | None:
    try:
        return get_scale(scale).describe()
    except InvalidInputError:
        return None  # a scale no longer shipped: items are taken from the stored results


def _whole(value: object) -> bool:
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _score(value: int | float) -> JSON:
    return {"value": value, "unit": "score", "system": UCUM, "code": "{score}"}


def _canonical(scale: str) -> str:
    return f"{QUESTIONNAIRE_BASE}/{scale}"


def _item(spec: Mapping[str, Any]) -> JSON:
    lo, hi, step = spec.get("min"), spec.get("max"), spec.get("step", 1)
    integer = all(_whole(v) for v in (lo, hi, step) if v is not None)
    kind = "integer" if integer else "decimal"
    value_key = "valueInteger" if integer else "valueDecimal"

    def bound(url: str, v: Any) -> JSON | None:
        if v is None:
            return None
        return {"url": url, value_key: int(v) if integer else v}

    return {
        "linkId": str(spec["id"]),
        "text": spec.get("label"),
        "type": kind,
        # an item that may be rated "not applicable" can stay unanswered
        "required": bool(spec.get("required", True)) and not spec.get("not_applicable", False),
        "extension": [bound(_MIN_EXT, lo), bound(_MAX_EXT, hi)],
    }


def questionnaire_entry(
    ctx: ExportContext, scale: str, version: str, item_ids: list[str]
) -> tuple[JSON, dict[str, str]]:
    """The Questionnaire of one scale version, and the answer type of each linkId.

    ``item_ids`` are the items seen in the stored results (used when the scale is not shipped).
    """
    spec = _describe(scale)
    if spec is not None:
        items = [_item(i) for i in spec["items"]]
        title = spec.get("title") or scale
        label = (spec.get("versions") or {}).get(version, {}).get("label")
    else:
        items = [{"linkId": i, "type": "decimal", "required": False} for i in item_ids]
        title, label = scale, None
    known = {i["linkId"] for i in items}
    items += [
        {"linkId": i, "type": "decimal", "required": False} for i in item_ids if i not in known
    ]
    description = (
        f"{title}, version {version}"
        + (f" ({label})" if label else "")
        + ". Item identifiers, short labels and ranges of the Dystonia Workbench only: the "
        "instrument's own item and anchor wording is not reproduced."
    )
    body: JSON = {
        "url": _canonical(scale),
        "version": version,
        "name": "".join(p.capitalize() for p in f"{scale}_{version}".split("_") if p)[:255],
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": description,
        "code": [{"system": SCALE_SYSTEM, "code": scale, "display": title}],
        "item": items,
    }
    answer_types = {i["linkId"]: i["type"] for i in items}
    return ctx.entry("Questionnaire", "Questionnaire", f"{scale}|{version}", body), answer_types


def _answer(value: Any, kind: str, field_name: str) -> list[JSON] | None:
    if value is None:
        return None  # "not applicable": no answer
    v = number(value, field_name)
    if kind == "integer" and _whole(v):
        return [{"valueInteger": int(v)}]
    return [{"valueDecimal": v}]


def scale_entries(
    ctx: ExportContext, record: Mapping[str, Any], answer_types: Mapping[str, str]
) -> list[JSON]:
    """QuestionnaireResponse and score Observation of one non-voided stored result."""
    rid = need(record, "id", "scales[]")
    where = f"scales[id={rid}]"
    scale, version = scale_key(record)
    spec = _describe(scale)
    title = (spec or {}).get("title") or scale
    sub_labels = {s["id"]: s.get("label") for s in (spec or {}).get("subscales", [])}
    rated_on = need(record, "rated_on", where)
    items: Mapping[str, Any] = record.get("items") or {}
    response: JSON = {
        "identifier": ctx.identifier("scale-result", rid),
        "questionnaire": f"{_canonical(scale)}|{version}",
        "status": "completed",
        "subject": ctx.patient_ref,
        "authored": rated_on,
        "item": [
            {
                "linkId": str(link),
                "answer": _answer(
                    value, answer_types.get(str(link), "decimal"), f"{where}.items.{link}"
                ),
            }
            for link, value in items.items()
        ],
    }
    qr = ctx.entry("QuestionnaireResponse", "QuestionnaireResponse/scale", rid, response)
    total = number(need(record, "total", where), f"{where}.total")
    maximum = record.get("max")
    components = [
        {
            "code": {
                "coding": [
                    {
                        "system": SCALE_SYSTEM,
                        "code": f"{scale}.{name}",
                        "display": sub_labels.get(name) or str(name).replace("_", " "),
                    }
                ],
                "text": f"{title}: {sub_labels.get(name) or name} (max {sub.get('max')})",
            },
            "valueQuantity": _score(
                number(need(sub, "value", f"{where}.subscores.{name}"), f"{where}.subscores")
            ),
        }
        for name, sub in (record.get("subscores") or {}).items()
    ]
    observation: JSON = {
        "identifier": [ctx.identifier("scale-result", rid)],
        "status": "final",
        "category": [_SURVEY],
        "code": {
            "coding": [{"system": SCALE_SYSTEM, "code": scale, "display": title}],
            "text": f"{title} total score",
        },
        "subject": ctx.patient_ref,
        "effectiveDateTime": rated_on,
        "valueQuantity": _score(total),
        "method": {
            "text": f"Scored by the Dystonia Workbench, version {version}"
            + (f" (maximum {maximum})" if maximum is not None else "")
        },
        "derivedFrom": [{"reference": qr["fullUrl"]}],
        "component": components,
    }
    obs = ctx.entry("Observation", "Observation/scale", rid, observation)
    return [qr, obs]
