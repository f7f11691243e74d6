"""Axis II: causes not to miss, and the etiological category.

Each function applies one family of rules from ``knowledge/rules.yaml`` and records what it
concluded in the trace. Suspicions are support for a clinician's decision, never a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dystonia.clinical.findings import Findings
from dystonia.clinical.options import AssessOptions
from dystonia.clinical.trace import Trace
from dystonia.exceptions import InvalidInputError
from dystonia.knowledge import Drug, drugs

__all__ = ["SUSPECTED_ORDER", "DrugExposure", "Etiology", "assess_etiology"]

SUSPECTED_ORDER = (
    "drug_acute", "drug_tardive", "wilson", "dopa_responsive", "parkinson_associated",
    "structural", "perinatal", "toxic", "functional", "genetic",
)  # fmt: skip
ACQUIRED = {"drug_acute", "drug_tardive", "structural", "perinatal", "toxic", "functional"}
_LESIONS = ("putamen_lesion", "basal_ganglia_lesion", "thalamic_lesion")
_ANTIPSYCHOTIC_GROUP = "N05A"
_LITHIUM_GROUP = "N05AN"


@dataclass(frozen=True)
class DrugExposure:
    """A medication of the findings, matched against the drug table."""

    index: int
    name: str
    drug: Drug | None
    kind: str  # "central", "peripheral", "none", "dopaminergic", "unknown"
    timing: str | None = None  # "acute", "tardive", "indeterminate" (central blockers only)


@dataclass
class Etiology:
    """What Axis II concluded, plus facts the work-up and treatment rules need."""

    suspected: list[str] = field(default_factory=list)
    category: str = "undetermined"
    subtype: str | None = None
    exposures: list[DrugExposure] = field(default_factory=list)
    wilson_screen_indicated: bool = False
    wilson_missing_tests: list[str] = field(default_factory=list)
    wilson_clues: list[str] = field(default_factory=list)
    pathogenic_genes: list[str] = field(default_factory=list)
    tested_genes: set[str] = field(default_factory=set)
    functional_clues: list[str] = field(default_factory=list)

    def suspect(self, cause: str) -> None:
        if cause not in self.suspected:
            self.suspected.append(cause)
            self.suspected.sort(key=SUSPECTED_ORDER.index)


def _early(findings: Findings, options: AssessOptions) -> bool:
    onset = findings.age_at_onset
    return onset is not None and int(onset) <= options.early_onset_max_age_years


def _match_drug(index: int, name: str, atc: str | None) -> tuple[Drug | None, str]:
    table = drugs()
    by_name = table.find(name=name)
    by_atc = table.find(atc=atc) if atc else None
    if by_name is not None and by_atc is not None and by_name.name != by_atc.name:
        raise InvalidInputError(
            f"medications[{index}].atc",
            atc,
            reason=f"{atc} is {by_atc.name}, but the name says {by_name.name}",
            allowed=f"{by_name.atc} for {by_name.name}, or leave atc out",
        )
    drug = by_atc or by_name
    if drug is not None:
        return drug, ("dopaminergic" if drug.dopaminergic else drug.blocker)
    if atc and atc.startswith(_ANTIPSYCHOTIC_GROUP) and not atc.startswith(_LITHIUM_GROUP):
        return None, "central"  # an antipsychotic (ATC N05A) not in the table
    return None, "unknown"


def _drug_rules(f: Findings, o: AssessOptions, e: Etiology, trace: Trace) -> None:
    onset = f.age_at_onset
    older = onset is not None and onset >= o.older_age_years
    tardive_min = o.tardive_min_days_older if older else o.tardive_min_days
    for i, med in enumerate(f.medications):
        drug, kind = _match_drug(i, med.name, med.atc)
        label = drug.name if drug else med.name
        timing: str | None = None
        if kind == "central":
            days = med.started_days_before_onset
            if days is not None and days <= o.acute_window_days:
                timing = "acute"
                e.suspect("drug_acute")
                trace.add(
                    "etiology.drug_acute",
                    f"{label} (dopamine-receptor blocker) started {days:g} days before onset, "
                    f"within {o.acute_window_days:g} days: acute dystonic reaction suspected.",
                )
            elif days is not None and days >= tardive_min:
                timing = "tardive"
                e.suspect("drug_tardive")
                trace.add(
                    "etiology.drug_tardive",
                    f"{label} (dopamine-receptor blocker) started {days:g} days before onset, "
                    f"at least {tardive_min:g} days"
                    + (f" (onset at age {o.older_age_years:g} or over)" if older else "")
                    + ": tardive dystonia suspected.",
                )
            else:
                timing = "indeterminate"
                when = "unknown" if days is None else f"{days:g} days before onset"
                trace.add(
                    "etiology.drug_timing_indeterminate",
                    f"{label} (dopamine-receptor blocker), started {when}: the timing fits neither "
                    "an acute reaction nor tardive dystonia; the drug is reviewed.",
                )
        elif kind in {"peripheral", "none"} and drug is not None:
            trace.add(
                "etiology.drug_not_central_blocker",
                f"{drug.name} ({drug.atc}): {drug.note or 'not a central dopamine-receptor blocker'}",
            )
        e.exposures.append(DrugExposure(i, label, drug, kind, timing))


def _wilson_rules(f: Findings, o: AssessOptions, e: Etiology, trace: Trace) -> None:
    t = f.tests
    clues: list[str] = [
        w for w in ("hepatic_disease", "psychiatric_symptoms") if w in f.associated_features
    ]
    if t.kayser_fleischer_rings:
        clues.append("kayser_fleischer_rings")
    onset = f.age_at_onset
    young = onset is None or onset < o.wilson_age_threshold_years
    e.wilson_clues = list(clues)
    if young or clues:
        e.wilson_screen_indicated = True
        why = (
            "age at onset unknown"
            if onset is None
            else f"onset at {onset:g} years, before {o.wilson_age_threshold_years:g}"
            if young
            else ""
        )
        if clues:
            why = (why + "; " if why else "") + "clues: " + ", ".join(clues)
        trace.add("etiology.wilson_screen", f"Screen for Wilson disease ({why}).")
    positive: list[str] = []
    if t.kayser_fleischer_rings:
        positive.append("Kayser-Fleischer rings")
    if t.ceruloplasmin_mg_dl is not None and t.ceruloplasmin_mg_dl < o.ceruloplasmin_low_mg_dl:
        positive.append(
            f"ceruloplasmin {t.ceruloplasmin_mg_dl:g} mg/dL < {o.ceruloplasmin_low_mg_dl:g}"
        )
    if t.urine_copper_ug_24h is not None and t.urine_copper_ug_24h > o.urine_copper_high_ug_24h:
        positive.append(
            f"urinary copper {t.urine_copper_ug_24h:g} ug/24 h > {o.urine_copper_high_ug_24h:g}"
        )
    if "ATP7B" in e.pathogenic_genes:
        positive.append("pathogenic ATP7B variant")
    if positive:
        e.suspect("wilson")
        trace.add(
            "etiology.wilson_suspected", "Wilson disease suspected: " + "; ".join(positive) + "."
        )
    missing = []
    if t.ceruloplasmin_mg_dl is None:
        missing.append("serum ceruloplasmin")
    if t.urine_copper_ug_24h is None:
        missing.append("24-hour urinary copper")
    if t.kayser_fleischer_rings is None:
        missing.append("slit-lamp examination for Kayser-Fleischer rings")
    e.wilson_missing_tests = missing if e.wilson_screen_indicated else []


def _other_causes(f: Findings, o: AssessOptions, e: Etiology, trace: Trace) -> None:
    history = set(f.history)
    mri = set(f.tests.mri_findings)
    early = _early(f, o)
    # dopa-responsive dystonia
    pd = "parkinsons_disease" in history
    legs = any(r.startswith(("left_leg", "right_leg")) for r in f.regions)
    leg_onset = f.onset_region is not None and f.onset_region.startswith(("left_leg", "right_leg"))
    gait = "foot_dragging" in f.symptoms or "difficulty_moving" in f.symptoms
    if f.levodopa_response == "marked" and not pd:
        e.suspect("dopa_responsive")
        trace.add(
            "etiology.dopa_responsive", "Marked response to levodopa outside Parkinson's disease."
        )
    elif early and "diurnal" in f.variability and f.levodopa_response != "none":
        e.suspect("dopa_responsive")
        trace.add(
            "etiology.dopa_responsive",
            f"Onset at {f.age_at_onset:g} years with diurnal fluctuation: dopa-responsive dystonia suspected.",
        )
    elif early and (leg_onset or legs) and gait and f.levodopa_response != "none":
        e.suspect("dopa_responsive")
        trace.add(
            "etiology.dopa_responsive",
            f"Onset at {f.age_at_onset:g} years in a leg with a gait disorder: dopa-responsive "
            "dystonia suspected.",
        )
    if "GCH1" in e.pathogenic_genes:
        e.suspect("dopa_responsive")
    # Parkinson's disease
    if pd:
        e.suspect("parkinson_associated")
        timing = {
            "off_period": "off-period dystonia (relieved by levodopa)",
            "early_morning": "early-morning dystonia before the first dose",
            "peak_dose": "peak-dose dystonia (excess dopaminergic stimulation)",
        }
        named = [timing[t] for t in f.parkinson_dystonia_timing]
        trace.add(
            "etiology.parkinson_associated",
            "Dystonia in Parkinson's disease" + (": " + "; ".join(named) if named else "") + ".",
        )
    # structural
    causes = sorted(history & {"stroke", "head_trauma", "brain_infection"})
    lesions = [m for m in _LESIONS if m in mri]
    if causes or lesions:
        e.suspect("structural")
        trace.add(
            "etiology.structural",
            "Structural cause suspected: " + ", ".join([*causes, *lesions]).replace("_", " ") + ".",
        )
    if f.tests.mri == "abnormal" and not mri:
        trace.add(
            "etiology.structural",
            "MRI reported abnormal without a named finding: name the finding to use it.",
        )
    # perinatal
    perinatal = sorted(history & {"perinatal_injury", "cerebral_palsy"})
    if perinatal:
        e.suspect("perinatal")
        trace.add(
            "etiology.perinatal", "Perinatal cause: " + ", ".join(perinatal).replace("_", " ") + "."
        )
    # toxic
    toxic: list[str] = [str(w) for w in ("toxin_exposure",) if w in history] + [
        m for m in ("pallidal_t1_hyperintensity",) if m in mri
    ]
    if toxic:
        e.suspect("toxic")
        trace.add(
            "etiology.toxic", "Toxic cause suspected: " + ", ".join(toxic).replace("_", " ") + "."
        )
    # functional
    clues = []
    if f.onset_mode == "sudden":
        clues.append("sudden onset")
    if f.fixed_posture:
        clues.append("fixed posture")
    if "peripheral_trauma" in history:
        clues.append("peripheral trauma")
    support = []
    if f.distractible:
        support.append("distractibility")
    if "functional_disorder" in history:
        support.append("prior functional disorder")
    e.functional_clues = clues
    if len(clues) >= o.functional_min_clues:
        e.suspect("functional")
        trace.add(
            "etiology.functional",
            f"{len(clues)} of 3 functional clues ({', '.join(clues)})"
            + (f", supported by {', '.join(support)}" if support else "")
            + ": functional dystonia suspected; a specialist confirms it on positive signs.",
        )
    elif clues or support:
        trace.add(
            "etiology.functional",
            f"Functional clues below the threshold of {o.functional_min_clues}: "
            + ", ".join(clues + support)
            + ".",
        )
    # PKAN
    if "eye_of_the_tiger" in mri:
        e.suspect("genetic")
        trace.add("etiology.pkan_imaging", "Eye-of-the-tiger sign: PKAN (PANK2) suspected.")


def _genetic_rules(f: Findings, e: Etiology, trace: Trace) -> None:
    for result in f.tests.genetic:
        e.tested_genes.add(result.gene)
        if result.result == "pathogenic":
            e.pathogenic_genes.append(result.gene)
            e.suspect("genetic")
            trace.add("etiology.genetic_pathogenic", f"Pathogenic variant in {result.gene}.")
        elif result.result == "vus":
            trace.add(
                "etiology.genetic_vus",
                f"Variant of uncertain significance in {result.gene}: not a genetic diagnosis.",
            )


def _category(
    f: Findings, e: Etiology, isolated: bool, outstanding: list[str], trace: Trace
) -> None:
    acquired = [c for c in e.suspected if c in ACQUIRED]
    if e.pathogenic_genes:
        e.category = "inherited"
        trace.add(
            "category.inherited",
            "Inherited: pathogenic variant in " + ", ".join(e.pathogenic_genes) + ".",
        )
    elif acquired:
        e.category = "acquired"
        trace.add("category.acquired", "Acquired: " + ", ".join(acquired).replace("_", " ") + ".")
    elif isolated and not e.suspected and not outstanding:
        e.category = "idiopathic"
        e.subtype = "familial" if f.family_history else "sporadic"
        trace.add(
            "category.idiopathic",
            f"Idiopathic ({e.subtype}): isolated, no cause suspected, no diagnostic work-up outstanding.",
        )
    else:
        e.category = "undetermined"
        why = []
        if e.suspected:
            why.append("to confirm: " + ", ".join(e.suspected).replace("_", " "))
        if outstanding:
            why.append("work-up outstanding: " + ", ".join(outstanding).replace("_", " "))
        if not isolated and not e.suspected:
            why.append("combined dystonia without an identified cause")
        trace.add("category.undetermined", "Undetermined (" + "; ".join(why) + ").")


def assess_etiology(findings: Findings, options: AssessOptions, trace: Trace) -> Etiology:
    """Apply the Axis II cause rules (everything except the category, see :func:`categorize`)."""
    e = Etiology()
    _genetic_rules(findings, e, trace)
    _drug_rules(findings, options, e, trace)
    _wilson_rules(findings, options, e, trace)
    _other_causes(findings, options, e, trace)
    return e


def categorize(
    findings: Findings, e: Etiology, *, isolated: bool, outstanding: list[str], trace: Trace
) -> None:
    """Set the etiological category by the explicit category rules."""
    _category(findings, e, isolated, outstanding, trace)
