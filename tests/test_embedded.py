"""What only the embedded backend promises: it follows its file, whoever writes to it."""

from __future__ import annotations

from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from tests import factories


def slugs(backend, q: str = "") -> list[str]:
    return [hit.slug for hit in backend.search(SearchQuery(q=q)).hits]


def test_changes_made_by_another_process_are_seen(tmp_path):
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug="first", name="First Group")])
    assert slugs(index) == ["first"]
    # A second handle on the same file stands in for `directory reindex` in another process.
    other = EmbeddedSearch(tmp_path / "search.sqlite3")
    other.upsert([factories.document(slug="newcomer", name="Newcomer Collective")])
    assert slugs(index, "newcomer") == ["newcomer"]
    other.rebuild([factories.document(slug="only-one", name="Only One")])
    assert slugs(index) == ["only-one"]
