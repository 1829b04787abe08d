"""How fresh a listing is: the one rule that turns its evidence into a status, and when a
listing is due for a moderator to check again."""

from __future__ import annotations

from datetime import date

# Active: the latest dated sign of activity is at most this many months before the check.
ACTIVE_WITHIN_MONTHS = 24
# Due for a re-check: sources last checked longer ago than this...
RECHECK_AFTER_MONTHS = 12
# ...or the latest dated activity older than this.
STALE_ACTIVITY_MONTHS = 36


def month_index(partial: str) -> int:
    """Months since year 0 of "YYYY" or "YYYY-MM"; a bare year counts from its January, so
    a year alone never makes a group look more recent than the evidence shows."""
    year, _, month = partial.partition("-")
    return int(year) * 12 + (int(month[:2]) if month else 1) - 1


def months_between(earlier: str, later: date) -> int:
    return later.year * 12 + later.month - 1 - month_index(earlier)


def status_from_evidence(
    last_activity: str | None, checked_on: date | None, *, closed: bool
) -> str:
    """ "inactive" when a source says the group closed; "active" when its latest dated
    activity is within ACTIVE_WITHIN_MONTHS of the check; otherwise "unknown"."""
    if closed:
        return "inactive"
    if (
        last_activity
        and checked_on
        and months_between(last_activity, checked_on) <= ACTIVE_WITHIN_MONTHS
    ):
        return "active"
    return "unknown"


def recheck_reasons(
    *,
    status: str,
    last_activity: str | None,
    verified_on: date | None,
    today: date,
    link_failed: bool,
    open_reports: int,
) -> list[str]:
    """Why a listing is due for a re-check, in plain words; empty when it is not."""
    reasons = []
    if open_reports:
        reasons.append(
            "A problem was reported"
            if open_reports == 1
            else f"{open_reports} problems were reported"
        )
    if link_failed:
        reasons.append("Its website failed the link check")
    if verified_on is None:
        reasons.append("Its sources have never been checked")
    elif (today - verified_on).days > RECHECK_AFTER_MONTHS * 30.4375:
        reasons.append(f"Sources last checked on {verified_on:%-d %B %Y}")
    if status != "inactive":
        if last_activity is None:
            reasons.append("No dated activity found")
        elif months_between(last_activity, today) > STALE_ACTIVITY_MONTHS:
            reasons.append("Latest dated activity is over three years old")
    return reasons
