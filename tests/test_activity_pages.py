"""Activity pages over HTTP: /activities with its filters, an activity's page, the
activities on a listing's page, and hostile parameters."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests import factories, hostile

GROUP = "glasgow-prisoner-solidarity"
OTHER = "prisoner-solidarity-network"


@pytest.fixture
def held(seeded):
    """Three activities of two listings: a monthly one with no end, a past one-off with
    access provisions, and a cancelled weekly online one."""
    ids = {
        "monthly": factories.store_activity(
            seeded, GROUP, title="Monthly letters", recurrence="FREQ=MONTHLY;BYDAY=1MO"
        ),
        "workshop": factories.store_activity(
            seeded,
            OTHER,
            title="Solidarity workshop",
            kind="workshop",
            starts_at="2022-03-11T16:00",
            ends_at="2022-03-11T17:30",
            recurrence="",
            access=["captions", "bsl", "audio-description", "child-fund", "data-fund"],
            venue="",
            city="London",
            latitude=51.509,
            longitude=-0.126,
            stated_on="2022-03-02",
        ),
        "online": factories.store_activity(
            seeded,
            OTHER,
            title="Online mail night",
            kind="meeting",
            starts_at="2025-02-17T18:00",
            ends_at="2025-02-17T20:00",
            time_zone="America/Los_Angeles",
            recurrence="FREQ=MONTHLY;BYDAY=3MO",
            online="1",
            online_how="On a video call; the link is sent on request.",
            venue="",
            city="",
            country="",
            latitude="",
            longitude="",
            access=["captions"],
            status="cancelled",
        ),
    }
    return ids


def titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<h3><a href="/activities/[^"]+">([^<]+)</a>', html)]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_activities_lists_upcoming_first_then_past(client, held):
    page = client.get("/activities")
    assert page.status_code == 200
    upcoming = titles(section(page.text, "upcoming"))
    past = titles(section(page.text, "past"))
    assert set(upcoming) >= {"Monthly letters", "Online mail night"}
    assert "Solidarity workshop" in past
    assert "Solidarity workshop" not in upcoming
    assert "Past:</strong> last held Friday 11 March 2022, 16:00–17:30" in page.text


def test_the_time_says_which_zone(client, held):
    page = client.get("/activities")
    assert "First Monday of every month, 19:00–21:00 (UK time, Europe/London)" in page.text
    assert "Third Monday of every month, 18:00–20:00 (US Pacific time, America/Los_Angeles)" in (
        page.text
    )


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("access=bsl", {"Solidarity workshop"}, {"Monthly letters", "Online mail night"}),
        (
            "access=bsl&access=captions",
            {"Solidarity workshop"},
            {"Monthly letters", "Online mail night"},
        ),
        ("access=captions", {"Solidarity workshop", "Online mail night"}, {"Monthly letters"}),
        ("access=bsl&access=step-free", set(), {"Solidarity workshop", "Monthly letters"}),
        ("online=1", {"Online mail night"}, {"Monthly letters", "Solidarity workshop"}),
        ("kind=workshop", {"Solidarity workshop"}, {"Monthly letters", "Online mail night"}),
        (f"organisation={GROUP}", {"Monthly letters"}, {"Solidarity workshop"}),
        ("near=Glasgow", {"Monthly letters"}, {"Solidarity workshop", "Online mail night"}),
        ("near=London&radius_km=25", {"Solidarity workshop"}, {"Monthly letters"}),
        ("near=Glasgow&access=bsl", set(), {"Monthly letters", "Solidarity workshop"}),
    ],
)
def test_filters_all_must_hold(client, held, query, shown, hidden):
    page = client.get(f"/activities?{query}")
    assert page.status_code == 200
    found = set(titles(page.text))
    assert shown <= found
    assert not hidden & found


def test_the_filters_are_a_form_without_javascript(client, held):
    page = client.get("/activities?access=bsl&kind=workshop")
    form = page.text[page.text.index('<form class="activity-filters"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form
    assert 'name="access" type="checkbox" value="bsl" checked' in form
    assert '<option value="workshop" selected>' in form
    assert 'name="near"' in form and 'name="online"' in form and 'name="organisation"' in form
    # The feeds follow the same filters.
    assert 'href="/activities.ics?kind=workshop&amp;access=bsl"' in page.text


def test_a_bad_filter_is_said_and_ignored(client, held):
    page = client.get("/activities?kind=rave&access=teleport&near=Nowhereville")
    assert page.status_code == 200
    assert "Unknown kind of activity ignored: rave." in page.text
    assert "Unknown access provision ignored: teleport." in page.text
    assert "We could not find a place called “Nowhereville”" in page.text


def test_an_activity_page(client, held):
    page = client.get(f"/activities/{held['monthly']}")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Monthly letters</h1>" in text
    assert f'<a href="/organisations/{GROUP}">Glasgow Prisoner Solidarity</a>' in text
    assert "First Monday of every month, 19:00–21:00 (UK time, Europe/London)" in text
    assert "Repeats: First Monday of every month." in text
    assert "The Library" in text and "Glasgow, United Kingdom" in text
    assert "Step-free access" in text
    assert "Access: only what is listed here was stated; ask the group." in text
    assert "As stated on 1 December 2024" in text
    assert "check with the group before going" in text
    assert 'href="https://example.org/letters"' in text
    assert "Next dates" in text


def test_a_past_activity_says_so(client, held):
    page = client.get(f"/activities/{held['workshop']}")
    assert "This is in the past." in page.text
    assert "British Sign Language interpretation" in page.text
    assert "Phone data fund" in page.text
    assert "As stated on 2 March 2022" in page.text


def test_a_cancelled_activity_says_so_clearly(client, held):
    page = client.get(f"/activities/{held['online']}")
    assert "<strong>Cancelled.</strong>" in page.text
    assert "Online. On a video call; the link is sent on request." in page.text
    assert "Next dates" not in page.text
    listed = client.get("/activities?online=1").text
    assert "<strong>Cancelled.</strong>" in listed


def test_an_unknown_activity_is_not_found(client, held):
    assert client.get("/activities/no-such-thing").status_code == 404
    assert client.get("/activities/" + "x" * 300).status_code == 404


def test_a_listing_page_shows_its_activities(client, held):
    page = client.get(f"/organisations/{OTHER}")
    assert page.status_code == 200
    upcoming = section(page.text, "upcoming-activities")
    assert "Online mail night" in upcoming
    past = section(page.text, "past-activities")
    assert "Solidarity workshop" in past
    assert "Solidarity workshop" not in upcoming
    assert f'href="/organisations/{OTHER}/activities.ics"' in page.text


def test_a_listing_without_activities_has_no_such_section(client, held):
    page = client.get("/organisations/families-outside")
    assert "Upcoming activities" not in page.text


@pytest.mark.parametrize("payload", hostile.XSS[:6], ids=str)
@pytest.mark.parametrize("name", ["near", "kind", "access", "organisation", "online"])
def test_hostile_parameters_are_escaped(client, held, name, payload):
    page = client.get(f"/activities?{name}={payload.encoded()}")
    assert page.status_code < 500
    for marker in payload.markers:
        assert marker not in page.text


def test_hostile_text_in_an_activity_is_escaped(client, seeded):
    public_id = factories.store_activity(
        seeded,
        GROUP,
        title="<script>alert(1)</script>",
        description='"><img src=x onerror=alert(1)>',
        access_notes="<svg onload=alert(1)>",
    )
    for path in (f"/activities/{public_id}", "/activities", f"/organisations/{GROUP}"):
        page = client.get(path)
        assert "<script>alert(1)" not in page.text
        assert "<img src=x" not in page.text
        assert "<svg onload" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/activities").text


def test_the_printed_list_offers_activities_people_inside_can_join_by_post(client, seeded):
    factories.store_activity(
        seeded,
        GROUP,
        title="Pen-pal letter circle",
        by_post="1",
        how_to_join="Write to the group's address asking to join the circle.",
    )
    factories.store_activity(seeded, GROUP, title="Drop-in at the library")
    factories.store_activity(
        seeded, GROUP, title="Cancelled circle", by_post="1", status="cancelled"
    )
    for path in (
        "/print?q=Glasgow+Prisoner+Solidarity",
        "/print.txt?q=Glasgow+Prisoner+Solidarity",
    ):
        page = client.get(path)
        assert page.status_code == 200
        text = " ".join(unescape(page.text).split())  # the plain text is wrapped
        assert "Pen-pal letter circle: First Monday of every month, 19:00–21:00 (UK time" in text
        assert "How to take part: Write to the group's address asking to join the circle." in text
        assert "Drop-in at the library" not in text  # not by post
        assert "Cancelled circle" not in text
    assert (
        "TAKE PART FROM PRISON, BY POST:"
        in client.get("/print.txt?q=Glasgow+Prisoner+Solidarity").text
    )
