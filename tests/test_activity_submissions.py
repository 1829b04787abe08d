"""Activities proposed, corrected and reported cancelled over HTTP, without JavaScript, and
moderated like listings: the forms, their checks and spam defences, the status page, the
queue, every decision and its audit, and the activity rows they leave."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote_plus

import pytest
from sqlmodel import Session, col, func, select
from starlette.datastructures import FormData

from directory import activities, catalogue, moderation
from directory.models import Activity, AuditEvent, Submission
from directory.moderation import Submitter
from directory.web import activity_forms as activities_form
from tests import hostile
from tests.factories import activity_form, listing_form
from tests.test_hostile import problems_with
from tests.web import csrf_token, decide, explains, post_form, prefilled, sign_in, text_of, token_of

SLUG = "bent-bars-project"
NEW = f"/organisations/{SLUG}/activities/new"


# Helpers ---------------------------------------------------------------------------------


def stored(engine, token: str) -> Submission:
    with Session(engine) as session:
        return session.exec(select(Submission).where(Submission.token == token)).one()


def count(engine, table) -> int:
    """How many rows the table holds (the seed's activities among them)."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def activity_row(engine, public_id: str) -> Activity:
    with Session(engine) as session:
        found = activities.get(session, public_id)
        assert found is not None
        return found


def audit_of(engine, submission_id: int) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.submission_id == submission_id)
        return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def propose(client, **overrides):
    return post_form(client, NEW, activity_form(**overrides))


def review_of(client, engine, token: str) -> str:
    return f"/moderate/submissions/{stored(engine, token).id}"


def approve(client, review: str, **changes):
    """Approve from the review page, sending its prefilled activity form, some changed."""
    return post_form(
        client, review, {**prefilled(client.get(review).text), **changes, "decision": "approve"}
    )


@pytest.fixture
def activity(seeded) -> str:
    """A published activity of the listing: every other Sunday, 14:00-17:00 in London."""
    with Session(seeded) as session:
        made = activities.create(
            session,
            SLUG,
            {
                "title": "Book packing Sunday",
                "description": "Volunteers pack books and zines to send to people in prison.",
                "kind": "packing-session",
                "starts_at": datetime(2030, 3, 3, 14, 0),
                "ends_at": datetime(2030, 3, 3, 17, 0),
                "time_zone": "Europe/London",
                "recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
                "exceptions": [],
                "online": False,
                "venue": "The bookshop",
                "city": "London",
                "country": "GB",
                "access": ["step-free"],
                "by_post": False,
                "status": "scheduled",
                "source_url": "https://example.org/packing",
                "stated_on": date(2026, 11, 1),
            },
        )
        session.commit()
        return made.public_id


@pytest.fixture
def moderator(client, moderators):
    """The public client and a signed-in moderator, as two browsers."""
    sign_in(client, "alice", moderators["alice"])
    return client


# The form -------------------------------------------------------------------------------


def test_the_form_asks_every_field_and_works_without_javascript(client):
    html = client.get(NEW).text
    assert "<script" not in html
    assert f'method="post" action="{NEW}"' in html
    for name in (
        "title",
        "description",
        "kind",
        "start_date",
        "start_time",
        "end_time",
        "time_zone",
        "time_zone_other",
        "repeats",
        "repeat_until",
        "exceptions",
        "online",
        "online_how",
        "venue",
        "address",
        "city",
        "country",
        "by_post",
        "cost",
        "how_to_join",
        "access",
        "access_notes",
        "access_contact",
        "source_url",
        "stated_on",
        "contact",
        "note",
        "csrf_token",
        "homepage",
    ):
        assert f'name="{name}"' in html, name
    page = text_of(html)
    assert "Propose an activity of Bent Bars Project" in page
    # Vocabularies as checkboxes and radios with their labels; repeats in plain words.
    assert 'type="checkbox" value="bsl"' in html
    assert "British Sign Language interpretation" in page and "Phone data fund" in page
    assert 'type="radio" value="packing-session"' in html and "Packing session" in page
    assert "Every other week, on the same day" in page
    assert "Every month, on the last such weekday" in page
    assert '<option value="Europe/London" selected>' in html
    assert '<option value="America/New_York">' in html


