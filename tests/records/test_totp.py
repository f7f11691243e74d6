"""Second factor: RFC 6238/4226 against their published test vectors, then enrolment, sign-in,
replay, lockout, turning off and the administrator's reset on a real database."""

from __future__ import annotations

import base64
import time

import pytest

from dystonia.exceptions import InvalidInputError
from dystonia.records import accounts, totp
from dystonia.records.policy import AccessDeniedError
from dystonia.records.service import SYSTEM

RFC_SECRET = b"12345678901234567890"


@pytest.mark.parametrize(
    ("counter", "code"),
    enumerate(["755224", "287082", "359152", "969429", "338314",
               "254676", "287922", "162583", "399871", "520489"]),
)  # fmt: skip
def test_hotp_rfc4226_appendix_d(counter: int, code: str) -> None:
    assert totp.hotp(RFC_SECRET, counter) == code


@pytest.mark.parametrize(
    ("unix_s", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
     (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")],
)  # fmt: skip
def test_totp_rfc6238_appendix_b_sha1(unix_s: int, code: str) -> None:
    assert totp.hotp(RFC_SECRET, totp.step_at(unix_s), digits=8) == code


def test_verify_accepts_one_step_of_drift_and_never_a_step_twice() -> None:
    now = 1_700_000_015.0
    step = totp.step_at(now)
    for drift in (-1, 0, 1):
        code = totp.hotp(RFC_SECRET, step + drift)
        assert totp.verify(RFC_SECRET, code, now, last_step=None) == step + drift
    assert totp.verify(RFC_SECRET, totp.hotp(RFC_SECRET, step - 2), now, last_step=None) is None
    assert totp.verify(RFC_SECRET, totp.hotp(RFC_SECRET, step + 2), now, last_step=None) is None
    code = totp.hotp(RFC_SECRET, step)
    assert totp.verify(RFC_SECRET, code, now, last_step=step) is None  # replay
    assert totp.verify(RFC_SECRET, code, now, last_step=step - 1) == step
    spaced = code[:3] + " " + code[3:]
    assert totp.verify(RFC_SECRET, spaced, now, last_step=None) == step


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "-12345"])
def test_verify_refuses_anything_but_six_ascii_digits(typed: str) -> None:
    assert totp.verify(RFC_SECRET, typed, 1_700_000_000.0, last_step=None) is None


def test_secret_derivation_depends_on_key_user_and_nonce() -> None:
    a = totp.derive_secret(b"k" * 32, 1, "n1")
    assert len(a) == 20
    assert a != totp.derive_secret(b"j" * 32, 1, "n1")
    assert a != totp.derive_secret(b"k" * 32, 2, "n1")
    assert a != totp.derive_secret(b"k" * 32, 1, "n2")
    b32 = totp.secret_base32(a)
    assert "=" not in b32 and base64.b32decode(b32 + "=" * (-len(b32) % 8)) == a


def test_provisioning_uri_follows_the_key_uri_format() -> None:
    uri = totp.provisioning_uri(RFC_SECRET, "dr.lee")
    assert uri.startswith("otpauth://totp/Dystonia%20Workbench%3Adr.lee?secret=")
    for part in ("issuer=Dystonia%20Workbench", "algorithm=SHA1", "digits=6", "period=30"):
        assert part in uri


# ------------------------------------------------------------------------------ the service
def _code(secret_b32: str, offset_steps: int = 0) -> str:
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return totp.hotp(secret, totp.step_at(time.time()) + offset_steps)


def _wrong(secret_b32: str) -> str:
    """Six digits that are no valid code in the drift window around now."""
    valid = {_code(secret_b32, k) for k in (-2, -1, 0, 1, 2)}
    return next(
        c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid
    )


PASSWORD = "clinician password"


