"""A readable clinician report of an assessment (plain text, for the terminal and for print)."""

from __future__ import annotations

from dystonia.clinical.assessment import Assessment

__all__ = ["render_report"]


def _words(items: list[str]) -> str:
    return ", ".join(i.replace("_", " ") for i in items) or "none"


def render_report(a: Assessment, *, with_sources: bool = True) -> str:
    """Render an assessment as plain text with its rationale and sources."""
    lines = ["DYSTONIA ASSESSMENT (Albanese 2013 consensus classification)", ""]
    e = a.etiology
    band = (a.onset_band or "unknown").replace("_", " ")
    lines += [
        f"  Age at onset     {band}",
        f"  Distribution     {a.distribution}"
        + (" (with legs)" if a.distribution_detail.get("with_legs") else ""),
        f"  Regions          {_words(a.regions_aggregated)}",
        f"  Forms            {_words(a.focal_forms)}",
    ]
    if a.cervical_subtype:
        lines.append(f"  COL-CAP          {a.cervical_subtype['type']}")
    lines += [
        f"  Associated       {'isolated' if a.isolated else 'combined: ' + _words(a.combined_with)}",
        f"  Etiology         {e.category}" + (f" ({e.subtype})" if e.subtype else ""),
        f"  Suspected        {_words(e.suspected)}",
    ]
    if a.red_flags:
        lines.append(f"  Red flags        {'; '.join(a.red_flags)}")
    lines += ["", "WORK-UP"]
    lines += [f"  - {w['reason']}" for w in a.workup] or [
        "  - nothing further indicated by the rules"
    ]
    lines += ["", "TREATMENT OPTIONS"]
    lines += [f"  - [{t['tier']}] {t['reason']}" for t in a.treatment] or ["  - none"]
    codes = a.codes
    lines += [
        "",
        "CODES",
        f"  ICD-10-CM {', '.join(codes['icd10cm']) or '-'}   SNOMED CT {', '.join(codes['snomed'])}   HPO {', '.join(codes['hpo'])}",
        "",
        "RATIONALE",
    ]
    for r in a.rationale:
        lines.append(f"  [{r.rule}] {r.statement}")
        if with_sources:
            lines.append(f"      source: {r.source}")
    lines += ["", f"Rules {a.rules_version}. {a.disclaimer}"]
    return "\n".join(lines)
