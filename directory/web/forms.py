"""Read and check submitted forms: raw text in, clean values or friendly per-field errors out.

Listing fields are checked by the same rules as every record (a ListingProposal); how each
is read follows its kind of value in the field table (records.FIELDS). This module turns
pydantic's errors into plain words next to the field they are about, and keeps what the
person typed so nothing has to be entered twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.datastructures import FormData

from directory import vocab
from directory.records import (
    EDITABLE_FIELDS,
    FIELDS,
    ListingProposal,
    MultilineText,
    Text,
    Url,
    Value,
    national_format,
    normalise_line_ends,
)

HONEYPOT = "homepage"
CONTACT_MAX = 200
NOTE_MAX = 2000
LANGUAGES_MAX = FIELDS["languages"].max_items or 0  # as many as a listing may hold

FIELD_LABELS: dict[str, str] = {
    **{name: listing_field.label for name, listing_field in FIELDS.items()},
    "contact": "Your email address or phone number",
    "relation": "How you know the group",
    "note": "Note to the volunteers",
    "reason": "What is wrong?",
    "details": "Tell us more",
}
LINE_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if FIELDS[name].value in (Value.LINES, Value.AREAS)
)
PHONES_MAX = FIELDS["phones"].max_items or 0
# What a phone row asks; the number is the row's own, the rest say what the line is.
PHONE_PARTS = ("number", "kind", "free", "free_note", "hours")
CHOICE_LIST_FIELDS = tuple(name for name in EDITABLE_FIELDS if FIELDS[name].value is Value.CHOICES)

REQUIRED = {
    "name": "Enter the name of the group.",
    "kind": "Choose the kind of group.",
    "description": "Describe what the group does, in at least 20 characters.",
    "focus": "Choose at least one group of people they support.",
    "services": "Choose at least one thing they offer.",
    "country": "Choose a country, or “International”.",
    "status": "Say whether the group is active.",
    "sources": "Add at least one web address where these details can be checked.",
    "contact": "Enter an email address or phone number, so we can ask you about this listing.",
    "reason": "Choose what is wrong.",
    "details": "Tell us what is wrong, so we can fix it.",
    "username": "Enter your username.",
    "password": "Enter your password.",
    "checked_source": "Enter the web address of the page you checked, such as https://example.org/news.",
    "closed_source": "Enter the web address of the page that says the group has closed.",
    "cancel_reason": "Say why you think it no longer happens, such as what the group said.",
}
_INVALID = {
    "kind": "Choose a kind of group from the list.",
    "focus": "Choose from the list.",
    "services": "Choose from the list.",
    "country": "Choose a country from the list.",
    "status": "Choose one of the options.",
    "website": "Enter a web address starting with http:// or https://, such as https://example.org.",
    "sources": "Enter web addresses starting with http:// or https://, one on each line.",
    "email": "Enter an email address such as name@example.org.",
    "founded_year": "Enter a year between 1800 and 2100, such as 1998.",
    "languages": (
        "Write language names in English, separated by commas, such as “English, Spanish”."
    ),
    "relation": "Choose one of the options.",
    "reason": "Choose one of the options.",
    "phones": "Check the phone numbers: give the whole number, with its area code.",
    "activity": "Enter a year, or a year and a month, such as 2025 or 2025-03.",
    **dict.fromkeys(
        ("checked_source", "activity_source", "closed_source", "cancel_source"),
        "Enter a web address starting with http:// or https://, such as https://example.org/news.",
    ),
}
_ACTIVITY = re.compile(r"(\d{4})(?:-(\d{1,2}))?")
_URL: TypeAdapter[str] = TypeAdapter(Url)
_INVISIBLE = {
    "a control character": "invisible control characters in it ({code})",
    "a text-direction control": "an invisible text-direction character in it ({code})",
    "a noncharacter": "a character that is not text in it ({code})",
    "a lone surrogate": "a character that is not text in it ({code})",
}
_RETYPE = "This has {what}, often left by copying and pasting. Please retype it."
_ONE_LINE = "Keep this on one line, without line breaks or tabs."
_REACHABLE = (
    "Give at least one way to reach the group: a website, a phone number, an email address or "
    "a postal address."
)
_PRISONER_MAIL = "Add the postal address, or untick “People in prison can write to this address”."
_ONE_LINE_TEXT: TypeAdapter[str] = TypeAdapter(Text)


@dataclass
class Form:
    """What a person typed (to show again) and what is wrong with it, by field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_list(self) -> list[tuple[str, str]]:
        """Errors in the order the fields appear, for the summary at the top of the page."""
        order = {name: position for position, name in enumerate(FORM_ORDER)}
        return sorted(self.errors.items(), key=lambda item: order.get(item[0], len(order)))


