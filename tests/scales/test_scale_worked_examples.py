"""Per-scale worked examples, each total computed by hand in the comments.

The sources give the formulas but no published patient examples were retrievable, so each case
is a made-up patient scored by hand with the published arithmetic; the comment shows the
arithmetic, and the test checks the implementation against that number.
"""

from __future__ import annotations

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.scales import get_scale, score

# Item ids fixed by /work/shared/contracts/scales.md (FHIR linkIds): must never drift.
CONTRACT_ITEM_IDS = {
    "bfmdrs_movement": [
        f"{region}_{factor}"
        for region in [
            "eyes",
            "mouth",
            "speech_swallowing",
            "neck",
            "trunk",
            "right_arm",
            "left_arm",
            "right_leg",
            "left_leg",
        ]
        for factor in ["provoking", "severity"]
    ],
    "bfmdrs_disability": [
        "speech",
        "handwriting",
        "feeding",
        "eating_swallowing",
        "hygiene",
        "dressing",
        "walking",
    ],
    "twstrs": [
        "rotation",
        "laterocollis",
        "antero_retrocollis",
        "lateral_shift",
        "sagittal_shift",
        "duration",
        "sensory_trick",
        "shoulder_elevation",
        "range_of_motion",
        "time_in_neutral",
        "work",
        "daily_activities",
        "driving",
        "reading",
        "television",
        "outside_activities",
        "pain_worst",
        "pain_best",
        "pain_usual",
        "pain_duration",
        "pain_disability",
    ],
    "jrs": ["severity", "frequency"],
    "gdrs": [
        "upper_face",
        "lower_face",
        "jaw_tongue",
        "larynx",
        "neck",
        "trunk",
        "left_arm_proximal",
        "left_arm_distal",
        "right_arm_proximal",
        "right_arm_distal",
        "left_leg_proximal",
        "left_leg_distal",
        "right_leg_proximal",
        "right_leg_distal",
    ],
}


@pytest.mark.parametrize("name", sorted(CONTRACT_ITEM_IDS))
def test_item_ids_are_the_contract_ids(name: str) -> None:
    assert list(get_scale(name).item_ids) == CONTRACT_ITEM_IDS[name]


# -- BFMDRS movement ---------------------------------------------------------------------------
def test_bfmdrs_movement_worked_example() -> None:
    items = dict.fromkeys(CONTRACT_ITEM_IDS["bfmdrs_movement"], 0)
    items |= {
        "eyes_provoking": 2, "eyes_severity": 3,  # 2 x 3 x 0.5 = 3
        "mouth_provoking": 1, "mouth_severity": 1,  # 1 x 1 x 0.5 = 0.5
        "neck_provoking": 4, "neck_severity": 3,  # 4 x 3 x 0.5 = 6
        "trunk_provoking": 2, "trunk_severity": 2,  # 2 x 2 x 1 = 4
        "right_arm_provoking": 3, "right_arm_severity": 2,  # 3 x 2 x 1 = 6
        "right_leg_provoking": 1, "right_leg_severity": 1,  # 1 x 1 x 1 = 1
        "left_leg_provoking": 3,  # severity 0: 3 x 0 = 0 (provoking alone adds nothing)
    }  # fmt: skip
    result = score("bfmdrs_movement", items)
    assert result.total == 20.5  # 3 + 0.5 + 6 + 4 + 6 + 1
    assert result.max == 120
    assert result.subscores["eyes"].value == 3
    assert result.subscores["eyes"].max == 8  # 4 x 4 x 0.5
    assert result.subscores["mouth"].value == 0.5
    assert result.subscores["neck"].value == 6
    assert result.subscores["speech_swallowing"].max == 16  # 4 x 4 x 1
    assert result.subscores["left_leg"].value == 0
    assert result.to_dict()["total"] == 20.5


def test_bfmdrs_movement_region_maxima_add_to_120(kit) -> None:
    # eyes 8 + mouth 8 + speech 16 + neck 8 + trunk 16 + 2 arms x 16 + 2 legs x 16 = 120
    result = score("bfmdrs_movement", kit.items_at("bfmdrs_movement", "max"))
    maxima = {k: v.max for k, v in result.subscores.items()}
    assert maxima == {
        "eyes": 8, "mouth": 8, "speech_swallowing": 16, "neck": 8, "trunk": 16,
        "right_arm": 16, "left_arm": 16, "right_leg": 16, "left_leg": 16,
    }  # fmt: skip


