"""The access policy, role x action x resource, written out independently of policy.MATRIX.

Each cell is what contracts/api.md and issue #5 require: a clinician sees only assigned
patients, a patient only themself, admins manage accounts and read everything but write no
clinical record. "own" = the patient is the clinician's assigned patient / the patient
themself; "other" = any other patient. Every cell is checked twice: on the pure policy and on
the records service against a real database (where refusals must be 404 for patients one may
not see and 403 for actions one may not do on a visible patient).
"""

from __future__ import annotations

import datetime as dt

import pytest

from dystonia.records.policy import (
    ACTIONS,
    ROLES,
    AccessDeniedError,
    NotFoundError,
    Principal,
    allowed,
    check,
)

# role -> action -> (own patient, other patient); for global actions both columns are equal.
Y, N = True, False
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "admin": {
        "patient.list": (Y, Y), "patient.create": (Y, Y), "patient.read": (Y, Y),
        "patient.assign": (Y, Y), "visit.create": (N, N), "visit.read": (Y, Y),
        "assessment.create": (N, N), "assessment.read": (Y, Y), "scale.create": (N, N),
        "scale.read": (Y, Y), "medication.create": (N, N), "medication.read": (Y, Y),
        "toxin.create": (N, N), "toxin.read": (Y, Y), "recording.create": (N, N), "ink.create": (N, N),
        "recording.read": (Y, Y), "diary.create": (N, N), "diary.read": (Y, Y),
        "record.void": (N, N), "summary.read": (Y, Y), "fhir.export": (Y, Y),
        "fhir.import": (Y, Y), "report.export": (Y, Y), "user.manage": (Y, Y), "audit.read": (Y, Y), "audit.verify": (Y, Y),
    },
    "clinician": {
        "patient.list": (Y, Y), "patient.create": (Y, Y), "patient.read": (Y, N),
        "patient.assign": (N, N), "visit.create": (Y, N), "visit.read": (Y, N),
        "assessment.create": (Y, N), "assessment.read": (Y, N), "scale.create": (Y, N),
        "scale.read": (Y, N), "medication.create": (Y, N), "medication.read": (Y, N),
        "toxin.create": (Y, N), "toxin.read": (Y, N), "recording.create": (Y, N), "ink.create": (Y, N),
        "recording.read": (Y, N), "diary.create": (Y, N), "diary.read": (Y, N),
        "record.void": (Y, N), "summary.read": (Y, N), "fhir.export": (Y, N),
        "fhir.import": (Y, N), "report.export": (Y, N), "user.manage": (N, N), "audit.read": (N, N), "audit.verify": (N, N),
    },
    "patient": {
        "patient.list": (Y, Y), "patient.create": (N, N), "patient.read": (Y, N),
        "patient.assign": (N, N), "visit.create": (N, N), "visit.read": (Y, N),
        "assessment.create": (N, N), "assessment.read": (Y, N), "scale.create": (N, N),
        "scale.read": (Y, N), "medication.create": (N, N), "medication.read": (Y, N),
        "toxin.create": (N, N), "toxin.read": (Y, N), "recording.create": (N, N), "ink.create": (Y, N),
        "recording.read": (Y, N), "diary.create": (Y, N), "diary.read": (Y, N),
        "record.void": (N, N), "summary.read": (Y, N), "fhir.export": (N, N),
        "fhir.import": (N, N), "report.export": (N, N), "user.manage": (N, N), "audit.read": (N, N), "audit.verify": (N, N),
    },
}  # fmt: skip

OWN, OTHER = 10, 20


def _principal(role: str) -> Principal:
    return Principal(1, f"u-{role}", role, OWN if role == "patient" else None)  # type: ignore[arg-type]


def test_expected_table_covers_every_role_and_action() -> None:
    assert set(EXPECTED) == set(ROLES)
    for role in ROLES:
        assert set(EXPECTED[role]) == set(ACTIONS), role


CELLS = [(r, a, col) for r in ROLES for a in ACTIONS for col in (0, 1)]


@pytest.mark.parametrize(("role", "action", "col"), CELLS)
def test_pure_policy_cell(role: str, action: str, col: int) -> None:
    who = _principal(role)
    pid = OWN if col == 0 else OTHER
    got = allowed(who, action, patient_id=pid, assigned=(role == "clinician" and col == 0))
    assert got is EXPECTED[role][action][col]


@pytest.mark.parametrize(("role", "action"), [(r, a) for r in ROLES for a in ACTIONS if ACTIONS[a]])
def test_refusals_do_not_leak_existence(role: str, action: str) -> None:
    who = _principal(role)
    assigned = role == "clinician"
    for pid, is_own in ((OWN, True), (OTHER, False)):
        ok = EXPECTED[role][action][0 if is_own else 1]
        if ok:
            check(who, action, patient_id=pid, assigned=assigned and is_own)
            continue
        sees = EXPECTED[role]["patient.read"][0 if is_own else 1]
        with pytest.raises(AccessDeniedError if sees else NotFoundError):
            check(who, action, patient_id=pid, assigned=assigned and is_own)


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        allowed(_principal("admin"), "patient.delete")