def test_a_listing_that_does_not_exist_has_no_form(client):
    assert client.get("/organisations/no-such-group/activities/new").status_code == 404
    assert client.get("/activities/no-such-activity/edit").status_code == 404
    assert client.get("/activities/no-such-activity/cancel").status_code == 404


def test_the_listing_page_links_to_proposing_an_activity(client):
    html = client.get(f"/organisations/{SLUG}").text
    assert f'<a href="{NEW}">Propose an activity</a>' in html


def test_an_activity_page_links_to_correcting_it_and_reporting_it_cancelled(client, activity):
    html = client.get(f"/activities/{activity}").text
    assert f'<a href="/activities/{activity}/edit">Suggest a correction</a>' in html
    assert f'<a href="/activities/{activity}/cancel">Report it cancelled</a>' in html


# Proposing -------------------------------------------------------------------------------


def test_a_proposed_activity_waits_for_review_and_its_status_page_shows_it(
    client, public_client, seeded
):
    before = count(seeded, Activity)
    sent = propose(public_client, note="From their newsletter.")
    token = token_of(sent)
    page = text_of(public_client.get(sent.headers["location"]).text)
    assert "Thank you: we have received it" in page
    assert "New activity: Letter-writing night (Bent Bars Project)" in page
    assert "Waiting for review" in page
    assert "First Monday of every month" in page
    assert "Monday 4 March 2030, 19:00" in page and "Monday 4 March 2030, 21:00" in page
    assert "British Sign Language interpretation" in page and "Step-free access" in page
    assert "From their newsletter." in page
    assert "someone@example.net" not in page  # the submitter's contact is never shown
    row = stored(seeded, token)
    assert (row.type, row.organisation_slug, row.status) == ("activity-new", SLUG, "pending")
    assert row.contact == "someone@example.net"
    assert row.proposed["recurrence"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert row.proposed["starts_at"] == "2030-03-04T19:00"
    assert row.proposed["access"] == ["bsl", "step-free"]  # the vocabulary's order
    assert count(seeded, Activity) == before  # nothing public until approved


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"repeats": "once"}, None),
        ({"repeats": "weekly"}, "FREQ=WEEKLY;BYDAY=MO"),
        ({"repeats": "fortnightly"}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        ({"repeats": "monthly-nth", "start_date": "2030-03-18"}, "FREQ=MONTHLY;BYDAY=3MO"),
        ({"repeats": "monthly-last", "start_date": "2030-03-29"}, "FREQ=MONTHLY;BYDAY=-1FR"),
        (
            {"repeats": "weekly", "repeat_until": "2030-12-31"},
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20301231",
        ),
    ],
)
def test_the_repeat_in_words_becomes_a_calendar_rule(public_client, seeded, overrides, rule):
    token = token_of(propose(public_client, **overrides))
    assert stored(seeded, token).proposed["recurrence"] == rule


def test_times_zones_and_skipped_dates_are_read_as_local_wall_times(public_client, seeded):
    token = token_of(
        propose(
            public_client,
            start_time="22:30",
            end_time="01:00",  # past midnight: the next morning
            time_zone="other",
            time_zone_other="America/Halifax",
            exceptions="2030-05-06\r\n2030-04-01\n",
        )
    )
    proposed = stored(seeded, token).proposed
    assert proposed["starts_at"] == "2030-03-04T22:30"
    assert proposed["ends_at"] == "2030-03-05T01:00"
    assert proposed["time_zone"] == "America/Halifax"
    assert proposed["exceptions"] == ["2030-04-01T22:30", "2030-05-06T22:30"]


