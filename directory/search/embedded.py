"""The embedded search backend: SQLite FTS5 in its own file, independent of the database.

FTS5 is the inverted index: it finds the documents holding a term, in all columns or in a
group of columns. Those postings are cached in memory as compressed (roaring) bitmaps, so a
query, its filters, its facet counts and its ranking are set operations that cost the same
for a rare word as for one in every listing. The cache follows the file: any write to it,
from this process or another, or a rebuild swapped in, and the cache starts afresh.

Ranking: a name equal to the query first; then every word found in the name or an alternate
name, then in place and tags, then anywhere (the description too); within each of those,
words found as typed before words found only with typo correction. Ties are alphabetical by
name. (Meilisearch weighs typos before attributes; for a directory, a group whose name
matches a slightly misspelt word is still more likely to be the one wanted than a group
whose description mentions it.)
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import secrets
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyroaring import BitMap
from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory import vocab
from directory.recent import Recent, size_of
from directory.search import geo, highlight, synonyms, text
from directory.search.documents import facet_values
from directory.search.errors import SearchUnavailable
from directory.search.interface import (
    Document,
    Hit,
    SearchQuery,
    SearchResults,
    make_hit,
    stored_hit,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    sort_name TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    hit TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_by_name ON docs (sort_name, slug);
CREATE TABLE IF NOT EXISTS facets (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    doc_id INTEGER NOT NULL,
    PRIMARY KEY (field, value, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_by_doc ON facets (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (
    name, alternate_names, place, tags, description,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5vocab (fts, row);
"""
# Column groups a term is looked up in: everywhere, in names, and anywhere but the description.
_GROUPS = {
    "all": "",
    "name": "{name alternate_names} : ",
    "meta": "{name alternate_names place tags} : ",
}
# A last word shared as a prefix by more terms than this is looked up with one FTS5 prefix
# query rather than as a union of the terms' postings.
_PREFIX_EXPANSION_LIMIT = 64
_CACHE_ENTRIES = 50_000
# Answers to whole queries kept per state of the index, up to this many bytes, keys included:
# counted by answers, a thousand pages of 100 hits took 190 MB.
_RESULTS_BYTES = 16 * 1024 * 1024
_CHANGE_COUNTER_OFFSET = 24  # in the database file's header (sqlite.org/fileformat.html)
FileKey = tuple[int, int, int, bytes]
# Within a ranking tier a page is cut from alphabetical order: by sorting the tier when it is
# small against the whole index, or else by walking the alphabetical list and keeping members.
_SORT_TIER_FRACTION = 16


@dataclass
class _Snapshot:
    """What is loaded from one state of the index file."""

    key: FileKey
    universe: BitMap
    facets: dict[str, dict[str, BitMap]]
    terms: list[str]
    terms_by_length: dict[int, list[str]]
    alphabetical: list[int]
    position: dict[int, int]
    # (latitude, longitude, id) of every document with coordinates, by latitude.
    located: list[tuple[float, float, int]]
    postings: Recent[tuple[str, str], BitMap] = field(
        default_factory=lambda: Recent(_CACHE_ENTRIES)
    )
    # Whole answers to recent queries: the same few searches come again and again (and each
    # word typed into the search box is one), and this state of the index answers them alike.
    results: Recent[Hashable, SearchResults] = field(
        default_factory=lambda: Recent(_RESULTS_BYTES, weight=_answer_bytes, key_weight=size_of)
    )
    variants: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Plan:
    """How a query's words matched: the result set, its ranking tiers and the terms to mark."""

    matched: BitMap
    tiers: list[BitMap]
    terms: set[str]
    prefix: str | None


