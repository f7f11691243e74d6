"""ICD-10-CM, SNOMED CT and HPO codes for the assessed phenotype (verified codes only)."""

from __future__ import annotations

from dystonia.clinical.etiology import Etiology
from dystonia.clinical.trace import Trace
from dystonia.knowledge import codes as code_table

__all__ = ["assign_codes"]


def _verified(system: str, code: str) -> bool:
    table = getattr(code_table(), system)
    return code in table and table[code].verified


def assign_codes(
    e: Etiology, *, distribution: str, forms: list[str], trace: Trace
) -> dict[str, list[str]]:
    """Codes for the assessment: ``{"icd10cm": [...], "snomed": [...], "hpo": [...]}``."""
    s = set(e.suspected)
    icd: list[str] = []
    if "drug_acute" in s:
        icd.append("G24.02")
    if "drug_tardive" in s:
        icd.append("G24.09")
    drug = bool(s & {"drug_acute", "drug_tardive"})
    other_acquired = {"structural", "perinatal", "toxic"}
    functional_only = e.category == "acquired" and "functional" in s and not s & other_acquired
    if not drug and not functional_only:
        if e.category == "acquired":
            icd.append("G24.8")
        elif e.category == "inherited":
            icd.append("G24.1")  # genetic torsion dystonia, whatever the body distribution
        else:
            # form codes name idiopathic or genetic forms: not while another cause is suspected
            open_cause = e.category == "undetermined" and e.suspected
            if "cervical" in forms and not open_cause:
                icd.append("G24.3")
            meige = "blepharospasm" in forms and "oromandibular" in forms
            if "oromandibular" in forms and not open_cause:
                icd.append("G24.4")
            if "blepharospasm" in forms and not meige and not open_cause:
                icd.append("G24.5")
            if e.subtype == "familial":
                icd.append("G24.1")
            elif e.category == "idiopathic" and not icd:
                icd.append("G24.2")
            elif not icd:
                icd.append("G24.9")
    icd = [c for c in icd if _verified("icd10cm", c)]
    table = code_table()
    if icd:
        trace.add(
            "codes.icd10cm",
            "ICD-10-CM: " + ", ".join(f"{c} {table.icd10cm[c].display}" for c in icd) + ".",
        )
    else:
        trace.add(
            "codes.icd10cm",
            "No verified ICD-10-CM code is held for a functional dystonia; none is given.",
        )
    snomed = ["15802004"]
    hpo = ["HP:0001332"]
    for form in forms:
        mapped = table.map["forms"].get(form, {})
        snomed += mapped.get("snomed", [])
        hpo += mapped.get("hpo", [])
    dist = table.map["distribution"].get(distribution, {})
    hpo += dist.get("hpo", [])
    for gene in e.pathogenic_genes:
        snomed += table.map["genes"].get(gene, {}).get("snomed", [])
    snomed = [c for c in dict.fromkeys(snomed) if _verified("snomed", c)]
    hpo = [c for c in dict.fromkeys(hpo) if _verified("hpo", c)]
    trace.add(
        "codes.snomed",
        "SNOMED CT: " + ", ".join(f"{c} {table.snomed[c].display}" for c in snomed) + ".",
    )
    trace.add("codes.hpo", "HPO: " + ", ".join(f"{c} {table.hpo[c].display}" for c in hpo) + ".")
    return {"icd10cm": icd, "snomed": snomed, "hpo": hpo}
