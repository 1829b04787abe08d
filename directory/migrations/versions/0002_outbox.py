"""Outbox: changes waiting to be applied to search indexes, and where they have been.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 07:52:38.534037
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_event_slug"), ["slug"], unique=False)

    op.create_table(
        "outbox_delivery",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["outbox_event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "backend"),
    )


def downgrade() -> None:
    op.drop_table("outbox_delivery")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_event_slug"))

    op.drop_table("outbox_event")
