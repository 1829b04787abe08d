"""Listings' text as the validation now stores it: line ends as "\\n", Unicode in NFC.

Before this, a browser's "\\r\\n" was stored as it came, so every later suggested edit of such
a listing showed its multi-line fields as changed although they read the same. Rows are
rewritten only where the text differs, each with an outbox event so search indexes follow.
Downgrading leaves the text as it is: the old line ends are not worth restoring.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:30:00.000000
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The multi-line fields (records.MultilineText when this was written) and the single-line
# ones people type most; names are compared by the moderation diff too.
MULTI_LINE = ("description", "postal_address", "accessibility")
ONE_LINE = ("name", "region", "city")
_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029]")


def _as_stored(value: str | None, *, lines: bool) -> str | None:
    if value is None:
        return None
    if lines:
        value = _LINE_ENDS.sub("\n", value)
    return unicodedata.normalize("NFC", value).strip()


def upgrade() -> None:
    connection = op.get_bind()
    columns = ", ".join(("slug", *MULTI_LINE, *ONE_LINE))
    rows = connection.execute(sa.text(f"SELECT {columns} FROM organisation")).mappings()  # noqa: S608
    changes = []
    for row in rows:
        values = {name: _as_stored(row[name], lines=True) for name in MULTI_LINE}
        values.update({name: _as_stored(row[name], lines=False) for name in ONE_LINE})
        if any(values[name] != row[name] for name in values):
            changes.append({"slug": row["slug"], **values})
    if not changes:
        return
    assignments = ", ".join(f"{name} = :{name}" for name in (*MULTI_LINE, *ONE_LINE))
    update = sa.text(f"UPDATE organisation SET {assignments} WHERE slug = :slug")  # noqa: S608
    connection.execute(update, changes)
    outbox = sa.table(
        "outbox_event",
        sa.column("slug"),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(outbox, [{"slug": change["slug"], "created_at": now} for change in changes])


def downgrade() -> None:
    pass
