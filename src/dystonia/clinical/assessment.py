"""The assessment: what :func:`dystonia.assess` returns (contracts/clinical.md, exactly)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dystonia.clinical.trace import Reason

__all__ = ["DISCLAIMER", "Assessment", "EtiologyResult"]

DISCLAIMER = (
    "Decision support only: this assessment supports and does not replace a clinician's "
    "judgement. The diagnosis of dystonia rests on the history and the neurological examination."
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EtiologyResult(_Out):
    """Axis II: the category and the causes suspected."""

    category: Literal["inherited", "acquired", "idiopathic", "undetermined"]
    suspected: list[str]
    subtype: str | None = Field(default=None, description="idiopathic: familial or sporadic")


class Assessment(_Out):
    """A classification with its reasons (contracts/clinical.md)."""

    onset_band: (
        Literal["infancy", "childhood", "adolescence", "early_adulthood", "late_adulthood"] | None
    )
    distribution: Literal["focal", "segmental", "multifocal", "generalized", "hemidystonia"]
    focal_forms: list[str]
    isolated: bool
    etiology: EtiologyResult
    workup: list[dict[str, Any]]
    treatment: list[dict[str, Any]]
    codes: dict[str, list[str]]
    rationale: list[Reason]
    # additions beyond the contract
    regions_aggregated: list[str]
    distribution_detail: dict[str, Any]
    cervical_subtype: dict[str, Any] | None
    temporal: dict[str, Any]
    combined_with: list[str]
    red_flags: list[str]
    rules_version: str
    classification_version: str
    options: dict[str, Any]
    disclaimer: str = DISCLAIMER

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return self.model_dump(mode="json")
