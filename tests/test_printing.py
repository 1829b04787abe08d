"""Printed lists: what someone posting a list to a person inside gets on paper."""

from __future__ import annotations

import re

import pytest
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
    factories.store(
        engine,
        slug="xss",
        name="<script>alert(1)</script> Books",
        postal_address="<img src=x onerror=alert(1)>",
        postal_address_accepts_prisoner_mail=True,
    )
    with Session(engine) as session:
        reindex(session, backends.embedded(settings))
    html = empty_client.get("/print").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_empty_print(client):
    html = client.get("/print", params={"q": "zzzqqqxxx"}).text
    assert "No groups match this search." in html


# Printed lists are heavy (up to 1,000 groups each): made once for each state of the catalogue
# and the index, and only a few at once.


def test_a_printed_list_is_made_once_while_nothing_changes(client, monkeypatch):
    reads = _counting_reads(monkeypatch)
    first = client.get("/print", params={"q": "books"})
    for _ in range(3):
        assert client.get("/print", params={"q": "books"}).content == first.content
    assert len(reads) == 1
    client.get("/print.txt", params={"q": "books"})  # another page: made too
    assert len(reads) == 2


@pytest.mark.databases
def test_a_changed_listing_shows_in_the_next_printed_list(client, seeded, seed_records):
    assert "34 Allison St" in client.get("/print.txt", params={"q": "glasgow"}).text
    record = next(r for r in seed_records if "34 Allison St" in (r.postal_address or ""))
    moved = record.model_copy(update={"postal_address": "PO Box 4321\nGlasgow"})
    with Session(seeded) as session:  # the database only: the index has nothing new to say
        catalogue.upsert(session, moved)
        session.commit()
    text = client.get("/print.txt", params={"q": "glasgow"}).text
    assert "PO Box 4321" in text and "34 Allison St" not in text


def test_only_a_few_printed_lists_are_made_at_once(client, monkeypatch):
    """Six different lists asked at once: at most two are being made at any moment, and the
    rest wait their turn or are told to come back (503 with Retry-After)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    lock, making, most = threading.Lock(), [0], [0]
    get_many = catalogue.get_many

    def slow(session, slugs):
        with lock:
            making[0] += 1
            most[0] = max(most[0], making[0])
        threading.Event().wait(0.5)  # long enough for every request to have arrived
        with lock:
            making[0] -= 1
        return get_many(session, slugs)

    monkeypatch.setattr(catalogue, "get_many", slow)
    words = ["books", "vegan", "glasgow", "families", "legal", "letters"]
    with ThreadPoolExecutor(len(words)) as pool:
        responses = list(pool.map(lambda q: client.get("/print", params={"q": q}), words))
    assert most[0] <= 2
    for response in responses:
        assert response.status_code in (200, 503)
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) > 0


def _counting_reads(monkeypatch) -> list[int]:
    reads: list[int] = []
    get_many = catalogue.get_many

    def counted(session, slugs):
        reads.append(1)
        return get_many(session, slugs)

    monkeypatch.setattr(catalogue, "get_many", counted)
    return reads
