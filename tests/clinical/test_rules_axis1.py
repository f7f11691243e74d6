"""Axis I rules, one test (or more) per rule; each names its rule with ``mark.rule``.

Expected values come from the rules' sources (Albanese 2013 as fixed in contracts/clinical.md),
not from the engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from dystonia import assess
from dystonia.clinical import onset_band
from dystonia.clinical.distribution import aggregate, classify_distribution, is_contiguous

rule = pytest.mark.rule


def run(**findings: Any) -> Any:
    findings.setdefault("age_at_onset", 55)
    return assess(findings)


def fired(result: Any) -> set[str]:
    return {r.rule for r in result.rationale}


@rule("onset.band")
@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "infancy"), (2.5, "infancy"), (2.99, "infancy"), (3, "childhood"), (12.9, "childhood"),
        (13, "adolescence"), (20.9, "adolescence"), (21, "early_adulthood"),
        (40, "early_adulthood"), (40.9, "early_adulthood"), (41, "late_adulthood"),
        (90, "late_adulthood"), (None, None),
    ],
)  # fmt: skip
def test_onset_band_completed_years(age: float | None, band: str | None) -> None:
    assert onset_band(age) == band
    result = assess({"age_at_onset": age, "regions": ["neck"]})
    assert result.onset_band == band
    assert "onset.band" in fired(result)


@rule("distribution.aggregate")
def test_limb_subregions_aggregate_to_limbs() -> None:
    assert aggregate(["left_arm_proximal", "left_arm_distal", "neck"]) == ("neck", "left_arm")
    result = run(regions=["left_arm_proximal", "left_arm_distal"])
    assert result.distribution == "focal"  # one limb, two sub-regions
    assert result.regions_aggregated == ["left_arm"]


@rule("distribution.focal")
@pytest.mark.parametrize("region", ["neck", "upper_face", "larynx", "trunk", "right_leg_distal"])
def test_focal_is_one_region(region: str) -> None:
    assert run(regions=[region]).distribution == "focal"


@rule("distribution.generalized")
@pytest.mark.parametrize(
    ("regions", "with_legs"),
    [
        (["trunk", "neck", "left_arm"], False),
        (["trunk", "left_leg", "right_leg"], True),
        (["trunk", "upper_face", "right_arm"], False),  # trunk + 2 others, even if non-contiguous
    ],
)
def test_generalized_trunk_plus_two(regions: list[str], with_legs: bool) -> None:
    result = run(regions=regions)
    assert result.distribution == "generalized"
    assert result.distribution_detail["with_legs"] is with_legs


@rule("distribution.generalized")
def test_trunk_plus_one_is_not_generalized() -> None:
    assert run(regions=["trunk", "neck"]).distribution == "segmental"


@rule("distribution.hemidystonia")
@pytest.mark.parametrize(
    "regions",
    [["left_arm", "left_leg"], ["right_arm_distal", "right_leg_proximal", "lower_face"]],
)
def test_hemidystonia_arm_and_leg_same_side(regions: list[str]) -> None:
    assert run(regions=regions).distribution == "hemidystonia"


@rule("distribution.hemidystonia")
def test_hemidystonia_not_with_other_side_or_generalized() -> None:
    assert run(regions=["left_arm", "left_leg", "right_arm"]).distribution == "multifocal"
    # trunk with two other regions is generalized first (precedence)
    assert run(regions=["left_arm", "left_leg", "trunk"]).distribution == "generalized"


@rule("distribution.hemidystonia")
def test_hemidystonia_neck_only_with_axial_option() -> None:
    regions = ["left_arm", "left_leg", "neck"]
    assert run(regions=regions).distribution == "multifocal"
    allowed = assess({"age_at_onset": 50, "regions": regions}, hemidystonia_allows_axial=True)
    assert allowed.distribution == "hemidystonia"


@rule("distribution.segmental")
@pytest.mark.parametrize(
    "regions",
    [
        ["upper_face", "jaw_tongue"],  # two cranial regions (Meige) are segmental, not focal
        ["neck", "upper_face"],
        ["neck", "right_arm"],
        ["left_arm", "right_arm"],  # bibrachial
        ["left_leg", "right_leg"],  # bicrural
        ["upper_face", "neck", "left_arm"],  # connected cranio-cervico-brachial
    ],
)
def test_segmental_contiguous(regions: list[str]) -> None:
    assert run(regions=regions).distribution == "segmental"


@rule("distribution.multifocal")
@pytest.mark.parametrize(
    "regions",
    [
        ["upper_face", "right_arm"],  # cranial-arm not contiguous
        ["neck", "left_leg"],
        ["left_arm", "right_leg"],
        ["upper_face", "trunk"],  # cranial-trunk without the neck: not contiguous
    ],
)
def test_multifocal_non_contiguous(regions: list[str]) -> None:
    assert run(regions=regions).distribution == "multifocal"


@rule("distribution.multifocal")
def test_literal_2013_convention_three_regions_multifocal() -> None:
    regions = ["upper_face", "neck", "left_arm"]
    literal = assess(
        {"age_at_onset": 50, "regions": regions}, distribution_convention="literal_2013"
    )
    assert literal.distribution == "multifocal"
    two = assess(
        {"age_at_onset": 50, "regions": ["neck", "left_arm"]},
        distribution_convention="literal_2013",
    )
    assert two.distribution == "segmental"


def test_contiguity_graph_from_data() -> None:
    assert is_contiguous(["neck", "trunk", "left_leg"])
    assert not is_contiguous(["neck", "left_leg"])
    assert classify_distribution(["neck"]) == ("focal", "distribution.focal")


@rule("form.blepharospasm")
def test_blepharospasm() -> None:
    assert run(regions=["upper_face"]).focal_forms == ["blepharospasm"]


@rule("form.oromandibular")
@pytest.mark.parametrize("region", ["lower_face", "jaw_tongue"])
def test_oromandibular(region: str) -> None:
    assert "oromandibular" in run(regions=[region]).focal_forms


@rule("form.laryngeal")
def test_laryngeal() -> None:
    assert run(regions=["larynx"]).focal_forms == ["laryngeal"]


@rule("form.cervical")
def test_cervical() -> None:
    assert run(regions=["neck"]).focal_forms == ["cervical"]


@rule("form.cervical_colcap")
@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        (["torticollis", "laterocollis"], "collis"),
        (["retrocaput"], "caput"),
        (["torticaput", "antecollis"], "mixed"),
        (["lateral_shift"], "mixed"),
    ],
)
def test_colcap_subtype(pattern: list[str], kind: str) -> None:
    result = run(regions=["neck"], cervical_pattern=pattern)
    assert result.cervical_subtype is not None
    assert result.cervical_subtype["type"] == kind


def test_colcap_absent_without_pattern() -> None:
    assert run(regions=["neck"]).cervical_subtype is None


@rule("form.cranial")
def test_cranial_two_cranial_regions() -> None:
    result = run(regions=["upper_face", "jaw_tongue"])
    assert "cranial" in result.focal_forms
    assert any("Meige" in r.statement for r in result.rationale if r.rule == "form.cranial")
    assert "cranial" not in run(regions=["upper_face", "neck"]).focal_forms


@rule("form.writers_cramp")
def test_writers_cramp_needs_arm_and_writing() -> None:
    assert (
        "writers_cramp" in run(regions=["right_arm_distal"], task_specific=["writing"]).focal_forms
    )
    assert "writers_cramp" not in run(regions=["neck"], task_specific=["writing"]).focal_forms


@rule("form.task_specific")
def test_task_specific_from_task_or_action_variability() -> None:
    assert (
        "task_specific" in run(regions=["left_leg"], task_specific=["walking_forward"]).focal_forms
    )
    assert "task_specific" in run(regions=["left_arm"], variability=["action_specific"]).focal_forms
    assert "task_specific" not in run(regions=["left_arm"]).focal_forms


@rule("form.upper_limb")
def test_upper_limb() -> None:
    assert "upper_limb" in run(regions=["left_arm_proximal"]).focal_forms


@rule("form.lower_limb")
def test_lower_limb() -> None:
    assert "lower_limb" in run(regions=["right_leg_distal"]).focal_forms


@rule("form.truncal")
def test_truncal() -> None:
    assert run(regions=["trunk"]).focal_forms == ["truncal"]


@rule("temporal.pattern")
def test_temporal_pattern_reported() -> None:
    result = run(regions=["neck"], course="progressive", variability=["diurnal", "paroxysmal"])
    assert result.temporal == {"course": "progressive", "variability": ["diurnal", "paroxysmal"]}
    assert "temporal.pattern" in fired(result)


@rule("associated.isolated")
def test_isolated_allows_tremor() -> None:
    assert run(regions=["neck"], associated_features=["tremor"]).isolated is True
    assert run(regions=["neck"]).isolated is True


@rule("associated.combined")
@pytest.mark.parametrize(
    "feature", ["parkinsonism", "myoclonus", "chorea", "cognitive_impairment", "hepatic_disease"]
)
def test_combined_with_any_other_feature(feature: str) -> None:
    result = run(regions=["neck"], associated_features=[feature])
    assert result.isolated is False
    assert feature in result.combined_with


@rule("associated.combined")
def test_parkinsons_history_counts_as_parkinsonism() -> None:
    result = run(regions=["left_leg_distal"], history=["parkinsons_disease"])
    assert result.isolated is False
    assert result.combined_with == ["parkinsonism"]
