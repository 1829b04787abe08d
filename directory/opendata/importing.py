"""Import listings from our JSON or HSDS: validate every record, then queue or publish them.

Queued records become ordinary submissions, so moderators review them like any other.
Publishing skips review and is for administrators only; each change is written to the audit
log as an approval is. Both are idempotent: a record identical to the live listing or to a
submission still waiting is left alone, so an import can safely be run again.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from directory import accounts, audit, catalogue, moderation, vocab
from directory.listings import (
    changed_fields,
    editable_only,
    editable_values,
    jsonable,
    same_value,
    snapshot,
)
from directory.models import Organisation, Submission
from directory.opendata import hsds, hsds_schema, ourjson
from directory.records import FIELDS, OrganisationRecord

# Far deeper than HSDS needs (9 levels); deeper is an attack on the parser, not listings.
MAX_DEPTH = 32
LABEL_MAX = 60
OUTCOMES = ("created", "updated", "unchanged", "queued", "already queued", "rejected")
# Records per write transaction. On SQLite a transaction holds the one write lock: a batch
# takes a fraction of a second, so a form sent meanwhile waits that long, not the whole
# import (10,000 listings in one transaction made forms fail with "database is locked").
BATCH_SIZE = 50
# Fields a submission never carries: only publishing can change them (see moderation).
_MANAGED_FIELDS = tuple(name for name, f in FIELDS.items() if name != "slug" and not f.editable)


class UnreadableFile(Exception):
    """The file as a whole cannot be read as listings; the message says why."""


class NotAllowed(Exception):
    """The person named may not publish without review; the message says why."""


@dataclass
class Candidate:
    """One record of the file: valid (with its record) or not (with every reason)."""

    position: int
    label: str
    record: OrganisationRecord | None = None
    problems: list[str] = field(default_factory=list)

    def where(self) -> str:
        return f"record #{self.position} ({self.label})"


@dataclass
class ImportFile:
    format: str
    candidates: list[Candidate]

    @property
    def valid(self) -> list[Candidate]:
        return [candidate for candidate in self.candidates if candidate.record is not None]

    @property
    def rejected(self) -> list[Candidate]:
        return [candidate for candidate in self.candidates if candidate.record is None]

    def batches(self) -> Iterator[list[Candidate]]:
        """The valid records, BATCH_SIZE at a time: one write transaction each."""
        valid = self.valid
        for start in range(0, len(valid), BATCH_SIZE):
            yield valid[start : start + BATCH_SIZE]


@dataclass
class Report:
    counts: Counter[str] = field(default_factory=Counter)
    # Worth telling the person importing, though nothing is wrong with the record.
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{self.counts[outcome]} {outcome}" for outcome in OUTCOMES)


# Reading ---------------------------------------------------------------------------------


def read_file(path: Path) -> ImportFile:
    """Every record in the file at path; UnreadableFile when it cannot be read as listings."""
    try:
        content = path.read_bytes()
    except FileNotFoundError as error:
        raise UnreadableFile("no such file") from error
    except IsADirectoryError as error:
        raise UnreadableFile("it is a directory, not a file") from error
    except OSError as error:
        raise UnreadableFile((error.strerror or str(error)).lower()) from error
    return read_bytes(content)


def read_bytes(content: bytes) -> ImportFile:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"not UTF-8 text (byte 0x{content[error.start]:02x} at position {error.start:,}); "
            "save it as UTF-8 and try again"
        ) from error
    return read(text)


def read(text: str) -> ImportFile:
    """Every record in the file, validated; the format is recognised from the content."""
    if not text.strip():
        raise UnreadableFile("the file is empty")
    try:
        data = json.loads(text)
    except RecursionError as error:  # json gives up safely at the interpreter's limit
        raise UnreadableFile(f"nested more than {MAX_DEPTH} levels deep") from error
    except ValueError as error:  # JSONDecodeError, or a number too long to convert
        raise UnreadableFile(f"not JSON ({error})") from error
    if _deeper_than(data, MAX_DEPTH):
        # Validating, printing or schema-checking such a record recurses as deep again.
        raise UnreadableFile(f"nested more than {MAX_DEPTH} levels deep")
    items = _items(data)
    format_name = "hsds" if _looks_like_hsds(items) else "json"
    candidates = [_candidate(number, item, format_name) for number, item in enumerate(items, 1)]
    _reject_repeated_slugs(candidates)
    return ImportFile(format_name, candidates)


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than limit deep; without recursing itself."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _items(data: Any) -> list[Any]:
    """Records from a list, an export or API page ("organisations" or HSDS "contents"), or
    a single record."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("organisations", "contents"):
            if isinstance(data.get(key), list):
                return list(data[key])
        return [data]
    raise UnreadableFile("expected a list of organisations or an object holding one")


def _looks_like_hsds(items: list[Any]) -> bool:
    first = next((item for item in items if isinstance(item, dict)), {})
    return "slug" not in first and "id" in first


