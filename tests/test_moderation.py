"""Moderation over HTTP and through the service: login, the queue, decisions, races, audit."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlmodel import Session, col, func, select

from directory import catalogue, listings, moderation
from directory.models import AuditEvent, Organisation, Submission
from directory.moderation import AlreadyDecided, Submitter
from directory.records import EDITABLE_FIELDS
from tests import factories
from tests.factories import listing_form
from tests.web import (
    approve,
    csrf_token,
    decide,
    explains,
    post_form,
    prefilled,
    review_url,
    sign_in,
    submit_new,
    text_of,
    token_of,
)

# Tests whose outcome rests on the database (decisions, races, audit, slugs) are marked
# `databases` and run on PostgreSQL too; the others are about pages and run on SQLite only.

MODERATION_PAGES = [
    "/moderate",
    "/moderate?status=all&type=new",
    "/moderate/submissions/1",
    "/moderate/organisations/bent-bars-project/history",
    "/moderate/moderators",
    "/moderate/account",
    "/moderate/account/two-factor",
    "/moderate/mail",
    "/moderate/recheck",
    "/moderate/organisations/bent-bars-project",
    "/moderate/organisations/bent-bars-project/edit",
]
MODERATION_POSTS = [
    "/moderate/logout",
    "/moderate/submissions/1",
    "/moderate/moderators",
    "/moderate/account",
    "/moderate/account/two-factor",
    "/moderate/organisations/bent-bars-project",
    "/moderate/organisations/bent-bars-project/edit",
]


def suggest_edit(client, slug: str, **changes) -> str:
    path = f"/organisations/{slug}/edit"
    values = {**prefilled(client.get(path).text), **changes}
    return token_of(post_form(client, path, values))


def organisations_named(engine, name: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Organisation).where(Organisation.name == name)
        return session.exec(query).one()


def submission_by_token(engine, token: str) -> Submission:
    with Session(engine) as session:
        return session.exec(select(Submission).where(Submission.token == token)).one()


# Login required everywhere ------------------------------------------------------------------


@pytest.mark.parametrize("path", MODERATION_PAGES)
def test_moderation_pages_redirect_to_login(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/moderate/login?next=/moderate")


@pytest.mark.parametrize("path", MODERATION_POSTS)
def test_moderation_posts_without_a_session_are_403(client, seeded, path):
    token = csrf_token(client, "/submit")  # a valid token, but nobody signed in
    response = client.post(path, data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 403
    assert "Sign in to do that" in response.text


@pytest.mark.parametrize("path", MODERATION_POSTS)
def test_moderation_posts_with_a_bad_csrf_token_are_403(moderator_client, path):
    response = moderator_client.post(path, data={"csrf_token": "nope", "decision": "spam"})
    assert response.status_code == 403


def test_every_moderation_route_is_covered_by_these_tests():
    from directory.web.routes import ROUTES

    paths = {route.path for route in ROUTES if route.path.startswith("/moderate")}
    assert paths == {
        "/moderate",
        "/moderate/login",
        "/moderate/login/code",  # tests/test_two_factor.py
        "/moderate/reset",  # public, like signing in: tests/test_mail.py
        "/moderate/reset/{token}",
        "/moderate/mail",
        "/moderate/logout",
        "/moderate/submissions/{id:int}",
        "/moderate/organisations/{slug}/history",
        "/moderate/moderators",
        "/moderate/account",
        "/moderate/account/two-factor",
        "/moderate/recheck",
        "/moderate/organisations/{slug}",
        "/moderate/organisations/{slug}/edit",
    }


def test_login_redirects_back_to_the_page_asked_for(client, moderators):
    login = client.get("/moderate/organisations/bent-bars-project/history")
    assert "Sign in to moderate" in login.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    response = client.post(
        "/moderate/login",
        data={
            "csrf_token": token,
            "username": "alice",
            "password": moderators["alice"],
            "next": "/moderate/organisations/bent-bars-project/history",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/moderate/organisations/bent-bars-project/history"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/search"])
def test_login_never_redirects_outside_the_moderation_area(client, moderators, target):
    response = post_form(
        client,
        "/moderate/login",
        {"username": "alice", "password": moderators["alice"], "next": target},
    )
    assert response.headers["location"] == "/moderate"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, moderators):
    for username in ("alice", "nobody"):
        response = post_form(
            client, "/moderate/login", {"username": username, "password": "wrong password!"}
        )
        assert response.status_code == 400
        assert "do not match an active moderator" in response.text
        assert f'value="{username}"' in response.text
        assert "wrong password!" not in response.text
    assert client.get("/moderate", follow_redirects=False).status_code == 303


def test_login_is_rate_limited_per_username(client, public_client, moderators):
    for _ in range(5):
        post_form(client, "/moderate/login", {"username": "alice", "password": "guess-guess"})
    right = {"username": "alice", "password": moderators["alice"]}
    response = post_form(client, "/moderate/login", right)
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.text
    # Others, elsewhere, are not locked out of their own accounts.
    bob = {"username": "bob", "password": moderators["bob"]}
    assert post_form(public_client, "/moderate/login", bob).status_code == 303


def test_login_is_rate_limited_per_client(client, moderators):
    for number in range(20):
        post_form(client, "/moderate/login", {"username": f"x{number}", "password": "guess"})
    response = post_form(
        client, "/moderate/login", {"username": "bob", "password": moderators["bob"]}
    )
    assert response.status_code == 429


def test_session_cookie_is_httponly_and_samesite(client, moderators):
    sign_in(client, "alice", moderators["alice"])
    page = client.get("/moderate/login")
    assert page.status_code == 200
    response = post_form(
        client, "/moderate/login", {"username": "alice", "password": moderators["alice"]}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # served over http in tests


def test_session_cookie_is_secure_behind_https(seeded, settings):
    from starlette.testclient import TestClient

    from directory.app import create_app

    secure = settings.model_copy(update={"base_url": "https://directory.example"})
    with TestClient(create_app(secure), base_url="https://testserver") as browser:
        cookie = browser.get("/submit").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_logout_ends_the_session(moderator_client):
    response = post_form(moderator_client, "/moderate/logout", {}, token_from="/moderate")
    assert response.headers["location"] == "/moderate/login"
    assert "You have signed out" in moderator_client.get("/moderate/login").text
    assert moderator_client.get("/moderate", follow_redirects=False).status_code == 303


@pytest.mark.databases
def test_deactivated_moderator_is_signed_out_at_once(
    moderator_client, second_moderator_client, moderators
):
    assert second_moderator_client.get("/moderate").status_code == 200
    response = post_form(
        moderator_client, "/moderate/moderators", {"action": "deactivate", "username": "bob"}
    )
    assert response.status_code == 303
    assert "Deactivated bob" in moderator_client.get("/moderate/moderators").text
    gone = second_moderator_client.get("/moderate", follow_redirects=False)
    assert gone.status_code == 303
    again = post_form(
        second_moderator_client,
        "/moderate/login",
        {"username": "bob", "password": moderators["bob"]},
    )
    assert again.status_code == 400


def test_only_admins_manage_moderators(second_moderator_client):
    assert second_moderator_client.get("/moderate/moderators").status_code == 403
    assert "Moderators</a>" not in second_moderator_client.get("/moderate").text


def new_moderator(username: str, password: str, /, **changes: str) -> dict[str, str]:
    """The admin's form adding a moderator, the password typed twice alike."""
    form = {"action": "add", "username": username, "role": "moderator"}
    return {**form, "password": password, "password_again": password, **changes}