def test_an_online_activity_needs_no_venue(public_client, seeded):
    token = token_of(
        propose(
            public_client,
            venue="",
            city="",
            country="",
            online="yes",
            online_how="Email us for the video call link.",
            by_post="yes",
        )
    )
    proposed = stored(seeded, token).proposed
    assert proposed["online"] is True and proposed["by_post"] is True
    assert proposed["venue"] is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Give the activity a title"),
        ({"title": "x" * 201}, "title", "200 characters or fewer (it has 201)"),
        ({"description": ""}, "description", "Say in a sentence or two what happens"),
        ({"kind": None}, "kind", "Choose what kind of activity it is"),
        ({"kind": "rave"}, "kind", "Choose one of: Letter writing"),
        ({"start_date": ""}, "start_date", "Give the date it happens"),
        ({"start_date": "4 March"}, "start_date", "year-month-day"),
        ({"start_date": "2030-02-30"}, "start_date", "year-month-day"),
        ({"start_time": ""}, "start_time", "Give the time it starts"),
        ({"start_time": "7pm"}, "start_time", "24-hour clock"),
        ({"end_time": "25:00"}, "end_time", "24-hour clock"),
        ({"time_zone": ""}, "time_zone", "Give the time zone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "We do not know a time zone called"),
        (
            {"time_zone": "other", "time_zone_other": "Not/AZone"},
            "time_zone",
            "We do not know a time zone called “Not/AZone”",
        ),
        ({"time_zone": "other"}, "time_zone", "Type the time zone"),
        ({"time_zone": "a" * 10_000}, "time_zone", "64 characters or fewer"),
        (
            {"repeats": "monthly-nth", "start_date": "2030-03-29"},
            "repeats",
            "29 March 2030 is the fifth Friday of its month",
        ),
        (
            {"repeats": "monthly-last", "start_date": "2030-03-04"},
            "repeats",
            "4 March 2030 is not the last Monday of its month",
        ),
        ({"repeats": "hourly"}, "repeats", "Choose how often it happens"),
        ({"repeats": "weekly", "repeat_until": "2029-01-01"}, "repeat_until", "on or after"),
        ({"repeats": "once", "repeat_until": "2031-01-01"}, "repeat_until", "leave “Repeats"),
        ({"exceptions": "Christmas"}, "exceptions", "(“Christmas” is not one)"),
        ({"access": ["bsl", "telepathy"]}, "access", "Choose the provisions from the list"),
        ({"venue": "", "city": "", "online": None}, "venue", "Say where it happens"),
        ({"country": "XX"}, "country", "two-letter code"),
        ({"source_url": ""}, "source_url", "Give the web page where the group announces it"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "starting with http://"),
        ({"stated_on": "2999-01-01"}, "stated_on", "cannot be in the future"),
        ({"stated_on": "last week"}, "stated_on", "YYYY-MM-DD"),
        ({"contact": ""}, "contact", "Enter an email address or phone number"),
        ({"title": "Bell\x07night"}, "title", "cannot be seen or printed"),
        ({"title": "Two\nlines"}, "title", "Keep this on one line"),
    ],
)
def test_each_mistake_is_shown_next_to_its_field_with_the_input_kept(
    client, seeded, overrides, field, message
):
    sent = activity_form(**overrides)
    response = post_form(client, NEW, sent)
    explains(response, field, message)
    assert f'id="field-{field}-error"' in response.text or field == "access"
    assert "Error: " in response.text.split("</title>")[0]
    # What was typed is still there, to correct rather than retype.
    assert 'value="The social centre"' in response.text or sent.get("venue") == ""
    assert "Just turn up." in response.text
    assert count(seeded, Submission) == 0


def test_a_form_without_its_token_is_refused_and_nothing_is_stored(client, seeded):
    response = client.post(NEW, data=activity_form(csrf_token="forged"))
    assert response.status_code == 403
    assert "This form had expired" in response.text
    assert 'value="Letter-writing night"' in response.text  # kept to send again
    assert count(seeded, Submission) == 0


def test_the_spam_trap_looks_like_success_and_is_set_aside(public_client, seeded):
    sent = propose(public_client, homepage="https://spam.example")
    token = token_of(sent)
    assert "Waiting for review" in text_of(public_client.get(sent.headers["location"]).text)
    assert stored(seeded, token).status == "spam"


