"""The embedded search backend: SQLite FTS5 in its own file, independent of the database.

FTS5 is the inverted index: it finds the documents holding a term, in all columns or in a
group of columns. Those postings are kept in memory as compressed (roaring) bitmaps, so a
query, its filters, its facet counts and its ranking are set operations that cost the same
for a rare word as for one in every listing. What is kept (caches.py) is kept under the
file's state: after any write to it, from this process or another, or a rebuild swapped in,
nothing kept from before is used again (and it goes as the budget needs room).

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
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyroaring import BitMap, FrozenBitMap
from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from directory import vocab
from directory.caches import Caches, Pickled, Shelf
from directory.recent import size_of
from directory.search import geo, highlight, synonyms, text, understanding
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

# The full-text columns, in their order in fts (a posting's `col`).
_COLUMNS = (
    "name",
    "alternate_names",
    "place",
    "tags",
    "description",
    "stems_name",
    "stems_meta",
    "stems_text",
)
# How fts and the scratch table below make terms of text.
_TOKENIZE = "unicode61 remove_diacritics 2"
_FTS_NAMES = ", ".join(_COLUMNS)
_SCHEMA = f"""
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
    {_FTS_NAMES},
    tokenize = '{_TOKENIZE}',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5vocab (fts, row);
CREATE VIRTUAL TABLE IF NOT EXISTS occurrences USING fts5vocab (fts, instance);
-- Each term's documents in each column, as a serialised roaring bitmap: read whole in
-- microseconds, where a full-text match hands them over one row at a time (a term in most
-- of 100,000 listings: 35 ms). Kept in step with fts by every write.
CREATE TABLE IF NOT EXISTS postings (
    term TEXT NOT NULL,
    col INTEGER NOT NULL,
    ids BLOB NOT NULL,
    PRIMARY KEY (term, col)
) WITHOUT ROWID;
PRAGMA user_version = 4;
"""
# The shape of the file's contents; a file of another is rebuilt from the database (repair).
_FORMAT = 4
# A table of the same columns and tokenizer, in memory, that says which terms a document
# gives each column, when its postings change.
_SCRATCH = (  # statements one by one: a script would commit the write under way
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.scratch USING fts5 ({_FTS_NAMES}, "
    f"tokenize = '{_TOKENIZE}')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.scratch_terms "
    "USING fts5vocab (temp, scratch, instance)",
)
_COLUMN_AT = {name: at for at, name in enumerate(_COLUMNS)}
# A build reads a term's occurrences as numbers: document id + column x _COLUMN_BIT.
_COLUMN_BIT = 1 << 28
# Column groups a term is looked up in: everywhere, in names, and anywhere but the description.
_GROUPS = {
    "all": "{name alternate_names place tags description} : ",
    "name": "{name alternate_names} : ",
    "meta": "{name alternate_names place tags} : ",
    "primary": "{name} : ",  # the group's own name, which ranks above its other names
}
# Where a word's stem is looked up, for each group ("name" matches names as typed only).
_STEM_GROUPS = {
    "all": "{stems_name stems_meta stems_text} : ",
    "meta": "{stems_name stems_meta} : ",
    "name": "{stems_name} : ",
    "primary": "{stems_name} : ",
}
# The same groups as positions in _COLUMNS, for the stored postings.
_GROUP_COLUMNS = {"all": (0, 1, 2, 3, 4), "name": (0, 1), "meta": (0, 1, 2, 3), "primary": (0,)}
_STEM_GROUP_COLUMNS = {"all": (5, 6, 7), "meta": (5, 6), "name": (5,), "primary": (5,)}
_NOWHERE = FrozenBitMap()
_Held = dict[str, tuple[FrozenBitMap, ...]]  # a term's documents by column, as one search read them
# A query with a word no listing holds may be a mistyped name: checked against at most this
# many names holding the other words.
_NAME_CANDIDATES = 500
# A word found in more than this share of listings is matched but does not rank.
_COMMON_FRACTION = 0.4
# Ranking counts at most this many words: two points for each in a name, one in a tag.
_SCORED_WORDS = 6
# How the geography of a search orders its groups, and what each tier says of a group.
_STATUS_ORDER = ("active", "unknown")
# A last word shared as a prefix by more terms than this is looked up with one FTS5 prefix
# query rather than as a union of the terms' postings.
_PREFIX_EXPANSION_LIMIT = 64
# A bitmap's own bytes beyond its contents (which its sys.getsizeof counts, as serialised).
_BITMAP_BYTES = 64
_WARM_WAIT_SECONDS = 0.01  # between looks, while searches are under way, before warming on
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
    # Documents naming prisons they serve: in a region, after groups serving all of it.
    tied: BitMap = field(default_factory=BitMap)
    # Documents for particular people only (women, LGBTQ+...), not for anyone in prison.
    specific: BitMap = field(default_factory=BitMap)


@dataclass
class _Plan:
    """How a query's words matched: the result set, its ranking tiers and the terms to mark."""

    matched: BitMap
    tiers: list[BitMap]
    terms: set[str]
    prefix: str | None
    unmatched: tuple[str, ...] = ()
    corrected: str | None = None
    stems: set[str] = field(default_factory=set)
    # Whether only needs say what is wanted (every word to match is in nearly every listing).
    needs_only: bool = False