def test_admin_adds_a_moderator_who_can_then_sign_in(moderator_client, public_client):
    form = new_moderator("Carol", "another long password")
    response = post_form(moderator_client, "/moderate/moderators", form)
    assert response.status_code == 303
    assert "Added carol" in moderator_client.get("/moderate/moderators").text
    sign_in(public_client, "carol", "another long password")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "a b"}, "username", "lower-case letters"),
        ({"password": "short", "password_again": "short"}, "password", "at least 12"),
        ({"password_again": "different password"}, "password_again", "not the same"),
        ({"role": "overlord"}, "role", "Choose a role"),
        ({"username": "bob"}, "username", "already a moderator called bob"),
    ],
)
def test_adding_a_moderator_explains_problems(moderator_client, changes, field, message):
    form = new_moderator("dave", "a good long password", **changes)
    response = post_form(moderator_client, "/moderate/moderators", form)
    explains(response, field, message)


# The queue ---------------------------------------------------------------------------------


@pytest.mark.databases
def test_queue_groups_by_listing_oldest_first_with_counts(moderator_client, public_client):
    suggest_edit(public_client, "bent-bars-project", city="Brighton and Hove")
    submit_new(public_client, name="Kakapo Letters")
    suggest_edit(public_client, "bent-bars-project", founded_year="2003")
    post_form(
        public_client,
        "/organisations/bent-bars-project/report",
        {"reason": "other", "details": "Moved."},
    )
    html = moderator_client.get("/moderate").text
    page = text_of(html)
    assert page.index("Bent Bars Project") < page.index("Kakapo Letters")  # oldest group first
    bent_bars = html[html.index("Bent Bars Project") : html.index("Kakapo Letters")]
    assert bent_bars.count("Review #") == 3
    assert "Changes: Town or city" in text_of(bent_bars)
    assert "Open (waiting or changes requested) (4)" in page
    assert "Suggested edit (2)" in page and "New listing (1)" in page
    assert "Problem report (1)" in page

    only_new = text_of(moderator_client.get("/moderate?type=new").text)
    assert "Kakapo Letters" in only_new and "Bent Bars Project" not in only_new
    nothing = text_of(moderator_client.get("/moderate?status=approved").text)
    assert "Nothing here" in nothing


