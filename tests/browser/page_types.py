"""Every kind of page the directory shows, and how a browser gets to each one.

The accessibility tests run axe-core on each; `make screenshots` photographs each.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser import actions
from tests.browser.site import SAMPLE_SLUG, Site

Opener = Callable[[Page, Site], None]
# The seed's founding activity: Glasgow Prisoner Solidarity's 2022 workshop.
FOUNDING_WORKSHOP = "glasgow-prisoner-solidarity-prisoner"


def visit(path: str | Callable[[Site], str]) -> Opener:
    def open_page(page: Page, site: Site) -> None:
        page.goto(path(site) if callable(path) else path)

    return open_page


def signed_in(path: str | Callable[[Site], str]) -> Opener:
    def open_page(page: Page, site: Site) -> None:
        actions.sign_in(page)
        visit(path)(page, site)

    return open_page


def typed_search(page: Page, _site: Site) -> None:
    page.goto("/search")
    page.get_by_label("Search for a group").fill("prison")
    expect(page.locator("#results-heading")).to_contain_text("for “prison”")


def listing_check_with_errors(page: Page, _site: Site) -> None:
    actions.sign_in(page)
    page.goto(f"/moderate/organisations/{SAMPLE_SLUG}")
    page.get_by_label("Date of the activity").fill("last spring")
    page.get_by_role("button", name="Still correct").click()
    expect(page.locator(".error-summary")).to_be_visible()


def submit_with_errors(page: Page, _site: Site) -> None:
    page.goto("/submit")
    page.get_by_label("Name of the group").fill("A")
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".error-summary")).to_be_visible()


def propose_activity_with_errors(page: Page, _site: Site) -> None:
    page.goto(f"/organisations/{SAMPLE_SLUG}/activities/new")
    page.get_by_label("Title").fill("Letters")
    page.get_by_label("Start time").fill("19:00")
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".error-summary")).to_be_visible()


PAGES: dict[str, Opener] = {
    "home": visit("/"),
    "search with results": visit("/search?q=books"),
    "search with filters": visit("/search?q=prison&country=GB&kind=abc-group"),
    "search as you type": typed_search,
    "search with no results": visit("/search?q=zzzzqqq"),
    "search with no results near a place, filtered": visit(
        "/search?q=zzzzqqq&near=Glasgow&kind=abc-group&focus=lgbtq"
    ),
    "search near a place": visit("/search?near=Glasgow"),
    "search near an unknown place": visit("/search?near=Nowhereville"),
    "organisation": visit(f"/organisations/{SAMPLE_SLUG}"),
    "organisation opened from results": visit(
        f"/organisations/{SAMPLE_SLUG}?from=q%3Dbooks%26country%3DGB%26page%3D2"
    ),
    "404": visit("/organisations/no-such-group"),
    "prisons": visit("/prisons"),
    "prison search": visit("/prisons?q=leeds"),
    "prison": visit("/prisons/hmp-leeds"),
    "closed prison": visit("/prisons/hmp-holloway"),
    "submit": visit("/submit"),
    "submit with errors": submit_with_errors,
    "edit": visit(f"/organisations/{SAMPLE_SLUG}/edit"),
    "report": visit(f"/organisations/{SAMPLE_SLUG}/report"),
    "privacy": visit("/privacy"),
    "submission received": visit(lambda s: f"/submissions/{s.samples.pending_edit_token}?sent=1"),
    "changes requested": visit(lambda s: f"/submissions/{s.samples.changes_requested_token}"),
    "revise": visit(lambda s: f"/submissions/{s.samples.changes_requested_token}/revise"),
    "activities": visit("/activities"),
    "activities filtered": visit("/activities?access=bsl&kind=workshop&near=Glasgow"),
    "activity": visit(f"/activities/{FOUNDING_WORKSHOP}"),
    "listing with activities": visit("/organisations/glasgow-prisoner-solidarity"),
    "propose an activity": visit(f"/organisations/{SAMPLE_SLUG}/activities/new"),
    "propose an activity with errors": propose_activity_with_errors,
    "activity correction": visit(lambda s: f"/activities/{s.samples.activity_public_id}/edit"),
    "activity cancellation": visit(lambda s: f"/activities/{s.samples.activity_public_id}/cancel"),
    "activity correction review": signed_in(
        lambda s: f"/moderate/submissions/{s.samples.activity_edit_id}"
    ),
    "activity cancellation review": signed_in(
        lambda s: f"/moderate/submissions/{s.samples.activity_cancel_id}"
    ),
    "print": visit("/print?q=books"),
    "api": visit("/api"),
    "moderator login": visit("/moderate/login"),
    "queue": signed_in("/moderate"),
    "review": signed_in(lambda s: f"/moderate/submissions/{s.samples.pending_edit_id}"),
    "history": signed_in(f"/moderate/organisations/{SAMPLE_SLUG}/history"),
    "moderators": signed_in("/moderate/moderators"),
    "recheck queue": signed_in("/moderate/recheck"),
    "listing check": signed_in(f"/moderate/organisations/{SAMPLE_SLUG}"),
    "listing check with errors": listing_check_with_errors,
    "moderator edit": signed_in(f"/moderate/organisations/{SAMPLE_SLUG}/edit"),
    "closure report": signed_in(lambda s: f"/moderate/submissions/{s.samples.closure_report_id}"),
}