class EmbeddedSearch:
    """The SQLite FTS5 index. Safe to share between threads.

    With `create`, a missing file is made as an empty index. The directory's own index is
    opened without it: its contents must come from the database, so a missing file is
    reported (problem(), health()) and rebuilt, never silently replaced by an empty one.
    """

    name = "embedded"
    remote = False

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        self._local = threading.local()
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if create and not path.exists():
            with _writing(path, create=True) as connection:
                connection.executescript(_SCHEMA)

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> None:
        """Add or replace documents by slug, each in its alphabetical place."""
        with self._write_lock, _writing(self.path) as connection:
            _upsert(connection, documents)

    def delete(self, slugs: Iterable[str]) -> None:
        with self._write_lock, _writing(self.path) as connection:
            _delete(connection, slugs)

    def build(self, documents: Iterable[Document]) -> _NewEmbeddedIndex:
        """A fresh index in a file of its own beside the live one (each build its own file,
        so two rebuilds at once do not write into each other's)."""
        building = self.path.with_name(f"{self.path.name}.building-{secrets.token_hex(4)}")
        new = _NewEmbeddedIndex(self, building)
        try:
            with _writing(building, create=True) as connection:
                connection.executescript(_SCHEMA)
                for document in documents:
                    _insert(connection, document, None)
                    new.count += 1
                connection.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        except BaseException:
            new.discard()
            raise
        return new

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Build and swap in at once, for an index nothing else writes to meanwhile (the
        directory's own goes through indexing.reindex, which applies what changed)."""
        new = self.build(documents)
        new.swap()
        return new.count

    def warm(self) -> None:
        """Load the index now rather than at the first search. If it cannot be read yet,
        the first search tries again (and health reports why)."""
        with contextlib.suppress(OSError, sqlite3.Error):
            self._current()

    def problem(self) -> str | None:
        """Why the index cannot be searched, or None if it can."""
        try:
            self._current()
        except FileNotFoundError:
            return "the index file is missing"
        except (OSError, sqlite3.DatabaseError) as error:
            return f"the index file cannot be read ({error})"
        return None

    def health(self) -> dict[str, Any]:
        problem = self.problem()
        snapshot = self._snapshot
        if problem is not None or snapshot is None:
            return {"status": "down", "error": problem or "not loaded"}
        return {"status": "ok", "documents": len(snapshot.universe)}

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        try:
            snapshot = self._current()
            key = _query_key(query)
            found = snapshot.results.get(key)
            if found is None:
                found = self._search(snapshot, query)
                snapshot.results.put(key, found)
        except (OSError, sqlite3.DatabaseError) as error:
            problem = self.problem()
            if problem is None:
                raise  # the index is fine: a fault of ours, to be seen as one
            raise SearchUnavailable(self.name, problem) from error
        return found

    def state(self) -> FileKey | None:
        """Changes whenever the index does (a write from any process, or a rebuild): whatever
        was made from the index at one state holds while it is unchanged. None if unreadable."""
        try:
            return _file_key(self.path)
        except OSError:
            return None

    def cached(self, query: SearchQuery) -> SearchResults | None:
        """The answer to a query asked recently, if the index is unchanged since: no search,
        no loading, so it may be called where blocking is not allowed (the event loop)."""
        snapshot = self._snapshot
        try:
            if snapshot is None or snapshot.key != _file_key(self.path):
                return None
        except OSError:  # gone: search() says why
            return None
        return snapshot.results.get(_query_key(query))

    def _search(self, snapshot: _Snapshot, query: SearchQuery) -> SearchResults:
        words = text.words(query.q)
        plan = None
        # Like Meilisearch's "last" matching strategy: when no document holds every word,
        # drop words from the end until some do.
        for used in range(len(words), 0, -1):
            plan = self._plan(snapshot, words[:used], query.q, mid_word=used == len(words))
            if plan.matched:
                break
        if plan is None:
            plan = _Plan(snapshot.universe, [snapshot.universe], set(), None)
        matched, distances = plan.matched, None
        if query.near is not None:
            distances = _within(snapshot, *query.near)
            matched = matched & BitMap(distances)
        filtered = matched & _filter_mask(snapshot, query.filters, exclude=None)
        facets = _facet_counts(snapshot, matched, query.filters)
        if distances is None:
            ids = _page(snapshot, plan.tiers, filtered, query.offset, query.per_page)
        else:  # near a place: nearest first
            nearest = sorted(filtered, key=lambda i: (distances[i], snapshot.position[i]))
            ids = nearest[query.offset : query.offset + query.per_page]
        hits = self._hits(ids, highlight.Highlighter(plan.terms, plan.prefix), distances)
        return SearchResults(hits, len(filtered), facets, query.page, query.per_page)

    def _plan(
        self, snapshot: _Snapshot, words: Sequence[str], raw_query: str, mid_word: bool
    ) -> _Plan:
        prefix = words[-1] if mid_word and text.ends_mid_word(raw_query) else None
        exact: dict[str, list[BitMap]] = defaultdict(list)
        loose: dict[str, list[BitMap]] = defaultdict(list)
        marked: set[str] = set()
        for position, word in enumerate(words):
            variants = _typo_variants(snapshot, word)
            alternatives = synonyms.alternatives(word)
            marked.update([word, *variants, *(w for phrase in alternatives for w in phrase)])
            for group in _GROUPS:
                found = BitMap.union(
                    self._posting(snapshot, group, word),
                    *(self._all_of(snapshot, group, phrase) for phrase in alternatives),
                )
                if prefix is not None and position == len(words) - 1:
                    found = found | self._prefix_posting(snapshot, group, word)
                exact[group].append(found)
                loose[group].append(
                    BitMap.union(found, *(self._posting(snapshot, group, v) for v in variants))
                )
        matched = BitMap.intersection(*loose["all"])
        exact_all = BitMap.intersection(*exact["all"])
        tiers = [
            self._ids_named(text.normalised(raw_query)),
            BitMap.intersection(*exact["name"]),
            BitMap.intersection(*loose["name"]),
            BitMap.intersection(*exact["meta"]),
            BitMap.intersection(*loose["meta"]),
            exact_all,
            matched,
        ]
        return _Plan(matched, tiers, marked, prefix)

    def _posting(self, snapshot: _Snapshot, group: str, term: str) -> BitMap:
        return self._cached(snapshot, (group, term), _GROUPS[group] + text.fts_term(term))

    def _all_of(self, snapshot: _Snapshot, group: str, words: list[str]) -> BitMap:
        return BitMap.intersection(*(self._posting(snapshot, group, word) for word in words))

    def _prefix_posting(self, snapshot: _Snapshot, group: str, prefix: str) -> BitMap:
        start = bisect.bisect_left(snapshot.terms, prefix)
        end = bisect.bisect_left(snapshot.terms, prefix + "\U0010ffff")
        if end - start <= _PREFIX_EXPANSION_LIMIT:
            return BitMap.union(
                BitMap(), *(self._posting(snapshot, group, t) for t in snapshot.terms[start:end])
            )
        return self._cached(
            snapshot, (group, prefix + "*"), _GROUPS[group] + text.fts_term(prefix) + " *"
        )

    def _cached(self, snapshot: _Snapshot, key: tuple[str, str], expression: str) -> BitMap:
        found = snapshot.postings.get(key)
        if found is None:
            rows = self._reader().execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,))
            found = BitMap(row[0] for row in rows)
            snapshot.postings.put(key, found)
        return found

    def _ids_named(self, name: str) -> BitMap:
        rows = self._reader().execute("SELECT id FROM docs WHERE sort_name = ?", (name,))
        return BitMap(row[0] for row in rows)

    def _hits(
        self,
        ids: list[int],
        highlighter: highlight.Highlighter,
        distances: dict[int, float] | None = None,
    ) -> list[Hit]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        stored = dict(
            self._reader().execute(f"SELECT id, hit FROM docs WHERE id IN ({marks})", ids)  # noqa: S608
        )
        hits = []
        for doc_id in ids:
            data = json.loads(stored[doc_id])
            highlighted = {
                "name": highlighter.mark(data["name"]),
                "description": highlighter.snippet(data["description"]),
            }
            distance = distances[doc_id] if distances is not None else None
            hits.append(make_hit(data, highlighted, distance))
        return hits

    # -- the loaded state of the file ------------------------------------------------------

    def _current(self) -> _Snapshot:
        key = _file_key(self.path)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.key == key:
            return snapshot
        with self._load_lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.key != _file_key(self.path):
                snapshot = self._load()
                self._snapshot = snapshot
        return snapshot

    def _load(self) -> _Snapshot:
        key = _file_key(self.path)
        connection = self._reader(reconnect=True)
        universe = BitMap(row[0] for row in connection.execute("SELECT id FROM docs"))
        facets: dict[str, dict[str, BitMap]] = {name: {} for name in vocab.FACET_FIELDS}
        pairs = connection.execute("SELECT DISTINCT field, value FROM facets").fetchall()
        for facet, value in pairs:
            rows = connection.execute(
                "SELECT doc_id FROM facets WHERE field = ? AND value = ?", (facet, value)
            )
            facets.setdefault(facet, {})[value] = BitMap(row[0] for row in rows)
        terms = sorted(row[0] for row in connection.execute("SELECT term FROM terms"))
        by_length: dict[int, list[str]] = defaultdict(list)
        for term in terms:
            by_length[len(term)].append(term)
        alphabetical = [
            row[0] for row in connection.execute("SELECT id FROM docs ORDER BY sort_name, slug")
        ]
        position = {doc_id: index for index, doc_id in enumerate(alphabetical)}
        located = connection.execute(
            "SELECT latitude, longitude, id FROM docs WHERE latitude IS NOT NULL "
            "AND longitude IS NOT NULL ORDER BY latitude"
        ).fetchall()
        return _Snapshot(key, universe, facets, terms, by_length, alphabetical, position, located)

    def _reader(self, reconnect: bool = False) -> sqlite3.Connection:
        local = self._local
        inode = os.stat(self.path).st_ino
        if reconnect or getattr(local, "inode", None) != inode:
            if getattr(local, "connection", None) is not None:
                local.connection.close()
            local.connection = sqlite3.connect(
                _uri(self.path, "rw"), uri=True, timeout=10, check_same_thread=False
            )
            local.inode = inode
        return local.connection  # type: ignore[no-any-return]