@dataclass
class _Geography:
    """The groups that can help where a search asks: tiers in order, each with what it says
    of its groups, and the distances of those near."""

    tiers: list[tuple[str, BitMap]]
    distances: dict[int, float] | None
    allowed: BitMap


@dataclass
class _WordMatch:
    """Where one word of a query is found, by column group."""

    word: str
    # As typed, a synonym or (the last word) a prefix of one; by its stem; or as a typo.
    loose: dict[str, BitMap]
    variants: tuple[str, ...]  # the index's words it may be a typo of, nearest first
    typed: BitMap  # anywhere, as typed, a synonym, a prefix or by its stem: not as a typo


class EmbeddedSearch:
    """The SQLite FTS5 index. Safe to share between threads.

    With `create`, a missing file is made as an empty index. The directory's own index is
    opened without it: its contents must come from the database, so a missing file is
    reported (problem(), health()) and rebuilt, never silently replaced by an empty one.
    """

    name = "embedded"
    remote = False

    def __init__(
        self,
        path: Path,
        create: bool = True,
        outbox_name: str = "embedded",
        caches: Caches | None = None,
    ) -> None:
        self.path = path
        self.outbox_name = outbox_name
        # Kept under the state of the index they were made from (see caches.py): whole
        # answers to recent queries (the same few searches come again and again, and each
        # word typed into the search box is one), the postings of terms, words' typo
        # variants.
        caches = Caches() if caches is None else caches
        self._answers: Pickled[SearchResults] = Pickled(caches.shelf("answers"))
        self._postings: Shelf[BitMap] = caches.shelf("postings")
        self._variants: Shelf[tuple[str, ...]] = caches.shelf("variants")
        self._answers_made = 0  # what forget() moves on
        self._local = threading.local()
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._watched: list[_Watched | None] = [None]  # the file, open to read its state
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
                    _insert(connection, document, None, None)
                    new.count += 1
                connection.execute("INSERT INTO fts(fts) VALUES ('optimize')")
                _fill_postings(connection)
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

    def warm_terms(
        self,
        most: int,
        stop: threading.Event | None = None,
        idle: Callable[[], bool] = lambda: True,
    ) -> int:
        """Look up the index's most frequent terms as a query's words are (every group, as
        typed and by stem), most frequent first, so that the searches most likely to come
        find their postings kept. Each is looked up only when `idle()` says nothing else is
        being searched; ends early when `stop` is set, the index changes or half the caches'
        budget is used. Returns how many terms were looked up."""
        snapshot = self._current()
        rows = self._reader().execute(
            "SELECT term FROM terms WHERE length(term) > 1 ORDER BY doc DESC LIMIT ?", (most,)
        )
        looked_up = 0
        for (term,) in rows.fetchall():
            if (stop is not None and stop.is_set()) or self._snapshot is not snapshot:
                break
            if self._postings.caches.total > self._postings.caches.limit // 2:
                break  # the rest of the budget is for what people ask
            while not idle():
                if stop is not None and stop.is_set():
                    return looked_up
                time.sleep(_WARM_WAIT_SECONDS)
            self._match(snapshot, term, prefix=False)
            looked_up += 1
        return looked_up

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
            key = (snapshot.key, self._answers_made, _query_key(query))
            found = self._answers.get(key)
            if found is None:
                found = self._search(snapshot, query)
                self._answers.put(key, found)
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
            return _file_key(self.path, self._watched)
        except OSError:
            return None

    def cached(self, query: SearchQuery) -> SearchResults | None:
        """The answer to a query asked recently, if the index is unchanged since: no search,
        no loading, so it may be called where blocking is not allowed (the event loop)."""
        snapshot = self._snapshot
        try:
            if snapshot is None or snapshot.key != _file_key(self.path, self._watched):
                return None
        except OSError:  # gone: search() says why
            return None
        return self._answers.get((snapshot.key, self._answers_made, _query_key(query)))

    def forget(self) -> None:
        """Answer every query afresh from now on (for measuring the search itself)."""
        self._answers_made += 1

    def _search(self, snapshot: _Snapshot, query: SearchQuery) -> SearchResults:
        understood = query.understood or understanding.plain(query.q)
        where = understanding.where_asked(query.where, understood, query.near)
        geography = _geography(snapshot, where)
        allowed = geography.allowed if geography is not None else snapshot.universe
        plan = self._plan(snapshot, understood, query.q, _words_judged_in(geography, allowed))
        matched = plan.matched & allowed
        filtered = matched & _filter_mask(snapshot, query.filters, exclude=None)
        facets = _facet_counts(snapshot, matched, query.filters)
        distances = geography.distances if geography is not None else None
        levels = _need_levels(snapshot, understood)
        # Only a need said ("pen pal"), nobody named: groups for anyone before groups for
        # particular people, among equal matches.
        general_first = plan.needs_only and bool(understood.needs)
        general_first = general_first and not _names_people(understood)
        buckets = _buckets(snapshot, plan.tiers, geography, levels, general_first)
        placed = _page(snapshot, buckets, filtered, query.offset, query.per_page, distances)
        highlighter = highlight.Highlighter(plan.terms, plan.prefix, plan.stems)
        hits = self._hits(placed, highlighter, distances)
        return SearchResults(
            hits,
            len(filtered),
            facets,
            query.page,
            query.per_page,
            unmatched=plan.unmatched,
            corrected=plan.corrected,
            where=where,
            need_words=understood.need_words,
        )

    def _plan(
        self,
        snapshot: _Snapshot,
        understood: understanding.Understood,
        raw_query: str,
        allowed: BitMap,
    ) -> _Plan:
        words = list(understood.words)
        needs = self._need_matches(snapshot, understood.need_words)
        marked = {w for m in needs for w in _words_of(m.word)}
        named = self._ids_named(raw_query)
        if not words:
            levels = _score_levels(needs, snapshot.universe)
            return _Plan(snapshot.universe, [named, *levels], marked, None, needs_only=True)
        may_be_typing = understood.last_word_typed_last and text.ends_mid_word(raw_query)
        matches = [
            self._match(snapshot, word, prefix=may_be_typing and i == len(words) - 1)
            for i, word in enumerate(words)
        ]
        # With a place or a need to go by, a search is still answered when no group there
        # holds even its last word; else that word must be found, or there is nothing.
        kept, unmatched = _drop_words(matches, allowed, keep_one=not (needs or understood.where))
        if not kept:
            levels = _score_levels(needs, snapshot.universe)
            return _Plan(
                snapshot.universe,
                [BitMap(), *levels],
                marked,
                None,
                tuple(unmatched),
                needs_only=True,
            )
        prefix = words[-1] if may_be_typing and kept and kept[-1] is matches[-1] else None
        for match in kept:
            marked.update([*_words_of(match.word), *match.variants])
        matched = BitMap.intersection(*(m.loose["all"] for m in kept))
        # Words in nearly every listing ("prison", "support") must be matched but do not
        # rank: what ranks is how many of the telling words (and the needs) a name or tag
        # holds.
        common = len(snapshot.universe) * _COMMON_FRACTION
        telling = [m for m in kept if len(m.loose["all"]) <= common]
        if not telling and not needs:
            telling = kept
        levels = _score_levels([*telling, *needs], snapshot.universe)
        if unmatched:  # perhaps a group's name, mistyped: "anarchist blak cross"
            in_names = BitMap.intersection(*(m.loose["primary"] for m in kept))
            named = self._ids_nearly_named(raw_query, in_names)
        tiers = [named, *(level & matched for level in levels)]
        stems = {text.stem(match.word) for match in kept}
        corrected = _corrected(kept, allowed)
        return _Plan(
            matched, tiers, marked, prefix, tuple(unmatched), corrected, stems, not telling
        )

    def _match(
        self,
        snapshot: _Snapshot,
        word: str,
        prefix: bool,
        alternatives: list[list[str]] | None = None,
    ) -> _WordMatch:
        variants = self._typo_variants(snapshot, word)
        if alternatives is None:
            alternatives = synonyms.alternatives(word)
        # Its stem, and those of its one-word alternatives ("penfriends" for "penpal").
        stems = {text.stem(word), *(text.stem(p[0]) for p in alternatives if len(p) == 1)}
        loose: dict[str, BitMap] = {}
        typed = BitMap()
        held: _Held = {}  # each term read once, for every group
        for group in _GROUPS:
            found = BitMap.union(
                self._posting(snapshot, group, word, held),
                *(self._all_of(snapshot, group, phrase, held) for phrase in alternatives),
            )
            if prefix:
                found = found | self._prefix_posting(snapshot, group, word)
            stemmed = BitMap.union(
                BitMap(),
                *(self._stem_posting(snapshot, group, st, held) for st in stems),
            )
            loose[group] = BitMap.union(
                found, stemmed, *(self._posting(snapshot, group, v, held) for v in variants)
            )
            if group == "all":
                typed = found | stemmed
        return _WordMatch(word, loose, variants, typed)

    def _need_matches(self, snapshot: _Snapshot, words: Sequence[str]) -> list[_WordMatch]:
        """The words that say a need, each with the alternatives no earlier one brought:
        "kids with a parent" counts families once, not once for each."""
        seen: list[list[str]] = []
        matches = []
        for word in words:
            fresh = [p for p in synonyms.alternatives(word) if p not in seen]
            seen += fresh
            matches.append(self._match(snapshot, word, prefix=False, alternatives=fresh))
        return matches

    def vocabulary(self, words: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Of these words, those the index holds as typed, and those it holds only by their
        stem: for a backend that cannot tell (Meilisearch), so it need not guess."""
        snapshot = self._current()
        typed = tuple(w for w in words if _holds(snapshot, w))
        stemmed = tuple(w for w in words if w not in typed and _holds(snapshot, text.stem(w)))
        return typed, stemmed

    def _posting(
        self, snapshot: _Snapshot, group: str, term: str, held: _Held | None = None
    ) -> BitMap:
        if _holds(snapshot, term):
            return self._in_group(snapshot, (group, term), _GROUP_COLUMNS[group], held)
        # Not one indexed term ("o'brien" is two): the full-text index finds the phrase.
        return self._cached(snapshot, (group, term), _GROUPS[group] + text.fts_term(term))

    def _stem_posting(
        self, snapshot: _Snapshot, group: str, stem: str, held: _Held | None = None
    ) -> BitMap:
        if _holds(snapshot, stem):
            return self._in_group(snapshot, (group + "~", stem), _STEM_GROUP_COLUMNS[group], held)
        return self._cached(
            snapshot, (group + "~", stem), _STEM_GROUPS[group] + text.fts_term(stem)
        )

    def _in_group(
        self,
        snapshot: _Snapshot,
        key: tuple[str, str],
        columns: tuple[int, ...],
        held: _Held | None,
    ) -> BitMap:
        """An indexed term's documents in a group of columns (key: the group, the term),
        kept as one bitmap, as a full-text match's are: the next search asks at once."""
        kept_as = (snapshot.key, *key)
        found = self._postings.get(kept_as)
        if found is None:
            stored = self._stored(key[1], held)
            found = BitMap.union(BitMap(), *(stored[at] for at in columns))
            self._postings.put(kept_as, found, _BITMAP_BYTES + sys.getsizeof(found))
        return found

    def _stored(self, term: str, held: _Held | None) -> tuple[FrozenBitMap, ...]:
        """An indexed term's documents in each column, from the postings table: read once
        for all the groups a search looks it up in (`held`, the terms it has read)."""
        if held is not None and term in held:
            return held[term]
        columns = [_NOWHERE] * len(_COLUMNS)
        rows = self._reader().execute("SELECT col, ids FROM postings WHERE term = ?", (term,))
        for column, ids in rows:
            columns[column] = FrozenBitMap.deserialize(ids)
        found = tuple(columns)
        if held is not None:
            held[term] = found
        return found

    def _all_of(
        self, snapshot: _Snapshot, group: str, words: list[str], held: _Held | None = None
    ) -> BitMap:
        return BitMap.intersection(*(self._posting(snapshot, group, w, held) for w in words))

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
        kept_as = (snapshot.key, *key)
        found = self._postings.get(kept_as)
        if found is None:
            rows = self._reader().execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,))
            found = BitMap(row[0] for row in rows)
            self._postings.put(kept_as, found, _BITMAP_BYTES + sys.getsizeof(found))
        return found

    def _typo_variants(self, snapshot: _Snapshot, word: str) -> tuple[str, ...]:
        """Indexed terms within the word's typo budget (transpositions count as one typo)."""
        kept_as = (snapshot.key, word)
        found = self._variants.get(kept_as)
        if found is None:
            found = _find_variants(snapshot, word)
            self._variants.put(kept_as, found, size_of(found))
        return found

    def _ids_nearly_named(self, raw_query: str, candidates: BitMap) -> BitMap:
        """Of the candidates (whose own name holds every word matched), those whose name is
        the query but for a typo or two (queries of 9 letters or more, as for a word)."""
        name = text.normalised(raw_query)
        budget = text.typo_budget(name.replace(" ", ""))
        if budget < 2 or not candidates or len(candidates) > _NAME_CANDIDATES:
            return BitMap()
        ids = list(candidates)
        marks = ",".join("?" * len(ids))
        rows = self._reader().execute(
            f"SELECT id, sort_name FROM docs WHERE id IN ({marks})",  # noqa: S608
            ids,
        )
        found = BitMap()
        for doc_id, sort_name in rows:
            if Levenshtein.distance(name, sort_name, score_cutoff=budget) <= budget:
                found.add(doc_id)
        return found

    def _ids_named(self, raw_query: str) -> BitMap:
        """Documents whose name is the query, or another way of saying it ("abc" is the
        Anarchist Black Cross)."""
        name = text.normalised(raw_query)
        if not name:
            return BitMap()
        names = [name, *(" ".join(phrase) for phrase in synonyms.alternatives(name))]
        marks = ",".join("?" * len(names))
        rows = self._reader().execute(
            f"SELECT id FROM docs WHERE sort_name IN ({marks})",  # noqa: S608
            names,
        )
        return BitMap(row[0] for row in rows)

    def _hits(
        self,
        placed: list[tuple[int, str | None]],
        highlighter: highlight.Highlighter,
        distances: dict[int, float] | None = None,
    ) -> list[Hit]:
        if not placed:
            return []
        ids = [doc_id for doc_id, _ in placed]
        served = dict(placed)
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
            distance = distances.get(doc_id) if distances is not None else None
            hits.append(make_hit(data, highlighted, distance, served[doc_id]))
        return hits

    # -- the loaded state of the file ------------------------------------------------------

    def _current(self) -> _Snapshot:
        key = _file_key(self.path, self._watched)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.key == key:
            return snapshot
        with self._load_lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.key != _file_key(self.path, self._watched):
                snapshot = self._load()
                self._snapshot = snapshot
        return snapshot

    def _load(self) -> _Snapshot:
        key = _file_key(self.path, self._watched)
        connection = self._reader(loading=key)
        found_format = connection.execute("PRAGMA user_version").fetchone()[0]
        if found_format != _FORMAT:
            raise sqlite3.DatabaseError(
                f"the index is of an older format ({found_format}, not {_FORMAT})"
            )
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
        tied = BitMap.union(BitMap(), *facets.get("prison", {}).values())
        focus = facets.get("focus", {})
        specific = BitMap.union(
            BitMap(), *(ids for value, ids in focus.items() if value in vocab.POPULATION_FOCUS)
        ) - focus.get("all-prisoners", BitMap())
        return _Snapshot(
            key,
            universe,
            facets,
            terms,
            by_length,
            alphabetical,
            position,
            located,
            tied=tied,
            specific=specific,
        )

    def _reader(self, loading: FileKey | None = None) -> sqlite3.Connection:
        """This thread's connection to the file of the loaded state (or of the state being
        loaded), opened again when the file is another: the state names the file without a
        system call for each lookup."""
        local = self._local
        snapshot = self._snapshot
        if loading is not None:
            inode = loading[0]
        elif snapshot is not None:
            inode = snapshot.key[0]
        else:
            inode = os.stat(self.path).st_ino
        if loading is not None or getattr(local, "inode", None) != inode:
            if getattr(local, "connection", None) is not None:
                local.connection.close()
            local.connection = sqlite3.connect(
                _uri(self.path, "rw"), uri=True, timeout=10, check_same_thread=False
            )
            local.inode = inode
        return local.connection  # type: ignore[no-any-return]


