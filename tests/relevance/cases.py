"""The relevance suite's queries, read from queries.toml, and the check of an answer to one."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from directory import seed, vocab
from directory.settings import PACKAGED_SEED_DIR

QUERIES = Path(__file__).with_name("queries.toml")
TOPS = (3, 5)
_LISTS = ("expect_any", "expect_all", "forbid_top")
_KEYS = {
    "q",
    "near",
    "radius_km",
    "filters",
    "top",
    "forbid_first_status",
    "why",
    "known_failure",
    *_LISTS,
}


@dataclass(frozen=True)
class Case:
    """One search as a person makes it, and what they should find in its first `top` results."""

    q: str
    top: int
    why: str
    near: str = ""
    radius_km: int | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    expect_any: tuple[str, ...] = ()
    expect_all: tuple[str, ...] = ()
    forbid_top: tuple[str, ...] = ()
    forbid_first_status: str = ""
    # Why the search still fails this, when it does and the expectation stands: the test
    # expects the failure (and fails if it passes), the script counts it as a failure.
    known_failure: str = ""

    @property
    def label(self) -> str:
        """The search as a person would say it: `"books" near Leeds`."""
        parts = [f'"{self.q}"' if self.q else "(no words)"]
        if self.near:
            parts.append(f"near {self.near}")
        if self.radius_km is not None:
            parts.append(f"within {self.radius_km} km")
        parts += [f"{name}={','.join(values)}" for name, values in self.filters]
        return " ".join(parts)

    def params(self) -> dict[str, str | list[str]]:
        """The query string /search and /api/search take for this search."""
        params: dict[str, str | list[str]] = {"q": self.q, "per_page": str(self.top)}
        if self.near:
            params["near"] = self.near
        if self.radius_km is not None:
            params["radius_km"] = str(self.radius_km)
        for name, values in self.filters:
            params[name] = list(values)
        return params

    def slugs(self) -> set[str]:
        """Every listing the expectations name."""
        return {*self.expect_any, *self.expect_all, *self.forbid_top}

    def expectation(self) -> str:
        wanted = []
        if self.expect_all:
            wanted.append(f"all of {', '.join(self.expect_all)}")
        if self.expect_any:
            wanted.append(f"any of {', '.join(self.expect_any)}")
        if self.forbid_top:
            wanted.append(f"none of {', '.join(self.forbid_top)}")
        said = f"in the top {self.top}: " + "; ".join(wanted)
        if self.forbid_first_status:
            said += f"; the first not {self.forbid_first_status}"
        return said


def load(path: Path = QUERIES) -> list[Case]:
    """The cases of the file, checked for shape (not for the slugs: see seed_statuses)."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("query", [])
    return [_case(number, entry) for number, entry in enumerate(entries, start=1)]


def _case(number: int, entry: dict[str, Any]) -> Case:
    where = f"{QUERIES.name}, query {number} ({entry.get('q')!r})"
    if unknown := set(entry) - _KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if entry.get("top") not in TOPS:
        raise ValueError(f"{where}: top must be one of {TOPS}")
    if not (entry.get("expect_any") or entry.get("expect_all")):
        raise ValueError(f"{where}: it needs expect_any or expect_all")
    if not entry.get("why"):
        raise ValueError(f"{where}: it needs a why")
    status = entry.get("forbid_first_status", "")
    if status and status not in vocab.STATUSES:
        raise ValueError(f"{where}: forbid_first_status must be one of {list(vocab.STATUSES)}")
    filters = entry.get("filters", {})
    if unknown := set(filters) - set(vocab.FACET_FIELDS):
        raise ValueError(f"{where}: unknown filters {sorted(unknown)}")
    return Case(
        q=entry.get("q", ""),
        top=entry["top"],
        why=entry["why"],
        near=entry.get("near", ""),
        radius_km=entry.get("radius_km"),
        filters=tuple((name, tuple(values)) for name, values in sorted(filters.items())),
        forbid_first_status=status,
        known_failure=entry.get("known_failure", ""),
        **{name: tuple(entry.get(name, ())) for name in _LISTS},
    )


def seed_statuses() -> dict[str, str]:
    """The status of every listing the directory ships with, by slug."""
    return {record.slug: record.status for record in seed.load(PACKAGED_SEED_DIR)}


@dataclass(frozen=True)
class Hit:
    slug: str
    name: str


@dataclass
class Outcome:
    """What one search gave, and what was wrong with it (nothing, when it passed)."""

    case: Case
    hits: list[Hit]
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems

    def report(self) -> str:
        """The query, its expectation, what was wrong and the top results, for a failure."""
        shown = "\n".join(
            f"    {place}. {hit.name} ({hit.slug})" for place, hit in enumerate(self.hits, 1)
        )
        return (
            f"{self.case.label}: wanted {self.case.expectation()}\n"
            f"  why: {self.case.why}\n"
            + "".join(f"  - {problem}\n" for problem in self.problems)
            + f"  top {self.case.top} returned:\n"
            + (shown or "    (nothing)")
        )


def check(case: Case, hits: list[Hit], statuses: Mapping[str, str]) -> list[str]:
    """What is wrong with these results for this case: empty when they are a good answer."""
    top = [hit.slug for hit in hits[: case.top]]
    problems = []
    if missing := [slug for slug in case.expect_all if slug not in top]:
        problems.append(f"missing from the top {case.top}: {', '.join(missing)}")
    if case.expect_any and not set(case.expect_any) & set(top):
        problems.append(f"none of the expected listings is in the top {case.top}")
    if forbidden := [slug for slug in top if slug in case.forbid_top]:
        problems.append(f"should not be in the top {case.top}: {', '.join(forbidden)}")
    status = case.forbid_first_status
    if status and top and statuses.get(top[0]) == status:
        problems.append(f"the first result, {top[0]}, is {status}")
    return problems


def run(client: TestClient, case: Case, statuses: Mapping[str, str]) -> Outcome:
    """Ask the site's /api/search as the person would, and check the answer."""
    response = client.get("/api/search", params=case.params())
    if response.status_code != 200:
        problem = f"/api/search answered {response.status_code}: {response.text[:300]}"
        return Outcome(case, [], [problem])
    hits = [Hit(hit["slug"], hit["name"]) for hit in response.json()["hits"]]
    return Outcome(case, hits[: case.top], check(case, hits, statuses))
