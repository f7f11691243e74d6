"""Axis II, work-up, treatment and code rules, one test (or more) per rule.

Thresholds are the rules' published numbers (knowledge/rules.yaml); boundaries are tested on
both sides.
"""

from __future__ import annotations

from typing import Any

import pytest

from dystonia import assess

rule = pytest.mark.rule

NORMAL_WILSON = {
    "ceruloplasmin_mg_dl": 30,
    "urine_copper_ug_24h": 20,
    "kayser_fleischer_rings": False,
}


def run(**findings: Any) -> Any:
    findings.setdefault("age_at_onset", 55)
    findings.setdefault("regions", ["neck"])
    return assess(findings)


def workup_ids(result: Any) -> list[str]:
    return [w["id"] for w in result.workup]


def treatment_ids(result: Any) -> list[str]:
    return [t["id"] for t in result.treatment]


def genes(result: Any) -> list[str]:
    for item in result.workup:
        if item["id"] == "genetic_testing":
            return list(item["genes"])
    return []


def fired(result: Any) -> set[str]:
    return {r.rule for r in result.rationale}


# ----------------------------------------------------------------------------- drugs
@rule("etiology.drug_acute")
@pytest.mark.parametrize(("days", "acute"), [(0, True), (2, True), (5, True), (6, False)])
def test_acute_window_five_days(days: float, acute: bool) -> None:
    result = run(medications=[{"name": "haloperidol", "started_days_before_onset": days}])
    assert ("drug_acute" in result.etiology.suspected) is acute


@rule("etiology.drug_tardive")
@pytest.mark.parametrize(
    ("onset_age", "days", "tardive"),
    [(40, 89, False), (40, 90, True), (59, 30, False), (60, 30, True), (70, 29, False)],
)
def test_tardive_three_months_or_one_month_from_60(
    onset_age: float, days: float, tardive: bool
) -> None:
    result = run(
        age_at_onset=onset_age,
        medications=[{"name": "risperidone", "started_days_before_onset": days}],
    )
    assert ("drug_tardive" in result.etiology.suspected) is tardive


@rule("etiology.drug_timing_indeterminate")
@pytest.mark.parametrize("days", [None, 20])
def test_indeterminate_timing_reviews_drug_without_naming_type(days: float | None) -> None:
    result = run(medications=[{"name": "metoclopramide", "started_days_before_onset": days}])
    assert not {"drug_acute", "drug_tardive"} & set(result.etiology.suspected)
    assert "drug_review" in workup_ids(result)
    assert "etiology.drug_timing_indeterminate" in fired(result)


@rule("etiology.drug_not_central_blocker")
@pytest.mark.parametrize(("name", "atc"), [("lithium", "N05AN01"), ("domperidone", "A03FA03")])
def test_lithium_and_domperidone_not_flagged(name: str, atc: str) -> None:
    result = run(medications=[{"name": name, "atc": atc, "started_days_before_onset": 2}])
    assert result.etiology.suspected == []
    assert "drug_review" in workup_ids(result)


def test_drug_matched_by_atc_group_and_brand_and_conflict_rejected() -> None:
    from dystonia.exceptions import InvalidInputError

    unknown_antipsychotic = run(
        medications=[{"name": "newdrug", "atc": "N05AX99", "started_days_before_onset": 1}]
    )
    assert unknown_antipsychotic.etiology.suspected == ["drug_acute"]
    brand = run(medications=[{"name": "Reglan", "started_days_before_onset": 1}])
    assert brand.etiology.suspected == ["drug_acute"]
    with pytest.raises(InvalidInputError, match=r"medications\[0\]\.atc"):
        run(medications=[{"name": "haloperidol", "atc": "A03FA01"}])


# ----------------------------------------------------------------------------- Wilson
@rule("etiology.wilson_screen")
@pytest.mark.parametrize(
    ("onset_age", "features", "screen"),
    [
        (49, [], True),
        (50, [], False),
        (70, ["hepatic_disease"], True),
        (70, ["psychiatric_symptoms"], True),
    ],
)
def test_wilson_screen_age_or_clues(onset_age: float, features: list[str], screen: bool) -> None:
    result = run(age_at_onset=onset_age, associated_features=features)
    assert ("wilson_screen" in workup_ids(result)) is screen


@rule("etiology.wilson_screen")
def test_wilson_threshold_configurable_and_kf_any_age() -> None:
    result = assess({"age_at_onset": 45, "regions": ["neck"]}, wilson_age_threshold_years=40)
    assert "wilson_screen" not in workup_ids(result)
    kf = run(age_at_onset=70, tests={"kayser_fleischer_rings": True})
    assert "wilson" in kf.etiology.suspected


