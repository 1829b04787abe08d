"""Database tables. The database is the directory's only source of truth."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


# Lookups by what a visitor typed must check these first: where no row could match,
# PostgreSQL raises an error instead of finding nothing (SQLite finds nothing).

# The largest INTEGER on PostgreSQL. Ids count up from 1, so a larger one names no row.
MAX_ID = 2**31 - 1


def storable(text: str) -> bool:
    """Whether a text column can hold this: PostgreSQL refuses NUL characters."""
    return "\x00" not in text


def _list_column() -> Column:  # type: ignore[type-arg]
    return Column(JSON, nullable=False, default=list)


class Organisation(SQLModel, table=True):
    """A prisoner support organisation, as published in the directory."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    alternate_names: list[str] = Field(default_factory=list, sa_column=_list_column())
    kind: str = Field(max_length=40, index=True)
    description: str = Field(max_length=4000)
    focus: list[str] = Field(default_factory=list, sa_column=_list_column())
    services: list[str] = Field(default_factory=list, sa_column=_list_column())
    # ISO 3166-1 alpha-2, or vocab.INTERNATIONAL for groups with no single country.
    country: str = Field(max_length=20, index=True)
    region: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=120)
    # ISO 3166 codes (GB, GB-SCT, US-TX) and vocab.AREA_MARKERS; the note says the rest.
    areas_served: list[str] = Field(default_factory=list, sa_column=_list_column())
    areas_served_note: str | None = Field(default=None, max_length=300)
    prisons_served: list[str] = Field(default_factory=list, sa_column=_list_column())
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = Field(default=None, max_length=500)
    # Each a records.Phone as JSON, the number in E.164.
    phones: list[dict[str, Any]] = Field(default_factory=list, sa_column=_list_column())
    email: str | None = Field(default=None, max_length=254)
    postal_address: str | None = Field(default=None, max_length=500)
    postal_address_accepts_prisoner_mail: bool = False
    postal_address_note: str | None = Field(default=None, max_length=300)
    letter_instructions: str | None = Field(default=None, max_length=500)
    how_to_ask: str | None = Field(default=None, max_length=500)
    opening_hours: str | None = Field(default=None, max_length=300)
    languages: list[str] = Field(default_factory=list, sa_column=_list_column())
    accessibility: str | None = Field(default=None, max_length=1000)
    founded_year: int | None = None
    status: str = Field(default="unknown", max_length=20)
    # The latest dated public activity found, "YYYY" or "YYYY-MM"; not proof of life today.
    last_activity: str | None = Field(default=None, max_length=7)
    # Verification by a person: when and by whom. Both empty means "not yet verified".
    verified_on: date | None = None
    verified_by: str | None = Field(default=None, max_length=200)
    sources: list[str] = Field(default_factory=list, sa_column=_list_column())
    # Field name -> {"url", "date"}: where each contact fact and the activity date are stated.
    citations: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict)
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OutboxEvent(SQLModel, table=True):
    """A change to an organisation that search indexes must apply.

    Written in the same transaction as the change, so no committed change can be missed.
    The relay reads the organisation's current state when it applies an event, so applying
    one twice, late, or out of order still converges on the database.
    """

    __tablename__ = "outbox_event"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class OutboxDelivery(SQLModel, table=True):
    """That an outbox event has been applied to one search backend's index."""

    __tablename__ = "outbox_delivery"

    event_id: int = Field(foreign_key="outbox_event.id", primary_key=True, ondelete="CASCADE")
    backend: str = Field(max_length=40, primary_key=True)
    delivered_at: datetime = Field(default_factory=utcnow)


def _json_column(nullable: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(JSON, nullable=nullable)


class Submission(SQLModel, table=True):
    """A proposed new listing, an edit to a listing, or a report of a problem with one.

    Nothing in a submission is public until a moderator approves it; the submitter's contact
    is never public at all.
    """

    id: int | None = Field(default=None, primary_key=True)
    # Unguessable: the only key to the submitter's status page.
    token: str = Field(max_length=64, unique=True, index=True)
    type: str = Field(max_length=20, index=True)
    # The listing concerned; empty for a new listing until it is approved.
    organisation_slug: str | None = Field(default=None, max_length=80, index=True)
    # New: every proposed field. Edit: only the fields that differ from `base`.
    proposed: dict[str, Any] | None = Field(default=None, sa_column=_json_column())
    # Edit: the listing's editable fields as they were when the edit was proposed.
    base: dict[str, Any] | None = Field(default=None, sa_column=_json_column())
    report_reason: str | None = Field(default=None, max_length=40)
    report_text: str | None = Field(default=None, max_length=2000)
    contact: str | None = Field(default=None, max_length=200)
    relation: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    # The submitter asked to be emailed, at `contact`, when it is received and decided.
    notify_by_email: bool = False
    # An activity's edit or cancellation: the activity concerned (empty for a new one).
    activity_public_id: str | None = Field(default=None, max_length=40)
    status: str = Field(default="pending", max_length=20, index=True)
    decision_reason: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=40)
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Moderator(SQLModel, table=True):
    """A person who may review submissions. Admins may also manage moderators."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="moderator", max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # What listings they checked say, if they chose to be named; never the username, which
    # would tell anyone what to type on the sign-in page.
    display_name: str | None = Field(default=None, max_length=80)
    # Every session cookie carries the version it was made under; raising it ends them all.
    session_version: int = 1
    # Private: where password resets and the queue's daily digest go. Never shown to others.
    email: str | None = Field(default=None, max_length=254)
    queue_digest: bool = True
    # Two-factor sign-in (directory/two_factor.py). The secret is kept as it is: each code is
    # checked against it. A pending secret is one being set up, not yet confirmed by a code.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_pending_secret: str | None = Field(default=None, max_length=64)
    # The last time-step a code was accepted for: a code seen once is refused after.
    totp_last_step: int | None = None
    # SHA-256 hashes of the recovery codes not yet used.
    recovery_codes: list[str] = Field(default_factory=list, sa_column=_list_column())


class AuditEvent(SQLModel, table=True):
    """Who did what, when, with the state before and after. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=40)
    action: str = Field(max_length=40)
    organisation_slug: str | None = Field(default=None, max_length=80, index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=_json_column())
    after: dict[str, Any] | None = Field(default=None, sa_column=_json_column())
    at: datetime = Field(default_factory=utcnow, index=True)


