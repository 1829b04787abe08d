"""Activities of listed groups: checking what is proposed, storing it, finding what is on.

A session comes in; no HTTP here. Times are local wall-clock times in each activity's own
zone (see recurrence.py), and every activity says where it was stated and when.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, select

from directory import freshness, places, recurrence, vocab
from directory.listings import slugify
from directory.models import Activity, Organisation, OutboxEvent, storable, utcnow
from directory.recurrence import Occurrence, RuleError
from directory.search.geo import distance_km

PUBLIC_ID_LENGTH = 40
DEFAULT_RADIUS_KM = 50
# An activity lasts at most this long: a weekend gathering, not a season.
LONGEST = timedelta(days=7)
MAX_EXCEPTIONS = 100

# Text fields: the longest each may be, and whether it must be given.
TEXT_LIMITS: dict[str, int] = {
    "title": 200,
    "description": 2000,
    "online_how": 500,
    "venue": 200,
    "address": 500,
    "city": 120,
    "cost": 200,
    "how_to_join": 500,
    "access_notes": 1000,
    "access_contact": 200,
    "source_url": 500,
}
MULTILINE = frozenset({"description", "address", "access_notes", "how_to_join"})
REQUIRED_TEXT = frozenset({"title", "description", "source_url"})
FLAGS = ("online", "by_post")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]")
_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"", "0", "off", "false", "no"})


# Checking a proposed activity ----------------------------------------------------------


def validate(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean values for an activity from what was proposed (a form's text, or a seed file's
    values), and a plain message for each field that is wrong. Values are usable only when
    there are no errors. `stated_on` may be left out: it is then the day it is stored."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in TEXT_LIMITS.items():
        _text(fields, name, limit, cleaned, errors)
    _choice(fields, "kind", vocab.ACTIVITY_KINDS, None, cleaned, errors)
    _choice(fields, "status", vocab.ACTIVITY_STATUSES, "scheduled", cleaned, errors)
    for name in FLAGS:
        _flag(fields, name, cleaned, errors)
    _when(fields, cleaned, errors)
    _where(fields, cleaned, errors)
    _access(fields, cleaned, errors)
    _source(fields, cleaned, errors)
    return cleaned, errors


def _text(
    fields: Mapping[str, Any],
    name: str,
    limit: int,
    cleaned: dict[str, Any],
    errors: dict[str, str],
) -> None:
    value = fields.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "Enter this as text."
        return
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _CONTROL.search(value) or not storable(value):
        errors[name] = "This has a character that cannot be seen or printed: remove it."
    elif name not in MULTILINE and _LINE_BREAKS.search(value):
        errors[name] = "Keep this on one line."
    elif len(value) > limit:
        errors[name] = f"Keep this to {limit:,} characters or fewer (it has {len(value):,})."
    elif not value and name in REQUIRED_TEXT:
        errors[name] = _REQUIRED[name]
    else:
        cleaned[name] = value or None


_REQUIRED = {
    "title": "Give the activity a title, such as “Letter-writing night”.",
    "description": "Say in a sentence or two what happens.",
    "source_url": "Give the web page where the group announces it.",
    "kind": "Choose what kind of activity it is.",
    "starts_at": "Give the date and time it starts, such as 2025-03-03T19:00.",
    "time_zone": "Give the time zone, such as Europe/London.",
}


def _choice(
    fields: Mapping[str, Any],
    name: str,
    vocabulary: Mapping[str, str],
    default: str | None,
    cleaned: dict[str, Any],
    errors: dict[str, str],
) -> None:
    value = fields.get(name) or default
    if value is None:
        errors[name] = _REQUIRED[name]
    elif value not in vocabulary:
        errors[name] = f"Choose one of: {', '.join(vocabulary.values())}."
    else:
        cleaned[name] = value


def _flag(
    fields: Mapping[str, Any], name: str, cleaned: dict[str, Any], errors: dict[str, str]
) -> None:
    value = fields.get(name, False)
    if isinstance(value, bool):
        cleaned[name] = value
    elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        cleaned[name] = value.strip().lower() in _TRUE
    else:
        errors[name] = "Tick the box, or leave it empty."


def _local_time(value: Any) -> datetime | None:
    """A local wall time from "2025-03-03T19:00" (a form's datetime-local) or a datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None or len(value.strip()) < 16:  # a date alone is no time
        return None
    return parsed.replace(second=0, microsecond=0)


def _when(fields: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    zone_name = fields.get("time_zone")
    if not zone_name or not isinstance(zone_name, str):
        errors["time_zone"] = _REQUIRED["time_zone"]
        zone_name = None
    else:
        try:
            recurrence.zone(zone_name.strip())
            zone_name = zone_name.strip()
            cleaned["time_zone"] = zone_name
        except RuleError as error:
            errors["time_zone"] = f"{error}."
            zone_name = None
    starts = _local_time(fields.get("starts_at"))
    if starts is None:
        errors["starts_at"] = _REQUIRED["starts_at"]
    else:
        cleaned["starts_at"] = starts
    ends = None
    if fields.get("ends_at"):
        ends = _local_time(fields.get("ends_at"))
        if ends is None:
            errors["ends_at"] = "Give the date and time it ends, such as 2025-03-03T21:00."
        elif starts is not None and not starts < ends <= starts + LONGEST:
            errors["ends_at"] = "The end must be after the start, and within a week of it."
    cleaned["ends_at"] = ends
    _rule(fields, zone_name, cleaned, errors)
    _exceptions(fields, cleaned, errors)


def _rule(
    fields: Mapping[str, Any],
    zone_name: str | None,
    cleaned: dict[str, Any],
    errors: dict[str, str],
) -> None:
    rule = fields.get("recurrence") or None
    if rule is None:
        cleaned["recurrence"] = None
        return
    if not isinstance(rule, str) or len(rule) > 300:
        errors["recurrence"] = "Give the rule as text of at most 300 characters."
        return
    try:
        parsed = recurrence.parts(rule)
        if zone_name is not None:
            recurrence.normalised(rule, zone_name)
    except RuleError as error:
        errors["recurrence"] = f"This repeat rule cannot be used: {error}."
        return
    cleaned["recurrence"] = ";".join(f"{name}={value}" for name, value in parsed.items())


def _exceptions(fields: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    given = fields.get("exceptions") or []
    if isinstance(given, str):
        given = [line for line in given.splitlines() if line.strip()]
    if not isinstance(given, list) or len(given) > MAX_EXCEPTIONS:
        errors["exceptions"] = f"Give at most {MAX_EXCEPTIONS} dates, one on each line."
        return
    found = []
    for value in given:
        moment = _local_time(value)
        if moment is None:
            errors["exceptions"] = (
                f"{str(value)[:40]!r} is not a date and time such as 2025-03-03T19:00."
            )
            return
        found.append(moment.isoformat(timespec="minutes"))
    cleaned["exceptions"] = sorted(set(found))


def _where(fields: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    country = fields.get("country") or None
    if country is not None:
        code = str(country).strip().upper()
        if len(code) != 2 or not vocab.is_country(code):
            errors["country"] = "Give the country as its two-letter code, such as GB or US."
        else:
            cleaned["country"] = code
    else:
        cleaned["country"] = None
    for name, lowest, highest in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = fields.get(name)
        if value is None or value == "":
            cleaned[name] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not lowest <= number <= highest:
            errors[name] = f"Give a number from {lowest} to {highest}."
        else:
            cleaned[name] = number
    somewhere = any(cleaned.get(name) for name in ("venue", "address", "city"))
    if not cleaned.get("online") and not somewhere and not errors.keys() & {"venue", "city"}:
        errors["venue"] = (
            "Say where it happens (a venue, an address or a town), or that it is online."
        )


def _access(fields: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    given = fields.get("access") or []
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list | tuple) or not all(isinstance(key, str) for key in given):
        errors["access"] = "Choose the provisions from the list."
        return
    unknown = [key for key in given if key not in vocab.ACCESS_PROVISIONS]
    if unknown:
        errors["access"] = "Choose the provisions from the list."
        return
    # Kept in the vocabulary's order, so pages and feeds list them alike.
    cleaned["access"] = [key for key in vocab.ACCESS_PROVISIONS if key in given]


def _source(fields: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    url = cleaned.get("source_url")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            errors["source_url"] = "Give a web address starting with http:// or https://."
    stated = fields.get("stated_on")
    if stated is None or stated == "":
        return
    if isinstance(stated, str):
        try:
            stated = date.fromisoformat(stated.strip())
        except ValueError:
            errors["stated_on"] = "Give the date as YYYY-MM-DD, such as 2025-03-01."
            return
    if not isinstance(stated, date) or isinstance(stated, datetime):
        errors["stated_on"] = "Give the date as YYYY-MM-DD, such as 2025-03-01."
    elif stated > utcnow().date() + timedelta(days=1):
        errors["stated_on"] = "The date it was stated cannot be in the future."
    else:
        cleaned["stated_on"] = stated


# Storing -------------------------------------------------------------------------------


def create(
    session: Session,
    organisation_slug: str,
    values: Mapping[str, Any],
    *,
    gazetteer: Path | None = None,
) -> Activity:
    """Store a checked activity (validate's values) for the listing; the public id is made
    from the listing's slug and the title. Coordinates come from the gazetteer when the
    values have a town but none."""
    data = dict(values)
    data.setdefault("stated_on", utcnow().date())
    if data.get("latitude") is None and data.get("city") and gazetteer is not None:
        found = places.locate(gazetteer, data["city"], data.get("country") or "")
        if found is not None:
            data["latitude"], data["longitude"] = found
    activity = Activity(
        **data,
        organisation_slug=organisation_slug,
        public_id=free_public_id(session, organisation_slug, data["title"]),
    )
    session.add(activity)
    session.flush()
    return activity


def update(session: Session, activity: Activity, values: Mapping[str, Any]) -> bool:
    """Apply checked values to a stored activity; its public id never changes. Returns
    whether anything changed."""
    changed = False
    for name, value in values.items():
        if name in ("id", "public_id", "organisation_slug"):
            continue
        if getattr(activity, name) != value:
            setattr(activity, name, value)
            changed = True
    if changed:
        activity.updated_at = utcnow()
        session.add(activity)
        session.flush()
    return changed


def cancel(session: Session, activity: Activity) -> None:
    update(session, activity, {"status": "cancelled"})


def free_public_id(session: Session, organisation_slug: str, title: str) -> str:
    base = base_public_id(organisation_slug, title)
    candidate, number = base, 2
    while get(session, candidate) is not None:
        suffix = f"-{number}"
        candidate = base[: PUBLIC_ID_LENGTH - len(suffix)].rstrip("-") + suffix
        number += 1
    return candidate


def get(session: Session, public_id: str) -> Activity | None:
    if len(public_id) > PUBLIC_ID_LENGTH or not storable(public_id):
        return None
    return session.exec(select(Activity).where(Activity.public_id == public_id)).first()


def for_listing(session: Session, organisation_slug: str) -> Sequence[Activity]:
    return session.exec(
        select(Activity)
        .where(Activity.organisation_slug == organisation_slug)
        .order_by(col(Activity.starts_at))
    ).all()


def all_activities(session: Session) -> Sequence[Activity]:
    return session.exec(select(Activity).order_by(col(Activity.starts_at))).all()


def by_listing(session: Session) -> dict[str, list[Activity]]:
    """Every activity, by the slug of its listing, in order of first start."""
    held: dict[str, list[Activity]] = {}
    for activity in all_activities(session):
        held.setdefault(activity.organisation_slug, []).append(activity)
    return held


def by_post_upcoming(
    session: Session, slugs: Sequence[str], now: datetime | None = None
) -> dict[str, list[Dated]]:
    """The listings' activities people inside can take part in by post, still on and not
    cancelled, soonest first: what a printed list mailed into prison offers."""
    if not slugs:
        return {}
    query = select(Activity).where(
        col(Activity.organisation_slug).in_(slugs), col(Activity.by_post).is_(True)
    )
    chosen = [a for a in session.exec(query).all() if a.status != "cancelled"]
    held: dict[str, list[Dated]] = {}
    for dated_activity in arrange(chosen, now or datetime.now(UTC)).upcoming:
        held.setdefault(dated_activity.activity.organisation_slug, []).append(dated_activity)
    return held


def version(session: Session) -> tuple[int, str]:
    """A value that changes whenever any activity does, for pages kept finished."""
    count = select(func.count()).select_from(Activity).scalar_subquery()
    newest = select(func.max(Activity.updated_at)).scalar_subquery()
    found, last = session.exec(select(count, newest)).one()
    return found, str(last)


def group_names(session: Session, slugs: set[str]) -> dict[str, str]:
    if not slugs:
        return {}
    rows = session.exec(
        select(Organisation.slug, Organisation.name).where(col(Organisation.slug).in_(slugs))
    ).all()
    return dict(rows)


# When -----------------------------------------------------------------------------------


def _exceptions_of(activity: Activity) -> list[datetime]:
    return [datetime.fromisoformat(moment) for moment in activity.exceptions]


def each_occurrence(activity: Activity) -> Iterator[Occurrence]:
    return recurrence.expand(
        activity.starts_at,
        activity.ends_at,
        activity.time_zone,
        activity.recurrence,
        _exceptions_of(activity),
    )


def occurrences(activity: Activity, start: datetime, end: datetime) -> list[Occurrence]:
    """The times the activity happens that start in [start, end) (aware datetimes), in its
    zone, without its exceptions and not after its UNTIL."""
    return recurrence.between(each_occurrence(activity), start, end)


def next_occurrence(activity: Activity, now: datetime | None = None) -> Occurrence | None:
    """The next time it happens, or the one under way; None when all are over."""
    return recurrence.following(each_occurrence(activity), now or datetime.now(UTC))


def upcoming_occurrences(activity: Activity, now: datetime, count: int) -> list[Occurrence]:
    """The next `count` times it happens (fewer when its rule ends), from the one under way."""
    found: list[Occurrence] = []
    for occurrence in each_occurrence(activity):
        if len(found) >= count:
            break
        if (occurrence.ends or occurrence.starts) > now:
            found.append(occurrence)
    return found


def last_occurrence(activity: Activity, now: datetime | None = None) -> Occurrence | None:
    """The latest time it happened that is over, if any."""
    return recurrence.latest_before(each_occurrence(activity), now or datetime.now(UTC))


# Finding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What /activities, its feeds and the API narrow by: every one given must hold."""

    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in km
    online: bool = False
    kind: str | None = None
    organisation: str | None = None
    access: tuple[str, ...] = ()

    def holds(self, activity: Activity) -> bool:
        if self.online and not activity.online:
            return False
        if self.kind and activity.kind != self.kind:
            return False
        if self.organisation and activity.organisation_slug != self.organisation:
            return False
        if not set(self.access) <= set(activity.access):
            return False
        return self.near is None or _within(activity, self.near)


def _within(activity: Activity, near: tuple[float, float, float]) -> bool:
    if activity.latitude is None or activity.longitude is None:
        return False
    latitude, longitude, radius = near
    return distance_km(latitude, longitude, activity.latitude, activity.longitude) <= radius


@dataclass(frozen=True)
class Dated:
    """An activity with its next time (when it has one) and its latest past time."""

    activity: Activity
    next: Occurrence | None
    last: Occurrence | None

    @property
    def upcoming(self) -> bool:
        return self.next is not None


@dataclass(frozen=True)
class Found:
    upcoming: list[Dated] = field(default_factory=list)
    past: list[Dated] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.upcoming) + len(self.past)


def dated(activity: Activity, now: datetime) -> Dated:
    upcoming = next_occurrence(activity, now)
    return Dated(activity, upcoming, None if upcoming else last_occurrence(activity, now))


def arrange(activities: Sequence[Activity], now: datetime) -> Found:
    """Upcoming first, soonest first; then past ones, the most recent first."""
    every = [dated(activity, now) for activity in activities]
    upcoming = sorted(
        (d for d in every if d.next is not None),
        key=lambda d: (d.next.starts if d.next else now, d.activity.title),
    )
    past = sorted(
        (d for d in every if d.next is None),
        key=lambda d: d.last.starts if d.last else _first_start(d.activity),
        reverse=True,
    )
    return Found(upcoming, past)


def _first_start(activity: Activity) -> datetime:
    return activity.starts_at.replace(tzinfo=recurrence.zone(activity.time_zone))


def find(session: Session, filters: Filters, now: datetime | None = None) -> Found:
    """The activities the filters allow, upcoming first (see arrange)."""
    query = select(Activity)
    if filters.organisation:
        query = query.where(Activity.organisation_slug == filters.organisation)
    if filters.kind:
        query = query.where(Activity.kind == filters.kind)
    if filters.online:
        query = query.where(col(Activity.online).is_(True))
    chosen = [activity for activity in session.exec(query).all() if filters.holds(activity)]
    return arrange(chosen, now or datetime.now(UTC))


def latest_stated(activities: Sequence[Activity]) -> Activity | None:
    """The activity stated most recently: the latest sign of a group's activity."""
    return max(activities, key=lambda activity: activity.stated_on, default=None)


# Seeding, and what an activity says about its group ------------------------------------


def base_public_id(organisation_slug: str, title: str) -> str:
    """ "glasgow-prisoner-solidarity" and "Prisoner Solidarity in Practice" ->
    "glasgow-prisoner-solidarity-prisoner": whole words, as many as fit."""
    made = slugify(f"{organisation_slug} {title}")
    if len(made) <= PUBLIC_ID_LENGTH:
        return made
    cut = made[: PUBLIC_ID_LENGTH + 1]
    return cut[: cut.rfind("-")] if "-" in cut else cut[:PUBLIC_ID_LENGTH]


def upsert(
    session: Session,
    organisation_slug: str,
    values: Mapping[str, Any],
    *,
    gazetteer: Path | None = None,
) -> str:
    """Store a seeded activity, or bring the stored one up to date: the same listing and
    title are the same activity. Returns "created", "updated" or "unchanged"."""
    existing = session.exec(
        select(Activity).where(
            Activity.organisation_slug == organisation_slug, Activity.title == values["title"]
        )
    ).first()
    if existing is None:
        create(session, organisation_slug, values, gazetteer=gazetteer)
        return "created"
    return "updated" if update(session, existing, values) else "unchanged"


def upsert_many(
    session: Session,
    seeded: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    gazetteer: Path | None = None,
) -> dict[str, int]:
    """Store seeded activities, each (listing slug, values); how many were created,
    updated and left unchanged."""
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    for organisation_slug, values in seeded:
        tally[upsert(session, organisation_slug, values, gazetteer=gazetteer)] += 1
    return tally


def newer_sign_of_activity(last_activity: str | None, activity_stated_on: date) -> str | None:
    """The month ("YYYY-MM") an activity was stated, when that is later than a listing's
    latest dated sign of activity ("YYYY" or "YYYY-MM"); otherwise None."""
    month = f"{activity_stated_on:%Y-%m}"
    if last_activity is None or freshness.month_index(month) > freshness.month_index(last_activity):
        return month
    return None


def note_on_listing(session: Session, activity: Activity) -> bool:
    """Move the listing's latest sign of activity (with its citation and source) forward to
    this activity's, when the activity was stated later. Returns whether it moved."""
    organisation = session.exec(
        select(Organisation).where(Organisation.slug == activity.organisation_slug)
    ).first()
    if organisation is None:
        return False
    month = newer_sign_of_activity(organisation.last_activity, activity.stated_on)
    if month is None:
        return False
    organisation.last_activity = month
    organisation.citations = {
        **organisation.citations,
        "last_activity": {"url": activity.source_url, "date": activity.stated_on.isoformat()},
    }
    if activity.source_url not in organisation.sources:
        organisation.sources = [*organisation.sources, activity.source_url]
    if organisation.status != "inactive":
        organisation.status = freshness.status_from_evidence(
            month, organisation.verified_on, closed=False
        )
    organisation.updated_at = utcnow()
    session.add(organisation)
    session.add(OutboxEvent(slug=organisation.slug))
    session.flush()
    return True