def _queue_many(engine, count: int) -> None:
    """count new-listing submissions and one problem report, straight into the database."""
    with Session(engine) as session:
        for number in range(count):
            moderation.submit_new(
                session, {"name": f"Paged Group {number:03}"}, Submitter(contact="x@y.org")
            )
        moderation.submit_report(
            session, catalogue.get(session, "bent-bars-project"), "other", "Moved.", Submitter()
        )
        session.commit()


def _reviews(html: str) -> list[str]:
    return re.findall(r'href="/moderate/submissions/(\d+)"', html)


def _link(html: str, label: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*>[^<]*{label}', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_queue_is_paged_with_true_counts_and_every_submission_on_some_page(
    moderator_client, seeded
):
    _queue_many(seeded, 120)
    pages, url = [], "/moderate?type=new"
    while url:
        html = moderator_client.get(url).text
        pages.append(html)
        url = _link(html, "Next")
    assert [len(_reviews(html)) for html in pages] == [50, 50, 20]
    seen = [review for html in pages for review in _reviews(html)]
    assert len(set(seen)) == 120  # each one once, the report filtered out on every page
    assert "Paged Group 000" in pages[0] and "Paged Group 119" in pages[2]  # oldest first
    first, last = text_of(pages[0]), text_of(pages[2])
    assert "Showing 1 to 50 of 120 submissions" in first
    assert "Showing 101 to 120 of 120 submissions" in last
    for page in (first, last):  # the filters count everything, not the page
        assert "New listing (120)" in page and "Problem report (1)" in page
        assert "Open (waiting or changes requested) (120)" in page
    assert _link(pages[0], "Previous") is None
    assert _link(pages[2], "Previous") == "/moderate?type=new&page=2"
    assert _link(pages[1], "Next") == "/moderate?type=new&page=3"
    # A page past the end, or no page at all, is the nearest real one.
    assert _reviews(moderator_client.get("/moderate?type=new&page=99").text) == _reviews(pages[2])
    assert _reviews(moderator_client.get("/moderate?type=new&page=x").text) == _reviews(pages[0])


def test_an_empty_queue_says_so(moderator_client):
    assert "Nothing here" in moderator_client.get("/moderate").text


# Deciding -----------------------------------------------------------------------------------