class LinkCheck(SQLModel, table=True):
    """The latest check of a listing's website: whether it answered, and when we looked."""

    __tablename__ = "link_check"

    organisation_slug: str = Field(max_length=80, primary_key=True)
    url: str = Field(max_length=500)
    ok: bool
    status_code: int | None = None
    final_url: str | None = Field(default=None, max_length=2000)
    error: str | None = Field(default=None, max_length=300)
    checked_at: datetime = Field(default_factory=utcnow, index=True)


class RateLimit(SQLModel, table=True):
    """How much of one rate limit one client (or one username) has used, shared by every
    process and host: the time when all of its slots are free again (see ratelimits.py).

    The key is an HMAC of the limit's name and who is counted, never an address or a name.
    A row whose time has passed says nothing more than a missing row, and is pruned.
    """

    __tablename__ = "rate_limit"

    key: str = Field(max_length=64, primary_key=True)
    free_at: float = Field(index=True)  # seconds since the epoch


def _wall_clock_column(nullable: bool) -> Column:  # type: ignore[type-arg]
    # A local time in the activity's own zone, stored as read on a clock there: "the first
    # Monday at 19:00" stays at 19:00 across a daylight-saving change, as UTC would not.
    return Column(DateTime(timezone=False), nullable=nullable)


class Activity(SQLModel, table=True):
    """Something a listed group holds that people can attend or join: a letter-writing
    night, a workshop, a meeting. Every fact is as its source stated it on `stated_on`."""

    id: int | None = Field(default=None, primary_key=True)
    # The URL key, made from the listing's slug and the title; never changes once made.
    public_id: str = Field(max_length=40, unique=True, index=True)
    organisation_slug: str = Field(max_length=80, index=True)
    title: str = Field(max_length=200)
    description: str = Field(max_length=2000)
    kind: str = Field(max_length=40)
    starts_at: datetime = Field(sa_column=_wall_clock_column(nullable=False))
    ends_at: datetime | None = Field(default=None, sa_column=_wall_clock_column(nullable=True))
    time_zone: str = Field(max_length=64)  # IANA, as zoneinfo names it
    # An RFC 5545 RRULE value without "RRULE:"; empty for a one-off.
    recurrence: str | None = Field(default=None, max_length=300)
    # Local start times ("2024-03-04T19:00:00") of occurrences that do not happen.
    exceptions: list[str] = Field(default_factory=list, sa_column=_list_column())
    online: bool = False
    online_how: str | None = Field(default=None, max_length=500)
    venue: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=2)
    latitude: float | None = None
    longitude: float | None = None
    cost: str | None = Field(default=None, max_length=200)
    how_to_join: str | None = Field(default=None, max_length=500)
    # vocab.ACCESS_PROVISIONS keys the source states; a provision not here was not stated.
    access: list[str] = Field(default_factory=list, sa_column=_list_column())
    access_notes: str | None = Field(default=None, max_length=1000)
    access_contact: str | None = Field(default=None, max_length=200)
    by_post: bool = False  # people inside can take part by post
    status: str = Field(default="scheduled", max_length=20)
    source_url: str = Field(max_length=500)
    stated_on: date
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MailMessage(SQLModel, table=True):
    """An email waiting to be sent, or sent: written in the same transaction as the event
    that causes it, so that nothing is lost when the mail server is down (mail/sender.py).

    `key` says what the mail is about ("submission-12-approved"): a second mail about the
    same thing is never queued, and the Message-ID made from it lets a receiving server
    recognise a message that a crash made us send again.
    """

    __tablename__ = "mail_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    # Emptied by `directory purge` with the submitter's other details.
    recipient: str | None = Field(default=None, max_length=254)
    template: str = Field(max_length=40)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=_json_column(False))
    status: str = Field(default="waiting", max_length=20, index=True)  # vocab.MAIL_STATUSES
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A moderator's request for a new password. Only a hash of the link's secret is kept;
    the link works once, for an hour (accounts.RESET_MINUTES)."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    moderator_id: int = Field(foreign_key="moderator.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
