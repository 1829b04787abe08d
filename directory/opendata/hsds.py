"""Open Referral HSDS 3.0: a listing as an HSDS organization, and an HSDS organization back.

Where HSDS has a field for something a listing holds, it goes there: name, description,
email, website, year_incorporated, one service (status, assured_date, languages, service
areas), a postal location with its address, a virtual location for the website, and the
coordinates on a location. Kind, focus and services offered are taxonomy terms in our own
taxonomies, so HSDS tools can filter on them. Every other public field of a listing (see
records.FIELDS) travels as attributes in our "listing fields" taxonomy: that is what makes
HSDS -> listing lossless, for fields added later too.

Ids are uuid5s of a fixed namespace, the slug and the kind of entity, so exporting the same
listing again always gives the same ids, in any database.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TextIO

from directory import records, recurrence, vocab
from directory.listings import jsonable, slugify
from directory.models import Activity
from directory.opendata import Listing
from directory.reach import phone_line

# Fixed forever: every exported id derives from it, and consumers key on those ids.
NAMESPACE = uuid.UUID("c8916f2a-a55e-43f4-88d6-3122381e3db2")
SLUG_IDENTIFIER_TYPE = "Prisoner Support Directory listing"
TAXONOMY_PREFIX = "prisoner-support-directory/"

# Our three statuses onto HSDS's four. "unknown" has no HSDS equivalent: the group is listed
# because it may still help, as on our own pages, and the service's alert says it is unconfirmed.
SERVICE_STATUS = {"active": "active", "inactive": "inactive", "unknown": "active"}
# HSDS statuses read back when a file carries no status of ours (data from elsewhere).
STATUS_FROM_HSDS = {
    "active": "active",
    "inactive": "inactive",
    "defunct": "inactive",
    "temporarily closed": "inactive",
}
BASE_LOCATION_NOTE = (
    "The town or city the group is based in, at city level. Not an address to visit: "
    "write to the postal address or use the website."
)


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    # code -> (term name, term description)
    terms: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return TAXONOMY_PREFIX + self.key

    @property
    def id(self) -> str:
        return _id("taxonomy", self.code)

    def term(self, code: str) -> dict[str, Any]:
        name, description = self.terms.get(code, (code, code))
        return {
            "id": term_id(self, code),
            "code": code,
            "name": name,
            "description": description,
            "taxonomy": self.code,
            "taxonomy_id": self.id,
        }


def _labelled(labels: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {code: (label, label) for code, label in labels.items()}


KIND = Taxonomy(
    "kind",
    "Prisoner Support Directory: kinds of group",
    "The one kind of group an organisation is.",
    _labelled(vocab.KINDS),
)
FOCUS = Taxonomy(
    "focus",
    "Prisoner Support Directory: who the group supports",
    "The people a group's support is for.",
    _labelled(vocab.FOCUS),
)
SERVICES = Taxonomy(
    "services",
    "Prisoner Support Directory: what the group offers",
    "The kinds of support a group offers.",
    _labelled(vocab.SERVICES),
)
# Listing fields HSDS has a place of its own for (see organization(), _service() and
# _locations()): the rest travel as attributes.
_IN_HSDS = frozenset(
    {
        "slug",  # an organization_identifier
        "name",
        "description",
        "email",
        "website",
        "founded_year",  # year_incorporated
        "kind",  # terms of our taxonomies
        "focus",
        "services",
        "areas_served",  # the service's
        "languages",
        "verified_on",
        "latitude",  # the base location's
        "longitude",
        "postal_address",  # the postal location's
        "postal_address_accepts_prisoner_mail",
        "postal_address_note",
        "phones",  # the organization's phones
        "how_to_ask",  # the service's application_process
        "opening_hours",  # the service's schedule
    }
)
# Listing fields carried as attributes on the organization, in the field table's order; a
# list repeats the attribute once per item. The first alternate name is in alternate_name.
ORGANIZATION_FIELDS = tuple(name for name in records.PUBLIC_FIELDS if name not in _IN_HSDS)
FIELDS = Taxonomy(
    "fields",
    "Prisoner Support Directory: listing fields",
    "Fields of a directory listing that HSDS has no place for. The attribute's value holds "
    "the field's value; lists repeat the attribute once per item, in order.",
    {
        # A field added to the table reads as its label, unless worded here.
        **{name: (records.FIELDS[name].label,) * 2 for name in ORGANIZATION_FIELDS},
        "alternate_names": (
            "Further alternate name",
            "An alternate name after the first, which is in alternate_name.",
        ),
        "country": (
            "Country",
            "ISO 3166-1 alpha-2 code of the country the group works in, or 'international'.",
        ),
        "region": ("Region", "The region, state or province the group is based in."),
        "city": ("Town or city", "The town or city the group is based in."),
        "accessibility": ("Accessibility notes", "Notes on access to the group's support."),
        "status": (
            "Status in the directory",
            "active, inactive or unknown: whether the group is known to be active.",
        ),
        "last_activity": (
            "Latest activity found",
            "YYYY or YYYY-MM of the latest dated public activity found; not proof of life.",
        ),
        "verified_by": (
            "Verified by",
            "Who last checked the listing (a name they chose to show, 'a volunteer moderator' "
            "or how it was checked; never a username); the date is the service's assured_date.",
        ),
        "sources": ("Source", "A public web page the listing's facts come from."),
        "phones": (
            "Phone line",
            "On a phone: the directory's whole record of it as JSON (number in E.164, kind, "
            "free, free_note, hours, source, source_date).",
        ),
        "citations": (
            "Where each detail is stated",
            "JSON: for each field named (email, postal_address, last_activity...), the source "
            "URL and that source's own date.",
        ),
        "postal_address_accepts_prisoner_mail": (
            "Accepts mail from people in prison",
            "'true' when people in prison may write to this postal address, else 'false'.",
        ),
        "postal_address": (
            "Complete postal address",
            "address_1 holds the whole address as the group gives it, line by line; city, "
            "state_province and country are copies for indexing.",
        ),
    },
)
ACTIVITY_KINDS = Taxonomy(
    "activity-kinds",
    "Prisoner Support Directory: kinds of activity",
    "What a group's activity is; a schedule with one of these is an activity, not opening hours.",
    _labelled(vocab.ACTIVITY_KINDS),
)
ACCESS = Taxonomy(
    "access",
    "Prisoner Support Directory: access provisions",
    "An access provision the activity's source states. One not given was not stated: it "
    "may or may not be offered.",
    _labelled(vocab.ACCESS_PROVISIONS),
)
TAXONOMIES = (KIND, FOCUS, SERVICES, FIELDS, ACTIVITY_KINDS, ACCESS)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def organization_id(slug: str) -> str:
    return _id("organization", slug)


def term_id(taxonomy: Taxonomy, code: str) -> str:
    return _id("taxonomy_term", taxonomy.code, code)


# Listing -> HSDS ----------------------------------------------------------------------------


class _Attributes:
    """The attributes of one entity; ids count repeats of a term, so lists keep stable ids."""

    def __init__(self, slug: str, link_entity: str, link_id: str, key: str | None = None) -> None:
        self.slug, self.link_entity, self.link_id = slug, link_entity, link_id
        self._key = key or link_entity  # what the ids are made from
        self.items: list[dict[str, Any]] = []
        self._seen: Counter[tuple[str, str]] = Counter()

    def add(self, taxonomy: Taxonomy, code: str, value: str | None = None) -> None:
        repeat = self._seen[(taxonomy.code, code)]
        self._seen[(taxonomy.code, code)] += 1
        term = taxonomy.term(code)
        self.items.append(
            _compact(
                {
                    "id": _id("attribute", self.slug, self._key, taxonomy.code, code, str(repeat)),
                    "link_id": self.link_id,
                    "link_entity": self.link_entity,
                    "taxonomy_term_id": term["id"],
                    "taxonomy_term": term,
                    "value": value,
                }
            )
        )


def organization(listing: Listing, held: Sequence[Activity] = ()) -> dict[str, Any]:
    """The listing as an HSDS 3.0 organization, valid against compiled/organization.json;
    its activities (`held`) are schedules of its service."""
    slug = listing.slug
    org_id = organization_id(slug)
    attributes = _Attributes(slug, "organization", org_id)
    attributes.add(KIND, listing.kind)
    for name in ORGANIZATION_FIELDS:
        value = getattr(listing, name)
        values = list(value) if records.FIELDS[name].many else [value]
        if name == "alternate_names":
            values = values[1:]  # the first is the organization's alternate_name
        for item in values:
            if item is not None:
                attributes.add(FIELDS, name, _attribute_value(item))
    return _compact(
        {
            "id": org_id,
            "name": listing.name,
            "alternate_name": listing.alternate_names[0] if listing.alternate_names else None,
            "description": listing.description,
            "email": listing.email,
            "website": listing.website,
            # Many groups are informal rather than incorporated; this is the year they began.
            "year_incorporated": listing.founded_year,
            "organization_identifiers": [
                {
                    "id": _id("organization_identifier", slug),
                    "organization_id": org_id,
                    "identifier_type": SLUG_IDENTIFIER_TYPE,
                    "identifier": slug,
                }
            ],
            "phones": _phones(listing, org_id),
            "contacts": _contacts(listing, org_id),
            "locations": _locations(listing, org_id),
            "services": [_service(listing, org_id, held)],
            "attributes": attributes.items,
        }
    )


def _service(listing: Listing, org_id: str, held: Sequence[Activity]) -> dict[str, Any]:
    slug = listing.slug
    service_id = _id("service", slug)
    attributes = _Attributes(slug, "service", service_id)
    for tag in listing.focus:
        attributes.add(FOCUS, tag)
    for tag in listing.services:
        attributes.add(SERVICES, tag)
    return _compact(
        {
            "id": service_id,
            "organization_id": org_id,
            "name": listing.name,
            "description": listing.description,
            "status": SERVICE_STATUS[listing.status],
            "eligibility_description": "; ".join(vocab.FOCUS[tag] for tag in listing.focus),
            "assured_date": listing.verified_on.isoformat() if listing.verified_on else None,
            "alert": _alert(listing),
            "application_process": listing.how_to_ask,
            "schedules": [
                *(
                    [
                        {
                            "id": _id("schedule", slug, "opening_hours"),
                            "service_id": service_id,
                            "description": listing.opening_hours,
                        }
                    ]
                    if listing.opening_hours
                    else []
                ),
                *(activity_schedule(slug, service_id, activity) for activity in held),
            ],
            "languages": [
                {
                    "id": _id("language", slug, code),
                    "service_id": service_id,
                    "name": vocab.language_name(code),
                    "code": code,
                }
                for code in listing.languages
            ],
            "service_areas": [
                _compact(
                    {
                        "id": _id("service_area", slug, area),
                        "service_id": service_id,
                        "name": vocab.area_name(area, listing.country),
                        "description": AREA_CODE_NOTE if area not in vocab.AREA_MARKERS else None,
                        "extent": area,
                        "extent_type": "ISO 3166" if area not in vocab.AREA_MARKERS else None,
                    }
                )
                for area in listing.areas_served
            ],
            "attributes": attributes.items,
        }
    )


def activity_schedule(slug: str, service_id: str, activity: Activity) -> dict[str, Any]:
    """An activity as an HSDS schedule: its RRULE's parts where HSDS has them, the first
    date and its times with that date's UTC offset, and in words what it is, how to attend,
    the access stated and when all this was stated."""
    schedule_id = _id("schedule", slug, "activity", activity.public_id)
    zone = recurrence.zone(activity.time_zone)
    first = activity.starts_at.replace(tzinfo=zone)
    offset = first.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    rule = recurrence.parts(activity.recurrence) if activity.recurrence else {}
    until = recurrence.ends_on(activity.recurrence, activity.time_zone)
    # A one-off is valid on its day; a rule until its UNTIL, or with no end.
    last = until if rule else activity.starts_at.date()
    attributes = _Attributes(slug, "schedule", schedule_id, key=f"activity/{activity.public_id}")
    attributes.add(ACTIVITY_KINDS, activity.kind)
    for provision in activity.access:
        attributes.add(ACCESS, provision)
    words = recurrence.in_words(activity.recurrence, activity.starts_at, activity.time_zone)
    return _compact(
        {
            "id": schedule_id,
            "service_id": service_id,
            "valid_from": activity.starts_at.date().isoformat(),
            "valid_to": last.isoformat() if last else None,
            "dtstart": activity.starts_at.date().isoformat(),
            "timezone": (first.utcoffset() or timedelta()) / timedelta(hours=1),
            "until": until.isoformat() if until else None,
            "count": int(rule["COUNT"]) if "COUNT" in rule else None,
            "wkst": rule.get("WKST"),
            # HSDS knows weekly and monthly rules; others are said in the description.
            "freq": rule.get("FREQ") if rule.get("FREQ") in ("WEEKLY", "MONTHLY") else None,
            "interval": int(rule.get("INTERVAL", "1")) if rule else None,
            "byday": rule.get("BYDAY"),
            "bymonthday": rule.get("BYMONTHDAY"),
            "opens_at": f"{activity.starts_at:%H:%M}{offset}",
            "closes_at": f"{activity.ends_at:%H:%M}{offset}" if activity.ends_at else None,
            "description": f"{activity.title}. {words} ({activity.time_zone} local time"
            f"{'' if not rule else '; the offsets given are those of the first date'}). "
            f"{activity.description}",
            "schedule_link": activity.source_url,
            "attending_type": _attending(activity),
            "notes": _schedule_notes(activity),
            "attributes": attributes.items,
        }
    )


def _attending(activity: Activity) -> str:
    place = ", ".join(part for part in (activity.venue, activity.city) if part)
    said = []
    if activity.online:
        said.append("Online" + (f": {activity.online_how}" if activity.online_how else ""))
    if place:
        said.append(f"In person: {place}")
    if activity.by_post:
        said.append("People in prison can take part by post")
    return ". ".join(said) or "Not stated"


def _schedule_notes(activity: Activity) -> str:
    notes = []
    if activity.status == "cancelled":
        notes.append("Cancelled.")
    if activity.cost:
        notes.append(f"Cost: {activity.cost}.")
    if activity.how_to_join:
        notes.append(f"How to join: {activity.how_to_join}")
    if activity.access:
        stated = ", ".join(vocab.ACCESS_PROVISIONS[key] for key in activity.access)
        notes.append(f"Access stated: {stated}.")
    if activity.access_notes:
        notes.append(activity.access_notes)
    notes.append(
        f"As stated on {activity.stated_on.isoformat()} at {activity.source_url}: "
        "check with the group before going."
    )
    return " ".join(notes)


AREA_CODE_NOTE = "extent holds the area's ISO 3166 code (country or subdivision)."
# RFC 6350 phone types, as HSDS asks: a text line is "text", every other line "voice".
_PHONE_TYPES = {"text": "text"}


def _phones(listing: Listing, org_id: str) -> list[dict[str, Any]]:
    """Each phone as an HSDS phone; its whole record travels as an attribute, losslessly."""
    found = []
    for position, phone in enumerate(map(jsonable, listing.phones)):
        phone_id = _id("phone", listing.slug, str(position))
        # Each phone's attribute needs an id of its own: the position tells them apart.
        attributes = _Attributes(listing.slug, "phone", phone_id, key=f"phone/{position}")
        attributes.add(FIELDS, "phones", json.dumps(phone, ensure_ascii=False, sort_keys=True))
        found.append(
            {
                "id": phone_id,
                "organization_id": org_id,
                "number": phone["number"],
                "type": _PHONE_TYPES.get(phone.get("kind", ""), "voice"),
                "description": phone_line(phone),
                "attributes": attributes.items,
            }
        )
    return found


def _contacts(listing: Listing, org_id: str) -> list[dict[str, Any]]:
    if not listing.email:
        return []
    return [
        {
            "id": _id("contact", listing.slug, "email"),
            "organization_id": org_id,
            "name": listing.name,
            "department": "Public email address",
            "email": listing.email,
        }
    ]


def _alert(listing: Listing) -> str | None:
    if listing.status != "unknown":
        return None
    alert = "We could not confirm that this group is still active"
    if listing.last_activity:
        alert += f"; the latest activity we found is from {listing.last_activity}"
    return alert + "."


def _locations(listing: Listing, org_id: str) -> list[dict[str, Any]]:
    slug = listing.slug
    found = []
    if listing.latitude is not None or listing.city:
        place = (listing.city, listing.region, vocab.country_name(listing.country))
        found.append(
            _compact(
                {
                    "id": _id("location", slug, "base"),
                    "organization_id": org_id,
                    "location_type": "physical",
                    "name": ", ".join(part for part in place if part),
                    "description": BASE_LOCATION_NOTE,
                    "latitude": listing.latitude,
                    "longitude": listing.longitude,
                }
            )
        )
    if listing.postal_address:
        found.append(_postal_location(listing, org_id))
    if listing.website:
        found.append(
            {
                "id": _id("location", slug, "virtual"),
                "organization_id": org_id,
                "location_type": "virtual",
                "name": "Website",
                "url": listing.website,
            }
        )
    return found


def _postal_location(listing: Listing, org_id: str) -> dict[str, Any]:
    slug = listing.slug
    location_id = _id("location", slug, "postal")
    address_id = _id("address", slug, "postal")
    mail = _Attributes(slug, "location", location_id)
    accepts = listing.postal_address_accepts_prisoner_mail
    mail.add(FIELDS, "postal_address_accepts_prisoner_mail", "true" if accepts else "false")
    whole = _Attributes(slug, "address", address_id)
    whole.add(FIELDS, "postal_address")
    country = "" if listing.country == vocab.INTERNATIONAL else listing.country
    return _compact(
        {
            "id": location_id,
            "organization_id": org_id,
            "location_type": "postal",
            "name": "Postal address",
            "description": listing.postal_address_note,
            "addresses": [
                {
                    "id": address_id,
                    "location_id": location_id,
                    # We hold addresses as the group writes them, not split into parts.
                    "address_1": listing.postal_address,
                    "city": listing.city or "",
                    "state_province": listing.region or "",
                    "postal_code": "",
                    "country": country,
                    "address_type": "postal",
                    "attributes": whole.items,
                }
            ],
            "attributes": mail.items,
        }
    )


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True)
    return str(jsonable(value))


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Without None values (HSDS types do not allow null) and without empty lists."""
    return {key: value for key, value in values.items() if value is not None and value != []}