def test_an_edit_shows_its_diff_and_approving_changes_the_public_page(
    moderator_client, public_client
):
    suggest_edit(
        public_client,
        "bent-bars-project",
        description="Bent Bars writes letters with LGBTQ+ prisoners across Britain and more.",
        founded_year="2008",
    )
    review = review_url(moderator_client, "Bent Bars Project")
    html = moderator_client.get(review).text
    diff = re.search(r'<table class="diff">.*?</table>', html, re.S).group(0)
    assert "What the group does" in diff and "Year founded" in diff
    assert "<ins>2008</ins>" in diff and "<del>2009</del>" in diff
    assert "<ins>prisoners across </ins>" in diff
    assert "<ins>" in diff and "<del>" in diff
    assert "Town or city" not in diff  # unchanged fields are left out
    assert approve(moderator_client, review).status_code == 303

    page = text_of(public_client.get("/organisations/bent-bars-project").text)
    assert "Founded 2008" in page
    assert "across Britain and more" in page
    assert f"Sources checked on {date.today().day}" in page and "by a volunteer moderator" in page
    api = public_client.get("/api/organisations/bent-bars-project").json()
    assert api["founded_year"] == 2008
    assert api["verification"] == {
        "last_verified": date.today().isoformat(),
        "verified_by": "a volunteer moderator",  # never the username (issue 12)
    }


def crlf(values: dict) -> dict:
    """Form values as a browser sends them: every line end in a textarea as CRLF."""
    return {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in values.items()}


def test_line_ends_a_browser_sends_are_no_change_and_are_never_stored(
    moderator_client, public_client
):
    path = "/organisations/glasgow-prisoner-solidarity/edit"
    values = crlf(prefilled(public_client.get(path).text))
    assert "\r\n" in values["postal_address"]
    token_of(post_form(public_client, path, {**values, "city": "Glasgow City", "note": "Hi"}))
    queue = text_of(moderator_client.get("/moderate").text)
    assert "Changes: Town or city" in queue
    assert "Postal address" not in queue
    review = review_url(moderator_client, "Glasgow Prisoner Solidarity")
    diff = re.search(r'<table class="diff">.*?</table>', moderator_client.get(review).text, re.S)
    assert "Postal address" not in diff.group(0)

    form = crlf(prefilled(moderator_client.get(review).text))
    assert "\r\n" in form["postal_address"]
    assert post_form(moderator_client, review, {**form, "decision": "approve"}).status_code == 303
    api = public_client.get("/api/organisations/glasgow-prisoner-solidarity").json()
    assert api["city"] == "Glasgow City"
    assert (
        api["postal_address"]
        == "GPS Pen Pals\nc/o Category Is Books\n34 Allison St\nGlasgow G42 8NN"
    )
    printed = public_client.get("/print.txt", params={"q": "glasgow prisoner solidarity"})
    assert "34 Allison St" in printed.text and "\r" not in printed.text


def test_the_moderator_may_correct_values_before_approving(moderator_client, public_client):
    submit_new(public_client, name="Bilby Books Projekt", city="Alice Sprngs")
    review = review_url(moderator_client, "Bilby Books Projekt")
    decided = approve(moderator_client, review, name="Bilby Books Project", city="Alice Springs")
    assert decided.status_code == 303
    hit = public_client.get("/api/search", params={"q": "bilby"}).json()["hits"][0]
    assert (hit["name"], hit["city"], hit["slug"]) == (
        "Bilby Books Project",
        "Alice Springs",
        "bilby-books-project",
    )


def test_approving_needs_a_valid_listing_and_a_source(moderator_client, public_client):
    submit_new(public_client, name="Echidna Aid", website="", email="echidna@example.org")
    review = review_url(moderator_client, "Echidna Aid")
    values = prefilled(moderator_client.get(review).text)
    assert values["sources"] == ""  # nothing to suggest: the group gave no website
    response = post_form(moderator_client, review, {**values, "decision": "approve"})
    assert response.status_code == 400
    assert "Add at least one web address where these details can be checked" in response.text
    assert 'value="Echidna Aid"' in response.text
    response = post_form(
        moderator_client,
        review,
        {**values, "decision": "approve", "sources": "https://echidna.example.org/about"},
    )
    assert response.status_code == 303


def test_rejecting_leaves_the_listing_unchanged_and_shows_the_reason(
    moderator_client, public_client, seeded
):
    before = public_client.get("/api/organisations/bent-bars-project").json()
    token = suggest_edit(public_client, "bent-bars-project", name="Totally Different Name")
    review = review_url(moderator_client, "Bent Bars Project")
    response = decide(moderator_client, review, "reject", "We could not confirm the new name.")
    assert response.status_code == 303
    assert public_client.get("/api/organisations/bent-bars-project").json() == before
    status = text_of(public_client.get(f"/submissions/{token}").text)
    assert "Not accepted" in status
    assert "We could not confirm the new name." in status


