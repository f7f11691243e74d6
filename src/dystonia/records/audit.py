"""The audit log: append-only, chained with a keyed hash (HMAC-SHA-256).

Each event's ``hash`` is ``HMAC(key, prev_hash | seq | at | actor | ... | outcome)``, and
``prev_hash`` is the previous event's hash; the head of the chain is kept in ``audit_head``.
Editing any field of any row, removing a row, inserting one, or truncating the tail makes
:func:`verify_chain` fail at the first bad event, and without the key (kept outside the
database, :func:`dystonia.records.config.audit_key`) nobody can forge a consistent replacement.
Triggers in the schema also refuse ``UPDATE`` and ``DELETE`` on the table.

The log holds no clinical content and no secrets: who, what kind of record, which id, when,
from where, and the outcome (ASVS v5.0.0-16.2.1, 16.2.5; HIPAA 45 CFR 164.312(b)).

References
----------
.. [1] OWASP ASVS 5.0, chapter V16 (security logging and error handling).
.. [2] 45 CFR 164.312(b), audit controls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dystonia.records.models import AuditEvent, AuditHead, utcnow
from dystonia.records.policy import Principal

__all__ = ["ChainReport", "append_event", "event_digest", "verify_chain"]

GENESIS_HASH = "0" * 64
_SAFE = str.maketrans({"\n": " ", "\r": " ", "|": "/"})


def _clean(value: object) -> str:
    """Text of a field with separators and line breaks neutralised (no log injection)."""
    return "" if value is None else str(value).translate(_SAFE)[:64]


def event_digest(key: bytes, event: AuditEvent) -> str:
    """The HMAC-SHA-256 of an event's fields and its ``prev_hash`` (hex)."""
    at = event.at
    # SQLite gives back naive datetimes (stored in UTC); PostgreSQL gives the session's zone.
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    stamp = at.isoformat(timespec="microseconds")
    fields = [
        event.prev_hash,
        str(event.seq),
        stamp,
        "" if event.actor_id is None else str(event.actor_id),
        event.actor,
        event.role,
        event.action,
        event.resource,
        event.resource_id or "",
        "" if event.patient_id is None else str(event.patient_id),
        event.outcome,
        event.ip or "",
    ]
    return hmac.new(key, "|".join(fields).encode(), hashlib.sha256).hexdigest()


def append_event(
    session: Session,
    key: bytes,
    principal: Principal | None,
    action: str,
    resource: str,
    *,
    resource_id: object = None,
    patient_id: int | None = None,
    outcome: str = "ok",
    actor: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction.

    The head row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions
    already hold the write lock), so concurrent appends form one chain.
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        at=utcnow(),
        actor_id=principal.user_id if principal else None,
        actor=_clean(actor if actor is not None else (principal.username if principal else "-")),
        role=_clean(principal.role if principal else "-"),
        action=_clean(action),
        resource=_clean(resource),
        resource_id=None if resource_id is None else _clean(resource_id),
        patient_id=patient_id,
        outcome=_clean(outcome),
        ip=_clean(ip if ip is not None else (principal.ip if principal else None)) or None,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = event_digest(key, event)
    session.add(event)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=event.seq, last_hash=event.hash)
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def message(self) -> str:
        """One line for the command line."""
        if self.ok:
            return f"audit chain intact: {self.checked} events verified"
        return (
            f"audit chain BROKEN at event {self.first_bad_seq}: {self.problem} "
            f"({self.checked} events checked before it)"
        )


def verify_chain(session: Session, key: bytes, *, batch: int = 5000) -> ChainReport:
    """Check every event against its predecessor, its own fields, and the head row.

    Parameters
    ----------
    session : Session
        Open session.
    key : bytes
        The audit key.
    batch : int
        Rows fetched per query (memory stays flat for long logs).
    """
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return ChainReport(
                    False, checked, expected_seq, f"event {expected_seq} missing (found {ev.seq})"
                )
            if ev.prev_hash != prev_hash:
                return ChainReport(False, checked, ev.seq, "link to the previous event broken")
            if not hmac.compare_digest(ev.hash, event_digest(key, ev)):
                return ChainReport(False, checked, ev.seq, "event content altered")
            prev_hash, expected_seq, checked = ev.hash, expected_seq + 1, checked + 1
            last_id = ev.id
        session.expunge_all()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        return ChainReport(False, checked, None, "chain head missing")
    if head.seq != checked or head.last_hash != prev_hash:
        return ChainReport(
            False, checked, checked + 1, f"events after {checked} removed (head says {head.seq})"
        )
    return ChainReport(True, checked)
