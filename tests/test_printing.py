"""Printed lists: what someone posting a list to a person inside gets on paper."""

from __future__ import annotations

import re

from sqlmodel import Session

from directory import catalogue
from directory.search import backends
from directory.search.indexing import reindex
from tests import factories


def test_search_results_offer_a_printable_list(client):
    page = client.get("/search", params={"q": "books", "country": "US"}).text
    assert 'href="/print?q=books&amp;country=US"' in page
    assert 'href="/print.txt?q=books&amp;country=US"' in page


def test_print_lists_every_match_grouped_by_country_then_kind(client):
    response = client.get("/print", params={"country": ["GB", "IE"]})
    assert response.status_code == 200
    html = response.text
    assert "<nav" not in html  # no site navigation on paper
    total = client.get("/api/search", params={"country": ["GB", "IE"]}).json()["total"]
    assert html.count('<article class="entry') == total  # every match, not one page
    countries = re.findall(r"<h2>([^<]+)</h2>", html)
    assert countries == ["Ireland", "United Kingdom"]
    assert re.search(r"Printed \d{1,2} \w+ 20\d\d", html)


def test_addresses_people_inside_can_write_to_come_first_and_are_marked(client):
    html = client.get("/print", params={"focus": "lgbtq", "country": "GB"}).text
    assert "✉ Write from prison:" in html
    assert "PO Box 66754" in html  # Bent Bars Project's postal address


def test_prisoner_mail_first_within_a_group(engine, settings, empty_client):
    with Session(engine) as session:
        for slug, name, address in [
            ("a-group", "Alpha Books", None),
            ("z-group", "Zulu Books", "PO Box 1\nTown"),
        ]:
            catalogue.upsert(
                session,
                factories.record(
                    slug=slug,
                    name=name,
                    kind="books-to-prisoners",
                    postal_address=address,
                    postal_address_accepts_prisoner_mail=bool(address),
                ),
            )
        session.commit()
        reindex(session, backends.embedded(settings))
    html = empty_client.get("/print").text
    assert html.index("Zulu Books") < html.index("Alpha Books")


def test_plain_text_version(client):
    response = client.get("/print.txt", params={"q": "glasgow prisoner solidarity"})
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "PRISONER SUPPORT GROUPS" in text
    assert "==== UNITED KINGDOM ====" in text
    assert "[WRITE FROM PRISON]" in text
    assert "34 Allison St" in text
    assert "&amp;" not in text and "<" not in text


def test_print_escapes_user_content(engine, settings, empty_client):
    with Session(engine) as session:
        catalogue.upsert(
            session,
            factories.record(
                slug="xss",
                name="<script>alert(1)</script> Books",
                postal_address="<img src=x onerror=alert(1)>",
                postal_address_accepts_prisoner_mail=True,
            ),
        )
        session.commit()
        reindex(session, backends.embedded(settings))
    html = empty_client.get("/print").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_empty_print(client):
    html = client.get("/print", params={"q": "zzzqqqxxx"}).text
    assert "No groups match this search." in html
