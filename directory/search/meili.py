"""The Meilisearch backend, with the official client. Synchronous: call it off the event loop.

Settings are applied before any document is added. Filters are built only from vocabulary
values the web layer validated, and are still quoted and escaped. Highlights come from
`_formatted`, which holds stored text as-is: it is escaped here before the marks go in.
Every call has a timeout; every failure becomes SearchUnavailable so callers can fall back.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from itertools import islice
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from directory import vocab
from directory.search import synonyms, text
from directory.search.errors import SearchUnavailable
from directory.search.interface import (
    STORED_HIT_FIELDS,
    Document,
    Hit,
    SearchQuery,
    SearchResults,
    make_hit,
)

log = logging.getLogger(__name__)

BATCH = 1000
_OPEN, _CLOSE = "\x02", "\x03"  # control characters never stored, so never in user text
_CROP_WORDS = 24
# Our document's fields the index keeps under another name: "service" is the facet's name.
_RENAMED = {"services": "service"}
_HIT_FIELDS = [_RENAMED.get(name, name) for name in STORED_HIT_FIELDS]
T = TypeVar("T")

# The index settings, applied before documents. Field order in searchableAttributes is
# importance: names first, then place, then vocabulary labels, then the description.
# "sort" ranks first because we only ask to sort when ordering must win over relevance:
# by distance near a place, by name when there is no query. Ties end alphabetical.
SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["name", "alternate_names", "place_text", "tags_text", "description"],
    "filterableAttributes": ["id", "kind", "country", "focus", "service", "status", "_geo"],
    "sortableAttributes": ["sort_name", "_geo"],
    "rankingRules": [
        "sort",
        "words",
        "attributeRank",
        "typo",
        "proximity",
        "wordPosition",
        "exactness",
        "sort_name:asc",
    ],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "faceting": {"maxValuesPerFacet": 300},
    "pagination": {"maxTotalHits": 100_000},
    "synonyms": synonyms.synonyms(),
    "stopWords": sorted(text.STOP_WORDS),
}


class MeilisearchSearch:
    """Search through a Meilisearch index named `index_uid`."""

    name = "meilisearch"
    remote = True

    def __init__(
        self,
        url: str,
        api_key: str = "",
        index_uid: str = "organisations",
        timeout: float = 2.0,
        task_timeout: float = 120.0,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self.task_timeout_ms = int(task_timeout * 1000)
        self.client = meilisearch.Client(url, api_key or None, timeout=timeout)  # type: ignore[arg-type]
        self._settings_applied = False

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        requests = search_requests(self.index_uid, query)
        response = self._call(lambda: self.client.multi_search(requests))
        return parse_results(query, response["results"])

    def health(self) -> dict[str, Any]:
        try:
            status = self._call(self.client.health)
            stats = self._call(lambda: self.client.index(self.index_uid).get_stats())
        except SearchUnavailable as error:
            return {"status": "down", "error": error.reason}
        return {
            "status": "ok" if status.get("status") == "available" else "down",
            "documents": stats.number_of_documents,
            "index": self.index_uid,
        }

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> None:
        self._ensure_index()
        self._add(self.index_uid, documents)

    def delete(self, slugs: Iterable[str]) -> None:
        self._ensure_index()
        self._delete(self.index_uid, slugs)

    def build(self, documents: Iterable[Document]) -> _NewMeilisearchIndex:
        """Fill a new index, `<uid>_new`, with the settings applied first."""
        building = f"{self.index_uid}_new"
        self._drop(building)
        self._wait(self._call(lambda: self.client.create_index(building, {"primaryKey": "id"})))
        target = self.client.index(building)
        self._wait(self._call(lambda: target.update_settings(SETTINGS)))
        new = _NewMeilisearchIndex(self, building)
        new.count = self._add(building, documents)
        return new

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Build and swap in at once: no downtime, and deleted listings are gone. For an index
        nothing else writes to meanwhile (the directory's goes through indexing.reindex)."""
        new = self.build(documents)
        new.swap()
        return new.count

    def swap_in(self, building: str) -> None:
        self._ensure_index()  # the swap needs both indexes to exist
        swap: list[Mapping[str, list[str] | bool]] = [{"indexes": [self.index_uid, building]}]
        self._wait(self._call(lambda: self.client.swap_indexes(swap)))
        self._drop(building)  # now holds the old documents
        self._settings_applied = True

    def _add(self, uid: str, documents: Iterable[Document]) -> int:
        index, count = self.client.index(uid), 0
        for batch in _batches((meili_document(d) for d in documents), BATCH):
            self._wait(self._call(partial(index.add_documents, batch, "id")))
            count += len(batch)
        return count

    def _delete(self, uid: str, slugs: Iterable[str]) -> None:
        index = self.client.index(uid)
        for batch in _batches(list(slugs), BATCH):
            condition = "id IN [" + ", ".join(quote(slug) for slug in batch) + "]"
            self._wait(self._call(partial(index.delete_documents, filter=condition)))

    def _ensure_index(self) -> None:
        """Create the index if needed and apply the settings, once per process."""
        if self._settings_applied:
            return
        try:
            self._call(lambda: self.client.get_index(self.index_uid))
        except SearchUnavailable as error:
            if "index_not_found" not in error.reason:
                raise
            task = self._call(
                lambda: self.client.create_index(self.index_uid, {"primaryKey": "id"})
            )
            self._wait(task)
        self._wait(self._call(lambda: self._index().update_settings(SETTINGS)))
        self._settings_applied = True

    def _drop(self, uid: str) -> None:
        task = self._call(lambda: self.client.delete_index(uid))
        self._wait(task, allow_codes={"index_not_found"})

    def _index(self) -> Any:
        return self.client.index(self.index_uid)

    def _wait(self, task_info: Any, allow_codes: frozenset[str] | set[str] = frozenset()) -> None:
        """Wait for a task; the client does not raise when a task fails, so check it here."""
        task = self._call(
            lambda: self.client.wait_for_task(
                task_info.task_uid, timeout_in_ms=self.task_timeout_ms
            )
        )
        if task.status != "succeeded":
            error = task.error or {}
            if error.get("code") in allow_codes:
                return
            raise SearchUnavailable(
                self.name,
                f"task {task.uid} {task.status}: {error.get('code')} {error.get('message')}",
            )

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except MeilisearchApiError as error:
            raise SearchUnavailable(
                self.name,
                f"{error.code or 'api_error'} (HTTP {error.status_code}): {error.message}",
            ) from error
        except MeilisearchTimeoutError as error:
            raise SearchUnavailable(self.name, "timed out") from error
        except MeilisearchCommunicationError as error:
            raise SearchUnavailable(self.name, "cannot connect") from error
        except MeilisearchError as error:
            raise SearchUnavailable(self.name, str(error)) from error


