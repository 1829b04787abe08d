"""Load the seed data in directory/seed_data/*.toml (or DIRECTORY_SEED_DIR), validated, with
errors that say where to look."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from directory import freshness
from directory.records import CITED_FIELDS, OrganisationRecord

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
    return load_files(files)


def load_files(files: list[Path]) -> list[OrganisationRecord]:
    """The records of these seed files, or SeedError listing every problem found."""
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
    if values.get("status", "inactive") != "inactive":
        problems.append(
            f"{where}: field 'status': give a status only as 'inactive' (with a citation of "
            "the source that says the group closed); otherwise it follows from last_activity"
        )
        return None
    try:
        record = OrganisationRecord.model_validate(values)
    except ValidationError as error:
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "record"
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: field '{field}': {message}")
        return None
    found = _uncited(record)
    for field, message in found:
        problems.append(f"{where}: field '{field}': {message}")
    if found:
        return None
    status = freshness.status_from_evidence(
        record.last_activity, record.verified_on, closed=record.status == "inactive"
    )
    return record.model_copy(update={"status": status})


def _uncited(record: OrganisationRecord) -> list[tuple[str, str]]:
    """Facts the record states without naming where: every contact detail, the activity
    date and a closure need a source, and every source named must be among its sources."""
    problems = []
    sources = set(record.sources)
    for field in CITED_FIELDS:
        stated = getattr(record, field)
        citation = record.citations.get(field)
        if field == "status":
            stated = stated == "inactive"
        if stated and citation is None:
            problems.append((field, f"needs a source: add citations.{field} = {{ url = ... }}"))
        elif citation is not None and not stated:
            problems.append((f"citations.{field}", f"cites a source for an empty {field}"))
        if citation is not None and citation.url not in sources:
            problems.append((f"citations.{field}", f"{citation.url} is not in sources"))
    for position, phone in enumerate(record.phones):
        if phone.source is None:
            problems.append((f"phones.{position}.source", "a phone number needs a source"))
        elif phone.source not in sources:
            problems.append((f"phones.{position}.source", f"{phone.source} is not in sources"))
    return problems


def _check_unique_slugs(located: list[tuple[str, OrganisationRecord]], problems: list[str]) -> None:
    first_seen: dict[str, str] = {}
    for where, record in located:
        if record.slug in first_seen:
            problems.append(
                f"{where}: field 'slug': {record.slug!r} is already used by "
                + first_seen[record.slug]
            )
        first_seen.setdefault(record.slug, where)


if __name__ == "__main__":  # python -m directory.seed FILE...: check seed files
    import sys

    try:
        checked = load_files([Path(name) for name in sys.argv[1:]])
    except SeedError as error:
        print(f"{len(error.problems)} problem(s):", *error.problems, sep="\n", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"{len(checked)} records, no problems.")
