"""Activities: what listed groups hold that people can attend, with access provisions.

Adds the activity table and, on submissions, the activity an edit or cancellation concerns.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _text(name: str, length: int, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("public_id", 40, nullable=False),
        _text("organisation_slug", 80, nullable=False),
        _text("title", 200, nullable=False),
        _text("description", 2000, nullable=False),
        _text("kind", 40, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=False), nullable=True),
        _text("time_zone", 64, nullable=False),
        _text("recurrence", 300),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        _text("online_how", 500),
        _text("venue", 200),
        _text("address", 500),
        _text("city", 120),
        _text("country", 2),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        _text("cost", 200),
        _text("how_to_join", 500),
        sa.Column("access", sa.JSON(), nullable=False),
        _text("access_notes", 1000),
        _text("access_contact", 200),
        sa.Column("by_post", sa.Boolean(), nullable=False),
        _text("status", 20, nullable=False),
        _text("source_url", 500, nullable=False),
        sa.Column("stated_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_public_id"), ["public_id"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_activity_organisation_slug"), ["organisation_slug"], unique=False
        )
    with op.batch_alter_table("submission") as batch_op:
        batch_op.add_column(_text("activity_public_id", 40))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch_op:
        batch_op.drop_column("activity_public_id")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_organisation_slug"))
        batch_op.drop_index(batch_op.f("ix_activity_public_id"))
    op.drop_table("activity")
