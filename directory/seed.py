"""Load the seed data in directory/seed_data/*.toml (or DIRECTORY_SEED_DIR), validated, with
errors that say where to look."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from directory import activities, freshness
from directory.records import CITED_FIELDS, MAX_SOURCES, Citation, OrganisationRecord

VERIFICATIONS = ("unverified", "sources-checked")
FILE_KEYS = {"checked_on", "checked_by", "organisation"}
# Activities are in a file of their own, beside the listings they belong to.
ACTIVITIES_FILE = "activities.toml"
ACTIVITY_FILE_KEYS = {"activity"}
ACTIVITY_KEYS = {
    "organisation",
    "title",
    "description",
    "kind",
    "starts",
    "ends",
    "time_zone",
    "recurrence",
    "exceptions",
    "online",
    "online_how",
    "venue",
    "address",
    "city",
    "country",
    "latitude",
    "longitude",
    "cost",
    "how_to_join",
    "access",
    "access_notes",
    "access_contact",
    "by_post",
    "status",
    "source",
    "stated_on",
}


@dataclass(frozen=True)
class SeedActivity:
    """An activity of the seed data: its listing's slug and activities.validate's values."""

    organisation: str
    values: dict[str, Any]


class SeedError(Exception):
    """The seed data has problems; each names the file, the record and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load(seed_dir: Path) -> list[OrganisationRecord]:
    """Every record in the directory's seed files, or SeedError listing every problem found.

    A listing's latest sign of activity follows its latest activity in the seed's
    activities file, when that was stated later (see with_activity_evidence).
    """
    files = sorted(path for path in seed_dir.glob("*.toml") if path.name != ACTIVITIES_FILE)
    if not files:
        raise SeedError([f"{seed_dir}: no .toml seed files found"])
    records = load_files(files)
    return with_activity_evidence(records, load_activities(seed_dir, records))


def load_activities(seed_dir: Path, records: list[OrganisationRecord]) -> list[SeedActivity]:
    """The activities of the seed (none without an activities file), each belonging to one
    of these records; SeedError lists every problem found."""
    path = seed_dir / ACTIVITIES_FILE
    if not path.exists():
        return []
    problems: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError([f"{path.name}: not valid TOML: {error}"]) from None
    for key in sorted(set(data) - ACTIVITY_FILE_KEYS):
        problems.append(f"{path.name}: unknown top-level key {key!r}")
    by_slug = {record.slug: record for record in records}
    found = []
    seen: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(data.get("activity", []), start=1):
        where = f"{path.name}: activity #{number} ({raw.get('title') or 'no title'})"
        activity = _activity(raw, by_slug, where, problems)
        if activity is None:
            continue
        same = (activity.organisation, str(activity.values["title"]))
        if same in seen:
            problems.append(f"{where}: field 'title': already used by {seen[same]}")
            continue
        seen[same] = where
        found.append(activity)
    if problems:
        raise SeedError(problems)
    return found


# The seed file's names for activity fields, where they differ from the table's.
_SEED_NAMES = {"starts": "starts_at", "ends": "ends_at", "source": "source_url"}
_FILE_NAMES = {column: key for key, column in _SEED_NAMES.items()}


def _coordinates(fields: dict[str, Any], listing: OrganisationRecord) -> dict[str, Any]:
    """City-level coordinates for an activity in its listing's own town: the listing's."""
    city = str(fields.get("city") or "").casefold()
    if city and city == (listing.city or "").casefold() and listing.latitude is not None:
        return {"latitude": listing.latitude, "longitude": listing.longitude}
    return {}


def _activity(
    raw: dict[str, Any], records: dict[str, OrganisationRecord], where: str, problems: list[str]
) -> SeedActivity | None:
    before = len(problems)
    for key in sorted(set(raw) - ACTIVITY_KEYS):
        problems.append(f"{where}: unknown field {key!r}")
    organisation = raw.get("organisation")
    if organisation not in records:
        problems.append(f"{where}: field 'organisation': {organisation!r} is not a seed listing")
    if not isinstance(raw.get("stated_on"), date):
        problems.append(f"{where}: field 'stated_on': give the date the source stated it")
    fields = {_SEED_NAMES.get(key, key): value for key, value in raw.items()}
    listing = records.get(str(organisation))
    if listing is not None and fields.get("latitude") is None:
        fields.update(_coordinates(fields, listing))
    values, errors = activities.validate(fields)
    for field, message in errors.items():
        problems.append(
            f"{where}: field '{'source' if field == 'source_url' else field}': {message}"
        )
    if len(problems) > before:
        return None
    return SeedActivity(str(organisation), values)


def with_activity_evidence(
    records: list[OrganisationRecord], seeded: list[SeedActivity]
) -> list[OrganisationRecord]:
    """The records, each listing's latest dated sign of activity moved forward to its
    latest activity's (cited, its source among the listing's) when that is later."""
    latest: dict[str, SeedActivity] = {}
    for activity in seeded:
        known = latest.get(activity.organisation)
        if known is None or activity.values["stated_on"] > known.values["stated_on"]:
            latest[activity.organisation] = activity
    updated = []
    for record in records:
        found = latest.get(record.slug)
        if found is None:
            updated.append(record)
            continue
        stated: date = found.values["stated_on"]
        source = found.values["source_url"]
        month = activities.newer_sign_of_activity(record.last_activity, stated)
        full = source not in record.sources and len(record.sources) >= MAX_SOURCES
        if month is None or full:
            updated.append(record)
            continue
        sources = record.sources if source in record.sources else [*record.sources, source]
        status = record.status
        if status != "inactive":
            status = freshness.status_from_evidence(month, record.verified_on, closed=False)
        change = {
            "last_activity": month,
            "citations": {
                **record.citations,
                "last_activity": Citation(url=source, date=stated.isoformat()),
            },
            "sources": sources,
            "status": status,
        }
        updated.append(record.model_copy(update=change))
    return updated


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
