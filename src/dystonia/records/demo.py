"""Fictional demo data: patients whose histories show what the workbench does.

Every demo patient is flagged ``demo`` and named "(fictional)"; nothing here describes a real
person. :func:`seed_history` writes years of visits in one transaction (used by the demo and by
the patient-page benchmark); :func:`load_demo` creates the demo accounts and patients.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from dystonia.records.audit import append_event
from dystonia.records.models import (
    Assessment,
    Assignment,
    DiaryEntry,
    Medication,
    Patient,
    ScaleItem,
    ScaleResult,
    ToxinInjection,
    ToxinSession,
    User,
)
from dystonia.records.service import SYSTEM, Records

__all__ = ["DemoLogin", "load_demo", "seed_history"]

CERVICAL_FINDINGS: dict[str, Any] = {
    "age_at_onset": 44,
    "age": 47,
    "sex": "female",
    "regions": ["neck"],
    "onset_region": "neck",
    "course": "static",
    "variability": ["persistent"],
    "sensory_trick": True,
    "associated_features": ["tremor"],
    "symptoms": ["abnormal_posture", "pain", "tremor"],
    "cervical_pattern": ["torticollis", "laterocaput"],
    "tests": {"ceruloplasmin_mg_dl": 28},
}
BLEPHAROSPASM_FINDINGS: dict[str, Any] = {
    "age_at_onset": 58,
    "age": 61,
    "sex": "male",
    "regions": ["upper_face"],
    "course": "static",
    "sensory_trick": True,
    "symptoms": ["eye_blinking", "eyelid_spasms"],
}
WRITERS_CRAMP_FINDINGS: dict[str, Any] = {
    "age_at_onset": 34,
    "age": 36,
    "sex": "other",
    "regions": ["right_arm_distal"],
    "course": "static",
    "variability": ["action_specific"],
    "task_specific": ["writing"],
    "symptoms": ["abnormal_posture", "difficulty_moving"],
}

_CERVICAL_MUSCLES = (
    ("sternocleidomastoid", "left", 0.25),
    ("splenius_capitis", "right", 0.35),
    ("trapezius", "right", 0.2),
    ("levator_scapulae", "right", 0.2),
)


def seed_history(
    records: Records,
    *,
    patient_id: int,
    clinician_id: int,
    years: float = 3.0,
    findings: dict[str, Any] | None = None,
    product: str = "onabotulinumtoxin_a",
    base_units: float = 240.0,
    seed: int = 7,
    end: dt.date | None = None,
) -> dict[str, int]:
    """Write a plausible cervical-dystonia history: a toxin session and a TWSTRS every 12
    weeks, wearing off in the diary before each session, one assessment, two medications.

    Returns the number of rows written per kind. One audit event records the load.
    """
    from dystonia.clinical.engine import assess
    from dystonia.scales import score

    rng = np.random.default_rng(seed)
    end = end or dt.date.today()
    start = end - dt.timedelta(days=round(365.25 * years))
    findings = findings or CERVICAL_FINDINGS
    counts = {"toxin": 0, "scales": 0, "diary": 0, "assessments": 0, "medications": 0}
    with records.db.session() as s:
        result = assess(findings).to_dict()
        s.add(
            Assessment(
                patient_id=patient_id,
                assessed_on=start,
                findings=findings,
                result=result,
                rules_version=result["rules_version"],
                created_by=clinician_id,
            )
        )
        counts["assessments"] = 1
        for name, dose, begin in (
            ("trihexyphenidyl", "2 mg three times daily", 0),
            ("clonazepam", "0.5 mg at night", 400),
        ):
            s.add(
                Medication(
                    patient_id=patient_id,
                    name=name,
                    atc={"trihexyphenidyl": "N04AA01", "clonazepam": "N03AE01"}[name],
                    dopamine_blocker="none",
                    dose=dose,
                    start_date=start + dt.timedelta(days=begin),
                    created_by=clinician_id,
                )
            )
            counts["medications"] += 1
        sessions: list[dt.date] = []
        day = start + dt.timedelta(days=14)
        while day <= end:
            sessions.append(day)
            day += dt.timedelta(days=84 + int(rng.integers(0, 15)))
        for k, when in enumerate(sessions):
            units = round(base_units * (1 + 0.1 * np.tanh(k / 4)) / 5) * 5
            row = ToxinSession(
                patient_id=patient_id,
                session_date=when,
                product=product,
                indication="cervical_dystonia",
                dilution_units_per_ml=50.0,
                total_units=float(units),
                warnings=[],
                created_by=clinician_id,
            )
            row.injections = [
                ToxinInjection(
                    position=i, muscle=m, side=side, units=float(round(units * w)), guidance="emg"
                )
                for i, (m, side, w) in enumerate(_CERVICAL_MUSCLES)
            ]
            row.total_units = float(sum(i.units for i in row.injections))
            s.add(row)
            counts["toxin"] += 1
            # TWSTRS at the session visit (before injecting: the trough) and 4 weeks after (peak).
            for offset, trough in ((0, True), (28, False)):
                rated = when + dt.timedelta(days=offset)
                if rated > end:
                    continue
                level = 0.75 if trough else 0.45
                items = _twstrs_items(rng, level)
                res = score("twstrs", items)
                sr = ScaleResult(
                    patient_id=patient_id,
                    rated_on=rated,
                    scale="twstrs",
                    version=res.version,
                    total=res.total,
                    maximum=res.max,
                    result=res.to_dict(),
                    created_by=clinician_id,
                )
                sr.items = [
                    ScaleItem(position=i, item=key, value=None if v is None else float(v))
                    for i, (key, v) in enumerate(res.items.items())
                ]
                s.add(sr)
                counts["scales"] += 1
        # Diary: severity lowest ~3-6 weeks after a session, rising as the toxin wears off.
        d = start
        session_arr = np.array([x.toordinal() for x in sessions])
        while d <= end:
            since = d.toordinal() - session_arr[session_arr <= d.toordinal()]
            days_since = int(since.min()) if since.size else 100
            wear = min(1.0, max(0.0, (days_since - 35) / 50))
            onset = min(1.0, days_since / 10)
            sev = 7.5 - 4.0 * onset + 3.5 * wear + rng.normal(0, 0.8)
            pain = sev - 1 + rng.normal(0, 0.8)
            s.add(
                DiaryEntry(
                    patient_id=patient_id,
                    day=d,
                    severity_0_10=int(np.clip(round(sev), 0, 10)),
                    pain_0_10=int(np.clip(round(pain), 0, 10)),
                    created_by=clinician_id,
                )
            )
            counts["diary"] += 1
            d += dt.timedelta(days=1)
        append_event(
            s,
            records.key,
            SYSTEM,
            "demo.seed",
            "patient",
            resource_id=patient_id,
            patient_id=patient_id,
        )
    return counts


def _twstrs_items(rng: np.random.Generator, level: float) -> dict[str, float]:
    from dystonia.scales import get_scale

    desc = get_scale("twstrs").describe()
    items: dict[str, float] = {}
    for item in desc["items"]:
        lo, hi, step = float(item["min"]), float(item["max"]), float(item["step"])
        value = lo + (hi - lo) * float(np.clip(level + rng.normal(0, 0.12), 0, 1))
        items[item["id"]] = round(value / step) * step
    return items


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and its password (printed by ``dystonia serve --demo``)."""

    username: str
    role: str
    password: str
    note: str


