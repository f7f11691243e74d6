"""Condition from a stored assessment: the consensus classification as a provisional diagnosis.

The workbench supports decisions; it does not make diagnoses. Every Condition is therefore
``verificationStatus = provisional`` with a note saying so, ``clinicalStatus = active`` and
``category = problem-list-item``. The code carries the assessment's ICD-10-CM and SNOMED CT codes
(display from ``knowledge/codes.yaml``); its HPO terms, which describe the phenotype rather than the
diagnosis, go to ``evidence.code``. Body sites are the aggregated regions as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dystonia.interop.fhir_context import JSON, ExportContext, need, text
from dystonia.interop.fhir_terms import (
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VER_STATUS,
    HPO,
    ICD10CM,
    SNOMED,
    UCUM,
)
from dystonia.knowledge import codes as code_table
from dystonia.knowledge import regions as region_table

__all__ = ["condition_entry"]

_SYSTEMS = (("icd10cm", ICD10CM), ("snomed", SNOMED))


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _coding(table_name: str, system: str, code: str) -> JSON:
    table = getattr(code_table(), table_name)
    known = table.get(code)
    return {"system": system, "code": code, "display": known.display if known else None}


def _summary(a: Mapping[str, Any]) -> str:
    parts = [f"Dystonia, {_words(a.get('distribution') or 'distribution not stated')}"]
    forms = a.get("focal_forms") or []
    if forms:
        parts[0] += f" ({', '.join(_words(f) for f in forms)})"
    isolated = a.get("isolated")
    if isolated is not None:
        parts.append("isolated" if isolated else "combined")
    etiology = a.get("etiology") or {}
    if etiology.get("category"):
        cause = _words(etiology["category"])
        if etiology.get("subtype"):
            cause += f" ({_words(etiology['subtype'])})"
        parts.append(f"etiology {cause}")
    suspected = etiology.get("suspected") or []
    if suspected:
        parts.append("suspected: " + ", ".join(_words(s) for s in suspected))
    return "; ".join(parts)


def _body_sites(a: Mapping[str, Any], findings: Mapping[str, Any]) -> list[JSON]:
    regions = a.get("regions_aggregated") or findings.get("regions") or []
    table = region_table().regions
    return [
        {"text": table[r].label if r in table else _words(r)}
        for r in dict.fromkeys(str(r) for r in regions)
    ]


def _onset(findings: Mapping[str, Any]) -> JSON:
    age = findings.get("age_at_onset")
    if isinstance(age, bool) or not isinstance(age, int | float):
        return {}
    if age > 0:
        return {"onsetAge": {"value": age, "unit": "years", "system": UCUM, "code": "a"}}
    # Age must be positive (invariant age-1): onset in the first year is said in words
    return {"onsetString": "in the first year of life (age at onset 0 years)"}


def condition_entry(ctx: ExportContext, record: Mapping[str, Any]) -> JSON:
    """The Condition of one non-voided stored assessment."""
    rid = need(record, "id", "assessments[]")
    where = f"assessments[id={rid}]"
    a = need(record, "assessment", where)
    findings = record.get("findings") or {}
    codes = a.get("codes") or {}
    coding = [
        _coding(name, system, str(code))
        for name, system in _SYSTEMS
        for code in codes.get(name, [])
    ]
    hpo = [_coding("hpo", HPO, str(code)) for code in codes.get("hpo", [])]
    rules_version = record.get("rules_version") or a.get("rules_version")
    notes = [
        text(a.get("disclaimer"))
        or "Decision support only: this assessment supports and does not replace a clinician's "
        "judgement.",
        f"Provisional: classified by the Dystonia Workbench rules version {rules_version} "
        f"({a.get('classification_version') or 'albanese-2013'} consensus classification); "
        "the diagnosis rests on the clinician's history and examination.",
    ]
    workup = [w.get("id") for w in a.get("workup") or [] if isinstance(w, Mapping)]
    if workup:
        notes.append("Work-up suggested by the rules: " + ", ".join(_words(w) for w in workup))
    body: JSON = {
        "identifier": [ctx.identifier("assessment", rid)],
        "clinicalStatus": {
            "coding": [{"system": CONDITION_CLINICAL, "code": "active", "display": "Active"}]
        },
        "verificationStatus": {
            "coding": [
                {"system": CONDITION_VER_STATUS, "code": "provisional", "display": "Provisional"}
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": CONDITION_CATEGORY,
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                ]
            }
        ],
        "code": {"coding": coding, "text": _summary(a)},
        "bodySite": _body_sites(a, findings),
        "subject": ctx.patient_ref,
        **_onset(findings),
        "recordedDate": need(record, "assessed_on", where),
        "evidence": [{"code": [{"coding": hpo, "text": "Phenotype (HPO)"}]}] if hpo else None,
        "note": [{"text": n} for n in notes],
    }
    return ctx.entry("Condition", "Condition/assessment", rid, body)