def test_activities_share_the_listing_forms_rate_limit(public_client, seeded):
    for _ in range(5):
        assert post_form(public_client, "/submit", listing_form()).status_code == 303
    refused = propose(public_client)
    assert refused.status_code == 429
    assert "Please wait" in refused.text
    assert int(refused.headers["retry-after"]) >= 1
    assert 'value="Letter-writing night"' in refused.text
    assert count(seeded, Submission) == 5


# Corrections and cancellations ------------------------------------------------------------


def test_the_correction_form_starts_from_the_activity_as_published(client, activity):
    html = client.get(f"/activities/{activity}/edit").text
    values = prefilled(html)
    assert values["title"] == "Book packing Sunday"
    assert (values["start_date"], values["start_time"], values["end_time"]) == (
        "2030-03-03",
        "14:00",
        "17:00",
    )
    assert values["repeats"] == "fortnightly"
    assert values["access"] == ["step-free"]
    assert "Suggest a correction to “Book packing Sunday”" in text_of(html)


def test_a_correction_stores_only_what_changed(public_client, seeded, activity):
    path = f"/activities/{activity}/edit"
    values = prefilled(public_client.get(path).text)
    sent = post_form(
        public_client, path, {**values, "start_time": "13:00", "access": ["step-free", "food"]}
    )
    token = token_of(sent)
    row = stored(seeded, token)
    assert (row.type, row.activity_public_id, row.organisation_slug) == (
        "activity-edit",
        activity,
        SLUG,
    )
    assert row.proposed == {"starts_at": "2030-03-03T13:00", "access": ["step-free", "food"]}
    assert row.base["title"] == "Book packing Sunday"
    page = text_of(public_client.get(sent.headers["location"]).text)
    assert "Activity correction: Book packing Sunday (Bent Bars Project)" in page
    assert "Sunday 3 March 2030, 14:00 Sunday 3 March 2030, 13:00" in page  # was, suggested
    assert "Food provided" in page


def test_a_correction_that_changes_nothing_is_refused(client, seeded, activity):
    path = f"/activities/{activity}/edit"
    response = post_form(client, path, prefilled(client.get(path).text))
    assert response.status_code == 400
    assert "Nothing was changed" in response.text
    assert count(seeded, Submission) == 0


def test_a_rule_the_words_cannot_say_is_kept_as_it_is(client, seeded):
    with Session(seeded) as session:
        made = activities.create(
            session,
            SLUG,
            {
                **activities.validate(
                    {
                        "title": "First and third Thursdays",
                        "description": "An open meeting of the group.",
                        "kind": "meeting",
                        "starts_at": "2030-03-07T19:00",
                        "time_zone": "Europe/London",
                        "recurrence": "FREQ=MONTHLY;BYDAY=1TH,3TH",
                        "online": True,
                        "source_url": "https://example.org/meetings",
                        "stated_on": "2026-11-01",
                    }
                )[0]
            },
        )
        session.commit()
        path = f"/activities/{made.public_id}/edit"
    html = client.get(path).text
    assert "Keep the current pattern: First Thursday and third Thursday of every month" in html
    values = prefilled(html)
    assert values["repeats"] == "keep"
    token = token_of(post_form(client, path, {**values, "title": "Thursday meetings"}))
    assert stored(seeded, token).proposed == {"title": "Thursday meetings"}


def test_reporting_an_activity_cancelled(public_client, seeded, activity):
    path = f"/activities/{activity}/cancel"
    assert "Report “Book packing Sunday” cancelled" in text_of(public_client.get(path).text)
    missing = post_form(public_client, path, {"cancel_reason": ""})
    explains(missing, "cancel_reason", "Say why you think it no longer happens")
    bad = post_form(public_client, path, {"cancel_reason": "Ended.", "cancel_source": "nope"})
    explains(bad, "cancel_source", "starting with http://")
    assert count(seeded, Submission) == 0
    sent = post_form(
        public_client,
        path,
        {
            "cancel_reason": "Their last post says it has stopped.",
            "cancel_source": "https://example.org/news",
        },
    )
    row = stored(seeded, token_of(sent))
    assert (row.type, row.activity_public_id) == ("activity-cancel", activity)
    assert row.report_text == "Their last post says it has stopped."
    assert row.proposed == {"status": "cancelled", "source_url": "https://example.org/news"}
    page = text_of(public_client.get(sent.headers["location"]).text)
    assert "Activity cancellation: Book packing Sunday" in page
    assert "Their last post says it has stopped." in page


