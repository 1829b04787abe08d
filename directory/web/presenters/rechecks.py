"""The re-check queue and a listing's moderator page as finished data for templates. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from directory import vocab
from directory.models import LinkCheck, Organisation, Submission
from directory.rechecks import DueListing, DueQueue
from directory.web.formatting import long_date, partial_date, short_when, when
from directory.web.presenters.moderation import Paging

NEVER = "Never"


@dataclass(frozen=True)
class DueRow:
    slug: str
    name: str
    status: str
    status_label: str
    checked: str
    activity: str
    reasons: list[str]


@dataclass(frozen=True)
class DueView:
    rows: list[DueRow]
    paging: Paging


@dataclass(frozen=True)
class OpenReport:
    id: int | None
    reason: str
    received: str


@dataclass(frozen=True)
class ListingCheck:
    """What a moderator needs to see to say a listing is still right, or is not."""

    slug: str
    name: str
    status: str
    status_label: str
    checked: str
    checked_by: str | None
    activity: str
    activity_source: str | None
    closure_source: str | None
    website: str | None
    link_check: str | None
    sources: list[str]
    reasons: list[str]
    reports: list[OpenReport]


def due_view(queue: DueQueue, path: str) -> DueView:
    """The queue page; its page links go to `path`."""
    first = (queue.page - 1) * queue.per_page + 1
    paging = Paging(
        first=first,
        last=first + len(queue.listings) - 1,
        total=queue.total,
        previous=_page_url(path, queue.page - 1) if queue.page > 1 else None,
        next=_page_url(path, queue.page + 1) if queue.page < queue.pages else None,
        page=queue.page,
        pages=queue.pages,
    )
    return DueView([_due_row(item) for item in queue.listings], paging)


def _due_row(item: DueListing) -> DueRow:
    return DueRow(
        slug=item.slug,
        name=item.name,
        status=item.status,
        status_label=vocab.STATUSES.get(item.status, item.status),
        checked=long_date(item.verified_on) if item.verified_on else NEVER,
        activity=partial_date(item.last_activity) or "None found",
        reasons=item.reasons,
    )


def _page_url(path: str, page: int) -> str:
    return path if page <= 1 else f"{path}?page={page}"


def listing_check(
    organisation: Organisation,
    reasons: list[str],
    reports: Sequence[Submission],
    check: LinkCheck | None,
) -> ListingCheck:
    citations = organisation.citations or {}
    return ListingCheck(
        slug=organisation.slug,
        name=organisation.name,
        status=organisation.status,
        status_label=vocab.STATUSES.get(organisation.status, organisation.status),
        checked=long_date(organisation.verified_on) if organisation.verified_on else NEVER,
        checked_by=organisation.verified_by,
        activity=partial_date(organisation.last_activity) or "None found",
        activity_source=(citations.get("last_activity") or {}).get("url"),
        closure_source=(citations.get("status") or {}).get("url"),
        website=organisation.website,
        link_check=_link_check(organisation, check),
        sources=list(organisation.sources),
        reasons=reasons,
        reports=[
            OpenReport(
                id=report.id,
                reason=vocab.REPORT_REASONS.get(report.report_reason or "", "Problem report"),
                received=when(report.created_at),
            )
            for report in reports
        ],
    )


def _link_check(organisation: Organisation, check: LinkCheck | None) -> str | None:
    if check is None or check.url != organisation.website:
        return None
    if check.ok:
        return f"answered at the last check ({short_when(check.checked_at)})"
    problem = check.error or "did not answer"
    return f"may be down: {problem} ({short_when(check.checked_at)})"
