"""How others find and follow the directory: an Atom feed, sitemap.xml and robots.txt."""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from directory import activities, catalogue
from directory.database import read_one, session_scope
from directory.web.presenters import listing
from directory.web.presenters import search as presenters
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import prisons
from directory.web.views.heavy import heavy_page

FEED_ENTRIES = 50
SITEMAP_LIMIT = 50_000  # the sitemap protocol's limit for one file


def feed(request: Request) -> Response:
    with session_scope(app_state(request).engine) as session:
        entries = [
            {
                "slug": o.slug,
                "name": o.name,
                "summary": o.description,
                "kind": listing.organisation_page(o)["kind_label"],
                "place": presenters.place(o.city, o.region, o.country),
                "updated": o.updated_at.isoformat(),
                "published": o.created_at.isoformat(),
            }
            for o in catalogue.recently_changed(session, FEED_ENTRIES)
        ]
    return render(
        request,
        "feed.xml",
        {
            "entries": entries,
            "base_url": _base(request),
            "updated": entries[0]["updated"] if entries else "1970-01-01T00:00:00+00:00",
        },
        media_type="application/atom+xml",
    )


async def _catalogue_version(request: Request) -> Hashable:
    return (request.url.path, await read_one(app_state(request).engine, catalogue.version))


@heavy_page(by=_catalogue_version)
def sitemap(request: Request) -> Response:
    # The prison register changes only with a release: its pages are listed as they are.
    prison_slugs = sorted(prison.slug for prison in prisons.register(request).all())
    with session_scope(app_state(request).engine) as session:
        # Activities' pages too (past ones are kept as a record of a group's work), then
        # as many listings as there is room for, with /activities, /prisons and the home page.
        held = [
            {"id": a.public_id, "updated": a.updated_at.date().isoformat()}
            for a in sorted(activities.all_activities(session), key=lambda a: a.public_id)
        ][: SITEMAP_LIMIT // 2]
        room = SITEMAP_LIMIT - 3 - len(prison_slugs) - len(held)
        pages = [
            {"slug": o.slug, "updated": o.updated_at.date().isoformat()}
            for _, o in zip(range(room), catalogue.iter_all(session), strict=False)
        ]
    return render(
        request,
        "sitemap.xml",
        {
            "pages": pages,
            "prison_slugs": prison_slugs,
            "activities": held,
            "base_url": _base(request),
        },
        media_type="application/xml",
    )


def robots(request: Request) -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /moderate",
        "Disallow: /submissions/",
        "Disallow: /search",
        "Disallow: /print",
        "Allow: /",
        f"Sitemap: {_base(request)}{route_path(request, 'sitemap')}",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


def _base(request: Request) -> str:
    return str(app_state(request).settings.base_url).rstrip("/")
