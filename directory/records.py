"""The rules every listing obeys, wherever it comes from, and the one description of its fields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self, get_origin
from urllib.parse import urlsplit

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from directory import vocab

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
PhoneKind = Annotated[str, _in(vocab.PHONE_KINDS, "kind of phone line")]
# A date as precise as its source gives it: "2024", "2024-05" or "2024-05-17".
PartialDate = Annotated[
    str, StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
]


def _known_area(value: str) -> str:
    code = value if value in vocab.AREA_MARKERS else value.upper()
    if not vocab.is_area(code):
        raise PydanticCustomError(
            "area",
            "'{value}' is not an area code: use an ISO 3166 country (GB) or subdivision "
            "(GB-SCT, US-TX) code, 'nationwide' or 'international'",
            {"value": value},
        )
    return code


AreaCode = Annotated[Text, StringConstraints(max_length=20), AfterValidator(_known_area)]
ShortNote = Annotated[Text, StringConstraints(max_length=300)]


class Phone(BaseModel):
    """One phone number of a group: what the line is for, whether calls are free, and when
    it answers. The number is kept in E.164 ("+448002540088"); pages show it as people in
    its country write it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: Annotated[Text, StringConstraints(min_length=3, max_length=40)]
    kind: PhoneKind = Field("office", json_schema_extra={"enum": list(vocab.PHONE_KINDS)})
    free: bool | None = None  # None: no source says
    free_note: ShortNote | None = None  # from where calls are free: "from UK landlines"
    hours: ShortNote | None = None
    source: Url | None = None  # where the number is stated; seed data must give one
    source_date: PartialDate | None = None  # the source's own date, when it has one


class Citation(BaseModel):
    """Where one fact of a listing is stated, and the date that source carries (if any)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Url
    date: PartialDate | None = None


# The facts a listing cites one by one (each phone cites its own source).
CITED_FIELDS: tuple[str, ...] = (
    "email",
    "postal_address",
    "letter_instructions",
    "how_to_ask",
    "opening_hours",
    "last_activity",
    "status",
)
CitedField = Annotated[
    str,
    _in(dict.fromkeys(CITED_FIELDS, ""), "cited field"),
    WithJsonSchema({"type": "string", "enum": list(CITED_FIELDS)}),
]


def phone_number(number: str, country: str | None) -> phonenumbers.PhoneNumber:
    """The number parsed, as dialled in `country` when it has no +country code; ValueError
    when it is not a possible number there."""
    region = country if country and len(country) == 2 else None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValueError(
                f"{number!r} needs + and its country code (such as +44), since the listing's "
                "country does not say where it is dialled from"
            ) from error
        raise ValueError(f"{number!r} is not a phone number") from error
    if not phonenumbers.is_valid_number(parsed):
        where = vocab.country_name(region) if region else "any country"
        raise ValueError(
            f"{number!r} is not a valid phone number in {where} "
            "(give the whole number, with the area code, or with + and the country code)"
        )
    return parsed


def national_format(number: str) -> str:
    """A stored (E.164) number as people in its country write it: "0800 254 0088"."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


MAX_SOURCES = 20


# What each field of a listing is --------------------------------------------------------


class Value(StrEnum):
    """The kind of value a listing field holds: how a form reads it and a page shows it."""

    TEXT = "text"  # one line
    PROSE = "prose"  # several lines
    LINES = "lines"  # a list of one-line texts; a form takes one on each line
    CHOICE = "choice"  # one code of the field's vocabulary
    CHOICES = "choices"  # a set of codes of the field's vocabulary, in no particular order
    COUNTRY = "country"  # ISO 3166-1 alpha-2, or vocab.INTERNATIONAL
    LANGUAGES = "languages"  # ISO 639-1 codes; a form takes their English names
    YEAR = "year"
    NUMBER = "number"
    YES_NO = "yes/no"
    DATE = "date"
    AREAS = "areas"  # ISO 3166 codes and markers; a form takes names or codes, one a line
    PHONES = "phones"  # a list of Phone; a form gives each its own row of fields
    CITATIONS = "citations"  # where each fact is stated: the directory's own, not a form's


@dataclass(frozen=True)
class About:
    """What a listing field is for people, forms and exports, beyond its type and rules.

    Written once on each OrganisationRecord field; FIELDS collects them.
    """

    label: str  # as forms and moderators' pages name it
    value: Value
    # Help shown under the form field; "{max_length:,}" and "{min_length}" say the limits.
    hint: str | None = None
    editable: bool = False  # people may propose it: forms, submissions, imports for review
    public: bool = True  # in the API, the exports and on the listing's page
    vocabulary: Mapping[str, str] | None = None  # the codes of a CHOICE or CHOICES field
    # Where our JSON puts it, when not at the top level under its own name.
    json_path: tuple[str, ...] = ()
    description: str | None = None  # for people using the data: the API documents it