# ------------------------------------------------------------------ the same matrix, end to end
@pytest.fixture
def world(records):  # type: ignore[no-untyped-def]
    """Two patients, their accounts, one clinician assigned to the first only, and an admin."""
    from dystonia.records.service import SYSTEM

    r = records
    own = r.create_patient(SYSTEM, "Own Patient")["id"]
    other = r.create_patient(SYSTEM, "Other Patient")["id"]
    r.add_user(SYSTEM, "clin", "clinician pw 1", "clinician")
    r.add_user(SYSTEM, "adm", "admin password 1", "admin")
    r.add_user(SYSTEM, "pat", "patient pw 123", "patient", patient_id=own)
    r.assign(SYSTEM, own, "clin")
    # the clinician is NOT assigned to `other`
    people = {
        "clinician": r.sign_in("clin", "clinician pw 1")[0].principal,
        "admin": r.sign_in("adm", "admin password 1")[0].principal,
        "patient": r.sign_in("pat", "patient pw 123")[0].principal,
    }
    return r, people, {"own": own, "other": other}


SESSION = {
    "product": "onabotulinumtoxin_a",
    "date": "2026-01-05",
    "dilution_units_per_ml": 50,
    "indication": "cervical_dystonia",
    "injections": [{"muscle": "splenius_capitis", "side": "right", "units": 60, "guidance": "emg"}],
}

# service call per action (patient-scoped actions only)
OPERATIONS = {
    "patient.read": lambda r, who, pid: r.get_patient(who, pid),
    "visit.create": lambda r, who, pid: r.add_visit(who, pid, day="2026-01-03", note="follow-up"),
    "assessment.create": lambda r, who, pid: r.add_assessment(who, pid, {"age_at_onset": 40, "regions": ["neck"]}),
    "assessment.read": lambda r, who, pid: r.list_assessments(who, pid),
    "scale.create": lambda r, who, pid: r.add_scale(who, pid, "jrs", {"severity": 2, "frequency": 1}),
    "scale.read": lambda r, who, pid: r.list_scales(who, pid),
    "diary.create": lambda r, who, pid: r.add_diary(who, pid, day=dt.date(2026, 1, 2), severity_0_10=3),
    "diary.read": lambda r, who, pid: r.list_diary(who, pid),
    "medication.create": lambda r, who, pid: r.add_medication(who, pid, name="clonazepam"),
    "toxin.create": lambda r, who, pid: r.add_toxin_session(who, pid, SESSION),
    "fhir.export": lambda r, who, pid: r._patient_scoped(who, "fhir.export", pid, "fhir", lambda s, p: (None, p.id)),
    "report.export": lambda r, who, pid: r.report_overview(who, pid),
}  # fmt: skip


def test_service_matrix(world) -> None:  # type: ignore[no-untyped-def]
    """Every role x patient-scoped operation x (own, other) on a real database."""
    r, people, ids = world
    checked = 0
    for role, who in people.items():
        for action, op in OPERATIONS.items():
            for col, key in ((0, "own"), (1, "other")):
                expected = EXPECTED[role][action][col]
                sees = EXPECTED[role]["patient.read"][col]
                if expected:
                    op(r, who, ids[key])
                else:
                    with pytest.raises(AccessDeniedError if sees else NotFoundError):
                        op(r, who, ids[key])
                checked += 1
    assert checked == 3 * len(OPERATIONS) * 2


def test_service_list_is_scoped(world) -> None:  # type: ignore[no-untyped-def]
    r, people, ids = world
    assert [p["id"] for p in r.list_patients(people["clinician"])] == [ids["own"]]
    assert [p["id"] for p in r.list_patients(people["patient"])] == [ids["own"]]
    assert sorted(p["id"] for p in r.list_patients(people["admin"])) == sorted(ids.values())


def test_unknown_patient_id_is_404_for_everyone(world) -> None:  # type: ignore[no-untyped-def]
    r, people, _ = world
    for who in people.values():
        with pytest.raises(NotFoundError):
            r.get_patient(who, 999_999)


def test_refusals_are_audited(world) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.service import SYSTEM

    r, people, ids = world
    with pytest.raises(NotFoundError):
        r.get_patient(people["patient"], ids["other"])
    events = r.audit_events(SYSTEM, limit=5)
    denied = [e for e in events if e["outcome"] == "denied"]
    assert denied and denied[0]["actor"] == "pat" and denied[0]["patient_id"] == ids["other"]


def test_global_actions_refused_for_non_admins(world) -> None:  # type: ignore[no-untyped-def]
    r, people, _ = world
    for role in ("clinician", "patient"):
        with pytest.raises(AccessDeniedError):
            r.list_users(people[role])
        with pytest.raises(AccessDeniedError):
            r.audit_events(people[role])
        with pytest.raises(AccessDeniedError):
            r.add_user(people[role], "newbie", "long enough pw", "clinician")
    with pytest.raises(AccessDeniedError):
        r.create_patient(people["patient"], "Sneaky")


def test_policy_document_is_current() -> None:
    import subprocess
    import sys
    from pathlib import Path

    tool = Path(__file__).resolve().parents[2] / "tools" / "render_policy.py"
    out = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
