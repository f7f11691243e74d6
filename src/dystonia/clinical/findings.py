"""Findings: what the clinician observed, validated at the edge (contracts/clinical.md).

Every vocabulary is closed: an unknown field or word is an error naming the field, the allowed
words and the closest one, never silently ignored (a typo in a region must not change the
classification).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dystonia.validation import from_pydantic_error

__all__ = [
    "CERVICAL_PATTERNS",
    "FEATURES",
    "HISTORY",
    "MRI_FINDINGS",
    "REGIONS",
    "SYMPTOMS",
    "Findings",
    "GeneticResult",
    "Medication",
    "Tests",
    "parse_findings",
]

RegionWord = Literal[
    "upper_face", "lower_face", "jaw_tongue", "larynx", "neck", "trunk",
    "left_arm_proximal", "left_arm_distal", "right_arm_proximal", "right_arm_distal",
    "left_leg_proximal", "left_leg_distal", "right_leg_proximal", "right_leg_distal",
    "left_arm", "right_arm", "left_leg", "right_leg",
]  # fmt: skip
FeatureWord = Literal[
    "parkinsonism", "myoclonus", "chorea", "tremor", "spasticity", "pyramidal_signs", "ataxia",
    "cognitive_impairment", "developmental_delay", "seizures", "psychiatric_symptoms",
    "hepatic_disease", "retinopathy", "oculogyric_crisis", "bulbar_signs", "neuropathy",
]  # fmt: skip
HistoryWord = Literal[
    "perinatal_injury", "stroke", "head_trauma", "peripheral_trauma", "brain_infection",
    "toxin_exposure", "parkinsons_disease", "cerebral_palsy", "psychiatric_illness",
    "functional_disorder",
]  # fmt: skip
SymptomWord = Literal[
    "twisting_movements", "repetitive_movements", "abnormal_posture", "pain", "difficulty_moving",
    "foot_cramps", "foot_dragging", "tremor", "handwriting_deterioration", "speech_problems",
    "eye_blinking", "eyelid_spasms", "jaw_grinding", "grimacing",
]  # fmt: skip
MriFindingWord = Literal[
    "putamen_lesion", "basal_ganglia_lesion", "eye_of_the_tiger", "pallidal_t1_hyperintensity",
    "basal_ganglia_t2_hyperintensity", "thalamic_lesion", "atrophy",
]  # fmt: skip
VariabilityWord = Literal["persistent", "action_specific", "diurnal", "paroxysmal"]
# COL-CAP: head-on-neck ("caput", C1-C2) versus neck-on-trunk ("collis", C3-C7) movements.
CervicalPatternWord = Literal[
    "torticaput", "torticollis", "laterocaput", "laterocollis", "antecaput", "antecollis",
    "retrocaput", "retrocollis", "lateral_shift", "sagittal_shift",
]  # fmt: skip
ParkinsonTimingWord = Literal["off_period", "early_morning", "peak_dose"]

REGIONS: tuple[str, ...] = get_args(RegionWord)
FEATURES: tuple[str, ...] = get_args(FeatureWord)
HISTORY: tuple[str, ...] = get_args(HistoryWord)
SYMPTOMS: tuple[str, ...] = get_args(SymptomWord)
MRI_FINDINGS: tuple[str, ...] = get_args(MriFindingWord)
CERVICAL_PATTERNS: tuple[str, ...] = get_args(CervicalPatternWord)

_WORD = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Medication(_Model):
    """A drug the person takes or took (current or past exposure)."""

    name: str = Field(min_length=1, max_length=100)
    atc: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")
    started_days_before_onset: float | None = Field(default=None, ge=0, le=36500)
    ongoing: bool | None = None


class GeneticResult(_Model):
    """One gene's test result."""

    gene: str = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    result: Literal["pathogenic", "negative", "vus"]

    @model_validator(mode="after")
    def _upper(self) -> GeneticResult:
        object.__setattr__(self, "gene", self.gene.upper())
        return self


