"""Tunable parameters of the assessment, with defaults taken from the rule book."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from dystonia.exceptions import InvalidInputError
from dystonia.knowledge import rulebook
from dystonia.validation import check_option, check_range

__all__ = ["AssessOptions"]


@dataclass(frozen=True, kw_only=True)
class AssessOptions:
    """Parameters of the rules; each default lives in ``knowledge/rules.yaml``.

    Parameters
    ----------
    distribution_convention : {"connected", "literal_2013"}
        ``connected`` (this project's contract): two or more regions forming one contiguous group
        are segmental. ``literal_2013``: three or more regions (not generalized or hemidystonia)
        are multifocal, after the literal 2013 wording.
    hemidystonia_allows_axial : bool
        Whether neck involvement still allows hemidystonia (cranial regions always do).
    wilson_age_threshold_years : float
        Screen for Wilson disease when onset is before this age.
    acute_window_days, tardive_min_days, tardive_min_days_older, older_age_years : float
        Timing windows of drug-induced dystonia.
    ceruloplasmin_low_mg_dl, urine_copper_high_ug_24h : float
        Wilson screening thresholds.
    early_onset_max_age_years : float
        Oldest onset age (completed years) counted as early onset.
    tor1a_limb_onset_before_years : float
        TOR1A testing for limb onset before this age (EFNS 2011: 30).
    functional_min_clues : int
        How many of the three functional clues (sudden onset, fixed posture, peripheral trauma)
        make functional dystonia suspected.
    """

    distribution_convention: Literal["connected", "literal_2013"] = "connected"
    hemidystonia_allows_axial: bool = False
    wilson_age_threshold_years: float = 50
    acute_window_days: float = 5
    tardive_min_days: float = 90
    tardive_min_days_older: float = 30
    older_age_years: float = 60
    ceruloplasmin_low_mg_dl: float = 20
    urine_copper_high_ug_24h: float = 40
    early_onset_max_age_years: float = 20
    tor1a_limb_onset_before_years: float = 30
    functional_min_clues: int = 2

    def __post_init__(self) -> None:
        check_option(
            "options.distribution_convention",
            self.distribution_convention,
            ["connected", "literal_2013"],
        )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in {"distribution_convention", "hemidystonia_allows_axial"}:
                continue
            check_range(f"options.{f.name}", value, low=0, high=36500)
        if self.functional_min_clues not in (1, 2, 3):
            raise InvalidInputError(
                "options.functional_min_clues", self.functional_min_clues, allowed=["1", "2", "3"]
            )
        if not isinstance(self.hemidystonia_allows_axial, bool):
            raise InvalidInputError(
                "options.hemidystonia_allows_axial",
                self.hemidystonia_allows_axial,
                allowed=["true", "false"],
            )

    @classmethod
    def from_rulebook(cls, **overrides: Any) -> AssessOptions:
        """Defaults from ``rules.yaml``, then ``overrides`` (unknown names are an error)."""
        known = {f.name for f in fields(cls)}
        for name in overrides:
            if name not in known:
                raise InvalidInputError(f"options.{name}", name, allowed=sorted(known))
        values = {k: v for k, v in rulebook().defaults().items() if k in known}
        values.update(overrides)
        return cls(**values)