class _Watched:
    """The index file held open, so that its state is read with two system calls rather
    than four: each one hands the interpreter to the search threads and waits to get it
    back, and the state is read on the event loop for every request."""

    def __init__(self, path: Path) -> None:
        self.descriptor = os.open(path, os.O_RDONLY)
        self.inode = os.fstat(self.descriptor).st_ino

    def __del__(self) -> None:
        # Closed once nothing refers to it: never while a thread is reading through it.
        descriptor = getattr(self, "descriptor", None)  # none if the file could not be opened
        if descriptor is not None:
            os.close(descriptor)


def _file_key(path: Path, watched: list[_Watched | None]) -> FileKey:
    """Changes whenever the file is written to or replaced. The time and size alone could miss
    a write in the same clock tick that left the size alone; SQLite's file change counter (a
    header field every commit raises, in the rollback-journal mode the index uses) cannot.
    `watched` keeps the open file between calls: opened again when the path names another."""
    stat = os.stat(path)
    opened = watched[0]
    if opened is None or opened.inode != stat.st_ino:
        opened = _Watched(path)
        stat = os.fstat(opened.descriptor)
        watched[0] = opened
    counter = os.pread(opened.descriptor, 4, _CHANGE_COUNTER_OFFSET)
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
    """Kept by its repr (caches.py), which says all of it: the place asked about included."""
    filters = tuple(sorted((name, tuple(values)) for name, values in query.filters.items()))
    return (query.q, filters, query.near, query.where, query.page, query.per_page)


