"""Activities: the list with its filters, an activity's page, the calendar and Atom feeds
and the JSON API. Each parses the query, asks the activities service, and renders."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from directory import activities, catalogue, places, vocab
from directory.activities import Filters, Found
from directory.database import session_scope
from directory.opendata import calendar
from directory.web.params import BLANK, MAX_PLACE_CHARS, MAX_RADIUS_KM, RADIUS_CHOICES_KM
from directory.web.presenters import activities as presenters
from directory.web.state import app_state
from directory.web.templating import render, route_path

DEFAULT_RADIUS_KM = activities.DEFAULT_RADIUS_KM
MAX_SLUG_CHARS = 80
FEED_ENTRIES = 50
_SLUG = re.compile(r"[a-z0-9-]*")
_ONE_VALUED = ("near", "radius_km", "online", "kind", "organisation")
_NAMES = {
    "near": "place",
    "radius_km": "distance",
    "online": "choice of online",
    "kind": "kind of activity",
    "organisation": "group",
}


@dataclass
class ParsedActivities:
    """What /activities, its feeds and /api/activities were asked for, as understood."""

    near: str = ""
    radius_km: int = DEFAULT_RADIUS_KM
    online: bool = False
    kind: str | None = None
    organisation: str | None = None
    access: tuple[str, ...] = ()
    # Problems with the parameters, by name, in words a person understands.
    problems: dict[str, str] = field(default_factory=dict)

    def query_string(self) -> str:
        """The filters as a query string, from what was understood (never echoed raw)."""
        pairs: list[tuple[str, str]] = []
        if self.near:
            pairs.append(("near", self.near))
            if self.radius_km != DEFAULT_RADIUS_KM:
                pairs.append(("radius_km", str(self.radius_km)))
        if self.online:
            pairs.append(("online", "1"))
        if self.kind:
            pairs.append(("kind", self.kind))
        if self.organisation:
            pairs.append(("organisation", self.organisation))
        pairs.extend(("access", key) for key in self.access)
        return urlencode(pairs)


def parse(params: QueryParams) -> ParsedActivities:
    parsed = ParsedActivities()
    problems = parsed.problems
    one = {name: _one(params, name, problems) for name in _ONE_VALUED}
    parsed.near = " ".join(one["near"].split())[:MAX_PLACE_CHARS]
    radius = one["radius_km"]
    if radius:
        if radius.isascii() and radius.isdigit() and 1 <= int(radius) <= MAX_RADIUS_KM:
            parsed.radius_km = int(radius)
        else:
            problems["radius_km"] = (
                f"The distance must be a whole number of kilometres from 1 to {MAX_RADIUS_KM}."
            )
    if one["online"] not in ("", "1"):
        problems["online"] = "Online is a choice: online=1, or leave it out."
    parsed.online = one["online"] == "1"
    kind = one["kind"]
    if kind and kind not in vocab.ACTIVITY_KINDS:
        problems["kind"] = f"Unknown kind of activity ignored: {kind[:40]}."
    parsed.kind = kind if kind in vocab.ACTIVITY_KINDS else None
    slug = one["organisation"]
    if len(slug) > MAX_SLUG_CHARS or not _SLUG.fullmatch(slug):
        problems["organisation"] = "A group is given by the last part of its page's address."
    elif slug:
        parsed.organisation = slug
    _access(params, parsed)
    return parsed


def _one(params: QueryParams, name: str, problems: dict[str, str]) -> str:
    values = params.getlist(name)
    if len(values) > 1:
        problems[name] = f"Only one {_NAMES[name]} can be used at a time, not {len(values)}."
        return ""
    return values[0] if values else ""


def _access(params: QueryParams, parsed: ParsedActivities) -> None:
    # Each provision is a value of its own, as a form's checkboxes send them.
    wanted = params.getlist("access")
    unknown = [key[:40] or BLANK for key in wanted if key and key not in vocab.ACCESS_PROVISIONS]
    if unknown:
        parsed.problems["access"] = f"Unknown access provision ignored: {', '.join(unknown)}."
    parsed.access = tuple(key for key in vocab.ACCESS_PROVISIONS if key in wanted)


def _filters(request: Request, parsed: ParsedActivities) -> tuple[Filters, places.Place | None]:
    """The service's filters; a place that cannot be found is a problem, not ignored."""
    place = None
    if parsed.near:
        gazetteer = app_state(request).settings.gazetteer_path
        assert gazetteer is not None  # Settings fills it in from the data directory
        place = places.resolve(gazetteer, parsed.near)
        if place is None:
            parsed.problems["near"] = (
                f"We could not find a place called “{parsed.near}”. Try a town or city, "
                "with its country if the name is shared, such as “Portland, US”."
            )
    near = (place.latitude, place.longitude, float(parsed.radius_km)) if place else None
    filters = Filters(
        near=near,
        online=parsed.online,
        kind=parsed.kind,
        organisation=parsed.organisation,
        access=parsed.access,
    )
    return filters, place


def _found(request: Request, filters: Filters) -> tuple[Found, dict[str, str]]:
    with session_scope(app_state(request).engine) as session:
        found = activities.find(session, filters)
        names = activities.group_names(
            session, {dated.activity.organisation_slug for dated in found.upcoming + found.past}
        )
    return found, names


# Pages ----------------------------------------------------------------------------------