def write(
    listings: Iterable[Listing],
    out: TextIO,
    held: Mapping[str, Sequence[Activity]] | None = None,
) -> None:
    """A JSON array of HSDS organizations, one listing at a time so memory stays flat;
    `held` gives each listing's activities by slug."""
    activities = held or {}
    _write_array(
        (organization(listing, activities.get(listing.slug, ())) for listing in listings), out
    )


def _write_array(items: Iterable[dict[str, Any]], out: TextIO) -> None:
    out.write("[")
    for number, item in enumerate(items):
        out.write(",\n" if number else "\n")
        out.write(json.dumps(item, ensure_ascii=False, indent=2))
    out.write("\n]\n")


def page(contents: list[dict[str, Any]], number: int, per_page: int, total: int) -> dict[str, Any]:
    """A page of results as HSDS 3.0 APIs give it (its Page schema, plus page/per_page)."""
    pages = math.ceil(total / per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": per_page,
        "page": number,
        "per_page": per_page,
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not contents,
        "contents": contents,
    }


def slug_for_id(slugs: Iterable[str], wanted: str) -> str | None:
    """The slug whose organization id is wanted; a slug is accepted as its own id too."""
    try:
        key = str(uuid.UUID(wanted))
    except ValueError:
        key = None
    for slug in slugs:
        if slug == wanted or organization_id(slug) == key:
            return slug
    return None


