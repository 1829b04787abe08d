"""When a repeating activity happens: RFC 5545 recurrence rules, read, expanded in the
activity's own time zone, and said in words.

Times are wall-clock times in the zone ("19:00 in London"), so an activity stays at 19:00
across a daylight-saving change; only its UTC offset moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

# The parts a rule may have. No HOURLY or finer frequency and no BYHOUR/BYMINUTE: an
# activity happens at most a few times a day, and a rule cannot ask us to list millions.
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS = frozenset(
    {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "UNTIL", "COUNT", "WKST"}
)
MAX_INTERVAL = 52
MAX_COUNT = 1000

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", -1: "Last"}
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


class RuleError(ValueError):
    """A recurrence rule we cannot use; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Occurrence:
    """One time an activity happens: aware datetimes in the activity's zone."""

    starts: datetime
    ends: datetime | None


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; RuleError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
        # OSError: a name too long to be a file name (zoneinfo looks for the file).
        shown = name if len(name) <= 64 else name[:64] + "…"
        raise RuleError(f"{shown!r} is not a time zone name such as Europe/London") from error


def parts(rule: str) -> dict[str, str]:
    """The rule's parts by name ("FREQ=MONTHLY;BYDAY=1MO" -> {"FREQ": "MONTHLY", ...}),
    checked: RuleError names the first problem."""
    text = rule.strip().removeprefix("RRULE:")
    found: dict[str, str] = {}
    for piece in filter(None, text.upper().split(";")):
        name, equals, value = piece.partition("=")
        if not equals or not value:
            raise RuleError(f"{piece!r} is not NAME=VALUE")
        if name not in PARTS:
            raise RuleError(f"{name} is not a part we accept (use {', '.join(sorted(PARTS))})")
        if name in found:
            raise RuleError(f"{name} is given twice")
        found[name] = value
    if found.get("FREQ") not in FREQUENCIES:
        raise RuleError(f"FREQ must be one of {', '.join(FREQUENCIES)}")
    if "UNTIL" in found and "COUNT" in found:
        raise RuleError("give UNTIL or COUNT, not both")
    _check_numbers(found)
    for day in found.get("BYDAY", "").split(",") if "BYDAY" in found else ():
        if not _BYDAY.match(day):
            raise RuleError(f"BYDAY {day!r} is not a day such as MO, 1MO or -1FR")
    if "UNTIL" in found and not _UNTIL.match(found["UNTIL"]):
        raise RuleError("UNTIL must be a date (20231231) or a time (20231231T235959Z)")
    return found


def _check_numbers(found: dict[str, str]) -> None:
    for name, lowest, highest in (("INTERVAL", 1, MAX_INTERVAL), ("COUNT", 1, MAX_COUNT)):
        if name in found and not (found[name].isdigit() and lowest <= int(found[name]) <= highest):
            raise RuleError(f"{name} must be a whole number from {lowest} to {highest}")
    for name in ("BYMONTHDAY", "BYMONTH", "BYSETPOS"):
        for value in found.get(name, "").split(",") if name in found else ():
            if not re.fullmatch(r"[+-]?\d{1,3}", value):
                raise RuleError(f"{name} must be numbers separated by commas")


def normalised(rule: str, time_zone: str) -> str:
    """The rule as RFC 5545 wants it beside a DTSTART with a time zone: UNTIL in UTC.

    An UNTIL given as a date or a local time means the end of that day, or that time, in
    the activity's zone.
    """
    found = parts(rule)
    until = found.get("UNTIL")
    if until is not None:
        found["UNTIL"] = until_utc(until, time_zone).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{name}={value}" for name, value in found.items())


def until_utc(value: str, time_zone: str) -> datetime:
    match = _UNTIL.match(value)
    if match is None:
        raise RuleError("UNTIL must be a date (20231231) or a time (20231231T235959Z)")
    day = datetime.strptime(match.group(1), "%Y%m%d")
    if match.group(2) is None:
        local = datetime.combine(day.date(), time(23, 59, 59))
    else:
        local = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    if match.group(3):
        return local.replace(tzinfo=UTC)
    return local.replace(tzinfo=zone(time_zone)).astimezone(UTC)


def expand(
    starts_at: datetime,
    ends_at: datetime | None,
    time_zone: str,
    rule: str | None,
    exceptions: Iterable[datetime],
    not_after: datetime | None = None,
) -> Iterator[Occurrence]:
    """Every occurrence in order, from the first, none starting after `not_after` (aware).
    starts_at and ends_at are local wall times (naive); exceptions are the local start
    times of occurrences that do not happen. Endless for a rule with neither UNTIL nor
    COUNT nor `not_after`: take what you need."""
    where = zone(time_zone)
    duration = ends_at - starts_at if ends_at is not None else None
    skipped = {moment.replace(second=0, microsecond=0) for moment in exceptions}
    first = starts_at.replace(tzinfo=where)
    starts: Iterable[datetime] = [first] if not rule else _rule(rule, time_zone, first)
    for start in starts:
        if not_after is not None and start > not_after:
            return
        if start.replace(tzinfo=None, second=0, microsecond=0) in skipped:
            continue
        # Aware arithmetic within one zone is wall-clock arithmetic: 16:00 + 1h30 = 17:30.
        yield Occurrence(start, start + duration if duration is not None else None)


