"""Keeping listings fresh over HTTP: the re-check queue, "Still correct", "Mark as no longer
active", editing a listing directly, and settling a report that a group has closed.

Tests whose outcome rests on the database (the queue's counts, the actions, their audit
entries, the version checks) are marked `databases` and run on PostgreSQL too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, func, select
from starlette.testclient import TestClient

from directory import accounts
from directory.app import create_app
from directory.models import AuditEvent, LinkCheck, Organisation, OutboxEvent, Submission
from directory.records import MAX_SOURCES
from tests import factories
from tests.web import csrf_token, explains, post_form, prefilled, sign_in, text_of

PASSWORD = "a long enough password"
TODAY = date.today()
LONG_AGO = TODAY - timedelta(days=800)
RECENTLY = TODAY - timedelta(days=30)
THIS_MONTH = f"{TODAY.year}-{TODAY.month:02}"
LAST_YEAR = str(TODAY.year - 1)
STALE = str(TODAY.year - 5)
SOURCE = "https://example.org/source"
CHECKED = "https://group.example.org/news"


@pytest.fixture
def moderator(engine, settings) -> Iterator[TestClient]:
    """A browser signed in as alice, over a database holding only what a test stores."""
    with Session(engine) as session:
        accounts.create_moderator(session, "alice", PASSWORD, admin=True)
        accounts.create_moderator(session, "bob", PASSWORD)
        session.commit()
    with TestClient(create_app(settings)) as client:
        sign_in(client, "alice", PASSWORD)
        yield client


@pytest.fixture
def public(engine, settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def website_of(slug: str) -> str:
    return f"https://{slug}.example.org"


def store(engine, slug: str, **values) -> str:
    """A listing under this slug, checked recently and active unless told otherwise."""
    defaults = {
        "name": slug.replace("-", " ").title(),
        "website": website_of(slug),
        "verified_on": RECENTLY,
        "verified_by": "directory editors",
        "last_activity": LAST_YEAR,
        "citations": {"last_activity": {"url": SOURCE}},
        "status": "active",
    }
    factories.store(engine, slug=slug, **{**defaults, **values})
    return slug


def listing(engine, slug: str) -> Organisation:
    with Session(engine) as session:
        return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


def audit_events(engine, slug: str) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.organisation_slug == slug)
        return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def outbox_count(engine, slug: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.slug == slug)
        return session.exec(query).one()


def report(engine, public: TestClient, slug: str, reason: str = "group-closed") -> int:
    sent = post_form(
        public, f"/organisations/{slug}/report", {"reason": reason, "details": "They closed."}
    )
    assert sent.status_code == 303
    with Session(engine) as session:
        query = select(Submission).where(Submission.organisation_slug == slug)
        found = session.exec(query.order_by(col(Submission.id).desc())).first()
        assert found is not None and found.id is not None
        return found.id


def still_correct(client: TestClient, slug: str, **values):
    path = f"/moderate/organisations/{slug}"
    form = {**_version(client, path), "action": "confirm", "checked_source": CHECKED, **values}
    return post_form(client, path, form)


def mark_closed(client: TestClient, slug: str, **values):
    path = f"/moderate/organisations/{slug}"
    form = {**_version(client, path), "action": "close", "closed_source": CHECKED, **values}
    return post_form(client, path, form)


def _version(client: TestClient, path: str) -> dict[str, str]:
    found = re.search(r'name="version" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return {"version": found.group(1)}


def due_slugs(client: TestClient, path: str = "/moderate/recheck") -> list[str]:
    html = client.get(path).text
    return re.findall(r'<th scope="row"><a href="/moderate/organisations/([\w-]+)"', html)


# The queue ----------------------------------------------------------------------------------


@pytest.mark.databases
def test_the_queue_lists_listings_due_oldest_check_first_each_with_its_reasons(
    moderator, public, engine
):
    store(engine, "fresh")
    store(engine, "checked-long-ago", verified_on=LONG_AGO)
    store(engine, "checked-longer-ago", verified_on=LONG_AGO - timedelta(days=100))
    store(engine, "never-checked", verified_on=None, verified_by=None)
    store(engine, "quiet", last_activity=STALE)
    store(engine, "unreachable")
    store(engine, "reported")
    store(engine, "closed", status="inactive", verified_on=LONG_AGO)
    store(engine, "closed-but-reported", status="inactive", verified_on=LONG_AGO)
    with Session(engine) as session:
        failed = LinkCheck(organisation_slug="unreachable", url=website_of("unreachable"), ok=False)
        session.add(failed)
        session.commit()
    report(engine, public, "reported", reason="contact-wrong")
    report(engine, public, "closed-but-reported", reason="other")

    assert due_slugs(moderator) == [
        "never-checked",
        "checked-longer-ago",
        "checked-long-ago",
        "closed-but-reported",
        # checked on the same day: by name
        "quiet",
        "reported",
        "unreachable",
    ]
    page = text_of(moderator.get("/moderate/recheck").text)
    assert "Its sources have never been checked" in page
    assert f"Sources last checked on {LONG_AGO.day} {LONG_AGO:%B %Y}" in page
    assert "Latest dated activity is over three years old" in page
    assert "Its website failed the link check" in page
    assert "A problem was reported" in page
    assert "Showing 7 listings" in page
    # The moderator's main page links to it, with the count.
    main = moderator.get("/moderate").text
    assert re.search(r'href="/moderate/recheck">Due for a re-check <span class="count">\(7\)', main)


def test_a_website_that_failed_a_check_of_its_old_address_is_not_a_reason(moderator, engine):
    store(engine, "moved-site", website="https://new.example.org")
    with Session(engine) as session:
        session.add(
            LinkCheck(organisation_slug="moved-site", url="https://old.example.org", ok=False)
        )
        session.commit()
    assert due_slugs(moderator) == []
    assert "Nothing is due" in moderator.get("/moderate/recheck").text


def test_the_queue_is_paged_fifty_at_a_time(moderator, engine):
    with Session(engine) as session:
        for number in range(120):
            session.add(
                Organisation(
                    **factories.record(
                        slug=f"due-{number:03}", verified_on=LONG_AGO - timedelta(days=number)
                    ).model_dump()
                )
            )
        session.commit()
    first = due_slugs(moderator)
    second = due_slugs(moderator, "/moderate/recheck?page=2")
    third = due_slugs(moderator, "/moderate/recheck?page=3")
    assert [len(first), len(second), len(third)] == [50, 50, 20]
    assert first[0] == "due-119" and third[-1] == "due-000"  # the oldest check first
    assert len(set(first + second + third)) == 120
    page = moderator.get("/moderate/recheck?page=3").text
    assert "Showing 101 to 120 of 120 listings" in text_of(page)
    assert 'href="/moderate/recheck?page=2" rel="prev"' in page
    assert due_slugs(moderator, "/moderate/recheck?page=99") == third


def test_the_queue_and_a_listings_page_need_a_moderator(public, engine):
    store(engine, "some-group")
    for path in ("/moderate/recheck", "/moderate/organisations/some-group"):
        response = public.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/moderate/login?next={path}"
    unknown = public.get("/moderate/organisations/no-such-group", follow_redirects=False)
    assert unknown.status_code == 303  # nothing said about which listings exist


def test_a_listing_page_for_no_listing_is_404(moderator):
    assert moderator.get("/moderate/organisations/no-such-group").status_code == 404
    assert moderator.get("/moderate/organisations/no-such-group/edit").status_code == 404


# Still correct ------------------------------------------------------------------------------


@pytest.mark.databases
def test_still_correct_marks_the_sources_checked_today_by_the_moderators_public_name(
    moderator, public, engine
):
    slug = store(engine, "old-news", verified_on=LONG_AGO, last_activity=STALE, status="unknown")
    with Session(engine) as session:
        accounts.set_display_name(session, "alice", "Alice M.", actor="alice")
        session.commit()
    assert "old-news" in due_slugs(moderator)
    outbox_before = outbox_count(engine, slug)

    response = still_correct(moderator, slug, activity=THIS_MONTH, activity_source="")
    assert response.status_code == 303
    assert response.headers["location"] == "/moderate/recheck"
    queue = moderator.get("/moderate/recheck").text
    assert "“Old News” is still correct" in queue
    assert "old-news" not in due_slugs(moderator)

    saved = listing(engine, slug)
    assert (saved.verified_on, saved.verified_by) == (TODAY, "Alice M.")  # never "alice"
    assert saved.sources == [SOURCE, CHECKED]  # the page checked is added to the sources
    assert saved.last_activity == THIS_MONTH
    assert saved.citations["last_activity"] == {"url": CHECKED, "date": THIS_MONTH}
    assert saved.status == "active"  # recent activity: the rule says active
    assert outbox_count(engine, slug) == outbox_before + 1  # search follows

    (event,) = audit_events(engine, slug)
    assert (event.actor, event.action) == ("alice", "confirm")
    assert event.before["verified_on"] == LONG_AGO.isoformat()
    assert event.after["verified_on"] == TODAY.isoformat()
    assert (event.before["status"], event.after["status"]) == ("unknown", "active")

    page = text_of(public.get(f"/organisations/{slug}").text)
    assert f"Sources checked on {TODAY.day} {TODAY:%B %Y} by Alice M." in page
    assert "Active." in page
    history = text_of(moderator.get(f"/moderate/organisations/{slug}/history").text)
    assert "Checked and still correct by alice" in history
    assert f"Last activity: {CHECKED} ({THIS_MONTH})" in history


def test_still_correct_without_new_activity_lets_the_status_follow_the_evidence(moderator, engine):
    """Activity four years old is no sign of life today: an "active" listing becomes
    "not confirmed", whatever it said before."""
    slug = store(engine, "was-active", last_activity=str(TODAY.year - 4))
    assert still_correct(moderator, slug, checked_source=SOURCE).status_code == 303
    saved = listing(engine, slug)
    assert saved.status == "unknown"
    assert saved.sources == [SOURCE]  # already there: not added twice
    assert saved.citations["last_activity"]["url"] == SOURCE  # no new date: kept


def test_still_correct_on_a_closed_listing_keeps_it_closed(moderator, engine):
    slug = store(engine, "long-closed", status="inactive", last_activity=THIS_MONTH)
    assert still_correct(moderator, slug).status_code == 303
    assert listing(engine, slug).status == "inactive"


def test_the_activity_may_be_stated_on_another_page(moderator, engine):
    slug = store(engine, "elsewhere")
    other = "https://social.example.net/elsewhere/posts/1"
    response = still_correct(moderator, slug, activity=str(TODAY.year), activity_source=other)
    assert response.status_code == 303
    saved = listing(engine, slug)
    assert saved.sources == [SOURCE, CHECKED, other]
    assert saved.citations["last_activity"] == {"url": other, "date": str(TODAY.year)}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"checked_source": ""}, "checked_source", "Enter the web address of the page you checked"),
        ({"checked_source": "ftp://example.org/x"}, "checked_source", "starting with http://"),
        ({"checked_source": "group.example.org"}, "checked_source", "starting with http://"),
        ({"activity": "March 2025"}, "activity", "such as 2025 or 2025-03"),
        ({"activity": "2025-13"}, "activity", "such as 2025 or 2025-03"),
        ({"activity": str(TODAY.year + 1)}, "activity", "That date is in the future"),
        ({"activity": str(TODAY.year - 3)}, "activity", "already has a later sign of activity"),
        (
            {"activity": LAST_YEAR, "activity_source": "javascript:alert(1)"},
            "activity_source",
            "starting with http://",
        ),
        ({"activity_source": "https://example.org/x"}, "activity", "Give the date of the activity"),
    ],
)
def test_still_correct_refuses_bad_answers_keeping_them_and_saving_nothing(
    moderator, engine, values, field, message
):
    slug = store(engine, "careful", verified_on=LONG_AGO)
    response = still_correct(moderator, slug, **values)
    explains(response, field, message)
    assert f'id="field-{field}-error"' in response.text  # next to the field
    for value in values.values():
        if value:
            assert f'value="{value}"' in response.text  # kept as typed
    saved = listing(engine, slug)
    assert (saved.verified_on, saved.sources) == (LONG_AGO, [SOURCE])
    assert audit_events(engine, slug) == []


@pytest.mark.databases
def test_a_listing_with_all_the_sources_it_may_hold_takes_no_more(moderator, engine):
    full = [f"https://example.org/source/{number}" for number in range(MAX_SOURCES)]
    slug = store(engine, "well-sourced", sources=full, citations={}, verified_on=LONG_AGO)
    explains(still_correct(moderator, slug), "checked_source", f"already has {MAX_SOURCES} sources")
    assert listing(engine, slug).verified_on == LONG_AGO
    assert still_correct(moderator, slug, checked_source=full[3]).status_code == 303
    assert listing(engine, slug).sources == full


def test_still_correct_refuses_when_the_listing_changed_after_the_page_was_opened(
    moderator, engine, settings
):
    slug = store(engine, "busy-listing", verified_on=LONG_AGO)
    path = f"/moderate/organisations/{slug}"
    stale = {**_version(moderator, path), "action": "confirm", "checked_source": CHECKED}
    with TestClient(create_app(settings)) as bob:
        sign_in(bob, "bob", PASSWORD)
        assert mark_closed(bob, slug).status_code == 303
    response = post_form(moderator, path, stale)
    assert response.status_code == 409
    assert "Someone changed this listing after you opened it" in response.text
    assert f'value="{CHECKED}"' in response.text
    saved = listing(engine, slug)
    assert (saved.status, saved.verified_by) == ("inactive", "a volunteer moderator")
    assert [event.action for event in audit_events(engine, slug)] == ["mark_inactive"]


def test_a_refused_csrf_token_saves_nothing(moderator, engine):
    slug = store(engine, "guarded", verified_on=LONG_AGO)
    form = {"csrf_token": "forged", "action": "confirm", "checked_source": CHECKED}
    response = moderator.post(f"/moderate/organisations/{slug}", data=form)
    assert response.status_code == 403
    assert listing(engine, slug).verified_on == LONG_AGO
    assert audit_events(engine, slug) == []


def test_an_unknown_action_is_a_bad_request(moderator, engine):
    slug = store(engine, "puzzled")
    path = f"/moderate/organisations/{slug}"
    assert post_form(moderator, path, {"action": "delete"}).status_code == 400


# Mark as no longer active -------------------------------------------------------------------


@pytest.mark.databases
def test_mark_as_no_longer_active_cites_the_page_that_says_so(moderator, public, engine):
    slug = store(engine, "closing-down")
    outbox_before = outbox_count(engine, slug)
    response = mark_closed(moderator, slug)
    assert response.status_code == 303
    assert "“Closing Down” is marked as no longer active" in moderator.get("/moderate/recheck").text
    saved = listing(engine, slug)
    assert saved.status == "inactive"
    assert saved.citations["status"]["url"] == CHECKED
    assert CHECKED in saved.sources
    assert saved.verified_on == TODAY
    assert outbox_count(engine, slug) == outbox_before + 1
    (event,) = audit_events(engine, slug)
    assert (event.action, event.before["status"], event.after["status"]) == (
        "mark_inactive",
        "active",
        "inactive",
    )
    assert event.submission_id is None
    assert "No longer active." in public.get(f"/organisations/{slug}").text
    assert "closing-down" not in due_slugs(moderator)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "Enter the web address of the page that says the group has closed"),
        ("mailto:group@example.org", "starting with http://"),
    ],
)
def test_mark_as_no_longer_active_needs_a_web_address(moderator, engine, source, message):
    slug = store(engine, "still-here")
    response = mark_closed(moderator, slug, closed_source=source)
    explains(response, "closed_source", message)
    if source:
        assert f'value="{source}"' in response.text
    assert listing(engine, slug).status == "active"
    assert audit_events(engine, slug) == []


# Editing a listing directly -----------------------------------------------------------------


def edit_form(client: TestClient, slug: str, **changes) -> dict:
    path = f"/moderate/organisations/{slug}/edit"
    return {**prefilled(client.get(path).text), **changes}  # with the version it was opened at


@pytest.mark.databases
def test_a_moderator_edits_a_listing_directly_without_a_public_suggestion(
    moderator, public, engine
):
    slug = store(
        engine,
        "moving-group",
        city="Leeds",
        email="post@moving.example.org",
        citations={"email": {"url": SOURCE, "date": "2024"}, "last_activity": {"url": SOURCE}},
    )
    page = moderator.get(f"/moderate/organisations/{slug}")
    assert f'href="/moderate/organisations/{slug}/edit">Edit this listing' in page.text
    form = edit_form(moderator, slug, city="Bradford")
    assert form["email"] == "post@moving.example.org"  # the whole listing, filled in
    response = post_form(moderator, f"/moderate/organisations/{slug}/edit", form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/moderate/organisations/{slug}"
    after = moderator.get(response.headers["location"]).text
    assert "Saved. “Moving Group” is live as you edited it." in after

    saved = listing(engine, slug)
    assert saved.city == "Bradford"
    assert (saved.verified_on, saved.verified_by) == (TODAY, "a volunteer moderator")
    assert saved.citations["email"] == {"url": SOURCE, "date": "2024"}  # unchanged: keeps it
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 0
    (event,) = audit_events(engine, slug)
    assert (event.actor, event.action) == ("alice", "moderator_edit")
    assert (event.before["city"], event.after["city"]) == ("Leeds", "Bradford")
    assert "Bradford" in public.get(f"/organisations/{slug}").text
    history = text_of(moderator.get(f"/moderate/organisations/{slug}/history").text)
    assert "Edited directly by alice" in history


def test_a_changed_fact_loses_its_citation_until_someone_cites_one(moderator, engine):
    slug = store(
        engine,
        "new-address",
        email="old@new-address.example.org",
        citations={"email": {"url": SOURCE}},
    )
    form = edit_form(moderator, slug, email="new@new-address.example.org")
    assert post_form(moderator, f"/moderate/organisations/{slug}/edit", form).status_code == 303
    assert "email" not in listing(engine, slug).citations


def test_a_direct_edit_refuses_an_invalid_listing_keeping_what_was_typed(moderator, engine):
    slug = store(engine, "sourceless")
    form = edit_form(moderator, slug, sources="", city="Hebden Bridge")
    response = post_form(moderator, f"/moderate/organisations/{slug}/edit", form)
    explains(response, "sources", "Add at least one web address")
    assert 'value="Hebden Bridge"' in response.text
    assert listing(engine, slug).city is None
    assert audit_events(engine, slug) == []


@pytest.mark.databases
def test_a_direct_edit_never_overwrites_a_change_made_meanwhile(moderator, engine, settings):
    slug = store(engine, "contested", city="York")
    stale = edit_form(moderator, slug, city="Selby")
    with TestClient(create_app(settings)) as bob:
        sign_in(bob, "bob", PASSWORD)
        fresh = edit_form(bob, slug, founded_year="1999")
        assert post_form(bob, f"/moderate/organisations/{slug}/edit", fresh).status_code == 303
    response = post_form(moderator, f"/moderate/organisations/{slug}/edit", stale)
    assert response.status_code == 409
    page = text_of(response.text)
    assert "Someone changed this listing after you opened it, so nothing was saved" in page
    assert "differs from the listing as it is now in: Town or city, Year founded" in page
    assert 'value="Selby"' in response.text  # nothing lost
    saved = listing(engine, slug)
    assert (saved.city, saved.founded_year) == ("York", 1999)
    # Saved again from that page, with the listing as it is now in mind, it goes through.
    again = prefilled(response.text)
    assert post_form(moderator, f"/moderate/organisations/{slug}/edit", again).status_code == 303
    assert listing(engine, slug).city == "Selby"


def _version_in(html: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', html).group(1)


def test_the_edit_page_needs_a_moderator_and_a_valid_token(moderator, public, engine):
    slug = store(engine, "locked")
    path = f"/moderate/organisations/{slug}/edit"
    assert public.get(path, follow_redirects=False).status_code == 303
    token = csrf_token(public, f"/organisations/{slug}/report")
    assert public.post(path, data={"csrf_token": token, "name": "Taken"}).status_code == 403
    forged = moderator.post(
        path, data={**edit_form(moderator, slug, name="Taken"), "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert listing(engine, slug).name == "Locked"


# A report that a group has closed ------------------------------------------------------------


@pytest.mark.databases
def test_a_closure_report_is_settled_in_one_step_at_the_top_of_its_review(
    moderator, public, engine
):
    slug = store(engine, "shut-down")
    report_id = report(engine, public, slug)
    token = listing_token(engine, report_id)
    review = f"/moderate/submissions/{report_id}"
    html = moderator.get(review).text
    closure = html.index('value="mark_inactive"')
    assert closure < html.index('name="decision" value="approve"')  # before the long form
    assert closure < html.index('id="submitter"')

    form = {"version": _version_in(html), "decision": "mark_inactive", "closed_source": CHECKED}
    response = post_form(moderator, review, form)
    assert response.status_code == 303
    assert "report #" in moderator.get("/moderate").text

    saved = listing(engine, slug)
    assert (saved.status, saved.citations["status"]["url"]) == ("inactive", CHECKED)
    with Session(engine) as session:
        settled = session.get(Submission, report_id)
        assert (settled.status, settled.decided_by) == ("approved", "alice")
    (event,) = audit_events(engine, slug)
    assert (event.action, event.submission_id) == ("mark_inactive", report_id)
    assert "Approved" in public.get(f"/submissions/{token}").text
    assert "Marked as no longer active by alice" in text_of(moderator.get(review).text)


def listing_token(engine, submission_id: int) -> str:
    with Session(engine) as session:
        return session.get(Submission, submission_id).token


def test_settling_a_closure_report_needs_a_source_and_keeps_it_open_without(
    moderator, public, engine
):
    slug = store(engine, "maybe-closed")
    report_id = report(engine, public, slug)
    review = f"/moderate/submissions/{report_id}"
    response = post_form(moderator, review, {"decision": "mark_inactive", "closed_source": "x"})
    explains(response, "closed_source", "starting with http://")
    assert 'value="x"' in response.text
    assert listing(engine, slug).status == "active"
    with Session(engine) as session:
        assert session.get(Submission, report_id).status == "pending"


@pytest.mark.databases
def test_a_decided_report_cannot_be_settled_again(moderator, public, engine, settings):
    slug = store(engine, "twice-closed")
    report_id = report(engine, public, slug)
    review = f"/moderate/submissions/{report_id}"
    html = moderator.get(review).text
    form = {"version": _version_in(html), "decision": "mark_inactive", "closed_source": CHECKED}
    with TestClient(create_app(settings)) as bob:
        sign_in(bob, "bob", PASSWORD)
        rejected = post_form(bob, review, {"decision": "reject", "decision_reason": "No."})
        assert rejected.status_code == 303
    response = post_form(moderator, review, form)
    assert response.status_code == 409
    assert "already decided by bob" in response.text
    assert listing(engine, slug).status == "active"


def test_other_reports_do_not_offer_closure_at_the_top(moderator, public, engine):
    slug = store(engine, "wrong-number")
    report_id = report(engine, public, slug, reason="contact-wrong")
    assert 'value="mark_inactive"' not in moderator.get(f"/moderate/submissions/{report_id}").text


def test_a_listing_page_lists_its_open_reports(moderator, public, engine):
    slug = store(engine, "talked-about")
    report_id = report(engine, public, slug)
    page = moderator.get(f"/moderate/organisations/{slug}").text
    link = f'href="/moderate/submissions/{report_id}">Review #{report_id}</a>'
    assert f"{link}: The group has closed" in page
    assert "A problem was reported" in text_of(page)


# The public listing page --------------------------------------------------------------------


def test_the_public_listing_links_to_its_moderator_page_only_for_moderators(
    moderator, public, engine
):
    slug = store(engine, "linked")
    link = f'href="/moderate/organisations/{slug}">Check or edit this listing'
    signed_in = moderator.get(f"/organisations/{slug}")
    assert link in signed_in.text
    assert signed_in.headers["cache-control"] == "no-store"
    anonymous = public.get(f"/organisations/{slug}")
    assert link not in anonymous.text
    assert "cache-control" not in anonymous.headers