@rule("etiology.wilson_suspected")
@pytest.mark.parametrize(
    ("tests", "suspected"),
    [
        ({"ceruloplasmin_mg_dl": 19.9}, True),
        ({"ceruloplasmin_mg_dl": 20}, False),
        ({"urine_copper_ug_24h": 41}, True),
        ({"urine_copper_ug_24h": 40}, False),
        ({"kayser_fleischer_rings": True}, True),
        (NORMAL_WILSON, False),
    ],
)
def test_wilson_positive_tests(tests: dict[str, Any], suspected: bool) -> None:
    result = run(age_at_onset=20, tests=tests)
    assert ("wilson" in result.etiology.suspected) is suspected


@rule("workup.wilson_screen")
def test_wilson_screen_lists_only_missing_tests() -> None:
    result = run(age_at_onset=20, tests={"ceruloplasmin_mg_dl": 30})
    item = next(w for w in result.workup if w["id"] == "wilson_screen")
    assert item["tests"] == [
        "24-hour urinary copper",
        "slit-lamp examination for Kayser-Fleischer rings",
    ]
    assert "wilson_screen" not in workup_ids(run(age_at_onset=20, tests=NORMAL_WILSON))


# ----------------------------------------------------------------------------- other causes
@rule("etiology.dopa_responsive")
def test_dopa_responsive_clues() -> None:
    assert "dopa_responsive" in run(levodopa_response="marked").etiology.suspected
    assert (
        "dopa_responsive"
        in run(age_at_onset=7, regions=["left_leg"], variability=["diurnal"]).etiology.suspected
    )
    gait = run(age_at_onset=7, regions=["left_leg_distal"], symptoms=["foot_dragging"])
    assert "dopa_responsive" in gait.etiology.suspected
    adult = run(age_at_onset=35, regions=["left_leg"], variability=["diurnal"])
    assert "dopa_responsive" not in adult.etiology.suspected
    in_pd = run(levodopa_response="marked", history=["parkinsons_disease"])
    assert "dopa_responsive" not in in_pd.etiology.suspected


@rule("etiology.parkinson_associated")
def test_parkinson_associated_with_timing() -> None:
    result = run(
        regions=["right_leg_distal"],
        history=["parkinsons_disease"],
        parkinson_dystonia_timing=["peak_dose"],
    )
    assert result.etiology.suspected == ["parkinson_associated"]
    statement = next(
        r.statement for r in result.rationale if r.rule == "etiology.parkinson_associated"
    )
    assert "peak-dose" in statement
    assert "adjust_dopaminergic_therapy" in treatment_ids(result)


@rule("etiology.structural")
@pytest.mark.parametrize(
    "extra",
    [{"history": ["stroke"]}, {"history": ["head_trauma"]}, {"history": ["brain_infection"]},
     {"tests": {"mri": "abnormal", "mri_findings": ["putamen_lesion"]}},
     {"tests": {"mri": "abnormal", "mri_findings": ["thalamic_lesion"]}}],
)  # fmt: skip
def test_structural(extra: dict[str, Any]) -> None:
    assert "structural" in run(**extra).etiology.suspected


@rule("etiology.structural")
def test_abnormal_mri_without_finding_is_not_guessed() -> None:
    result = run(tests={"mri": "abnormal"})
    assert "structural" not in result.etiology.suspected


@rule("etiology.perinatal")
@pytest.mark.parametrize("history", ["perinatal_injury", "cerebral_palsy"])
def test_perinatal(history: str) -> None:
    result = run(age_at_onset=1, history=[history])
    assert "perinatal" in result.etiology.suspected
    assert result.etiology.category == "acquired"


@rule("etiology.toxic")
def test_toxic() -> None:
    assert "toxic" in run(history=["toxin_exposure"]).etiology.suspected
    t1 = run(tests={"mri": "abnormal", "mri_findings": ["pallidal_t1_hyperintensity"]})
    assert "toxic" in t1.etiology.suspected


@rule("etiology.functional")
@pytest.mark.parametrize(
    ("extra", "functional"),
    [
        ({"onset_mode": "sudden", "fixed_posture": True}, True),
        ({"onset_mode": "sudden", "history": ["peripheral_trauma"]}, True),
        ({"fixed_posture": True, "history": ["peripheral_trauma"]}, True),
        ({"onset_mode": "sudden"}, False),
        ({"distractible": True, "history": ["functional_disorder"]}, False),
    ],
)
def test_functional_two_of_three_clues(extra: dict[str, Any], functional: bool) -> None:
    assert ("functional" in run(**extra).etiology.suspected) is functional


