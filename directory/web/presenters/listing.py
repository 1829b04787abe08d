"""One listing as finished data: its JSON for the API, and what its page shows. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from directory import vocab
from directory.helplines import Helpline
from directory.models import Organisation
from directory.opendata import ourjson
from directory.reach import has_way_to_reach
from directory.records import national_format
from directory.web.presenters.search import place


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    """The listing as GET /api/organisations/{slug} gives it: our JSON, and when it changed.

    A dict, not a TypedDict: its keys follow the field table (records.FIELDS), so a field
    added there is in the API without being written down again here.
    """
    return {**ourjson.listing(organisation), "updated_at": organisation.updated_at.isoformat()}


def organisation_page(
    organisation: Organisation, activities: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, Any]:
    """The listing's public fields as its page shows them: codes with the words for them;
    with its activities (presenters.activities.cards), upcoming and past."""
    held = activities or {}
    return {
        **organisation_json(organisation),
        "kind_label": vocab.KINDS.get(organisation.kind, organisation.kind),
        "focus_labels": [vocab.FOCUS.get(tag, tag) for tag in organisation.focus],
        "service_labels": [vocab.SERVICES.get(tag, tag) for tag in organisation.services],
        "country_name": vocab.country_name(organisation.country),
        "place": place(organisation.city, organisation.region, organisation.country),
        "language_names": [vocab.language_name(code) for code in organisation.languages],
        "status_label": vocab.STATUSES.get(organisation.status, organisation.status),
        "area_names": [
            vocab.area_name(code, organisation.country) for code in organisation.areas_served
        ],
        "phone_lines": [phone_shown(phone) for phone in organisation.phones],
        "cited": {
            name: _source(citation.get("url"), citation.get("date"))
            for name, citation in organisation.citations.items()
        },
        "reachable": has_way_to_reach(organisation),
        "verified_on": organisation.verified_on,
        "verified_by": organisation.verified_by,
        "updated_on": organisation.updated_at.date(),
        "upcoming_activities": list(held.get("upcoming", [])),
        "past_activities": list(held.get("past", [])),
    }


def phone_shown(phone: dict[str, Any]) -> dict[str, Any]:
    """A stored phone as pages show it: the number as written locally, its tel: target."""
    number = str(phone.get("number") or "")
    free = phone.get("free")
    return {
        "display": national_format(number),
        "tel": number,  # E.164: a tel: link that works from any phone
        "kind_label": vocab.PHONE_KINDS.get(str(phone.get("kind")), "Phone"),
        "free": free,
        "free_note": phone.get("free_note"),
        "hours": phone.get("hours"),
        "source": _source(phone.get("source"), phone.get("source_date")),
    }


def _source(url: Any, dated: Any) -> dict[str, Any] | None:
    """Where a fact is stated, as a page names it: the site's host and the source's date."""
    if not url:
        return None
    host = urlsplit(str(url)).hostname or str(url)
    return {"url": url, "host": host.removeprefix("www."), "date": dated}


@dataclass(frozen=True, slots=True)
class HelplineCard:
    """A national helpline as a search that found nothing shows it."""

    slug: str
    name: str
    area: str  # "England and Wales"
    phones: list[dict[str, Any]]  # as phone_shown gives them


def helpline_cards(helplines: Sequence[Helpline]) -> list[HelplineCard]:
    return [
        HelplineCard(
            slug=helpline.slug,
            name=helpline.name,
            area=_in_words([vocab.area_name(code) for code in helpline.areas]),
            phones=[phone_shown(phone) for phone in helpline.phones],
        )
        for helpline in helplines
    ]


def _in_words(names: list[str]) -> str:
    """ "England", "England and Wales", "England, Wales and Scotland"."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
