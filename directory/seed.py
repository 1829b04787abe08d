"""Load the seed data in directory/seed_data/*.toml (or DIRECTORY_SEED_DIR), validated, with
errors that say where to look."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from directory.records import OrganisationRecord

VERIFICATIONS = ("unverified", "sources-checked")
FILE_KEYS = {"checked_on", "checked_by", "organisation"}


class SeedError(Exception):
    """The seed data has problems; each names the file, the record and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load(seed_dir: Path) -> list[OrganisationRecord]:
    """Every record in the directory's seed files, or SeedError listing every problem found."""
    files = sorted(seed_dir.glob("*.toml"))
    if not files:
        raise SeedError([f"{seed_dir}: no .toml seed files found"])
    problems: list[str] = []
    located: list[tuple[str, OrganisationRecord]] = []
    for path in files:
        located.extend(_load_file(path, problems))
    _check_unique_slugs(located, problems)
    if problems:
        raise SeedError(problems)
    return [record for _, record in located]


def _load_file(path: Path, problems: list[str]) -> list[tuple[str, OrganisationRecord]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"{path.name}: not valid TOML: {error}")
        return []
    for key in sorted(set(data) - FILE_KEYS):
        problems.append(f"{path.name}: unknown top-level key {key!r}")
    raw_records = data.get("organisation", [])
    if not isinstance(raw_records, list):
        problems.append(f"{path.name}: 'organisation' must be an array of tables")
        return []
    records = []
    for number, raw in enumerate(raw_records, start=1):
        where = f"{path.name}: organisation #{number} ({raw.get('slug') or 'no slug'})"
        record = _validate(raw, data, where, problems)
        if record is not None:
            records.append((where, record))
    return records


def _validate(
    raw: dict[str, Any], file_data: dict[str, Any], where: str, problems: list[str]
) -> OrganisationRecord | None:
    values = dict(raw)
    verification = values.pop("verification", None)
    if verification not in VERIFICATIONS:
        problems.append(f"{where}: field 'verification': must be one of {', '.join(VERIFICATIONS)}")
        return None
    if verification == "sources-checked":
        checked_on, checked_by = file_data.get("checked_on"), file_data.get("checked_by")
        if not isinstance(checked_on, date) or not checked_by:
            problems.append(
                f"{where}: field 'verification': 'sources-checked' needs the file's "
                "top-level checked_on (a date) and checked_by"
            )
            return None
        values.update(verified_on=checked_on, verified_by=checked_by)
    try:
        return OrganisationRecord.model_validate(values)
    except ValidationError as error:
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "record"
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: field '{field}': {message}")
        return None


def _check_unique_slugs(located: list[tuple[str, OrganisationRecord]], problems: list[str]) -> None:
    first_seen: dict[str, str] = {}
    for where, record in located:
        if record.slug in first_seen:
            problems.append(
                f"{where}: field 'slug': {record.slug!r} is already used by "
                + first_seen[record.slug]
            )
        first_seen.setdefault(record.slug, where)
