"""Parse and validate search parameters from a query string. Shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import QueryParams

from directory import vocab
from directory.search import DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchQuery
from directory.search.text import MAX_QUERY_CHARS

MAX_PAGE = 1000
_VOCABULARIES = {"kind": vocab.KINDS, "focus": vocab.FOCUS, "service": vocab.SERVICES}


@dataclass
class ParsedSearch:
    query: SearchQuery
    # Human-readable problems with the parameters, keyed by parameter name.
    problems: dict[str, str] = field(default_factory=dict)


def parse_search(params: QueryParams) -> ParsedSearch:
    problems: dict[str, str] = {}
    q = params.get("q", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        problems["q"] = f"Only the first {MAX_QUERY_CHARS} characters of your search were used."
    filters = {}
    for name in vocab.FACET_FIELDS:
        values, unknown = _filter_values(name, params.getlist(name))
        if unknown:
            problems[name] = f"Unknown {name} ignored: {', '.join(unknown)}."
        if values:
            filters[name] = values
    page = _whole_number(params, "page", 1, 1, MAX_PAGE, problems)
    per_page = _whole_number(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, problems)
    return ParsedSearch(SearchQuery(q=q, filters=filters, page=page, per_page=per_page), problems)


def _filter_values(name: str, raw_values: list[str]) -> tuple[tuple[str, ...], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    for raw in raw_values:
        for value in (part.strip() for part in raw.split(",")):
            if not value:
                continue
            normalised = _normalise(name, value)
            target = known if normalised is not None else unknown
            target.append(normalised or value[:40])
    return tuple(dict.fromkeys(known)), unknown


def _normalise(name: str, value: str) -> str | None:
    if name == "country":
        code = vocab.INTERNATIONAL if value.lower() == vocab.INTERNATIONAL else value.upper()
        return code if vocab.is_country(code) else None
    return value if value in _VOCABULARIES[name] else None


def _whole_number(
    params: QueryParams, name: str, default: int, low: int, high: int, problems: dict[str, str]
) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        problems[name] = f"{name} must be a whole number from {low} to {high}."
        return default
    return int(raw)
