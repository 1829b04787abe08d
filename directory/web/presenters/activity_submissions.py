"""Proposed activities, edits and cancellations as finished data for templates. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from directory import recurrence, vocab
from directory.models import Submission
from directory.moderation import ACTIVITY_FIELDS
from directory.recurrence import RuleError
from directory.web import activity_forms

EMPTY = "(empty)"
LABELS: dict[str, str] = {
    "title": "Title",
    "description": "What happens",
    "kind": "Kind of activity",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "time_zone": "Time zone",
    "recurrence": "Repeats",
    "exceptions": "Dates it does not happen",
    "online": "Online",
    "online_how": "How to join online",
    "venue": "Venue",
    "address": "Address",
    "city": "Town or city",
    "country": "Country",
    "by_post": "People in prison can take part by post",
    "cost": "Cost",
    "how_to_join": "How to book or join",
    "access": "Access provisions stated",
    "access_notes": "Access notes",
    "access_contact": "Access contact",
    "source_url": "Where this is stated",
    "stated_on": "Date it was stated",
    "status": "Status",
}


@dataclass(frozen=True)
class ActivityRow:
    """One field of what was proposed; `was` is the activity's value for an edit."""

    label: str
    was: str | None
    value: str
    moved_since: bool = False


@dataclass(frozen=True)
class Choices:
    """What the activity form offers to choose from."""

    kinds: list[tuple[str, str]]
    access: list[tuple[str, str]]
    zones: list[tuple[str, str]]
    repeats: list[tuple[str, str]]
    countries: tuple[tuple[str, str], ...]
    relations: list[tuple[str, str]]


def is_activity(submission: Submission) -> bool:
    return submission.type in vocab.ACTIVITY_SUBMISSION_TYPES


def title_of(submission: Submission) -> str:
    """The activity's title as the submission gives it."""
    for values in (submission.proposed or {}, submission.base or {}):
        if values.get("title"):
            return str(values["title"])
    return "Untitled activity"


def display(name: str, value: Any, values: Mapping[str, Any] | None = None) -> str:
    """A field's value as a person reads it; `values` (the whole activity) for a rule."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "kind":
        return vocab.ACTIVITY_KINDS.get(value, str(value))
    if name == "status":
        return vocab.ACTIVITY_STATUSES.get(value, str(value))
    if name == "access":
        return "\n".join(vocab.ACCESS_PROVISIONS.get(key, str(key)) for key in value)
    if name == "country":
        return vocab.country_name(value)
    if name in ("starts_at", "ends_at"):
        return _moment(value)
    if name == "exceptions":
        return "\n".join(_moment(moment) for moment in value)
    if name == "recurrence":
        return _rule(str(value), values or {})
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _moment(value: Any) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{moment:%A %-d %B %Y, %H:%M}"


def _rule(rule: str, values: Mapping[str, Any]) -> str:
    try:
        starts = datetime.fromisoformat(str(values.get("starts_at")))
        return recurrence.in_words(rule, starts, str(values.get("time_zone") or "UTC"))
    except (RuleError, ValueError, TypeError):
        return rule


def rows(submission: Submission) -> list[ActivityRow]:
    """What the submitter sent, field by field (for an edit: from what, to what)."""
    proposed, base = submission.proposed or {}, submission.base or {}
    if submission.type == "activity-cancel":
        return [
            ActivityRow("Activity", None, title_of(submission)),
            ActivityRow("Why it no longer happens", None, submission.report_text or EMPTY),
            ActivityRow("Where that is said", None, str(proposed.get("source_url") or EMPTY)),
        ]
    whole = {**base, **proposed}
    shown = []
    for name in ACTIVITY_FIELDS:
        if name not in proposed:
            continue
        if submission.type == "activity-new" and proposed[name] in (None, "", [], False):
            continue
        was = display(name, base.get(name), base) if submission.type == "activity-edit" else None
        shown.append(ActivityRow(LABELS[name], was, display(name, proposed[name], whole)))
    return shown


def changes(submission: Submission, live: Mapping[str, Any] | None) -> list[ActivityRow]:
    """An edit's fields: the activity as it is now against the proposal, and whether the
    live value moved since the edit was sent (someone changed it meanwhile)."""
    proposed, base = submission.proposed or {}, submission.base or {}
    now = dict(live) if live is not None else dict(base)
    return [
        ActivityRow(
            LABELS[name],
            display(name, now.get(name), now),
            display(name, proposed[name], {**now, **proposed}),
            moved_since=name in base and base[name] != now.get(name),
        )
        for name in ACTIVITY_FIELDS
        if name in proposed
    ]


def summary(submission: Submission) -> str:
    """The queue's one line about it."""
    title = f"“{title_of(submission)}”"
    proposed = submission.proposed or {}
    if submission.type == "activity-cancel":
        return f"{title}: reported as no longer happening"
    if submission.type == "activity-edit":
        named = [LABELS[name] for name in ACTIVITY_FIELDS if name in proposed]
        return f"{title}: changes to " + ", ".join(named) if named else f"{title}: a note only"
    kind = vocab.ACTIVITY_KINDS.get(proposed.get("kind") or "", "Activity")
    rule = proposed.get("recurrence")
    said = display("recurrence", rule, proposed) if rule else "Once"
    repeats = said[:1].lower() + said[1:]
    return f"{title}: {kind}, {repeats}"


def choices(values: Mapping[str, Any], countries: tuple[tuple[str, str], ...]) -> Choices:
    """The form's options; "keep the current pattern" when the form carries a rule the
    plain choices cannot say."""
    repeats = list(activity_forms.REPEATS.items())
    kept = values.get("current_recurrence")
    if kept:
        repeats.append((activity_forms.KEEP_RULE, f"Keep the current pattern: {_kept(values)}"))
    return Choices(
        kinds=activity_forms.kind_choices(),
        access=activity_forms.access_choices(),
        zones=activity_forms.zone_choices(),
        repeats=repeats,
        countries=tuple(pair for pair in countries if pair[0] != vocab.INTERNATIONAL),
        relations=list(vocab.SUBMITTER_RELATIONS.items()),
    )


def _kept(values: Mapping[str, Any]) -> str:
    zone_name = values.get("time_zone_other") or values.get("time_zone") or "UTC"
    try:
        starts = datetime.fromisoformat(f"{values.get('start_date')}T{values.get('start_time')}")
        return recurrence.in_words(str(values["current_recurrence"]), starts, str(zone_name))
    except (RuleError, ValueError, TypeError, KeyError):
        return str(values.get("current_recurrence"))


def is_activity_snapshot(*snapshots: Mapping[str, Any] | None) -> bool:
    """Whether an audit event's before or after is an activity (moderation keeps its id)."""
    return any(snapshot and "public_id" in snapshot for snapshot in snapshots)


def edits(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """An activity's changed fields in an audit event: (label, before, after)."""
    return [
        (
            LABELS.get(name, name),
            display(name, before.get(name), before),
            display(name, after.get(name), after),
        )
        for name in dict.fromkeys([*before, *after])
        if name != "public_id" and before.get(name) != after.get(name)
    ]