def _find_variants(snapshot: _Snapshot, word: str) -> tuple[str, ...]:
    """Nearest first. A word the index holds (or holds the stem of) is taken as meant, never
    also as a typo of another: "vegan" is not "began"."""
    budget = text.typo_budget(word)
    if not budget or _holds(snapshot, word) or _holds(snapshot, text.stem(word)):
        return ()
    candidates = [
        term
        for length in range(len(word) - budget, len(word) + budget + 1)
        for term in snapshot.terms_by_length.get(length, ())
    ]
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=budget, limit=None)
    return tuple(term for term, distance, _ in found if distance > 0)


def _holds(snapshot: _Snapshot, term: str) -> bool:
    at = bisect.bisect_left(snapshot.terms, term)
    return at < len(snapshot.terms) and snapshot.terms[at] == term


def _drop_words(
    matches: list[_WordMatch], allowed: BitMap, keep_one: bool = True
) -> tuple[list[_WordMatch], list[str]]:
    """The words to match, and those left out because no group (here) holds every word:
    first words no group holds at all, then the least telling (held by the most groups).
    Unless `keep_one`, a last word no group holds is left out too."""
    kept = list(matches)
    dropped: list[str] = []

    def found(match: _WordMatch) -> int:
        return match.loose["all"].intersection_cardinality(allowed)

    while kept:
        together = BitMap.intersection(*(m.loose["all"] for m in kept)) & allowed
        if together or (len(kept) == 1 and keep_one):
            break
        nowhere = [m for m in kept if not found(m)]
        if len(kept) == 1 and not nowhere:
            break
        drop = nowhere[0] if nowhere else max(kept, key=found)
        kept.remove(drop)
        dropped.append(drop.word)
    return kept, dropped