# Moderation ------------------------------------------------------------------------------


def test_the_queue_shows_each_kind_of_activity_submission_with_its_own_type(
    moderator, public_client, activity
):
    token_of(propose(public_client))
    edit = f"/activities/{activity}/edit"
    token_of(
        post_form(public_client, edit, {**prefilled(public_client.get(edit).text), "cost": "£2"})
    )
    cancel = f"/activities/{activity}/cancel"
    token_of(post_form(public_client, cancel, {"cancel_reason": "It stopped in June."}))
    page = text_of(moderator.get("/moderate").text)
    assert (
        "New activity “Letter-writing night”: Letter writing, first Monday of every month" in page
    )
    assert "Activity correction “Book packing Sunday”: changes to Cost" in page
    assert "Activity cancellation “Book packing Sunday”: reported as no longer happening" in page
    assert "New activity (1)" in page and "Activity cancellation (1)" in page
    only = text_of(moderator.get("/moderate?type=activity-edit").text)
    assert "Activity correction “Book packing Sunday”" in only
    assert "Letter-writing night" not in only


def test_approving_a_new_activity_publishes_it_and_audits_it(moderator, public_client, seeded):
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    decided = approve(moderator, review)
    assert decided.status_code == 303, text_of(decided.text)
    assert "“Letter-writing night” is live" in text_of(
        moderator.get(decided.headers["location"]).text
    )
    row = stored(seeded, token)
    assert row.status == "approved" and row.decided_by == "alice"
    made = activity_row(seeded, row.activity_public_id)
    assert made.public_id == "bent-bars-project-letter-writing-night"
    assert (made.organisation_slug, made.kind, made.status) == (SLUG, "letter-writing", "scheduled")
    assert made.starts_at == datetime(2030, 3, 4, 19, 0)
    assert made.ends_at == datetime(2030, 3, 4, 21, 0)
    assert (made.time_zone, made.recurrence) == ("Europe/London", "FREQ=MONTHLY;BYDAY=1MO")
    assert made.access == ["bsl", "step-free"]
    assert made.stated_on == date(2026, 11, 20)
    assert made.latitude is not None  # placed at its town, from the gazetteer
    [event] = audit_of(seeded, row.id)
    assert (event.actor, event.action, event.organisation_slug) == ("alice", "approve", SLUG)
    assert event.before is None and event.after["public_id"] == made.public_id
    status = public_client.get(f"/submissions/{token}").text
    assert "Approved" in text_of(status)
    assert f'<a href="/activities/{made.public_id}">See the activity' in status
    page = text_of(public_client.get(f"/activities/{made.public_id}").text)
    assert "Letter-writing night" in page and "British Sign Language interpretation" in page


def test_a_moderator_can_correct_an_activity_before_approving_it(moderator, public_client, seeded):
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    decided = approve(moderator, review, title="Letter-writing dinner", repeats="fortnightly")
    assert decided.status_code == 303
    made = activity_row(seeded, stored(seeded, token).activity_public_id)
    assert made.title == "Letter-writing dinner"
    assert made.recurrence == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"


def test_approving_with_a_mistake_shows_it_and_publishes_nothing(moderator, public_client, seeded):
    before = count(seeded, Activity)
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    response = approve(moderator, review, title="", time_zone="Atlantis/Capital")
    explains(response, "title", "Give the activity a title")
    assert "We do not know a time zone called" in response.text
    assert count(seeded, Activity) == before
    assert stored(seeded, token).status == "pending"


