"""Accounts, passwords and sessions (ASVS v5.0.0 chapters 6 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.records import accounts
from dystonia.records.service import SYSTEM


def test_production_hasher_is_argon2id_rfc9106_low_memory() -> None:
    """The tests swap in cheap parameters; the shipped ones are RFC 9106's second choice."""
    import importlib

    from argon2.profiles import RFC_9106_LOW_MEMORY

    fresh = importlib.reload(accounts)
    try:
        h = fresh.hash_password("some long password")
        assert h.startswith("$argon2id$")
        assert f"m={RFC_9106_LOW_MEMORY.memory_cost},t={RFC_9106_LOW_MEMORY.time_cost}" in h
    finally:
        importlib.reload(accounts)


@pytest.mark.parametrize("password", ["short", "x" * 257])
def test_password_length_policy(password: str) -> None:
    with pytest.raises(InvalidInputError, match="password"):
        accounts.check_password_policy(password)


def test_password_policy_allows_long_passphrases_without_composition_rules() -> None:
    assert accounts.check_password_policy("all lower case words are fine " * 2)
    with pytest.raises(InvalidInputError, match="username"):
        accounts.check_password_policy("DrSmith1", username="drsmith1")


@pytest.mark.parametrize("username", ["A", "has space", "x" * 65, "ünïcode", "-start"])
def test_bad_usernames(username: str) -> None:
    with pytest.raises(InvalidInputError, match="username"):
        accounts.check_username(username)


def test_role_and_patient_link(records) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError, match="role"):
        records.add_user(SYSTEM, "someone", "long enough pw", "superuser")
    with pytest.raises(InvalidInputError, match="patient_id"):
        records.add_user(SYSTEM, "someone", "long enough pw", "patient")
    with pytest.raises(InvalidInputError, match="no such patient"):
        records.add_user(SYSTEM, "someone", "long enough pw", "patient", patient_id=42)
    records.add_user(SYSTEM, "someone", "long enough pw", "clinician")
    with pytest.raises(InvalidInputError, match="taken"):
        records.add_user(SYSTEM, "someone", "another long pw", "clinician")


def test_password_is_never_stored_in_clear(records) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    records.add_user(SYSTEM, "clin", "my secret passphrase", "clinician")
    with records.db.engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM users")).all())
        audit = repr(conn.execute(text("SELECT * FROM audit_events")).all())
    assert "my secret passphrase" not in dump and "my secret passphrase" not in audit


def test_lockout_after_repeated_failures(records) -> None:  # type: ignore[no-untyped-def]
    records.add_user(SYSTEM, "clin", "right password", "clinician")
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        assert records.sign_in("clin", "wrong password") is None
    assert records.sign_in("clin", "right password") is None  # locked, same answer
    events = records.audit_events(SYSTEM, limit=3)
    assert any(e["outcome"] == "locked" for e in events)


def test_token_stored_only_as_digest(records) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    records.add_user(SYSTEM, "clin", "right password", "clinician")
    _info, token = records.sign_in("clin", "right password")
    with records.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_sha256 FROM web_sessions")).scalar_one()
    assert stored == accounts.token_digest(token) and token not in stored
    assert len(token) >= 43  # 256 bits in URL-safe base64


def test_sessions_rotate_on_each_sign_in(records) -> None:  # type: ignore[no-untyped-def]
    records.add_user(SYSTEM, "clin", "right password", "clinician")
    a = records.sign_in("clin", "right password")
    b = records.sign_in("clin", "right password")
    assert a[1] != b[1] and a[0].csrf_token != b[0].csrf_token


def test_idle_and_absolute_timeouts(records) -> None:  # type: ignore[no-untyped-def]
    records.add_user(SYSTEM, "clin", "right password", "clinician")
    _info, token = records.sign_in("clin", "right password")
    now = accounts.utcnow()
    with records.db.session() as s:
        assert accounts.load_session(s, token, now=now) is not None
    idle = now + dt.timedelta(minutes=accounts.IDLE_MINUTES + 1)
    with records.db.session() as s:
        assert accounts.load_session(s, token, now=idle) is None
    with records.db.session() as s:  # once expired, it stays expired
        assert accounts.load_session(s, token, now=now) is None
    _info, token2 = records.sign_in("clin", "right password")
    t = accounts.utcnow()
    with records.db.session() as s:  # kept busy every 20 min, still ends at the absolute limit
        for minutes in range(0, accounts.ABSOLUTE_HOURS * 60 - 1, 20):
            assert (
                accounts.load_session(s, token2, now=t + dt.timedelta(minutes=minutes)) is not None
            )
        late = t + dt.timedelta(hours=accounts.ABSOLUTE_HOURS, minutes=1)
        assert accounts.load_session(s, token2, now=late) is None


def test_disabling_an_account_ends_its_sessions(records) -> None:  # type: ignore[no-untyped-def]
    user = records.add_user(SYSTEM, "clin", "right password", "clinician")
    _info, token = records.sign_in("clin", "right password")
    records.set_user_active(SYSTEM, user["id"], False)
    assert records.session(token) is None
    assert records.sign_in("clin", "right password") is None
    records.set_user_active(SYSTEM, user["id"], True)
    assert records.sign_in("clin", "right password") is not None
