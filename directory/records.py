"""The rules every organisation record obeys, wherever it comes from: seed, forms, imports."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from directory import vocab

# A listing's public fields, in the order the API and our JSON export give them (then its
# verification and sources). Everything else about a listing is the directory's own business.
PUBLIC_FIELDS = (
    "slug",
    "name",
    "alternate_names",
    "kind",
    "description",
    "focus",
    "services",
    "country",
    "region",
    "city",
    "areas_served",
    "latitude",
    "longitude",
    "website",
    "email",
    "postal_address",
    "postal_address_accepts_prisoner_mail",
    "postal_address_note",
    "languages",
    "accessibility",
    "founded_year",
    "status",
    "last_activity",
)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# Line ends as browsers (CRLF), old Macs (CR) and word processors (U+2028, U+2029) send them.
_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")
# What no text may hold, and what to call it: none of it can be seen, and U+FFFE, U+FFFF and
# lone surrogates are not allowed in XML at all (one of them breaks the Atom feed).
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
# Characters a mailto: link reads as its own syntax (RFC 6068 says to percent-encode them).
# They are valid in an address's local part, but no group's public address needs them, and
# "x?cc=spy%40evil.example@..." would make a link that copies someone in.
_MAILTO_SYNTAX = frozenset("?&=#%/")


def normalise_line_ends(value: str) -> str:
    return _LINE_ENDS.sub("\n", value)


def _what(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "a text-direction control"
    if code < 0xA0:
        return "a control character"
    return "a noncharacter"


def _refuse_invisible(value: str) -> None:
    found = _INVISIBLE.search(value)
    if found:
        char = found.group()
        raise PydanticCustomError(
            "invisible_character",
            "must not contain {what} ({code}), which cannot be seen or printed",
            {"what": _what(char), "code": f"U+{ord(char):04X}"},
        )


def _one_line(value: Any) -> Any:
    """A single-line text: no invisible characters, no line breaks or tabs; NFC, stripped."""
    if not isinstance(value, str):
        return value  # the str schema says what is wrong with it
    _refuse_invisible(value)
    if _LINE_BREAKS.search(value.strip()):
        raise PydanticCustomError("line_break", "must be on one line, without line breaks or tabs")
    return unicodedata.normalize("NFC", value).strip()


def _lines(value: Any) -> Any:
    """A multi-line text: line ends as "\n", tabs kept, no invisible characters; NFC, stripped."""
    if not isinstance(value, str):
        return value
    value = normalise_line_ends(value)
    _refuse_invisible(value)
    return unicodedata.normalize("NFC", value).strip()


# Validators run before the length limits, so that the limits count what is stored.
Text = Annotated[str, BeforeValidator(_one_line)]
MultilineText = Annotated[str, BeforeValidator(_lines)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
Place = Annotated[Text, StringConstraints(min_length=1, max_length=120)]


def _email_address(value: str) -> str:
    """The address as email-validator normalises it (the domain lowercased, in Unicode)."""
    try:
        address = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise _not_an_email(str(error)) from error
    if _MAILTO_SYNTAX.intersection(address.local_part):
        raise _not_an_email(
            "Before the @-sign it has ? & = # % or /, which a mailto: link would read as its own."
        )
    return address.normalized


def _not_an_email(reason: str) -> PydanticCustomError:
    return PydanticCustomError(
        "email", "must be an email address such as name@example.org: {reason}", {"reason": reason}
    )


EmailAddress = Annotated[Text, StringConstraints(max_length=254), AfterValidator(_email_address)]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("must be a web address starting with http:// or https://")
    return value


Url = Annotated[Text, StringConstraints(max_length=500), AfterValidator(_check_url)]


def _in(vocabulary: dict[str, str], what: str):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if value not in vocabulary:
            known = ", ".join(vocabulary)
            raise ValueError(f"{value!r} is not a known {what} (known: {known})")
        return value

    return AfterValidator(check)


Kind = Annotated[str, _in(vocab.KINDS, "kind")]
FocusTag = Annotated[str, _in(vocab.FOCUS, "focus")]
Service = Annotated[str, _in(vocab.SERVICES, "service")]
Status = Annotated[str, _in(vocab.STATUSES, "status")]


class OrganisationRecord(BaseModel):
    """An organisation's public fields, validated. Maps one-to-one onto the Organisation table."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
    name: ShortText
    alternate_names: list[ShortText] = Field(default_factory=list, max_length=10)
    kind: Kind
    description: Annotated[MultilineText, StringConstraints(min_length=20, max_length=4000)]
    focus: list[FocusTag] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    country: str
    region: Place | None = None
    city: Place | None = None
    areas_served: list[Place] = Field(default_factory=list, max_length=20)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    website: Url | None = None
    email: EmailAddress | None = None
    postal_address: Annotated[MultilineText, StringConstraints(max_length=500)] | None = None
    postal_address_accepts_prisoner_mail: bool = False
    postal_address_note: Annotated[Text, StringConstraints(max_length=300)] | None = None
    languages: list[str] = Field(default_factory=list, max_length=20)
    accessibility: Annotated[MultilineText, StringConstraints(max_length=1000)] | None = None
    founded_year: int | None = Field(default=None, ge=1800, le=2100)
    status: Status = "unknown"
    last_activity: (
        Annotated[str, StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")] | None
    ) = None
    verified_on: date | None = None
    verified_by: ShortText | None = None
    sources: list[Url] = Field(min_length=1, max_length=20)

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        code = value if value == vocab.INTERNATIONAL else value.upper()
        if not vocab.is_country(code):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, values: list[str]) -> list[str]:
        for value in values:
            if pycountry.languages.get(alpha_2=value) is None:
                raise ValueError(f"{value!r} is not an ISO 639-1 language code")
        return values

    @field_validator("focus", "services", "alternate_names", "areas_served", "languages")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _consistent(self) -> OrganisationRecord:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together: give both or neither")
        if self.postal_address_accepts_prisoner_mail and not self.postal_address:
            raise ValueError("postal_address_accepts_prisoner_mail needs a postal_address")
        if self.verified_by and not self.verified_on:
            raise ValueError("verified_by needs verified_on")
        return self
