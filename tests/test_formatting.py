"""The date, time, count and distance formats pages use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from directory.web import formatting


@pytest.mark.parametrize(
    ("value", "shown"),
    [(date(2026, 11, 1), "1 November 2026"), (date(2024, 1, 31), "31 January 2024"), (None, "")],
)
def test_long_date(value, shown):
    assert formatting.long_date(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"), [("2023-12", "December 2023"), ("2023", "2023"), ("", "")]
)
def test_partial_date(value, shown):
    assert formatting.partial_date(value) == shown


def test_times_are_said_in_utc():
    paris = timezone(timedelta(hours=1))
    assert (
        formatting.when(datetime(2026, 11, 21, 15, 5, tzinfo=paris))
        == "21 November 2026, 14:05 UTC"
    )
    assert formatting.when(datetime(2026, 11, 21, 14, 5)) == "21 November 2026, 14:05 UTC"
    assert formatting.when(None) == ""
    assert formatting.short_when(datetime(2026, 3, 5, 9, 7, tzinfo=UTC)) == "05 Mar 2026 09:07 UTC"


@pytest.mark.parametrize(
    ("km", "shown"),
    [(None, None), (0.4, "less than 1 km away"), (12.6, "13 km away"), (1234.0, "1,234 km away")],
)
def test_distance(km, shown):
    assert formatting.distance(km) == shown


def test_thousands():
    assert formatting.thousands(12345) == "12,345"
