"""Email: the mail outbox, moderators' password resets, and who asked to be emailed.

Adds mail_message and password_reset; on submissions, whether the submitter asked for email;
on moderators, a private email address and whether they want the queue's daily digest.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _text(name: str, length: int, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("key", 120, nullable=False),
        _text("recipient", 254),
        _text("template", 40, nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        _text("status", 20, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        _text("last_error", 300),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("mail_message") as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_message_status"), ["status"])
        batch_op.create_index(batch_op.f("ix_mail_message_next_attempt_at"), ["next_attempt_at"])
        batch_op.create_index(batch_op.f("ix_mail_message_created_at"), ["created_at"])
    op.create_table(
        "password_reset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        _text("token_hash", 64, nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["moderator_id"], ["moderator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("password_reset") as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_moderator_id"), ["moderator_id"])
    with op.batch_alter_table("submission") as batch_op:
        batch_op.add_column(
            sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("moderator") as batch_op:
        batch_op.add_column(_text("email", 254))
        batch_op.add_column(
            sa.Column("queue_digest", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("moderator") as batch_op:
        batch_op.drop_column("queue_digest")
        batch_op.drop_column("email")
    with op.batch_alter_table("submission") as batch_op:
        batch_op.drop_column("notify_by_email")
    op.drop_table("password_reset")
    op.drop_table("mail_message")