@dataclass(frozen=True, kw_only=True)
class ListingField(About):
    """One row of the field table: a field's About, its name, and what its rules allow."""

    name: str
    many: bool  # a list of values
    # The JSON Schema of its value, from the rules that check it: limits cannot drift.
    schema: Mapping[str, Any]

    @property
    def path(self) -> tuple[str, ...]:
        return self.json_path or (self.name,)

    @property
    def max_length(self) -> int | None:
        """The longest text it (or each of its items) may hold, where there is a limit."""
        return _limit(self.schema, "maxLength")

    @property
    def max_items(self) -> int | None:
        return _limit(self.schema, "maxItems")

    @property
    def unordered(self) -> bool:
        return self.value is Value.CHOICES


def _choose_all_that_apply(label: str, vocabulary: Mapping[str, str]) -> About:
    """A field of one or more codes from a vocabulary, which people may propose."""
    hint = "Choose all that apply."
    return About(label, Value.CHOICES, hint=hint, editable=True, vocabulary=vocabulary)


# Records ---------------------------------------------------------------------------------


class _ListingRules(BaseModel):
    """The rules a listing's fields obey together, for a record and for a proposal alike."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("country", check_fields=False)
    @classmethod
    def _known_country(cls, value: str) -> str:
        code = value if value == vocab.INTERNATIONAL else value.upper()
        if not vocab.is_country(code):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code

    @field_validator("languages", check_fields=False)
    @classmethod
    def _known_languages(cls, values: list[str]) -> list[str]:
        for value in values:
            if pycountry.languages.get(alpha_2=value) is None:
                raise ValueError(f"{value!r} is not an ISO 639-1 language code")
        return values

    @field_validator("phones", check_fields=False)
    @classmethod
    def _normalised_phones(cls, phones: list[Phone], info: ValidationInfo) -> list[Phone]:
        country = info.data.get("country")
        normalised = []
        for position, phone in enumerate(phones, start=1):
            try:
                parsed = phone_number(phone.number, country)
            except ValueError as error:
                raise ValueError(f"phone {position}: {error}") from None
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            normalised.append(phone.model_copy(update={"number": e164}))
        return normalised

    @field_validator(
        "focus",
        "services",
        "alternate_names",
        "areas_served",
        "prisons_served",
        "languages",
        check_fields=False,
    )
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # A proposal has no coordinates or verification: those checks pass for it.
        if (getattr(self, "latitude", None) is None) != (getattr(self, "longitude", None) is None):
            raise ValueError("latitude and longitude go together: give both or neither")
        if getattr(self, "postal_address_accepts_prisoner_mail", False) and not getattr(
            self, "postal_address", None
        ):
            raise ValueError("postal_address_accepts_prisoner_mail needs a postal_address")
        if getattr(self, "verified_by", None) and not getattr(self, "verified_on", None):
            raise ValueError("verified_by needs verified_on")
        return self


class OrganisationRecord(_ListingRules):
    """An organisation's public fields, validated. Maps one-to-one onto the Organisation table.

    This is the one description of a listing: each field's type and rules, and (its About)
    its label, form hint, kind of value and who may see or propose it. The field table
    (FIELDS), the API's and exports' shapes, the forms and the moderation diff follow it.
    """

    slug: Annotated[
        str, StringConstraints(pattern=SLUG_PATTERN, max_length=80), About("Slug", Value.TEXT)
    ]
    name: Annotated[ShortText, About("Name of the group", Value.TEXT, editable=True)]
    alternate_names: Annotated[
        list[ShortText],
        About(
            "Other names",
            Value.LINES,
            hint="Other names or spellings people may know the group by, one on each line.",
            editable=True,
        ),
    ] = Field(default_factory=list, max_length=10)
    kind: Annotated[
        Kind, About("Kind of group", Value.CHOICE, editable=True, vocabulary=vocab.KINDS)
    ]
    description: Annotated[
        MultilineText,
        StringConstraints(min_length=20, max_length=4000),
        About(
            "What the group does",
            Value.PROSE,
            hint="In your own words: who they help and how. At least {min_length} characters, "
            "up to {max_length:,}. Please do not include the names or prison numbers of "
            "people inside.",
            editable=True,
        ),
    ]
    focus: Annotated[
        list[FocusTag],
        _choose_all_that_apply("Who they support", vocab.FOCUS),
    ] = Field(min_length=1)
    services: Annotated[
        list[Service],
        _choose_all_that_apply("What they offer", vocab.SERVICES),
    ] = Field(min_length=1)
    country: Annotated[
        str,
        About(
            "Country",
            Value.COUNTRY,
            hint="Choose “International” for groups that work across several countries.",
            editable=True,
        ),
    ]
    region: Annotated[Place | None, About("Region, state or county", Value.TEXT, editable=True)] = (
        None
    )
    city: Annotated[Place | None, About("Town or city", Value.TEXT, editable=True)] = None
    areas_served: Annotated[
        list[AreaCode],
        About(
            "Areas served",
            Value.AREAS,
            hint="Countries, nations, states or provinces they cover, one on each line, such as "
            "“Scotland”, “Texas” or “Ireland”; or “nationwide” or “international”.",
            editable=True,
            description="ISO 3166 codes: countries (GB) and subdivisions (GB-SCT, US-TX), "
            "plus 'nationwide' (all of the listing's country) and 'international'.",
        ),
    ] = Field(default_factory=list, max_length=60)
    areas_served_note: Annotated[
        ShortNote | None,
        About(
            "More about where they work",
            Value.TEXT,
            hint="What the list above cannot say, such as “families visiting HMP Barlinnie” "
            "or “women's prisons in the Midwest”.",
            editable=True,
        ),
    ] = None
    prisons_served: Annotated[
        list[ShortText],
        About(
            "Prisons they work in or serve",
            Value.LINES,
            hint="Prison names as people write them, such as “HMP Barlinnie”, one on each line.",
            editable=True,
        ),
    ] = Field(default_factory=list, max_length=40)
    latitude: Annotated[float | None, About("Latitude", Value.NUMBER)] = Field(
        default=None, ge=-90, le=90
    )
    longitude: Annotated[float | None, About("Longitude", Value.NUMBER)] = Field(
        default=None, ge=-180, le=180
    )
    website: Annotated[
        Url | None,
        About("Website", Value.TEXT, hint="For example, https://example.org", editable=True),
    ] = None
    phones: Annotated[
        list[Phone],
        About(
            "Phone numbers",
            Value.PHONES,
            hint="Numbers the group publishes, with what each line is for and when it answers.",
            editable=True,
        ),
    ] = Field(default_factory=list, max_length=6)
    email: Annotated[
        EmailAddress | None,
        About(
            "Email address",
            Value.TEXT,
            hint="An address the group shares publicly.",
            editable=True,
        ),
    ] = None
    postal_address: Annotated[
        Annotated[MultilineText, StringConstraints(max_length=500)] | None,
        About(
            "Postal address",
            Value.PROSE,
            hint="Where letters can be sent, as it should be written on an envelope.",
            editable=True,
        ),
    ] = None
    postal_address_accepts_prisoner_mail: Annotated[
        bool, About("People in prison can write to this address", Value.YES_NO, editable=True)
    ] = False
    postal_address_note: Annotated[
        Annotated[Text, StringConstraints(max_length=300)] | None,
        About(
            "Note about the postal address",
            Value.TEXT,
            hint="For example: “Write the group's name only, not ‘Anarchist Black Cross’, "
            "on the envelope.”",
            editable=True,
        ),
    ] = None
    letter_instructions: Annotated[
        Annotated[MultilineText, StringConstraints(max_length=500)] | None,
        About(
            "How to write to them",
            Value.PROSE,
            hint="How to address a letter and what to put in it, such as “Write with your "
            "name and prison number” or “PO Box only”.",
            editable=True,
        ),
    ] = None
    how_to_ask: Annotated[
        Annotated[MultilineText, StringConstraints(max_length=500)] | None,
        About(
            "How to ask them for help",
            Value.PROSE,
            hint="For example: “Fill in the form on their website”, “Families can phone”, "
            "“Write to us”.",
            editable=True,
        ),
    ] = None
    opening_hours: Annotated[
        ShortNote | None,
        About(
            "Opening hours",
            Value.TEXT,
            hint="When they answer or are open, such as “Monday to Friday, 9am to 5pm”.",
            editable=True,
        ),
    ] = None
    languages: Annotated[
        list[str],
        About(
            "Languages",
            Value.LANGUAGES,
            hint="Languages the group works in, in English and separated by commas, for "
            "example “English, Spanish”.",
            editable=True,
        ),
    ] = Field(default_factory=list, max_length=20)
    accessibility: Annotated[
        Annotated[MultilineText, StringConstraints(max_length=1000)] | None,
        About(
            "Accessibility",
            Value.PROSE,
            hint="Anything that helps people reach them: step-free access, large print, "
            "translation, free phone line.",
            editable=True,
        ),
    ] = None
    founded_year: Annotated[
        int | None, About("Year founded", Value.YEAR, hint="For example, 1998.", editable=True)
    ] = Field(default=None, ge=1800, le=2100)
    status: Annotated[
        Status,
        About("Is the group active?", Value.CHOICE, editable=True, vocabulary=vocab.STATUSES),
    ] = "unknown"
    last_activity: Annotated[
        Annotated[str, StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")] | None,
        About("Last activity", Value.TEXT),
    ] = None
    verified_on: Annotated[
        date | None, About("Verified on", Value.DATE, json_path=("verification", "last_verified"))
    ] = None
    verified_by: Annotated[
        ShortText | None,
        About(
            "Verified by",
            Value.TEXT,
            json_path=("verification", "verified_by"),
            description="Who checked the listing: a public name the moderator chose, "
            "'a volunteer moderator', or a note on how it was checked; never a moderator's "
            "username.",
        ),
    ] = None
    sources: Annotated[
        list[Url],
        About(
            "Where these details can be checked",
            Value.LINES,
            hint="Web pages that show these details, such as the group's own site or social "
            "media, one on each line. This helps us check them quickly.",
            editable=True,
        ),
    ] = Field(min_length=1, max_length=MAX_SOURCES)
    citations: Annotated[
        dict[CitedField, Citation],
        About(
            "Where each detail is stated",
            Value.CITATIONS,
            description="For a fact named here (email, postal_address, letter_instructions, "
            "how_to_ask, opening_hours, last_activity, status), the source that states it "
            "and that source's own date, when it has one. Phones cite their own sources.",
        ),
    ] = Field(default_factory=dict)


# The field table, and what follows from it -----------------------------------------------


def _field_table() -> dict[str, ListingField]:
    whole = OrganisationRecord.model_json_schema(mode="serialization")
    properties = _inlined(whole["properties"], whole.get("$defs", {}))
    table = {}
    for name, info in OrganisationRecord.model_fields.items():
        about = next(item for item in info.metadata if isinstance(item, About))
        schema = _value_schema(properties[name], about.vocabulary)
        hint = about.hint.format_map(_limits(schema)) if about.hint else None
        table[name] = ListingField(
            **{**vars(about), "hint": hint},
            name=name,
            many=get_origin(info.annotation) is list,
            schema=schema,
        )
    return table


def _inlined(schema: Any, definitions: Mapping[str, Any]) -> Any:
    """The schema with each "$ref" to a definition replaced by the definition itself, so
    that a field's schema stands on its own (Phone, Citation), without titles."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inlined(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    inlined = {key: _inlined(value, definitions) for key, value in schema.items()}
    if inlined.get("type") == "object" and "properties" in inlined:
        inlined.pop("title", None)
        inlined["properties"] = {
            key: {k: v for k, v in value.items() if k != "title"}
            for key, value in inlined["properties"].items()
        }
    return inlined


