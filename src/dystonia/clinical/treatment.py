"""Treatment options by tier (remove the cause, oral, botulinum toxin, surgery, complementary).

Options are what the sources support for this presentation; choosing among them is the
clinician's decision. Botulinum toxin units are product-specific and never converted.
"""

from __future__ import annotations

from typing import Any

from dystonia.clinical.etiology import Etiology
from dystonia.clinical.findings import Findings
from dystonia.clinical.trace import Trace

__all__ = ["TIERS", "treatment_options"]

TIERS = ("remove_cause", "oral", "botulinum_toxin", "surgery", "complementary")


def treatment_options(
    f: Findings,
    e: Etiology,
    *,
    distribution: str,
    forms: list[str],
    isolated: bool,
    trace: Trace,
) -> list[dict[str, Any]]:
    """Treatment options, each ``{tier, id, reason, rule}``, in tier order."""
    out: list[dict[str, Any]] = []

    def add(tier: str, ident: str, rule: str, reason: str) -> None:
        out.append({"tier": tier, "id": ident, "reason": reason, "rule": rule})
        trace.add(rule, reason)

    s = set(e.suspected)
    drugs_named = sorted({x.name for x in e.exposures if x.timing in {"acute", "tardive"}})
    # remove the cause
    if s & {"drug_acute", "drug_tardive"}:
        add("remove_cause", "stop_dopamine_blocker", "treatment.remove_cause.drug",
            f"Stop or switch {', '.join(drugs_named)} where safe.")  # fmt: skip
    if "wilson" in s:
        add("remove_cause", "treat_wilson_disease", "treatment.remove_cause.wilson",
            "Confirm and treat Wilson disease (chelation or zinc) with hepatology.")  # fmt: skip
    # oral
    if "drug_acute" in s:
        add("oral", "acute_anticholinergic", "treatment.oral.acute_anticholinergic",
            "Acute dystonic reaction: parenteral benztropine or diphenhydramine.")  # fmt: skip
    if "drug_tardive" in s:
        add("oral", "vmat2_inhibitor", "treatment.oral.vmat2",
            "Tardive dystonia: VMAT2 inhibitor (tetrabenazine); watch mood and parkinsonism.")  # fmt: skip
    if "dopa_responsive" in s:
        add("oral", "levodopa", "treatment.oral.levodopa",
            "Suspected dopa-responsive dystonia: low-dose levodopa.")  # fmt: skip
    if "parkinson_associated" in s:
        add("oral", "adjust_dopaminergic_therapy", "treatment.oral.dopaminergic_timing",
            "Parkinson's-associated dystonia: adjust timing and dose of dopaminergic treatment.")  # fmt: skip
    broad = distribution in {"generalized", "segmental", "multifocal", "hemidystonia"}
    if broad and not (s & {"drug_acute", "functional", "wilson"}):
        young = f.age_at_onset is not None and f.age_at_onset <= 20
        add("oral", "anticholinergic", "treatment.oral.anticholinergic",
            f"{distribution.capitalize()} dystonia: trihexyphenidyl, titrated slowly"
            + ("; young patients tolerate it best." if young else "."))  # fmt: skip
        add("oral", "benzodiazepine_or_baclofen", "treatment.oral.other",
            "Clonazepam or baclofen as further oral options.")  # fmt: skip
    # botulinum toxin
    if "drug_acute" not in s and "functional" not in s:
        targets = []
        if "cervical" in forms:
            targets.append("cervical dystonia")
        if "blepharospasm" in forms:
            targets.append("blepharospasm" + (" / cranial dystonia" if "cranial" in forms else ""))
        if "writers_cramp" in forms:
            targets.append("writer's cramp")
        if targets:
            add("botulinum_toxin", "botulinum_toxin", "treatment.botulinum_toxin",
                "Botulinum toxin for " + ", ".join(targets)
                + "; units are product-specific and never converted between products.")  # fmt: skip
    # surgery
    dbs_target = distribution in {"generalized", "segmental"} or "cervical" in forms
    if (
        dbs_target
        and isolated
        and e.category in {"idiopathic", "inherited", "undetermined"}
        and not (
            s
            & {
                "drug_acute",
                "drug_tardive",
                "structural",
                "perinatal",
                "toxic",
                "functional",
                "wilson",
            }
        )
    ):
        note = ""
        if "TOR1A" in e.pathogenic_genes:
            note = " TOR1A-positive dystonia responds well."
        add("surgery", "pallidal_dbs", "treatment.surgery.dbs",
            "Pallidal deep brain stimulation if drugs and botulinum toxin fail." + note)  # fmt: skip
    # complementary
    if "functional" in s:
        add("complementary", "functional_rehabilitation", "treatment.remove_cause.functional",
            "Explain the diagnosis; specialist physiotherapy-led rehabilitation.")  # fmt: skip
    elif "drug_acute" not in s:
        add("complementary", "physical_therapy", "treatment.complementary.physical_therapy",
            "Physical therapy as an adjunct.")  # fmt: skip
    speech = {"laryngeal", "oromandibular", "cranial"} & set(forms)
    if speech or "speech_problems" in f.symptoms:
        add("complementary", "speech_therapy", "treatment.complementary.speech_therapy",
            "Speech and swallowing therapy.")  # fmt: skip
    if {"writers_cramp", "task_specific"} & set(forms):
        add("complementary", "occupational_therapy", "treatment.complementary.occupational_therapy",
            "Occupational therapy and writing or task aids.")  # fmt: skip
    if "cervical" in forms:
        add("complementary", "psychological_support", "treatment.complementary.psychology",
            "Psychological support: mood drives quality of life in cervical dystonia.")  # fmt: skip
    return sorted(out, key=lambda o: TIERS.index(o["tier"]))