def _corrected(kept: list[_WordMatch], allowed: BitMap) -> str | None:
    """The query as matched, when no word was found as typed (or by its stem) but each was
    as a typo of another: "Showing results for anarchist black cross"."""
    if not kept or any(m.typed & allowed or not m.variants for m in kept):
        return None
    return " ".join(m.variants[0] for m in kept)


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


def _geography(snapshot: _Snapshot, where: understanding.Where | None) -> _Geography | None:
    """The groups that can help at a place, in the order they are offered: those naming the
    prison; those near, by distance; those serving (or, for a nation, state or country
    searched for as such, based in) its nation or state, then its country; then those
    working internationally. None when the search names no place."""
    if where is None:
        return None
    facets = snapshot.facets
    tiers: list[tuple[str, BitMap]] = []
    distances = None
    if where.prison_names:
        named = facets.get("prison", {})
        tiers.append(
            (
                "prison",
                BitMap.union(BitMap(), *(named.get(n, BitMap()) for n in where.prison_names)),
            )
        )
    if where.point is not None:
        distances = _within(snapshot, *where.point, where.radius_km)
        tiers.append(("near", BitMap(distances)))
    serves, located = facets.get("serves", {}), facets.get("located", {})
    for tier, code in (("region", where.area), ("country", where.country)):
        if code:
            members = serves.get(code, BitMap())
            if where.kind == ("area" if tier == "region" else "country"):
                # "scotland" itself, not a town in it: groups based there help there too.
                members = members | located.get(code, BitMap())
            tiers.append((tier, members))
    if where.country or where.area:
        tiers.append(("international", serves.get(vocab.INTERNATIONAL, BitMap())))
    allowed = BitMap.union(BitMap(), *(members for _, members in tiers))
    return _Geography(tiers, distances, allowed)