def _ensure_user(
    records: Records, username: str, role: str, patient_id: int | None = None
) -> tuple[int, str]:
    from dystonia.records.accounts import hash_password

    password = secrets.token_urlsafe(12)
    with records.db.session() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = User(
                username=username,
                password_hash=hash_password(password),
                role=role,
                patient_id=patient_id,
            )
            s.add(user)
            s.flush()
            append_event(s, records.key, SYSTEM, "user.create", "user", resource_id=user.id)
        else:  # a new demo password each start; the old one stops working
            user.password_hash = hash_password(password)
            user.active = True
            append_event(s, records.key, SYSTEM, "user.password_reset", "user", resource_id=user.id)
        return user.id, password


def load_demo(records: Records) -> list[DemoLogin]:
    """Create the demo patients (once) and demo accounts (passwords renewed each call)."""
    with records.db.session() as s:
        existing = {
            p.display_name: p.id
            for p in s.execute(select(Patient).where(Patient.demo.is_(True))).scalars()
        }
    clin_id, clin_pw = _ensure_user(records, "dr.demo", "clinician")
    admin_id, admin_pw = _ensure_user(records, "admin.demo", "admin")
    del admin_id
    patients: dict[str, int] = dict(existing)
    specs = (
        ("Alex Example (fictional)", 1979, "female", CERVICAL_FINDINGS, 3.0),
        ("Sam Sample (fictional)", 1964, "male", BLEPHAROSPASM_FINDINGS, 0.0),
        ("Robin Placeholder (fictional)", 1990, "other", WRITERS_CRAMP_FINDINGS, 0.0),
    )
    clinician = SYSTEM
    for name, year, sex, findings, years in specs:
        if name in patients:
            continue
        p = records.create_patient(clinician, name, birth_year=year, sex=sex, demo=True)
        patients[name] = p["id"]
        with records.db.session() as s:
            s.add(Assignment(clinician_id=clin_id, patient_id=p["id"]))
        if years > 0:
            seed_history(
                records, patient_id=p["id"], clinician_id=clin_id, years=years, findings=findings
            )
        else:
            from dystonia.records.accounts import principal_of

            with records.db.session() as s:
                doctor = principal_of(s.get(User, clin_id))  # type: ignore[arg-type]
            records.add_assessment(doctor, p["id"], findings)
    pat_id, pat_pw = _ensure_user(
        records, "alex.demo", "patient", patients["Alex Example (fictional)"]
    )
    del pat_id
    return [
        DemoLogin("dr.demo", "clinician", clin_pw, "assigned to the three demo patients"),
        DemoLogin("alex.demo", "patient", pat_pw, "the patient portal of Alex Example (fictional)"),
        DemoLogin("admin.demo", "admin", admin_pw, "accounts, assignments and the audit log"),
    ]