@rule("etiology.functional")
def test_functional_threshold_configurable() -> None:
    result = assess(
        {"age_at_onset": 30, "regions": ["neck"], "onset_mode": "sudden"}, functional_min_clues=1
    )
    assert "functional" in result.etiology.suspected


@rule("etiology.genetic_pathogenic")
def test_pathogenic_variant() -> None:
    result = run(tests={"genetic": [{"gene": "tor1a", "result": "pathogenic"}]})
    assert result.etiology.suspected == ["genetic"]
    assert result.etiology.category == "inherited"


@rule("etiology.genetic_vus")
def test_vus_is_not_a_diagnosis() -> None:
    result = run(age_at_onset=60, tests={"genetic": [{"gene": "GNAL", "result": "vus"}]})
    assert result.etiology.category != "inherited"
    assert "etiology.genetic_vus" in fired(result)


@rule("etiology.pkan_imaging")
def test_eye_of_the_tiger_points_to_pank2() -> None:
    result = run(age_at_onset=4, tests={"mri": "abnormal", "mri_findings": ["eye_of_the_tiger"]})
    assert "PANK2" in genes(result)


# ----------------------------------------------------------------------------- category
@rule("category.inherited")
def test_category_inherited_over_acquired() -> None:
    result = run(history=["stroke"], tests={"genetic": [{"gene": "THAP1", "result": "pathogenic"}]})
    assert result.etiology.category == "inherited"


@rule("category.acquired")
def test_category_acquired() -> None:
    assert run(history=["stroke"]).etiology.category == "acquired"


@rule("category.idiopathic")
def test_category_idiopathic_familial_and_sporadic() -> None:
    sporadic = run(age_at_onset=60)
    assert (sporadic.etiology.category, sporadic.etiology.subtype) == ("idiopathic", "sporadic")
    # an arm, so that familial cranio-cervical THAP1 testing is not outstanding
    familial = run(age_at_onset=60, regions=["right_arm_distal"], family_history=True)
    assert (familial.etiology.category, familial.etiology.subtype) == ("idiopathic", "familial")


@rule("category.undetermined")
def test_category_undetermined_when_workup_outstanding_or_combined() -> None:
    assert run(age_at_onset=30).etiology.category == "undetermined"  # Wilson screen outstanding
    combined = run(age_at_onset=60, associated_features=["ataxia"], tests={"mri": "normal"})
    assert combined.etiology.category == "undetermined"


# ----------------------------------------------------------------------------- work-up
@rule("workup.brain_mri")
@pytest.mark.parametrize(
    "extra",
    [
        {"regions": ["trunk", "neck", "left_arm"]},
        {"regions": ["left_arm", "left_leg"]},
        {"associated_features": ["seizures"]},
        {"age_at_onset": 1},
        {"age_at_onset": 8, "regions": ["neck"], "onset_region": "neck"},
        {"age_at_onset": 45, "regions": ["left_leg_distal"], "onset_region": "left_leg_distal"},
        {"onset_mode": "sudden"},
        {"history": ["head_trauma"]},
        {"age_at_onset": 45, "regions": ["left_arm"], "course": "progressive"},
    ],
)
def test_mri_triggers(extra: dict[str, Any]) -> None:
    assert "brain_mri" in workup_ids(run(**extra))


@rule("workup.brain_mri")
def test_mri_not_repeated_when_done() -> None:
    result = run(regions=["trunk", "neck", "left_arm"], tests={"mri": "normal"})
    assert "brain_mri" not in workup_ids(result)


@rule("workup.brain_mri_not_needed")
@pytest.mark.parametrize(
    "extra",
    [{"regions": ["neck"]}, {"regions": ["upper_face", "jaw_tongue"]},
     {"regions": ["right_arm_distal"], "task_specific": ["writing"], "course": "progressive"}],
)  # fmt: skip
def test_no_mri_for_adult_isolated_focal(extra: dict[str, Any]) -> None:
    result = run(age_at_onset=55, **extra)
    assert "brain_mri" not in workup_ids(result)
    assert "workup.brain_mri_not_needed" in fired(result)


@rule("workup.levodopa_trial")
def test_levodopa_trial_early_onset_without_alternative() -> None:
    assert "levodopa_trial" in workup_ids(run(age_at_onset=12, regions=["left_arm"]))
    assert "levodopa_trial" not in workup_ids(run(age_at_onset=21, regions=["left_arm"]))
    assert "levodopa_trial" not in workup_ids(
        run(age_at_onset=12, regions=["left_arm"], history=["stroke"])
    )
    assert "levodopa_trial" not in workup_ids(
        run(age_at_onset=12, regions=["left_arm"], levodopa_response="none")
    )


