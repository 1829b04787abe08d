"""The address table: every page and API route, by name, and the pages kept finished."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from directory.web.views import (
    activities,
    api,
    discovery,
    health,
    hsds_api,
    mail,
    moderation,
    openapi,
    pages,
    password_reset,
    printing,
    prisons,
    rechecks,
    submissions,
    two_factor,
)
from directory.web.views.privacy import privacy

STATIC = Path(__file__).resolve().parent.parent / "static"


def _form(path: str, endpoint: Callable[..., Any], *, name: str) -> Route:
    """A page with a form: shown on GET, sent back to the same address by POST."""
    return Route(path, endpoint, methods=["GET", "POST"], name=name)


# The router tries routes in this order, so the ones asked for most come first.
ROUTES: list[Route | Mount] = [
    Route("/api/search", api.search, name="api_search"),
    Route("/search", pages.search, name="search"),
    Route("/organisations/{slug}", pages.organisation, name="organisation"),
    Route("/", pages.home, name="home"),
    Route("/api/organisations/{slug}", api.organisation, name="api_organisation"),
    Route("/prisons", prisons.browse, name="prisons"),
    Route("/prisons/{slug}", prisons.prison, name="prison"),
    Route("/api/prisons", prisons.api_prisons, name="api_prisons"),
    Route("/api/prisons/{slug}", prisons.api_prison, name="api_prison"),
    Route("/activities", activities.activities_page, name="activities"),
    Route("/activities.ics", activities.activities_ics, name="activities_ics"),
    Route("/activities.atom", activities.activities_atom, name="activities_atom"),
    Route("/activities/{public_id}", activities.activity_page, name="activity"),
    Route(
        "/organisations/{slug}/activities.ics",
        activities.organisation_ics,
        name="organisation_activities_ics",
    ),
    Route("/api/activities", activities.api_activities, name="api_activities"),
    Route("/api/activities/{public_id}", activities.api_activity, name="api_activity"),
    Route("/print", printing.print_list, name="print"),
    Route("/print.txt", printing.print_text, name="print_text"),
    Route("/feed.atom", discovery.feed, name="feed"),
    Route("/sitemap.xml", discovery.sitemap, name="sitemap"),
    Route("/robots.txt", discovery.robots, name="robots"),
    Route("/healthz", health.healthz, name="healthz"),
    Route("/api", openapi.api_page, name="api_page"),
    Route("/api/openapi.json", openapi.openapi_json, name="api_openapi"),
    Route("/api/organisations", api.organisations, name="api_organisations"),
    Route("/api/hsds/organizations", hsds_api.organizations, name="api_hsds_organizations"),
    Route("/api/hsds/organizations/{id}", hsds_api.organization, name="api_hsds_organization"),
    _form("/submit", submissions.submit, name="submit"),
    _form("/organisations/{slug}/edit", submissions.edit, name="edit"),
    _form("/organisations/{slug}/report", submissions.report, name="report"),
    _form("/organisations/{slug}/activities/new", submissions.activity_new, name="activity_new"),
    _form("/activities/{public_id}/edit", submissions.activity_edit, name="activity_edit"),
    _form("/activities/{public_id}/cancel", submissions.activity_cancel, name="activity_cancel"),
    Route("/submissions/{token}", submissions.status, name="submission_status"),
    _form("/submissions/{token}/revise", submissions.revise, name="submission_revise"),
    _form("/moderate/login", moderation.login, name="moderate_login"),
    _form("/moderate/reset", password_reset.ask, name="password_reset"),
    _form("/moderate/reset/{token}", password_reset.choose, name="password_reset_choose"),
    Route("/moderate/mail", mail.outbox_page, name="moderate_mail"),
    _form("/moderate/login/code", two_factor.login_code, name="moderate_login_code"),
    Route("/moderate/logout", moderation.logout, methods=["POST"], name="moderate_logout"),
    Route("/moderate", moderation.queue, name="moderate_queue"),
    _form("/moderate/submissions/{id:int}", moderation.submission, name="moderate_submission"),
    Route("/moderate/recheck", rechecks.queue, name="moderate_recheck"),
    _form("/moderate/organisations/{slug}", rechecks.listing, name="moderate_listing"),
    _form("/moderate/organisations/{slug}/edit", rechecks.edit, name="moderate_edit"),
    Route("/moderate/organisations/{slug}/history", moderation.history, name="moderate_history"),
    _form("/moderate/account", moderation.account, name="moderate_account"),
    _form("/moderate/account/two-factor", two_factor.setup, name="moderate_two_factor"),
    _form("/moderate/moderators", moderation.moderators, name="moderate_moderators"),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
# What the directory keeps about people (linked from every footer and the forms).
ROUTES[-1:-1] = [Route("/privacy", privacy, name="privacy")]
# Addresses whose pages may be kept finished (endpoints wrapped in `remembered`), with what
# each is kept by.
KEPT_PATHS = {
    route.path: route.endpoint.kept_by
    for route in ROUTES
    if isinstance(route, Route) and hasattr(route.endpoint, "kept_by")
}
