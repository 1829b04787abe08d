"""The rules every organisation record obeys, wherever it comes from: seed, forms, imports."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean_text(value: str) -> str:
    """Normalise Unicode and refuse control characters, which have no place in a listing."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return unicodedata.normalize("NFC", value).strip()


Text = Annotated[str, AfterValidator(_clean_text)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
Place = Annotated[Text, StringConstraints(min_length=1, max_length=120)]


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
    description: Annotated[Text, StringConstraints(min_length=20, max_length=4000)]
    focus: list[FocusTag] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    country: str
    region: Place | None = None
    city: Place | None = None
    areas_served: list[Place] = Field(default_factory=list, max_length=20)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    website: Url | None = None
    email: Annotated[Text, StringConstraints(max_length=254)] | None = None
    postal_address: Annotated[Text, StringConstraints(max_length=500)] | None = None
    postal_address_accepts_prisoner_mail: bool = False
    postal_address_note: Annotated[Text, StringConstraints(max_length=300)] | None = None
    languages: list[str] = Field(default_factory=list, max_length=20)
    accessibility: Annotated[Text, StringConstraints(max_length=1000)] | None = None
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

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value and not _EMAIL.match(value):
            raise ValueError("must be an email address such as name@example.org")
        return value

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
