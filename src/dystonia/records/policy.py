"""The access policy, in one place: who may do what to which patient's records.

The rules are data (:data:`MATRIX`), in the GNU Health style of declarative access rights, and
object scoping is done here rather than in each route (research/platform.md 2.1, 3.1):

=========  ===============================================================================
scope      meaning
=========  ===============================================================================
any        every patient (admins)
assigned   only the patients the clinician is assigned to (ASVS v5.0.0-8.2.2)
self       only the patient's own record (the patient portal)
=========  ===============================================================================

An action the matrix does not grant is refused. For patient-scoped actions the refusal looks
exactly like a missing patient (HTTP 404), so that nobody learns which patient ids exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dystonia.exceptions import DystoniaError

__all__ = [
    "ACTIONS",
    "MATRIX",
    "ROLES",
    "AccessDeniedError",
    "NotFoundError",
    "Principal",
    "allowed",
    "check",
]

Role = Literal["admin", "clinician", "patient"]
Scope = Literal["any", "assigned", "self"]

ROLES: tuple[Role, ...] = ("admin", "clinician", "patient")

#: Every action, with whether it concerns one patient's records.
ACTIONS: dict[str, bool] = {
    "patient.list": False,
    "patient.create": False,
    "patient.read": True,
    "patient.assign": True,
    "visit.create": True,
    "visit.read": True,
    "assessment.create": True,
    "assessment.read": True,
    "scale.create": True,
    "scale.read": True,
    "medication.create": True,
    "medication.read": True,
    "toxin.create": True,
    "toxin.read": True,
    "recording.create": True,
    "ink.create": True,
    "recording.read": True,
    "diary.create": True,
    "diary.read": True,
    "record.void": True,
    "summary.read": True,
    "fhir.export": True,
    "fhir.import": True,
    "report.export": True,
    "user.manage": False,
    "audit.read": False,
    "audit.verify": False,
}

_CLINICAL_WRITES = (
    "visit.create",
    "assessment.create",
    "scale.create",
    "medication.create",
    "toxin.create",
    "recording.create",
    "record.void",
)
_CLINICAL_READS = (
    "patient.read",
    "visit.read",
    "assessment.read",
    "scale.read",
    "medication.read",
    "toxin.read",
    "recording.read",
    "diary.read",
    "summary.read",
)

#: role -> action -> scope. Absent means refused.
MATRIX: dict[Role, dict[str, Scope]] = {
    "admin": {
        "patient.list": "any",
        "patient.create": "any",
        "patient.assign": "any",
        **{a: "any" for a in _CLINICAL_READS},
        "fhir.export": "any",
        "fhir.import": "any",
        "report.export": "any",
        "user.manage": "any",
        "audit.read": "any",
        "audit.verify": "any",
    },
    "clinician": {
        "patient.list": "assigned",
        "patient.create": "any",
        **{a: "assigned" for a in _CLINICAL_READS},
        **{a: "assigned" for a in _CLINICAL_WRITES},
        "diary.create": "assigned",
        "ink.create": "assigned",
        "fhir.export": "assigned",
        "fhir.import": "assigned",
        "report.export": "assigned",
    },
    "patient": {
        "patient.list": "self",
        **{a: "self" for a in _CLINICAL_READS},
        "diary.create": "self",
        "ink.create": "self",
    },
}


class AccessDeniedError(DystoniaError):
    """The action is not allowed for this user (HTTP 403)."""


class NotFoundError(DystoniaError):
    """No such record, or one the user may not know exists (HTTP 404)."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: the signed-in user, as the policy sees them."""

    user_id: int
    username: str
    role: Role
    patient_id: int | None = None
    ip: str | None = None

    @property
    def is_system(self) -> bool:
        """True for the command line's own account (id 0), used by ``--demo`` and the CLI."""
        return self.user_id == 0


def allowed(
    principal: Principal, action: str, *, patient_id: int | None = None, assigned: bool = False
) -> bool:
    """Whether ``principal`` may do ``action`` (on ``patient_id``'s records).

    Parameters
    ----------
    principal : Principal
        The user.
    action : str
        One of :data:`ACTIONS`.
    patient_id : int, optional
        The patient concerned, for patient-scoped actions.
    assigned : bool
        Whether the user is a clinician assigned to that patient.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    scope = MATRIX.get(principal.role, {}).get(action)
    if scope is None:
        return False
    if scope == "any":
        return True
    if not ACTIONS[action]:  # list/create actions: the scope filters what is listed
        return True
    if scope == "assigned":
        return assigned
    return patient_id is not None and principal.patient_id == patient_id


def check(
    principal: Principal, action: str, *, patient_id: int | None = None, assigned: bool = False
) -> None:
    """Raise unless :func:`allowed`.

    Raises
    ------
    NotFoundError
        A patient-scoped action on a patient the user may not see (no existence leak).
    AccessDeniedError
        Any other refused action.
    """
    if allowed(principal, action, patient_id=patient_id, assigned=assigned):
        return
    if ACTIONS[action] and not _sees_patient(principal, patient_id, assigned):
        raise NotFoundError("patient not found")
    raise AccessDeniedError(f"{principal.role} may not {action.replace('.', ' ')}")


def _sees_patient(principal: Principal, patient_id: int | None, assigned: bool) -> bool:
    return allowed(principal, "patient.read", patient_id=patient_id, assigned=assigned)
