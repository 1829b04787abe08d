"""Each data directory names its embedded index once; the outbox notes deliveries under it."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from directory.search import identity


def test_a_new_index_gets_a_name_of_its_own_and_keeps_it(tmp_path: Path):
    first = identity.outbox_name(tmp_path / "one" / "search.sqlite3")
    second = identity.outbox_name(tmp_path / "two" / "search.sqlite3")
    assert first.startswith("embedded@") and second.startswith("embedded@")
    assert first != second
    assert identity.outbox_name(tmp_path / "one" / "search.sqlite3") == first


def test_an_index_built_before_names_keeps_the_name_its_deliveries_have(tmp_path: Path):
    index = tmp_path / "search.sqlite3"
    index.write_bytes(b"")  # there already, with no name file beside it
    assert identity.outbox_name(index) == identity.LEGACY_NAME


def test_a_name_file_left_empty_is_named_afresh(tmp_path: Path):
    index = tmp_path / "search.sqlite3"
    (tmp_path / "search.sqlite3.id").write_text("\n")
    assert identity.outbox_name(index).startswith("embedded@")


def test_workers_starting_together_agree_on_one_name(tmp_path: Path):
    index = tmp_path / "search.sqlite3"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        names = pool.map(identity.outbox_name, [index] * 16)
    assert len(set(names)) == 1, names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["search.sqlite3.id"]