def _candidate(position: int, item: Any, format_name: str) -> Candidate:
    if not isinstance(item, dict):
        return Candidate(position, "not an object", problems=["a record must be a JSON object"])
    if format_name == "hsds":
        label = _printable(str(item.get("name") or item.get("id") or "no name"))
        problems = [f"HSDS {problem}" for problem in hsds_schema.organization_problems(item)]
        if problems:
            return Candidate(position, label, problems=problems)
        values = hsds.listing_values(item)
    else:
        values = ourjson.listing_values(item)
    label = _printable(str(values.get("slug") or values.get("name") or "no slug"))
    try:
        return Candidate(position, label, record=OrganisationRecord.model_validate(values))
    except ValidationError as error:
        return Candidate(position, label, problems=_reasons(error))


def _reasons(error: ValidationError) -> list[str]:
    reasons = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or "record"
        message = detail["msg"].removeprefix("Value error, ")
        reasons.append(_printable(f"field '{where}': {message}", limit=None))
    return reasons


def _printable(text: str, limit: int | None = LABEL_MAX) -> str:
    """Text from the file made safe to print: a terminal must not run its escape sequences
    or choke on a lone surrogate, and a record's name need not fill the screen."""
    shown = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
    return shown if limit is None or len(shown) <= limit else shown[: limit - 1] + "…"


def _reject_repeated_slugs(candidates: list[Candidate]) -> None:
    first_seen: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.record is None:
            continue
        slug = candidate.record.slug
        if slug in first_seen:
            earlier = first_seen[slug].where()
            candidate.problems.append(f"field 'slug': {slug!r} is already used by {earlier}")
            candidate.record = None
        else:
            first_seen[slug] = candidate


# Publishing ------------------------------------------------------------------------------


def check_publisher(session: Session, username: str) -> str:
    """The username of an active administrator, or NotAllowed."""
    moderator = accounts.get_by_username(session, username)
    if moderator is None or not moderator.active or moderator.role != "admin":
        raise NotAllowed(
            f"{accounts.normalise_username(username)} is not an active administrator; only "
            "administrators may publish without review."
        )
    return moderator.username


def publish(session: Session, batch: Sequence[Candidate], username: str, report: Report) -> None:
    """Publish these valid records as they are in the file, verification included, counting
    into report. Raises NotAllowed unless username is an active administrator, in this
    transaction (so one deactivated during a long import stops it at the next batch).
    """
    actor = check_publisher(session, username)
    for candidate in batch:
        assert candidate.record is not None
        live = catalogue.get(session, candidate.record.slug)
        before = snapshot(live) if live is not None else None  # upsert changes live in place
        published, outcome = catalogue.upsert(session, _credited(session, candidate.record))
        if outcome != "unchanged":
            audit.write(
                session,
                actor,
                "import",
                organisation_slug=published.slug,
                before=before,
                after=snapshot(published),
            )
        report.counts[outcome] += 1


def _credited(session: Session, record: OrganisationRecord) -> OrganisationRecord:
    """The record, saying who checked it as the public may see it: exports made before
    usernames were kept private name the moderator by username."""
    by = record.verified_by
    if by and accounts.get_by_username(session, by) is not None:
        return record.model_copy(update={"verified_by": accounts.credit_for(session, by)})
    return record


# Queueing for moderation -----------------------------------------------------------------


def queue(session: Session, batch: Sequence[Candidate], source: str, report: Report) -> None:
    """Send these valid records to moderators: a new listing, or an edit of the live one."""
    for candidate in batch:
        record = candidate.record
        assert record is not None
        fields = record.model_dump(mode="json")
        submitter = moderation.Submitter(note=f"Imported from {source}, {candidate.where()}.")
        live = catalogue.get(session, record.slug)
        if live is None:
            proposed = editable_only(fields)
            if _waiting(session, "new", None, proposed):
                report.counts["already queued"] += 1
                continue
            moderation.submit_new(session, fields, submitter)
        else:
            changes = changed_fields(editable_values(live), fields)
            if not changes:
                report.counts["unchanged"] += 1
                _note_managed_differences(report, candidate, live, fields)
                continue
            if _waiting(session, "edit", live.slug, changes):
                report.counts["already queued"] += 1
                continue
            moderation.submit_edit(session, live, fields, submitter)
        report.counts["queued"] += 1


def _waiting(session: Session, kind: str, slug: str | None, proposed: Mapping[str, Any]) -> bool:
    """Whether a submission still open proposes exactly this."""
    query = select(Submission).where(
        Submission.type == kind,
        Submission.organisation_slug == slug,
        col(Submission.status).in_(vocab.OPEN_SUBMISSION_STATUSES),
    )
    return any(_same(submission.proposed or {}, proposed) for submission in session.exec(query))


def _same(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    return first.keys() == second.keys() and all(
        same_value(name, first[name], second[name]) for name in first
    )


def _note_managed_differences(
    report: Report, candidate: Candidate, live: Organisation, fields: Mapping[str, Any]
) -> None:
    differ = [name for name in _MANAGED_FIELDS if fields[name] != jsonable(getattr(live, name))]
    if differ:
        verb = "differs" if len(differ) == 1 else "differ"
        report.notes.append(
            f"{candidate.where()}: {', '.join(differ)} {verb} from the live listing; a "
            "submission cannot change that, only --publish can."
        )


# Shared ----------------------------------------------------------------------------------


def new_report(imported: ImportFile) -> Report:
    """The report an import of this file fills in, batch by batch."""
    report = Report()
    report.counts["rejected"] = len(imported.rejected)
    return report
