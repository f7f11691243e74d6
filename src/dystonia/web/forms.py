"""Findings form: built from the findings model's own schema, so it never drifts from it.

Closed vocabularies become selects and checkbox groups, numbers number inputs, yes/no/unknown
questions three-way selects; the nested parts (medications, tests) are entered as YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from starlette.datastructures import FormData

from dystonia.exceptions import InvalidInputError

__all__ = ["FindingsField", "findings_fields", "findings_from_form"]

# Fields shown first, in the order a clinician examines; the rest follow in model order.
ORDER = (
    "age_at_onset",
    "age",
    "sex",
    "regions",
    "onset_region",
    "course",
    "onset_mode",
    "variability",
    "task_specific",
    "cervical_pattern",
    "sensory_trick",
    "fixed_posture",
    "distractible",
    "family_history",
    "associated_features",
    "symptoms",
    "history",
    "levodopa_response",
    "parkinson_dystonia_timing",
)
HELP = {
    "age_at_onset": "Years; sets the onset band (infancy, childhood, adolescence, early, late adulthood).",
    "regions": "Every body region involved now (Axis I distribution).",
    "variability": "Persistent, action-specific, diurnal, paroxysmal.",
    "task_specific": "Comma-separated tasks, e.g. writing, playing violin.",
    "advanced": "Medications and test results as YAML, e.g. medications: [{name: haloperidol, "
    "started_days_before_onset: 2}] and tests: {ceruloplasmin_mg_dl: 12}.",
}


@dataclass(frozen=True)
class FindingsField:
    """One input of the findings form."""

    name: str
    label: str
    kind: str  # number | select | multi | tristate | text
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


@lru_cache(maxsize=1)
def findings_fields() -> tuple[FindingsField, ...]:
    """The form's fields, derived from :class:`dystonia.clinical.findings.Findings`."""
    from dystonia.clinical.findings import Findings

    props: dict[str, Any] = Findings.model_json_schema()["properties"]
    names = [n for n in ORDER if n in props] + [n for n in props if n not in ORDER]
    out: list[FindingsField] = []
    for name in names:
        spec = props[name]
        variants = spec.get("anyOf", [spec])
        base = next((v for v in variants if v.get("type") != "null"), spec)
        help_text = HELP.get(name)
        if "$ref" in base or "$ref" in base.get("items", {}):
            continue  # nested: the YAML box
        if base.get("type") == "array":
            enum = base.get("items", {}).get("enum")
            if enum:
                out.append(FindingsField(name, _label(name), "multi", tuple(enum), help=help_text))
            else:
                out.append(FindingsField(name, _label(name), "text", help=help_text))
        elif "enum" in base:
            out.append(
                FindingsField(name, _label(name), "select", tuple(base["enum"]), help=help_text)
            )
        elif base.get("type") == "boolean":
            out.append(FindingsField(name, _label(name), "tristate", ("yes", "no"), help=help_text))
        elif base.get("type") in ("number", "integer"):
            out.append(
                FindingsField(
                    name,
                    _label(name),
                    "number",
                    minimum=base.get("minimum"),
                    maximum=base.get("maximum"),
                    help=help_text,
                )
            )
    return tuple(out)


def findings_from_form(form: FormData) -> dict[str, Any]:
    """Turn the submitted form into a findings mapping (validated later by the engine)."""
    data: dict[str, Any] = {}
    for f in findings_fields():
        if f.kind == "multi":
            values = [v for v in form.getlist(f.name) if isinstance(v, str) and v]
            if values:
                data[f.name] = values
            continue
        raw = form.get(f.name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        value = raw.strip()
        if f.kind == "number":
            try:
                data[f.name] = float(value)
            except ValueError:
                raise InvalidInputError(f.name, value, allowed="a number") from None
        elif f.kind == "tristate":
            if value not in ("yes", "no"):
                raise InvalidInputError(f.name, value, allowed=["yes", "no", ""])
            data[f.name] = value == "yes"
        elif f.kind == "text":
            data[f.name] = [t.strip() for t in value.split(",") if t.strip()]
        else:
            data[f.name] = value
    advanced = form.get("advanced")
    if isinstance(advanced, str) and advanced.strip():
        try:
            extra = yaml.safe_load(advanced)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            where = f" at line {line + 1}" if line is not None else ""
            raise InvalidInputError(
                "advanced", "YAML", reason=f"is not valid YAML{where}"
            ) from None
        if not isinstance(extra, dict):
            raise InvalidInputError("advanced", type(extra).__name__, allowed="a YAML mapping")
        for key, value in extra.items():
            data[str(key)] = value
    return data