def activities_page(request: Request) -> Response:
    parsed = parse(request.query_params)
    filters, place = _filters(request, parsed)
    found, names = _found(request, filters)
    with session_scope(app_state(request).engine) as session:
        groups = activities.group_names(
            session, {a.organisation_slug for a in activities.all_activities(session)}
        )
    query = parsed.query_string()
    feeds = {
        "ics": route_path(request, "activities_ics") + (f"?{query}" if query else ""),
        "atom": route_path(request, "activities_atom") + (f"?{query}" if query else ""),
        "api": route_path(request, "api_activities") + (f"?{query}" if query else ""),
    }
    context: dict[str, Any] = {
        **presenters.cards(found, names),
        "total": found.total,
        "parsed": parsed,
        "problems": parsed.problems,
        "place": place.label if place else None,
        "filtered": bool(query),
        "kinds": vocab.ACTIVITY_KINDS,
        "provisions": vocab.ACCESS_PROVISIONS,
        "groups": sorted(groups.items(), key=lambda item: item[1].casefold()),
        "radius_choices": RADIUS_CHOICES_KM,
        "feeds": feeds,
    }
    return render(request, "activities.html", context)


def activity_page(request: Request) -> Response:
    public_id = request.path_params["public_id"]
    with session_scope(app_state(request).engine) as session:
        found = activities.get(session, public_id)
        if found is None:
            raise HTTPException(404)
        group = catalogue.get(session, found.organisation_slug)
    now = datetime.now(UTC)
    dated = activities.dated(found, now)
    coming = activities.upcoming_occurrences(found, now, presenters.UPCOMING_DATES_SHOWN)
    page = presenters.activity_page(dated, group.name if group else found.organisation_slug, coming)
    context = {
        "activity": page,
        "group_exists": group is not None,
        "ics_path": route_path(
            request, "organisation_activities_ics", slug=found.organisation_slug
        ),
    }
    return render(request, "activity.html", context)


# Feeds ----------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(app_state(request).settings.base_url).rstrip("/")


def _entries(request: Request, found: Found, names: dict[str, str]) -> list[calendar.Entry]:
    base = _base(request)
    domain = urlsplit(base).hostname or "localhost"
    return [
        calendar.Entry(
            activity=dated.activity,
            group_name=names.get(
                dated.activity.organisation_slug, dated.activity.organisation_slug
            ),
            url=base + route_path(request, "activity", public_id=dated.activity.public_id),
            uid_domain=domain,
        )
        for dated in found.upcoming + found.past
    ]


def _ics(text: bytes, filename: str) -> Response:
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'inline; filename="{filename}"'},
    )


def activities_ics(request: Request) -> Response:
    parsed = parse(request.query_params)
    filters, _ = _filters(request, parsed)
    if parsed.problems:
        return _problems_as_text(parsed)
    found, names = _found(request, filters)
    name = "Prisoner Support Directory: activities"
    return _ics(calendar.calendar(_entries(request, found, names), name=name), "activities.ics")


def organisation_ics(request: Request) -> Response:
    slug = request.path_params["slug"]
    with session_scope(app_state(request).engine) as session:
        group = catalogue.get(session, slug)
        if group is None:
            raise HTTPException(404)
        name = group.name
    found, names = _found(request, Filters(organisation=slug))
    text = calendar.calendar(_entries(request, found, names), name=f"{name}: activities")
    return _ics(text, f"{slug}-activities.ics")


def _problems_as_text(parsed: ParsedActivities) -> Response:
    said = "\n".join(f"{name}: {problem}" for name, problem in parsed.problems.items())
    return PlainTextResponse(f"Invalid parameters.\n{said}\n", status_code=400)


def activities_atom(request: Request) -> Response:
    parsed = parse(request.query_params)
    filters, _ = _filters(request, parsed)
    if parsed.problems:
        return _problems_as_text(parsed)
    found, names = _found(request, filters)
    shown = sorted(
        found.upcoming + found.past, key=lambda dated: dated.activity.updated_at, reverse=True
    )[:FEED_ENTRIES]
    query = parsed.query_string()
    context = {
        "entries": [presenters.card(dated, names) for dated in shown],
        "updated": {d.activity.public_id: d.activity.updated_at.isoformat() for d in shown},
        "published": {d.activity.public_id: d.activity.created_at.isoformat() for d in shown},
        "descriptions": {d.activity.public_id: d.activity.description for d in shown},
        "sources": {d.activity.public_id: presenters.source_of(d.activity) for d in shown},
        "feed_updated": shown[0].activity.updated_at.isoformat()
        if shown
        else "1970-01-01T00:00:00+00:00",
        "base_url": _base(request),
        "self_path": route_path(request, "activities_atom") + (f"?{query}" if query else ""),
        "page_path": route_path(request, "activities") + (f"?{query}" if query else ""),
    }
    return render(request, "activities.xml", context, media_type="application/atom+xml")


# API ------------------------------------------------------------------------------------


def api_activities(request: Request) -> JSONResponse:
    parsed = parse(request.query_params)
    filters, place = _filters(request, parsed)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    found, names = _found(request, filters)
    listed = [_json(request, dated, names) for dated in found.upcoming + found.past]
    return JSONResponse(
        {"total": found.total, "near": place.label if place else None, "activities": listed},
        headers={"X-Total-Count": str(found.total)},
    )


def api_activity(request: Request) -> JSONResponse:
    public_id = request.path_params["public_id"]
    with session_scope(app_state(request).engine) as session:
        found = activities.get(session, public_id)
        if found is None:
            raise HTTPException(404, "No activity has that address.")
        names = activities.group_names(session, {found.organisation_slug})
    return JSONResponse(_json(request, activities.dated(found, datetime.now(UTC)), names))


def _json(request: Request, dated: activities.Dated, names: dict[str, str]) -> dict[str, Any]:
    activity = dated.activity
    return presenters.activity_json(
        dated,
        names.get(activity.organisation_slug, activity.organisation_slug),
        route_path(request, "activity", public_id=activity.public_id),
        route_path(request, "organisation", slug=activity.organisation_slug),
    )
