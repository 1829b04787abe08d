"""Activities as finished data: cards for lists, an activity's page, and its JSON. No I/O.

Times are shown as local times in the activity's zone, always saying which zone, since a
visitor may be anywhere; what was stated is dated ("as stated on 2 March 2022").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from directory import recurrence, vocab
from directory.activities import Dated, Found
from directory.models import Activity
from directory.recurrence import Occurrence
from directory.web.formatting import long_date

# Zones people know by another name than the city IANA names them after.
ZONE_NAMES = {
    "Europe/London": "UK time",
    "Europe/Dublin": "Irish time",
    "America/New_York": "US Eastern time",
    "America/Chicago": "US Central time",
    "America/Denver": "US Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "US Pacific time",
    "America/Toronto": "Eastern time",
    "America/Vancouver": "Pacific time",
    "Europe/Berlin": "Central European time",
    "Europe/Paris": "Central European time",
    "Europe/Madrid": "Central European time",
    "Europe/Rome": "Central European time",
    "Europe/Amsterdam": "Central European time",
    "Europe/Brussels": "Central European time",
    "Europe/Vienna": "Central European time",
    "Europe/Warsaw": "Central European time",
    "Europe/Prague": "Central European time",
    "Europe/Stockholm": "Central European time",
    "Europe/Athens": "Eastern European time",
}
UPCOMING_DATES_SHOWN = 6
CHECK_FIRST = "check with the group before going"


def zone_label(time_zone: str) -> str:
    """ "UK time, Europe/London": what people call it, and the zone's own name."""
    everyday = ZONE_NAMES.get(time_zone)
    if everyday is None:
        everyday = time_zone.rsplit("/", 1)[-1].replace("_", " ") + " time"
    return f"{everyday}, {time_zone}"


def _times(starts: datetime, ends: datetime | None) -> str:
    if ends is None:
        return f"{starts:%H:%M}"
    if ends.date() == starts.date():
        return f"{starts:%H:%M}–{ends:%H:%M}"
    return f"{starts:%H:%M} to {ends:%A} {long_date(ends.date())} {ends:%H:%M}"


def occurrence_words(occurrence: Occurrence) -> str:
    """ "Friday 11 March 2022, 16:00–17:30"."""
    starts = occurrence.starts
    return f"{starts:%A} {long_date(starts.date())}, {_times(starts, occurrence.ends)}"


def when_words(activity: Activity) -> str:
    """ "First Monday of every month, 19:00–21:00 (UK time, Europe/London)"; a one-off:
    "Friday 11 March 2022, 16:00–17:30 (UK time, Europe/London)"."""
    zone = zone_label(activity.time_zone)
    if not activity.recurrence:
        first = Occurrence(activity.starts_at, activity.ends_at)
        return f"{occurrence_words(first)} ({zone})"
    pattern = recurrence.in_words(activity.recurrence, activity.starts_at, activity.time_zone)
    return f"{pattern}, {_times(activity.starts_at, activity.ends_at)} ({zone})"


def place_words(activity: Activity) -> str | None:
    parts = [activity.venue, activity.city]
    if activity.country:
        parts.append(vocab.country_name(activity.country))
    said = ", ".join(part for part in parts if part)
    return said or None


def source_of(activity: Activity) -> dict[str, Any]:
    host = urlsplit(activity.source_url).hostname or activity.source_url
    return {
        "url": activity.source_url,
        "host": host.removeprefix("www."),
        "stated_on": long_date(activity.stated_on),
    }


@dataclass(frozen=True)
class Card:
    """An activity in a list: enough to decide whether to open it."""

    public_id: str
    title: str
    kind_label: str
    group_slug: str
    group_name: str
    when: str
    next: str | None  # "Monday 2 March 2026, 19:00–21:00", when it is still on
    last: str | None  # when it is over: the latest time it happened
    upcoming: bool
    cancelled: bool
    where: str | None
    online: bool
    cost: str | None
    access_labels: list[str]
    stated_on: str