def _words_of(word: str) -> list[str]:
    """A word and the words of its alternatives, to mark where they are found."""
    return [word, *(w for phrase in synonyms.alternatives(word) for w in phrase)]


def _score_levels(matches: list[_WordMatch], universe: BitMap) -> list[BitMap]:
    """Documents by how many of these words their own name (2 points) or other names, tags
    and place (1) hold, best first: those with at least each score, from the highest down
    to 1, then every document."""
    scored = matches[:_SCORED_WORDS]
    at_least = [universe] + [BitMap() for _ in range(2 * len(scored))]
    for match in scored:
        in_name, in_meta = match.loose["primary"], match.loose["meta"] - match.loose["primary"]
        for score in range(len(at_least) - 1, 0, -1):
            found = at_least[score - 1] & in_meta
            if score >= 2:
                found |= at_least[score - 2] & in_name
            at_least[score] = at_least[score] | found
    return [level for level in reversed(at_least[1:]) if level] + [universe]


def _names_people(understood: understanding.Understood) -> bool:
    """Whether a search says who help is for ("trans", "women", "black"), so that groups for
    them are not put after groups for anyone."""
    return any(
        field == "focus" and value in vocab.POPULATION_FOCUS
        for need in understood.needs
        for field, value in need
    )


def _general_first(snapshot: _Snapshot, members: BitMap, wanted: bool) -> list[BitMap]:
    """Groups for anyone in prison, then groups for particular people (women, LGBTQ+...)."""
    if not wanted:
        return [members]
    return [members - snapshot.specific, members & snapshot.specific]


# How a need orders groups: an outer level (tagged for it, then not), and within it, in each
# geography tier, the documents in turn (every tag of a need before only some).
_Levels = list[tuple[BitMap, list[BitMap]]]


def _need_levels(snapshot: _Snapshot, understood: understanding.Understood) -> _Levels:
    """Documents by how well they are tagged for the needs a query says: those with any of
    its tags (each geography tier giving first those with every tag of a need), then the
    rest. One level (every document) when it says none."""
    if not understood.needs:
        return [(snapshot.universe, [snapshot.universe])]
    facets = snapshot.facets

    def tagged(field: str, value: str) -> BitMap:
        return facets.get(field, {}).get(value, BitMap())

    central = BitMap.union(
        BitMap(),
        *(BitMap.intersection(*(tagged(f, v) for f, v in need)) for need in understood.needs),
    )
    related = BitMap.union(BitMap(), *(tagged(f, v) for need in understood.needs for f, v in need))
    return [(related, [central, related]), (snapshot.universe, [snapshot.universe])]


def _words_judged_in(geography: _Geography | None, allowed: BitMap) -> BitMap:
    """Where a query's words must all be found before any is dropped: among the groups of
    the place itself (near, serving the prison, its region or country), so that groups
    working internationally do not keep a search from finding help at the place."""
    if geography is None:
        return allowed
    return BitMap.union(
        BitMap(), *(members for tier, members in geography.tiers if tier != "international")
    )


