"""Ways to reach a group, in words: a phone line as one line of text, what a listing offers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from directory import vocab
from directory.listings import jsonable
from directory.records import national_format


def phone_line(given: Mapping[str, Any] | BaseModel) -> str:
    """ "0800 254 0088 (Helpline; free from UK landlines and mobiles; Monday to Friday 9-5)"."""
    phone: Mapping[str, Any] = jsonable(given)  # a record's Phone, or a row's dict
    details = [vocab.PHONE_KINDS.get(str(phone.get("kind")), "Phone")]
    free, note = phone.get("free"), phone.get("free_note")
    if free is True:
        details.append(
            note
            if note and str(note).lower().startswith("free")
            else f"free {note}"
            if note
            else "free"
        )
    elif free is False:
        details.append("calls are charged")
    elif note:
        details.append(str(note))
    if phone.get("hours"):
        details.append(str(phone["hours"]))
    number = national_format(str(phone.get("number") or ""))
    return f"{number} ({'; '.join(details)})"


def can_write(listing: Any) -> bool:
    """Whether people in prison can write to the listing's postal address."""
    return bool(listing.postal_address and listing.postal_address_accepts_prisoner_mail)


def has_way_to_reach(listing: Any) -> bool:
    """Whether the listing gives a phone, an email or a postal address (a website alone is
    no use to someone inside, or to a relative without data)."""
    return bool(listing.phones or listing.email or listing.postal_address)