def _rule(rule: str, time_zone: str, first: datetime) -> rrule:
    made = rrulestr(normalised(rule, time_zone), dtstart=first)
    assert isinstance(made, rrule)  # one RRULE, not a set
    return made


def between(occurrences: Iterable[Occurrence], start: datetime, end: datetime) -> list[Occurrence]:
    """The occurrences that start in [start, end) (aware datetimes, any zone)."""
    found = []
    for occurrence in occurrences:
        if occurrence.starts >= end:
            break
        if occurrence.starts >= start:
            found.append(occurrence)
    return found


def following(occurrences: Iterable[Occurrence], now: datetime) -> Occurrence | None:
    """The first occurrence not yet over at `now` (one under way counts)."""
    for occurrence in occurrences:
        if (occurrence.ends or occurrence.starts) > now:
            return occurrence
    return None


def latest_before(
    occurrences: Iterable[Occurrence], now: datetime, *, limit: int = 5000
) -> Occurrence | None:
    """The last occurrence that is over at `now`, looking no further than `limit` of them."""
    latest = None
    for count, occurrence in enumerate(occurrences):
        if (occurrence.ends or occurrence.starts) > now or count >= limit:
            break
        latest = occurrence
    return latest


def ends_on(rule: str | None, time_zone: str) -> date | None:
    """The local date of the rule's UNTIL, if it has one."""
    if not rule:
        return None
    until = parts(rule).get("UNTIL")
    return until_utc(until, time_zone).astimezone(zone(time_zone)).date() if until else None


# In words ------------------------------------------------------------------------------


def in_words(rule: str | None, starts_at: datetime, time_zone: str) -> str:
    """The rule as people say it: "First Monday of every month", "Every other Sunday",
    "Every Thursday, until 31 December 2023". A one-off: "Once"."""
    if not rule:
        return "Once"
    found = parts(rule)
    said = _pattern(found, starts_at)
    if "UNTIL" in found:
        last = until_utc(found["UNTIL"], time_zone).astimezone(zone(time_zone))
        said += f", until {last:%-d %B %Y}"
    elif "COUNT" in found:
        said += f", {found['COUNT']} times"
    return said


def _pattern(found: dict[str, str], starts_at: datetime) -> str:
    interval = int(found.get("INTERVAL", "1"))
    days = found["BYDAY"].split(",") if "BYDAY" in found else []
    frequency = found["FREQ"]
    if frequency == "WEEKLY":
        names = [DAY_NAMES.get(day[-2:], day) for day in days] or [f"{starts_at:%A}"]
        listed = _and(names)
        if interval == 1:
            return f"Every {listed}"
        if interval == 2:
            return f"Every other {listed}"
        return f"Every {interval} weeks on {listed}"
    if frequency == "MONTHLY":
        every = "every month" if interval == 1 else f"every {interval} months"
        nth = _nth_weekdays(days, found.get("BYSETPOS"))
        if nth:
            return f"{nth} of {every}"
        if "BYMONTHDAY" in found and "BYDAY" not in found:
            dates = [_ordinal_day(int(day)) for day in found["BYMONTHDAY"].split(",")]
            return f"The {_and(dates)} of {every}"
        if not days:
            return f"The {_ordinal_day(starts_at.day)} of {every}"
    if frequency == "DAILY" and not days:
        return "Every day" if interval == 1 else f"Every {interval} days"
    if frequency == "YEARLY" and not days and "BYMONTH" not in found:
        return (
            f"Every year on {starts_at:%-d %B}"
            if interval == 1
            else (f"Every {interval} years on {starts_at:%-d %B}")
        )
    return "Repeats on a pattern the calendar feed gives in full"


def _nth_weekdays(days: list[str], position: str | None) -> str | None:
    """ "1MO" -> "First Monday"; "MO,TU" with BYSETPOS=-1 -> "Last Monday or Tuesday"."""
    said = []
    for day in days:
        match = _BYDAY.match(day)
        if match is None:
            return None
        number = match.group(1) or position
        if number is None or int(number) not in ORDINALS:
            return None
        said.append(f"{ORDINALS[int(number)]} {DAY_NAMES[match.group(2)]}")
    if not said:
        return None
    if position is not None and len(days) > 1:
        return f"{ORDINALS[int(position)]} {_or([DAY_NAMES[d[-2:]] for d in days])}"
    return _and([said[0], *(part[0].lower() + part[1:] for part in said[1:])])


def _ordinal_day(day: int) -> str:
    if day < 0:
        return "last day" if day == -1 else f"{_ordinal_day(-day)} to last day"
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
