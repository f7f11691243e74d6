"""second factor: TOTP enrolment columns on users

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

The database holds a nonce per enrolment, never the shared secret (records/totp.py derives it
with the key kept outside the database), and the last accepted time step (no code twice).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("totp_nonce", sa.String(length=32)),
    ("totp_pending_nonce", sa.String(length=32)),
    ("totp_last_step", sa.Integer()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("users", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("users", name)