def _later(records, minutes: int):  # type: ignore[no-untyped-def]
    """Move the service's clock ``minutes`` on; the codes of that moment, by step offset."""
    import datetime as dt

    from dystonia.records import service

    shift = dt.timedelta(minutes=minutes)
    real = service.utcnow
    service.utcnow = lambda: real() + shift  # undone by _restore_clock

    def code(secret_b32: str, offset_steps: int) -> str:
        raw = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
        at = time.time() + shift.total_seconds()
        return totp.hotp(raw, totp.step_at(at) + offset_steps)

    return code


@pytest.fixture(autouse=True)
def _restore_clock():  # type: ignore[no-untyped-def]
    from dystonia.records import service

    real = service.utcnow
    yield
    service.utcnow = real


@pytest.fixture
def enrolled(records):  # type: ignore[no-untyped-def]
    """A clinician with a second factor on; returns (records, principal, base32 secret)."""
    records.add_user(SYSTEM, "dr.two", "clinician password", "clinician")
    info, _ = records.sign_in("dr.two", "clinician password")
    setup = records.totp_begin(info.principal, PASSWORD)
    assert records.totp_status(info.principal) == {"enabled": False, "pending": True}
    # the pending key changes nothing at sign-in yet
    assert records.sign_in("dr.two", "clinician password") is not None
    records.totp_confirm(info.principal, _code(setup["secret"]), session_id=info.session_id)
    assert records.totp_status(info.principal) == {"enabled": True, "pending": False}
    return records, info, setup["secret"]


def _outcomes(records, action: str = "auth.login") -> list[str]:  # type: ignore[no-untyped-def]
    return [e["outcome"] for e in records.audit_events(SYSTEM, limit=50) if e["action"] == action]