FORM_ORDER: tuple[str, ...] = (
    "form",
    "reason",
    "details",
    *EDITABLE_FIELDS,
    "contact",
    "notify",
    "relation",
    "note",
    "username",
    "password",
    "password_again",
    "role",
    "decision_reason",
    "checked_source",
    "activity",
    "activity_source",
    "closed_source",
    "cancel_reason",
    "cancel_source",
)


@dataclass
class ListingForm(Form):
    """A parsed listing form: `listing` holds clean values once there are no errors."""

    listing: dict[str, Any] = field(default_factory=dict)


# Listing fields -------------------------------------------------------------------------


def listing_form(form: FormData, *, sources_required: bool) -> ListingForm:
    """A listing form checked as a ListingProposal. Submitters need not name a source;
    moderators (`sources_required`) must, before the listing goes live."""
    raw = raw_listing(form)
    result = ListingForm(values=raw)
    values = _listing_input(raw, result.errors)
    try:
        proposal = ListingProposal.model_validate(values)
    except ValidationError as error:
        for name, message in friendly_errors(error):
            result.errors.setdefault(name, message)
    else:
        result.listing = proposal.model_dump(mode="json")
    if sources_required and not values["sources"]:
        result.errors.setdefault("sources", REQUIRED["sources"])
    if not any(values.get(name) for name in ("website", "phones", "email", "postal_address")):
        result.errors.setdefault("website", _REACHABLE)
    if result.errors:
        result.listing = {}
    return result


def raw_listing(form: FormData) -> dict[str, Any]:
    """The listing fields exactly as typed, for showing the form again."""
    raw: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        kind = FIELDS[name].value
        if kind is Value.CHOICES:
            raw[name] = [v for v in form.getlist(name) if isinstance(v, str)]
        elif kind is Value.YES_NO:
            raw[name] = form.get(name) == "yes"
        elif kind is Value.PHONES:
            raw[name] = _phone_rows(form, name)
        else:
            raw[name] = text(form, name)
    return raw


def _phone_rows(form: FormData, name: str) -> list[dict[str, str]]:
    """Each phone row as typed ("phones-0-number"...), blank rows left out."""
    rows = []
    for position in range(PHONES_MAX):
        row = {part: text(form, f"{name}-{position}-{part}") for part in PHONE_PARTS}
        # The two menus always send something: only typed text makes a row count.
        if any(row[part].strip() for part in ("number", "free_note", "hours")):
            rows.append(row)
    return rows


