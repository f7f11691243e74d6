"""The assessment engine: findings in, classification with reasons out.

References
----------
.. [1] Albanese A, et al. Phenomenology and classification of dystonia: a consensus update.
   Mov Disord 2013;28:863-873. doi:10.1002/mds.25475
.. [2] Albanese A, et al. EFNS guidelines on diagnosis and treatment of primary dystonias.
   Eur J Neurol 2011;18:5-18. doi:10.1111/j.1468-1331.2010.03042.x
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from dystonia.clinical.assessment import Assessment, EtiologyResult
from dystonia.clinical.codes import assign_codes
from dystonia.clinical.distribution import aggregate, classify_distribution
from dystonia.clinical.etiology import assess_etiology, categorize
from dystonia.clinical.findings import Findings, parse_findings
from dystonia.clinical.forms import cervical_subtype, focal_forms
from dystonia.clinical.options import AssessOptions
from dystonia.clinical.trace import Trace
from dystonia.clinical.treatment import treatment_options
from dystonia.clinical.workup import DIAGNOSTIC_ITEMS, plan_workup
from dystonia.knowledge import rulebook

__all__ = ["assess", "onset_band"]

_MOVEMENT = ("parkinsonism", "myoclonus", "chorea")
_BANDS = (
    (2, "infancy"), (12, "childhood"), (20, "adolescence"), (40, "early_adulthood"),
)  # fmt: skip


def onset_band(age_at_onset: float | None) -> str | None:
    """Age-at-onset band in completed years (40.9 is early adulthood; over 40 is late)."""
    if age_at_onset is None:
        return None
    years = int(age_at_onset)
    for upper, band in _BANDS:
        if years <= upper:
            return band
    return "late_adulthood"


def _associated(f: Findings, trace: Trace) -> tuple[bool, list[str]]:
    features: list[str] = [w for w in f.associated_features if w != "tremor"]
    if "parkinsons_disease" in f.history and "parkinsonism" not in features:
        features.insert(0, "parkinsonism")
    if not features:
        tremor = " (with tremor)" if "tremor" in f.associated_features else ""
        trace.add(
            "associated.isolated",
            f"Dystonia{tremor} with no other neurological or systemic feature: isolated.",
        )
        return True, []
    movement = [w for w in features if w in _MOVEMENT]
    other = [w for w in features if w not in _MOVEMENT]
    parts = []
    if movement:
        parts.append("other movement disorders: " + ", ".join(movement))
    if other:
        parts.append("other features: " + ", ".join(other).replace("_", " "))
    trace.add("associated.combined", "Combined dystonia (" + "; ".join(parts) + ").")
    return False, features


def _red_flags(f: Findings, distribution: str, isolated: bool) -> list[str]:
    flags = []
    onset = f.age_at_onset
    if onset is not None and int(onset) <= 2:
        flags.append("onset in infancy")
    if f.onset_mode == "sudden":
        flags.append("sudden onset")
    if f.fixed_posture:
        flags.append("fixed posture")
    if distribution == "hemidystonia":
        flags.append("hemidystonia: look for a contralateral lesion")
    if onset is not None and int(onset) >= 21 and distribution == "generalized":
        flags.append("generalized dystonia with adult onset")
    if (
        f.onset_region
        and f.onset_region.startswith(("left_leg", "right_leg"))
        and onset is not None
        and int(onset) >= 21
    ):
        flags.append("adult onset in a leg")
    for w in ("bulbar_signs", "oculogyric_crisis", "hepatic_disease", "psychiatric_symptoms",
              "cognitive_impairment", "seizures", "pyramidal_signs", "retinopathy"):  # fmt: skip
        if w in f.associated_features:
            flags.append(w.replace("_", " "))
    if f.course == "progressive" and onset is not None and int(onset) <= 20:
        flags.append("progressive early-onset dystonia")
    return flags


def assess(
    findings: Findings | Mapping[str, Any],
    *,
    options: AssessOptions | None = None,
    **overrides: Any,
) -> Assessment:
    """Classify dystonia from findings (Albanese et al. 2013) with causes, work-up and treatment.

    Parameters
    ----------
    findings : Findings or mapping
        The findings (contracts/clinical.md); a mapping is validated first.
    options : AssessOptions, optional
        Rule parameters; defaults come from ``knowledge/rules.yaml``.
    **overrides
        Individual option values (e.g. ``wilson_age_threshold_years=40``) when ``options`` is
        not given.

    Returns
    -------
    Assessment
        Every conclusion with its rule and source in ``rationale``.

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        Invalid findings or options (field, value, allowed values).
    """
    f = parse_findings(findings)
    o = options if options is not None else AssessOptions.from_rulebook(**overrides)
    trace = Trace()

    band = onset_band(f.age_at_onset)
    if band is None:
        trace.add("onset.band", "Age at onset unknown: no band.")
    else:
        trace.add("onset.band", f"Onset at {f.age_at_onset:g} years: {band.replace('_', ' ')}.")

    agg = aggregate(f.regions)
    if len(agg) != len(set(f.regions)) or any(
        "_" in r and r.endswith(("proximal", "distal")) for r in f.regions
    ):
        trace.add("distribution.aggregate", "Regions aggregated: " + ", ".join(agg) + ".")
    distribution, rule = classify_distribution(
        f.regions,
        convention=o.distribution_convention,
        hemidystonia_allows_axial=o.hemidystonia_allows_axial,
    )
    detail: dict[str, Any] = {"regions": len(agg)}
    if distribution == "generalized":
        detail["with_legs"] = any(r.endswith("_leg") for r in agg)
    trace.add(rule, f"{len(agg)} region(s) ({', '.join(agg)}): {distribution}.")

    forms = focal_forms(f, agg, trace)
    colcap = cervical_subtype(f, trace)

    temporal = {"course": f.course, "variability": list(f.variability)}
    if f.course or f.variability:
        trace.add(
            "temporal.pattern",
            "Course: "
            + (f.course or "not given")
            + "; variability: "
            + (", ".join(f.variability).replace("_", " ") or "not given")
            + ".",
        )

    isolated, combined_with = _associated(f, trace)
    e = assess_etiology(f, o, trace)
    workup = plan_workup(f, o, e, distribution=distribution, isolated=isolated, trace=trace)
    outstanding = [w["id"] for w in workup if w["id"] in DIAGNOSTIC_ITEMS]
    categorize(f, e, isolated=isolated, outstanding=outstanding, trace=trace)
    treatment = treatment_options(
        f, e, distribution=distribution, forms=forms, isolated=isolated, trace=trace
    )
    codes = assign_codes(e, distribution=distribution, forms=forms, trace=trace)
    book = rulebook()
    return Assessment(
        onset_band=band,
        distribution=distribution,
        focal_forms=forms,
        isolated=isolated,
        etiology=EtiologyResult(category=e.category, suspected=e.suspected, subtype=e.subtype),
        workup=workup,
        treatment=treatment,
        codes=codes,
        rationale=trace.reasons,
        regions_aggregated=list(agg),
        distribution_detail=detail,
        cervical_subtype=colcap,
        temporal=temporal,
        combined_with=combined_with,
        red_flags=_red_flags(f, distribution, isolated),
        rules_version=book.version,
        classification_version=book.classification_version,
        options=asdict(o),
    )
