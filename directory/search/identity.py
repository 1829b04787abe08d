"""Which embedded index is which, when several hosts each keep one.

The outbox notes each event's delivery per index. Every worker on one host shares the data
directory, and so one index file; a second host has a file of its own, which must take every
change too. So each data directory names its index once, in a small file beside it, and the
relay notes deliveries (and takes its writers' lock) under that name.

A data directory whose index was built before indexes had names keeps the old name,
"embedded", under which its deliveries were noted: it was the only one. Copying a data
directory to start another host copies its name too; delete the name file in the copy (and
run `directory reindex` there) so that the new host's index is its own.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

LEGACY_NAME = "embedded"
FILE_SUFFIX = ".id"


def outbox_name(index_path: Path) -> str:
    """The name this index's deliveries are noted under, made the first time it is asked."""
    name_file = index_path.with_name(index_path.name + FILE_SUFFIX)
    try:
        return _read(name_file)
    except FileNotFoundError:
        pass
    name = LEGACY_NAME if index_path.exists() else f"embedded@{secrets.token_hex(8)}"
    index_path.parent.mkdir(parents=True, exist_ok=True)
    draft = name_file.with_name(f"{name_file.name}.{secrets.token_hex(4)}")
    draft.write_text(name + "\n", encoding="utf-8")
    try:
        if name_file.exists():  # but empty: named afresh
            os.replace(draft, name_file)
        else:
            os.link(draft, name_file)  # fails if another process named it first: theirs stands
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
    return _read(name_file)


def _read(name_file: Path) -> str:
    name = name_file.read_text(encoding="utf-8").strip()
    if not name:
        raise FileNotFoundError(name_file)
    return name