def test_approving_a_correction_updates_the_activity(moderator, public_client, seeded, activity):
    edit = f"/activities/{activity}/edit"
    values = prefilled(public_client.get(edit).text)
    token = token_of(post_form(public_client, edit, {**values, "city": "Leeds", "cost": "Free"}))
    review = review_of(moderator, seeded, token)
    html = moderator.get(review).text
    assert f'<a href="/activities/{activity}">Book packing Sunday</a> (Scheduled)' in html
    page = text_of(html)
    assert "Proposed changes" in page and "Town or city London Leeds" in page
    decided = approve(moderator, review)
    assert decided.status_code == 303, text_of(decided.text)
    updated = activity_row(seeded, activity)
    assert (updated.city, updated.cost, updated.title) == ("Leeds", "Free", "Book packing Sunday")
    assert updated.public_id == activity  # its address never changes
    [event] = audit_of(seeded, stored(seeded, token).id)
    assert event.before["city"] == "London" and event.after["city"] == "Leeds"
    assert event.before["cost"] is None and event.after["cost"] == "Free"
    # The listing's history says what changed on its activity, in the activity's words.
    history = text_of(moderator.get(f"/moderate/organisations/{SLUG}/history").text)
    assert "Town or city London Leeds" in history and "Cost (empty) Free" in history


def test_a_correction_approved_over_a_newer_change_is_stopped(
    moderator, public_client, seeded, activity
):
    edit = f"/activities/{activity}/edit"
    token = token_of(
        post_form(public_client, edit, {**prefilled(public_client.get(edit).text), "cost": "£3"})
    )
    review = review_of(moderator, seeded, token)
    form = prefilled(moderator.get(review).text)
    with Session(seeded) as session:
        found = activities.get(session, activity)
        activities.update(session, found, {"venue": "A new bookshop"})
        session.commit()
    response = post_form(moderator, review, {**form, "decision": "approve"})
    assert response.status_code == 409
    assert "The activity changed while you were reviewing this" in response.text
    assert activity_row(seeded, activity).cost is None


def test_approving_a_cancellation_shows_the_activity_cancelled(
    moderator, public_client, seeded, activity
):
    cancel = f"/activities/{activity}/cancel"
    token = token_of(
        post_form(
            public_client,
            cancel,
            {"cancel_reason": "It stopped.", "cancel_source": "https://example.org/stopped"},
        )
    )
    review = review_of(moderator, seeded, token)
    page = moderator.get(review).text
    assert "Mark the activity as cancelled" in page
    assert 'value="https://example.org/stopped"' in page
    assert "Request changes" not in page  # a cancellation is decided, not sent back
    decided = post_form(
        moderator,
        review,
        {"decision": "approve", "cancel_source": "https://example.org/stopped", "version": ""},
    )
    assert decided.status_code == 303, text_of(decided.text)
    page = text_of(public_client.get(f"/activities/{activity}").text)
    assert "Cancelled." in page and "Report it cancelled" not in page
    cancelled = activity_row(seeded, activity)
    assert cancelled.status == "cancelled"
    assert cancelled.source_url == "https://example.org/stopped"
    assert cancelled.stated_on == date.today()
    [event] = audit_of(seeded, stored(seeded, token).id)
    assert (event.before["status"], event.after["status"]) == ("scheduled", "cancelled")


def test_rejecting_says_why_on_the_status_page_and_publishes_nothing(
    moderator, public_client, seeded
):
    before = count(seeded, Activity)
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    missing = decide(moderator, review, "reject", "")
    explains(missing, "decision_reason", "Write a reason")
    decided = decide(moderator, review, "reject", "This is not an activity of this group.")
    assert decided.status_code == 303
    page = text_of(public_client.get(f"/submissions/{token}").text)
    assert "Not accepted" in page and "This is not an activity of this group." in page
    assert count(seeded, Activity) == before
    [event] = audit_of(seeded, stored(seeded, token).id)
    assert (event.action, event.after["reason"]) == (
        "reject",
        "This is not an activity of this group.",
    )