@rule("workup.genetic.tor1a")
@pytest.mark.parametrize(("onset_age", "expected"), [(29, True), (30, False)])
def test_tor1a_limb_onset_before_30(onset_age: float, expected: bool) -> None:
    result = run(
        age_at_onset=onset_age,
        regions=["right_arm"],
        onset_region="right_arm_distal",
        tests=NORMAL_WILSON,
    )
    assert ("TOR1A" in genes(result)) is expected


@rule("workup.genetic.tor1a")
def test_tor1a_not_repeated_and_not_for_acquired() -> None:
    tested = run(
        age_at_onset=10,
        regions=["right_arm"],
        tests={"genetic": [{"gene": "TOR1A", "result": "negative"}]},
    )
    assert "TOR1A" not in genes(tested)
    stroke = run(age_at_onset=10, regions=["right_arm"], history=["stroke"])
    assert "TOR1A" not in genes(stroke)


@rule("workup.genetic.thap1")
def test_thap1_craniocervical_early_or_familial() -> None:
    assert "THAP1" in genes(run(age_at_onset=18, regions=["neck", "larynx"]))
    assert "THAP1" in genes(run(age_at_onset=45, regions=["neck"], family_history=True))
    assert "THAP1" not in genes(run(age_at_onset=45, regions=["neck"]))
    after_tor1a = run(
        age_at_onset=15,
        regions=["left_leg"],
        tests={"genetic": [{"gene": "TOR1A", "result": "negative"}]},
    )
    assert "THAP1" in genes(after_tor1a)


@rule("workup.genetic.sgce")
def test_sgce_early_myoclonus() -> None:
    assert "SGCE" in genes(run(age_at_onset=8, associated_features=["myoclonus"]))
    assert "SGCE" not in genes(run(age_at_onset=40, associated_features=["myoclonus"]))


@rule("workup.genetic.gch1")
def test_gch1_when_drd_suspected() -> None:
    assert "GCH1" in genes(run(levodopa_response="marked"))


@rule("workup.genetic.atp7b")
def test_atp7b_when_wilson_suspected() -> None:
    assert "ATP7B" in genes(run(age_at_onset=18, tests={"kayser_fleischer_rings": True}))


@rule("workup.genetic.pank2")
def test_pank2_eye_of_tiger() -> None:
    result = run(age_at_onset=3, tests={"mri": "abnormal", "mri_findings": ["eye_of_the_tiger"]})
    assert genes(result) == ["PANK2"]


@rule("workup.drug_review")
def test_drug_review_for_blockers_and_dopaminergic() -> None:
    assert "drug_review" in workup_ids(run(medications=[{"name": "levodopa"}]))
    assert "drug_review" in workup_ids(run(medications=[{"name": "quetiapine"}]))
    assert "drug_review" not in workup_ids(run())


# ----------------------------------------------------------------------------- treatment
@rule("treatment.remove_cause.drug")
def test_remove_drug() -> None:
    result = run(medications=[{"name": "haloperidol", "started_days_before_onset": 400}])
    assert result.treatment[0]["tier"] == "remove_cause"
    assert result.treatment[0]["id"] == "stop_dopamine_blocker"


@rule("treatment.oral.acute_anticholinergic")
def test_acute_anticholinergic() -> None:
    result = run(medications=[{"name": "droperidol", "started_days_before_onset": 0.5}])
    assert "acute_anticholinergic" in treatment_ids(result)


@rule("treatment.remove_cause.wilson")
def test_treat_wilson() -> None:
    assert "treat_wilson_disease" in treatment_ids(
        run(age_at_onset=15, tests={"ceruloplasmin_mg_dl": 3})
    )


@rule("treatment.remove_cause.functional")
def test_functional_rehabilitation() -> None:
    result = run(onset_mode="sudden", fixed_posture=True)
    assert "functional_rehabilitation" in treatment_ids(result)
    assert "botulinum_toxin" not in treatment_ids(result)


@rule("treatment.oral.levodopa")
def test_levodopa_for_drd() -> None:
    assert "levodopa" in treatment_ids(run(levodopa_response="marked"))


@rule("treatment.oral.dopaminergic_timing")
def test_dopaminergic_timing_in_pd() -> None:
    assert "adjust_dopaminergic_therapy" in treatment_ids(run(history=["parkinsons_disease"]))