@pytest.mark.parametrize("decision", ["reject", "request_changes"])
def test_reject_and_request_changes_need_a_reason(moderator_client, public_client, decision):
    submit_new(public_client, name="Dingo Defence")
    review = review_url(moderator_client, "Dingo Defence")
    explains(decide(moderator_client, review, decision, ""), "decision_reason", "Write a reason")
    assert "Waiting for review" in moderator_client.get(review).text


def test_mark_as_spam(moderator_client, public_client, seeded):
    token = token_of(submit_new(public_client, name="Cheap Watches"))
    review = review_url(moderator_client, "Cheap Watches")
    assert post_form(moderator_client, review, {"decision": "spam"}).status_code == 303
    assert submission_by_token(seeded, token).status == "spam"
    assert "This was not accepted" in public_client.get(f"/submissions/{token}").text
    assert organisations_named(seeded, "Cheap Watches") == 0


def test_review_page_has_the_four_decisions_as_labelled_buttons(moderator_client, public_client):
    submit_new(public_client, name="Platypus Post")
    html = moderator_client.get(review_url(moderator_client, "Platypus Post")).text
    for label in ("Approve", "Reject", "Request changes", "Mark as spam"):
        assert re.search(rf'<button type="submit" name="decision" value="\w+"[^>]*>{label}<', html)
    assert html.count('method="post"') >= 3 and "<script" not in html


def test_approving_a_report_applies_the_correction(moderator_client, public_client, seeded):
    post_form(
        public_client,
        "/organisations/bent-bars-project/report",
        {"reason": "group-closed", "details": "They closed last year."},
    )
    review = review_url(moderator_client, "Bent Bars Project")
    html = moderator_client.get(review).text
    assert "The group has closed" in html and "They closed last year." in html
    assert "Request changes" not in html  # a report has nothing to revise
    assert approve(moderator_client, review, status="inactive").status_code == 303
    assert "No longer active" in public_client.get("/organisations/bent-bars-project").text


@pytest.mark.databases
def test_a_listing_changed_while_reviewing_is_not_silently_overwritten(
    moderator_client, public_client, seeded
):
    suggest_edit(public_client, "bent-bars-project", founded_year="2005")
    suggest_edit(public_client, "bent-bars-project", city="Hove")
    first, second = re.findall(
        r'href="(/moderate/submissions/\d+)"', moderator_client.get("/moderate").text
    )
    stale = prefilled(moderator_client.get(second).text)  # opened before the other is approved
    assert approve(moderator_client, first).status_code == 303
    response = post_form(moderator_client, second, {**stale, "decision": "approve"})
    assert response.status_code == 409
    assert "The live listing changed while you were reviewing this" in response.text
    fresh = approve(moderator_client, second)  # reviewed again: both changes survive
    assert fresh.status_code == 303
    api = public_client.get("/api/organisations/bent-bars-project").json()
    assert (api["founded_year"], api["city"]) == (2005, "Hove")


# The double-decision race -------------------------------------------------------------------


@pytest.mark.databases
def test_two_moderators_approving_at_once_create_one_organisation(
    moderator_client, second_moderator_client, public_client, seeded
):
    submit_new(public_client, name="Quoll Solidarity")
    review = review_url(moderator_client, "Quoll Solidarity")
    # Both have the page open with its form filled in before either decides.
    alice_form = {**prefilled(moderator_client.get(review).text), "decision": "approve"}
    bob_form = {**prefilled(second_moderator_client.get(review).text), "decision": "approve"}
    alice_form["csrf_token"] = csrf_token(moderator_client, review)
    bob_form["csrf_token"] = csrf_token(second_moderator_client, review)

    first = moderator_client.post(review, data=alice_form, follow_redirects=False)
    second = second_moderator_client.post(review, data=bob_form, follow_redirects=False)
    assert first.status_code == 303
    assert second.status_code == 409
    assert "This submission was already decided by alice: approved." in text_of(second.text)
    assert organisations_named(seeded, "Quoll Solidarity") == 1

    # A late rejection cannot undo it either.
    late = decide(second_moderator_client, review, "reject", "No.")
    assert late.status_code == 409
    assert organisations_named(seeded, "Quoll Solidarity") == 1


