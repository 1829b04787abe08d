"""The Jinja2 environment: autoescape on (bar plain text), every template filter registered here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import select_autoescape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from directory import records, vocab
from directory.web.params import RADIUS_CHOICES_KM
from directory.web.presenters.search import FACET_TITLES

# What static/search.js needs to draw results and facets from /api/search, which sends
# codes only. Country names come from the browser (Intl.DisplayNames) except these.
SEARCH_LABELS = {
    "titles": FACET_TITLES,
    "kind": vocab.KINDS,
    "focus": vocab.FOCUS,
    "service": vocab.SERVICES,
    "status": vocab.STATUSES,
    "country": {**vocab.COUNTRY_NAMES, vocab.INTERNATIONAL: vocab.INTERNATIONAL_LABEL},
}

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def long_date(value: date | None) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}" if value else ""


def partial_date(value: str | None) -> str:
    """ "2023-12" -> "December 2023"; "2023" stays "2023"."""
    if not value:
        return ""
    year, _, month = value.partition("-")
    return f"{_MONTHS[int(month) - 1]} {year}" if month else year


def thousands(value: int) -> str:
    return f"{value:,}"


def make_templates(reload: bool = False) -> Jinja2Templates:
    """With reload, an edited template is read again (a file check at every page)."""
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
        long_date=long_date,
        partial_date=partial_date,
        thousands=thousands,
        country_name=vocab.country_name,
    )
    environment.globals.update(
        today=date.today, radius_choices=RADIUS_CHOICES_KM, search_labels=SEARCH_LABELS
    )
    return templates


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
    templates: Jinja2Templates = request.state.templates
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers, media_type=media_type
    )