def _file_key(path: Path) -> FileKey:
    """Changes whenever the file is written to or replaced. The time and size alone could miss
    a write in the same clock tick that left the size alone; SQLite's file change counter (a
    header field every commit raises, in the rollback-journal mode the index uses) cannot."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        stat = os.fstat(descriptor)
        counter = os.pread(descriptor, 4, _CHANGE_COUNTER_OFFSET)
    finally:
        os.close(descriptor)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size, counter)


class _NewEmbeddedIndex:
    """A built index file waiting to be swapped in place of the live one."""

    def __init__(self, live: EmbeddedSearch, path: Path) -> None:
        self.live = live
        self.path = path
        self.count = 0

    def upsert(self, documents: Iterable[Document]) -> None:
        with _writing(self.path) as connection:
            _upsert(connection, documents)

    def delete(self, slugs: Iterable[str]) -> None:
        with _writing(self.path) as connection:
            _delete(connection, slugs)

    def swap(self) -> None:
        """Readers never see a gap: they go on with the old file until they see the new."""
        with self.live._write_lock:
            os.replace(self.path, self.live.path)

    def discard(self) -> None:
        for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _uri(path: Path, mode: str) -> str:
    """The file opened in `mode`: rw (read-only if the file is; never creating it, so that a
    missing index stays missing rather than becoming an empty one) or rwc."""
    return f"{path.absolute().as_uri()}?mode={mode}"


@contextmanager
def _writing(path: Path, create: bool = False) -> Iterator[sqlite3.Connection]:
    """A writing connection, committed and closed on exit.

    The index keeps SQLite's rollback journal rather than WAL: a rebuild swaps the file
    itself, and a WAL file left beside it would belong to the old one.
    """
    connection = sqlite3.connect(_uri(path, "rwc" if create else "rw"), uri=True, timeout=10)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _query_key(query: SearchQuery) -> Hashable:
    filters = tuple(sorted((name, tuple(values)) for name, values in query.filters.items()))
    return (query.q, filters, query.near, query.page, query.per_page)


def _answer_bytes(results: SearchResults) -> int:
    """About what an answer holds in memory (measured with tracemalloc at 10,000 listings:
    1.9 KB a hit with its highlights, 100 bytes a facet count)."""
    facet_counts = sum(len(counts) for counts in results.facets.values())
    return 1_000 + 1_900 * len(results.hits) + 100 * facet_counts


def _typo_variants(snapshot: _Snapshot, word: str) -> list[str]:
    """Indexed terms within the word's typo budget (transpositions count as one typo)."""
    found = snapshot.variants.get(word)
    if found is None:
        found = _find_variants(snapshot, word)
        if len(snapshot.variants) > _CACHE_ENTRIES:
            snapshot.variants.clear()
        snapshot.variants[word] = found
    return found