# HSDS -> listing ----------------------------------------------------------------------------

_KNOWN_TERMS = {
    term_id(taxonomy, code): (taxonomy.code, code)
    for taxonomy in TAXONOMIES
    for code in taxonomy.terms
}


def listing_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The listing an HSDS organization describes, as unvalidated OrganisationRecord values.

    Reads our own exports losslessly, and data from elsewhere as far as it goes: what it
    lacks (kind, focus, sources...) is then reported by validation, not guessed.
    """
    terms = _our_terms(data)
    fields: dict[str, list[str]] = {}
    for code, value in terms.get(FIELDS.code, []):
        if value is not None:
            fields.setdefault(code, []).append(value)
    services = _objects(data.get("services"))
    locations = _objects(data.get("locations"))
    address, postal = _postal_address(locations)
    first_service = services[0] if services else {}
    alternate = [data["alternate_name"]] if data.get("alternate_name") else []
    kinds = [code for code, _ in terms.get(KIND.code, [])]
    status = _first(fields, "status") or STATUS_FROM_HSDS.get(str(first_service.get("status", "")))
    coordinates = next(
        (
            (place["latitude"], place["longitude"])
            for place in locations
            if place.get("latitude") is not None and place.get("longitude") is not None
        ),
        (None, None),
    )
    carried: dict[str, Any] = {
        name: fields.get(name, []) if records.FIELDS[name].many else _first(fields, name)
        for name in ORGANIZATION_FIELDS
    }
    return {
        **carried,
        "slug": _slug(data),
        "name": data.get("name"),
        "alternate_names": alternate + carried["alternate_names"],
        "kind": kinds[0] if kinds else None,
        "description": data.get("description"),
        "focus": [code for code, _ in terms.get(FOCUS.code, [])],
        "services": [code for code, _ in terms.get(SERVICES.code, [])],
        "country": carried["country"] or address.get("country") or None,
        "region": carried["region"] or address.get("state_province") or None,
        "city": carried["city"] or address.get("city") or None,
        "areas_served": [
            area.get("extent") or vocab.area_code(str(area["name"])) or area["name"]
            for service in services
            for area in _objects(service.get("service_areas"))
            if area.get("name")
        ],
        "phones": _phones_in(data),
        "how_to_ask": first_service.get("application_process"),
        "opening_hours": next(
            (
                schedule.get("description")
                for schedule in _objects(first_service.get("schedules"))
                if schedule.get("description") and not _is_activity(schedule)
            ),
            None,
        ),
        "citations": _json_object(_first(fields, "citations")),
        "latitude": coordinates[0],
        "longitude": coordinates[1],
        "website": data.get("website") or _virtual_url(locations),
        "email": data.get("email"),
        "postal_address": _address_text(address) if address else None,
        "postal_address_accepts_prisoner_mail": (
            _first(fields, "postal_address_accepts_prisoner_mail") == "true"
        ),
        "postal_address_note": postal.get("description") if postal else None,
        "languages": [
            language["code"]
            for service in services
            for language in _objects(service.get("languages"))
            if language.get("code")
        ],
        "founded_year": data.get("year_incorporated"),
        "status": status or "unknown",
        "verified_on": first_service.get("assured_date"),
    }


def _is_activity(schedule: Mapping[str, Any]) -> bool:
    """Whether a schedule is one of our activities (its kind is a term of ours)."""
    return any(
        _KNOWN_TERMS.get(str(attribute.get("taxonomy_term_id")), ("",))[0] == ACTIVITY_KINDS.code
        for attribute in _objects(schedule.get("attributes"))
    )


def _phones_in(data: Mapping[str, Any]) -> list[Any]:
    """Our phones back from their attribute; another publisher's from number and type."""
    phones: list[Any] = []
    for phone in _objects(data.get("phones")):
        carried = [
            attribute.get("value")
            for attribute in _objects(phone.get("attributes"))
            if _term_of(attribute) == (FIELDS.code, "phones")
        ]
        if carried and isinstance(carried[0], str):
            phones.append(_json_object(carried[0]))
        elif phone.get("number"):
            phones.append(
                {
                    "number": phone["number"],
                    "kind": "text" if phone.get("type") == "text" else "office",
                }
            )
    return phones


