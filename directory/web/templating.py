"""The Jinja2 environment: autoescape on (bar plain text), every template filter registered here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import select_autoescape
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Router
from starlette.templating import Jinja2Templates

from directory import records, vocab
from directory.web import formatting
from directory.web.params import RADIUS_CHOICES_KM
from directory.web.state import app_state

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def route_path(request: HTTPConnection, name: str, /, **params: Any) -> str:
    """The path of the route called `name`, never a whole URL: the host a request names is
    the client's to choose, and kept pages are sent again to other requests."""
    return str(request.app.url_path_for(name, **params))


def make_templates(router: Router, reload: bool = False) -> Jinja2Templates:
    """Templates whose links are paths of `router`'s routes. With reload, an edited template
    is read again (a file check at every page)."""
    templates = Jinja2Templates(directory=TEMPLATES)
    environment = templates.env
    environment.auto_reload = reload
    # Escaped everywhere but plain-text templates, which are served as text/plain.
    environment.autoescape = select_autoescape(disabled_extensions=("txt",), default=True)
    environment.trim_blocks = True
    environment.lstrip_blocks = True
    # Listing forms take each field's label and hint from the one description of a listing.
    environment.globals["listing_field"] = records.FIELDS
    environment.filters.update(
        long_date=formatting.long_date,
        partial_date=formatting.partial_date,
        thousands=formatting.thousands,
        country_name=vocab.country_name,
    )
    environment.globals.update(today=date.today, radius_choices=RADIUS_CHOICES_KM)
    # Links are paths: Starlette's url_for would make whole URLs from the Host header.
    environment.globals["path_for"] = path_finder(router)
    del environment.globals["url_for"]
    return templates


def path_finder(router: Router) -> Callable[..., str]:
    def path_for(name: str, /, **params: Any) -> str:
        """In a template, macros too: the path of the route called `name`."""
        return str(router.url_path_for(name, **params))

    return path_for


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
) -> Response:
    """The page `name` made for this request by the app's one Jinja2 environment."""
    return app_state(request).templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers, media_type=media_type
    )
