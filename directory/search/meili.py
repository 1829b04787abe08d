"""The Meilisearch backend, with the official client. Synchronous: call it off the event loop.

Settings are applied before any document is added. Filters are built only from vocabulary
values the web layer validated, and are still quoted and escaped. What is asked, in what
rounds, is meili_requests' plan; highlights are made here from the stored text, escaped, by
the same Highlighter as the embedded index's (so a description is highlighted too).
Every call has a timeout; every failure becomes SearchUnavailable so callers can fall back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from itertools import islice
from typing import Any, TypeVar

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from directory import vocab
from directory.search import highlight, meili_server, synonyms, text
from directory.search.errors import SearchUnavailable
from directory.search.interface import (
    STORED_HIT_FIELDS,
    Document,
    Hit,
    SearchQuery,
    SearchResults,
    make_hit,
)
from directory.search.meili_requests import (
    Bucket,
    Plan,
    count_request,
    filter_expression,
    quote,
)
from directory.search.meili_server import KeyProbe, Verdict
from directory.search.understanding import plain, where_asked

log = logging.getLogger(__name__)

BATCH = 1000
# A server found unfit (too old, given the master key) is asked again after this long, in
# case it was upgraded or the keys were changed.
RECHECK_SECONDS = 60.0
_SWAP_POLL_SECONDS = 0.2
# Active groups before unconfirmed ones among equally good matches.
_STATUS_RANK = {"active": 0, "unknown": 1, "inactive": 2}
# Our document's fields the index keeps under another name: "service" is the facet's name.
_RENAMED = {"services": "service"}
_HIT_FIELDS = [_RENAMED.get(name, name) for name in STORED_HIT_FIELDS]
T = TypeVar("T")

# The index settings, applied before documents. Field order in searchableAttributes is
# importance: names first, then place, then vocabulary labels, then the description.
# "sort" ranks first because we only ask to sort when ordering must win over relevance:
# by distance near a place, by name when there is no query. Ties end alphabetical.
SETTINGS: dict[str, Any] = {
    "searchableAttributes": [
        "name",
        "alternate_names",
        "place_text",
        "tags_text",
        "stems_name",
        "stems_meta",
        "description",
        "stems_text",
    ],
    "filterableAttributes": [
        "id",
        "kind",
        "country",
        "focus",
        "service",
        "status",
        "serves",
        "located",
        "prisons",
        "sort_name",
        "specific_rank",
        "_geo",
    ],
    "sortableAttributes": ["sort_name", "status_rank", "specific_rank", "_geo"],
    "rankingRules": [
        "sort",
        "words",
        "attributeRank",
        "typo",
        "proximity",
        "wordPosition",
        "exactness",
        "specific_rank:asc",
        "status_rank:asc",
        "sort_name:asc",
    ],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "faceting": {"maxValuesPerFacet": 300},
    "pagination": {"maxTotalHits": 100_000},
    "synonyms": synonyms.synonyms(),
    # None: the app leaves stop words out of a query itself (understanding.py), except from
    # one of nothing else, which is searched as typed, as the embedded index does ("the"
    # finds The Croft); the server would make that a placeholder search, every listing.
    # Sent empty, not left out, because a setting left out of an update is kept.
    "stopWords": [],
}


class MeilisearchSearch:
    """Search through a Meilisearch index named `index_uid`."""

    name = "meilisearch"
    remote = True
    outbox_name = "meilisearch"  # one server, however many hosts search it

    def __init__(
        self,
        url: str,
        api_key: str = "",
        index_uid: str = "organisations",
        timeout: float = 2.0,
        task_timeout: float = 120.0,
        search_key: str = "",
        master_key_allowed: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self.task_timeout_ms = int(task_timeout * 1000)
        self.client = meilisearch.Client(url, api_key or None, timeout=timeout)  # type: ignore[arg-type]
        # Queries go with the search-only key when there is one (README: the keys).
        self.search_key = search_key
        self.search_client = (
            meilisearch.Client(url, search_key, timeout=timeout)  # type: ignore[arg-type]
            if search_key
            else self.client
        )
        self.api_key = api_key
        self.master_key_allowed = master_key_allowed
        self._clock = clock
        self._settings_applied = False
        self._verdict: Verdict | None = None
        self._checked_at = 0.0
        self._check_lock = threading.Lock()

    # -- whether the server may be used ----------------------------------------------------

    def check(self) -> Verdict:
        """The server's version and keys, judged (meili_server); asked once, and again a
        minute after a refusal. Raises SearchUnavailable when the server cannot be asked."""
        with self._check_lock:
            verdict = self._verdict
            if verdict is not None and (
                verdict.refused is None or self._clock() - self._checked_at < RECHECK_SECONDS
            ):
                return verdict
            verdict = self._judge()
            self._verdict, self._checked_at = verdict, self._clock()
        if verdict.refused is not None:
            log.error("not using Meilisearch at %s: %s", self.url, verdict.refused)
        for warning in verdict.warnings:
            log.warning("Meilisearch at %s: %s", self.url, warning)
        return verdict

    def _usable(self) -> None:
        refused = self.check().refused
        if refused is not None:
            raise SearchUnavailable(self.name, f"refused: {refused}")

    def _judge(self) -> Verdict:
        answer = self._call(self.client.get_version)
        verdict = meili_server.judge_version(answer)
        if verdict.refused is not None:
            return verdict
        warnings = list(verdict.warnings)
        keys = [("MEILI_API_KEY", self.client, self.api_key)]
        if self.search_key and self.search_key != self.api_key:
            keys.append(("MEILI_SEARCH_KEY", self.search_client, self.search_key))
        for setting, client, key in keys:
            refused, warning = meili_server.judge_key(
                setting, self._probe(client, key), master_key_allowed=self.master_key_allowed
            )
            if refused is not None:
                return Verdict(verdict.version, refused=refused)
            if warning is not None and warning not in warnings:
                warnings.append(warning)
        return Verdict(verdict.version, warnings=tuple(warnings))

    def _probe(self, client: meilisearch.Client, key: str) -> KeyProbe:
        """`GET /keys/{key}` asked with the key itself."""
        try:
            answer = self._raw(lambda: client.http.get(f"keys/{key or 'none'}"))
        except MeilisearchApiError as error:
            if error.code in ("api_key_not_found", "missing_master_key", "invalid_api_key"):
                return KeyProbe(error.status_code, error.code)
            raise SearchUnavailable(self.name, _api_reason(error)) from error
        return KeyProbe(200, key=answer if isinstance(answer, dict) else None)

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        self._usable()

        def send(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            response = self._call(lambda: self.search_client.multi_search(queries))
            results = response.get("results") if isinstance(response, dict) else None
            if not isinstance(results, list) or len(results) != len(queries):
                raise SearchUnavailable(self.name, "the server's answer is not a multi-search")
            return results

        return run_search(self.index_uid, query, send)

    def health(self) -> dict[str, Any]:
        try:
            status = self._call(self.client.health)
            verdict = self.check()
            if verdict.refused is not None:
                return {
                    "status": "refused",
                    "error": verdict.refused,
                    "version": verdict.version,
                    "version_floor": meili_server.floor_text(),
                }
            stats = self._call(lambda: self.client.index(self.index_uid).get_stats())
        except SearchUnavailable as error:
            return {"status": "down", "error": error.reason}
        report: dict[str, Any] = {
            "status": "ok" if status.get("status") == "available" else "down",
            "documents": stats.number_of_documents,
            "index": self.index_uid,
            "version": verdict.version,
        }
        if verdict.warnings:
            report["warnings"] = list(verdict.warnings)
        return report

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> None:
        self._usable()
        self._ensure_index()
        self._add(self.index_uid, documents)

    def delete(self, slugs: Iterable[str]) -> None:
        self._usable()
        self._ensure_index()
        self._delete(self.index_uid, slugs)

    def build(self, documents: Iterable[Document]) -> _NewMeilisearchIndex:
        """Fill a new index, `<uid>_new`, with the settings applied first."""
        self._usable()
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
        made = self._created_at(building)
        swap: list[Mapping[str, list[str] | bool]] = [{"indexes": [self.index_uid, building]}]
        task = self._call(lambda: self.client.swap_indexes(swap))
        try:
            self._wait(task)
        except SearchUnavailable as error:
            if "task_not_found" not in error.reason:
                raise
            # A key limited to named indexes cannot see swap tasks, which belong to no one
            # index; the swap is seen instead in the live index being the one just filled.
            self._wait_until_live(made)
        self._drop(building)  # now holds the old documents
        self._settings_applied = True

    def _created_at(self, uid: str) -> str:
        """When the index now called `uid` was made: it stays with the index through a swap."""
        answer = self._call(lambda: self.client.http.get(f"indexes/{uid}"))
        return str(answer.get("createdAt", "")) if isinstance(answer, dict) else ""

    def _wait_until_live(self, made: str) -> None:
        deadline = self._clock() + self.task_timeout_ms / 1000
        while self._created_at(self.index_uid) != made:
            if self._clock() > deadline:
                raise SearchUnavailable(
                    self.name, f"the swap into {self.index_uid} was not seen in time"
                )
            time.sleep(_SWAP_POLL_SECONDS)
        log.warning(
            "the Meilisearch key cannot see swap tasks (it is limited to named indexes); "
            "the swap was confirmed from the index itself"
        )

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
        """Every call to the server: whatever goes wrong becomes SearchUnavailable."""
        try:
            return self._raw(action)
        except MeilisearchApiError as error:
            raise SearchUnavailable(self.name, _api_reason(error)) from error

    def _raw(self, action: Callable[[], T]) -> T:
        """A call whose API errors the caller reads; transport and decoding failures (a
        proxy's page instead of JSON, a connection cut mid-answer) become SearchUnavailable."""
        try:
            return action()
        except MeilisearchApiError:
            raise
        except MeilisearchTimeoutError as error:
            raise SearchUnavailable(self.name, "timed out") from error
        except MeilisearchCommunicationError as error:
            raise SearchUnavailable(self.name, "cannot connect") from error
        except MeilisearchError as error:
            raise SearchUnavailable(self.name, str(error)) from error
        except requests.exceptions.RequestException as error:  # JSON decoding errors too
            raise SearchUnavailable(self.name, f"bad answer: {type(error).__name__}") from error
        except ValueError as error:  # e.g. a model the answer does not fit
            raise SearchUnavailable(self.name, f"bad answer: {type(error).__name__}") from error


def _api_reason(error: MeilisearchApiError) -> str:
    # Without a code the message is the body as sent (a proxy's error page): keep it short.
    message = " ".join(str(error.message).split())[:200]
    return f"{error.code or 'api_error'} (HTTP {error.status_code}): {message}"


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
    stored["status_rank"] = _STATUS_RANK.get(document["status"], len(_STATUS_RANK))
    # Groups for anyone in prison before groups for particular people, among equals.
    focus = set(document["focus"])
    specific = bool(focus & vocab.POPULATION_FOCUS) and "all-prisoners" not in focus
    stored["specific_rank"] = int(specific)
    if document.get("latitude") is not None and document.get("longitude") is not None:
        stored["_geo"] = {"lat": document["latitude"], "lng": document["longitude"]}
    return stored


def meili_query(raw: str) -> str:
    """Only the words of a query: quotes (phrase search) and a leading minus (exclusion) are
    Meilisearch syntax, and what people type must not turn into it."""
    return Plan.of(raw, None, None).q()


Send = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def run_search(index_uid: str, query: SearchQuery, send: Send) -> SearchResults:
    """The query as rounds of multi-search requests (see meili_requests), `send` asking the
    server one round and returning its results in order."""
    understood = query.understood or plain(query.q)
    plan = Plan.of(query.q, understood, where_asked(query.where, understood, query.near))
    kept, unmatched = _words_to_match(index_uid, plan, query, send)
    q = plan.q(kept)
    place = plan.place_filter()
    buckets = plan.buckets(query.q if kept else "")
    first = [count_request(index_uid, q, query.filters, b.filter) for b in buckets]
    whole = count_request(index_uid, q, query.filters, place)
    whole["facets"] = list(vocab.FACET_FIELDS)
    disjunctive = []
    for field in vocab.FACET_FIELDS:
        if query.filters.get(field):
            facet_count = count_request(index_uid, q, {}, place)
            facet_count["filter"] = filter_expression(query.filters, field, place)
            facet_count["facets"] = [field]
            disjunctive.append(facet_count)
    answered = send([whole, *disjunctive, *first])
    total = int(answered[0].get("totalHits", 0))
    facets = _facets(answered[0], answered[1 : 1 + len(disjunctive)])
    counts = [int(a.get("totalHits", 0)) for a in answered[1 + len(disjunctive) :]]
    slices = _slices(index_uid, q, query, plan, buckets, counts)
    raw_hits: list[tuple[dict[str, Any], str | None]] = []
    if slices:
        pages = send([request for request, _ in slices])
        for (_, bucket), page in zip(slices, pages, strict=True):
            raw_hits += [(raw, bucket.served_as) for raw in page.get("hits", [])]
    terms = {
        w for word in kept for w in [word, *(x for p in synonyms.alternatives(word) for x in p)]
    }
    highlighter = highlight.Highlighter(
        terms, kept[-1] if kept and plan.prefix_ok else None, {text.stem(w) for w in kept}
    )
    hits = [_hit(raw, highlighter, served_as) for raw, served_as in raw_hits]
    return SearchResults(
        hits,
        total,
        facets,
        query.page,
        query.per_page,
        unmatched=tuple(unmatched),
        where=plan.where,
        need_words=plan.understood.need_words,
    )


def _words_to_match(
    index_uid: str, plan: Plan, query: SearchQuery, send: Send
) -> tuple[list[str], list[str]]:
    """The words every result holds, and those left out, as the embedded index decides:
    when no group at the place holds them all, first words no group holds, then the most
    common (counted per word), until some group holds the rest."""
    words = list(plan.words)
    local = plan.local_filter()
    if len(words) == 1 and (plan.where is not None or plan.understood.needs):
        # With a place or a need to go by, a word no group there holds is left out too.
        [alone] = send([count_request(index_uid, plan.q(words), query.filters, local)])
        return (words, []) if int(alone.get("totalHits", 0)) else ([], words)
    if len(words) < 2:
        return words, []
    rounds = [count_request(index_uid, plan.q(words), query.filters, local)]
    rounds += [count_request(index_uid, plan.q([w]), query.filters, local) for w in words]
    answered = send(rounds)
    if int(answered[0].get("totalHits", 0)):
        return words, []
    found = {w: int(a.get("totalHits", 0)) for w, a in zip(words, answered[1:], strict=True)}
    order = [w for w in words if not found[w]] + sorted(
        (w for w in words if found[w]), key=lambda w: -found[w]
    )
    candidates = [[w for w in words if w not in order[: n + 1]] for n in range(len(words) - 1)]
    tried = send([count_request(index_uid, plan.q(c), query.filters, local) for c in candidates])
    for n, (candidate, answer) in enumerate(zip(candidates, tried, strict=True)):
        if int(answer.get("totalHits", 0)) or n == len(candidates) - 1:
            return candidate, order[: n + 1]
    return words, []  # not reached: the last candidate is always returned


def _slices(
    index_uid: str,
    q: str,
    query: SearchQuery,
    plan: Plan,
    buckets: list[Bucket],
    counts: list[int],
) -> list[tuple[dict[str, Any], Bucket]]:
    """The part of each bucket the page reaches, in rank order."""
    wanted_from, wanted_to = query.offset, query.offset + query.per_page
    slices, start = [], 0
    for bucket, count in zip(buckets, counts, strict=True):
        end = start + count
        if count and end > wanted_from and start < wanted_to:
            offset = max(0, wanted_from - start)
            limit = min(end, wanted_to) - start - offset
            request: dict[str, Any] = {
                "indexUid": index_uid,
                "q": q,
                "filter": filter_expression(query.filters, None, bucket.filter),
                "offset": offset,
                "limit": limit,
                "attributesToRetrieve": [*_HIT_FIELDS, "_geo"],
                "matchingStrategy": "all",
            }
            if bucket.by_distance and plan.where is not None and plan.where.point:
                latitude, longitude = plan.where.point
                request["sort"] = [f"_geoPoint({latitude:.6f}, {longitude:.6f}):asc"]
            elif not q.strip():
                request["sort"] = ["status_rank:asc", "sort_name:asc"]
            slices.append((request, bucket))
        start = end
    return slices


def _facets(whole: dict[str, Any], disjunctive: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    def ordered(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    facets = {
        field: ordered(whole.get("facetDistribution", {}).get(field, {}))
        for field in vocab.FACET_FIELDS
    }
    for extra in disjunctive:
        for field, counts in extra.get("facetDistribution", {}).items():
            facets[field] = ordered(counts)
    return facets


def _hit(raw: dict[str, Any], highlighter: highlight.Highlighter, served_as: str | None) -> Hit:
    distance = raw.get("_geoDistance")
    stored = {name: raw.get(_RENAMED.get(name, name)) for name in STORED_HIT_FIELDS}
    # Documents indexed before a field was added lack it until the next reindex.
    stored.update(
        focus=list(stored["focus"] or []),
        services=list(stored["services"] or []),
        status=stored["status"] or "unknown",
        description=stored["description"] or "",
    )
    marks = {
        "name": highlighter.mark(raw["name"]),
        "description": highlighter.snippet(str(stored["description"])),
    }
    return make_hit(stored, marks, distance / 1000 if distance is not None else None, served_as)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
