"""The audit chain: every edit, removal, insertion or truncation is detected.

The attacker here can write the database directly (the triggers are dropped first, as a
database owner could) but does not hold the audit key, which lives outside the database.
"""

from __future__ import annotations

import hmac
import itertools

import pytest
from sqlalchemy import text

from dystonia.records.audit import GENESIS_HASH, event_digest, verify_chain
from dystonia.records.models import AuditEvent
from dystonia.records.service import SYSTEM


@pytest.fixture
def chain(records):  # type: ignore[no-untyped-def]
    """A short history: a patient, a diary entry, reads, at least 7 events."""
    pid = records.create_patient(SYSTEM, "Audited Patient")["id"]
    records.add_user(SYSTEM, "clin", "clinician password", "clinician")
    records.assign(SYSTEM, pid, "clin")
    who = records.sign_in("clin", "clinician password")[0].principal
    records.add_diary(who, pid, day="2026-01-01", severity_0_10=4)
    records.get_patient(who, pid)
    records.list_diary(who, pid)
    assert records.verify_audit().ok
    return records


def _unguard(records) -> None:  # type: ignore[no-untyped-def]
    dialect = records.db.dialect
    with records.db.engine.begin() as conn:
        for trig in ("audit_events_no_update", "audit_events_no_delete"):
            suffix = " ON audit_events" if dialect == "postgresql" else ""
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trig}{suffix}"))


def _sql(records, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    with records.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_intact_chain_verifies(chain) -> None:  # type: ignore[no-untyped-def]
    report = chain.verify_audit()
    assert report.ok and report.checked >= 7 and "intact" in report.message()


def test_triggers_refuse_update_and_delete(chain) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        _sql(chain, "UPDATE audit_events SET actor = 'x' WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only|never deleted"):
        _sql(chain, "DELETE FROM audit_events WHERE seq = 2")
    assert chain.verify_audit().ok


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor", "someone-else"),
        ("action", "diary.read"),
        ("outcome", "denied"),
        ("patient_id", 999),
        ("ip", "10.0.0.1"),
    ],
)
def test_edited_field_is_detected(chain, column, value) -> None:  # type: ignore[no-untyped-def]
    _unguard(chain)
    _sql(chain, f"UPDATE audit_events SET {column} = :v WHERE seq = 4", v=value)
    report = chain.verify_audit()
    assert not report.ok and report.first_bad_seq == 4 and "altered" in report.problem


def test_edited_timestamp_is_detected(chain) -> None:  # type: ignore[no-untyped-def]
    _unguard(chain)
    _sql(chain, "UPDATE audit_events SET at = :v WHERE seq = 3", v="2020-01-01 00:00:00")
    report = chain.verify_audit()
    assert not report.ok and report.first_bad_seq == 3


def test_removed_row_is_detected(chain) -> None:  # type: ignore[no-untyped-def]
    _unguard(chain)
    _sql(chain, "DELETE FROM audit_events WHERE seq = 5")
    report = chain.verify_audit()
    assert not report.ok and report.first_bad_seq == 5 and "missing" in report.problem


def test_truncated_tail_is_detected(chain) -> None:  # type: ignore[no-untyped-def]
    _unguard(chain)
    with chain.db.sessions() as s:
        last = s.query(AuditEvent).order_by(AuditEvent.seq.desc()).first().seq
    _sql(chain, "DELETE FROM audit_events WHERE seq = :s", s=last)
    report = chain.verify_audit()
    assert not report.ok and "removed" in report.problem


def test_rehash_without_the_key_is_detected(chain) -> None:  # type: ignore[no-untyped-def]
    """An attacker who edits a row and recomputes its hash with a guessed key still fails."""
    _unguard(chain)
    with chain.db.sessions() as s:
        ev = s.query(AuditEvent).filter(AuditEvent.seq == 3).one()
        ev.actor = "forged"
        forged = event_digest(b"wrong key" * 4, ev)
        s.rollback()
    _sql(chain, "UPDATE audit_events SET actor = 'forged', hash = :h WHERE seq = 3", h=forged)
    assert not chain.verify_audit().ok


def test_a_different_key_does_not_verify(chain) -> None:  # type: ignore[no-untyped-def]
    with chain.db.sessions() as s:
        assert verify_chain(s, chain.key).ok
        assert not verify_chain(s, b"another key entirely, 32 bytes!!").ok


def test_chain_starts_at_genesis_and_links(chain) -> None:  # type: ignore[no-untyped-def]
    with chain.db.sessions() as s:
        events = s.query(AuditEvent).order_by(AuditEvent.seq).all()
        assert events[0].prev_hash == GENESIS_HASH
        for a, b in itertools.pairwise(events):
            assert b.prev_hash == a.hash and b.seq == a.seq + 1
        for ev in events:
            assert hmac.compare_digest(ev.hash, event_digest(chain.key, ev))


def test_log_injection_is_neutralised(records) -> None:  # type: ignore[no-untyped-def]
    """A username with line breaks and separators cannot forge a second log line."""
    assert records.sign_in("evil\nFAKE|auth.login|ok", "whatever password") is None
    with records.db.sessions() as s:
        ev = s.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert "\n" not in ev.actor and "|" not in ev.actor
    assert records.verify_audit().ok


def test_audit_verify_cli_reports_tampering(chain, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`dystonia audit verify` exits 0 on an intact chain and 1 on a tampered one."""
    from typer.testing import CliRunner

    from dystonia.cli import app

    monkeypatch.setenv(
        "DYSTONIA_DATABASE_URL", chain.db.engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("DYSTONIA_AUDIT_KEY", chain.key.hex())
    monkeypatch.setenv("DYSTONIA_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    _unguard(chain)
    _sql(chain, "UPDATE audit_events SET actor = 'x' WHERE seq = 2")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "BROKEN at event 2" in bad.output
