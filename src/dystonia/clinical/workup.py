"""Work-up plan: what to do next to find or exclude a cause, each item with its reason."""

from __future__ import annotations

from typing import Any

from dystonia.clinical.etiology import Etiology
from dystonia.clinical.findings import Findings
from dystonia.clinical.options import AssessOptions
from dystonia.clinical.trace import Trace

__all__ = ["DIAGNOSTIC_ITEMS", "plan_workup"]

DIAGNOSTIC_ITEMS = ("brain_mri", "wilson_screen", "levodopa_trial", "genetic_testing")
_ALTERNATIVE = {
    "drug_acute",
    "drug_tardive",
    "structural",
    "perinatal",
    "toxic",
    "wilson",
    "functional",
}
_ACQUIRED_HISTORY = (
    "stroke", "head_trauma", "brain_infection", "perinatal_injury", "toxin_exposure",
    "cerebral_palsy",
)  # fmt: skip


def _is_limb(region: str | None) -> bool:
    return region is not None and region.startswith(
        ("left_arm", "right_arm", "left_leg", "right_leg")
    )


def _mri_triggers(
    f: Findings, distribution: str, isolated: bool, e: Etiology, o: AssessOptions
) -> list[str]:
    onset = f.age_at_onset
    band_child = onset is not None and int(onset) <= 12
    adult = onset is not None and int(onset) >= 21
    onset_region = f.onset_region
    if onset_region is None and len(set(f.regions)) == 1:
        onset_region = f.regions[0]
    triggers: list[str] = []
    if distribution in {"generalized", "hemidystonia"}:
        triggers.append(f"{distribution} distribution")
    if not isolated:
        triggers.append("combined with other neurological or systemic features")
    if onset is not None and int(onset) <= 2:
        triggers.append("onset in infancy")
    if band_child and onset_region in {"neck", "upper_face", "lower_face", "jaw_tongue", "larynx"}:
        triggers.append("childhood onset in the neck or face")
    if adult and onset_region is not None and onset_region.startswith(("left_leg", "right_leg")):
        triggers.append("adult onset in a leg")
    if f.onset_mode == "sudden":
        triggers.append("sudden onset")
    if f.fixed_posture:
        triggers.append("fixed posture")
    task = bool(f.task_specific) or "action_specific" in f.variability
    if adult and f.course == "progressive" and any(_is_limb(r) for r in f.regions) and not task:
        triggers.append("progressive non-task-specific limb dystonia in an adult")
    history = [h.replace("_", " ") for h in _ACQUIRED_HISTORY if h in f.history]
    if history:
        triggers.append("history of " + ", ".join(history))
    if "wilson" in e.suspected:
        triggers.append("suspected Wilson disease")
    explained = set()
    if "drug_acute" in e.suspected:
        # an acute dystonic reaction explains the sudden onset; it resolves within minutes to days
        explained |= {"sudden onset"}
    if "parkinson_associated" in e.suspected:
        # dystonia of a known Parkinson's disease: parkinsonism and foot onset are expected
        explained |= {"adult onset in a leg"}
        if set(f.associated_features) <= {"parkinsonism", "tremor"}:
            explained |= {"combined with other neurological or systemic features"}
    return [t for t in triggers if t not in explained]


def _genes(
    f: Findings, o: AssessOptions, e: Etiology, isolated: bool, trace: Trace
) -> list[tuple[str, str, str]]:
    """(gene, rule id, reason) for each gene the rules call for."""
    onset = f.age_at_onset
    early = onset is not None and int(onset) <= o.early_onset_max_age_years
    agg_regions = set(f.regions)
    limb_onset = _is_limb(f.onset_region) or (
        f.onset_region is None and all(_is_limb(r) for r in agg_regions)
    )
    craniocervical = bool(
        agg_regions & {"neck", "upper_face", "lower_face", "jaw_tongue", "larynx"}
    )
    wanted: list[tuple[str, str, str]] = []
    primary = not set(e.suspected) & (_ALTERNATIVE | {"genetic", "parkinson_associated"})
    if isolated and primary and onset is not None:
        if limb_onset and onset < o.tor1a_limb_onset_before_years:
            wanted.append(
                ("TOR1A", "workup.genetic.tor1a",
                 f"isolated dystonia with limb onset at {onset:g} years, before {o.tor1a_limb_onset_before_years:g}")
            )  # fmt: skip
        elif f.family_history and early:
            wanted.append(
                ("TOR1A", "workup.genetic.tor1a", "early-onset dystonia with an affected relative")
            )
        if craniocervical and (early or f.family_history):
            wanted.append(
                ("THAP1", "workup.genetic.thap1",
                 "cranio-cervical isolated dystonia, " + ("early onset" if early else "familial"))
            )  # fmt: skip
        elif early and "TOR1A" in e.tested_genes and "TOR1A" not in e.pathogenic_genes:
            wanted.append(
                ("THAP1", "workup.genetic.thap1", "early-onset dystonia after TOR1A was excluded")
            )
    if early and "myoclonus" in f.associated_features:
        wanted.append(("SGCE", "workup.genetic.sgce", "early-onset dystonia with myoclonus"))
    if "dopa_responsive" in e.suspected:
        wanted.append(("GCH1", "workup.genetic.gch1", "dopa-responsive dystonia suspected"))
    if "wilson" in e.suspected:
        wanted.append(("ATP7B", "workup.genetic.atp7b", "Wilson disease suspected on screening"))
    if "eye_of_the_tiger" in f.tests.mri_findings:
        wanted.append(("PANK2", "workup.genetic.pank2", "eye-of-the-tiger sign on MRI"))
    return [w for w in wanted if w[0] not in e.tested_genes]