@pytest.mark.databases
def test_concurrent_approvals_from_two_threads_create_exactly_one_organisation(seeded):
    with Session(seeded, expire_on_commit=False) as session:
        fields = listing_form(name="Racing Group", sources=None)
        fields.update(sources=["https://racing.example.org"], website="https://racing.example.org")
        fields = {key: value for key, value in fields.items() if key in EDITABLE_FIELDS}
        fields.update(alternate_names=[], areas_served=[], languages=[])
        submission_id = moderation.submit_new(session, fields, Submitter(contact="x@y.org")).id
        session.commit()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(moderator: str) -> None:
        with Session(seeded, expire_on_commit=False) as session:
            submission = moderation.get(session, submission_id)
            barrier.wait()
            try:
                moderation.approve(session, submission, fields, moderator=moderator)
                session.commit()
                outcomes.append("approved")
            except AlreadyDecided:
                session.rollback()
                outcomes.append("already decided")

    threads = [threading.Thread(target=decide, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already decided", "approved"]
    assert organisations_named(seeded, "Racing Group") == 1
    with Session(seeded) as session:
        approvals = session.exec(
            select(AuditEvent).where(AuditEvent.submission_id == submission_id)
        ).all()
        assert [event.action for event in approvals] == ["approve"]


@pytest.mark.databases
def test_new_listings_with_the_same_name_get_distinct_slugs(moderator_client, public_client):
    for _ in range(2):
        submit_new(public_client, name="Bent Bars Project", city="Elsewhere")
        approve(moderator_client, review_url(moderator_client, "Bent Bars Project"))
    slugs = {
        hit["slug"]
        for hit in public_client.get("/api/search", params={"q": "bent bars"}).json()["hits"]
    }
    assert {"bent-bars-project", "bent-bars-project-2", "bent-bars-project-3"} <= slugs


def _waits_on_a_lock(engine) -> bool:
    """Whether some transaction on this PostgreSQL database is waiting for another's lock."""
    with engine.connect() as connection:
        return bool(
            connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).scalar()
        )


@pytest.mark.databases
def test_two_new_listings_with_one_name_approved_at_once_both_go_live(seeded):
    fields = listing_form(name="Twin Letters", sources=None)
    fields.update(sources=["https://twin.example.org"], website="https://twin.example.org")
    fields = {key: value for key, value in fields.items() if key in EDITABLE_FIELDS}
    fields.update(alternate_names=[], areas_served=[], languages=[])
    with Session(seeded, expire_on_commit=False) as session:
        ids = [
            moderation.submit_new(session, fields, Submitter(contact="x@y.org")).id
            for _ in range(2)
        ]
        session.commit()
    outcome: list[object] = []

    def bob_approves() -> None:
        with Session(seeded, expire_on_commit=False) as session:
            try:
                published = moderation.approve(
                    session, moderation.get(session, ids[1]), fields, moderator="bob"
                )
                session.commit()
                outcome.append(published.slug)
            except Exception as error:  # noqa: BLE001 (the test reports what went wrong)
                outcome.append(error)

    # Alice's approval is written but not committed when Bob's looks for a free slug: on
    # PostgreSQL his insert then waits on hers; on SQLite he waits for the write lock.
    with Session(seeded, expire_on_commit=False) as alice:
        first = moderation.approve(alice, moderation.get(alice, ids[0]), fields, moderator="alice")
        bob = threading.Thread(target=bob_approves)
        bob.start()
        if seeded.dialect.name == "postgresql":
            for _ in range(200):
                if _waits_on_a_lock(seeded):
                    break
                bob.join(timeout=0.05)
        alice.commit()
    bob.join(timeout=30)
    assert outcome == ["twin-letters-2"], outcome
    assert first.slug == "twin-letters"
    assert organisations_named(seeded, "Twin Letters") == 2
    with Session(seeded) as session:
        decided = [moderation.get(session, id_) for id_ in ids]
        assert [s.organisation_slug for s in decided] == ["twin-letters", "twin-letters-2"]
        assert [s.status for s in decided] == ["approved", "approved"]


# Audit --------------------------------------------------------------------------------------


@pytest.mark.databases
def test_every_decision_is_audited_with_before_and_after(moderator_client, public_client, seeded):
    suggest_edit(public_client, "bent-bars-project", city="Brighton")
    approve(moderator_client, review_url(moderator_client, "Bent Bars Project"))
    suggest_edit(public_client, "bent-bars-project", city="Nowhere")
    decide(
        moderator_client, review_url(moderator_client, "Bent Bars Project"), "reject", "Not true."
    )
    with Session(seeded) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.organisation_slug == "bent-bars-project")
            .order_by(col(AuditEvent.id))
        ).all()
    approved, rejected = events
    assert (approved.actor, approved.action) == ("alice", "approve")
    assert approved.before["city"] == "London"
    assert approved.after["city"] == "Brighton"
    assert approved.after["verified_by"] == "a volunteer moderator"
    assert (rejected.action, rejected.before, rejected.after) == (
        "reject",
        {"status": "pending"},
        {"status": "rejected", "reason": "Not true."},
    )

    history = text_of(
        moderator_client.get("/moderate/organisations/bent-bars-project/history").text
    )
    assert history.index("Rejected by alice") < history.index("Approved by alice")  # newest first
    assert "Town or city" in history and "Brighton" in history
    assert "Rejected by alice: Not true." in history


