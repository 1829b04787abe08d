"""Activities as an iCalendar (RFC 5545) feed that calendar apps subscribe to or import.

A repeating activity is one VEVENT with its RRULE and EXDATEs, not a copy per date, and its
times carry their zone (TZID, with a VTIMEZONE for each zone used), so a calendar shows
19:00 in London as 19:00 in London on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar, Event, vRecur

from directory import recurrence, vocab
from directory.models import Activity

PRODUCT = "-//Prisoner Support Directory//Activities//EN"
CHECK_FIRST = "check with the group before going"
# VTIMEZONE rules cover this span: every activity's dates, with room for rules that repeat.
ZONE_RULES_FROM = date(1970, 1, 1)
ZONE_RULES_TO = date(2038, 1, 1)


@dataclass(frozen=True)
class Entry:
    """An activity with what the feed says beside it: its group's name and its page."""

    activity: Activity
    group_name: str
    url: str  # the activity's page, a whole URL
    uid_domain: str  # the directory's host: UIDs are unique across calendars


def calendar(entries: Sequence[Entry], *, name: str) -> bytes:
    """The iCalendar text of these activities, as sent with text/calendar."""
    feed = Calendar()
    feed.add("prodid", PRODUCT)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    for entry in entries:
        feed.add_component(event(entry))
    feed.add_missing_timezones(first_date=ZONE_RULES_FROM, last_date=ZONE_RULES_TO)
    return bytes(feed.to_ical())


def event(entry: Entry) -> Event:
    activity = entry.activity
    zone = recurrence.zone(activity.time_zone)
    happening = Event()
    happening.add("uid", f"{activity.public_id}@{entry.uid_domain}")
    happening.add("summary", f"{activity.title} ({entry.group_name})")
    happening.add("dtstart", activity.starts_at.replace(tzinfo=zone))
    if activity.ends_at is not None:
        happening.add("dtend", activity.ends_at.replace(tzinfo=zone))
    if activity.recurrence:
        rule = recurrence.normalised(activity.recurrence, activity.time_zone)
        happening.add("rrule", vRecur.from_ical(rule))
    if activity.exceptions:
        skipped = [
            datetime.fromisoformat(when).replace(tzinfo=zone) for when in activity.exceptions
        ]
        happening.add("exdate", skipped)
    happening.add("status", "CANCELLED" if activity.status == "cancelled" else "CONFIRMED")
    happening.add("url", entry.url)
    where = location(activity)
    if where:
        happening.add("location", where)
    if activity.latitude is not None and activity.longitude is not None:
        happening.add("geo", (activity.latitude, activity.longitude))
    happening.add("description", description(entry))
    happening.add("dtstamp", activity.updated_at)
    happening.add("last-modified", activity.updated_at)
    return happening


def location(activity: Activity) -> str | None:
    parts = [activity.venue, activity.address, activity.city]
    said = ", ".join(" ".join(part.split()) for part in parts if part)
    if activity.online:
        said = f"Online. {said}" if said else "Online"
    return said or None


def description(entry: Entry) -> str:
    """What happens, how to join, the access stated, and where it was stated and when."""
    activity = entry.activity
    lines = [activity.description, ""]
    if activity.status == "cancelled":
        lines.insert(0, "CANCELLED.")
    if activity.cost:
        lines.append(f"Cost: {activity.cost}")
    if activity.how_to_join:
        lines.append(f"How to join: {activity.how_to_join}")
    if activity.online and activity.online_how:
        lines.append(f"Online: {activity.online_how}")
    if activity.access:
        stated = ", ".join(vocab.ACCESS_PROVISIONS.get(key, key) for key in activity.access)
        lines.append(f"Access (as stated): {stated}")
    if activity.access_notes:
        lines.append(f"Access notes: {activity.access_notes}")
    if activity.access_contact:
        lines.append(f"Access contact: {activity.access_contact}")
    lines.append(
        f"Source: {activity.source_url}, as stated on "
        f"{activity.stated_on.day} {activity.stated_on:%B %Y}: {CHECK_FIRST}."
    )
    lines.append(f"More: {entry.url}")
    return "\n".join(lines)
