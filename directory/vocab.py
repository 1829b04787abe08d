"""Controlled vocabularies: kinds, focus tags, services and statuses, with human labels.

Models, seed validation, search facets, forms and templates all read these tables, so a
new value is added here once and appears everywhere.
"""

from __future__ import annotations

from functools import cache

import pycountry

KINDS: dict[str, str] = {
    "abc-group": "Anarchist Black Cross group",
    "special-interest": "Special-interest group",
    "regional-network": "Regional network",
    "national-network": "National or international network",
    "national-charity": "National charity",
    "books-to-prisoners": "Books to prisoners",
    "family-support": "Family support",
    "legal-advice": "Legal advice",
    "visiting": "Prison visiting",
    "resettlement": "Resettlement and re-entry",
}

FOCUS: dict[str, str] = {
    "all-prisoners": "Anyone in prison",
    "political-prisoners": "Political prisoners",
    "women": "Women",
    "lgbtq": "LGBTQ+",
    "black-minority-ethnic": "Black and minority-ethnic people",
    "vegan": "Vegans",
    "faith-meditation": "Faith and meditation",
    "earth-animal-liberation": "Earth and animal liberation prisoners",
    "families": "Families and children",
    "young-people": "Young people",
    "veterans": "Veterans",
    "hiv": "People living with HIV",
    "drug-war": "People imprisoned over drugs",
    "abolition": "Prison abolition",
    "reform": "Prison reform",
}

SERVICES: dict[str, str] = {
    "letter-writing": "Letter writing",
    "pen-pals": "Pen pals",
    "prisoner-funds": "Prisoner funds",
    "books": "Books",
    "education": "Education and courses",
    "visiting": "Visiting",
    "legal": "Legal help",
    "advice": "Information and advice",
    "helpline": "Helpline",
    "campaigning": "Campaigning",
    "events": "Events and workshops",
    "publications": "Newsletters and publications",
    "resettlement": "Resettlement",
    "housing": "Housing",
    "family-support": "Family support",
    "essentials": "Food and essentials",
}

STATUSES: dict[str, str] = {
    "active": "Active",
    "inactive": "No longer active",
    "unknown": "Not confirmed recently",
}

# What a phone number is for, as a listing says it.
PHONE_KINDS: dict[str, str] = {
    "helpline": "Helpline",
    "office": "Office",
    "text": "Text messages",
}

# Activities: what a group holds, whether it still happens, and what the source says it
# offers so that people can come. A provision not listed on an activity was not stated.
ACTIVITY_KINDS: dict[str, str] = {
    "letter-writing": "Letter writing",
    "workshop": "Workshop",
    "meeting": "Meeting",
    "packing-session": "Packing session",
    "fundraiser": "Fundraiser",
    "training": "Training",
    "other": "Other",
}

ACCESS_PROVISIONS: dict[str, str] = {
    "captions": "Live captions",
    "bsl": "British Sign Language interpretation",
    "asl": "American Sign Language interpretation",
    "sign-other": "Other sign language interpretation",
    "audio-description": "Audio description",
    "step-free": "Step-free access",
    "accessible-toilet": "Accessible toilet",
    "hearing-loop": "Hearing loop",
    "quiet-space": "Quiet space",
    "large-print": "Large print or easy read",
    "child-fund": "Childcare or child fund",
    "carer-fund": "Carer or support worker fund",
    "travel-fund": "Travel fund",
    "data-fund": "Phone data fund",
    "food": "Food provided",
    "free": "Free",
}

ACTIVITY_STATUSES: dict[str, str] = {
    "scheduled": "Scheduled",
    "cancelled": "Cancelled",
}

# Areas a group serves beyond ISO 3166 codes: its whole country, or several countries.
NATIONWIDE = "nationwide"
AREA_MARKERS: dict[str, str] = {
    NATIONWIDE: "Nationwide",
    "international": "International",
}

# Shorter everyday names where the ISO name is not what people say.
COUNTRY_NAMES = {
    "RU": "Russia",
    "BO": "Bolivia",
    "IR": "Iran",
    "KR": "South Korea",
    "KP": "North Korea",
    "MD": "Moldova",
    "SY": "Syria",
    "TZ": "Tanzania",
    "VE": "Venezuela",
    "VN": "Vietnam",
    "LA": "Laos",
}

