"""What the Meilisearch backend asks the server, so that it answers as the embedded index does.

The app decides the rules (understanding.py) and asks Meilisearch only what it can answer
alike: counts and pages of filtered searches. A query is searched as buckets in rank order,
each a filter of its own and none overlapping: for a place, the geography tiers (naming the
prison, near it, serving its region, its country, internationally); within each, groups still
active or unconfirmed before those no longer active (closed groups come after every other).
The first round asks every bucket's count (`page: 0` gives exhaustive counts) with the facet
counts of the whole; the second asks only the slices of the buckets the page reaches.

Words: those the embedded index says are held as typed are sent in quotes, so that the
server does not also match them as typos of other words (`vegan` is not `began`); a word held
only by its stem is sent as its stem, which documents hold in `stems_meta`/`stems_text`. When
no group (at the place) holds every word, words are left out in the embedded index's order:
first those no group holds, then the most common, found from per-word counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from directory import vocab
from directory.search import synonyms, text
from directory.search.understanding import Understood, Where, plain, where_asked

# Fields read back to make hits (with `_geo` so that the server computes `_geoDistance`).
_OPEN_FILTER = 'status != "inactive"'
_CLOSED_FILTER = 'status = "inactive"'


def quote(value: str) -> str:
    """A filter value as a quoted string of Meilisearch's filter language."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Bucket:
    served_as: str | None
    filter: str  # the bucket's own condition, already exclusive of earlier buckets
    by_distance: bool


