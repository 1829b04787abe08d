"""When repeating activities happen: rules expanded in the activity's own zone, across
daylight-saving changes, with exceptions and ends; checked fields; the rule in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from directory import activities, recurrence
from directory.models import Activity

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)


def activity(**overrides) -> Activity:
    values: dict[str, Any] = {
        "public_id": "group-letters",
        "organisation_slug": "group",
        "title": "Letters",
        "description": "Writing letters.",
        "kind": "letter-writing",
        "starts_at": datetime(2025, 1, 6, 19, 0),
        "ends_at": datetime(2025, 1, 6, 21, 0),
        "time_zone": "Europe/London",
        "recurrence": "FREQ=MONTHLY;BYDAY=1MO",
        "exceptions": [],
        "source_url": "https://example.org/letters",
        "stated_on": date(2024, 12, 1),
    }
    values.update(overrides)
    return Activity(**values)


FIRST_MONDAYS_2025 = [
    (1, 6),
    (2, 3),
    (3, 3),
    (4, 7),
    (5, 5),
    (6, 2),
    (7, 7),
    (8, 4),
    (9, 1),
    (10, 6),
    (11, 3),
    (12, 1),
]


@pytest.mark.parametrize(
    ("zone", "winter", "summer", "summer_months"),
    [
        # UK: BST from 30 March to 26 October 2025.
        ("Europe/London", 0, 1, range(4, 11)),
        # US: EDT from 9 March to 2 November 2025; 3 November is back on EST.
        ("America/New_York", -5, -4, range(4, 11)),
    ],
)
def test_first_monday_over_a_year_keeps_the_local_time_across_daylight_saving(
    zone, winter, summer, summer_months
):
    found = activities.occurrences(activity(time_zone=zone), YEAR_START, YEAR_END)

    assert [(o.starts.month, o.starts.day) for o in found] == FIRST_MONDAYS_2025
    assert {(o.starts.hour, o.starts.minute) for o in found} == {(19, 0)}
    assert {(o.ends.hour, o.ends.minute) for o in found if o.ends} == {(21, 0)}
    offsets = [o.starts.utcoffset() // timedelta(hours=1) for o in found]
    months = [o.starts.month for o in found]
    assert offsets == [summer if month in summer_months else winter for month in months]
    assert [o.starts.weekday() for o in found] == [0] * 12


def test_the_utc_time_moves_by_an_hour_when_the_clocks_change():
    found = activities.occurrences(activity(), YEAR_START, YEAR_END)
    in_utc = {o.starts.astimezone(UTC).hour for o in found}
    assert in_utc == {19, 18}  # 19:00 GMT in winter, 18:00 UTC in summer


def test_every_other_week():
    sundays = activity(
        starts_at=datetime(2025, 3, 2, 14, 0),
        ends_at=datetime(2025, 3, 2, 17, 0),
        recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
    )
    found = activities.occurrences(
        sundays, datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 5, 1, tzinfo=UTC)
    )
    assert [o.starts.date() for o in found] == [
        date(2025, 3, 2),
        date(2025, 3, 16),
        date(2025, 3, 30),  # the day the UK's clocks go forward: still 14:00 local
        date(2025, 4, 13),
        date(2025, 4, 27),
    ]
    assert {o.starts.hour for o in found} == {14}


def test_exceptions_are_left_out():
    skipping = activity(exceptions=["2025-04-07T19:00", "2025-08-04T19:00"])
    found = activities.occurrences(skipping, YEAR_START, YEAR_END)
    assert len(found) == 10
    assert date(2025, 4, 7) not in {o.starts.date() for o in found}
    assert date(2025, 8, 4) not in {o.starts.date() for o in found}


@pytest.mark.parametrize(
    "until",
    [
        "20250630T235959Z",  # UTC, as RFC 5545 wants beside a zoned start
        "20250630",  # a date: the end of that day in the activity's zone
        "20250630T235959",  # a local time
    ],
)
def test_until_ends_the_rule(until):
    ending = activity(recurrence=f"FREQ=MONTHLY;BYDAY=1MO;UNTIL={until}")
    found = activities.occurrences(ending, YEAR_START, YEAR_END)
    assert [o.starts.date() for o in found][-1] == date(2025, 6, 2)
    assert len(found) == 6


def test_next_occurrence_skips_exceptions_and_the_past():
    monthly = activity(exceptions=["2025-02-03T19:00"])
    upcoming = activities.next_occurrence(monthly, datetime(2025, 1, 20, tzinfo=UTC))
    assert upcoming is not None
    assert upcoming.starts.date() == date(2025, 3, 3)


def test_an_occurrence_under_way_is_still_next():
    monthly = activity()
    during = datetime(2025, 1, 6, 20, 0, tzinfo=UTC)
    upcoming = activities.next_occurrence(monthly, during)
    assert upcoming is not None and upcoming.starts.date() == date(2025, 1, 6)


def test_a_one_off_in_the_past_has_no_next_occurrence_but_a_last_one():
    workshop = activity(
        starts_at=datetime(2022, 3, 11, 16, 0),
        ends_at=datetime(2022, 3, 11, 17, 30),
        recurrence=None,
    )
    assert activities.next_occurrence(workshop, YEAR_START) is None
    last = activities.last_occurrence(workshop, YEAR_START)
    assert last is not None
    assert last.starts.isoformat() == "2022-03-11T16:00:00+00:00"
    assert last.ends is not None and last.ends.isoformat() == "2022-03-11T17:30:00+00:00"


def test_a_rule_that_ended_is_past():
    ended = activity(recurrence="FREQ=WEEKLY;BYDAY=MO;UNTIL=20240101")
    assert activities.next_occurrence(ended, YEAR_START) is None
    last = activities.last_occurrence(ended, YEAR_START)
    assert last is None  # it ended before it began: no occurrence at all


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=1MO", "First Monday of every month"),
        ("FREQ=MONTHLY;BYDAY=3MO", "Third Monday of every month"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Last Friday of every month"),
        ("FREQ=WEEKLY;BYDAY=TH", "Every Thursday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", "Every other Sunday"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "Every Monday and Thursday"),
        ("FREQ=WEEKLY", "Every Monday"),  # the start's weekday
        ("FREQ=MONTHLY;BYMONTHDAY=15", "The 15th of every month"),
        (
            "FREQ=MONTHLY;BYDAY=1MO;UNTIL=20251231",
            "First Monday of every month, until 31 December 2025",
        ),
        ("FREQ=YEARLY", "Every year on 6 January"),
        (None, "Once"),
    ],
)
def test_rules_in_words(rule, words):
    assert recurrence.in_words(rule, datetime(2025, 1, 6, 19, 0), "Europe/London") == words


def valid_fields(**overrides):
    fields = {
        "title": "Letter-writing night",
        "description": "We write to people in prison over tea.",
        "kind": "letter-writing",
        "starts_at": "2025-03-03T19:00",
        "ends_at": "2025-03-03T21:00",
        "time_zone": "Europe/London",
        "recurrence": "freq=monthly;byday=1mo",
        "venue": "The Library",
        "city": "Glasgow",
        "country": "gb",
        "access": ["step-free", "captions"],
        "source_url": "https://example.org/letters",
        "stated_on": "2025-02-01",
    }
    fields.update(overrides)
    return fields


def test_valid_fields_are_cleaned():
    cleaned, errors = activities.validate(valid_fields())
    assert errors == {}
    assert cleaned["starts_at"] == datetime(2025, 3, 3, 19, 0)
    assert cleaned["recurrence"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert cleaned["country"] == "GB"
    assert cleaned["access"] == ["captions", "step-free"]  # the vocabulary's order
    assert cleaned["stated_on"] == date(2025, 2, 1)
    assert cleaned["online"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "title"),
        ("title", "x" * 201, "200 characters"),
        ("title", "two\nlines", "one line"),
        ("description", "bad\x00char", "cannot be seen"),
        ("kind", "rave", "Choose one of"),
        ("starts_at", "next monday", "date and time"),
        ("starts_at", "2025-03-03", "date and time"),
        ("ends_at", "2025-03-03T18:00", "after the start"),
        ("time_zone", "Mars/Olympus", "time zone"),
        ("recurrence", "FREQ=SECONDLY", "FREQ must be"),
        ("recurrence", "FREQ=WEEKLY;BYHOUR=3", "BYHOUR"),
        ("recurrence", "FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("recurrence", "FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("exceptions", ["soon"], "not a date"),
        ("country", "Narnia", "two-letter"),
        ("access", ["teleport"], "from the list"),
        ("source_url", "javascript:alert(1)", "http"),
        ("stated_on", "yesterday", "YYYY-MM-DD"),
        ("stated_on", "2999-01-01", "future"),
        ("online", "maybe", "Tick"),
    ],
)
def test_bad_fields_get_an_error_on_that_field(field, value, message):
    cleaned, errors = activities.validate(valid_fields(**{field: value}))
    assert message in errors[field]
    assert set(errors) == {field}


def test_somewhere_or_online_is_needed():
    _, errors = activities.validate(valid_fields(venue="", city="", country=""))
    assert "online" in errors["venue"]
    cleaned, errors = activities.validate(
        valid_fields(venue="", city="", country="", online="on", online_how="On Zoom")
    )
    assert errors == {}
    assert cleaned["online"] is True


def test_a_rules_dates_end_a_year_after_it_was_stated():
    weekly = activity(
        starts_at=datetime(2016, 9, 13, 19, 0),
        ends_at=None,
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        stated_on=date(2016, 9, 10),
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert activities.next_occurrence(weekly, now) is None
    last = activities.last_occurrence(weekly, now)
    assert last is not None and last.starts.date() == date(2017, 9, 5)
    assert activities.unconfirmed(weekly, now) is True
    assert activities.dated(weekly, now).unconfirmed is True
    # A rule that ended by itself, before that, is simply over.
    ended = activity(recurrence="FREQ=MONTHLY;BYDAY=1MO;UNTIL=20250301")
    assert activities.unconfirmed(ended, now) is False
    # Stated lately, it is on.
    lately = activity(stated_on=date(2026, 11, 20))
    upcoming = activities.next_occurrence(lately, now)
    assert upcoming is not None and upcoming.starts.date() == date(2026, 12, 7)


def test_a_zone_name_too_long_for_a_file_name_is_a_mistake_not_a_crash():
    # zoneinfo looks the name up as a file: a 300-character name raised OSError (a 500).
    values, errors = activities.validate(
        {
            "title": "Letter night",
            "kind": "letter-writing",
            "starts_at": "2026-01-05T19:00",
            "time_zone": "Europe/" + "x" * 300,
        }
    )
    assert "time_zone" in errors
    assert len(errors["time_zone"]) < 200