# -- BFMDRS disability -------------------------------------------------------------------------
def test_bfmdrs_disability_worked_example() -> None:
    items = {
        "speech": 2, "handwriting": 1, "feeding": 0, "eating_swallowing": 1,
        "hygiene": 0, "dressing": 2, "walking": 3,
    }  # fmt: skip
    result = score("bfmdrs_disability", items)
    assert result.total == 9  # 2 + 1 + 0 + 1 + 0 + 2 + 3
    assert result.max == 30  # 6 x 4 + 6
    assert result.subscores == {}


def test_bfmdrs_disability_walking_goes_to_6_but_others_stop_at_4(kit) -> None:
    items = kit.items_at("bfmdrs_disability", "min")
    assert score("bfmdrs_disability", items | {"walking": 6}).total == 6
    with pytest.raises(InvalidInputError):
        score("bfmdrs_disability", items | {"speech": 5})


# -- TWSTRS ------------------------------------------------------------------------------------
TWSTRS_PATIENT = {
    # severity: 3 + 2 + 1 + 1 + 0 + (4 x 2) + 1 + 2 + 2 + 3 = 23
    "rotation": 3, "laterocollis": 2, "antero_retrocollis": 1, "lateral_shift": 1,
    "sagittal_shift": 0, "duration": 4, "sensory_trick": 1, "shoulder_elevation": 2,
    "range_of_motion": 2, "time_in_neutral": 3,
    # disability: 3 + 2 + 1 + 4 + 2 + 3 = 15
    "work": 3, "daily_activities": 2, "driving": 1, "reading": 4, "television": 2,
    "outside_activities": 3,
    # pain: (8 + 2 + 2 x 5) / 4 = 5, + duration 3 + disability 2 = 10
    "pain_worst": 8, "pain_best": 2, "pain_usual": 5, "pain_duration": 3, "pain_disability": 2,
}  # fmt: skip


def test_twstrs_worked_example() -> None:
    result = score("twstrs", TWSTRS_PATIENT)
    assert result.version == "consky_lang_1994"
    assert result.subscores["severity"].value == 23
    assert result.subscores["disability"].value == 15
    assert result.subscores["pain"].value == 10
    assert result.total == 48  # 23 + 15 + 10
    assert (result.max, result.subscores["disability"].max) == (85, 30)


def test_twstrs_duration_counts_twice(kit) -> None:
    base = kit.items_at("twstrs", "min")
    assert score("twstrs", base | {"duration": 5}).total == 10  # 5 x 2
    assert score("twstrs", base | {"rotation": 4}).total == 4  # no weight


def test_twstrs_pain_severity_is_weighted_mean(kit) -> None:
    # (7 + 2 + 2 x 4) / 4 = 17 / 4 = 4.25: a quarter-point total is legitimate
    base = kit.items_at("twstrs", "min")
    result = score("twstrs", base | {"pain_worst": 7, "pain_best": 2, "pain_usual": 4})
    assert result.subscores["pain"].value == 4.25
    assert result.to_dict()["subscores"]["pain"] == {"value": 4.25, "max": 20}
    # usual pain weighs twice: (0 + 0 + 2 x 10) / 4 = 5
    assert score("twstrs", base | {"pain_usual": 10}).total == 5


def test_twstrs_brashear_variant_changes_only_the_stated_maxima() -> None:
    default = score("twstrs", TWSTRS_PATIENT)
    variant = score("twstrs", TWSTRS_PATIENT, version="brashear_1999")
    assert variant.total == default.total == 48
    assert variant.version == "brashear_1999"
    assert variant.max == 87  # 35 + 32 + 20
    assert variant.subscores["disability"].max == 32
    assert variant.subscores["severity"].max == 35
    assert variant.subscores["pain"].max == 20
    # disability items still stop at 5: the extra 2 points are not assigned to any item
    with pytest.raises(InvalidInputError):
        score("twstrs", TWSTRS_PATIENT | {"work": 6}, version="brashear_1999")