# A bucket of the ranking: its members, what they are there as, and whether by distance.
_Bucket = tuple[BitMap, str | None, bool]


def _buckets(
    snapshot: _Snapshot,
    text_tiers: list[BitMap],
    geography: _Geography | None,
    levels: _Levels,
    general_first: bool,
) -> Iterator[_Bucket]:
    """The ranking, best first, as buckets each ordered alphabetically (or by distance).

    A name equal to the query first; groups naming the prison searched for. Then, when the
    query says a need, groups tagged for it
    before the rest; within that, the geography tiers; in a region or country, groups that
    serve it all before those tied to particular prisons in it; then the text tiers; then
    groups for anyone before groups for particular people (unless the query names who);
    then active groups before unconfirmed ones. Groups no longer active come after every
    other, in the same geography order."""
    by_status = snapshot.facets.get("status", {})
    active = by_status.get("active", BitMap())
    inactive = by_status.get("inactive", BitMap())
    tiers = geography.tiers if geography is not None else [(None, snapshot.universe)]
    named, ranked_tiers = text_tiers[0], text_tiers[1:]
    # Near a place, better matches (a word in a name or tag) before others, each by distance.
    strong = ranked_tiers[-2] if len(ranked_tiers) > 1 else ranked_tiers[0]
    for served_as, members in tiers:  # a name equal to the query, wherever it is
        yield (members - inactive) & named, served_as, False
    # The groups that name the prison searched for, however tagged; then, with a need,
    # groups tagged for it wherever they are (local, then across the region...), then the
    # rest in the same order; without one, one level.
    prison = [(s, m) for s, m in tiers if s == "prison"]
    around = [(s, m) for s, m in tiers if s != "prison"]
    plan = [((snapshot.universe, [snapshot.universe]), prison)] + [(lv, around) for lv in levels]
    for (level, inner), level_tiers in plan:
        for served_as, members in level_tiers:
            for split in inner:
                within = (members - inactive) & level & split
                yield from _tier_buckets(
                    snapshot, served_as, within, ranked_tiers, strong, active, general_first
                )
    for served_as, members in tiers:
        closed = members & inactive
        for tier in text_tiers:
            yield closed & tier, served_as, served_as == "near"


def _tier_buckets(
    snapshot: _Snapshot,
    served_as: str | None,
    within: BitMap,
    ranked_tiers: list[BitMap],
    strong: BitMap,
    active: BitMap,
    general_first: bool,
) -> Iterator[_Bucket]:
    """One geography tier's groups of one level, in rank order: near a place by distance
    (better matches first); in a region or country, groups serving all of it before those
    tied to prisons in it; then the text tiers, groups for anyone first where wanted, and
    active groups before unconfirmed ones."""
    if served_as == "near":
        yield within & strong, served_as, True
        yield within - strong, served_as, True
        return
    spread = (
        [within - snapshot.tied, within & snapshot.tied]
        if served_as in ("region", "country")
        else [within]
    )
    for group in spread:
        for tier in ranked_tiers:
            for ranked in _general_first(snapshot, group & tier, general_first):
                yield ranked & active, served_as, False
                yield ranked - active, served_as, False


def _page(
    snapshot: _Snapshot,
    buckets: Iterable[_Bucket],
    results: BitMap,
    offset: int,
    limit: int,
    distances: dict[int, float] | None,
) -> list[tuple[int, str | None]]:
    """The ids on one page, with what each is there as: buckets in rank order, without
    repeats; only the buckets the page reaches are sorted."""
    placed: list[tuple[int, str | None]] = []
    seen = BitMap()
    for members, served_as, by_distance in buckets:
        ranked = (members & results) - seen
        if not ranked:
            continue
        seen |= ranked
        if offset >= len(ranked):
            offset -= len(ranked)
            continue
        wanted = offset + limit - len(placed)
        if by_distance and distances is not None:
            ordered = sorted(ranked, key=lambda i: (distances[i], snapshot.position[i]))[:wanted]
        else:
            ordered = _alphabetical(snapshot, ranked, wanted)
        placed.extend((doc_id, served_as) for doc_id in ordered[offset:])
        offset = 0
        if len(placed) >= limit:
            break
    return placed[:limit]


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


def _fts_columns(document: Document) -> tuple[str, ...]:
    return (
        document["name"],
        " · ".join(document["alternate_names"]),
        document["place_text"],
        document["tags_text"],
        document["description"],
        document["stems_name"],
        document["stems_meta"],
        document["stems_text"],
    )


def _insert(
    connection: sqlite3.Connection,
    document: Document,
    doc_id: int | None,
    changes: _PostingChanges | None,
) -> None:
    """Adds a document; its postings through `changes` (None: filled later, all at once)."""
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
    values = _fts_columns(document)
    connection.execute(
        f"INSERT INTO fts (rowid, {_FTS_NAMES}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (doc_id, *values),
    )
    if changes is not None:
        assert doc_id is not None
        changes.add(values, doc_id)


