"""Tables of the clinic records (SQLAlchemy 2 declarative models).

Clinical rows are never deleted: :class:`Voidable` rows carry ``voided_at``, ``voided_by`` and
``void_reason`` (the OpenMRS convention). The audit log is append-only and chained with a keyed
hash (:mod:`dystonia.records.audit`); database triggers refuse ``UPDATE`` and ``DELETE`` on it.

JSON columns use the portable :class:`sqlalchemy.JSON` type (TEXT on SQLite, JSON on PostgreSQL),
so that one migration serves both engines.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Assessment",
    "Assignment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Blob",
    "DiaryEntry",
    "Medication",
    "Patient",
    "Recording",
    "ScaleItem",
    "ScaleResult",
    "ToxinInjection",
    "ToxinSession",
    "User",
    "Visit",
    "WebSession",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Current time in UTC, timezone-aware (ASVS v5.0.0-16.2.2)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable Alembic names)."""

    metadata = MetaData(naming_convention=NAMING)


UTC = DateTime(timezone=True)


class Voidable:
    """Columns of a clinical row that is voided with a reason, never deleted."""

    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTC, default=None)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def voided(self) -> bool:
        """True once the row has been voided."""
        return self.voided_at is not None


class User(Base):
    """An account: one person, one login (HIPAA 164.312(a)(2)(i) unique user identification)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTC, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)
    # second factor (records/totp.py): the nonce the secret is derived from, never the secret
    totp_nonce: Mapped[str | None] = mapped_column(String(32), default=None)
    totp_pending_nonce: Mapped[str | None] = mapped_column(String(32), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)


class WebSession(Base):
    """A server-side session. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTC, default=None)


class Patient(Base):
    """A patient. ``display_name`` is what the clinic shows; no other identifier is required."""

    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None)
    sex: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Assignment(Base):
    """A clinician's care relationship with a patient (scopes what the clinician sees)."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("clinician_id", "patient_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTC, default=utcnow)


class Visit(Voidable, Base):
    """A clinic visit; assessments, scales and injections may hang from it."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32), default="clinic")
    note: Mapped[str | None] = mapped_column(Text, default=None)


class Assessment(Voidable, Base):
    """Findings and the assessment the rules of ``rules_version`` drew from them."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), default=None)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    findings: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(32))


class ScaleResult(Voidable, Base):
    """A scored rating scale; the items are kept one row each (:class:`ScaleItem`)."""

    __tablename__ = "scale_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), default=None)
    rated_on: Mapped[dt.date] = mapped_column(Date)
    scale: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    total: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    items: Mapped[list[ScaleItem]] = relationship(
        back_populates="scale_result", order_by="ScaleItem.position", lazy="selectin"
    )


class ScaleItem(Base):
    """One item rating of a scored scale (``value`` None = not applicable)."""

    __tablename__ = "scale_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scale_result_id: Mapped[int] = mapped_column(ForeignKey("scale_results.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float, default=None)
    scale_result: Mapped[ScaleResult] = relationship(back_populates="items")


class Medication(Voidable, Base):
    """An oral or other ongoing medication, flagged when it blocks dopamine receptors."""

    __tablename__ = "medications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    atc: Mapped[str | None] = mapped_column(String(16), default=None)
    dopamine_blocker: Mapped[str] = mapped_column(String(16), default="unknown")
    dose: Mapped[str | None] = mapped_column(String(100), default=None)
    start_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    stop_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class ToxinSession(Voidable, Base):
    """A botulinum toxin injection session. Units belong to ``product`` and nothing else."""

    __tablename__ = "toxin_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), default=None)
    session_date: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(64))
    indication: Mapped[str | None] = mapped_column(String(64), default=None)
    dilution_units_per_ml: Mapped[float] = mapped_column(Float)
    total_units: Mapped[float] = mapped_column(Float)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    injections: Mapped[list[ToxinInjection]] = relationship(
        back_populates="session", order_by="ToxinInjection.position", lazy="selectin"
    )


class ToxinInjection(Base):
    """One muscle of a session: side, units of the session's product, guidance."""

    __tablename__ = "toxin_injections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("toxin_sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    muscle: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))
    units: Mapped[float] = mapped_column(Float)
    guidance: Mapped[str] = mapped_column(String(16))
    session: Mapped[ToxinSession] = relationship(back_populates="injections")


class Blob(Base):
    """Uploaded bytes, stored once by content (SHA-256)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Recording(Voidable, Base):
    """An uploaded motion recording and its analysis (``dystonia.motion`` report JSON)."""

    __tablename__ = "recordings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(16))
    task: Mapped[str | None] = mapped_column(String(32), default=None)
    recorded_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON)
    figure_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)


class DiaryEntry(Voidable, Base):
    """A patient's diary day: severity and pain on 0-10, free note."""

    __tablename__ = "diary_entries"
    __table_args__ = (Index("ix_diary_patient_day", "patient_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    severity_0_10: Mapped[int] = mapped_column(Integer)
    pain_0_10: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class AuditHead(Base):
    """One row holding the last hash of the audit chain; locked while an event is appended."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One access to patient data or one security event (append-only, hash-chained).

    No clinical content is stored here: who, what kind of record, which id, when, the outcome.
    """

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTC)
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(64), default=None)
    patient_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
