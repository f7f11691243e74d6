"""The records service: every read and write of patient data, checked and audited.

:class:`Records` is the only door to the clinical tables. Each public method opens one
transaction, asks :mod:`dystonia.records.policy` whether the acting :class:`Principal` may do it,
does it, and appends an audit event (:mod:`dystonia.records.audit`) in the same transaction. A
refused access is audited too (outcome ``denied``) and then raised, as
:class:`~dystonia.records.policy.NotFoundError` (HTTP 404, no existence leak) or
:class:`~dystonia.records.policy.AccessDeniedError` (HTTP 403).

Bad input raises :class:`~dystonia.exceptions.InvalidInputError` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from dystonia.exceptions import DystoniaError, InvalidInputError
from dystonia.records import accounts, totp
from dystonia.records.audit import ChainReport, append_event, verify_chain
from dystonia.records.config import audit_key
from dystonia.records.db import Database
from dystonia.records.models import (
    Assessment,
    Assignment,
    AuditEvent,
    Blob,
    DiaryEntry,
    Medication,
    Patient,
    Recording,
    ScaleItem,
    ScaleResult,
    ToxinInjection,
    ToxinSession,
    User,
    Visit,
    utcnow,
)
from dystonia.records.policy import (
    AccessDeniedError,
    NotFoundError,
    Principal,
    allowed,
)

__all__ = ["SYSTEM", "VOIDABLE", "Records"]

T = TypeVar("T")

#: The command line's own identity (``dystonia users add``, ``--demo``): an admin with id 0.
SYSTEM = Principal(0, "system", "admin")

#: Record kinds that can be voided, and their tables.
VOIDABLE: dict[str, type[Any]] = {
    "visit": Visit,
    "assessment": Assessment,
    "scale": ScaleResult,
    "medication": Medication,
    "toxin": ToxinSession,
    "recording": Recording,
    "diary": DiaryEntry,
}

SEXES = ("female", "male", "other", "unknown")
VISIT_KINDS = ("clinic", "telephone", "video", "injection", "other")
MAX_UPLOAD_BYTES = int(os.environ.get("DYSTONIA_MAX_UPLOAD_MB", "256")) * 1024 * 1024
#: File types accepted for motion recordings (the readers of :mod:`dystonia.motion.io`).
RECORDING_SUFFIXES = (".cwa", ".bin", ".csv", ".parquet")
INK_TASKS = ("auto", "spiral", "writing")
NAME_MAX = 200
NOTE_MAX = 2000


def _today() -> dt.date:
    return dt.date.today()


def _as_date(value: object, field: str, *, default_today: bool = True) -> dt.date:
    if value is None or value == "":
        if default_today:
            return _today()
        raise InvalidInputError(field, value, allowed="a date YYYY-MM-DD")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInputError(field, value, allowed="a date YYYY-MM-DD") from None
    if day > _today() + dt.timedelta(days=1):
        raise InvalidInputError(field, str(day), reason="is in the future")
    if day.year < 1900:
        raise InvalidInputError(field, str(day), allowed="1900 or later")
    return day


def _text(value: object, field: str, *, max_len: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInputError(field, value, reason="is required")
        return None
    if not isinstance(value, str):
        raise InvalidInputError(field, value, allowed="text")
    text = value.strip()
    if len(text) > max_len:
        raise InvalidInputError(field, text[:20] + "...", allowed=f"at most {max_len} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInputError(field, text[:20], reason="contains control characters")
    return text


def _int_in(value: object, field: str, lo: int, hi: int, *, optional: bool = False) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise InvalidInputError(field, value, allowed=f"a whole number {lo}-{hi}")
    if isinstance(value, bool):
        raise InvalidInputError(field, value, allowed=f"a whole number {lo}-{hi}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInputError(field, value, allowed=f"a whole number {lo}-{hi}") from None
    if not number.is_integer() or not lo <= number <= hi:
        raise InvalidInputError(field, value, allowed=f"a whole number {lo}-{hi}")
    return int(number)


def _stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives naive UTC back; as replace(tzinfo=UTC), 3x faster
        return value.isoformat(timespec="seconds") + "+00:00"
    return value.isoformat(timespec="seconds")


def _void_dict(row: Any) -> dict[str, Any]:
    return {
        "voided": row.voided_at is not None,
        "void_reason": row.void_reason,
        "created_at": _stamp(row.created_at),
    }


def patient_dict(p: Patient) -> dict[str, Any]:
    """JSON form of a patient."""
    return {
        "id": p.id,
        "display_name": p.display_name,
        "birth_year": p.birth_year,
        "sex": p.sex,
        "demo": p.demo,
        "created_at": _stamp(p.created_at),
    }


def assessment_dict(a: Assessment) -> dict[str, Any]:
    """JSON form of a stored assessment: findings, the assessment, and the rule version."""
    return {
        "id": a.id,
        "patient_id": a.patient_id,
        "assessed_on": a.assessed_on.isoformat(),
        "rules_version": a.rules_version,
        "findings": a.findings,
        "assessment": a.result,
        **_void_dict(a),
    }


def scale_dict(r: ScaleResult) -> dict[str, Any]:
    """JSON form of a stored scale result (as ``dystonia score`` prints it, plus ids)."""
    return {
        "id": r.id,
        "patient_id": r.patient_id,
        "rated_on": r.rated_on.isoformat(),
        **r.result,
        **_void_dict(r),
    }


def diary_dict(d: DiaryEntry | Any) -> dict[str, Any]:
    """JSON form of a diary day (an entity, or a row of :data:`_DIARY_COLUMNS`)."""
    if isinstance(d, DiaryEntry):
        values: Any = (d.id, d.patient_id, d.day, d.severity_0_10, d.pain_0_10, d.note)
        values += (d.voided_at, d.void_reason, d.created_at)
    else:  # a row, unpacked by position: ~3x faster than by name (~3,650 rows per 10 years)
        values = d
    row_id, patient_id, day, severity, pain, note, voided_at, void_reason, created_at = values
    return {
        "id": row_id,
        "patient_id": patient_id,
        "date": day.isoformat(),
        "severity_0_10": severity,
        "pain_0_10": pain,
        "note": note,
        "voided": voided_at is not None,
        "void_reason": void_reason,
        "created_at": _stamp(created_at),
    }


_DIARY_COLUMNS = (
    DiaryEntry.id,
    DiaryEntry.patient_id,
    DiaryEntry.day,
    DiaryEntry.severity_0_10,
    DiaryEntry.pain_0_10,
    DiaryEntry.note,
    DiaryEntry.voided_at,
    DiaryEntry.void_reason,
    DiaryEntry.created_at,
)


def medication_dict(m: Medication) -> dict[str, Any]:
    """JSON form of a medication."""
    return {
        "id": m.id,
        "patient_id": m.patient_id,
        "name": m.name,
        "atc": m.atc,
        "dopamine_blocker": m.dopamine_blocker,
        "dose": m.dose,
        "start_date": m.start_date.isoformat() if m.start_date else None,
        "stop_date": m.stop_date.isoformat() if m.stop_date else None,
        "note": m.note,
        **_void_dict(m),
    }


def toxin_dict(t: ToxinSession) -> dict[str, Any]:
    """JSON form of an injection session; units always travel with their product."""
    return {
        "id": t.id,
        "patient_id": t.patient_id,
        "date": t.session_date.isoformat(),
        "product": t.product,
        "indication": t.indication,
        "dilution_units_per_ml": t.dilution_units_per_ml,
        "total_units": t.total_units,
        "units_of": t.product,
        "injections": [
            {"muscle": i.muscle, "side": i.side, "units": i.units, "guidance": i.guidance}
            for i in t.injections
        ],
        "warnings": t.warnings,
        **_void_dict(t),
    }


def visit_dict(v: Visit) -> dict[str, Any]:
    """JSON form of a visit."""
    return {
        "id": v.id,
        "patient_id": v.patient_id,
        "date": v.visit_date.isoformat(),
        "kind": v.kind,
        "note": v.note,
        **_void_dict(v),
    }


def recording_dict(r: Recording, *, with_analysis: bool = True) -> dict[str, Any]:
    """JSON form of an uploaded recording."""
    out: dict[str, Any] = {
        "id": r.id,
        "patient_id": r.patient_id,
        "sha256": r.sha256,
        "filename": r.filename,
        "format": r.file_format,
        "task": r.task,
        "recorded_on": r.recorded_on.isoformat() if r.recorded_on else None,
        **_void_dict(r),
    }
    if with_analysis:
        out["analysis"] = r.analysis
    return out


class Records:
    """All access to the clinic's records.

    Parameters
    ----------
    db : Database
        The database (already migrated).
    key : bytes, optional
        The audit chain key; default :func:`dystonia.records.config.audit_key`.
    totp_key : bytes, optional
        The key second-factor secrets are derived from; default
        :func:`dystonia.records.config.totp_key`, read when first needed.
    """

    def __init__(
        self, db: Database, key: bytes | None = None, *, totp_key: bytes | None = None
    ) -> None:
        self.db = db
        self.key = key if key is not None else audit_key()
        self._totp_key = totp_key

    @property
    def totp_key(self) -> bytes:
        """The key of :mod:`dystonia.records.totp` secrets (kept apart from the audit key)."""
        if self._totp_key is None:
            from dystonia.records.config import totp_key

            self._totp_key = totp_key()
        return self._totp_key

    # ------------------------------------------------------------------ plumbing
    def _assigned(self, s: Session, who: Principal, patient_id: int) -> bool:
        if who.role != "clinician":
            return False
        found = s.execute(
            select(Assignment.id).where(
                Assignment.clinician_id == who.user_id, Assignment.patient_id == patient_id
            )
        ).first()
        return found is not None

    def _patient_scoped(
        self,
        who: Principal,
        action: str,
        patient_id: int,
        resource: str,
        work: Callable[[Session, Patient], tuple[T, object]],
    ) -> T:
        """Run ``work`` if allowed; audit either way. ``work`` returns (result, resource id)."""
        refusal: DystoniaError | None = None
        with self.db.session() as s:
            patient = s.get(Patient, patient_id) if isinstance(patient_id, int) else None
            assigned = patient is not None and self._assigned(s, who, patient_id)
            sees = patient is not None and allowed(
                who, "patient.read", patient_id=patient_id, assigned=assigned
            )
            if not sees:
                refusal = NotFoundError("patient not found")
            elif not allowed(who, action, patient_id=patient_id, assigned=assigned):
                refusal = AccessDeniedError(f"{who.role} may not {action.replace('.', ' ')}")
            if refusal is not None:
                append_event(
                    s,
                    self.key,
                    who,
                    action,
                    resource,
                    patient_id=patient_id if isinstance(patient_id, int) else None,
                    outcome="denied",
                )
            else:
                assert patient is not None
                result, rid = work(s, patient)
                append_event(
                    s, self.key, who, action, resource, resource_id=rid, patient_id=patient_id
                )
                return result
        raise refusal

    def _global(self, who: Principal, action: str, resource: str) -> None:
        if not allowed(who, action):
            with self.db.session() as s:
                append_event(s, self.key, who, action, resource, outcome="denied")
            raise AccessDeniedError(f"{who.role} may not {action.replace('.', ' ')}")

    # ------------------------------------------------------------------ accounts
    def add_user(
        self,
        who: Principal,
        username: str,
        password: str,
        role: str,
        *,
        patient_id: int | None = None,
    ) -> dict[str, Any]:
        """Create an account (admins and the command line)."""
        self._global(who, "user.manage", "user")
        accounts.check_username(username)
        accounts.check_password_policy(password, username=username)
        accounts.check_role(role, patient_id)
        with self.db.session() as s:
            if patient_id is not None and s.get(Patient, patient_id) is None:
                raise InvalidInputError("patient_id", patient_id, reason="no such patient")
            if s.execute(select(User.id).where(User.username == username)).first():
                raise InvalidInputError("username", username, reason="is already taken")
            user = User(
                username=username,
                password_hash=accounts.hash_password(password),
                role=role,
                patient_id=patient_id,
            )
            s.add(user)
            s.flush()
            append_event(s, self.key, who, "user.create", "user", resource_id=user.id)
            return {"id": user.id, "username": username, "role": role, "patient_id": patient_id}

    def list_users(self, who: Principal) -> list[dict[str, Any]]:
        """Every account (admins)."""
        self._global(who, "user.manage", "user")
        with self.db.session() as s:
            users = s.execute(select(User).order_by(User.username)).scalars().all()
            append_event(s, self.key, who, "user.list", "user")
            return [
                {
                    "id": u.id,
                    "username": u.username,
                    "role": u.role,
                    "patient_id": u.patient_id,
                    "active": u.active,
                    "two_factor": bool(u.totp_nonce),
                }
                for u in users
            ]

    def set_user_active(self, who: Principal, user_id: int, active: bool) -> None:
        """Enable or disable an account; disabling ends its sessions (ASVS 7.4.2)."""
        self._global(who, "user.manage", "user")
        with self.db.session() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFoundError("user not found")
            user.active = active
            if not active:
                accounts.revoke_user_sessions(s, user_id)
            append_event(
                s,
                self.key,
                who,
                "user.enable" if active else "user.disable",
                "user",
                resource_id=user_id,
            )

    def sign_in(
        self, username: str, password: str, *, otp: str | None = None, ip: str | None = None
    ) -> tuple[accounts.SessionInfo, str] | None:
        """Check credentials and open a session: (session info, token), or None.

        An account with a second factor (:mod:`dystonia.records.totp`) also needs ``otp``, the
        current code of its authenticator. The same None for an unknown user, a wrong password,
        a wrong or missing code, a locked or a disabled account; a wrong code counts towards
        the lockout as a wrong password does.
        """
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        with self.db.session() as s:
            # the row is locked until commit (PostgreSQL; SQLite serialises writers anyway): two
            # sign-ins with one code, or parallel wrong codes, are counted one after the other
            user = s.execute(
                select(User).where(User.username == username[:64]).with_for_update()
            ).scalar_one_or_none()
            now = utcnow()
            locked = (
                user is not None
                and user.locked_until is not None
                and accounts._aware(user.locked_until) > now
            )
            ok = accounts.verify_password(user, password[: accounts.PASSWORD_MAX])
            code_ok, code_missing = True, False
            if ok and not locked and user is not None and user.active and user.totp_nonce:
                typed = otp.strip() if isinstance(otp, str) else ""
                code_missing = not typed
                code_ok = self._check_code(user, typed, now)
            if user is None or not ok or not code_ok or locked or not user.active:
                # a right password without the code (the field forgotten) is not a guess
                if user is not None and not locked and (not ok or not code_ok) and not code_missing:
                    self._count_failure(user, now)
                outcome = "failed"
                if locked:
                    outcome = "locked"
                elif user is not None and ok and not user.active:
                    outcome = "disabled"
                elif not code_ok:
                    outcome = "failed_code"
                append_event(
                    s,
                    self.key,
                    None,
                    "auth.login",
                    "session",
                    outcome=outcome,
                    actor=username[:64] if user is not None else "-unknown-",
                    ip=ip,
                )
                return None
            user.failed_logins = 0
            user.locked_until = None
            token, csrf = accounts.open_session(s, user)
            s.flush()
            who = accounts.principal_of(user, ip)
            append_event(s, self.key, who, "auth.login", "session")
            sid = s.execute(
                select(accounts.WebSession.id).where(
                    accounts.WebSession.token_sha256 == accounts.token_digest(token)
                )
            ).scalar_one()
            return accounts.SessionInfo(who, csrf, sid), token

    # ------------------------------------------------------------------ second factor
    def _count_failure(self, user: User, now: dt.datetime) -> bool:
        """One more failed proof of identity; True when it locks the account."""
        user.failed_logins += 1
        if user.failed_logins >= accounts.LOCK_AFTER_FAILURES:
            user.locked_until = now + dt.timedelta(minutes=accounts.LOCK_MINUTES)
            user.failed_logins = 0
            return True
        return False

    def _check_code(self, user: User, code: str, now: dt.datetime) -> bool:
        """Whether ``code`` is a current code of the account's factor, not used before; an
        accepted code's step is stored so that it never works again."""
        assert user.totp_nonce is not None
        secret = totp.derive_secret(self.totp_key, user.id, user.totp_nonce)
        step = totp.verify(secret, code, now.timestamp(), last_step=user.totp_last_step)
        if step is None:
            return False
        user.totp_last_step = step
        return True

    def _setup(self, user: User) -> dict[str, str]:
        """The pending enrolment's secret (base32, to type in) and its ``otpauth://`` URI."""
        assert user.totp_pending_nonce is not None
        secret = totp.derive_secret(self.totp_key, user.id, user.totp_pending_nonce)
        return {
            "secret": totp.secret_base32(secret),
            "uri": totp.provisioning_uri(secret, user.username),
        }

    @staticmethod
    def _clear_factor(user: User) -> None:
        user.totp_nonce = user.totp_pending_nonce = None
        user.totp_last_step = None

    def _own_account(self, s: Session, who: Principal) -> User:
        user = s.get(User, who.user_id, with_for_update=True)
        if user is None or not user.active:
            raise AccessDeniedError("only a signed-in account has a second factor")
        return user

    def _reauthenticate(
        self, who: Principal, action: str, password: object, code: object, *, need_code: bool
    ) -> None:
        """Prove it is the account's owner at the keyboard: the password, and a current code
        when a second factor is on (ASVS 3.7.1). A failure counts towards the lockout as a
        failed sign-in does, is audited, and when it locks the account ends all of its
        sessions (a stolen session cannot go on guessing)."""
        with self.db.session() as s:
            user = self._own_account(s, who)
            now = utcnow()
            ok = isinstance(password, str) and accounts.verify_password(
                user, password[: accounts.PASSWORD_MAX]
            )
            if ok and need_code:
                ok = self._check_code(user, str(code or ""), now)
            if ok:
                user.failed_logins = 0
                return
            locked = self._count_failure(user, now)
            if locked:
                accounts.revoke_user_sessions(s, user.id)
            append_event(
                s, self.key, who, action, "user", resource_id=user.id,
                outcome="locked" if locked else "failed",
            )  # fmt: skip
        what = "password or code" if need_code else "password"
        raise InvalidInputError(
            "password",
            None,
            reason=f"the {what} is wrong (each failure counts towards the lockout)",
        )

    def totp_status(self, who: Principal) -> dict[str, bool]:
        """Whether the signed-in account has a second factor, and an enrolment in progress."""
        with self.db.session() as s:
            user = self._own_account(s, who)
            return {"enabled": bool(user.totp_nonce), "pending": bool(user.totp_pending_nonce)}

    def totp_begin(self, who: Principal, password: object, code: object = None) -> dict[str, str]:
        """Start (or restart) an enrolment: a new secret to put in an authenticator app.

        The password is needed, and a current code of the factor already on, if any (ASVS
        3.7.1: a stolen session cannot replace the factor). Returns the secret in base32 (to
        type in) and its ``otpauth://`` URI. Nothing changes at sign-in until
        :meth:`totp_confirm` proves the app produces the codes: a factor already on stays on,
        and valid, until then.
        """
        enabled = self.totp_status(who)["enabled"]
        self._reauthenticate(who, "auth.2fa_begin", password, code, need_code=enabled)
        with self.db.session() as s:
            user = self._own_account(s, who)
            user.totp_pending_nonce = totp.new_nonce()
            append_event(s, self.key, who, "auth.2fa_begin", "user", resource_id=user.id)
            return self._setup(user)

    def totp_pending(self, who: Principal) -> dict[str, str] | None:
        """The enrolment in progress (secret and URI, as :meth:`totp_begin` gave them), or None:
        shown again after a mistyped code, so the app's entry stays valid."""
        with self.db.session() as s:
            user = self._own_account(s, who)
            return self._setup(user) if user.totp_pending_nonce else None

    def totp_confirm(self, who: Principal, code: object, *, session_id: int | None = None) -> None:
        """Turn the pending enrolment on, given a current code from the app; the account's
        sessions other than ``session_id`` (the one confirming) end (ASVS 3.3.3)."""
        with self.db.session() as s:
            user = self._own_account(s, who)
            if not user.totp_pending_nonce:
                raise InvalidInputError("code", None, reason="no set-up in progress; start one")
            secret = totp.derive_secret(self.totp_key, user.id, user.totp_pending_nonce)
            step = totp.verify(secret, str(code or ""), utcnow().timestamp(), last_step=None)
            if step is not None:
                user.totp_nonce, user.totp_pending_nonce = user.totp_pending_nonce, None
                user.totp_last_step = step
                accounts.revoke_user_sessions(s, user.id, keep=session_id)
            append_event(
                s, self.key, who, "auth.2fa_enable", "user", resource_id=user.id,
                outcome="ok" if step is not None else "failed",
            )  # fmt: skip
        if step is None:
            raise InvalidInputError(
                "code",
                None,  # a code is a credential: never echoed
                reason="does not match; type the 6 digits the app shows now",
            )

    def totp_disable(
        self, who: Principal, password: object, code: object, *, session_id: int | None = None
    ) -> None:
        """Turn the second factor off: the password and a current code are both needed; the
        account's sessions other than ``session_id`` end."""
        if not self.totp_status(who)["enabled"]:
            raise InvalidInputError("code", None, reason="no second factor is on")
        self._reauthenticate(who, "auth.2fa_disable", password, code, need_code=True)
        with self.db.session() as s:
            user = self._own_account(s, who)
            self._clear_factor(user)
            accounts.revoke_user_sessions(s, user.id, keep=session_id)
            append_event(s, self.key, who, "auth.2fa_disable", "user", resource_id=user.id)

    def totp_reset(self, who: Principal, account: str | int) -> None:
        """Remove an account's second factor (a lost phone; admins and the command line), by
        username or id. The account's sessions end; it signs in with its password alone until
        it enrols again. An account without one is an error, and nothing changes."""
        self._global(who, "user.manage", "user")
        with self.db.session() as s:
            if isinstance(account, int):
                user = s.get(User, account, with_for_update=True)
                if user is None:
                    raise NotFoundError("user not found")
            else:
                user = s.execute(
                    select(User).where(User.username == account).with_for_update()
                ).scalar_one_or_none()
                if user is None:
                    raise InvalidInputError("username", account, reason="no such account")
            if not (user.totp_nonce or user.totp_pending_nonce):
                raise InvalidInputError(
                    "username", user.username, reason="has no second factor to remove"
                )
            self._clear_factor(user)
            accounts.revoke_user_sessions(s, user.id)
            append_event(s, self.key, who, "auth.2fa_reset", "user", resource_id=user.id)

    def session(self, token: str, *, ip: str | None = None) -> accounts.SessionInfo | None:
        """The live session of a cookie token, or None."""
        with self.db.session() as s:
            return accounts.load_session(s, token, ip=ip)

    def sign_out(self, token: str, who: Principal | None = None) -> None:
        """End a session server-side."""
        with self.db.session() as s:
            if accounts.revoke_session(s, token):
                append_event(s, self.key, who, "auth.logout", "session")

    # ------------------------------------------------------------------ patients
    def create_patient(
        self,
        who: Principal,
        display_name: str,
        *,
        birth_year: object = None,
        sex: object = None,
        demo: bool = False,
    ) -> dict[str, Any]:
        """Create a patient; a creating clinician is assigned to them."""
        self._global(who, "patient.create", "patient")
        name = _text(display_name, "display_name", max_len=NAME_MAX, required=True)
        year = _int_in(birth_year, "birth_year", 1900, _today().year, optional=True)
        if sex in (None, ""):
            sex_value = None
        elif sex in SEXES:
            sex_value = str(sex)
        else:
            raise InvalidInputError("sex", sex, allowed=list(SEXES))
        with self.db.session() as s:
            p = Patient(
                display_name=name,
                birth_year=year,
                sex=sex_value,
                created_by=who.user_id,
                demo=demo,
            )
            s.add(p)
            s.flush()
            if who.role == "clinician":
                s.add(Assignment(clinician_id=who.user_id, patient_id=p.id))
            append_event(
                s, self.key, who, "patient.create", "patient", resource_id=p.id, patient_id=p.id
            )
            return patient_dict(p)

    def list_patients(self, who: Principal, query: str | None = None) -> list[dict[str, Any]]:
        """The patients ``who`` may see, optionally filtered by name."""
        self._global(who, "patient.list", "patient")
        with self.db.session() as s:
            stmt = select(Patient).order_by(Patient.display_name, Patient.id)
            if who.role == "clinician":
                stmt = stmt.join(Assignment, Assignment.patient_id == Patient.id).where(
                    Assignment.clinician_id == who.user_id
                )
            elif who.role == "patient":
                stmt = stmt.where(Patient.id == (who.patient_id or -1))
            q = _text(query, "q", max_len=100)
            if q:
                like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                stmt = stmt.where(Patient.display_name.ilike(like, escape="\\"))
            rows = s.execute(stmt).scalars().all()
            append_event(s, self.key, who, "patient.list", "patient", resource_id=len(rows))
            return [patient_dict(p) for p in rows]

    def get_patient(self, who: Principal, patient_id: int) -> dict[str, Any]:
        """One patient (404 for anyone who may not see them)."""
        return self._patient_scoped(
            who, "patient.read", patient_id, "patient", lambda s, p: (patient_dict(p), p.id)
        )

    def assign(self, who: Principal, patient_id: int, clinician_username: str) -> None:
        """Assign a clinician to a patient (admins)."""

        def work(s: Session, p: Patient) -> tuple[None, object]:
            clin = s.execute(
                select(User).where(User.username == clinician_username, User.role == "clinician")
            ).scalar_one_or_none()
            if clin is None:
                raise InvalidInputError("clinician", clinician_username, reason="no such clinician")
            if not self._assigned(s, accounts.principal_of(clin), p.id):
                s.add(Assignment(clinician_id=clin.id, patient_id=p.id))
            return None, clin.id

        self._patient_scoped(who, "patient.assign", patient_id, "assignment", work)

    # ------------------------------------------------------------------ clinical records
    def add_assessment(
        self,
        who: Principal,
        patient_id: int,
        findings: Mapping[str, Any],
        *,
        assessed_on: object = None,
    ) -> dict[str, Any]:
        """Assess findings with the clinical engine and store findings, result and rule version."""
        from dystonia.clinical.engine import assess
        from dystonia.clinical.findings import parse_findings

        if not isinstance(findings, Mapping):
            raise InvalidInputError("findings", type(findings).__name__, allowed="an object")
        day = _as_date(assessed_on, "assessed_on")
        parsed = parse_findings(findings)
        result = assess(parsed).to_dict()

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            row = Assessment(
                patient_id=p.id,
                assessed_on=day,
                findings=parsed.model_dump(mode="json", exclude_none=True),
                result=result,
                rules_version=str(result.get("rules_version", "")),
                created_by=who.user_id,
            )
            s.add(row)
            s.flush()
            return assessment_dict(row), row.id

        return self._patient_scoped(who, "assessment.create", patient_id, "assessment", work)

    def _newest_first(
        self,
        who: Principal,
        patient_id: int,
        kind: str,
        model: Any,
        day: Any,
        to_dict: Callable[[Any], dict[str, Any]],
        *conditions: Any,
    ) -> list[dict[str, Any]]:
        """Rows of one kind for a patient, newest first (voided ones included and marked)."""

        def work(s: Session, p: Patient) -> tuple[list[dict[str, Any]], object]:
            stmt = select(model).where(model.patient_id == p.id, *conditions)
            rows = s.execute(stmt.order_by(day.desc(), model.id.desc())).scalars()
            return [to_dict(r) for r in rows], None

        return self._patient_scoped(who, f"{kind}.read", patient_id, kind, work)

    def list_assessments(self, who: Principal, patient_id: int) -> list[dict[str, Any]]:
        """Assessments, newest first (voided ones included and marked)."""
        return self._newest_first(
            who, patient_id, "assessment", Assessment, Assessment.assessed_on, assessment_dict
        )

    def add_scale(
        self,
        who: Principal,
        patient_id: int,
        scale: str,
        items: Mapping[str, Any],
        *,
        version: str | None = None,
        rated_on: object = None,
    ) -> dict[str, Any]:
        """Score a scale (:func:`dystonia.scales.score`) and store it item by item."""
        from dystonia.scales import score

        if not isinstance(items, Mapping):
            raise InvalidInputError("items", type(items).__name__, allowed="an object")
        day = _as_date(rated_on, "rated_on")
        result = score(scale, items, version=version)
        data = result.to_dict()

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            row = ScaleResult(
                patient_id=p.id,
                rated_on=day,
                scale=result.scale,
                version=result.version,
                total=result.total,
                maximum=result.max,
                result=data,
                created_by=who.user_id,
            )
            row.items = [
                ScaleItem(position=i, item=k, value=None if v is None else float(v))
                for i, (k, v) in enumerate(result.items.items())
            ]
            s.add(row)
            s.flush()
            return scale_dict(row), row.id

        return self._patient_scoped(who, "scale.create", patient_id, "scale", work)

    def list_scales(
        self, who: Principal, patient_id: int, *, scale: str | None = None
    ) -> list[dict[str, Any]]:
        """Scale results, newest first (optionally of one scale)."""
        only = [ScaleResult.scale == scale] if scale else []
        return self._newest_first(
            who, patient_id, "scale", ScaleResult, ScaleResult.rated_on, scale_dict, *only
        )

    def add_diary(
        self,
        who: Principal,
        patient_id: int,
        *,
        day: object,
        severity_0_10: object,
        pain_0_10: object = None,
        note: object = None,
    ) -> dict[str, Any]:
        """Add a diary day (the patient, or an assigned clinician on their behalf)."""
        d = _as_date(day, "date", default_today=False)
        sev = _int_in(severity_0_10, "severity_0_10", 0, 10)
        pain = _int_in(pain_0_10, "pain_0_10", 0, 10, optional=True)
        text = _text(note, "note", max_len=NOTE_MAX)

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            row = DiaryEntry(
                patient_id=p.id,
                day=d,
                severity_0_10=sev,
                pain_0_10=pain,
                note=text,
                created_by=who.user_id,
            )
            s.add(row)
            s.flush()
            return diary_dict(row), row.id

        return self._patient_scoped(who, "diary.create", patient_id, "diary", work)

    def list_diary(self, who: Principal, patient_id: int) -> list[dict[str, Any]]:
        """Diary days, newest first."""
        return self._newest_first(who, patient_id, "diary", DiaryEntry, DiaryEntry.day, diary_dict)

    def add_medication(
        self,
        who: Principal,
        patient_id: int,
        *,
        name: object,
        dose: object = None,
        start_date: object = None,
        stop_date: object = None,
        note: object = None,
    ) -> dict[str, Any]:
        """Record a medication; dopamine-receptor blockers are flagged from ``drugs.yaml``."""
        from dystonia.knowledge import drugs

        drug_name = _text(name, "name", max_len=100, required=True)
        assert drug_name is not None
        start = _as_date(start_date, "start_date") if start_date not in (None, "") else None
        stop = _as_date(stop_date, "stop_date") if stop_date not in (None, "") else None
        if start and stop and stop < start:
            raise InvalidInputError("stop_date", str(stop), reason="is before start_date")
        known = drugs().find(name=drug_name)
        blocker = known.blocker if known else "unknown"

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            row = Medication(
                patient_id=p.id,
                name=known.name if known else drug_name,
                atc=known.atc if known else None,
                dopamine_blocker=blocker,
                dose=_text(dose, "dose", max_len=100),
                start_date=start,
                stop_date=stop,
                note=_text(note, "note", max_len=NOTE_MAX),
                created_by=who.user_id,
            )
            s.add(row)
            s.flush()
            return medication_dict(row), row.id

        return self._patient_scoped(who, "medication.create", patient_id, "medication", work)

    def add_visit(
        self,
        who: Principal,
        patient_id: int,
        *,
        day: object,
        kind: object = "clinic",
        note: object = None,
    ) -> dict[str, Any]:
        """Record a visit (clinic, telephone, video, injection) with an optional note."""
        d = _as_date(day, "date", default_today=False)
        if kind not in VISIT_KINDS:
            raise InvalidInputError("kind", kind, allowed=list(VISIT_KINDS))
        text = _text(note, "note", max_len=NOTE_MAX)

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            row = Visit(
                patient_id=p.id, visit_date=d, kind=str(kind), note=text, created_by=who.user_id
            )
            s.add(row)
            s.flush()
            return visit_dict(row), row.id

        return self._patient_scoped(who, "visit.create", patient_id, "visit", work)

    def add_toxin_session(
        self, who: Principal, patient_id: int, session: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Record a botulinum toxin session with its warnings (never a unit conversion)."""
        from dystonia.clinical import botulinum

        if not isinstance(session, Mapping):
            raise InvalidInputError("session", type(session).__name__, allowed="an object")
        parsed = botulinum.parse_session(session)

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            previous = [
                botulinum.parse_session(_toxin_input(t))
                for t in s.execute(
                    select(ToxinSession).where(
                        ToxinSession.patient_id == p.id, ToxinSession.voided_at.is_(None)
                    )
                ).scalars()
            ]
            warnings = [w.to_dict() for w in botulinum.session_warnings(parsed, previous)]
            row = ToxinSession(
                patient_id=p.id,
                session_date=parsed.date,
                product=parsed.product,
                indication=parsed.indication,
                dilution_units_per_ml=parsed.dilution_units_per_ml,
                total_units=parsed.total_units,
                warnings=warnings,
                created_by=who.user_id,
            )
            row.injections = [
                ToxinInjection(
                    position=i, muscle=j.muscle, side=j.side, units=j.units, guidance=j.guidance
                )
                for i, j in enumerate(parsed.injections)
            ]
            s.add(row)
            s.flush()
            return toxin_dict(row), row.id

        return self._patient_scoped(who, "toxin.create", patient_id, "toxin", work)

    def add_recording(
        self,
        who: Principal,
        patient_id: int,
        *,
        filename: str,
        data: bytes,
        task: str | None = None,
        recorded_on: object = None,
    ) -> dict[str, Any]:
        """Store an uploaded motion recording by content hash, with its analysis."""
        from dystonia.motion import analyze
        from dystonia.motion.io import detect_format

        name = Path(str(filename or "")).name
        if not name:
            raise InvalidInputError("file", filename, reason="has no name")
        if not data:
            raise InvalidInputError("file", name, reason="is empty")
        if Path(name).suffix.lower() not in RECORDING_SUFFIXES:
            raise InvalidInputError(
                "file", name, allowed=list(RECORDING_SUFFIXES), reason="is not a recording type"
            )
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInputError("file", name, allowed=f"at most {MAX_UPLOAD_BYTES >> 20} MiB")
        task_value = _text(task, "task", max_len=32)
        day = _as_date(recorded_on, "recorded_on") if recorded_on not in (None, "") else None
        # Refuse before any write when the caller may not upload here (no analysis wasted).
        self._patient_scoped(
            who, "recording.create", patient_id, "recording", lambda s, p: (None, "check")
        )
        suffix = Path(name).suffix.lower()[:10]
        with tempfile.TemporaryDirectory(prefix="dystonia-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            fmt = detect_format(path)
            report = analyze(path)
            analysis = report.to_dict(include_windows=False)
            analysis["recording"]["source"] = name  # not the temporary path
            figure = _figure_png(report, Path(tmp) / "figure.png", name)
        return self._store_recording(
            who,
            "recording.create",
            patient_id,
            data=data,
            figure=figure,
            analysis=analysis,
            filename=name,
            file_format=fmt,
            task=task_value,
            recorded_on=day,
        )

    def _store_recording(
        self,
        who: Principal,
        action: str,
        patient_id: int,
        *,
        data: bytes,
        figure: bytes | None,
        analysis: dict[str, Any],
        filename: str,
        file_format: str,
        task: str | None,
        recorded_on: dt.date | None,
    ) -> dict[str, Any]:
        """Store a recording's bytes and figure by content hash (once each) and its row."""
        digest = hashlib.sha256(data).hexdigest()
        figure_digest = hashlib.sha256(figure).hexdigest() if figure else None

        def work(s: Session, p: Patient) -> tuple[dict[str, Any], object]:
            for key, payload in ((digest, data), (figure_digest, figure)):
                if key and payload and s.get(Blob, key) is None:
                    s.add(Blob(sha256=key, size_bytes=len(payload), data=payload))
            s.flush()
            row = Recording(
                patient_id=p.id,
                sha256=digest,
                filename=filename,
                file_format=file_format,
                task=task,
                recorded_on=recorded_on,
                analysis=analysis,
                figure_sha256=figure_digest,
                created_by=who.user_id,
            )
            s.add(row)
            s.flush()
            return recording_dict(row), row.id

        return self._patient_scoped(who, action, patient_id, "recording", work)

    def add_ink(
        self, who: Principal, patient_id: int, *, data: bytes, task: str = "auto"
    ) -> dict[str, Any]:
        """Store a drawing or writing sample from the web page (pointer-event JSON,
        ``docs/ink/formats.md``) with its pen analysis, as a recording."""
        from dystonia.ink import analyze as analyze_ink

        # Refuse first when the caller may not add ink here (404 before any validation).
        self._patient_scoped(
            who, "ink.create", patient_id, "recording", lambda s, p: (None, "check")
        )
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidInputError("body", None, reason="is empty")
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInputError("body", None, allowed=f"at most {MAX_UPLOAD_BYTES >> 20} MiB")
        if task not in INK_TASKS:
            raise InvalidInputError("task", task, allowed=list(INK_TASKS))
        report = analyze_ink(bytes(data), task)
        analysis = report.to_dict()
        analysis["source"] = "drawing page"
        with tempfile.TemporaryDirectory(prefix="dystonia-ink-") as tmp:
            figure = _ink_figure_png(report, Path(tmp) / "figure.png")
        kind = analysis["tasks"][0]["kind"] if analysis.get("tasks") else task
        today = _today()
        return self._store_recording(
            who,
            "ink.create",
            patient_id,
            data=bytes(data),
            figure=figure,
            analysis=analysis,
            filename=f"{kind}-{today.isoformat()}.json",
            file_format="pointer-json",
            task=str(kind),
            recorded_on=today,
        )

    def recording_bytes(
        self, who: Principal, patient_id: int, recording_id: int
    ) -> tuple[str, bytes]:
        """The stored bytes of a recording: (filename, data)."""

        def work(s: Session, p: Patient) -> tuple[tuple[str, bytes], object]:
            rec = s.get(Recording, recording_id)
            if rec is None or rec.patient_id != p.id:
                raise NotFoundError("recording not found")
            blob = s.get(Blob, rec.sha256)
            assert blob is not None
            return (rec.filename, blob.data), rec.id

        return self._patient_scoped(who, "recording.read", patient_id, "recording", work)

    def recording_figure(self, who: Principal, patient_id: int, recording_id: int) -> bytes:
        """The PNG figure drawn when the recording was uploaded."""

        def work(s: Session, p: Patient) -> tuple[bytes, object]:
            rec = s.get(Recording, recording_id)
            if rec is None or rec.patient_id != p.id or rec.figure_sha256 is None:
                raise NotFoundError("figure not found")
            blob = s.get(Blob, rec.figure_sha256)
            assert blob is not None
            return blob.data, rec.id

        return self._patient_scoped(who, "recording.read", patient_id, "recording", work)

    def void(
        self, who: Principal, patient_id: int, kind: str, record_id: int, reason: object
    ) -> None:
        """Void a clinical record with a reason (it stays, marked; nothing is deleted)."""
        if kind not in VOIDABLE:
            raise InvalidInputError("kind", kind, allowed=sorted(VOIDABLE))
        why = _text(reason, "reason", max_len=500, required=True)
        model = VOIDABLE[kind]

        def work(s: Session, p: Patient) -> tuple[None, object]:
            row = s.get(model, record_id)
            if row is None or row.patient_id != p.id:
                raise NotFoundError(f"{kind} not found")
            if row.voided_at is not None:
                raise InvalidInputError("record", record_id, reason="is already voided")
            row.voided_at, row.voided_by, row.void_reason = utcnow(), who.user_id, why
            return None, f"{kind}:{record_id}"

        self._patient_scoped(who, "record.void", patient_id, kind, work)

    # ------------------------------------------------------------------ the patient page
    def overview(self, who: Principal, patient_id: int) -> dict[str, Any]:
        """Everything on file for one patient, for the patient page (one audit event)."""
        return self._patient_scoped(
            who, "patient.read", patient_id, "overview", lambda s, p: (self._overview(s, p), p.id)
        )

    def _overview(self, s: Session, p: Patient) -> dict[str, Any]:

        def rows(model: Any, order: Any, *options: Any) -> Sequence[Any]:
            return (
                s.execute(
                    select(model)
                    .where(model.patient_id == p.id)
                    .order_by(order, model.id)  # same day: in the order entered
                    .options(*options)
                )
                .scalars()
                .all()
            )

        clinicians = s.execute(
            select(User.username)
            .join(Assignment, Assignment.clinician_id == User.id)
            .where(Assignment.patient_id == p.id)
            .order_by(User.username)
        ).scalars()
        out = {
            "patient": patient_dict(p),
            "clinicians": list(clinicians),
            "assessments": [assessment_dict(a) for a in rows(Assessment, Assessment.assessed_on)],
            # scale_dict reads the stored result, not the item rows: don't load those
            "scales": [
                scale_dict(r)
                for r in rows(ScaleResult, ScaleResult.rated_on, lazyload(ScaleResult.items))
            ],
            "toxin": [toxin_dict(t) for t in rows(ToxinSession, ToxinSession.session_date)],
            "medications": [medication_dict(m) for m in rows(Medication, Medication.id)],
            # plain rows, not entities: ~3,650 per 10 years, and the ORM's identity map and
            # change tracking would cost more than everything else on the page
            "diary": [
                diary_dict(d)
                for d in s.execute(
                    select(*_DIARY_COLUMNS)
                    .where(DiaryEntry.patient_id == p.id)
                    .order_by(DiaryEntry.day, DiaryEntry.id)
                )
            ],
            "recordings": [recording_dict(r) for r in rows(Recording, Recording.id)],
            "visits": [visit_dict(v) for v in rows(Visit, Visit.visit_date)],
        }
        return out

    def fhir_export(self, who: Principal, patient_id: int) -> dict[str, Any]:
        """Everything on file as a FHIR R4B Bundle (:mod:`dystonia.interop.fhir`)."""
        from dystonia.interop.fhir import bundle_from_overview

        overview = self._patient_scoped(
            who, "fhir.export", patient_id, "fhir", lambda s, p: (self._overview(s, p), p.id)
        )
        return bundle_from_overview(overview)

    def report_overview(self, who: Principal, patient_id: int) -> dict[str, Any]:
        """Everything on file, to be printed as the clinical summary PDF
        (:func:`dystonia.web.report_pdf.summary_pdf`).

        Audited as ``report.export``, apart from page reads: a PDF leaves the system. Allowed
        to admins and the patient's assigned clinicians (as a FHIR export is).
        """
        return self._patient_scoped(
            who,
            "report.export",
            patient_id,
            "summary.pdf",
            lambda s, p: (self._overview(s, p), p.id),
        )

    def fhir_import(
        self, who: Principal, patient_id: int, bundle: Mapping[str, Any] | str | bytes
    ) -> dict[str, Any]:
        """Conditions and MedicationStatements of a FHIR Bundle into the record, all or nothing
        (:func:`dystonia.records.fhir_io.import_bundle`)."""
        from dystonia.records.fhir_io import import_bundle

        # Refuse first when the caller may not import here (404 before any validation).
        self._patient_scoped(who, "fhir.import", patient_id, "fhir", lambda s, p: (None, "check"))
        return import_bundle(self, who, patient_id, bundle)

    # ------------------------------------------------------------------ audit
    def audit_events(self, who: Principal, *, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit events (admins)."""
        self._global(who, "audit.read", "audit")
        with self.db.session() as s:
            rows = s.execute(
                select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
            ).scalars()
            out = [
                {
                    "seq": e.seq,
                    "at": _stamp(e.at),
                    "actor": e.actor,
                    "role": e.role,
                    "action": e.action,
                    "resource": e.resource,
                    "resource_id": e.resource_id,
                    "patient_id": e.patient_id,
                    "outcome": e.outcome,
                }
                for e in rows
            ]
            append_event(s, self.key, who, "audit.read", "audit")
            return out

    def verify_audit(self, who: Principal = SYSTEM) -> ChainReport:
        """Verify the whole audit chain (:func:`dystonia.records.audit.verify_chain`)."""
        self._global(who, "audit.verify", "audit")
        with self.db.sessions() as s:
            return verify_chain(s, self.key)

    def count(self, model: type[Any]) -> int:
        """Row count of a table (tests, benchmarks, the demo loader)."""
        with self.db.session() as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def _figure_png(report: Any, path: Path, title: str) -> bytes | None:
    """The clinician's figure of a motion report, or None when matplotlib is missing."""
    try:
        from dystonia.motion.plot import plot_report
    except ImportError:  # pragma: no cover - matplotlib is a dependency of the web app
        return None
    plot_report(report, path, title=title)
    return path.read_bytes()


def _ink_figure_png(report: Any, path: Path) -> bytes | None:
    """The pen report's figure (:func:`dystonia.ink.plot.plot_report`)."""
    from dystonia.ink.plot import plot_report

    plot_report(report, path)
    return path.read_bytes()


def _toxin_input(t: ToxinSession) -> dict[str, Any]:
    return {
        "date": t.session_date.isoformat(),
        "product": t.product,
        "indication": t.indication,
        "dilution_units_per_ml": t.dilution_units_per_ml,
        "injections": [
            {"muscle": i.muscle, "side": i.side, "units": i.units, "guidance": i.guidance}
            for i in t.injections
        ],
    }