def test_history_shows_a_decision_as_a_decision_and_an_edit_as_its_field_changes(
    moderator_client, public_client, seeded
):
    def review_of(token: str) -> str:
        return f"/moderate/submissions/{submission_by_token(seeded, token).id}"

    asked = suggest_edit(public_client, "bent-bars-project", city="Nowhere")
    decide(moderator_client, review_of(asked), "request_changes", "Which town is this?")
    refused = suggest_edit(public_client, "bent-bars-project", city="Hove")
    decide(moderator_client, review_of(refused), "reject", "Not true.")
    approve(
        moderator_client, review_of(suggest_edit(public_client, "bent-bars-project", city="Leeds"))
    )

    history = text_of(
        moderator_client.get("/moderate/organisations/bent-bars-project/history").text
    )
    assert "Changes requested by alice: Which town is this?" in history
    assert "Rejected by alice: Not true." in history
    # A decision is no change to the listing: none of its fields is named for it.
    assert "Is the group active?" not in history
    assert "What is wrong?" not in history
    assert "Waiting for review" not in history
    # The approval changed the listing: its fields, by their labels, from what to what.
    approved = history[history.index("Approved by alice") : history.index("Rejected by alice")]
    assert "Town or city London Leeds" in approved


def test_history_of_an_unknown_listing_is_404(moderator_client):
    assert moderator_client.get("/moderate/organisations/nope/history").status_code == 404


def test_submission_and_review_pages_404_for_unknown_ids(moderator_client):
    assert moderator_client.get("/moderate/submissions/999").status_code == 404


@pytest.mark.databases
def test_approval_writes_the_outbox_row_in_the_same_transaction(seeded):
    from directory.models import OutboxEvent

    with Session(seeded, expire_on_commit=False) as session:
        organisation = catalogue.get(session, "bent-bars-project")
        submission = moderation.submit_edit(
            session,
            organisation,
            {**listings.editable_values(organisation), "city": "Hove"},
            Submitter(),
        )
        session.commit()
        before = session.exec(select(func.count()).select_from(OutboxEvent)).one()
        moderation.approve(
            session, submission, moderation.proposed_values(session, submission), moderator="alice"
        )
        session.rollback()  # nothing of the decision survives without its outbox row
        assert session.exec(select(func.count()).select_from(OutboxEvent)).one() == before
        assert moderation.get(session, submission.id).status == "pending"
        assert catalogue.get(session, "bent-bars-project").city != "Hove"


@pytest.mark.databases
def test_lookups_by_keys_no_row_could_have_find_nothing(session):
    # PostgreSQL raises an error for these (NUL in text, an id beyond INTEGER), SQLite for
    # an id beyond 64 bits; a visitor typing them must get "not found" from either.
    assert moderation.get(session, 2**31) is None
    assert moderation.get(session, 2**64) is None
    assert moderation.get_by_token(session, "a\x00b") is None
    assert moderation.history(session, "a\x00b") == []
    assert catalogue.get(session, "a\x00b") is None