def test_sign_in_needs_the_code_once_enrolled(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, _, secret = enrolled
    assert records.sign_in("dr.two", "clinician password") is None
    assert records.sign_in("dr.two", "clinician password", otp=_wrong(secret)) is None
    assert records.sign_in("dr.two", "wrong password", otp=_code(secret, 1)) is None
    assert _outcomes(records)[:3] == ["failed", "failed_code", "failed_code"]
    result = records.sign_in("dr.two", "clinician password", otp=_code(secret, 1))
    assert result is not None and result[0].principal.username == "dr.two"


def test_a_code_works_once(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, _, secret = enrolled
    code = _code(secret, 1)
    assert records.sign_in("dr.two", "clinician password", otp=code) is not None
    assert records.sign_in("dr.two", "clinician password", otp=code) is None
    assert _outcomes(records)[0] == "failed_code"


def test_wrong_codes_lock_the_account_like_wrong_passwords(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, _, secret = enrolled
    wrong = _wrong(secret)
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        assert records.sign_in("dr.two", "clinician password", otp=wrong) is None
    # locked: even the right password and code are refused for now
    assert records.sign_in("dr.two", "clinician password", otp=_code(secret, 1)) is None
    assert _outcomes(records)[0] == "locked"


def test_confirming_needs_a_current_code_and_never_echoes_it(records) -> None:  # type: ignore[no-untyped-def]
    records.add_user(SYSTEM, "pat.two", PASSWORD, "clinician")
    info, _ = records.sign_in("pat.two", PASSWORD)
    with pytest.raises(InvalidInputError, match="no set-up in progress"):
        records.totp_confirm(info.principal, "123456")
    setup = records.totp_begin(info.principal, PASSWORD)
    wrong = _wrong(setup["secret"])
    with pytest.raises(InvalidInputError) as caught:
        records.totp_confirm(info.principal, wrong)
    assert caught.value.field == "code" and wrong not in str(caught.value)
    assert records.totp_status(info.principal) == {"enabled": False, "pending": True}
    assert records.totp_pending(info.principal) == setup  # the same key, shown again


def test_turning_on_ends_the_other_sessions_only(records) -> None:  # type: ignore[no-untyped-def]
    records.add_user(SYSTEM, "dr.three", "clinician password", "clinician")
    here, here_token = records.sign_in("dr.three", "clinician password")
    _, elsewhere_token = records.sign_in("dr.three", "clinician password")
    setup = records.totp_begin(here.principal, PASSWORD)
    records.totp_confirm(here.principal, _code(setup["secret"]), session_id=here.session_id)
    assert records.session(here_token) is not None
    assert records.session(elsewhere_token) is None


def test_turning_off_needs_password_and_code(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, info, secret = enrolled
    with pytest.raises(InvalidInputError) as caught:
        records.totp_disable(info.principal, "wrong password", _code(secret, 1))
    assert caught.value.field == "password"
    with pytest.raises(InvalidInputError, match="password or code is wrong"):
        records.totp_disable(info.principal, "clinician password", "12345")
    assert records.totp_status(info.principal)["enabled"]
    records.totp_disable(info.principal, "clinician password", _code(secret, 1))
    assert records.totp_status(info.principal) == {"enabled": False, "pending": False}
    assert records.sign_in("dr.two", "clinician password") is not None
    assert _outcomes(records, "auth.2fa_disable") == ["ok", "failed", "failed"]  # newest first


def test_admin_reset_by_name_or_id_ends_sessions(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, info, secret = enrolled
    with pytest.raises(AccessDeniedError):
        records.totp_reset(info.principal, "dr.two")  # a clinician may not
    with pytest.raises(InvalidInputError, match="no such account"):
        records.totp_reset(SYSTEM, "nobody.here")
    _, token = records.sign_in("dr.two", "clinician password", otp=_code(secret, 1))
    records.totp_reset(SYSTEM, "dr.two")
    assert records.session(token) is None
    assert records.sign_in("dr.two", "clinician password") is not None
    # by id, from the Users page
    setup = records.totp_begin(info.principal, PASSWORD)
    records.totp_confirm(info.principal, _code(setup["secret"], 1))
    records.totp_reset(SYSTEM, info.principal.user_id)
    assert records.totp_status(info.principal) == {"enabled": False, "pending": False}
    assert _outcomes(records, "auth.2fa_reset") == ["ok", "ok"]


def test_the_database_holds_no_secret(enrolled) -> None:  # type: ignore[no-untyped-def]
    """No table, the audit log included, holds the secret or a code that was used."""
    from sqlalchemy import inspect, select, text

    from dystonia.records.models import User

    records, _, secret = enrolled
    code = _code(secret, 1)
    assert records.sign_in("dr.two", PASSWORD, otp=code) is not None
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    needles = (secret, raw.hex(), code)
    with records.db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(str(v) for v in row)
                assert not any(n in flat for n in needles), table
    with records.db.session() as s:
        user = s.execute(select(User).where(User.username == "dr.two")).scalar_one()
        # the nonce alone, without the key outside the database, gives another secret
        assert user.totp_nonce is not None
        assert totp.derive_secret(records.key, user.id, user.totp_nonce) != raw
        assert totp.derive_secret(records.totp_key, user.id, user.totp_nonce) == raw


def test_the_system_identity_has_no_second_factor(records) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessDeniedError):
        records.totp_begin(SYSTEM, "whatever password")


def test_one_code_opens_one_session_even_at_once(enrolled) -> None:  # type: ignore[no-untyped-def]
    """The user row is locked for the check (PostgreSQL: SELECT ... FOR UPDATE)."""
    import threading

    records, _, secret = enrolled
    code = _code(secret, 1)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def attempt() -> None:
        barrier.wait()
        results.append(records.sign_in("dr.two", PASSWORD, otp=code))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


def test_parallel_wrong_codes_all_count(enrolled) -> None:  # type: ignore[no-untyped-def]
    import threading

    from sqlalchemy import select

    from dystonia.records.models import User

    records, _, secret = enrolled
    wrong = _wrong(secret)
    n = accounts.LOCK_AFTER_FAILURES - 1
    barrier = threading.Barrier(n)

    def attempt() -> None:
        barrier.wait()
        records.sign_in("dr.two", PASSWORD, otp=wrong)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with records.db.session() as s:
        user = s.execute(select(User).where(User.username == "dr.two")).scalar_one()
        assert user.failed_logins == n


def test_a_forgotten_code_is_not_counted_as_a_guess(enrolled) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dystonia.records.models import User

    records, _, _ = enrolled
    for _ in range(accounts.LOCK_AFTER_FAILURES + 2):
        assert records.sign_in("dr.two", PASSWORD) is None
    with records.db.session() as s:
        user = s.execute(select(User).where(User.username == "dr.two")).scalar_one()
        assert user.failed_logins == 0 and user.locked_until is None
    assert _outcomes(records)[0] == "failed_code"


def test_changing_the_factor_needs_the_password_and_the_current_code(enrolled) -> None:  # type: ignore[no-untyped-def]
    """A stolen session cannot replace the factor (ASVS 3.7.1); its guesses count, are
    audited, and when they lock the account every session of it ends."""
    records, info, secret = enrolled
    with pytest.raises(InvalidInputError, match="password or code is wrong"):
        records.totp_begin(info.principal, PASSWORD)  # no code
    with pytest.raises(InvalidInputError, match="password or code is wrong"):
        records.totp_begin(info.principal, "not the password", _code(secret, 1))
    assert _outcomes(records, "auth.2fa_begin")[:2] == ["failed", "failed"]
    assert records.totp_status(info.principal) == {"enabled": True, "pending": False}
    _, token = records.sign_in("dr.two", PASSWORD, otp=_code(secret, 1))
    later = _later(records, minutes=2)  # each code works once: the next ones, two minutes on
    setup = records.totp_begin(info.principal, PASSWORD, later(secret, 0))
    assert setup["secret"] != secret
    assert records.sign_in("dr.two", PASSWORD, otp=later(secret, 1)) is not None  # still valid
    for _ in range(accounts.LOCK_AFTER_FAILURES):
        with pytest.raises(InvalidInputError):
            records.totp_disable(info.principal, "guess guess", "123456")
    assert records.session(token) is None  # locked: the account's sessions ended
    assert _outcomes(records, "auth.2fa_disable")[0] == "locked"


def test_turning_off_ends_the_other_sessions(enrolled) -> None:  # type: ignore[no-untyped-def]
    records, info, secret = enrolled
    _, other = records.sign_in("dr.two", PASSWORD, otp=_code(secret, 1))
    later = _later(records, minutes=2)
    records.totp_disable(info.principal, PASSWORD, later(secret, 0), session_id=info.session_id)
    assert records.session(other) is None


def test_a_disabled_account_is_audited_as_disabled(records) -> None:  # type: ignore[no-untyped-def]
    created = records.add_user(SYSTEM, "dr.gone", PASSWORD, "clinician")
    records.set_user_active(SYSTEM, created["id"], False)
    assert records.sign_in("dr.gone", PASSWORD) is None
    assert _outcomes(records)[0] == "disabled"


def test_resetting_an_account_without_a_factor_changes_nothing(records) -> None:  # type: ignore[no-untyped-def]
    from dystonia.records.policy import NotFoundError

    created = records.add_user(SYSTEM, "dr.plain", PASSWORD, "clinician")
    _, token = records.sign_in("dr.plain", PASSWORD)
    with pytest.raises(InvalidInputError, match="has no second factor"):
        records.totp_reset(SYSTEM, "dr.plain")
    with pytest.raises(InvalidInputError, match="has no second factor"):
        records.totp_reset(SYSTEM, created["id"])
    with pytest.raises(NotFoundError):
        records.totp_reset(SYSTEM, 999_999)
    assert records.session(token) is not None
    assert _outcomes(records, "auth.2fa_reset") == []
