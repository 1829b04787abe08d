"""The embedded search backend: SQLite FTS5 in its own file, independent of the database.

Ranking follows Meilisearch's rules closely enough for one contract suite to hold for both:
documents matching every word first, exact words before typo-corrected ones, then BM25 with
names weighing far more than descriptions. The last word also matches as a prefix.
"""

from __future__ import annotations

import html
import json
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.search import text
from directory.search.documents import facet_values
from directory.search.interface import Document, Hit, SearchQuery, SearchResults

# BM25 column weights: name, alternate_names, place, tags, description.
_WEIGHTS = (10.0, 8.0, 3.0, 2.0, 1.0)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    sort_name TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    hit TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS facets (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    doc_id INTEGER NOT NULL,
    PRIMARY KEY (field, value, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_by_doc ON facets (doc_id, field, value);
CREATE INDEX IF NOT EXISTS docs_by_name ON docs (sort_name);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (
    name, alternate_names, place, tags, description,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5vocab (fts, row);
"""
# Markers that cannot occur in stored text (control characters are refused on input).
_OPEN, _CLOSE = "\x02", "\x03"
_SNIPPET_WORDS = 24


class EmbeddedSearch:
    """SQLite FTS5 index. Thread-safe: one read connection per thread, one writer at a time."""

    name = "embedded"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._generation = 0
        self._vocabulary: dict[int, list[str]] | None = None
        self._unfiltered_facets: dict[str, dict[str, int]] | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect(path) as connection:
            connection.executescript(_SCHEMA)

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> None:
        with self._write_lock, self._connect(self.path) as connection:
            for document in documents:
                _delete(connection, document["slug"])
                _insert(connection, document)
        self._changed()

    def delete(self, slugs: Iterable[str]) -> None:
        with self._write_lock, self._connect(self.path) as connection:
            for slug in slugs:
                _delete(connection, slug)
        self._changed()

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Build a fresh index beside the live one and swap it in; readers never see a gap."""
        building = self.path.with_suffix(".building")
        building.unlink(missing_ok=True)
        count = 0
        with self._connect(building) as connection:
            connection.executescript(_SCHEMA)
            for document in documents:
                _insert(connection, document)
                count += 1
            connection.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        with self._write_lock:
            os.replace(building, self.path)
            self._changed()
        return count

    def health(self) -> dict[str, Any]:
        try:
            documents = self._reader().execute("SELECT count(*) FROM docs").fetchone()[0]
        except sqlite3.Error as error:
            return {"status": "down", "error": str(error)}
        return {"status": "ok", "documents": documents}

    def _changed(self) -> None:
        self._generation += 1
        self._vocabulary = None
        self._unfiltered_facets = None

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        words = text.words(query.q)
        if not words:
            return self._run(query, match=None, exact=None, name="")
        # Like Meilisearch's "last" matching strategy: if every word cannot match, drop words
        # from the end until something does.
        for used in range(len(words), 0, -1):
            match, exact = self._match_expressions(words[:used], query.q, used == len(words))
            results = self._run(query, match, exact, text.normalised(query.q))
            if results.total or used == 1:
                return results
        raise AssertionError("unreachable")

    def _match_expressions(
        self, words: Sequence[str], raw_query: str, includes_last: bool
    ) -> tuple[str, str | None]:
        """An FTS5 expression forgiving typos, and one without typos to rank exact matches first."""
        prefix_last = includes_last and text.ends_mid_word(raw_query)
        any_typos = False
        groups, exact_groups = [], []
        for position, word in enumerate(words):
            exact = [text.fts_term(word)]
            if prefix_last and position == len(words) - 1:
                exact.append(text.fts_term(word) + " *")
            variants = [text.fts_term(v) for v in self._typo_variants(word)]
            any_typos = any_typos or bool(variants)
            groups.append("(" + " OR ".join(exact + variants) + ")")
            exact_groups.append("(" + " OR ".join(exact) + ")")
        return " AND ".join(groups), (" AND ".join(exact_groups) if any_typos else None)

    def _typo_variants(self, word: str) -> list[str]:
        budget = text.typo_budget(word)
        if not budget:
            return []
        vocabulary = self._terms_by_length()
        candidates = [
            term
            for length in range(len(word) - budget, len(word) + budget + 1)
            for term in vocabulary.get(length, ())
        ]
        matches = process.extract(
            word, candidates, scorer=OSA.distance, score_cutoff=budget, limit=None
        )
        return [term for term, distance, _ in matches if distance > 0]

    def _terms_by_length(self) -> dict[int, list[str]]:
        vocabulary = self._vocabulary
        if vocabulary is None:
            vocabulary = defaultdict(list)
            for (term,) in self._reader().execute("SELECT term FROM terms"):
                vocabulary[len(term)].append(term)
            self._vocabulary = vocabulary
        return vocabulary

    def _run(
        self, query: SearchQuery, match: str | None, exact: str | None, name: str
    ) -> SearchResults:
        connection = self._reader()
        base, base_params = _base(match, exact)
        where, where_params = _filters(query.filters, exclude=None)
        total = connection.execute(
            f"SELECT count(*) FROM {base} WHERE {where}",
            base_params + where_params,
        ).fetchone()[0]
        rows = connection.execute(
            f"SELECT b.id FROM {base} WHERE {where} "
            "ORDER BY b.sort_name = ? DESC, b.exact DESC, b.in_name DESC, b.score, b.sort_name "
            "LIMIT ? OFFSET ?",
            base_params + where_params + [name, query.per_page, query.offset],
        ).fetchall()
        hits = self._hits(connection, [row[0] for row in rows], match)
        facets = self._facets(connection, query, match, exact)
        return SearchResults(hits, total, facets, query.page, query.per_page)

    def _facets(
        self,
        connection: sqlite3.Connection,
        query: SearchQuery,
        match: str | None,
        exact: str | None,
    ) -> dict[str, dict[str, int]]:
        """Counts under the current query. A field's own filter is left out of its counts so
        that other values stay visible and can be added (values OR within a field)."""
        active = {field for field, values in query.filters.items() if values}
        if match is None and not active and self._unfiltered_facets is not None:
            return self._unfiltered_facets
        facets: dict[str, dict[str, int]] = {f: {} for f in ("kind", "country", "focus", "service")}
        base, base_params = _base(match, exact)
        passes = [(None, [f for f in facets if f not in active])] + [(f, [f]) for f in active]
        for excluded, fields in passes:
            if not fields:
                continue
            where, where_params = _filters(query.filters, exclude=excluded)
            marks = ",".join("?" * len(fields))
            for field, value, n in connection.execute(
                f"SELECT f.field, f.value, count(*) FROM {base} "
                f"JOIN facets f ON f.doc_id = b.id AND f.field IN ({marks}) "
                f"WHERE {where} GROUP BY f.field, f.value",
                base_params + fields + where_params,
            ):
                facets[field][value] = n
        for field in facets:
            facets[field] = dict(sorted(facets[field].items(), key=lambda kv: (-kv[1], kv[0])))
        if match is None and not active:
            self._unfiltered_facets = facets
        return facets

    def _hits(self, connection: sqlite3.Connection, ids: list[int], match: str | None) -> list[Hit]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        stored = {
            row[0]: json.loads(row[1])
            for row in connection.execute(
                f"SELECT id, hit FROM docs WHERE id IN ({marks})",
                ids,
            )
        }
        highlights: dict[int, tuple[str, str]] = {}
        if match is not None:
            for row_id, name, snippet in connection.execute(
                f"SELECT rowid, highlight(fts, 0, ?, ?), snippet(fts, 4, ?, ?, '…', ?) "
                f"FROM fts WHERE fts MATCH ? AND rowid IN ({marks})",
                [_OPEN, _CLOSE, _OPEN, _CLOSE, _SNIPPET_WORDS, match, *ids],
            ):
                highlights[row_id] = (name, snippet)
        hits = []
        for row_id in ids:
            data = stored[row_id]
            name, snippet = highlights.get(row_id, (data["name"], _lead(data["description"])))
            data["highlight"] = {"name": _marked(name), "description": _marked(snippet)}
            del data["description"]
            hits.append(Hit(**data))
        return hits

    # -- connections -----------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            if getattr(local, "connection", None) is not None:
                local.connection.close()
            local.connection = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            local.generation = self._generation
        return local.connection  # type: ignore[no-any-return]

    @staticmethod
    @contextmanager
    def _connect(path: Path) -> Iterator[sqlite3.Connection]:
        """A writing connection, committed and closed on exit.

        The index keeps SQLite's rollback journal rather than WAL: a rebuild swaps the file
        itself, and a WAL file left beside it would belong to the old one.
        """
        connection = sqlite3.connect(path, timeout=10)
        try:
            with connection:
                yield connection
        finally:
            connection.close()


def _base(match: str | None, exact: str | None) -> tuple[str, list[Any]]:
    """The candidate documents, as a FROM clause aliased b(id, score, exact, in_name, sort_name).

    exact: matched without typo correction; in_name: every word matched, uncorrected, in the
    name or an alternate name. Both rank ahead of BM25, as Meilisearch's typo and attribute
    rules do.
    """
    if match is None:
        return "(SELECT id, 0 AS score, 0 AS exact, 0 AS in_name, sort_name FROM docs) b", []
    weights = ", ".join(str(w) for w in _WEIGHTS)
    exact_column = "1"
    params: list[Any] = []
    if exact is not None:
        exact_column = "fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
        params.append(exact)
    params += ["{name alternate_names} : (" + (exact or match) + ")", match]
    return (
        f"(SELECT fts.rowid AS id, bm25(fts, {weights}) AS score, {exact_column} AS exact, "
        "fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) AS in_name, "
        "docs.sort_name AS sort_name FROM fts JOIN docs ON docs.id = fts.rowid "
        "WHERE fts MATCH ?) b",
        params,
    )


def _filters(
    filters: dict[str, tuple[str, ...]] | Any, exclude: str | None
) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    for field, values in sorted(filters.items()):
        if field == exclude or not values:
            continue
        marks = ",".join("?" * len(values))
        clauses.append(
            "EXISTS (SELECT 1 FROM facets x WHERE x.doc_id = b.id "
            f"AND x.field = ? AND x.value IN ({marks}))"
        )
        params += [field, *values]
    return " AND ".join(clauses), params


def _insert(connection: sqlite3.Connection, document: Document) -> None:
    hit = {
        "slug": document["slug"],
        "name": document["name"],
        "kind": document["kind"],
        "country": document["country"],
        "city": document["city"],
        "region": document["region"],
        "focus": document["focus"],
        "services": document["services"],
        "url": document["url"],
        "status": document["status"],
        "description": document["description"],
    }
    cursor = connection.execute(
        "INSERT INTO docs (slug, sort_name, latitude, longitude, hit) VALUES (?, ?, ?, ?, ?)",
        (
            document["slug"],
            text.normalised(document["name"]),
            document["latitude"],
            document["longitude"],
            json.dumps(hit),
        ),
    )
    doc_id = cursor.lastrowid
    connection.executemany(
        "INSERT OR IGNORE INTO facets (field, value, doc_id) VALUES (?, ?, ?)",
        [(field, value, doc_id) for field, value in facet_values(document)],
    )
    connection.execute(
        "INSERT INTO fts (rowid, name, alternate_names, place, tags, description) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            doc_id,
            document["name"],
            " · ".join(document["alternate_names"]),
            document["place_text"],
            document["tags_text"],
            document["description"],
        ),
    )


def _delete(connection: sqlite3.Connection, slug: str) -> None:
    row = connection.execute("SELECT id FROM docs WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        return
    for statement in (
        "DELETE FROM fts WHERE rowid = ?",
        "DELETE FROM facets WHERE doc_id = ?",
        "DELETE FROM docs WHERE id = ?",
    ):
        connection.execute(statement, row)


def _marked(fragment: str) -> str:
    """Escape stored text, then turn the highlight markers into <mark> elements."""
    escaped = html.escape(fragment.replace(_OPEN + _CLOSE, ""), quote=True)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _lead(description: str) -> str:
    words = description.split()
    if len(words) <= _SNIPPET_WORDS:
        return description
    return " ".join(words[:_SNIPPET_WORDS]) + "…"
