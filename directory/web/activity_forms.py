"""Read the activity form: a date, times, a zone and a repeat said in plain words in, the
values activities.validate checks out, with every error next to the field it is about.

People choose "Every other week" or "Monthly on the last weekday"; the RFC 5545 rule is made
here from that choice and the start date, so nobody has to write one.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from starlette.datastructures import FormData

from directory import activities, recurrence, vocab
from directory.recurrence import RuleError
from directory.web.forms import Form, text

# Zones most groups in the directory meet in; any other IANA name can be typed instead.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Europe/London", "UK (Europe/London)"),
    ("Europe/Dublin", "Ireland (Europe/Dublin)"),
    ("Europe/Paris", "France (Europe/Paris)"),
    ("Europe/Berlin", "Germany (Europe/Berlin)"),
    ("Europe/Madrid", "Spain (Europe/Madrid)"),
    ("Europe/Rome", "Italy (Europe/Rome)"),
    ("Europe/Amsterdam", "Netherlands (Europe/Amsterdam)"),
    ("Europe/Athens", "Greece (Europe/Athens)"),
    ("America/New_York", "US Eastern (America/New_York)"),
    ("America/Chicago", "US Central (America/Chicago)"),
    ("America/Denver", "US Mountain (America/Denver)"),
    ("America/Phoenix", "Arizona (America/Phoenix)"),
    ("America/Los_Angeles", "US Pacific (America/Los_Angeles)"),
    ("America/Toronto", "Canada Eastern (America/Toronto)"),
    ("America/Vancouver", "Canada Pacific (America/Vancouver)"),
    ("America/Mexico_City", "Mexico City (America/Mexico_City)"),
    ("America/Sao_Paulo", "Brazil, São Paulo (America/Sao_Paulo)"),
    ("Australia/Sydney", "Australia, Sydney (Australia/Sydney)"),
    ("Australia/Perth", "Australia, Perth (Australia/Perth)"),
    ("Pacific/Auckland", "New Zealand (Pacific/Auckland)"),
    ("UTC", "UTC"),
)
OTHER_ZONE = "other"

# How often it happens, in words; the rule is made from the choice and the start date.
REPEATS: dict[str, str] = {
    "once": "Does not repeat",
    "weekly": "Every week, on the same day",
    "fortnightly": "Every other week, on the same day",
    "monthly-nth": "Every month, on the same weekday of the month (such as the first Monday)",
    "monthly-last": "Every month, on the last such weekday (such as the last Friday)",
}
# Offered only when an activity already has a rule none of the words above can say.
KEEP_RULE = "keep"
MAX_EXCEPTION_LINES = activities.MAX_EXCEPTIONS

# Text fields passed to the service as typed.
TEXT_FIELDS = (
    "title",
    "description",
    "online_how",
    "venue",
    "address",
    "city",
    "cost",
    "how_to_join",
    "access_notes",
    "access_contact",
    "source_url",
    "stated_on",
)
FLAG_FIELDS = ("online", "by_post")
# The service's names for what the form asks in several boxes.
_FORM_FIELD = {
    "starts_at": "start_date",
    "ends_at": "end_time",
    "recurrence": "repeats",
    "latitude": "city",
    "longitude": "city",
    "status": "form",
}
ORDER: tuple[str, ...] = (
    "form",
    "title",
    "description",
    "kind",
    "start_date",
    "start_time",
    "end_time",
    "time_zone",
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
    "reason",
    "contact",
    "notify",
    "relation",
    "note",
)
_REQUIRED = {
    "start_date": "Give the date it happens (the first time, if it repeats), such as 2025-03-03.",
    "start_time": "Give the time it starts, such as 19:00.",
}


@dataclass
class ActivityForm(Form):
    """A parsed activity form: `activity` holds the checked values once there are no errors."""

    activity: dict[str, Any] = field(default_factory=dict)

    def error_list(self) -> list[tuple[str, str]]:
        order = {name: position for position, name in enumerate(ORDER)}
        return sorted(self.errors.items(), key=lambda item: order.get(item[0], len(order)))


def activity_form(form: FormData) -> ActivityForm:
    """The activity as typed, checked by the same rules as every stored activity."""
    raw = raw_activity(form)
    result = ActivityForm(values=raw)
    given = _service_input(raw, result.errors)
    cleaned, problems = activities.validate(given)
    if result.errors.keys() & {"start_date", "start_time"}:
        problems.pop("starts_at", None)  # already said of the box that was wrong
    for name, message in problems.items():
        result.errors.setdefault(form_field(name), message)
    if not result.errors:
        result.activity = cleaned
    return result


def form_field(name: str) -> str:
    """The form's box for a field the service names (its errors are shown there)."""
    return _FORM_FIELD.get(name, name)