def _value_schema(schema: dict[str, Any], vocabulary: Mapping[str, str] | None) -> dict[str, Any]:
    """pydantic's JSON Schema of a field, without its title and default, with its codes."""
    schema = {key: value for key, value in schema.items() if key not in ("title", "default")}
    if vocabulary is not None:
        if "items" in schema:
            schema["items"] = {**schema["items"], "enum": list(vocabulary)}
        else:
            schema["enum"] = list(vocabulary)
    return schema


def _limit(schema: Mapping[str, Any], key: str) -> int | None:
    for part in (schema, schema.get("items", {}), *schema.get("anyOf", ())):
        if key in part:
            return int(part[key])
    return None


def _limits(schema: Mapping[str, Any]) -> dict[str, int | None]:
    return {"min_length": _limit(schema, "minLength"), "max_length": _limit(schema, "maxLength")}


# Every field of a listing, in the order the API, the exports and the audit log give them.
FIELDS: Mapping[str, ListingField] = _field_table()
# What the API and the exports show; everything else about a listing is the directory's own.
PUBLIC_FIELDS: tuple[str, ...] = tuple(name for name, f in FIELDS.items() if f.public)
# What people may propose. Coordinates, activity dates, the slug and verification are the
# directory's own business and are never taken from a submission.
EDITABLE_FIELDS: tuple[str, ...] = tuple(name for name, f in FIELDS.items() if f.editable)
# Sets of codes: a form lists them in vocabulary order, a listing in any order.
UNORDERED_FIELDS = frozenset(name for name, f in FIELDS.items() if f.unordered)


def _proposal_model() -> type[_ListingRules]:
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in OrganisationRecord.model_fields.items()
        if name in EDITABLE_FIELDS
    }
    # Submitters need not name a source: moderators must, before the listing goes live.
    fields["sources"] = (list[Url], Field(default_factory=list, max_length=MAX_SOURCES))
    return create_model(
        "ListingProposal",
        __base__=_ListingRules,
        __module__=__name__,
        __doc__=_PROPOSAL_DOC,
        **fields,
    )


_PROPOSAL_DOC = """What a form, a submission or an import for review may propose for a listing.

The listing's editable fields, by the listing's own rules, and nothing else: no slug (the
directory gives one when it publishes a new listing) and no verification. Sources may be
empty: a moderator adds one before the listing goes live.
"""
ListingProposal = _proposal_model()
