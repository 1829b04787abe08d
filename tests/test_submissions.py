"""The public side of submissions, over HTTP: forms, validation, spam defences, status pages."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, func, select

from directory.models import Submission
from tests.factories import listing_form
from tests.web import (
    approve,
    csrf_token,
    decide,
    explains,
    pages,
    post_form,
    review_url,
    submit_new,
    text_of,
    token_of,
)


def submission_count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Submission)).one()


def stored(engine, token: str) -> Submission:
    with Session(engine) as session:
        return session.exec(select(Submission).where(Submission.token == token)).one()


# A new listing, from the form to the search results ----------------------------------------


def test_new_listing_is_invisible_until_approved_then_searchable(client, public_client, moderators):
    sent = submit_new(public_client, name="Quokka Prisoner Letters", city="Perth", country="AU")
    token = token_of(sent)
    status = text_of(public_client.get(sent.headers["location"]).text)
    assert "Thank you: we have received it" in status
    assert "Waiting for review" in status
    assert "Quokka Prisoner Letters" in status

    assert public_client.get("/api/search", params={"q": "quokka"}).json()["total"] == 0
    assert "Quokka" not in public_client.get("/search", params={"q": "quokka"}).text
    assert public_client.get("/organisations/quokka-prisoner-letters").status_code == 404

    from tests.web import sign_in

    sign_in(client, "alice", moderators["alice"])
    decided = approve(client, review_url(client, "Quokka Prisoner Letters"))
    assert decided.status_code == 303
    assert "is live" in text_of(client.get(decided.headers["location"]).text)

    hits = public_client.get("/api/search", params={"q": "quokka"}).json()["hits"]
    assert [hit["slug"] for hit in hits] == ["quokka-prisoner-letters"]
    page = text_of(public_client.get("/organisations/quokka-prisoner-letters").text)
    assert "Quokka Prisoner Letters" in page
    assert "Perth, Australia" in page
    assert "by a volunteer moderator" in page  # checked, without naming who (issue 12)
    status = text_of(public_client.get(f"/submissions/{token}").text)
    assert "Approved" in status
    assert "See the listing for Quokka Prisoner Letters" in status


def test_the_form_offers_every_public_field_and_works_without_javascript(client):
    html = client.get("/submit").text
    assert "<script" not in html
    assert 'method="post"' in html and 'action="/submit"' in html
    for name in (
        "name",
        "alternate_names",
        "kind",
        "description",
        "focus",
        "services",
        "country",
        "region",
        "city",
        "areas_served",
        "website",
        "email",
        "postal_address",
        "postal_address_accepts_prisoner_mail",
        "postal_address_note",
        "languages",
        "accessibility",
        "founded_year",
        "status",
        "sources",
        "contact",
        "relation",
        "note",
    ):
        assert f'name="{name}"' in html, name
    assert 'value="abc-group"' in html and "Anarchist Black Cross group" in html
    assert '<option value="GB">United Kingdom</option>' in html


def test_honeypot_is_hidden_from_people(client):
    html = client.get("/submit").text
    trap = re.search(r'<div class="trap"[^>]*>.*?</div>', html, re.S).group(0)
    assert 'aria-hidden="true"' in trap
    assert "Leave this empty" in trap
    assert 'autocomplete="off"' in trap and 'tabindex="-1"' in trap


def test_site_nav_and_organisation_page_link_to_the_forms(client):
    html = client.get("/organisations/bent-bars-project").text
    assert '<a href="/submit">Add a group</a>' in html
    assert '<a href="/organisations/bent-bars-project/edit">Suggest an edit</a>' in html
    assert '<a href="/organisations/bent-bars-project/report">Report a problem</a>' in html


# Validation: every error next to its field, in a summary, with the input kept ---------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"website": "not a web address"}, "website", "starting with http:// or https://"),
        ({"website": "javascript:alert(1)"}, "website", "starting with http:// or https://"),
        ({"name": ""}, "name", "Enter the name of the group"),
        ({"name": "x" * 201}, "name", "200 characters or fewer (it has 201)"),
        ({"description": "Too short"}, "description", "at least 20 characters"),
        ({"description": "x" * 4001}, "description", "4,000 characters or fewer"),
        ({"kind": None}, "kind", "Choose the kind of group"),
        ({"kind": "not-a-kind"}, "kind", "Choose a kind of group from the list"),
        ({"focus": None}, "focus", "Choose at least one group of people"),
        ({"services": ["nonsense"]}, "services", "Choose from the list"),
        ({"country": "XX"}, "country", "Choose a country from the list"),
        ({"country": None}, "country", "Choose a country"),
        ({"email": "nobody-at-example"}, "email", "such as name@example.org"),
        ({"founded_year": "long ago"}, "founded_year", "Enter a year between 1800 and 2100"),
        ({"founded_year": "1066"}, "founded_year", "Enter a year between 1800 and 2100"),
        ({"languages": "English, Klingon"}, "languages", "We do not recognise “Klingon”"),
        ({"name": "Bad\x07Bell Group"}, "name", "invisible control characters"),
        ({"description": "Letters\x00 and books to people inside."}, "description", "control"),
        ({"city": "Leeds\x1b[31m"}, "city", "invisible control characters"),
        ({"note": "Hello\x08"}, "note", "invisible control characters"),
        ({"contact": ""}, "contact", "Enter an email address or phone number"),
        ({"contact": "x" * 201}, "contact", "200 characters or fewer"),
        ({"note": "x" * 2001}, "note", "2,000 characters or fewer"),
        ({"relation": "stranger"}, "relation", "Choose one of the options"),
        ({"sources": "https://ok.example.org\nnot-a-url"}, "sources", "one on each line"),
        (
            {"postal_address_accepts_prisoner_mail": "yes"},
            "postal_address",
            "Add the postal address, or untick",
        ),
        (
            {"website": "", "email": "", "postal_address": ""},
            "website",
            "at least one way to reach the group",
        ),
    ],
)
def test_invalid_submissions_explain_the_problem_next_to_the_field(
    client, seeded, overrides, field, message
):
    before = submission_count(seeded)
    response = submit_new(client, region="Kept Region", **overrides)
    assert response.status_code == 400
    html = response.text
    assert message in text_of(html)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f'href="#field-{field}"' in summary
    assert re.search(rf'id="field-{field}-error"[^>]*>.*?{re.escape(message)}', html, re.S)
    assert re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', html)
    assert 'value="Kept Region"' in html  # what was typed is still there
    assert "Error: " in html.split("</title>")[0]
    assert submission_count(seeded) == before


def test_friendly_messages_never_show_pydantic_text(client):
    html = submit_new(client, name="", country="XX", website="ftp://x", founded_year="1700").text
    for raw in ("Value error", "validation error", "should have at least", "ISO 3166"):
        assert raw not in html


def test_choices_and_text_are_kept_after_an_error(client):
    html = submit_new(
        client,
        description="short",
        focus=["women", "lgbtq"],
        postal_address="PO Box 1\nLeeds",
        postal_address_accepts_prisoner_mail="yes",
    ).text
    assert re.search(r'value="women" checked', html)
    assert re.search(r'value="lgbtq" checked', html)
    assert re.search(r'value="abc-group" checked', html)
    assert '<option value="GB" selected>' in html
    assert ">PO Box 1\nLeeds</textarea>" in html
    assert re.search(r'name="postal_address_accepts_prisoner_mail"[^>]*checked', html)
    assert ">short</textarea>" in html


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_missing_or_wrong_csrf_token_sends_nothing(client, seeded, token):
    client.get("/submit")  # the session exists; only the token is wrong
    data = listing_form(name="Forged Group")
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/submit", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "This form had expired, so nothing was sent" in response.text
    assert 'value="Forged Group"' in response.text  # nothing typed is lost
    assert submission_count(seeded) == 0


def test_a_token_from_another_session_is_refused(client, public_client, seeded):
    other = csrf_token(public_client, "/submit")
    client.get("/submit")
    data = {"csrf_token": other, **listing_form()}
    assert client.post("/submit", data=data, follow_redirects=False).status_code == 403
    assert submission_count(seeded) == 0


@pytest.mark.parametrize("valid", [True, False])
def test_a_filled_honeypot_looks_like_success_but_is_stored_as_spam(
    client, moderator_client, seeded, valid
):
    overrides = {"homepage": "http://spam.example"} | ({} if valid else {"name": ""})
    response = submit_new(client, **overrides)
    token = token_of(response)
    status = text_of(client.get(response.headers["location"]).text)
    assert "Thank you: we have received it" in status and "Waiting for review" in status
    assert stored(seeded, token).status == "spam"
    assert "Review #" not in moderator_client.get("/moderate").text  # not in the open queue
    assert "Review #" in moderator_client.get("/moderate?status=spam").text


def test_rate_limit_returns_429_and_keeps_the_input(client, seeded):
    for _ in range(5):
        assert submit_new(client).status_code == 303
    response = submit_new(client, name="One Too Many")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    page = text_of(response.text)
    assert "Please wait" in page and "What you typed is still here" in page
    assert 'value="One Too Many"' in response.text
    assert submission_count(seeded) == 5


def test_failed_attempts_do_not_count_towards_the_rate_limit(client):
    for _ in range(6):
        assert submit_new(client, name="").status_code == 400
    assert submit_new(client).status_code == 303


def test_the_rate_limit_key_is_not_the_address(client):
    from directory.web.guards.ratelimit import ClientKeys

    key = ClientKeys("secret").of("203.0.113.9")
    assert "203.0.113.9" not in key
    assert key == ClientKeys("secret").of("203.0.113.9")
    assert key != ClientKeys("other secret").of("203.0.113.9")
    assert key != ClientKeys("secret").of("203.0.113.10")


def test_a_body_over_the_limit_gets_a_friendly_413(client, seeded):
    data = listing_form(description="x" * 70_000)
    data["csrf_token"] = csrf_token(client, "/submit")
    response = client.post("/submit", data=data)
    assert response.status_code == 413
    assert "too much to send" in response.text
    assert submission_count(seeded) == 0


def test_file_uploads_are_refused(client, seeded):
    token = csrf_token(client, "/submit")
    response = client.post(
        "/submit",
        data={"csrf_token": token, **listing_form()},
        files={"upload": ("x.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 400
    assert submission_count(seeded) == 0


# Edits and reports --------------------------------------------------------------------------


def test_edit_form_is_prefilled_with_the_live_listing(client):
    html = client.get("/organisations/glasgow-prisoner-solidarity/edit").text
    assert 'value="Glasgow Prisoner Solidarity"' in html
    assert '<option value="GB" selected>' in html
    assert "34 Allison St" in html
    assert 'action="/organisations/glasgow-prisoner-solidarity/edit"' in html


def test_an_edit_stores_only_the_change_set_against_the_current_version(client, seeded):
    from tests.web import prefilled

    path = "/organisations/glasgow-prisoner-solidarity/edit"
    values = prefilled(client.get(path).text)
    values.update(city="Glasgow City", note="We moved.")
    token = token_of(post_form(client, path, values))
    submission = stored(seeded, token)
    assert submission.type == "edit"
    assert submission.organisation_slug == "glasgow-prisoner-solidarity"
    assert submission.proposed == {"city": "Glasgow City"}
    assert submission.base["city"] == "Glasgow"
    page = text_of(client.get(f"/submissions/{token}").text)
    assert "Glasgow Glasgow City" in page  # was → suggested


def test_an_edit_that_changes_nothing_says_so(client, seeded):
    from tests.web import prefilled

    path = "/organisations/glasgow-prisoner-solidarity/edit"
    response = post_form(client, path, prefilled(client.get(path).text))
    assert response.status_code == 400
    assert "Nothing was changed" in response.text
    assert submission_count(seeded) == 0


def test_edit_and_report_of_an_unknown_listing_are_404(client):
    assert client.get("/organisations/no-such-group/edit").status_code == 404
    assert client.get("/organisations/no-such-group/report").status_code == 404


def test_a_problem_report(client, seeded):
    path = "/organisations/bent-bars-project/report"
    response = post_form(client, path, {"reason": "website-dead", "details": "It times out."})
    token = token_of(response)
    submission = stored(seeded, token)
    assert (submission.type, submission.report_reason) == ("report", "website-dead")
    page = text_of(client.get(f"/submissions/{token}").text)
    assert "The website does not work" in page and "It times out." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "reason", "Choose what is wrong"),
        ({"reason": "bored"}, "reason", "Choose one of the options"),
        ({"reason": "other", "details": ""}, "details", "Tell us what is wrong"),
        ({"reason": "other", "details": "x" * 2001}, "details", "2,000 characters or fewer"),
        ({"reason": "other", "details": "bad\x01"}, "details", "control characters"),
    ],
)
def test_invalid_reports(client, seeded, data, field, message):
    response = post_form(client, "/organisations/bent-bars-project/report", data)
    explains(response, field, message)
    assert submission_count(seeded) == 0


def test_unknown_status_token_is_404(client):
    assert client.get("/submissions/not-a-real-token").status_code == 404


def test_status_pages_are_not_cached_or_indexed(client):
    response = client.get(submit_new(client).headers["location"])
    assert response.headers["cache-control"] == "no-store"
    assert 'name="robots" content="noindex, nofollow"' in response.text


def test_tokens_are_long_and_unguessable(client, seeded):
    first, second = token_of(submit_new(client)), token_of(submit_new(client))
    assert first != second
    assert len(first) >= 32


# Privacy and escaping -----------------------------------------------------------------------

SECRET_CONTACT = "private-person-7731@example.net"


def test_submitter_contact_never_appears_publicly(client, public_client, moderators):
    from tests.web import sign_in

    sent = submit_new(public_client, name="Wombat Books", contact=SECRET_CONTACT, note="hi")
    token = token_of(sent)
    sign_in(client, "alice", moderators["alice"])
    review = review_url(client, "Wombat Books")
    assert SECRET_CONTACT in client.get(review).text  # moderators see it, and only they
    assert approve(client, review).status_code == 303
    for path, text in pages(
        public_client,
        f"/submissions/{token}",
        "/organisations/wombat-books",
        "/search?q=wombat",
        "/",
        "/api/search?q=wombat",
        "/api/organisations/wombat-books",
    ).items():
        assert SECRET_CONTACT not in text, path
        assert "private-person-7731" not in text, path


XSS = '"><script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_in_every_field_renders_escaped_everywhere(client, public_client, moderators):
    from tests.web import sign_in

    sent = submit_new(
        public_client,
        name=f"Xss Group {XSS}",
        alternate_names=XSS,
        description=f"Books and letters {XSS} for people inside.",
        region=XSS,
        city=XSS,
        areas_served_note=XSS,
        prisons_served=XSS,
        letter_instructions=XSS,
        how_to_ask=XSS,
        opening_hours=XSS,
        website="https://example.org/?q=<script>",
        email="xss@example.org",
        postal_address=XSS,
        postal_address_note=XSS,
        accessibility=XSS,
        sources='https://example.org/"><script>',
        contact=XSS,
        note=XSS,
    )
    token = token_of(sent)
    sign_in(client, "alice", moderators["alice"])
    review = review_url(client, "Xss Group")
    pages = [(public_client, f"/submissions/{token}"), (client, "/moderate"), (client, review)]
    for browser, path in pages:
        html = browser.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path
    assert approve(client, review).status_code == 303
    slug = public_client.get("/api/search", params={"q": "xss group"}).json()["hits"][0]["slug"]
    for browser, path in [
        (public_client, f"/organisations/{slug}"),
        (public_client, "/search?q=xss"),
        (client, f"/moderate/organisations/{slug}/history"),
        (client, review),
    ]:
        html = browser.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path


# Changes requested: the submitter sends a corrected version ---------------------------------


@pytest.mark.databases
def test_changes_requested_then_revised(client, public_client, seeded, moderators):
    from tests.web import prefilled, sign_in

    token = token_of(submit_new(public_client, name="Numbat Support", city="Darwin"))
    sign_in(client, "alice", moderators["alice"])
    review = review_url(client, "Numbat Support")
    asked = decide(client, review, "request_changes", "Please add the postal address.")
    assert asked.status_code == 303
    status = public_client.get(f"/submissions/{token}").text
    assert "Changes requested" in text_of(status)
    assert "Please add the postal address." in status
    revise = f"/submissions/{token}/revise"
    assert f'href="{revise}"' in status
    values = prefilled(public_client.get(revise).text)
    assert values["city"] == "Darwin"
    values["postal_address"] = "PO Box 9, Darwin"
    assert post_form(public_client, revise, values).status_code == 303
    assert stored(seeded, token).status == "pending"
    assert stored(seeded, token).proposed["postal_address"] == "PO Box 9, Darwin"
    assert "Waiting for review" in text_of(public_client.get(f"/submissions/{token}").text)
    # A decided submission cannot be revised again.
    assert public_client.get(revise, follow_redirects=False).status_code == 303


# Text a browser, a copy-paste or an attacker sends -------------------------------------------

INVISIBLE = {
    "U+FFFF": "\uffff",
    "U+FFFE": "\ufffe",
    "U+FDD0": "\ufdd0",
    "U+0085 (C1)": "\x85",
    "U+009B (C1)": "\x9b",
    "U+001B": "\x1b",
    "U+202A": "\u202a",
    "U+202E": "\u202e",
    "U+2066": "\u2066",
    "U+2069": "\u2069",
}


def as_a_browser_sends(values: dict) -> dict:
    """Browsers send every line end in a form as CRLF (the HTML standard says so)."""
    return {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in values.items()
    }


@pytest.mark.parametrize("field", ["name", "city", "postal_address", "note"])
@pytest.mark.parametrize("character", list(INVISIBLE))
def test_invisible_characters_are_refused_next_to_the_field(client, seeded, field, character):
    typed = f"Wombat{INVISIBLE[character]} Books"
    if field == "postal_address":
        typed += "\nPO Box 1"
    response = submit_new(client, region="Kept Region", **{field: typed})
    assert response.status_code == 400
    html = response.text
    error = re.search(rf'id="field-{field}-error"[^>]*>(.*?)</p>', html, re.S)
    assert error, f"no error next to {field}"
    assert "Please retype it" in error.group(1)
    assert character.split()[0] in error.group(1)  # says which character, as it is invisible
    assert 'value="Kept Region"' in html
    assert typed.replace("\n", "") in html.replace("\n", "")  # what was typed is kept
    assert submission_count(seeded) == 0


@pytest.mark.parametrize("field", ["name", "city"])
def test_single_line_fields_refuse_a_line_break(client, seeded, field):
    response = submit_new(client, **{field: "Wombat\r\nBooks"})
    assert response.status_code == 400
    error = re.search(rf'id="field-{field}-error"[^>]*>(.*?)</p>', response.text, re.S)
    assert "Keep this on one line" in error.group(1)


@pytest.mark.parametrize(
    "email",
    [
        "x@evil.example?cc=spy%40evil.example&body=Your%20password",
        "x?cc=spy%40evil.example&body=hi@evil.example",
        "info@localhost",
    ],
)
def test_an_email_address_that_is_not_one_is_refused_next_to_the_field(client, seeded, email):
    response = submit_new(client, email=email)
    assert response.status_code == 400
    error = re.search(r'id="field-email-error"[^>]*>(.*?)</p>', response.text, re.S)
    assert "Enter an email address such as name@example.org" in error.group(1)
    assert f'value="{email.replace("&", "&amp;")}"' in response.text
    assert submission_count(seeded) == 0


def test_an_email_address_is_stored_normalised(client, seeded):
    token = token_of(submit_new(client, email="Wombats@Example.ORG"))
    assert stored(seeded, token).proposed["email"] == "Wombats@example.org"


def test_text_is_stored_in_nfc_with_newline_line_ends(client, seeded):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Poznań Café")
    token = token_of(
        submit_new(
            client,
            name=f"{decomposed} Wombats",
            postal_address="Skrytka 1\r\n60-001 Poznań\r\n",
            note="Line one\r\nLine two",
        )
    )
    submission = stored(seeded, token)
    assert submission.proposed["name"] == "Poznań Café Wombats"
    assert submission.proposed["postal_address"] == "Skrytka 1\n60-001 Poznań"
    assert submission.note == "Line one\nLine two"


def test_an_edit_sent_with_crlf_line_ends_changes_nothing(client, seeded):
    from tests.web import prefilled

    path = "/organisations/glasgow-prisoner-solidarity/edit"
    values = as_a_browser_sends(prefilled(client.get(path).text))
    assert "\r\n" in values["postal_address"] and "\r\n" in values["sources"]
    response = post_form(client, path, values)
    assert response.status_code == 400
    assert "Nothing was changed" in response.text
    token = token_of(post_form(client, path, {**values, "city": "Glasgow City", "note": "Hi"}))
    assert stored(seeded, token).proposed == {"city": "Glasgow City"}


def test_phones_and_areas_are_read_as_people_write_them(public_client, engine):
    sent = submit_new(
        public_client,
        name="Reachable Group",
        **{
            "phones-0-number": "0800 254 0088",
            "phones-0-kind": "helpline",
            "phones-0-free": "yes",
            "phones-0-free_note": "from UK landlines and mobiles",
            "phones-0-hours": "Monday to Friday, 9am to 5pm",
            "phones-1-kind": "office",  # a blank row: its menus alone add nothing
            "phones-1-free": "no",
        },
        areas_served="Scotland\nNorthern Ireland\nnationwide",
        letter_instructions="Write with your name and prison number.",
    )
    assert sent.status_code == 303, text_of(sent.text)
    with Session(engine) as session:
        submission = session.exec(select(Submission).order_by(col(Submission.id).desc())).first()
    assert submission.proposed["phones"] == [
        {
            "number": "+448002540088",
            "kind": "helpline",
            "free": True,
            "free_note": "from UK landlines and mobiles",
            "hours": "Monday to Friday, 9am to 5pm",
            "source": None,
            "source_date": None,
        }
    ]
    assert submission.proposed["areas_served"] == ["GB-SCT", "GB-NIR", "nationwide"]
    status = text_of(public_client.get(sent.headers["location"]).text)
    assert "0800 254 0088" in status and "Scotland" in status


def test_a_phone_number_that_is_not_one_is_refused_next_to_the_field_and_kept(public_client):
    response = submit_new(public_client, **{"phones-0-number": "0800 254", "phones-0-hours": "9-5"})
    explains(response, "phones", "is not a valid phone number in United Kingdom")
    assert 'value="0800 254"' in response.text and 'value="9-5"' in response.text
    missing = submit_new(public_client, **{"phones-0-hours": "Weekdays"})
    explains(missing, "phones", "Enter the number for each phone line")


def test_an_area_that_is_not_one_is_refused_and_kept(public_client):
    response = submit_new(public_client, areas_served="Scotland\nGlasgw")
    explains(response, "areas_served", "We do not recognise “Glasgw”")
    assert "Scotland\nGlasgw" in response.text