def phone_rows_to_show(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows a form shows: those typed or stored, then one blank row for a new number
    (at least two in all), never more than a listing may hold."""
    blank = dict.fromkeys(PHONE_PARTS, "")
    return [*rows, *[blank] * max(1, 2 - len(rows))][: max(PHONES_MAX, len(rows))]


def listing_to_form(listing: Mapping[str, Any]) -> dict[str, Any]:
    """Stored listing values as a form shows them (lists as lines, language names)."""
    raw: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value, kind = listing.get(name), FIELDS[name].value
        if kind is Value.LINES:
            raw[name] = "\n".join(value or [])
        elif kind is Value.AREAS:
            raw[name] = "\n".join(vocab.area_form_name(code) for code in value or [])
        elif kind is Value.PHONES:
            raw[name] = [_phone_to_row(phone) for phone in value or []]
        elif kind is Value.CHOICES:
            raw[name] = list(value or [])
        elif kind is Value.LANGUAGES:
            raw[name] = ", ".join(vocab.language_name(code) for code in value or [])
        elif kind is Value.YES_NO:
            raw[name] = bool(value)
        else:
            raw[name] = "" if value is None else str(value)
    return raw


def _phone_to_row(phone: Mapping[str, Any]) -> dict[str, str]:
    free = phone.get("free")
    return {
        "number": national_format(str(phone.get("number") or "")),
        "kind": str(phone.get("kind") or ""),
        "free": "" if free is None else ("yes" if free else "no"),
        "free_note": str(phone.get("free_note") or ""),
        "hours": str(phone.get("hours") or ""),
    }


def _phones(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "number": row["number"].strip(),
            "kind": row["kind"].strip() or "office",
            "free": {"yes": True, "no": False}.get(row["free"]),
            "free_note": row["free_note"].strip() or None,
            "hours": row["hours"].strip() or None,
        }
        for row in rows
    ]


def _area_codes(name: str, value: str, errors: dict[str, str]) -> list[str]:
    lines = [line.strip() for line in normalise_line_ends(value).split("\n") if line.strip()]
    limit = FIELDS[name].max_items or 0
    if len(lines) > limit:
        errors[name] = f"Give at most {limit}, one on each line."
        return []
    codes, unknown = _looked_up(
        lines, lambda line: vocab.area_code(line) if len(line) <= 80 else None
    )
    if unknown:
        errors[name] = (
            f"We do not recognise {unknown} as a country, nation, state or province. Write "
            "one on each line, such as “Scotland” or “Texas”, or “nationwide”; put anything "
            "else in the box below."
        )
    return codes


def _listing_input(raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value, kind = raw[name], FIELDS[name].value
        if kind is Value.LINES:
            lines = normalise_line_ends(value).split("\n")  # not splitlines(): it eats U+0085
            values[name] = [line.strip() for line in lines if line.strip()]
        elif kind is Value.AREAS:
            values[name] = _area_codes(name, value, errors)
        elif kind is Value.PHONES:
            values[name] = _phones(value)
            if any(not phone["number"] for phone in values[name]):
                errors[name] = "Enter the number for each phone line, or clear that line's boxes."
        elif kind is Value.LANGUAGES:
            values[name] = _language_codes(name, value, errors)
        elif kind is Value.YEAR:
            values[name] = _year(name, value, errors)
        elif isinstance(value, str):
            values[name] = value.strip() or None
        else:
            values[name] = value
        if name in REQUIRED and not values[name]:
            if kind in (Value.TEXT, Value.PROSE):
                values[name] = ""  # empty must fail as "enter ...", not as a missing None
            elif kind in (Value.CHOICE, Value.COUNTRY):
                errors[name] = REQUIRED[name]
                values.pop(name)
    return values


def _language_codes(name: str, value: str, errors: dict[str, str]) -> list[str]:
    try:
        _ONE_LINE_TEXT.validate_python(value)
    except ValidationError as error:
        errors[name] = friendly_errors(error, name)[0][1]
        return []
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if len(parts) > LANGUAGES_MAX:
        # Each name is looked up among thousands of languages: a form full of commas must
        # not keep the server busy for minutes.
        errors[name] = f"Give at most {LANGUAGES_MAX} languages. {_INVALID['languages']}"
        return []
    codes, unknown = _looked_up(parts, _language_code)
    if unknown:
        errors[name] = f"We do not recognise {unknown}. {_INVALID['languages']}"
    return codes


def _looked_up(
    names: list[str], code_for: Callable[[str], str | None]
) -> tuple[list[str], str | None]:
    """The codes of the names that have one, and the others quoted for a message (or None)."""
    codes, unknown = [], []
    for name in names:
        code = code_for(name)
        if code:
            codes.append(code)
        else:
            unknown.append(f"“{name[:40]}”")
    return codes, ", ".join(unknown) or None


def _language_code(name: str) -> str | None:
    try:
        language = pycountry.languages.lookup(name)
    except LookupError:
        return None
    return getattr(language, "alpha_2", None)


def _year(name: str, value: str, errors: dict[str, str]) -> int | None:
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    errors[name] = _INVALID.get(name, "Enter a year, such as 1998.")
    return None


# Other fields ---------------------------------------------------------------------------


def submitter_fields(form: FormData, result: Form, *, contact_required: bool) -> None:
    """Check the submitter's contact, relation and note into `result`."""
    _plain(form, "contact", CONTACT_MAX, result, required=contact_required)
    _notify(form, result)
    relation = text(form, "relation")
    result.values.update(relation=relation)
    if relation and relation not in vocab.SUBMITTER_RELATIONS:
        result.errors["relation"] = _INVALID["relation"]
    _plain(form, "note", NOTE_MAX, result, multiline=True)


def _notify(form: FormData, result: Form) -> None:
    # Mail goes to the contact they gave: one box to fill, not two.
    notify = text(form, "notify") == "yes"
    result.values["notify"] = notify
    if not notify or "contact" in result.errors:
        return
    contact = str(result.values.get("contact") or "").strip()
    try:
        result.values["contact"] = validate_email(contact, check_deliverability=False).normalized
    except EmailNotValidError:
        result.errors["contact"] = (
            "To be emailed, write your email address here, such as name@example.org."
            if contact
            else "Write your email address here, so that we can email you."
        )


def report_form(form: FormData) -> Form:
    result = Form()
    reason = text(form, "reason")
    result.values["reason"] = reason
    if not reason:
        result.errors["reason"] = REQUIRED["reason"]
    elif reason not in vocab.REPORT_REASONS:
        result.errors["reason"] = _INVALID["reason"]
    _plain(form, "details", NOTE_MAX, result, required=reason == "other", multiline=True)
    submitter_fields(form, result, contact_required=False)
    return result


def reason_form(form: FormData, *, required: bool) -> Form:
    """A moderator's reason for a decision, shown to the submitter."""
    result = Form()
    _plain(form, "decision_reason", NOTE_MAX, result, multiline=True)
    if required and not result.values["decision_reason"] and "decision_reason" not in result.errors:
        result.errors["decision_reason"] = (
            "Write a reason. The person who sent this will see it on their status page."
        )
    return result


def recheck_form(form: FormData) -> Form:
    """ "Still correct": the page the moderator checked, and optionally a newer dated sign of
    activity ("YYYY" or "YYYY-MM") with the page that shows it, if another."""
    result = Form()
    _web_address(form, "checked_source", result, required=True)
    activity = text(form, "activity").strip()
    result.values["activity"] = activity
    found = _ACTIVITY.fullmatch(activity) if activity.isascii() else None
    if found and found.group(2) and 1 <= int(found.group(2)) <= 12:
        result.values["activity"] = f"{found.group(1)}-{int(found.group(2)):02}"
    elif activity and not (found and found.group(2) is None):
        result.errors["activity"] = _INVALID["activity"]
    _web_address(form, "activity_source", result, required=False)
    if result.values["activity_source"] and not activity:
        result.errors.setdefault(
            "activity", "Give the date of the activity that page shows, or clear its address."
        )
    return result


def closure_form(form: FormData) -> Form:
    """ "No longer active": the page that says the group has closed."""
    result = Form()
    _web_address(form, "closed_source", result, required=True)
    return result


def cancellation_form(form: FormData) -> Form:
    """ "It no longer happens", said of an activity: why, and the page that says so if any."""
    result = cancel_source_form(form)
    _plain(form, "cancel_reason", NOTE_MAX, result, required=True, multiline=True)
    submitter_fields(form, result, contact_required=False)
    return result


def cancel_source_form(form: FormData) -> Form:
    """The page that says an activity is cancelled, if there is one (a moderator approving)."""
    result = Form()
    _web_address(form, "cancel_source", result, required=False)
    return result


def _web_address(form: FormData, name: str, result: Form, *, required: bool) -> None:
    value = text(form, name).strip()
    result.values[name] = value
    if not value:
        if required:
            result.errors[name] = REQUIRED[name]
        return
    try:
        _URL.validate_python(value)
    except ValidationError as error:
        result.errors[name] = friendly_errors(error, name)[0][1]


def honeypot_filled(form: FormData) -> bool:
    return bool(text(form, HONEYPOT).strip())


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def clean(result: Form, names: Iterable[str]) -> dict[str, str | None]:
    """Stripped values for names, with empty ones as None, once `result` has no errors."""
    return {name: (str(result.values.get(name) or "").strip() or None) for name in names}


def _plain(
    form: FormData,
    name: str,
    max_length: int,
    result: Form,
    *,
    required: bool = False,
    multiline: bool = False,
) -> None:
    """Check a free-text field by the rules of a listing's text; keep the clean value once it
    passes (line ends as "\n", NFC), what was typed while it does not."""
    value = text(form, name)
    result.values[name] = value
    if not value.strip():
        if required:
            result.errors[name] = REQUIRED[name]
        return
    try:
        result.values[name] = _plain_adapter(
            MultilineText if multiline else Text, max_length
        ).validate_python(value)
    except ValidationError as error:
        for _, message in friendly_errors(error, name):
            result.errors.setdefault(name, message)


@cache
def _plain_adapter(kind: Any, max_length: int) -> TypeAdapter[str]:
    return TypeAdapter(Annotated[kind, StringConstraints(max_length=max_length)])


# Turning pydantic's errors into plain words ---------------------------------------------


def friendly_errors(error: ValidationError, default_field: str = "form") -> list[tuple[str, str]]:
    """(field, message) pairs in plain words; never pydantic's own text."""
    return [_friendly(detail, default_field) for detail in error.errors(include_url=False)]


def _friendly(detail: Mapping[str, Any], default_field: str) -> tuple[str, str]:
    loc = detail["loc"]
    name = str(loc[0]) if loc else default_field
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    item = len(loc) > 1 and isinstance(loc[1], int)
    if kind == "invisible_character":
        return name, _RETYPE.format(what=_INVISIBLE[ctx["what"]].format(code=ctx["code"]))
    if kind == "line_break":
        return name, _ONE_LINE
    if kind == "email":
        return name, f"{_INVALID['email']} {ctx['reason']}"
    if kind == "value_error":
        message = str(ctx.get("error", ""))
        if not loc and "postal_address" in message:
            return "postal_address", _PRISONER_MAIL
        if name == "phones" and message.startswith("phone "):
            # "phone 2: '0800 254' is not a valid phone number in United Kingdom (...)"
            return name, "Phone " + message.removeprefix("phone ").replace("'", "“", 1).replace(
                "'", "”", 1
            ) + "."
    if kind in ("missing", "too_short") and not item:
        return name, REQUIRED.get(name, "Fill this in.")
    if kind == "too_long":
        limit, actual = ctx.get("max_length", 0), ctx.get("actual_length", 0)
        if item:
            return name, f"Keep each line to {limit:,} characters or fewer."
        if ctx.get("field_type") == "List":
            return name, f"Give at most {limit:,}, one on each line."
        return name, f"Keep this to {limit:,} characters or fewer (it has {actual:,})."
    return name, _INVALID.get(name, "Check this answer.")


# Choices for the form -------------------------------------------------------------------


@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    countries = sorted(
        ((c.alpha_2, vocab.country_name(c.alpha_2)) for c in pycountry.countries),
        key=lambda pair: pair[1],
    )
    return ((vocab.INTERNATIONAL, vocab.INTERNATIONAL_LABEL), *countries)
