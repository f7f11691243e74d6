"""Accounts, passwords and server-side sessions.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 low-memory profile) and rehashed when
the parameters change. Sign-in failures say the same thing for an unknown user and a wrong
password, and an unknown user costs the same hashing time (ASVS v5.0.0-6.3.8 analogue). After
:data:`LOCK_AFTER_FAILURES` failures in a row an account is locked for :data:`LOCK_MINUTES`
(ASVS 6.3.1).

Sessions are opaque 256-bit tokens from :mod:`secrets` (ASVS 7.2.3); only their SHA-256 is
stored, with an idle timeout and an absolute lifetime checked on the server (ASVS 7.3.1, 7.3.2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dystonia.exceptions import InvalidInputError
from dystonia.records.models import User, WebSession, utcnow
from dystonia.records.policy import ROLES, Principal

__all__ = [
    "ABSOLUTE_HOURS",
    "IDLE_MINUTES",
    "LOCK_AFTER_FAILURES",
    "LOCK_MINUTES",
    "SessionInfo",
    "check_password_policy",
    "check_username",
    "hash_password",
    "new_token",
    "principal_of",
    "token_digest",
    "verify_password",
]

LOCK_AFTER_FAILURES = 10
LOCK_MINUTES = 15
IDLE_MINUTES = int(os.environ.get("DYSTONIA_SESSION_IDLE_MINUTES", "30"))
ABSOLUTE_HOURS = int(os.environ.get("DYSTONIA_SESSION_ABSOLUTE_HOURS", "12"))
PASSWORD_MIN, PASSWORD_MAX = 8, 256
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
_DUMMY_HASH = _hasher.hash("not a real password, only for equal timing")


def check_username(username: str) -> str:
    """Validate a username: 2-64 characters of a-z, 0-9, dot, dash, underscore."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise InvalidInputError(
            "username",
            username,
            allowed="2-64 characters: lower-case letters, digits, '.', '_', '-'",
        )
    return username


def check_password_policy(password: str, *, username: str | None = None) -> str:
    """ASVS v5.0.0-6.2.1/6.2.9: 8 to 256 characters, no composition rules, not the username."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInputError(
            "password", "<hidden>", allowed=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters"
        )
    if username and password.lower() == username.lower():
        raise InvalidInputError("password", "<hidden>", reason="must not be the username")
    return password


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password; an unknown user still costs one hash verification."""
    try:
        if user is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def new_token() -> str:
    """A new session token: 256 bits from the operating system's CSPRNG."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database stores of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str, patient_id: int | None) -> None:
    """A role is one of :data:`ROLES`; only a patient account names a patient."""
    if role not in ROLES:
        raise InvalidInputError("role", role, allowed=list(ROLES))
    if role == "patient" and patient_id is None:
        raise InvalidInputError("patient_id", None, reason="a patient account needs --patient-id")
    if role != "patient" and patient_id is not None:
        raise InvalidInputError("patient_id", patient_id, reason="only a patient account has one")


def principal_of(user: User, ip: str | None = None) -> Principal:
    """The policy's view of a user."""
    return Principal(user.id, user.username, user.role, user.patient_id, ip)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SessionInfo:
    """A live session: who, and the CSRF token bound to it."""

    principal: Principal
    csrf_token: str
    session_id: int


def open_session(s: Session, user: User) -> tuple[str, str]:
    """Create a session for ``user``; returns (token, csrf_token). Rotated on every sign-in."""
    token, csrf = new_token(), new_token()
    s.add(WebSession(token_sha256=token_digest(token), user_id=user.id, csrf_token=csrf))
    return token, csrf


def load_session(
    s: Session, token: str, *, ip: str | None = None, now: dt.datetime | None = None
) -> SessionInfo | None:
    """The live session of ``token``, or None when unknown, revoked, idle or too old."""
    if not token or len(token) > 128:
        return None
    now = now or utcnow()
    row = s.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None
    ws, user = row
    if ws.revoked_at is not None or not user.active:
        return None
    created, seen = _aware(ws.created_at), _aware(ws.last_seen_at)
    if now - seen > dt.timedelta(minutes=IDLE_MINUTES) or now - created > dt.timedelta(
        hours=ABSOLUTE_HOURS
    ):
        ws.revoked_at = now
        return None
    if now - seen > dt.timedelta(seconds=30):  # throttle the write
        ws.last_seen_at = now
    return SessionInfo(principal_of(user, ip), ws.csrf_token, ws.id)


def revoke_session(s: Session, token: str) -> bool:
    """End a session server-side (ASVS 7.4.1). True when one was live."""
    result = s.execute(
        update(WebSession)
        .where(WebSession.token_sha256 == token_digest(token), WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_user_sessions(s: Session, user_id: int, *, keep: int | None = None) -> None:
    """End every session of a user but ``keep`` (account disabled, password changed, second
    factor turned on; ASVS 7.4.2, 3.3.3)."""
    s.execute(
        update(WebSession)
        .where(
            WebSession.user_id == user_id,
            WebSession.revoked_at.is_(None),
            WebSession.id != (keep if keep is not None else -1),
        )
        .values(revoked_at=utcnow())
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