@dataclass(frozen=True)
class Plan:
    """One search, as Meilisearch requests."""

    words: tuple[str, ...]
    where: Where | None
    understood: Understood
    prefix_ok: bool  # the last word may still be being typed

    @classmethod
    def of(cls, q: str, understood: Understood | None, where: Where | None) -> Plan:
        understood = understood or plain(q)
        where = where_asked(where, understood, None)
        prefix_ok = understood.last_word_typed_last and text.ends_mid_word(q)
        return cls(understood.words, where, understood, prefix_ok)

    def q(self, words: Sequence[str] | None = None) -> str:
        """The words as sent: held words quoted, words held by stem as their stem."""
        words = self.words if words is None else words
        sent = []
        for position, word in enumerate(words):
            last = position == len(words) - 1
            if synonyms.alternatives(word):
                sent.append(word)  # the server's synonyms apply to it (not inside quotes)
            elif word in self.understood.known and not (last and self.prefix_ok):
                sent.append(f'"{word}"')
            elif word in self.understood.by_stem:
                sent.append(f'"{text.stem(word)}"')
            else:
                sent.append(word)
        joined = " ".join(sent)
        # A trailing space tells Meilisearch the last word is finished (no prefix match).
        return joined if self.prefix_ok or not joined else joined + " "

    def tiers(self) -> list[tuple[str | None, str]]:
        """The geography tiers as filter conditions, in rank order (one unfiltered tier when
        no place is asked for)."""
        where = self.where
        if where is None:
            return [(None, "")]
        tiers: list[tuple[str | None, str]] = []
        if where.prison_names:
            names = ", ".join(quote(name) for name in where.prison_names)
            tiers.append(("prison", f"prisons IN [{names}]"))
        if where.point is not None:
            latitude, longitude = where.point
            metres = round(where.radius_km * 1000)
            tiers.append(("near", f"_geoRadius({latitude:.6f}, {longitude:.6f}, {metres})"))
        for tier, code in (("region", where.area), ("country", where.country)):
            if code:
                condition = f"serves = {quote(code)}"
                if where.kind == ("area" if tier == "region" else "country"):
                    condition = f"({condition} OR located = {quote(code)})"
                tiers.append((tier, condition))
        if where.country or where.area:
            tiers.append(("international", f"serves = {quote(vocab.INTERNATIONAL)}"))
        return tiers

    def place_filter(self) -> str:
        """Every group at the place: the tiers together."""
        conditions = [condition for _, condition in self.tiers() if condition]
        return " OR ".join(f"({c})" for c in conditions)

    def local_filter(self) -> str:
        """Where every word must be found before one is dropped: the tiers of the place
        itself, not the international one."""
        conditions = [c for tier, c in self.tiers() if c and tier != "international"]
        return " OR ".join(f"({c})" for c in conditions)

    def names(self, raw_query: str) -> list[str]:
        """The names a query is equal to: itself, or another way of saying it ("abc")."""
        name = text.normalised(raw_query)
        if not name:
            return []
        return [name, *(" ".join(phrase) for phrase in synonyms.alternatives(name))]

    def need_levels(self) -> list[tuple[str, list[str]]]:
        """As the embedded index's levels: groups with any tag of the needs (in each tier,
        those with every tag of a need first), then the rest; one empty level without a
        need. Each an (outer condition, inner conditions) pair."""
        needs = self.understood.needs
        if not needs:
            return [("", [""])]
        central = " OR ".join(
            "(" + " AND ".join(f"{f} = {quote(v)}" for f, v in need) + ")" for need in needs
        )
        related = " OR ".join(f"{f} = {quote(v)}" for need in needs for f, v in need)
        return [
            (f"({related})", [f"({central})", f"NOT ({central})"]),
            (f"NOT ({related})", [""]),
        ]

    def buckets(self, raw_query: str = "") -> list[Bucket]:
        """Every bucket, in rank order, each condition exclusive of the others: a product of
        partitions (named or not; need level; geography tier; for a region or country,
        serving all of it or tied to prisons), so that counts add up to the whole."""
        names = self.names(raw_query)
        named = f"sort_name IN [{', '.join(quote(n) for n in names)}]" if names else ""
        tiers = []
        earlier: list[str] = []
        for served_as, condition in self.tiers():
            parts = [*(f"NOT ({c})" for c in earlier)] + ([f"({condition})"] if condition else [])
            tiers.append((served_as, parts))
            if condition:
                earlier.append(condition)
        buckets = []
        if named:
            place = self.place_filter()
            parts = [_OPEN_FILTER, named] + ([f"({place})"] if place else [])
            buckets.append(Bucket(None, " AND ".join(parts), False))
        unnamed = [f"NOT {named}"] if named else []
        # Groups naming the prison first, however tagged; then the need levels.
        prison = [(s, p) for s, p in tiers if s == "prison"]
        around = [(s, p) for s, p in tiers if s != "prison"]
        plan = [(("", [""]), prison)] + [(lv, around) for lv in self.need_levels()]
        for (level, inner), level_tiers in plan:
            for served_as, parts in level_tiers:
                for split in inner:
                    base = [_OPEN_FILTER, *unnamed, *(c for c in (level, split) if c), *parts]
                    spreads = (
                        ["prisons IS EMPTY", "prisons IS NOT EMPTY"]
                        if served_as in ("region", "country")
                        else [""]
                    )
                    for spread in spreads:
                        condition = " AND ".join(base + ([spread] if spread else []))
                        buckets.append(Bucket(served_as, condition, served_as == "near"))
        for served_as, parts in tiers:
            condition = " AND ".join([_CLOSED_FILTER, *parts])
            buckets.append(Bucket(served_as, condition, served_as == "near"))
        return buckets


def filter_expression(
    filters: Mapping[str, tuple[str, ...]], exclude: str | None = None, *extra: str
) -> list[Any]:
    """Outer list ANDs, inner lists OR. Only facet fields, and only given values, appear;
    `extra` conditions (built here from codes, never from what people type) are ANDed."""
    expression: list[Any] = []
    for field in vocab.FACET_FIELDS:
        values = filters.get(field, ())
        if field != exclude and values:
            expression.append([f"{field} = {quote(value)}" for value in values])
    expression += [condition for condition in extra if condition]
    return expression


def count_request(
    index_uid: str, q: str, filters: Mapping[str, tuple[str, ...]], *extra: str
) -> dict[str, Any]:
    """How many documents match, exactly (`page: 0` returns no hits, exhaustive totals)."""
    return {
        "indexUid": index_uid,
        "q": q,
        "filter": filter_expression(filters, None, *extra),
        "page": 0,
        "hitsPerPage": 1,
        "matchingStrategy": "all",
    }