# -- Tsui --------------------------------------------------------------------------------------
def test_tsui_worked_example() -> None:
    items = {
        "rotation": 2, "tilt": 1, "antero_retrocollis": 0,  # A = 2 + 1 + 0 = 3
        "sustained_duration": 2,  # constant: 3 x 2 = 6
        "shoulder_elevation": 1,  # + 1
        "tremor_severity": 1, "tremor_duration": 2,  # mild, continuous: 1 x 2 = 2
    }  # fmt: skip
    result = score("tsui", items)
    assert result.total == 9  # 6 + 1 + 2
    assert result.subscores["sustained_movements"].value == 6
    assert result.subscores["sustained_movements"].max == 18  # (3 + 3 + 3) x 2
    assert result.subscores["head_tremor"].max == 4  # 2 x 2
    assert result.max == 25  # 18 + 3 + 4


def test_tsui_without_tremor_and_intermittent() -> None:
    items = {
        "rotation": 3, "tilt": 0, "antero_retrocollis": 0, "sustained_duration": 1,
        "shoulder_elevation": 0, "tremor_severity": 0, "tremor_duration": 0,
    }  # fmt: skip
    assert score("tsui", items).total == 3  # 3 x 1 + 0 + 0 x 0


@pytest.mark.parametrize(("severity", "duration"), [(2, 0), (0, 1)])
def test_tsui_tremor_severity_and_duration_are_zero_together(
    kit, severity: int, duration: int
) -> None:
    items = kit.items_at("tsui", "min") | {"tremor_severity": severity, "tremor_duration": duration}
    with pytest.raises(InvalidInputError) as info:
        score("tsui", items)
    assert info.value.field.startswith("items.tremor_")


# -- JRS ---------------------------------------------------------------------------------------
def test_jrs_worked_example() -> None:
    result = score("jrs", {"severity": 3, "frequency": 2})
    assert result.total == 5  # 3 + 2
    assert result.to_dict() == {
        "scale": "jrs",
        "version": "jankovic_orman_1987",
        "total": 5,
        "max": 8,
        "subscores": {"severity": {"value": 3, "max": 4}, "frequency": {"value": 2, "max": 4}},
        "items": {"severity": 3, "frequency": 2},
    }


# -- BSDI --------------------------------------------------------------------------------------
BSDI_ALL = {
    "driving": 1, "reading": 2, "television": 3, "shopping": 4, "walking": 0,
    "everyday_activities": 2,
}  # fmt: skip


def test_bsdi_all_rated() -> None:
    result = score("bsdi", BSDI_ALL)
    assert result.total == 12  # 1 + 2 + 3 + 4 + 0 + 2
    assert result.max == 24  # 6 items x 4 (decision: 24, not 30)
    assert result.subscores["mean"].value == 2  # 12 / 6
    assert result.subscores["mean"].max == 4


def test_bsdi_not_applicable_is_excluded_not_imputed() -> None:
    items = BSDI_ALL | {"driving": None, "walking": 1}
    # rated: 2 + 3 + 4 + 1 + 2 = 12 over 5 items; the driving item is neither 0 nor prorated
    result = score("bsdi", items)
    assert result.total == 12
    assert result.subscores["mean"].value == 2.4  # 12 / 5
    assert result.to_dict()["items"]["driving"] is None


def test_bsdi_omitted_item_is_missing_not_not_applicable() -> None:
    items = dict(BSDI_ALL)
    del items["shopping"]
    with pytest.raises(InvalidInputError) as info:
        score("bsdi", items)
    assert info.value.field == "items.shopping"


def test_bsdi_all_not_applicable_is_an_error() -> None:
    with pytest.raises(InvalidInputError) as info:
        score("bsdi", dict.fromkeys(BSDI_ALL))
    assert "not applicable" in str(info.value)


# -- GDRS --------------------------------------------------------------------------------------
def test_gdrs_worked_example() -> None:
    items = dict.fromkeys(CONTRACT_ITEM_IDS["gdrs"], 0)
    items |= {"neck": 6, "upper_face": 2, "right_arm_distal": 4}
    result = score("gdrs", items)
    assert result.total == 12  # 6 + 2 + 4
    assert result.max == 140  # 14 x 10
