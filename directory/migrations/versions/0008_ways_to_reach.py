"""Ways to reach a group, and where it works as codes.

Adds phones, how to write (letter instructions), how to ask for help, opening hours, the
prisons a group serves, a note on its areas, and citations (where each contact fact is
stated). Areas served become ISO 3166 codes: an old free-text area that names a country or
a subdivision ("Scotland", "Texas") becomes its code; the rest moves to the note, so
nothing typed is lost. Every row whose areas change gets an outbox event.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00.000000
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pycountry
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = {
    "areas_served_note": 300,
    "letter_instructions": 500,
    "how_to_ask": 500,
    "opening_hours": 300,
}
_SUBDIVISION_COUNTRIES = ("GB", "US", "CA", "AU", "IE", "DE", "NZ")


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        for name, length in _TEXT_COLUMNS.items():
            batch.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True)
            )
        for name, empty in (("phones", "[]"), ("prisons_served", "[]"), ("citations", "{}")):
            batch.add_column(
                sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text(f"'{empty}'"))
            )
    _areas_as_codes()


def _areas_as_codes() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT slug, areas_served FROM organisation")).mappings()
    changes = []
    for row in rows:
        areas = row["areas_served"]
        if isinstance(areas, str):  # SQLite hands JSON back as text
            areas = json.loads(areas)
        if not areas:
            continue
        codes, notes = [], []
        for area in areas:
            code = _code(area)
            if code:
                codes.append(code)
            else:
                notes.append(area)
        changes.append(
            {
                "slug": row["slug"],
                "areas": json.dumps(list(dict.fromkeys(codes))),
                "note": "; ".join(notes)[:300] or None,
            }
        )
    if not changes:
        return
    connection.execute(
        sa.text(
            "UPDATE organisation SET areas_served = :areas, areas_served_note = :note "
            "WHERE slug = :slug"
        ),
        changes,
    )
    outbox = sa.table(
        "outbox_event",
        sa.column("slug"),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(outbox, [{"slug": change["slug"], "created_at": now} for change in changes])


def _code(area: str) -> str | None:
    """The ISO code of an old free-text area, when it is exactly a country or a nation,
    state or province; otherwise None (it goes to the note)."""
    wanted = area.strip().casefold()
    for country in pycountry.countries:
        names = {country.name, getattr(country, "common_name", ""), country.alpha_2}
        if wanted in {name.casefold() for name in names if name}:
            return str(country.alpha_2)
    for subdivision in pycountry.subdivisions:
        if subdivision.country_code in _SUBDIVISION_COUNTRIES:
            name = str(subdivision.name).split(" [")[0]
            if wanted in (name.casefold(), str(subdivision.code).casefold()):
                return str(subdivision.code)
    return None


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT slug, areas_served, areas_served_note FROM organisation")
    ).mappings()
    for row in rows:
        areas = row["areas_served"]
        if isinstance(areas, str):
            areas = json.loads(areas)
        text = [*areas, *([row["areas_served_note"]] if row["areas_served_note"] else [])]
        connection.execute(
            sa.text("UPDATE organisation SET areas_served = :areas WHERE slug = :slug"),
            {"slug": row["slug"], "areas": json.dumps(text)},
        )
    with op.batch_alter_table("organisation") as batch:
        for name in (*_TEXT_COLUMNS, "phones", "prisons_served", "citations"):
            batch.drop_column(name)