def _find_variants(snapshot: _Snapshot, word: str) -> list[str]:
    budget = text.typo_budget(word)
    if not budget:
        return []
    candidates = [
        term
        for length in range(len(word) - budget, len(word) + budget + 1)
        for term in snapshot.terms_by_length.get(length, ())
    ]
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=budget, limit=None)
    return [term for term, distance, _ in found if distance > 0]


def _filter_mask(
    snapshot: _Snapshot, filters: Mapping[str, tuple[str, ...]], exclude: str | None
) -> BitMap:
    """Documents passing every filter but `exclude`'s: AND across fields, OR within one."""
    mask = snapshot.universe
    for name, values in filters.items():
        if name == exclude or not values:
            continue
        by_value = snapshot.facets.get(name, {})
        mask = mask & BitMap.union(BitMap(), *(by_value.get(v, BitMap()) for v in values))
    return mask


def _within(
    snapshot: _Snapshot, latitude: float, longitude: float, radius_km: float
) -> dict[int, float]:
    """Documents within radius_km of a point, with their distances in km."""
    spread = radius_km / 111.0  # degrees of latitude; narrows the candidates before haversine
    start = bisect.bisect_left(snapshot.located, (latitude - spread,))
    end = bisect.bisect_right(snapshot.located, (latitude + spread, float("inf")))
    found = {}
    for lat, lng, doc_id in snapshot.located[start:end]:
        distance = geo.distance_km(latitude, longitude, lat, lng)
        if distance <= radius_km:
            found[doc_id] = distance
    return found