def raw_activity(form: FormData) -> dict[str, Any]:
    """The activity's boxes exactly as typed, for showing the form again."""
    raw: dict[str, Any] = {name: text(form, name) for name in TEXT_FIELDS}
    for name in ("kind", "start_date", "start_time", "end_time", "time_zone"):
        raw[name] = text(form, name)
    raw["time_zone_other"] = text(form, "time_zone_other")
    raw["repeats"] = text(form, "repeats") or "once"
    raw["current_recurrence"] = text(form, "current_recurrence")
    raw["repeat_until"] = text(form, "repeat_until")
    raw["exceptions"] = text(form, "exceptions")
    raw["country"] = text(form, "country")
    raw["access"] = [value for value in form.getlist("access") if isinstance(value, str)]
    for name in FLAG_FIELDS:
        raw[name] = form.get(name) == "yes"
    return raw


def _service_input(raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    given: dict[str, Any] = {name: raw[name] for name in TEXT_FIELDS}
    given.update(
        kind=raw["kind"],
        online=raw["online"],
        by_post=raw["by_post"],
        country=raw["country"],
        access=raw["access"],
        time_zone=_zone(raw, errors),
    )
    day = _date(raw["start_date"], "start_date", errors, required=True)
    starts = _time(raw["start_time"], "start_time", errors, required=True)
    ends = _time(raw["end_time"], "end_time", errors, required=False)
    if day is None or starts is None:
        return given  # the repeat and its exceptions hang on the start: nothing more to read
    first = datetime.combine(day, starts)
    given["starts_at"] = first.isoformat(timespec="minutes")
    if ends is not None:
        # An end earlier than the start is the next morning: a night that runs past midnight.
        last = datetime.combine(day, ends)
        if last <= first:
            last += timedelta(days=1)
        given["ends_at"] = last.isoformat(timespec="minutes")
    given["recurrence"] = _rule(raw, day, errors)
    given["exceptions"] = _exceptions(raw["exceptions"], starts, errors)
    return given


def _zone(raw: Mapping[str, Any], errors: dict[str, str]) -> str:
    chosen = str(raw["time_zone"])
    if chosen == OTHER_ZONE:
        chosen = str(raw["time_zone_other"]).strip()
        if not chosen:
            errors["time_zone"] = "Type the time zone's name, such as Europe/Lisbon."
            return ""
    if chosen and len(chosen) <= 64:
        try:
            recurrence.zone(chosen)
        except RuleError:
            errors["time_zone"] = (
                f"We do not know a time zone called “{chosen[:64]}”. Choose one from the list, "
                "or type its name as the tz database gives it, such as America/Denver."
            )
    elif chosen:
        errors["time_zone"] = "Keep the time zone's name to 64 characters or fewer."
        return ""  # never looked up: a name too long for a file name is an OSError there
    return chosen


def _date(value: str, name: str, errors: dict[str, str], *, required: bool) -> date | None:
    value = value.strip()
    if not value:
        if required:
            errors[name] = _REQUIRED[name]
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "Give the date as year-month-day, such as 2025-03-03."
        return None


def _time(value: str, name: str, errors: dict[str, str], *, required: bool) -> time | None:
    value = value.strip()
    if not value:
        if required:
            errors[name] = _REQUIRED[name]
        return None
    try:
        if not 4 <= len(value) <= 8 or not value.isascii():
            raise ValueError(value)
        return time.fromisoformat(value.zfill(5)).replace(second=0, microsecond=0)
    except ValueError:
        errors[name] = "Give the time on a 24-hour clock, such as 19:00 or 09:30."
        return None


def _rule(raw: Mapping[str, Any], day: date, errors: dict[str, str]) -> str | None:
    """The RRULE for the chosen repeat, starting on `day`, ending on "repeat until"."""
    repeats = raw["repeats"]
    weekday = recurrence.WEEKDAYS[day.weekday()]
    until = _date(raw["repeat_until"], "repeat_until", errors, required=False)
    if repeats == "once":
        if until is not None:
            errors["repeat_until"] = (
                "Choose how often it repeats, or leave “Repeats until” empty for a one-off."
            )
        return None
    if repeats == "weekly":
        rule = f"FREQ=WEEKLY;BYDAY={weekday}"
    elif repeats == "fortnightly":
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
    elif repeats == "monthly-nth":
        nth = (day.day - 1) // 7 + 1
        if nth == 5:
            errors["repeats"] = (
                f"{day:%-d %B %Y} is the fifth {day:%A} of its month, and most months have "
                f"only four: choose “on the last such weekday” instead."
            )
            return None
        rule = f"FREQ=MONTHLY;BYDAY={nth}{weekday}"
    elif repeats == "monthly-last":
        if day.day + 7 <= calendar.monthrange(day.year, day.month)[1]:
            errors["repeats"] = (
                f"{day:%-d %B %Y} is not the last {day:%A} of its month: give the date of a "
                "last one, or choose “on the same weekday of the month”."
            )
            return None
        rule = f"FREQ=MONTHLY;BYDAY=-1{weekday}"
    elif repeats == KEEP_RULE and raw["current_recurrence"]:
        rule = _without(raw["current_recurrence"], "UNTIL", "COUNT" if until else "")
    else:
        errors["repeats"] = "Choose how often it happens."
        return None
    if until is not None:
        if until < day:
            errors["repeat_until"] = "The last date must be on or after the first one."
            return None
        rule += f";UNTIL={until:%Y%m%d}"
    return rule


def _without(rule: str, *names: str) -> str:
    pieces = [piece for piece in rule.split(";") if piece.partition("=")[0] not in names]
    return ";".join(pieces)


def _exceptions(value: str, starts: time, errors: dict[str, str]) -> list[str]:
    """Dates it does not happen, one on each line, as the local start times they would have."""
    lines = [line.strip() for line in value.replace("\r", "\n").split("\n") if line.strip()]
    if len(lines) > MAX_EXCEPTION_LINES:
        errors["exceptions"] = f"Give at most {MAX_EXCEPTION_LINES} dates, one on each line."
        return []
    found = []
    for line in lines:
        try:
            if len(line) != 10:
                raise ValueError(line)
            day = date.fromisoformat(line)
        except ValueError:
            errors["exceptions"] = (
                f"Write each date as year-month-day on a line of its own, such as 2025-12-25 "
                f"(“{line[:40]}” is not one)."
            )
            return []
        found.append(datetime.combine(day, starts).isoformat(timespec="minutes"))
    return found


# Stored values back into the form -------------------------------------------------------


def activity_to_form(values: Mapping[str, Any]) -> dict[str, Any]:
    """An activity's values (stored, or as a submission holds them) as the form shows them."""
    starts = _moment(values.get("starts_at"))
    ends = _moment(values.get("ends_at"))
    zone_name = str(values.get("time_zone") or "")
    rule = values.get("recurrence") or None
    raw: dict[str, Any] = {name: _shown(values.get(name)) for name in TEXT_FIELDS}
    raw.update(
        kind=str(values.get("kind") or ""),
        start_date=starts.date().isoformat() if starts else "",
        start_time=f"{starts:%H:%M}" if starts else "",
        end_time=f"{ends:%H:%M}" if ends else "",
        time_zone=zone_name if zone_name in dict(COMMON_ZONES) or not zone_name else OTHER_ZONE,
        time_zone_other="" if zone_name in dict(COMMON_ZONES) else zone_name,
        repeats=plain_repeat(rule, starts),
        current_recurrence="",
        repeat_until="",
        exceptions="\n".join(str(moment)[:10] for moment in values.get("exceptions") or []),
        country=str(values.get("country") or ""),
        access=list(values.get("access") or []),
        online=bool(values.get("online")),
        by_post=bool(values.get("by_post")),
    )
    if rule:
        try:
            ends_on = recurrence.ends_on(rule, zone_name or "UTC")
        except RuleError:
            ends_on = None
        raw["repeat_until"] = ends_on.isoformat() if ends_on else ""
        if raw["repeats"] == KEEP_RULE:
            raw["current_recurrence"] = _without(str(rule), "UNTIL")
    return raw


def plain_repeat(rule: str | None, starts: datetime | None) -> str:
    """Which of the plain choices a stored rule is, or KEEP_RULE when it is none of them."""
    if not rule:
        return "once"
    if starts is None:
        return KEEP_RULE
    try:
        found = recurrence.parts(rule)
    except RuleError:
        return KEEP_RULE
    weekday = recurrence.WEEKDAYS[starts.weekday()]
    found.pop("UNTIL", None)
    nth = (starts.day - 1) // 7 + 1
    for choice, expected in (
        ("weekly", {"FREQ": "WEEKLY", "BYDAY": weekday}),
        ("fortnightly", {"FREQ": "WEEKLY", "INTERVAL": "2", "BYDAY": weekday}),
        ("monthly-nth", {"FREQ": "MONTHLY", "BYDAY": f"{nth}{weekday}"}),
        ("monthly-last", {"FREQ": "MONTHLY", "BYDAY": f"-1{weekday}"}),
    ):
        if {**found, "INTERVAL": found.get("INTERVAL", "1")} == {"INTERVAL": "1", **expected}:
            return choice
    return KEEP_RULE


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def zone_choices() -> list[tuple[str, str]]:
    return [*COMMON_ZONES, (OTHER_ZONE, "Another time zone (type its name below)")]


def kind_choices() -> list[tuple[str, str]]:
    return list(vocab.ACTIVITY_KINDS.items())


def access_choices() -> list[tuple[str, str]]:
    return list(vocab.ACCESS_PROVISIONS.items())
