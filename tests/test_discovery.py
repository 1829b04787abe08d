"""The Atom feed, sitemap.xml and robots.txt."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET

import pytest
from sqlmodel import Session

from directory import catalogue, prisons
from directory.settings import PACKAGED_SEED_DIR
from tests import factories
from tests.factories import SEED_COUNT

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_feed_lists_new_and_updated_listings_newest_first(client, seeded):
    factories.store(seeded, slug="brand-new", name="Brand <New> & Group")
    response = client.get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # well-formed XML, user text escaped
    entries = root.findall(f"{ATOM}entry")
    assert 0 < len(entries) <= 50
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "Brand <New> & Group"
    assert first.find(f"{ATOM}id").text == "http://127.0.0.1:8000/organisations/brand-new"
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_sitemap_lists_every_organisation(client):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]
    assert "http://127.0.0.1:8000/organisations/bent-bars-project" in locations
    assert "http://127.0.0.1:8000/activities" in locations
    assert "http://127.0.0.1:8000/activities/glasgow-prisoner-solidarity-prisoner" in locations
    # The home page, every listing, /activities and every activity, /prisons and every
    # prison of the register.
    seed_activities = len(
        tomllib.loads((PACKAGED_SEED_DIR / "activities.toml").read_text())["activity"]
    )
    assert len(locations) == (
        SEED_COUNT + 1 + 1 + seed_activities + 1 + len(prisons.load(None).all())
    )


def test_robots(client):
    text = client.get("/robots.txt").text
    assert "Disallow: /moderate" in text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text


def test_pages_link_to_the_feed(client):
    assert 'type="application/atom+xml"' in client.get("/").text


@pytest.mark.parametrize("character", ["\uffff", "\ufffe", "\x85", "\u202e"])
def test_the_feed_stays_well_formed_when_a_moderator_pastes_a_non_character(
    moderator_client, public_client, character
):
    from tests.web import approve, review_url, submit_new, text_of

    assert submit_new(public_client, name="Quokka Letters").status_code == 303
    review = review_url(moderator_client, "Quokka Letters")
    response = approve(moderator_client, review, name=f"Quokka{character} Letters")
    assert response.status_code == 400, "approved"
    assert "Please retype it" in text_of(response.text)
    root = ET.fromstring(public_client.get("/feed.atom").content)  # every subscriber reads it
    assert "Quokka" not in ET.tostring(root, encoding="unicode")
    assert approve(moderator_client, review).status_code == 303
    titles = [
        e.find(f"{ATOM}title").text
        for e in ET.fromstring(public_client.get("/feed.atom").content).findall(f"{ATOM}entry")
    ]
    assert titles[0] == "Quokka Letters"


# The sitemap is the heaviest page there is (every listing): made once for each state of the
# catalogue, and made afresh the moment a listing is added, changed or removed.


def _counting_reads(monkeypatch) -> list[int]:
    reads: list[int] = []
    every = catalogue.iter_all

    def counted(session, *args, **kwargs):
        reads.append(1)
        return every(session, *args, **kwargs)

    monkeypatch.setattr(catalogue, "iter_all", counted)
    return reads


def _locations(client) -> list[str]:
    root = ET.fromstring(client.get("/sitemap.xml").content)
    return [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]


def test_the_sitemap_is_made_once_while_nothing_changes(client, monkeypatch):
    reads = _counting_reads(monkeypatch)
    first = client.get("/sitemap.xml")
    for _ in range(3):
        again = client.get("/sitemap.xml")
        assert again.content == first.content
    assert len(reads) == 1
    unchanged = client.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304


@pytest.mark.databases
def test_a_listing_added_or_removed_shows_in_the_next_sitemap(client, seeded):
    before = _locations(client)
    factories.store(seeded, slug="brand-new", name="Brand New Group")
    added = _locations(client)
    assert added == sorted(added) and len(added) == len(before) + 1
    assert "http://127.0.0.1:8000/organisations/brand-new" in added
    with Session(seeded) as session:
        catalogue.delete(session, "brand-new")
        session.commit()
    assert _locations(client) == before