def _upsert(connection: sqlite3.Connection, documents: Iterable[Document]) -> None:
    changes = _PostingChanges(connection)
    for document in documents:
        row = connection.execute(
            "SELECT id FROM docs WHERE slug = ?", (document["slug"],)
        ).fetchone()
        if row is not None:
            _remove(connection, row[0], changes)
        _insert(connection, document, row[0] if row else None, changes)
    changes.apply()


def _delete(connection: sqlite3.Connection, slugs: Iterable[str]) -> None:
    changes = _PostingChanges(connection)
    for slug in slugs:
        row = connection.execute("SELECT id FROM docs WHERE slug = ?", (slug,)).fetchone()
        if row is not None:
            _remove(connection, row[0], changes)
    changes.apply()


def _remove(connection: sqlite3.Connection, doc_id: int, changes: _PostingChanges) -> None:
    values = connection.execute(
        f"SELECT {_FTS_NAMES} FROM fts WHERE rowid = ?",  # noqa: S608
        (doc_id,),
    ).fetchone()
    if values is not None:
        changes.remove(values, doc_id)
    for statement in (
        "DELETE FROM fts WHERE rowid = ?",
        "DELETE FROM facets WHERE doc_id = ?",
        "DELETE FROM docs WHERE id = ?",
    ):
        connection.execute(statement, (doc_id,))


class _PostingChanges:
    """Documents to add to and take from postings in one write, applied in the order made
    (a document replaced twice in one batch ends as the second says). A document's terms
    come from a table of the same columns and tokenizer in memory, emptied after each."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        for statement in _SCRATCH:
            connection.execute(statement)
        self.added: dict[tuple[str, int], BitMap] = defaultdict(BitMap)
        self.removed: dict[tuple[str, int], BitMap] = defaultdict(BitMap)

    def add(self, values: Sequence[str], doc_id: int) -> None:
        for pair in self._terms(values):
            self.added[pair].add(doc_id)
            self.removed[pair].discard(doc_id)

    def remove(self, values: Sequence[str], doc_id: int) -> None:
        for pair in self._terms(values):
            self.removed[pair].add(doc_id)
            self.added[pair].discard(doc_id)

    def _terms(self, values: Sequence[str]) -> set[tuple[str, int]]:
        """The (term, column) pairs a document's full-text columns give."""
        connection = self._connection
        connection.execute(
            f"INSERT INTO temp.scratch (rowid, {_FTS_NAMES}) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            tuple(values),
        )
        rows = connection.execute("SELECT DISTINCT term, col FROM temp.scratch_terms").fetchall()
        connection.execute("DELETE FROM temp.scratch")
        return {(term, _COLUMN_AT[column]) for term, column in rows}

    def apply(self) -> None:
        connection = self._connection
        for term, column in self.added.keys() | self.removed.keys():
            row = connection.execute(
                "SELECT ids FROM postings WHERE term = ? AND col = ?", (term, column)
            ).fetchone()
            ids = BitMap() if row is None else BitMap.deserialize(row[0])
            ids -= self.removed.get((term, column), _NOWHERE)
            ids |= self.added.get((term, column), _NOWHERE)
            if ids:
                connection.execute(
                    "INSERT OR REPLACE INTO postings (term, col, ids) VALUES (?, ?, ?)",
                    (term, column, ids.serialize()),
                )
            else:
                connection.execute(
                    "DELETE FROM postings WHERE term = ? AND col = ?", (term, column)
                )


def _fill_postings(connection: sqlite3.Connection) -> None:
    """Every term's postings, from the full-text index's occurrences: for a file built whole.
    One string of numbers a term, each a document and its column (the column in the top
    bits), made by SQLite and read as one bitmap: twice as fast at 100,000 listings as
    reading the 12 million occurrences one by one."""
    connection.execute("DELETE FROM postings")
    (most,) = connection.execute("SELECT coalesce(max(id), 0) FROM docs").fetchone()
    if most >= _COLUMN_BIT:
        raise ValueError(f"document ids reach {most}: postings hold ids below {_COLUMN_BIT}")
    column_bits = " ".join(
        f"WHEN '{name}' THEN {at * _COLUMN_BIT}" for name, at in _COLUMN_AT.items()
    )
    rows = connection.execute(
        f"SELECT term, group_concat(doc + CASE col {column_bits} END) "  # noqa: S608
        "FROM occurrences GROUP BY term"
    )
    in_columns = [
        BitMap(range(at * _COLUMN_BIT, (at + 1) * _COLUMN_BIT)) for at in _COLUMN_AT.values()
    ]
    for term, numbers in rows:
        everywhere = BitMap(map(int, numbers.split(",")))
        postings = []
        for at, in_column in enumerate(in_columns):
            ids = everywhere & in_column
            if ids:
                postings.append((term, at, ids.shift(-at * _COLUMN_BIT).serialize()))
        connection.executemany("INSERT INTO postings (term, col, ids) VALUES (?, ?, ?)", postings)