class Tests(_Model):
    """Results so far."""

    mri: Literal["normal", "abnormal"] | None = None
    mri_findings: list[MriFindingWord] = Field(default_factory=list)
    ct: Literal["normal", "abnormal"] | None = None
    ceruloplasmin_mg_dl: float | None = Field(default=None, ge=0, le=200)
    urine_copper_ug_24h: float | None = Field(default=None, ge=0, le=100000)
    kayser_fleischer_rings: bool | None = None
    genetic: list[GeneticResult] = Field(default_factory=list)

    @model_validator(mode="after")
    def _findings_need_abnormal(self) -> Tests:
        if self.mri_findings and self.mri == "normal":
            from dystonia.exceptions import InvalidInputError

            raise InvalidInputError(
                "tests.mri_findings",
                list(self.mri_findings),
                reason="lists lesions although tests.mri is 'normal'",
                allowed="an empty list when mri is normal",
            )
        return self


class Findings(_Model):
    """A patient's findings, the input of :func:`dystonia.assess` (contracts/clinical.md).

    Optional fields beyond the contract: ``cervical_pattern`` (COL-CAP directions of the head and
    neck) and ``parkinson_dystonia_timing`` (off-period, early-morning, peak-dose).
    """

    age_at_onset: float | None = Field(ge=0, le=120)
    age: float | None = Field(default=None, ge=0, le=120)
    sex: Literal["female", "male", "other"] | None = None
    regions: list[RegionWord] = Field(min_length=1)
    onset_region: RegionWord | None = None
    course: Literal["static", "progressive"] | None = None
    variability: list[VariabilityWord] = Field(default_factory=list)
    task_specific: list[str] = Field(default_factory=list)
    onset_mode: Literal["sudden", "gradual"] | None = None
    fixed_posture: bool | None = None
    distractible: bool | None = None
    sensory_trick: bool | None = None
    family_history: bool | None = None
    associated_features: list[FeatureWord] = Field(default_factory=list)
    symptoms: list[SymptomWord] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    history: list[HistoryWord] = Field(default_factory=list)
    tests: Tests = Field(default_factory=Tests)
    levodopa_response: Literal["marked", "partial", "none"] | None = None
    cervical_pattern: list[CervicalPatternWord] = Field(default_factory=list)
    parkinson_dystonia_timing: list[ParkinsonTimingWord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Findings:
        from dystonia.exceptions import InvalidInputError

        if self.age is not None and self.age_at_onset is not None and self.age_at_onset > self.age:
            raise InvalidInputError(
                "age_at_onset",
                self.age_at_onset,
                allowed=f"0..{self.age:g} (not more than age)",
                reason=f"{self.age_at_onset:g} is after the current age {self.age:g}",
            )
        for i, task in enumerate(self.task_specific):
            import re

            if not re.match(_WORD, task):
                raise InvalidInputError(
                    f"task_specific[{i}]",
                    task,
                    allowed="lower-case words joined by underscores, e.g. writing, "
                    "playing_instrument, walking_forward",
                )
        if self.cervical_pattern and "neck" not in self.regions:
            raise InvalidInputError(
                "cervical_pattern",
                list(self.cervical_pattern),
                reason="is given but 'neck' is not among the regions",
                allowed="only with neck in regions",
            )
        return self


def parse_findings(data: Findings | Mapping[str, Any]) -> Findings:
    """Validate a mapping (parsed YAML or JSON) into :class:`Findings`.

    Raises
    ------
    dystonia.exceptions.InvalidInputError
        For the first problem, naming the field, the value, what is allowed and the closest word.
    """
    if isinstance(data, Findings):
        return data
    if not isinstance(data, Mapping):
        from dystonia.exceptions import InvalidInputError

        raise InvalidInputError("(root)", type(data).__name__, reason="findings must be a mapping")
    try:
        return Findings.model_validate(dict(data))
    except ValidationError as exc:
        raise from_pydantic_error(exc) from None
