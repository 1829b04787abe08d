"""The prison register's pages and API: browse and search prisons, and one prison with the
groups that serve it."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from directory import prison_groups, prisons
from directory.database import read_one
from directory.search import DEFAULT_PER_PAGE, MAX_PER_PAGE
from directory.web.params import BLANK, MAX_PAGE, _one, _whole_number
from directory.web.presenters import prisons as presenters
from directory.web.state import app_state
from directory.web.templating import render, route_path

MAX_QUERY_CHARS = 100  # the longest prison name is about 60 characters


@dataclass
class ParsedPrisons:
    """The parameters of /prisons and /api/prisons."""

    q: str = ""
    jurisdictions: tuple[str, ...] = ()
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    problems: dict[str, str] = field(default_factory=dict)


def register(request: Request) -> prisons.Register:
    """The register, read once per process (with the gazetteer's coordinates)."""
    return prisons.load(app_state(request).settings.gazetteer_path)


def parse(params: QueryParams, known: set[str]) -> ParsedPrisons:
    """What a listing of prisons asks for; known: the jurisdictions there are."""
    parsed = ParsedPrisons()
    parsed.q = _query(params, parsed.problems)
    # An empty value is no filter, as an empty form field sends.
    raws = [raw for raw in params.getlist("jurisdiction") if raw]
    wanted = [value.strip().upper() for raw in raws for value in raw.split(",")]
    unknown = [value[:40] or BLANK for value in wanted if value not in known]
    if unknown:
        parsed.problems["jurisdiction"] = f"Unknown jurisdiction ignored: {', '.join(unknown)}."
    parsed.jurisdictions = tuple(dict.fromkeys(v for v in wanted if v in known))
    problems = parsed.problems
    parsed.page = _whole_number(params, "page", 1, 1, MAX_PAGE, problems)
    parsed.per_page = _whole_number(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, problems)
    return parsed


def _query(params: QueryParams, problems: dict[str, str]) -> str:
    q = " ".join(_one(params, "q", problems).split())
    if len(q) > MAX_QUERY_CHARS:
        problems["q"] = f"A search for a prison is at most {MAX_QUERY_CHARS} characters."
    return q[:MAX_QUERY_CHARS]


async def browse(request: Request) -> Response:
    found = register(request)
    q = _query(request.query_params, {})  # a search too long is cut short, as others are
    return render(request, "prisons.html", presenters.browse_page(found, q))


async def prison(request: Request) -> Response:
    found = register(request)
    chosen = found.get(request.path_params["slug"])
    if chosen is None:
        raise HTTPException(404)
    files = found.files_for(chosen)
    if not chosen.is_open:  # nobody is held there: no groups to offer
        page = presenters.prison_page(chosen, files, None)
    else:
        page = await read_one(
            app_state(request).engine,
            lambda session: presenters.prison_page(
                chosen, files, prison_groups.groups_for(session, chosen)
            ),
        )
    return render(request, "prison.html", {"prison": page})


def api_prisons(request: Request) -> JSONResponse:
    found = register(request)
    known = {jurisdiction.code for jurisdiction in found.jurisdictions()}
    parsed = parse(request.query_params, known)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    chosen = found.search(parsed.q) if parsed.q else found.all()
    if parsed.jurisdictions:
        chosen = tuple(p for p in chosen if p.jurisdiction in parsed.jurisdictions)
    start = (parsed.page - 1) * parsed.per_page
    shown = chosen[start : start + parsed.per_page]
    return JSONResponse(
        {
            "total": len(chosen),
            "page": parsed.page,
            "per_page": parsed.per_page,
            "prisons": [_json(request, found, p) for p in shown],
        },
        headers={"X-Total-Count": str(len(chosen))},
    )


def api_prison(request: Request) -> JSONResponse:
    found = register(request)
    chosen = found.get(request.path_params["slug"])
    if chosen is None:
        raise HTTPException(404, "No prison has that address.")
    return JSONResponse(_json(request, found, chosen))


def _json(request: Request, found: prisons.Register, chosen: prisons.Prison) -> dict[str, object]:
    path = route_path(request, "prison", slug=chosen.slug)
    return presenters.prison_json(chosen, found.files_for(chosen), path)