def card(dated: Dated, group_names: Mapping[str, str]) -> Card:
    activity = dated.activity
    return Card(
        public_id=activity.public_id,
        title=activity.title,
        kind_label=vocab.ACTIVITY_KINDS.get(activity.kind, activity.kind),
        group_slug=activity.organisation_slug,
        group_name=group_names.get(activity.organisation_slug, activity.organisation_slug),
        when=when_words(activity),
        next=occurrence_words(dated.next) if dated.next else None,
        last=occurrence_words(dated.last) if dated.last else None,
        upcoming=dated.upcoming,
        cancelled=activity.status == "cancelled",
        where=place_words(activity),
        online=activity.online,
        cost=activity.cost,
        access_labels=access_labels(activity.access),
        stated_on=long_date(activity.stated_on),
    )


def access_labels(keys: Sequence[str]) -> list[str]:
    return [vocab.ACCESS_PROVISIONS.get(key, key) for key in keys]


def cards(found: Found, group_names: Mapping[str, str]) -> dict[str, list[Card]]:
    return {
        "upcoming": [card(dated, group_names) for dated in found.upcoming],
        "past": [card(dated, group_names) for dated in found.past],
    }


def activity_page(dated: Dated, group_name: str, coming: Sequence[Occurrence]) -> dict[str, Any]:
    """What an activity's page shows; `coming` are its next few occurrences."""
    activity = dated.activity
    shown = card(dated, {activity.organisation_slug: group_name})
    return {
        "card": shown,
        "description": activity.description,
        "repeats": recurrence.in_words(activity.recurrence, activity.starts_at, activity.time_zone)
        if activity.recurrence
        else None,
        "zone": zone_label(activity.time_zone),
        "coming": [occurrence_words(occurrence) for occurrence in coming],
        "not_on": [
            long_date(datetime.fromisoformat(moment).date()) for moment in activity.exceptions
        ],
        "venue": activity.venue,
        "address": activity.address,
        "city": activity.city,
        "country_name": vocab.country_name(activity.country) if activity.country else None,
        "online_how": activity.online_how,
        "how_to_join": activity.how_to_join,
        "access_notes": activity.access_notes,
        "access_contact": activity.access_contact,
        "by_post": activity.by_post,
        "source": source_of(activity),
    }


# JSON -----------------------------------------------------------------------------------


def _occurrence_json(occurrence: Occurrence | None) -> dict[str, str | None] | None:
    if occurrence is None:
        return None
    return {
        "starts": occurrence.starts.isoformat(),
        "ends": occurrence.ends.isoformat() if occurrence.ends else None,
    }


def activity_json(dated: Dated, group_name: str, path: str, group_path: str) -> dict[str, Any]:
    """An activity as the API gives it: its fields as stored (local times with their zone)
    and its next occurrence as ISO 8601 times with the zone's offset."""
    activity = dated.activity
    return {
        "id": activity.public_id,
        "url": path,
        "organisation": {"slug": activity.organisation_slug, "name": group_name, "url": group_path},
        "title": activity.title,
        "description": activity.description,
        "kind": activity.kind,
        "status": activity.status,
        "starts_at": activity.starts_at.isoformat(timespec="minutes"),
        "ends_at": activity.ends_at.isoformat(timespec="minutes") if activity.ends_at else None,
        "time_zone": activity.time_zone,
        "recurrence": activity.recurrence,
        "recurrence_words": recurrence.in_words(
            activity.recurrence, activity.starts_at, activity.time_zone
        ),
        "exceptions": list(activity.exceptions),
        "next_occurrence": _occurrence_json(dated.next),
        "last_occurrence": _occurrence_json(dated.last),
        "online": activity.online,
        "online_how": activity.online_how,
        "venue": activity.venue,
        "address": activity.address,
        "city": activity.city,
        "country": activity.country,
        "latitude": activity.latitude,
        "longitude": activity.longitude,
        "cost": activity.cost,
        "how_to_join": activity.how_to_join,
        "access": list(activity.access),
        "access_notes": activity.access_notes,
        "access_contact": activity.access_contact,
        "by_post": activity.by_post,
        "source_url": activity.source_url,
        "stated_on": activity.stated_on.isoformat(),
    }


def by_post_line(dated: Dated) -> str:
    """An activity as a printed list mailed into prison says it, on one line."""
    activity = dated.activity
    said = f"{activity.title}: {when_words(activity)}."
    if activity.how_to_join:
        said += f" How to take part: {' '.join(activity.how_to_join.split())}"
    return f"{said} (As stated on {long_date(activity.stated_on)}.)"
