"""Printed lists: what someone posting a list to a person inside gets on paper."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from directory import catalogue
from directory.search import backends
from directory.search.indexing import reindex
from tests import factories
from tests.web import text_of


def test_search_results_offer_a_printable_list(client):
    page = client.get("/search", params={"q": "books", "country": "US"}).text
    assert 'href="/print?q=books&amp;country=US"' in page
    assert 'href="/print.txt?q=books&amp;country=US"' in page


def test_print_lists_every_match_writable_first_then_the_rest(client):
    response = client.get("/print", params={"country": ["GB", "IE"]})
    assert response.status_code == 200
    html = response.text
    assert "<nav" not in html  # no site navigation on paper
    found = client.get("/api/search", params={"country": ["GB", "IE"], "per_page": 100}).json()
    closed = sum(
        client.get(f"/api/organisations/{hit['slug']}").json()["status"] == "inactive"
        for hit in found["hits"]
    )
    printed = html.count('<article class="entry') + html.count("<li><strong>")
    assert printed == found["total"] - closed  # every open match, not one page of them
    assert re.findall(r"<h2[^>]*>([^<(]+)", html) == [
        "Groups you can write to ",
        "Ask someone outside to look these up ",
    ]
    assert re.findall(r'<h3 class="country">([^<]+)</h3>', html) == ["United Kingdom"]
    assert re.search(r"Printed \d{1,2} \w+ 20\d\d", html)


def test_addresses_people_inside_can_write_to_are_printed_as_on_an_envelope(client):
    html = client.get("/print", params={"q": "glasgow prisoner solidarity"}).text
    envelope = re.search(r'<p class="address">(.*?)</p>', html, re.S).group(1)
    # Glasgow Prisoner Solidarity's pen-pal address, and how to write to it.
    assert envelope == "GPS Pen Pals<br>c/o Category Is Books<br>34 Allison St<br>Glasgow G42 8NN"
    assert "Write to:" in html
    assert "include your name, address and prisoner number" in html


def _site(engine, settings, *listings: dict) -> None:
    for values in listings:
        factories.store(engine, **values)
    with Session(engine) as session:
        reindex(session, backends.embedded(settings))


def _writable(name: str, kind: str, address: str = "PO Box 1\nTown T1 1AA", **more) -> dict:
    return dict(
        name=name,
        kind=kind,
        postal_address=address,
        postal_address_accepts_prisoner_mail=True,
        **more,
    )


MIXED = (
    dict(name="Aardvark ABC", kind="abc-group", website="https://aardvark.example.org"),
    _writable("Zebra Books", "books-to-prisoners", "PO Box 9\nZebraton Z9 9ZZ"),
    _writable("Yak Families", "family-support"),
    dict(
        name="Badger Legal",
        kind="legal-advice",
        postal_address="1 Office Row\nLondon",  # not for letters from prison
        email="help@badger.example.org",
        description="Gives legal advice to families. It also trains volunteers in the law.",
    ),
    _writable("Closed Camel Books", "books-to-prisoners", status="inactive"),
    dict(name="Closed Cobra ABC", kind="abc-group", status="inactive"),
)


def test_groups_people_inside_can_write_to_come_first_across_kinds(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    for path in ("/print", "/print.txt"):
        page = empty_client.get(path).text
        order = [page.index(name) for name in ("Yak Families", "Zebra Books")]
        order += [page.lower().index("ask someone outside to look these up")]
        order += [page.index(name) for name in ("Aardvark ABC", "Badger Legal")]
        assert order == sorted(order), path  # by name, whatever their kind


def test_closed_groups_are_never_printed(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    for params in ({}, {"only": "write"}, {"size": "large"}, {"q": "closed"}):
        for path in ("/print", "/print.txt"):
            page = empty_client.get(path, params=params).text
            assert "Closed Camel" not in page and "Closed Cobra" not in page, (path, params)
    assert "2 groups that have closed are not printed." in empty_client.get("/print").text


def test_the_closing_section_says_in_a_line_what_each_group_does_and_how_to_reach_it(
    engine, settings, empty_client
):
    _site(engine, settings, *MIXED)
    html = text_of(empty_client.get("/print").text)
    closing = html[html.index("Ask someone outside to look these up") :]
    assert "no address that people in prison can write to" in closing
    assert "Badger Legal (United Kingdom): Gives legal advice to families. Email:" in closing
    assert "It also trains volunteers" not in closing  # one line, not the whole description
    assert "Post, from outside prison only: 1 Office Row, London" in closing
    assert "Web: https://aardvark.example.org" in closing
    text = empty_client.get("/print.txt").text
    assert "==== ASK SOMEONE OUTSIDE TO LOOK THESE UP (2) ====" in text
    assert "  Email: help@badger.example.org" in text


def test_groups_people_inside_cannot_write_to_can_be_left_out(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    page = empty_client.get("/print").text
    choice = re.search(r'<a href="([^"]+)">leave them out</a>', page).group(1)
    assert choice == "/print?only=write"  # a link: no script needed
    for path in (choice, "/print.txt?only=write"):
        shown = empty_client.get(path).text
        assert "Zebra Books" in shown and "Yak Families" in shown
        assert "Aardvark ABC" not in shown and "Badger Legal" not in shown
        assert "Ask someone outside" not in shown
        assert "2 groups with no address for letters from prison are left out" in shown
    back = empty_client.get(choice).text
    assert re.search(r'<a href="/print">list them at the end</a>', back)


def test_the_choices_keep_the_search(client):
    page = client.get("/print", params={"kind": "books-to-prisoners", "country": "US"}).text
    assert 'href="/print?kind=books-to-prisoners&amp;country=US&amp;size=large"' in page
    assert 'href="/print?kind=books-to-prisoners&amp;country=US&amp;only=write"' in page
    assert 'href="/print.txt?kind=books-to-prisoners&amp;country=US"' in page
    assert 'href="/search?kind=books-to-prisoners&amp;country=US"' in page


def test_large_print(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    standard = empty_client.get("/print").text
    assert '<body class="standard-print">' in standard
    large_link = re.search(r'<a href="([^"]+)">large print \(18 pt\)</a>', standard).group(1)
    assert large_link == "/print?size=large"
    large = empty_client.get(large_link).text
    assert '<body class="large-print">' in large
    assert "<title>Prisoner support groups: printable list (large print)</title>" in large
    assert "Zebra Books" in large and "Aardvark ABC" in large  # the same list
    assert '<a href="/print">standard print</a>' in large
    both = empty_client.get("/print", params={"size": "large", "only": "write"}).text
    assert '<body class="large-print">' in both and "Aardvark ABC" not in both
    # Any other size is the standard one, as is kept (and sent again) for it.
    assert empty_client.get("/print", params={"size": "huge"}).text == standard


def test_the_print_stylesheet_sets_large_print_at_18pt(client):
    css = client.get("/static/print.css").text
    rule = re.search(r"body\.large-print \{([^}]*)\}", css).group(1)
    assert "font-size: 18pt" in rule
    assert re.search(r"@media print \{[^@]*\.print-button[^}]*display: none", css)


@pytest.mark.parametrize("params", [{}, {"size": "large"}, {"only": "write"}])
def test_no_text_points_to_an_address_below(engine, settings, empty_client, params):
    """The address is printed above the description: nothing the list adds may call it
    "below" (descriptions are the groups' own words, and these say nothing of it)."""
    _site(engine, settings, *MIXED)
    for path in ("/print", "/print.txt"):
        page = text_of(empty_client.get(path, params=params).text).lower()
        assert "below" not in page and "beneath" not in page, path


def test_the_address_to_write_to_comes_before_the_description(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    for path in ("/print", "/print.txt"):
        page = empty_client.get(path).text
        entry = page[page.index("Zebra Books") :]
        assert entry.index("Zebraton Z9 9ZZ") < entry.index("writes letters to people"), path


def test_how_to_address_a_letter_is_printed_when_the_listing_says(engine, settings, empty_client):
    _site(engine, settings, *MIXED)
    from directory.models import Organisation

    with Session(engine) as session:
        zebra = session.exec(select(Organisation).where(Organisation.name == "Zebra Books")).one()
        zebra.letter_instructions = "Write with your name and prison number."
        zebra.phones = [{"number": "+442079460123", "kind": "helpline", "free": True}]
        session.commit()
    html = text_of(empty_client.get("/print").text)
    assert "How to address a letter: Write with your name and prison number." in html
    text = empty_client.get("/print.txt").text
    assert "How to address a letter: Write with your name and prison number." in text
    assert "Phone: 020 7946 0123 (Helpline; free)" in html and "Phone: 020 7946 0123" in text


def test_a_list_over_several_countries_puts_the_country_on_the_envelope(
    engine, settings, empty_client
):
    _site(
        engine,
        settings,
        _writable("Kiwi Books", "books-to-prisoners", "PO Box 5\nAuckland 1010", country="NZ"),
        _writable("Robin Books", "books-to-prisoners", "PO Box 6\nLeeds LS1 1AA"),
    )
    html = empty_client.get("/print").text
    assert "PO Box 5<br>Auckland 1010<br>NEW ZEALAND" in html
    assert "PO Box 6<br>Leeds LS1 1AA<br>UNITED KINGDOM" in html
    assert re.findall(r'<h3 class="country">([^<]+)</h3>', html) == [
        "New Zealand",
        "United Kingdom",
    ]
    one_country = empty_client.get("/print", params={"country": "GB"}).text
    assert "PO Box 6<br>Leeds LS1 1AA</p>" in one_country
    assert '<h3 class="country">' not in one_country


def test_the_directory_s_own_address_is_printed(engine, settings, empty_client):
    html = text_of(empty_client.get("/print", params={"kind": "abc-group"}).text)
    assert "from the Prisoner Support Directory, http://127.0.0.1:8000" in html
    assert "kept up to date, at http://127.0.0.1:8000/search?kind=abc-group" in html


def test_the_print_button_calls_print_from_a_script_file_and_is_hidden_without_it(client):
    html = client.get("/print", params={"q": "books"}).text
    button = re.search(r"<button [^>]*>Print this list</button>", html).group(0)
    assert "hidden" in button and "data-print" in button  # shown by the script, if it runs
    assert "onclick" not in button
    assert re.search(r'<script src="/static/print\.js" defer></script>', html)
    assert "Your browser's own Print command prints this list too." in html  # without the script
    script = client.get("/static/print.js")
    assert script.status_code == 200
    assert "window.print()" in script.text and "hidden = false" in script.text


def test_plain_text_version(client):
    response = client.get("/print.txt", params={"q": "glasgow prisoner solidarity"})
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "PRISONER SUPPORT GROUPS" in text
    assert "==== GROUPS YOU CAN WRITE TO (1) ====" in text
    assert "WRITE TO:\n    GPS Pen Pals\n    c/o Category Is Books\n    34 Allison St\n" in text
    assert "&amp;" not in text and "<" not in text
    assert max(len(line) for line in text.splitlines()) <= 100


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


@pytest.mark.parametrize(
    ("description", "line"),
    [
        ("Sends books. Also zines.", "Sends books."),
        ("Based in St. Louis, it sends books. Also zines.", "Based in St. Louis, it sends books."),
        ("Write to P.O. Box 5 for books. More.", "Write to P.O. Box 5 for books."),
        ("Helps families\nof prisoners!  Since 1990.", "Helps families of prisoners!"),
        ("A group. (Founded 1990.)", "A group."),
        ("No full stop at all", "No full stop at all"),
        ("word " * 60, ("word " * 32).strip() + "…"),
    ],
)
def test_the_closing_section_s_line_is_the_first_sentence(description, line):
    from directory.web.presenters.printing import summary

    assert summary(description) == line


def test_the_us_books_list_leads_with_addresses_people_inside_can_write_to(client):
    html = client.get("/print", params={"kind": "books-to-prisoners", "country": "US"}).text
    count = int(re.search(r"Groups you can write to \((\d+)\)", html).group(1))
    assert count >= 15
    envelopes = re.findall(r'<p class="address">', html)
    assert len(envelopes) == count
    assert html.rindex('<p class="address">') < html.index("Ask someone outside to look these up")


def test_a_list_for_a_place_is_ordered_as_the_search_with_headings(client):
    html = client.get("/print", params={"near": "Glasgow"}).text
    headings = re.findall(r'<h3 class="country">(.*?)</h3>', html)
    order = ["Near Glasgow", "Across Scotland", "Across the United Kingdom"]
    assert headings[0] == "Near Glasgow"
    assert headings == sorted(headings, key=order.index)
    assert "groups within 50 km of Glasgow and those working across Scotland" in html
    # A Glasgow address needs no country line for a letter from a Scottish prison.
    assert "Glasgow G42 8NN<br>UNITED KINGDOM" not in html
    assert "Glasgow G42 8NN" in html