# Words people use for what they need, each with the directory's own words for it: a search
# for one also finds listings tagged or described with the other. They widen and rank a
# search; they never filter it.
_FAMILY = ("families",)
_LETTERS = ("letter writing", "pen pals")
_LEGAL = ("legal",)
_LGBTQ = ("lgbtq",)
NEEDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        [
            "son",
            "sons",
            "daughter",
            "daughters",
            "mum",
            "mom",
            "mother",
            "dad",
            "father",
            "brother",
            "sister",
            "partner",
            "wife",
            "husband",
            "boyfriend",
            "girlfriend",
            "grandson",
            "granddaughter",
            "grandad",
            "nephew",
            "niece",
            "cousin",
            "relative",
            "loved",
            "parent",
            "parents",
        ],
        _FAMILY,
    ),
    **dict.fromkeys(["kids", "child", "children"], ("families", "children")),
    **dict.fromkeys(["write", "writing", "letter", "letters", "penpal", "penfriend"], _LETTERS),
    **dict.fromkeys(["lawyer", "solicitor", "attorney", "rights"], _LEGAL),
    "advice": ("legal", "advice"),
    **dict.fromkeys(["visit", "visits", "visitor", "visitors"], ("visiting",)),
    **dict.fromkeys(["trans", "gay", "lesbian", "queer", "bisexual", "lgbt"], _LGBTQ),
    "transgender": ("trans", "lgbtq"),
    **dict.fromkeys(["woman", "female", "girls"], ("women",)),
    **dict.fromkeys(["money", "cash", "funds", "commissary"], ("prisoner funds",)),
    **dict.fromkeys(["release", "released", "housing", "homeless"], ("resettlement",)),
    **dict.fromkeys(["book", "reading"], ("books",)),
}

# What each need means in the vocabularies: listings tagged so come first when a search says
# it ("my son is in prison" puts family services first), in both backends alike.
NEED_FACETS: dict[str, tuple[tuple[str, str], ...]] = {
    "families": (("focus", "families"), ("service", "family-support"), ("kind", "family-support")),
    "letter writing": (("service", "letter-writing"),),
    "pen pals": (("service", "pen-pals"),),
    "legal": (("service", "legal"), ("kind", "legal-advice")),
    "visiting": (("service", "visiting"), ("kind", "visiting")),
    "lgbtq": (("focus", "lgbtq"),),
    "trans": (("focus", "lgbtq"),),
    "women": (("focus", "women"),),
    "prisoner funds": (("service", "prisoner-funds"),),
    "resettlement": (("service", "resettlement"), ("service", "housing"), ("kind", "resettlement")),
    "books": (("service", "books"), ("kind", "books-to-prisoners")),
    "advice": (("service", "advice"),),
    # Who a group is for, when a search names them: "black prisoners uk".
    "black": (("focus", "black-minority-ethnic"),),
    "vegan": (("focus", "vegan"),),
    "veterans": (("focus", "veterans"),),
    "political": (("focus", "political-prisoners"),),
    "young": (("focus", "young-people"),),
    "hiv": (("focus", "hiv"),),
}
# Foci that name who a group is for rather than what it does: when a search names nobody,
# groups for anyone in prison come before groups for one of these among equal matches.
POPULATION_FOCUS = frozenset(FOCUS) - {"all-prisoners", "families", "abolition", "reform"}

# Who a prison holds, in the register's words ("Low security, female"), and the need that
# makes: a search for a women's prison also puts groups for women in prison first.
PRISON_POPULATION_NEEDS: dict[str, str] = {
    "female": "women",
    "women": "women",
    "young": "young",
    "youth": "young",
    "juvenile": "young",
}

# Ways of saying one thing in several words, read as the one word the directory matches.
PHRASES: dict[str, str] = {
    "pen pal": "penpal",
    "pen pals": "penpals",
    "pen friend": "penfriend",
    "pen friends": "penfriends",
    "sent down": "prison",
    "locked up": "prison",
    "banged up": "prison",
    "put away": "prison",
    "doing time": "prison",
}

