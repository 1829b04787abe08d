"""The one narrow search interface every backend implements and everything else talks to."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # understanding reads the gazetteer, which needs this package first
    from directory.search.understanding import Understood, Where

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class SearchQuery:
    """What a person asked for. Filters AND across fields and OR within one."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in km
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # Where help is wanted, when a place was chosen ("near"); else read from q.
    where: Where | None = None
    # What q was read as (the service fills it in: understanding.py). Without it a backend
    # reads q as words only.
    understood: Understood | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


Document = dict[str, Any]


@dataclass(frozen=True)
class Hit:
    """One search result: its fields, in the order /api/search gives them."""

    slug: str
    name: str
    kind: str
    country: str
    city: str | None
    focus: list[str]
    services: list[str]
    url: str | None  # the listing's website
    # HTML built from escaped text, with <mark> around matched words: safe to render as is.
    highlight: dict[str, str]
    # Beyond DESIGN's stable shape, added (never removed): what the page also shows.
    region: str | None
    status: str
    # Only when searching near a place, and only then in the API's answer.
    distance_km: float | None = None
    # Only when searching for a place: why this group is among those that can help there:
    # "prison" (it names the prison), "near", "region", "country" or "international" (it
    # serves that area, or is based in the one searched for).
    served_as: str | None = None


# A hit's fields, in order; those with a default are left out of the API's answer unless set.
HIT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Hit))
OPTIONAL_HIT_FIELDS = frozenset(
    f.name for f in fields(Hit) if f.default is not MISSING or f.default_factory is not MISSING
)
# Made for each query from what the index holds, not stored in it.
_PER_QUERY = ("highlight", "distance_km", "served_as")
# What an index keeps of each document to make its hits: the hit's fields, and the
# description that each query's highlight is cut from.
STORED_HIT_FIELDS: tuple[str, ...] = (
    *(name for name in HIT_FIELDS if name not in _PER_QUERY),
    "description",
)


def stored_hit(document: Document) -> dict[str, Any]:
    """What an index stores of a document, to make a Hit from it later."""
    return {name: document[name] for name in STORED_HIT_FIELDS}


def make_hit(
    stored: Mapping[str, Any],
    highlight: dict[str, str],
    distance_km: float | None = None,
    served_as: str | None = None,
) -> Hit:
    """A Hit from what an index stored of the document (STORED_HIT_FIELDS)."""
    values = {name: stored[name] for name in STORED_HIT_FIELDS if name != "description"}
    return Hit(**values, highlight=highlight, distance_km=distance_km, served_as=served_as)


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int
    # Words of the query no listing (here) holds, left out so that the rest find something.
    unmatched: tuple[str, ...] = ()
    # The query as it was matched when every word was found only as a typo of another.
    corrected: str | None = None
    # Where help was looked for: a place or prison typed or chosen.
    where: Where | None = None
    # The words that said a need ("son"), whose groups came first.
    need_words: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class IndexWriter(Protocol):
    """What applies changes to an index: a live one, or one being built."""

    def upsert(self, documents: Iterable[Document]) -> None: ...

    def delete(self, slugs: Iterable[str]) -> None: ...


class NewIndex(IndexWriter, Protocol):
    """An index built beside the live one, not yet searched. Changes can still be applied to
    it before `swap()` puts it in the live one's place; `discard()` drops whatever is left."""

    count: int  # documents it was built with

    def swap(self) -> None: ...

    def discard(self) -> None: ...


class SearchBackend(IndexWriter, Protocol):
    """A search index of published organisations."""

    name: str
    remote: bool  # across a network: applied by the relay thread, not in a request
    # Whom the outbox notes a delivery to (and whose writers share a lock): one per index,
    # so an embedded index on each of several hosts has a name of its own (identity.py).
    outbox_name: str

    def search(self, query: SearchQuery) -> SearchResults: ...

    def build(self, documents: Iterable[Document]) -> NewIndex: ...

    def health(self) -> dict[str, Any]: ...
