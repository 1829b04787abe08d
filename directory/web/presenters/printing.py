"""A printed list as finished data: the groups people inside can write to first, then the
ones someone outside must look up. No I/O here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from directory import vocab
from directory.models import Organisation
from directory.reach import can_write, phone_line
from directory.web.presenters.search import place

# "One line of what they do" in the closing section: the description's first sentence, cut
# at a word if it runs on.
SUMMARY_CHARS = 160
# A full stop after these is not the end of a sentence ("St. Louis", "P.O. Box").
_ABBREVIATIONS = frozenset({"st", "mr", "mrs", "ms", "dr", "no", "inc", "ltd", "co", "p.o", "e.g"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(A-Z0-9])")


@dataclass(frozen=True)
class WriteTo:
    """A group people inside can write to, as it prints."""

    name: str
    place: str
    kind: str
    services: str
    # The address, line by line as on an envelope (its country last when the list spans
    # several countries).
    envelope: list[str]
    letter_instructions: str | None
    phones: list[str]  # each as one line: number, what it is, free or not, hours
    postal_address_note: str | None
    description: str
    website: str | None
    email: str | None
    status: str | None  # None when active: only doubts are worth the ink
    verified_on: date | None
    # Its activities people inside can take part in by post, each on one line.
    by_post: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LookUp:
    """A group reached only from outside (online, by email or post from outside)."""

    name: str
    place: str
    summary: str
    phones: list[str]
    website: str | None
    email: str | None
    post: str | None  # an address people inside should not write to, on one line


@dataclass
class Country:
    name: str
    groups: list[WriteTo] = field(default_factory=list)


@dataclass
class PrintedList:
    # By country; one unnamed country when the list spans only one.
    write_to: list[Country]
    look_up: list[LookUp]
    write_count: int
    closed_left_out: int  # closed groups among the matches: never printed
    look_up_left_out: int  # groups without an address to write to, left out on request

    @property
    def count(self) -> int:
        return self.write_count + len(self.look_up)


def printed_list(
    organisations: Iterable[Organisation],
    *,
    only_write: bool,
    sections: Mapping[str, str] | None = None,
    home_country: str | None = None,
    by_post: Mapping[str, Sequence[str]] | None = None,
) -> PrintedList:
    """The matches as a printed list: open groups only; those people inside can write to
    first, across every kind, then (unless only_write) the rest. By country; or, for a
    place searched, in the search's order under `sections` (slug -> heading: "Near
    Glasgow", "Across Scotland"). An envelope ends with its country when the list spans
    several; for a place's list, only when outside `home_country`, the place's. `by_post`
    gives, by slug, the lines of the activities people inside can join by post."""
    joined = by_post or {}
    matches = list(organisations)
    open_groups = [o for o in matches if o.status != "inactive"]
    if sections is None:
        open_groups.sort(key=lambda o: (*_country_key(o), _name(o)))
    else:
        order = {slug: position for position, slug in enumerate(sections)}
        open_groups.sort(key=lambda o: order.get(o.slug, len(order)))
    writable = [o for o in open_groups if can_write(o)]
    rest = [o for o in open_groups if not can_write(o)]
    several_countries = len({o.country for o in open_groups}) > 1
    if sections is None:
        countries = [
            Country(
                name if several_countries else "",
                [_write_to(o, several_countries, joined) for o in group],
            )
            for (_, name), group in groupby(writable, key=_country_key)
        ]
    else:
        countries = [
            Country(
                heading,
                [
                    _write_to(o, several_countries and o.country != home_country, joined)
                    for o in group
                ],
            )
            for heading, group in groupby(writable, key=lambda o: sections.get(o.slug, ""))
        ]
    return PrintedList(
        write_to=countries,
        look_up=[] if only_write else [_look_up(o) for o in rest],
        write_count=len(writable),
        closed_left_out=len(matches) - len(open_groups),
        look_up_left_out=len(rest) if only_write else 0,
    )


def summary(description: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence of a description, cut at a word (with an ellipsis) past `limit`."""
    text = " ".join(description.split())
    for match in _SENTENCE_END.finditer(text):
        last_word = text[: match.start()].rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word not in _ABBREVIATIONS and not re.fullmatch(r"[a-z]", last_word):
            text = text[: match.start()]
            break
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:-–— ") + "…"


def _write_to(
    organisation: Organisation, several_countries: bool, by_post: Mapping[str, Sequence[str]]
) -> WriteTo:
    lines = [line.strip() for line in (organisation.postal_address or "").splitlines()]
    envelope = [line for line in lines if line]
    if several_countries and vocab.is_country(organisation.country):
        country = vocab.country_name(organisation.country)
        if organisation.country != vocab.INTERNATIONAL and country.casefold() not in (
            envelope[-1].casefold() if envelope else ""
        ):
            envelope.append(country.upper())
    return WriteTo(
        name=organisation.name,
        place=_place(organisation),
        kind=vocab.KINDS.get(organisation.kind, organisation.kind),
        services=", ".join(vocab.SERVICES.get(tag, tag) for tag in organisation.services),
        envelope=envelope,
        letter_instructions=organisation.letter_instructions,
        phones=[phone_line(phone) for phone in organisation.phones],
        postal_address_note=organisation.postal_address_note,
        description=organisation.description,
        website=organisation.website,
        email=organisation.email,
        status=_status(organisation),
        verified_on=organisation.verified_on,
        by_post=list(by_post.get(organisation.slug, ())),
    )


def _look_up(organisation: Organisation) -> LookUp:
    lines = (organisation.postal_address or "").splitlines()
    post = ", ".join(line.strip() for line in lines if line.strip()) or None
    return LookUp(
        name=organisation.name,
        place=_place(organisation),
        summary=summary(organisation.description),
        phones=[phone_line(phone) for phone in organisation.phones],
        website=organisation.website,
        email=organisation.email,
        post=post,
    )


def _status(organisation: Organisation) -> str | None:
    if organisation.status == "active":
        return None
    return vocab.STATUSES.get(organisation.status, organisation.status)


def _place(organisation: Organisation) -> str:
    return place(organisation.city, organisation.region, organisation.country)


def _country_key(organisation: Organisation) -> tuple[bool, str]:
    # International groups after every country's.
    return organisation.country == vocab.INTERNATIONAL, vocab.country_name(organisation.country)


def _name(organisation: Organisation) -> str:
    return organisation.name.casefold()