def plan_workup(
    f: Findings,
    o: AssessOptions,
    e: Etiology,
    *,
    distribution: str,
    isolated: bool,
    trace: Trace,
) -> list[dict[str, Any]]:
    """Work-up items: ``brain_mri``, ``wilson_screen``, ``levodopa_trial``, ``genetic_testing``,
    ``drug_review``, each ``{id, reason, rule, ...}``."""
    items: list[dict[str, Any]] = []
    # brain MRI
    triggers = _mri_triggers(f, distribution, isolated, e, o)
    if triggers and f.tests.mri is None:
        reason = "Brain MRI: " + "; ".join(triggers) + "."
        items.append({"id": "brain_mri", "reason": reason, "rule": "workup.brain_mri"})
        trace.add("workup.brain_mri", reason)
    elif triggers:
        trace.add(
            "workup.brain_mri",
            f"MRI indicated ({'; '.join(triggers)}) and already done: {f.tests.mri}.",
        )
    elif f.tests.mri is None:
        trace.add(
            "workup.brain_mri_not_needed",
            "No MRI trigger: brain MRI is not routinely needed (isolated dystonia without red flags).",
        )
    # Wilson screen (not for an acute dystonic reaction, which resolves)
    acute_only = "drug_acute" in e.suspected and not e.wilson_clues
    if e.wilson_screen_indicated and e.wilson_missing_tests and not acute_only:
        reason = "Wilson screen: " + ", ".join(e.wilson_missing_tests) + "."
        items.append(
            {"id": "wilson_screen", "reason": reason, "rule": "workup.wilson_screen",
             "tests": list(e.wilson_missing_tests)}
        )  # fmt: skip
        trace.add("workup.wilson_screen", reason + " A normal ceruloplasmin does not exclude it.")
    # levodopa trial
    onset = f.age_at_onset
    early = onset is not None and int(onset) <= o.early_onset_max_age_years
    alternative = [c for c in e.suspected if c in _ALTERNATIVE] + [
        g for g in e.pathogenic_genes if g != "GCH1"
    ]
    if f.levodopa_response is None and "parkinson_associated" not in e.suspected:
        if "dopa_responsive" in e.suspected:
            reason = "Levodopa trial: dopa-responsive dystonia suspected."
        elif early and not alternative:
            reason = (
                f"Levodopa trial: early onset ({onset:g} years) without an alternative diagnosis."
            )
        else:
            reason = ""
        if reason:
            items.append(
                {"id": "levodopa_trial", "reason": reason, "rule": "workup.levodopa_trial"}
            )
            trace.add("workup.levodopa_trial", reason)
    # genetic testing
    genes = _genes(f, o, e, isolated, trace)
    if genes:
        reason = "Genetic testing: " + "; ".join(f"{g} ({why})" for g, _, why in genes) + "."
        items.append(
            {"id": "genetic_testing", "reason": reason, "rule": genes[0][1],
             "rules": [r for _, r, _ in genes], "genes": [g for g, _, _ in genes]}
        )  # fmt: skip
        for gene, rule, why in genes:
            trace.add(rule, f"Test {gene}: {why}.")
    # drug review
    reviewed = [x for x in e.exposures if x.kind != "unknown" or x.drug is None]
    if reviewed:
        parts = []
        for x in reviewed:
            what = {
                "central": "dopamine-receptor blocker",
                "peripheral": "peripheral dopamine blocker",
                "none": "not a dopamine-receptor blocker",
                "dopaminergic": "dopaminergic drug",
                "unknown": "not in the drug table",
            }[x.kind]
            parts.append(f"{x.name} ({what})")
        reason = "Review medicines: " + ", ".join(parts) + "."
        items.append({"id": "drug_review", "reason": reason, "rule": "workup.drug_review"})
        trace.add("workup.drug_review", reason)
    return items
