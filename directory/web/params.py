"""Parse and validate search parameters from a query string. Shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from directory import vocab
from directory.search import DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchQuery
from directory.search.text import MAX_QUERY_CHARS

MAX_PAGE = 1000
# How a filter value that is only spaces is quoted back ("Unknown kind of group ignored:
# (blank).").
BLANK = "(blank)"
_VOCABULARIES = {"kind": vocab.KINDS, "focus": vocab.FOCUS, "service": vocab.SERVICES}


RADIUS_CHOICES_KM = (10, 25, 50, 100, 250)
DEFAULT_RADIUS_KM = 50
MAX_RADIUS_KM = 1000
MAX_PLACE_CHARS = 100
# static/search.js asks for /search?...&part=results: the results region alone, to put in
# place of the one shown.
PART = "part"
RESULTS_PART = "results"
# A listing opened from search results carries that search's query string in `from`, so that
# its page can link back to the same results.
FROM = "from"
MAX_FROM_CHARS = 2000
SEARCH_PARAMETERS = frozenset({"q", *vocab.FACET_FIELDS, "near", "radius_km", "page", "per_page"})

# Problems are keyed by parameter name (the API's "fields"), and said in words a person
# understands: what each parameter is, as the page or the API's documentation says it.
_FILTER_NAMES = {
    "kind": "kind of group",
    "country": "country",
    "focus": "choice of who they support",
    "service": "choice of what they offer",
}
_ONE_VALUE_NAMES = {
    "q": "search",
    "near": "place",
    "radius_km": "distance",
    "page": "page number",
    "per_page": "number of results per page",
    "modified_after": "date to list changes after",
}
_NUMBER_NAMES = {
    "page": "Page",
    "per_page": "The number of results per page",
    "radius_km": "The distance",
}
_NUMBER_UNITS = {"radius_km": " of kilometres"}


@dataclass
class ParsedSearch:
    query: SearchQuery
    # Human-readable problems with the parameters, keyed by parameter name.
    problems: dict[str, str] = field(default_factory=dict)
    # "Near a place", as typed; resolved to coordinates by the gazetteer, not here.
    near: str = ""
    radius_km: int = DEFAULT_RADIUS_KM


def parse_search(params: QueryParams) -> ParsedSearch:
    problems: dict[str, str] = {}
    q = _one(params, "q", problems).strip()
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        problems["q"] = f"Only the first {MAX_QUERY_CHARS} characters of your search were used."
    filters = {}
    for name in vocab.FACET_FIELDS:
        values, unknown = _filter_values(name, params.getlist(name))
        if unknown:
            problems[name] = f"Unknown {_FILTER_NAMES[name]} ignored: {', '.join(unknown)}."
        if values:
            filters[name] = values
    page = _whole_number(params, "page", 1, 1, MAX_PAGE, problems)
    per_page = _whole_number(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, problems)
    near = " ".join(_one(params, "near", problems).split())[:MAX_PLACE_CHARS]
    radius = _whole_number(params, "radius_km", DEFAULT_RADIUS_KM, 1, MAX_RADIUS_KM, problems)
    query = SearchQuery(q=q, filters=filters, page=page, per_page=per_page)
    return ParsedSearch(query, problems, near, radius)


def came_from(params: QueryParams) -> ParsedSearch | None:
    """The search a listing page was opened from: its `from` parameter, that search's query
    string. None when there is none, or it is not a search's: given twice, too long, holding
    any other parameter (an address, "javascript:...") or a value the search would refuse.
    Only the parsed search is used, so nothing of what was sent is echoed back as it came."""
    values = params.getlist(FROM)
    if len(values) != 1 or not 0 < len(values[0]) <= MAX_FROM_CHARS:
        return None
    searched = QueryParams(values[0])
    if not searched or not set(searched.keys()) <= SEARCH_PARAMETERS:
        return None
    parsed = parse_search(searched)
    return None if parsed.problems else parsed


def results_only(params: QueryParams) -> bool:
    """Whether only the search page's results region is asked for, not the whole page."""
    return params.get(PART) == RESULTS_PART


def _filter_values(name: str, raw_values: list[str]) -> tuple[tuple[str, ...], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    for raw in raw_values:
        if not raw:
            continue  # an empty value is no filter, as an empty form field sends
        for value in (part.strip() for part in raw.split(",")):
            normalised = _normalise(name, value) if value else None
            target = known if normalised is not None else unknown
            target.append(normalised or value[:40] or BLANK)
    return tuple(dict.fromkeys(known)), unknown


def _normalise(name: str, value: str) -> str | None:
    if name == "country":
        code = vocab.INTERNATIONAL if value.lower() == vocab.INTERNATIONAL else value.upper()
        return code if vocab.is_country(code) else None
    return value if value in _VOCABULARIES[name] else None


def _one(params: QueryParams, name: str, problems: dict[str, str]) -> str:
    """The value of a parameter that takes one ("" when absent); given more than once, it is
    refused rather than one of them picked."""
    values = params.getlist(name)
    if len(values) > 1:
        problems[name] = (
            f"Only one {_ONE_VALUE_NAMES[name]} can be used at a time, not {len(values)}."
        )
        return ""
    return values[0] if values else ""


def _whole_number(
    params: QueryParams, name: str, default: int, low: int, high: int, problems: dict[str, str]
) -> int:
    raw = _one(params, name, problems)
    if not raw:  # an empty value is the default, as an empty form field sends
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        problems[name] = (
            f"{_NUMBER_NAMES[name]} must be a whole number{_NUMBER_UNITS.get(name, '')} "
            f"from {low} to {high}."
        )
        return default
    return int(raw)


@dataclass
class ParsedListing:
    """Parameters of /api/organisations: filters, a page, and changes since a moment."""

    filters: dict[str, tuple[str, ...]]
    modified_after: datetime | None
    page: int
    per_page: int
    problems: dict[str, str] = field(default_factory=dict)


def parse_listing(params: QueryParams) -> ParsedListing:
    search = parse_search(params)
    problems = {k: v for k, v in search.problems.items() if k not in ("q", "near")}
    modified_after = None
    raw = _one(params, "modified_after", problems)
    if raw:
        try:
            # RFC 3339 lets the T and Z be lower case; fromisoformat wants them upper case.
            modified_after = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
            if modified_after.tzinfo is None:
                modified_after = modified_after.replace(tzinfo=UTC)
            # Times are stored in UTC; in UTC, "0001-01-01T00:00+01:00" is before year 1,
            # which Python cannot represent (OverflowError).
            modified_after = modified_after.astimezone(UTC)
        except ValueError:
            modified_after = None
            problems["modified_after"] = (
                "The date to list changes after must be an ISO 8601 date or time, such as "
                "2026-01-31 or 2026-01-31T12:00:00Z."
            )
        except OverflowError:
            modified_after = None
            problems["modified_after"] = (
                "The date to list changes after must be in the years 1 to 9999, in UTC."
            )
    query = search.query
    return ParsedListing(dict(query.filters), modified_after, query.page, query.per_page, problems)