@rule("treatment.oral.anticholinergic")
def test_anticholinergic_for_generalized_not_focal() -> None:
    assert "anticholinergic" in treatment_ids(run(regions=["trunk", "neck", "left_arm"]))
    assert "anticholinergic" not in treatment_ids(run(regions=["neck"]))


@rule("treatment.oral.vmat2")
def test_vmat2_for_tardive() -> None:
    assert "vmat2_inhibitor" in treatment_ids(
        run(medications=[{"name": "olanzapine", "started_days_before_onset": 365}])
    )


@rule("treatment.oral.other")
def test_benzodiazepine_or_baclofen() -> None:
    assert "benzodiazepine_or_baclofen" in treatment_ids(run(regions=["left_arm", "right_arm"]))


@rule("treatment.botulinum_toxin")
@pytest.mark.parametrize(
    ("regions", "tasks", "offered"),
    [(["neck"], [], True), (["upper_face"], [], True), (["right_arm_distal"], ["writing"], True),
     (["jaw_tongue"], [], False), (["left_leg"], [], False)],
)  # fmt: skip
def test_botulinum_toxin_first_line_forms(
    regions: list[str], tasks: list[str], offered: bool
) -> None:
    result = run(regions=regions, task_specific=tasks)
    assert ("botulinum_toxin" in treatment_ids(result)) is offered
    if offered:
        reason = next(t["reason"] for t in result.treatment if t["id"] == "botulinum_toxin")
        assert "never converted" in reason


@rule("treatment.surgery.dbs")
def test_dbs_isolated_generalized_segmental_cervical_not_acquired() -> None:
    assert "pallidal_dbs" in treatment_ids(run(regions=["trunk", "neck", "left_arm"]))
    assert "pallidal_dbs" in treatment_ids(run(regions=["neck"]))
    assert "pallidal_dbs" not in treatment_ids(run(regions=["upper_face"]))
    assert "pallidal_dbs" not in treatment_ids(
        run(regions=["trunk", "neck", "left_arm"], history=["stroke"])
    )


@rule("treatment.complementary.physical_therapy")
def test_physical_therapy() -> None:
    assert "physical_therapy" in treatment_ids(run())


@rule("treatment.complementary.speech_therapy")
@pytest.mark.parametrize(
    "extra",
    [{"regions": ["larynx"]}, {"regions": ["jaw_tongue"]}, {"symptoms": ["speech_problems"]}],
)
def test_speech_therapy(extra: dict[str, Any]) -> None:
    assert "speech_therapy" in treatment_ids(run(**extra))


@rule("treatment.complementary.occupational_therapy")
def test_occupational_therapy_for_writers_cramp() -> None:
    assert "occupational_therapy" in treatment_ids(
        run(regions=["right_arm_distal"], task_specific=["writing"])
    )


@rule("treatment.complementary.psychology")
def test_psychology_for_cervical() -> None:
    assert "psychological_support" in treatment_ids(run(regions=["neck"]))
    assert "psychological_support" not in treatment_ids(run(regions=["larynx"]))


# ----------------------------------------------------------------------------- codes
@rule("codes.icd10cm")
@pytest.mark.parametrize(
    ("extra", "codes"),
    [
        ({"regions": ["neck"]}, ["G24.3"]),
        ({"regions": ["upper_face"]}, ["G24.5"]),
        ({"regions": ["upper_face", "jaw_tongue"]}, ["G24.4"]),
        ({"regions": ["right_arm_distal"], "task_specific": ["writing"]}, ["G24.2"]),
        ({"regions": ["right_arm_distal"], "family_history": True}, ["G24.1"]),
        ({"regions": ["neck"], "history": ["stroke"]}, ["G24.8"]),
        ({"medications": [{"name": "haloperidol", "started_days_before_onset": 1}]}, ["G24.02"]),
        ({"medications": [{"name": "haloperidol", "started_days_before_onset": 400}]}, ["G24.09"]),
        ({"age_at_onset": 30, "regions": ["left_arm"]}, ["G24.9"]),
    ],
)
def test_icd10cm(extra: dict[str, Any], codes: list[str]) -> None:
    extra.setdefault("age_at_onset", 60)
    assert run(**extra).codes["icd10cm"] == codes


@rule("codes.snomed")
def test_snomed_verified_only() -> None:
    assert run(regions=["neck"]).codes["snomed"] == ["15802004", "74333002"]
    assert run(regions=["larynx"]).codes["snomed"] == ["15802004"]


@rule("codes.hpo")
def test_hpo_terms() -> None:
    assert run(regions=["upper_face"]).codes["hpo"] == ["HP:0001332", "HP:0000643"]
    assert "HP:0032005" in run(regions=["left_arm", "left_leg"]).codes["hpo"]