def _json_object(text: str | None) -> Any:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON: validation names it


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _first(fields: Mapping[str, list[str]], code: str) -> str | None:
    values = fields.get(code)
    return values[0] if values else None


def _slug(data: Mapping[str, Any]) -> str:
    for identifier in _objects(data.get("organization_identifiers")):
        if identifier.get("identifier_type") == SLUG_IDENTIFIER_TYPE:
            return str(identifier.get("identifier"))
    # Data from elsewhere: the address the directory would give it. Importing it again
    # finds the same listing, so re-running an import stays idempotent.
    return slugify(str(data.get("name") or ""))


def _our_terms(data: Mapping[str, Any]) -> dict[str, list[tuple[str, str | None]]]:
    """Our taxonomies' (code, value) pairs anywhere in the organization, in document order."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for attribute in _attributes_in(data):
        taxonomy, code = _term_of(attribute)
        if taxonomy is not None and code is not None:
            found.setdefault(taxonomy, []).append((code, attribute.get("value")))
    return found


def _term_of(attribute: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(taxonomy, code) when the attribute's term is one of ours, else (None, None)."""
    term = attribute.get("taxonomy_term")
    term = term if isinstance(term, Mapping) else {}
    taxonomy, code = term.get("taxonomy"), term.get("code")
    if isinstance(taxonomy, str) and taxonomy.startswith(TAXONOMY_PREFIX) and code:
        return taxonomy, str(code)
    # A term given by id only: ours are uuid5s we can recognise.
    term_id = attribute.get("taxonomy_term_id")
    return _KNOWN_TERMS.get(term_id, (None, None)) if isinstance(term_id, str) else (None, None)


