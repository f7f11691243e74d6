"""A plain-language summary for the patient, assembled from the seed pages' own sentences.

Sentences that would be untrue for this person are left out (for example "cognition is normal"
when cognitive impairment is among the findings).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from dystonia.clinical.assessment import Assessment

__all__ = ["patient_summary"]


@cache
def _text() -> dict[str, Any]:
    raw = resources.files("dystonia.knowledge").joinpath("patient_text.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(raw)
    return data


def patient_summary(assessment: Assessment) -> str:
    """Plain-language text for the patient (a few short paragraphs)."""
    t = _text()
    a = assessment
    paragraphs = [t["what_it_is"]["text"]]
    kind = [t["distribution"][a.distribution]["text"]]
    for form in ("cervical", "blepharospasm", "cranial", "task_specific", "writers_cramp"):
        if form in a.focal_forms:
            kind.append(t["forms"][form]["text"])
    paragraphs.append("Your type: " + " ".join(kind))
    suspected = set(a.etiology.suspected)
    about = []
    if "cognitive_impairment" not in a.combined_with:
        about.append(t["normal_features"]["text"])
    if "functional" not in suspected:
        about.append(t["neurological"]["text"])
    about.append(t["changeable"]["text"])
    paragraphs.append(" ".join(about))
    causes = []
    if suspected & {"drug_acute", "drug_tardive"}:
        causes.append(t["medicines_cause"]["text"])
    if "parkinson_associated" in suspected:
        causes.append(t["parkinson"]["text"])
    if "tremor" in a.combined_with or any(
        r.rule == "associated.isolated" and "tremor" in r.statement for r in a.rationale
    ):
        causes.append(t["tremor"]["text"])
    if causes:
        paragraphs.append(" ".join(causes))
    steps = [t["next_steps"][w["id"]] for w in a.workup if w["id"] in t["next_steps"]]
    if steps:
        paragraphs.append("Next steps your clinician may suggest: " + "; ".join(steps) + ".")
    paragraphs.append(t["no_cure"]["text"] + " " + t["prognosis"]["text"])
    paragraphs.append(t["disclaimer"])
    return "\n\n".join(paragraphs)
