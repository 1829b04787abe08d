"""Moderators: a public name of their choosing, session versions; usernames off listings.

Listings approved before this said "verified by <username>", which told anyone what to
type on the sign-in page. They now say "a volunteer moderator" (nobody chose to be named
yet). Downgrading drops the new columns but cannot put the usernames back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VOLUNTEER_CREDIT = "a volunteer moderator"  # accounts.VOLUNTEER_CREDIT when this was written


def upgrade() -> None:
    with op.batch_alter_table("moderator", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.execute(
        sa.text(
            "UPDATE organisation SET verified_by = :credit "
            "WHERE verified_by IN (SELECT username FROM moderator)"
        ).bindparams(credit=VOLUNTEER_CREDIT)
    )


def downgrade() -> None:
    with op.batch_alter_table("moderator", schema=None) as batch_op:
        batch_op.drop_column("session_version")
        batch_op.drop_column("display_name")
