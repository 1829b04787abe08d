"""One page of the organisations a listing request asks for, as both JSON APIs page them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import catalogue
from directory.database import session_scope
from directory.models import Organisation
from directory.web.params import parse_listing
from directory.web.state import app_state

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def organisations_page(
    request: Request, present: Callable[[Organisation], T]
) -> Page[T] | JSONResponse:
    """The page the query asks for, each row shown by `present`; or the 400 for a bad query."""
    parsed = parse_listing(request.query_params)
    if parsed.problems:
        return JSONResponse({"error": "invalid parameters", "fields": parsed.problems}, 400)
    with session_scope(app_state(request).engine) as session:
        rows, total = catalogue.page_of(
            session, parsed.filters, parsed.modified_after, parsed.page, parsed.per_page
        )
        items = [present(row) for row in rows]
    return Page(items, total, parsed.page, parsed.per_page)