class _NewMeilisearchIndex:
    """A filled `<uid>_new` index waiting to be swapped with the live one."""

    def __init__(self, backend: MeilisearchSearch, uid: str) -> None:
        self.backend = backend
        self.uid = uid
        self.count = 0

    def upsert(self, documents: Iterable[Document]) -> None:
        self.backend._add(self.uid, documents)

    def delete(self, slugs: Iterable[str]) -> None:
        self.backend._delete(self.uid, slugs)

    def swap(self) -> None:
        self.backend.swap_in(self.uid)

    def discard(self) -> None:
        """Nothing: after a swap the old index is already dropped, and a build that failed
        may be left, as Meilisearch may be down; the next build drops it first."""


def meili_document(document: Document) -> dict[str, Any]:
    """Our search document in the shape the index stores; the slug is its id."""
    stored = {key: value for key, value in document.items() if key not in ("latitude", "longitude")}
    stored["id"] = document["slug"]
    for ours, theirs in _RENAMED.items():
        stored[theirs] = stored.pop(ours)
    stored["sort_name"] = text.normalised(document["name"])
    if document.get("latitude") is not None and document.get("longitude") is not None:
        stored["_geo"] = {"lat": document["latitude"], "lng": document["longitude"]}
    return stored


def quote(value: str) -> str:
    """A filter value as a quoted string of Meilisearch's filter language."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(
    filters: Mapping[str, tuple[str, ...]],
    near: tuple[float, float, float] | None,
    exclude: str | None = None,
) -> list[Any]:
    """Outer list ANDs, inner lists OR. Only facet fields, and only given values, appear."""
    expression: list[Any] = []
    for field in vocab.FACET_FIELDS:
        values = filters.get(field, ())
        if field != exclude and values:
            expression.append([f"{field} = {quote(value)}" for value in values])
    if near is not None:
        latitude, longitude, radius_km = near
        expression.append(f"_geoRadius({latitude:.6f}, {longitude:.6f}, {round(radius_km * 1000)})")
    return expression


def meili_query(raw: str) -> str:
    """Only the words of a query: quotes (phrase search) and a leading minus (exclusion) are
    Meilisearch syntax, and what people type must not turn into it."""
    words = text.WORD.findall(raw[: text.MAX_QUERY_CHARS])[: text.MAX_WORDS]
    q = " ".join(words)
    # A trailing space tells Meilisearch the last word is finished (no prefix match).
    return q + " " if q and not text.ends_mid_word(raw) else q


def search_requests(index_uid: str, query: SearchQuery) -> list[dict[str, Any]]:
    """The main search, plus one facet-only search per filtered field (disjunctive facets)."""
    q = meili_query(query.q)
    main: dict[str, Any] = {
        "indexUid": index_uid,
        "q": q,
        "filter": filter_expression(query.filters, query.near),
        "facets": list(vocab.FACET_FIELDS),
        "page": query.page,
        "hitsPerPage": query.per_page,
        "attributesToRetrieve": _HIT_FIELDS,
        "attributesToHighlight": ["name"],
        "attributesToCrop": ["description"],
        "cropLength": _CROP_WORDS,
        "cropMarker": "…",
        "highlightPreTag": _OPEN,
        "highlightPostTag": _CLOSE,
        "matchingStrategy": "last",
    }
    if query.near is not None:
        main["sort"] = [f"_geoPoint({query.near[0]:.6f}, {query.near[1]:.6f}):asc"]
    elif not q:
        main["sort"] = ["sort_name:asc"]
    requests = [main]
    for field in vocab.FACET_FIELDS:
        if query.filters.get(field):
            requests.append(
                {
                    "indexUid": index_uid,
                    "q": q,
                    "filter": filter_expression(query.filters, query.near, exclude=field),
                    "facets": [field],
                    "limit": 0,
                    "matchingStrategy": "last",
                }
            )
    return requests


def parse_results(query: SearchQuery, results: list[dict[str, Any]]) -> SearchResults:
    main = results[0]
    facets = {
        field: dict(
            sorted(
                main.get("facetDistribution", {}).get(field, {}).items(),
                key=lambda item: (-item[1], item[0]),
            )
        )
        for field in vocab.FACET_FIELDS
    }
    for extra in results[1:]:
        for field, counts in extra.get("facetDistribution", {}).items():
            facets[field] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    hits = [_hit(raw) for raw in main.get("hits", [])]
    return SearchResults(hits, int(main.get("totalHits", 0)), facets, query.page, query.per_page)


def _hit(raw: dict[str, Any]) -> Hit:
    formatted = raw.get("_formatted", {})
    distance = raw.get("_geoDistance")
    stored = {name: raw.get(_RENAMED.get(name, name)) for name in STORED_HIT_FIELDS}
    # Documents indexed before a field was added lack it until the next reindex.
    stored.update(
        focus=list(stored["focus"] or []),
        services=list(stored["services"] or []),
        status=stored["status"] or "unknown",
        description=stored["description"] or "",
    )
    highlight = {
        "name": _marked(formatted.get("name", raw["name"])),
        "description": _marked(formatted.get("description", stored["description"])),
    }
    return make_hit(stored, highlight, distance / 1000 if distance is not None else None)


def _marked(fragment: str) -> str:
    """Escape stored text, then turn Meilisearch's highlight tags into <mark> elements."""
    return html.escape(fragment).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