def test_word_diff_marks_only_the_changed_words():
    from directory.web.presenters.moderation import word_diff

    assert word_diff("sends a newsletter. In 2021 it", "sends a newsletter.") == [
        ("same", "sends a newsletter. ", "sends a newsletter."),
        ("del", "In 2021 it", ""),
    ]
    assert word_diff("a b c", "a x c") == [
        ("same", "a ", "a "),
        ("del", "b ", ""),
        ("ins", "", "x "),
        ("same", "c", "c"),
    ]


# Coordinates: a listing approved with a town is found near that town -----------------------


def _near(client, place: str) -> list[str]:
    hits = client.get("/api/search", params={"near": place, "per_page": 100}).json()["hits"]
    return [hit["name"] for hit in hits]


def test_a_new_listing_approved_in_a_town_is_found_near_it(moderator_client, public_client):
    submit_new(public_client, name="Numbat Letters", city="Leeds", country="GB")
    approve(moderator_client, review_url(moderator_client, "Numbat Letters"))
    assert "Numbat Letters" in _near(public_client, "Leeds")
    assert "Numbat Letters" not in _near(public_client, "Glasgow")


def test_an_edit_that_moves_a_listing_moves_it_in_near_searches(moderator_client, public_client):
    submit_new(public_client, name="Wombat Post", city="Leeds", country="GB")
    approve(moderator_client, review_url(moderator_client, "Wombat Post"))
    suggest_edit(public_client, "wombat-post", city="Glasgow")
    approve(moderator_client, review_url(moderator_client, "Wombat Post"))
    assert "Wombat Post" in _near(public_client, "Glasgow")
    assert "Wombat Post" not in _near(public_client, "Leeds")


def test_a_move_to_a_town_the_gazetteer_does_not_know_drops_the_old_coordinates(
    moderator_client, public_client
):
    submit_new(public_client, name="Quokka Aid", city="Leeds", country="GB")
    approve(moderator_client, review_url(moderator_client, "Quokka Aid"))
    suggest_edit(public_client, "quokka-aid", city="Nowhereville Qqq")
    assert approve(moderator_client, review_url(moderator_client, "Quokka Aid")).status_code == 303
    assert public_client.get("/api/organisations/quokka-aid").json()["city"] == "Nowhereville Qqq"
    assert "Quokka Aid" not in _near(public_client, "Leeds")


def test_approving_keeps_the_coordinates_of_a_listing_that_did_not_move(
    moderator_client, public_client, seeded
):
    with Session(seeded) as session:
        before = catalogue.get(session, "glasgow-prisoner-solidarity")
        where = (before.latitude, before.longitude)
    suggest_edit(public_client, "glasgow-prisoner-solidarity", founded_year="2015")
    approve(moderator_client, review_url(moderator_client, "Glasgow Prisoner Solidarity"))
    with Session(seeded) as session:
        after = catalogue.get(session, "glasgow-prisoner-solidarity")
        assert (after.latitude, after.longitude) == where != (None, None)


def test_an_approved_edit_keeps_the_sources_of_what_did_not_change(engine):
    factories.store(
        engine,
        slug="cited-group",
        email="old@example.org",
        last_activity="2024-03",
        phones=[{"number": "0800 254 0088", "kind": "helpline", "source": "https://example.org/a"}],
        sources=["https://example.org/a"],
        citations={
            "email": {"url": "https://example.org/a", "date": "2024"},
            "last_activity": {"url": "https://example.org/a", "date": "2024-03"},
        },
    )
    with Session(engine, expire_on_commit=False) as session:
        listing = catalogue.get(session, "cited-group")
        changed = {
            "email": "new@example.org",
            "phones": [
                {"number": "+448002540088", "kind": "helpline"},
                {"number": "+442079460123", "kind": "office"},
            ],
        }
        submission = moderation.submit_edit(session, listing, changed, moderation.Submitter())
        fields = moderation.proposed_values(session, submission)
        published = moderation.approve(session, submission, fields, moderator="alice")
        session.commit()
    # The new email is nobody's citation yet; the activity date and the kept number still are.
    assert published.email == "new@example.org"
    assert set(published.citations) == {"last_activity"}
    assert [phone["source"] for phone in published.phones] == ["https://example.org/a", None]