def test_changes_requested_then_a_corrected_version_waits_again(moderator, public_client, seeded):
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    assert decide(moderator, review, "request_changes", "Which Monday is it?").status_code == 303
    status = text_of(public_client.get(f"/submissions/{token}").text)
    assert "Changes requested" in status and "Which Monday is it?" in status
    revise = f"/submissions/{token}/revise"
    html = public_client.get(revise).text
    assert "Which Monday is it?" in text_of(html)
    values = prefilled(html)
    assert values["title"] == "Letter-writing night" and values["repeats"] == "monthly-nth"
    bad = post_form(public_client, revise, {**values, "start_time": "soon"})
    explains(bad, "start_time", "24-hour clock")
    sent = post_form(
        public_client, revise, {**values, "start_date": "2030-03-11", "note": "The second."}
    )
    assert sent.status_code == 303
    row = stored(seeded, token)
    assert row.status == "pending" and row.note == "The second."
    assert row.proposed["recurrence"] == "FREQ=MONTHLY;BYDAY=2MO"
    actions = [event.action for event in audit_of(seeded, row.id)]
    assert actions == ["request_changes", "revise"]


def test_spam_and_a_second_decision_are_handled_like_listings(moderator, public_client, seeded):
    token = token_of(propose(public_client))
    review = review_of(moderator, seeded, token)
    assert post_form(moderator, review, {"decision": "spam"}).status_code == 303
    again = approve(moderator, review) if "approve" in moderator.get(review).text else None
    assert again is None  # a decided submission offers no decisions
    assert "This submission has been decided" in moderator.get(review).text
    assert stored(seeded, token).status == "spam"


def test_the_service_refuses_an_approval_of_an_activity_that_has_gone(seeded, activity):
    with Session(seeded) as session:
        found = activities.get(session, activity)
        submission = moderation.submit_activity_cancel(
            session, found, "Stopped.", None, moderation.Submitter()
        )
        session.delete(found)
        session.flush()
        with pytest.raises(moderation.ActivityGone):
            moderation.approve_activity(session, submission, {}, moderator="alice")


# Hostile text -----------------------------------------------------------------------------


def test_markup_in_a_proposal_is_shown_as_text_everywhere(moderator, public_client, seeded):
    evil = '"><script>alert(1)</script>'
    token = token_of(propose(public_client, title=f"Night {evil}", access_notes=evil, note=evil))
    pages = [
        public_client.get(f"/submissions/{token}").text,
        moderator.get("/moderate").text,
        moderator.get(review_of(moderator, seeded, token)).text,
    ]
    for html in pages:
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)" in html


def test_hostile_input_in_every_field_of_the_moderators_activity_form(moderator, seeded):
    # The hostile suite's site reviews a listing; this is the review of an activity.
    findings: list[str] = []

    def open_review() -> str:
        with Session(seeded) as session:
            organisation = catalogue.get(session, SLUG)
            sent = activities_form.activity_form(FormData(_pairs(activity_form()))).activity
            made = moderation.submit_activity_new(session, organisation, sent, Submitter())
            session.commit()
            return f"/moderate/submissions/{made.id}"

    review = open_review()
    base = prefilled(moderator.get(review).text)
    accepted = 0
    for name in [*base, "access", "online", "by_post", "repeats"]:
        for payload in hostile.SHORT:
            response = moderator.post(
                review,
                content=_encoded(
                    [*_pairs({**base, "decision": "approve"}, leave_out=name), (name, payload)],
                    csrf_token(moderator, review),
                ),
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
            problems = problems_with(response, payload)
            findings += [f"{name}={payload.id}: {problem}" for problem in problems]
            accepted += response.status_code == 303
            if response.status_code == 303:  # accepted and published: review another
                review = open_review()
    assert findings == []
    assert accepted  # harmless text got through: the payloads reached past the first check


def _pairs(values: dict, leave_out: str = "") -> list[tuple[str, Any]]:
    return [
        (key, item)
        for key, value in values.items()
        if key != leave_out
        for item in (value if isinstance(value, list) else [value])
    ]


def _encoded(pairs: list, token: str) -> bytes:
    def one(value) -> str:
        return value.encoded() if isinstance(value, hostile.Payload) else quote_plus(str(value))

    pairs = [("csrf_token", token), *pairs]
    return "&".join(f"{quote_plus(name)}={one(value)}" for name, value in pairs).encode()