# Words that name a kind of prison rather than a place ("HMP Barlinnie", "Perth prison").
PRISON_WORDS = frozenset(
    "hmp hmyoi yoi prison prisons gaol jail penitentiary fci usp fmc fdc mdc mcc fpc fcc "
    "federal correctional institution".split()
)

# Names people use for countries that are not ISO's, other languages' included.
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "america": "US",
    "united states": "US",
    "united states of america": "US",
    "eire": "IE",
    "republic of ireland": "IE",
    "deutschland": "DE",
    "osterreich": "AT",
    "espana": "ES",
    "italia": "IT",
    "polska": "PL",
    "rossiya": "RU",
    "россия": "RU",
    "belarus": "BY",
    "schweiz": "CH",
    "suisse": "CH",
    "nederland": "NL",
    "holland": "NL",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "ellada": "GR",
    "turkiye": "TR",
    "brasil": "BR",
    "mexico": "MX",
}

# Organisations that work across borders have no single country; they facet under this key.
INTERNATIONAL = "international"
INTERNATIONAL_LABEL = "International"

# The facets the search interface exposes, in display order, with their vocabularies.
FACET_FIELDS: tuple[str, ...] = ("kind", "country", "focus", "service")


# Every value a listing's country may take: the ISO 3166-1 alpha-2 codes, then the marker.
COUNTRY_CODES: tuple[str, ...] = (
    *sorted(str(country.alpha_2) for country in pycountry.countries),
    INTERNATIONAL,
)
_COUNTRY_CODES = frozenset(COUNTRY_CODES)


def is_country(code: str) -> bool:
    """Whether code is an ISO 3166-1 alpha-2 code (upper case) or the international marker."""
    return code in _COUNTRY_CODES


def country_code(name: str) -> str | None:
    """The ISO code for a country's English name ("Germany" -> "DE"), if it is one."""
    wanted = name.strip().casefold()
    for code, everyday in COUNTRY_NAMES.items():
        if everyday.casefold() == wanted:
            return code
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2)
    except LookupError:
        return None


def country_name(code: str) -> str:
    """The English name for an ISO 3166-1 alpha-2 code (or the international marker)."""
    if code == INTERNATIONAL:
        return INTERNATIONAL_LABEL
    if code in COUNTRY_NAMES:
        return COUNTRY_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def is_area(code: str) -> bool:
    """Whether code names an area a group may serve: a marker, a country or a subdivision."""
    if code in AREA_MARKERS:
        return True
    if len(code) == 2:
        return code in _COUNTRY_CODES
    return pycountry.subdivisions.get(code=code) is not None  # type: ignore[no-untyped-call]


def area_name(code: str, country: str | None = None) -> str:
    """An area's name as people say it: "Scotland", "Texas", "United Kingdom", "Nationwide".

    With the listing's country, "nationwide" names it: "Nationwide (Ireland)".
    """
    if code == NATIONWIDE and country and country != INTERNATIONAL:
        return f"Nationwide ({country_name(country)})"
    if code in AREA_MARKERS:
        return AREA_MARKERS[code]
    if len(code) == 2:
        return country_name(code)
    subdivision = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return _plain_name(subdivision) if subdivision is not None else code


def _plain_name(subdivision: object) -> str:
    """A subdivision's English name without the other-language note: "Wales [Cymru GB-CYM]"."""
    return str(getattr(subdivision, "name", "")).split(" [")[0].split(";")[0].strip()


def area_form_name(code: str) -> str:
    """How a form writes an area so that reading it back gives the same code: its name
    where the name is understood ("Scotland"), else the code itself."""
    name = AREA_MARKERS.get(code) or area_name(code)
    return name if area_code(name) == code else code


def area_code(text: str) -> str | None:
    """The code for what a person typed as an area: a code ("GB-SCT", "us-tx"), a marker
    ("nationwide"), a country's name ("Ireland") or a subdivision's ("Scotland", "Texas")."""
    wanted = text.strip()
    if not wanted:
        return None
    upper = wanted.upper()
    if wanted.casefold() in AREA_MARKERS:
        return wanted.casefold()
    if is_area(upper):
        return upper
    country = country_code(wanted)
    if country:
        return country
    return _subdivision_codes().get(wanted.casefold())


