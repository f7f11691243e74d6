"""Named focal forms of dystonia and the COL-CAP subtype of cervical dystonia.

References
----------
.. [1] Albanese A, et al. Mov Disord 2013;28:863-873. doi:10.1002/mds.25475
.. [2] Jost WH, Tatu L. Selection of muscles for botulinum toxin injections in cervical dystonia.
   Mov Disord Clin Pract 2015;2:224-226 (the COL-CAP concept).
"""

from __future__ import annotations

from collections.abc import Sequence

from dystonia.clinical.findings import Findings
from dystonia.clinical.trace import Trace
from dystonia.knowledge import regions as region_table

__all__ = ["FORMS", "cervical_subtype", "focal_forms"]

FORMS = (
    "blepharospasm", "oromandibular", "laryngeal", "cervical", "cranial", "writers_cramp",
    "task_specific", "upper_limb", "lower_limb", "truncal",
)  # fmt: skip

_CRANIAL = ("upper_face", "lower_face", "jaw_tongue", "larynx")


def focal_forms(findings: Findings, agg: Sequence[str], trace: Trace) -> list[str]:
    """Named forms present, in the contract's order, each recorded in the trace."""
    groups = {r: region_table().regions[r].group for r in agg}
    has_arm = any(g == "arm" for g in groups.values())
    has_leg = any(g == "leg" for g in groups.values())
    tasks = set(findings.task_specific)
    action = "action_specific" in findings.variability
    found: list[str] = []

    def add(form: str, rule: str, statement: str) -> None:
        found.append(form)
        trace.add(rule, statement)

    if "upper_face" in agg:
        add("blepharospasm", "form.blepharospasm", "Upper-face (eyelid) dystonia: blepharospasm.")
    if "lower_face" in agg or "jaw_tongue" in agg:
        add("oromandibular", "form.oromandibular", "Lower face or jaw/tongue: oromandibular.")
    if "larynx" in agg:
        add("laryngeal", "form.laryngeal", "Laryngeal dystonia (spasmodic dysphonia).")
    if "neck" in agg:
        add("cervical", "form.cervical", "Neck involvement: cervical dystonia.")
    cranial = [r for r in _CRANIAL if r in agg]
    if len(cranial) >= 2:
        meige = "upper_face" in agg and ("lower_face" in agg or "jaw_tongue" in agg)
        add(
            "cranial",
            "form.cranial",
            f"{len(cranial)} cranial regions ({', '.join(cranial)}): cranial dystonia"
            + (" (blepharospasm with oromandibular dystonia: Meige syndrome)." if meige else "."),
        )
    if has_arm and "writing" in tasks:
        add(
            "writers_cramp",
            "form.writers_cramp",
            "Arm dystonia brought out by writing: writer's cramp.",
        )
    if tasks or action:
        named = ", ".join(sorted(tasks)) if tasks else "a particular action"
        add(
            "task_specific",
            "form.task_specific",
            f"Brought out by {named}: task-specific dystonia.",
        )
    if has_arm:
        add("upper_limb", "form.upper_limb", "Arm involvement: upper-limb dystonia.")
    if has_leg:
        add("lower_limb", "form.lower_limb", "Leg involvement: lower-limb dystonia.")
    if "trunk" in agg:
        add("truncal", "form.truncal", "Trunk involvement: truncal dystonia.")
    return found


def cervical_subtype(findings: Findings, trace: Trace) -> dict[str, object] | None:
    """COL-CAP subtype of cervical dystonia when head/neck directions are given, else None."""
    pattern = list(findings.cervical_pattern)
    if not pattern:
        return None
    caput = [p for p in pattern if p.endswith("caput")]
    collis = [p for p in pattern if p.endswith("collis")]
    shifts = [p for p in pattern if p.endswith("shift")]
    if shifts or (caput and collis):
        kind = "mixed"
    elif caput:
        kind = "caput"
    else:
        kind = "collis"
    trace.add(
        "form.cervical_colcap",
        f"Cervical pattern {', '.join(pattern)}: {kind} type"
        + (" (head on neck, C1-C2 muscles)" if kind == "caput" else "")
        + (" (neck on trunk, C3-C7 muscles)" if kind == "collis" else "")
        + (" (head-on-neck and neck-on-trunk components)" if kind == "mixed" else "")
        + ".",
    )
    return {"type": kind, "caput": caput, "collis": collis, "shift": shifts}