def _attributes_in(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from _objects(data.get("attributes"))
    for service in _objects(data.get("services")):
        yield from _objects(service.get("attributes"))
    for location in _objects(data.get("locations")):
        yield from _objects(location.get("attributes"))
        for address in _objects(location.get("addresses")):
            yield from _objects(address.get("attributes"))


def _postal_address(
    locations: list[Mapping[str, Any]],
) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
    """The first postal address, and the postal location holding it (for its note)."""
    for location in locations:
        postal_location = location.get("location_type") == "postal"
        for address in _objects(location.get("addresses")):
            if postal_location or address.get("address_type") == "postal":
                return address, location if postal_location else None
    return {}, None


def _address_text(address: Mapping[str, Any]) -> str | None:
    """Our complete address as written, or one composed from HSDS's parts, line by line."""
    whole = any(
        _term_of(attribute) == (FIELDS.code, "postal_address")
        for attribute in _objects(address.get("attributes"))
    )
    if whole:
        return address.get("address_1")
    town = " ".join(
        str(address[part])
        for part in ("city", "state_province", "postal_code")
        if address.get(part)
    )
    lines = [address.get("address_1"), address.get("address_2"), town]
    return "\n".join(str(line) for line in lines if line) or None


def _virtual_url(locations: list[Mapping[str, Any]]) -> str | None:
    for location in locations:
        if location.get("location_type") == "virtual" and location.get("url"):
            return str(location["url"])
    return None
