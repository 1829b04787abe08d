"""Who checked a listing, as the public sees it: never a moderator's username."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session
from starlette.testclient import TestClient

from directory import accounts, catalogue
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import alembic_config
from directory.opendata import exporting, importing, ourjson
from directory.opendata.hsds import organization_id
from tests import factories
from tests.web import approve, pages, post_form, review_url, sign_in, submit_new, text_of

# A username no seed listing, place or word could contain by chance.
USERNAME = "quillfeather"
PASSWORD = "a long enough password"
VOLUNTEER = "a volunteer moderator"
SEED_NOTE = "directory editors, against the cited public sources"


@pytest.fixture
def checker(seeded, settings, moderators) -> Iterator[TestClient]:
    """A browser signed in as a moderator whose username must stay private."""
    with Session(seeded) as session:
        accounts.create_moderator(session, USERNAME, PASSWORD)
        session.commit()
    with TestClient(create_app(settings)) as browser:
        sign_in(browser, USERNAME, PASSWORD)
        yield browser


def suggest_city(client: TestClient, slug: str, city: str) -> None:
    from tests.test_moderation import suggest_edit

    suggest_edit(client, slug, city=city)


def public_texts(client: TestClient, seeded, slugs: list[str]) -> dict[str, str]:
    """Everything the public can read about these listings, by where they read it."""
    texts: dict[str, str] = {}
    for slug in slugs:
        texts |= pages(
            client,
            f"/organisations/{slug}",
            f"/api/organisations/{slug}",
            f"/api/hsds/organizations/{organization_id(slug)}",
        )
    texts |= pages(
        client,
        "/",
        "/search?q=bent+bars",
        "/api/search?q=bent+bars",
        "/api/organisations?per_page=100",
        "/api/hsds/organizations?per_page=100",
        "/print",
        "/print.txt",
        "/feed.atom",
        "/sitemap.xml",
    )
    with Session(seeded) as session:
        for name in exporting.FORMATS:
            out = io.StringIO()
            exporting.export(session, name, out)
            texts[f"export {name}"] = out.getvalue()
    return texts


def test_no_moderator_username_is_published(checker, public_client, seeded):
    suggest_city(public_client, "bent-bars-project", "Brighton")
    assert approve(checker, review_url(checker, "Bent Bars Project")).status_code == 303
    submit_new(public_client, name="Numbat Letters")
    assert approve(checker, review_url(checker, "Numbat Letters")).status_code == 303

    texts = public_texts(public_client, seeded, ["bent-bars-project", "numbat-letters"])
    leaked = sorted(where for where, body in texts.items() if USERNAME in body)
    assert leaked == [], leaked
    page = text_of(public_client.get("/organisations/numbat-letters").text)
    assert f"by {VOLUNTEER}." in page
    api = public_client.get("/api/organisations/bent-bars-project").json()
    assert api["verification"]["verified_by"] == VOLUNTEER
    # Moderators still see who decided.
    history = checker.get("/moderate/organisations/bent-bars-project/history").text
    assert f"Approved by {USERNAME}" in text_of(history)


def test_seed_notes_about_who_checked_stay_as_they_are(public_client):
    # The seed files credit a research process, not a person: nothing private to hide.
    page = text_of(public_client.get("/organisations/bent-bars-project").text)
    assert f"by {SEED_NOTE}." in page


def test_a_moderator_may_choose_a_public_name_and_take_it_back(checker, public_client):
    chosen = {"action": "display_name", "display_name": "Sam at Leeds ABC"}
    assert post_form(checker, "/moderate/account", chosen).status_code == 303
    assert 'value="Sam at Leeds ABC"' in checker.get("/moderate/account").text
    submit_new(public_client, name="Quokka Books")
    approve(checker, review_url(checker, "Quokka Books"))
    page = text_of(public_client.get("/organisations/quokka-books").text)
    assert "by Sam at Leeds ABC." in page

    # Taking the name back takes it off the listings they checked, too.
    cleared = {"action": "display_name", "display_name": ""}
    assert post_form(checker, "/moderate/account", cleared).status_code == 303
    page = text_of(public_client.get("/organisations/quokka-books").text)
    assert "Sam at Leeds ABC" not in page and f"by {VOLUNTEER}." in page


def test_an_admin_may_set_a_moderators_public_name(moderator_client, public_client, checker):
    form = {"action": "display_name", "username": USERNAME, "display_name": "Robin"}
    assert post_form(moderator_client, "/moderate/moderators", form).status_code == 303
    assert "Robin" in moderator_client.get("/moderate/moderators").text
    submit_new(public_client, name="Wombat Mail")
    approve(checker, review_url(checker, "Wombat Mail"))
    assert "by Robin." in text_of(public_client.get("/organisations/wombat-mail").text)


@pytest.mark.parametrize(
    ("name", "message"),
    [("x" * 81, "at most 80"), ("Sam\u202e", "cannot be used")],
)
def test_a_public_name_is_checked(checker, name, message):
    form = {"action": "display_name", "display_name": name}
    response = post_form(checker, "/moderate/account", form)
    assert response.status_code == 400
    assert message in response.text


def test_publishing_an_old_export_does_not_publish_a_username(checker, seeded, moderators):
    # Exports made before usernames were kept private carry them in verified_by.
    old = ourjson.listing(
        factories.record(slug="from-an-old-export", verified_on="2026-01-02", verified_by=USERNAME)
    )
    with Session(seeded) as session:
        imported = importing.read(json.dumps([old]))
        importing.publish(session, imported.valid, "alice", importing.new_report(imported))
        session.commit()
        assert catalogue.get(session, "from-an-old-export").verified_by == VOLUNTEER


@pytest.mark.databases
def test_the_migration_hides_usernames_already_published(settings, database_url):
    engine = make_engine(settings)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO moderator (username, password_hash, role, active, created_at) "
                "VALUES ('quillfeather', 'x', 'moderator', true, CURRENT_TIMESTAMP)"
            )
        )
    # Rows as the schema of 0004 holds them: today's ORM has columns that did not exist yet.
    with engine.begin() as connection:
        for slug, by in (("by-a-moderator", USERNAME), ("by-the-seed", SEED_NOTE)):
            connection.execute(
                text(
                    "INSERT INTO organisation (slug, name, alternate_names, kind, description, "
                    "focus, services, country, areas_served, "
                    "postal_address_accepts_prisoner_mail, languages, status, verified_on, "
                    "verified_by, sources, created_at, updated_at) VALUES (:slug, 'A group', "
                    "'[]', 'abc-group', 'A group that writes to people inside.', "
                    "'[\"all-prisoners\"]', '[\"letter-writing\"]', 'GB', '[]', false, '[]', "
                    "'unknown', '2026-01-02', :by, '[\"https://example.org\"]', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"slug": slug, "by": by},
            )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session:
        assert catalogue.get(session, "by-a-moderator").verified_by == VOLUNTEER
        assert catalogue.get(session, "by-the-seed").verified_by == SEED_NOTE
    engine.dispose()