def _facet_counts(
    snapshot: _Snapshot, matched: BitMap, filters: Mapping[str, tuple[str, ...]]
) -> dict[str, dict[str, int]]:
    """Counts under the current query. A field's own filter is left out of its counts so that
    other values stay visible and can be added (values OR within a field)."""
    counts = {}
    for name in vocab.FACET_FIELDS:
        base = matched & _filter_mask(snapshot, filters, exclude=name)
        found = {
            value: base.intersection_cardinality(ids)
            for value, ids in snapshot.facets.get(name, {}).items()
        }
        counts[name] = dict(
            sorted(((v, n) for v, n in found.items() if n), key=lambda item: (-item[1], item[0]))
        )
    return counts


def _page(
    snapshot: _Snapshot, tiers: list[BitMap], results: BitMap, offset: int, limit: int
) -> list[int]:
    """The ids on one page: tiers in rank order, each alphabetical, without repeats."""
    ids: list[int] = []
    seen = BitMap()
    for tier in tiers:
        ranked = (tier & results) - seen
        seen |= ranked
        if offset >= len(ranked):
            offset -= len(ranked)
            continue
        wanted = offset + limit - len(ids)
        ids.extend(_alphabetical(snapshot, ranked, wanted)[offset:])
        offset = 0
        if len(ids) >= limit:
            break
    return ids


def _alphabetical(snapshot: _Snapshot, members: BitMap, wanted: int) -> list[int]:
    """The first `wanted` members in alphabetical order."""
    if len(members) * _SORT_TIER_FRACTION < len(snapshot.alphabetical):
        return sorted(members, key=snapshot.position.__getitem__)[:wanted]
    found = []
    for doc_id in snapshot.alphabetical:
        if doc_id in members:
            found.append(doc_id)
            if len(found) == wanted:
                break
    return found


def _fts_columns(document: Document) -> tuple[str, str, str, str, str]:
    return (
        document["name"],
        " · ".join(document["alternate_names"]),
        document["place_text"],
        document["tags_text"],
        document["description"],
    )


def _insert(connection: sqlite3.Connection, document: Document, doc_id: int | None) -> None:
    cursor = connection.execute(
        "INSERT INTO docs (id, slug, sort_name, latitude, longitude, hit) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            doc_id,
            document["slug"],
            text.normalised(document["name"]),
            document["latitude"],
            document["longitude"],
            json.dumps(stored_hit(document)),
        ),
    )
    doc_id = cursor.lastrowid
    connection.executemany(
        "INSERT OR IGNORE INTO facets (field, value, doc_id) VALUES (?, ?, ?)",
        [(name, value, doc_id) for name, value in facet_values(document)],
    )
    connection.execute(
        "INSERT INTO fts (rowid, name, alternate_names, place, tags, description) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (doc_id, *_fts_columns(document)),
    )


def _upsert(connection: sqlite3.Connection, documents: Iterable[Document]) -> None:
    for document in documents:
        row = connection.execute(
            "SELECT id FROM docs WHERE slug = ?", (document["slug"],)
        ).fetchone()
        if row is not None:
            _remove(connection, row[0])
        _insert(connection, document, row[0] if row else None)


def _delete(connection: sqlite3.Connection, slugs: Iterable[str]) -> None:
    for slug in slugs:
        row = connection.execute("SELECT id FROM docs WHERE slug = ?", (slug,)).fetchone()
        if row is not None:
            _remove(connection, row[0])


def _remove(connection: sqlite3.Connection, doc_id: int) -> None:
    for statement in (
        "DELETE FROM fts WHERE rowid = ?",
        "DELETE FROM facets WHERE doc_id = ?",
        "DELETE FROM docs WHERE id = ?",
    ):
        connection.execute(statement, (doc_id,))
