"""Dates, times, counts and distances as pages write them (templating.py registers the filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def long_date(value: date | None) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}" if value else ""


def partial_date(value: str | None) -> str:
    """ "2023-12" -> "December 2023"; "2023" stays "2023"."""
    if not value:
        return ""
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    if not month:
        return year
    return (f"{int(day)} " if day else "") + f"{_MONTHS[int(month) - 1]} {year}"


def when(moment: datetime | None) -> str:
    """ "21 November 2026, 14:05 UTC": moderators work across time zones, so say which."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{long_date(moment.date())}, {moment:%H:%M} UTC"


def short_when(moment: datetime) -> str:
    """ "21 Nov 2026 14:05 UTC", for a column of times (the link checks)."""
    return moment.strftime("%d %b %Y %H:%M UTC")


def thousands(value: int) -> str:
    return f"{value:,}"


def distance(km: float | None) -> str | None:
    if km is None:
        return None
    return "less than 1 km away" if km < 1 else f"{km:,.0f} km away"