@cache
def _subdivision_codes() -> dict[str, str]:
    # The nations of the UK and the states and provinces people name most; for the rest
    # (thousands of districts worldwide, many sharing a name) a code is needed.
    wanted = ("GB", "US", "CA", "AU", "IE", "DE", "NZ")
    names: dict[str, str] = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.country_code in wanted:
            names.setdefault(_plain_name(subdivision).casefold(), str(subdivision.code))
    return names


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language is not None else code


def label(field: str, value: str) -> str:
    """The human label for a facet value."""
    if field == "country":
        return country_name(value)
    table = {
        "kind": KINDS,
        "focus": FOCUS,
        "service": SERVICES,
        "status": STATUSES,
        "phone_kind": PHONE_KINDS,
        "activity_kind": ACTIVITY_KINDS,
        "access": ACCESS_PROVISIONS,
        "activity_status": ACTIVITY_STATUSES,
    }[field]
    return table.get(value, value)


# Submissions: what was sent, where it stands, and why a listing was reported.
SUBMISSION_TYPES: dict[str, str] = {
    "new": "New listing",
    "edit": "Suggested edit",
    "report": "Problem report",
    "activity-new": "New activity",
    "activity-edit": "Activity correction",
    "activity-cancel": "Activity cancellation",
}
# Submissions about an activity rather than a listing (the listing is the one it belongs to).
ACTIVITY_SUBMISSION_TYPES: tuple[str, ...] = ("activity-new", "activity-edit", "activity-cancel")

SUBMISSION_STATUSES: dict[str, str] = {
    "pending": "Waiting for review",
    "changes_requested": "Changes requested",
    "approved": "Approved",
    "rejected": "Not accepted",
    "spam": "Marked as spam",
}

# A submission in one of these may still be decided; every other status is final.
OPEN_SUBMISSION_STATUSES: tuple[str, ...] = ("pending", "changes_requested")

REPORT_REASONS: dict[str, str] = {
    "website-dead": "The website does not work",
    "contact-wrong": "The contact details are wrong",
    "group-closed": "The group has closed",
    "other": "Something else",
}

SUBMITTER_RELATIONS: dict[str, str] = {
    "member": "I am part of this group",
    "supporter": "I know the group or work with them",
    "family": "I am a family member or friend of someone in prison",
    "other": "Something else",
}

MODERATOR_ROLES: dict[str, str] = {
    "moderator": "Moderator",
    "admin": "Administrator",
}

AUDIT_ACTIONS: dict[str, str] = {
    "approve": "Approved",
    "reject": "Rejected",
    "request_changes": "Changes requested",
    "mark_spam": "Marked as spam",
    "revise": "Corrected version sent",
    "import": "Published from an import",
    "confirm": "Checked and still correct",
    "mark_inactive": "Marked as no longer active",
    "moderator_edit": "Edited directly",
    "moderator_create": "Added a moderator",
    "moderator_activate": "Reactivated a moderator",
    "moderator_deactivate": "Deactivated a moderator",
    "two_factor_enable": "Turned on two-factor sign-in",
    "two_factor_disable": "Turned off two-factor sign-in",
    "two_factor_reset": "Reset a moderator's two-factor sign-in",
    "two_factor_new_codes": "Made new recovery codes",
    "two_factor_recovery_used": "Signed in with a recovery code",
    "password_reset_requested": "Asked for a new password",
    "password_reset": "Chose a new password from an emailed link",
}

# An email in the outbox (models.MailMessage): waiting to be sent (or for a mail server to be
# configured), sent, or given up on.
MAIL_STATUSES: dict[str, str] = {
    "waiting": "Waiting to be sent",
    "sent": "Sent",
    "failed": "Could not be sent",
}

# Each email the directory sends: its template under templates/mail/, and what it is.
MAIL_TEMPLATES: dict[str, str] = {
    "received": "We received your submission",
    "approved": "Your submission is published",
    "changes_requested": "Please change your submission",
    "rejected": "Your submission was not accepted",
    "reported": "A listing you approved was reported",
    "digest": "What waits in the queue",
    "password_reset": "Choose a new password",
}
