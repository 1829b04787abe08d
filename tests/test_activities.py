"""Activities as data others use: the iCalendar and Atom feeds, the JSON API, and the seed
file with the listings' latest signs of activity."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

import jsonschema
import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlmodel import Session, select

from directory import activities, catalogue, seed
from directory.models import Activity, Organisation, OutboxEvent
from directory.opendata import exporting, hsds, hsds_schema
from directory.settings import PACKAGED_SEED_DIR
from tests import factories
from tests.reference import reference_file
from tests.test_opendata import COMPILED_ORGANIZATION

GROUP = "glasgow-prisoner-solidarity"
OTHER = "prisoner-solidarity-network"


@pytest.fixture
def held(seeded):
    return {
        "monthly": factories.store_activity(
            seeded,
            GROUP,
            title="Monthly letters",
            starts_at="2025-01-06T19:00",
            recurrence="FREQ=MONTHLY;BYDAY=1MO",
            exceptions=["2025-04-07T19:00"],
        ),
        "fortnightly": factories.store_activity(
            seeded,
            OTHER,
            title="Fortnightly dinner",
            starts_at="2025-03-02T18:00",
            ends_at="2025-03-02T21:00",
            time_zone="America/New_York",
            recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;UNTIL=20251231",
            city="New York",
            country="US",
            latitude=40.714,
            longitude=-74.006,
            access=["food", "free"],
        ),
        "cancelled": factories.store_activity(
            seeded,
            OTHER,
            title="Cancelled workshop",
            kind="workshop",
            starts_at="2022-03-11T16:00",
            ends_at="2022-03-11T17:30",
            recurrence="",
            access=["bsl"],
            status="cancelled",
            stated_on="2022-03-02",
        ),
    }


def events(response) -> dict[str, Any]:
    parsed = Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in parsed.walk("VEVENT")}


def test_the_calendar_parses_with_rules_not_copies(client, held):
    response = client.get("/activities.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    found = events(response)
    monthly = found["Monthly letters (Glasgow Prisoner Solidarity)"]
    assert monthly["rrule"].to_ical() == b"FREQ=MONTHLY;BYDAY=1MO"
    assert monthly["dtstart"].params["TZID"] == "Europe/London"
    assert monthly["dtstart"].dt == datetime(2025, 1, 6, 19, 0, tzinfo=monthly["dtstart"].dt.tzinfo)
    assert [d.dt.replace(tzinfo=None) for d in monthly["exdate"].dts] == [datetime(2025, 4, 7, 19)]
    assert monthly["status"] == "CONFIRMED"
    assert monthly["url"].endswith(f"/activities/{held['monthly']}")
    assert "as stated on 1 December 2024: check with the group before going" in str(
        monthly["description"]
    )
    assert "https://example.org/letters" in str(monthly["description"])
    # One event per activity, whatever its number of dates.
    mine = events(client.get(f"/activities.ics?organisation={OTHER}"))
    assert len(mine) == 2
    zones = {str(zone["tzid"]) for zone in Calendar.from_ical(response.content).walk("VTIMEZONE")}
    assert {"Europe/London", "America/New_York"} <= zones
    used = {str(event["dtstart"].params["TZID"]) for event in found.values()}
    assert used == zones  # a VTIMEZONE for each zone used, and no other


def test_a_cancelled_activity_is_cancelled_in_the_calendar(client, held):
    found = events(client.get("/activities.ics"))
    assert found["Cancelled workshop (Prisoner Solidarity Network)"]["status"] == "CANCELLED"


def _expanded(event, start: datetime, end: datetime) -> list[datetime]:
    """The event's dates as a calendar would show them: its RRULE from its DTSTART, less
    its EXDATEs (dateutil, as calendar libraries do)."""
    first = event["dtstart"].dt
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=first)
    skipped = {d.dt for d in event["exdate"].dts} if "exdate" in event else set()
    return [moment for moment in rule.between(start, end, inc=True) if moment not in skipped]


def test_the_calendar_imports_with_the_right_local_times_across_daylight_saving(client, held):
    found = events(client.get("/activities.ics"))
    year = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    monthly = _expanded(found["Monthly letters (Glasgow Prisoner Solidarity)"], *year)
    assert len(monthly) == 11  # twelve first Mondays, less the April exception
    assert {(m.hour, m.minute) for m in monthly} == {(19, 0)}
    assert {m.astimezone(UTC).hour for m in monthly} == {19, 18}  # GMT, then BST
    dinner = _expanded(found["Fortnightly dinner (Prisoner Solidarity Network)"], *year)
    assert dinner[0].date() == date(2025, 3, 2)  # EST, a week before the clocks change
    assert dinner[1].date() == date(2025, 3, 16)  # EDT
    assert {d.hour for d in dinner} == {18}
    assert {d.utcoffset() for d in dinner[:2]} == {timedelta(hours=-5), timedelta(hours=-4)}
    assert dinner[-1].date() == date(2025, 12, 21)  # the last other Sunday before UNTIL
    assert all(d - p == timedelta(days=14) for p, d in zip(dinner, dinner[1:], strict=False))


def test_the_calendar_takes_the_page_filters(client, held):
    bsl = set(events(client.get("/activities.ics?access=bsl")))
    assert "Cancelled workshop (Prisoner Solidarity Network)" in bsl
    assert "Monthly letters (Glasgow Prisoner Solidarity)" not in bsl
    new_york = set(events(client.get("/activities.ics?near=New+York")))
    assert "Fortnightly dinner (Prisoner Solidarity Network)" in new_york
    assert not any("Glasgow" in title for title in new_york)
    refused = client.get("/activities.ics?access=teleport")
    assert refused.status_code == 400
    assert "Unknown access provision ignored: teleport." in refused.text


def test_a_listing_has_its_own_calendar(client, held):
    response = client.get(f"/organisations/{OTHER}/activities.ics")
    assert response.status_code == 200
    assert set(events(response)) == {
        "Fortnightly dinner (Prisoner Solidarity Network)",
        "Cancelled workshop (Prisoner Solidarity Network)",
    }
    assert "Prisoner Solidarity Network: activities" in response.text
    assert client.get("/organisations/no-such-group/activities.ics").status_code == 404


def test_the_atom_feed(client, held):
    response = client.get("/activities.atom?organisation=" + OTHER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.findtext(f"{atom}title") for entry in feed.iter(f"{atom}entry")]
    assert sorted(titles) == [
        "Cancelled workshop (Prisoner Solidarity Network): cancelled",
        "Fortnightly dinner (Prisoner Solidarity Network)",
    ]
    summaries = " ".join(entry.findtext(f"{atom}summary") for entry in feed.iter(f"{atom}entry"))
    assert "as stated on 2 March 2022: check with the group before going" in summaries


def test_the_api_lists_activities_with_the_next_occurrence_and_its_offset(client, held):
    response = client.get("/api/activities")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["activities"]) >= 3
    by_id = {item["id"]: item for item in body["activities"]}
    monthly = by_id[held["monthly"]]
    assert monthly["title"] == "Monthly letters"
    assert monthly["organisation"] == {
        "slug": GROUP,
        "name": "Glasgow Prisoner Solidarity",
        "url": f"/organisations/{GROUP}",
    }
    assert monthly["url"] == f"/activities/{held['monthly']}"
    assert monthly["time_zone"] == "Europe/London"
    assert monthly["starts_at"] == "2025-01-06T19:00"
    assert monthly["recurrence"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert monthly["recurrence_words"] == "First Monday of every month"
    assert monthly["access"] == ["step-free"]
    assert monthly["stated_on"] == "2024-12-01"
    upcoming = datetime.fromisoformat(monthly["next_occurrence"]["starts"])
    assert upcoming.utcoffset() in (timedelta(0), timedelta(hours=1))
    assert (upcoming.hour, upcoming.minute, upcoming.weekday()) == (19, 0, 0)
    assert upcoming.day <= 7 and upcoming > datetime.now(UTC) - timedelta(hours=3)
    past = by_id[held["cancelled"]]
    assert past["next_occurrence"] is None
    assert past["last_occurrence"]["starts"] == "2022-03-11T16:00:00+00:00"
    assert past["status"] == "cancelled"
    # Upcoming first, then past ones.
    over = [item["next_occurrence"] is None for item in body["activities"]]
    assert over == sorted(over) and over[-1]


def test_the_api_filters_and_refuses_bad_parameters(client, held):
    query = f"/api/activities?access=bsl&organisation={OTHER}"
    assert [a["id"] for a in client.get(query).json()["activities"]] == [held["cancelled"]]
    refused = client.get("/api/activities?kind=rave&near=Nowhereville")
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"kind", "near"}


def test_the_api_gives_one_activity(client, held):
    found = client.get(f"/api/activities/{held['fortnightly']}")
    assert found.status_code == 200
    assert found.json()["access"] == ["food", "free"]
    assert found.json()["recurrence"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU;UNTIL=20251231"
    missing = client.get("/api/activities/no-such-activity")
    assert missing.status_code == 404


# The seed ---------------------------------------------------------------------------------

ACTIVITY = """
[[activity]]
organisation = "glasgow-prisoner-solidarity"
title = "Letters night"
description = "Writing to people inside."
kind = "letter-writing"
starts = "2030-01-07T19:00"
ends = "2030-01-07T21:00"
time_zone = "Europe/London"
recurrence = "FREQ=MONTHLY;BYDAY=1MO"
exceptions = []
city = "Glasgow"
country = "GB"
access = ["step-free"]
source = "https://example.org/letters-night"
stated_on = 2026-11-20
"""


def seed_dir(tmp_path, text: str):
    """The packaged listings, with this activities file beside them."""
    for path in PACKAGED_SEED_DIR.glob("*.toml"):
        if path.name != seed.ACTIVITIES_FILE:
            shutil.copy(path, tmp_path / path.name)
    (tmp_path / seed.ACTIVITIES_FILE).write_text(text, encoding="utf-8")
    return tmp_path


def test_seed_activities_load_and_move_the_listings_latest_sign_of_activity(tmp_path):
    where = seed_dir(tmp_path, ACTIVITY)
    records = {record.slug: record for record in seed.load(where)}
    glasgow = records[GROUP]
    assert glasgow.last_activity == "2026-11"
    assert glasgow.citations["last_activity"].url == "https://example.org/letters-night"
    assert glasgow.citations["last_activity"].date == "2026-11-20"
    assert "https://example.org/letters-night" in glasgow.sources
    assert glasgow.status == "active"
    (loaded,) = seed.load_activities(where, list(records.values()))
    assert loaded.organisation == GROUP
    assert loaded.values["stated_on"] == date(2026, 11, 20)


def test_an_older_activity_leaves_the_latest_sign_of_activity_alone(tmp_path):
    where = seed_dir(tmp_path, ACTIVITY.replace("2026-11-20", "2019-05-01"))
    glasgow = {record.slug: record for record in seed.load(where)}[GROUP]
    original = {record.slug: record for record in seed.load(PACKAGED_SEED_DIR)}[GROUP]
    assert glasgow.last_activity == original.last_activity
    assert glasgow.citations == original.citations


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('organisation = "glasgow-prisoner-solidarity"', 'organisation = "nobody"'),
            "field 'organisation': 'nobody' is not a seed listing",
        ),
        (("stated_on = 2026-11-20", ""), "field 'stated_on': give the date the source stated it"),
        (('kind = "letter-writing"', 'kind = "rave"'), "field 'kind': Choose one of"),
        (('access = ["step-free"]', 'access = ["wheelchair"]'), "field 'access'"),
        (('time_zone = "Europe/London"', 'time_zone = "Mars"'), "field 'time_zone'"),
        (
            ('source = "https://example.org/letters-night"', 'source = "nowhere"'),
            "field 'source': Give a web address",
        ),
        (('city = "Glasgow"', 'city = "Glasgow"\nflavour = "mint"'), "unknown field 'flavour'"),
    ],
)
def test_seed_activity_problems_name_the_file_the_activity_and_the_field(
    tmp_path, change, expected
):
    old, new = change
    assert old in ACTIVITY
    with pytest.raises(seed.SeedError) as raised:
        seed.load(seed_dir(tmp_path, ACTIVITY.replace(old, new)))
    problems = raised.value.problems
    assert any(expected in problem for problem in problems), problems
    assert all(
        problem.startswith("activities.toml: activity #1 (Letters night)") for problem in problems
    )


def test_the_same_activity_twice_is_refused(tmp_path):
    with pytest.raises(seed.SeedError, match=r"activity #2 \(Letters night\): field 'title'"):
        seed.load(seed_dir(tmp_path, ACTIVITY + ACTIVITY))


@pytest.mark.databases
def test_seeding_activities_twice_never_duplicates(session, tmp_path):
    where = seed_dir(tmp_path, ACTIVITY)
    records = seed.load(where)
    catalogue.upsert_many(session, records)
    pairs = [(item.organisation, item.values) for item in seed.load_activities(where, records)]
    assert activities.upsert_many(session, pairs) == {"created": 1, "updated": 0, "unchanged": 0}
    assert activities.upsert_many(session, pairs) == {"created": 0, "updated": 0, "unchanged": 1}
    changed = [(slug, {**values, "cost": "Free"}) for slug, values in pairs]
    assert activities.upsert_many(session, changed) == {"created": 0, "updated": 1, "unchanged": 0}
    session.commit()
    rows = session.exec(select(Activity)).all()
    assert [(row.public_id, row.cost) for row in rows] == [
        ("glasgow-prisoner-solidarity-letters", "Free")
    ]


@pytest.mark.databases
def test_an_approved_activity_moves_its_listings_latest_sign_of_activity(session, seed_records):
    catalogue.upsert_many(session, seed_records)
    session.commit()
    cleaned, errors = activities.validate(
        factories.activity_values(stated_on="2026-11-30", source_url="https://example.org/new")
    )
    assert errors == {}
    made = activities.create(session, GROUP, cleaned)
    before = len(session.exec(select(OutboxEvent)).all())
    assert activities.note_on_listing(session, made) is True
    session.commit()
    listing = session.exec(select(Organisation).where(Organisation.slug == GROUP)).one()
    assert listing.last_activity == "2026-11"
    assert listing.citations["last_activity"] == {
        "url": "https://example.org/new",
        "date": "2026-11-30",
    }
    assert "https://example.org/new" in listing.sources
    assert len(session.exec(select(OutboxEvent)).all()) == before + 1  # search follows
    assert activities.note_on_listing(session, made) is False  # not newer than itself


# HSDS schedules ---------------------------------------------------------------------------


def test_the_hsds_export_carries_activities_as_valid_schedules(client, held, seeded):
    validator = compiled_validator()
    organization = client.get(f"/api/hsds/organizations/{OTHER}").json()
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(organization)]
    assert errors == []
    assert hsds_schema.organization_problems(organization) == []
    schedules = {
        s["description"].split(".")[0]: s for s in organization["services"][0]["schedules"]
    }
    dinner = schedules["Fortnightly dinner"]
    assert dinner["freq"] == "WEEKLY"
    assert dinner["interval"] == 2
    assert dinner["byday"] == "SU"
    assert dinner["dtstart"] == "2025-03-02"
    assert dinner["until"] == "2025-12-31"
    assert dinner["timezone"] == -5
    assert dinner["opens_at"] == "18:00-05:00" and dinner["closes_at"] == "21:00-05:00"
    assert "Every other Sunday" in dinner["description"]
    assert "Access stated: Food provided, Free." in dinner["notes"]
    assert "check with the group before going" in dinner["notes"]
    workshop = schedules["Cancelled workshop"]
    assert workshop["valid_from"] == workshop["valid_to"] == "2022-03-11"
    assert "freq" not in workshop
    assert workshop["notes"].startswith("Cancelled.")
    # The whole export, activities and all, still validates; and reads back as the listing.
    with Session(seeded) as session:
        out = io.StringIO()
        exporting.export(session, "hsds", out)
    exported = {o["name"]: o for o in json.loads(out.getvalue())}
    for listing in exported.values():
        assert list(validator.iter_errors(listing)) == [], listing["name"]
    assert hsds.listing_values(exported["Prisoner Solidarity Network"])["opening_hours"] is None


def compiled_validator():
    schema = json.loads(reference_file(COMPILED_ORGANIZATION).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


# The real seed ----------------------------------------------------------------------------

FOUNDING = "Prisoner Solidarity in Practice"


@pytest.fixture(scope="module")
def seed_activities():
    records = seed.load(PACKAGED_SEED_DIR)
    return seed.load_activities(PACKAGED_SEED_DIR, records)


def test_the_seed_has_the_founding_workshop_with_its_access_provisions(seed_activities):
    (founding,) = [a for a in seed_activities if a.values["title"] == FOUNDING]
    assert founding.organisation == GROUP
    values = founding.values
    assert values["starts_at"] == datetime(2022, 3, 11, 16, 0)
    assert values["ends_at"] == datetime(2022, 3, 11, 17, 30)
    assert values["time_zone"] == "Europe/London"
    assert {"captions", "bsl", "audio-description", "child-fund", "carer-fund", "data-fund"} == set(
        values["access"]
    )
    assert values["source_url"] == (
        "https://arika.org.uk/programming/mutual-aid/programme/prisoner-solidarity-practice"
    )


def test_every_seed_activity_is_sourced_dated_and_belongs_to_a_listing(seed_activities):
    assert len(seed_activities) >= 10
    listed = {record.slug for record in seed.load(PACKAGED_SEED_DIR)}
    for item in seed_activities:
        assert item.organisation in listed
        assert item.values["source_url"].startswith(("http://", "https://"))
        assert isinstance(item.values["stated_on"], date)
    recurring = [item for item in seed_activities if item.values["recurrence"]]
    assert len(recurring) >= 7


def test_activities_lists_the_seed_activities(client, seed_activities):
    page = client.get("/activities")
    assert page.status_code == 200
    for item in seed_activities:
        assert escape(item.values["title"]) in page.text


def test_access_bsl_finds_the_founding_workshop_shown_as_past(client):
    page = client.get("/activities?access=bsl")
    assert page.status_code == 200
    past = page.text[page.text.index('id="past"') :]
    assert FOUNDING in past
    assert "Past:</strong> last held Friday 11 March 2022, 16:00–17:30" in past
    upcoming = page.text[page.text.index('id="upcoming"') : page.text.index('id="past"')]
    assert FOUNDING not in upcoming
    assert "Solidaritea" not in page.text  # states no BSL
    found = client.get("/api/activities?access=bsl").json()["activities"]
    assert [a["title"] for a in found] == [FOUNDING]
    assert found[0]["next_occurrence"] is None


def test_near_finds_seed_activities_by_their_town(client):
    titles = [a["title"] for a in client.get("/api/activities?near=Dresden").json()["activities"]]
    assert titles == ["Solidaritea letter-writing café"]
    brooklyn = client.get("/api/activities?near=New+York&kind=letter-writing").json()
    assert [a["title"] for a in brooklyn["activities"]] == [
        "Political prisoner letter-writing dinner"
    ]


def test_the_founding_workshop_page(client):
    listing = client.get(f"/organisations/{GROUP}")
    assert "Past activities" in listing.text
    path = re.search(r'href="(/activities/[^"]+)">Prisoner Solidarity in Practice', listing.text)
    assert path is not None
    page = client.get(path.group(1))
    assert "Friday 11 March 2022, 16:00–17:30 (UK time, Europe/London)" in page.text
    assert "British Sign Language interpretation" in page.text
    assert "Phone data fund" in page.text
    assert "As stated on 11 March 2022" in page.text
