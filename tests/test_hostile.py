"""Hostile input (tests/hostile.py) thrown at every route, query parameter and form field.

Nothing here lists routes, parameters or fields by hand: routes come from the app's route
table, the query parameters a page reads are recorded while it is requested, and form fields
are read from the forms the pages show. A new route, parameter or field is covered as soon as
it exists. Every response must hold to three rules:

- never a server error (status under 500);
- nothing dangerous echoed: a payload's markers never appear as they were sent, no page gains
  an event handler, inline script or style, or a javascript: link, and no secret leaks;
- nothing changed in the database, unless the request was a form that was accepted (303).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import anyio
import httpx2 as httpx  # what starlette's TestClient is built on (a test dependency)
import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from starlette.datastructures import FormData, ImmutableMultiDict, QueryParams
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.testclient import TestClient
from starlette.types import Message

from directory import accounts, activities, catalogue, moderation
from directory.app import create_app
from directory.database import make_engine
from directory.migrate import upgrade
from directory.models import Submission
from directory.moderation import Submitter
from directory.opendata import hsds
from directory.ratelimits import Limit
from directory.search import backends, meili
from directory.search.indexing import reindex
from directory.search.meili_requests import Plan, filter_expression
from directory.search.understanding import Understood, plain
from directory.settings import Settings
from directory.web import forms
from directory.web.guards import ratelimit
from directory.web.middleware.body_limit import MAX_BODY_BYTES
from directory.web.routes import ROUTES
from tests import factories, hostile
from tests.hostile import CORPUS, SHORT, Payload
from tests.web import csrf_token, post_form, state_of, submit_new, token_of

PASSWORD = "a long enough password"
PUBLIC, MODERATOR = "public", "moderator"
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}

# The targets most worth every payload; every other parameter and field gets the SHORT list.
KEY_PARAMETERS = {
    "search": {"q", "near", "kind"},
    "api_search": {"q", "country"},
    "api_organisations": {"modified_after"},
    "moderate_login": {"next"},
    # The search a listing was opened from, which its page links back to.
    "organisation": {"from"},
    "activities": {"near", "kind", "access", "organisation"},
}
KEY_FIELDS = {
    "submit": {"name"},
    "report": {"details"},
    "moderate_login": {"username", "next"},
    "moderate_submission": {"decision_reason"},  # shown to the public on the status page
    "activity_new": {"title", "access_notes"},
    "activity_cancel": {"cancel_reason"},
}
# Valid answers for the fields a person types into, so that a payload in one field is the
# only thing wrong with the form (and a harmless payload is accepted and shown back).
# Sign-in keeps a wrong password: signing in would change what every later request sees.
VALID_ANSWERS: dict[str, Callable[[], dict[str, Any]]] = {
    "submit": factories.listing_form,
    "report": lambda: {"details": "The postal address has changed; letters come back."},
    "activity_new": factories.activity_form,
    # Prefilled from the activity: one change makes it a correction.
    "activity_edit": lambda: {"cost": "A suggested donation of £2"},
    "activity_cancel": lambda: {"cancel_reason": "Their last post says it has stopped."},
    "moderate_login": lambda: {"username": "alice", "password": "not the password at all"},
    "moderate_submission": lambda: {"decision_reason": "Please add a postal address."},
    "moderate_listing": lambda: {
        "checked_source": "https://example.org/checked",
        "closed_source": "https://example.org/closed",
    },
    "moderate_moderators": lambda: {
        "username": f"new-{next(_serial)}",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "role": "moderator",
    },
}
_serial: Iterator[int] = itertools.count(1)
# The relay marks outbox deliveries from a background thread whenever it catches up; a
# rate limit counts attempts, refused ones too (a wrong password above all), by design.
VOLATILE_TABLES = {"outbox_delivery", "rate_limit"}
TABLES = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in VOLATILE_TABLES]


# The site under attack: one for the module, seeded, with a few submissions to act on ------


@dataclass
class Site:
    engine: Engine
    clients: dict[str, TestClient]
    # Values for path parameters, by name; and where a route's differ, by route name.
    samples: dict[str, str]
    route_samples: dict[str, dict[str, str]]
    # Query parameters each route was seen to read, by route name.
    reads: dict[str, set[str]] = field(default_factory=dict)
    # The forms that post to each route, by route name, as the pages show them.
    forms: dict[str, list[Form]] = field(default_factory=dict)
    _snapshot: tuple[dict[str, int], dict[str, Sequence[Any]]] | None = None

    def path(self, route: BaseRoute, **values: str) -> str:
        """The route's address with sample values, or the ones given, in its parameters."""
        if isinstance(route, Mount):
            return f"{route.path}/{values.get('path', 'site.css')}"
        assert isinstance(route, Route)
        wanted = {**self.samples, **self.route_samples.get(route.name, {}), **values}
        path = route.path_format
        for name in route.param_convertors:
            path = path.replace("{" + name + "}", wanted[name])
        return path

    def snapshot(self) -> dict[str, Sequence[Any]]:
        """Every row of every table, as stored. Read again only when the write counters say
        a table was written to: reading thousands of rows twice for each of thousands of
        requests would take longer than the requests."""
        with self.engine.connect() as connection:
            writes: dict[str, int] = dict(
                connection.exec_driver_sql("SELECT name, n FROM test_writes").all()
            )
            if self._snapshot is None or self._snapshot[0] != writes:
                rows = {
                    name: connection.exec_driver_sql(f'SELECT * FROM "{name}" ORDER BY 1').all()
                    for name in TABLES
                }
                self._snapshot = (writes, rows)
        return self._snapshot[1]

    def close_sent(self, location: str) -> None:
        """Mark what a public form just sent as spam: hundreds of open submissions would make
        the moderators' queue, shown after every decision, slower and slower to check."""
        sent = re.match(r"/submissions/([\w-]+)", location)
        with Session(self.engine) as session:
            found = moderation.get_by_token(session, sent.group(1)) if sent else None
            if found is not None and found.status == "pending":
                moderation.mark_spam(session, found, moderator="alice")
                session.commit()

    def new_open_submission(self) -> None:
        """A fresh submission to decide on, once the last one was decided."""
        self.samples["id"] = str(self._submit_new().id)

    def new_changes_requested(self) -> None:
        """A fresh submission to revise, once the last one was revised."""
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.merge(self._submit_new())
            moderation.request_changes(
                session, found, moderator="alice", reason="Please add the postal address."
            )
            session.commit()
        self.samples["token"] = found.token

    def _submit_new(self) -> Submission:
        # As /submit would store it, without the two requests: a hundred or so are needed.
        sent = factories.listing_form()
        pairs = [(k, v) for k, vs in sent.items() for v in (vs if isinstance(vs, list) else [vs])]
        listing = forms.listing_form(FormData(pairs), sources_required=False).listing
        with Session(self.engine, expire_on_commit=False) as session:
            found = moderation.submit_new(session, listing, Submitter(contact=sent["contact"]))
            session.commit()
        return found


# An accepted form used up its target: what makes a new one.
RENEW: dict[str, Callable[[Site], None]] = {
    "moderate_submission": Site.new_open_submission,
    "submission_revise": Site.new_changes_requested,
}


def _count_writes(engine: Engine) -> None:
    """A counter per table, raised by triggers on every committed insert, update or delete."""
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE test_writes (name TEXT PRIMARY KEY, n INT)")
        for name in TABLES:
            connection.exec_driver_sql(f"INSERT INTO test_writes VALUES ('{name}', 0)")
            for event in ("INSERT", "UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f'CREATE TRIGGER "test_writes_{name}_{event}" AFTER {event} ON "{name}" '
                    f"BEGIN UPDATE test_writes SET n = n + 1 WHERE name = '{name}'; END"
                )


def _generous_limits() -> ratelimit.RateLimits:
    # Thousands of requests from one client would soon meet the real limits, and every later
    # answer would be a 429 that tests nothing else. The limits have tests of their own.
    huge = 10**9
    return ratelimit.RateLimits(
        Limit("submissions", huge, 60),
        Limit("sign-in-user", huge, 60),
        Limit("sign-in-client", huge, 60),
        Limit("reset-client", huge, 60),
        Limit("reset-user", huge, 60),
        Limit("sign-in-code-user", huge, 60),
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory, gazetteer: Path, seed_records) -> Iterator[Site]:
    settings = factories.site_settings(tmp_path_factory.mktemp("hostile"), gazetteer)
    engine = make_engine(settings)
    upgrade(engine)
    _count_writes(engine)
    slug, checked_slug = seed_records[0].slug, seed_records[1].slug
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ratelimit, "default_limits", _generous_limits)  # before the apps start
        # Every sign-in attempt hashes a password, slowly on purpose; hundreds are made here
        # to test what else is sent, so hashing is made cheap for this module.
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
        accounts._dummy_hash.cache_clear()
        with Session(engine) as session:
            catalogue.upsert_many(session, seed_records)
            cleaned, _ = activities.validate(factories.activity_values(title="Letters"))
            held = activities.create(session, slug, cleaned).public_id
            session.commit()
            reindex(session, backends.embedded(settings))
            accounts.create_moderator(session, "alice", PASSWORD, admin=True)
            accounts.create_moderator(session, "bob", PASSWORD)
            session.commit()
        with _browser(settings) as public, _browser(settings) as moderator:
            yield _site(engine, public, moderator, slug, checked_slug, held)
    accounts._dummy_hash.cache_clear()
    engine.dispose()


def _site(
    engine: Engine,
    public: TestClient,
    moderator: TestClient,
    slug: str,
    checked_slug: str,
    activity: str,
) -> Site:
    response = post_form(moderator, "/moderate/login", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 303
    clients = {PUBLIC: public, MODERATOR: moderator}
    route_samples = {
        "api_hsds_organization": {"id": hsds.organization_id(slug)},
        # Its accepted forms change the listing, which would leave the version that the
        # direct edit form was read with out of date, refusing every edit after.
        "moderate_listing": {"slug": checked_slug},
        # The prison register's addresses name prisons, not listings.
        "prison": {"slug": "hmp-leeds"},
        "api_prison": {"slug": "hmp-leeds"},
    }
    built = Site(engine, clients, {"slug": slug, "public_id": activity}, route_samples)
    built.new_open_submission()
    built.new_changes_requested()
    _discover(built)
    return built


def _browser(settings: Settings) -> TestClient:
    # Server errors as responses, to be counted with the rest; redirects as they are sent,
    # to check where they lead.
    return TestClient(create_app(settings), raise_server_exceptions=False, follow_redirects=False)


def _needs_moderator(route: BaseRoute) -> bool:
    path = getattr(route, "path", "")
    signing_in = path.startswith(("/moderate/login", "/moderate/reset"))
    return path.startswith("/moderate") and not signing_in


def _methods(route: BaseRoute) -> set[str]:
    return set(route.methods or ()) if isinstance(route, Route) else {"GET", "HEAD"}


def _path_parameters(route: BaseRoute) -> list[str]:
    if isinstance(route, Mount):
        return ["path"]  # the file asked for under /static
    return list(route.param_convertors) if isinstance(route, Route) else []


def _route(name: str) -> BaseRoute:
    return next(route for route in ROUTES if getattr(route, "name", None) == name)


def _route_for(action: str) -> Route | Mount | None:
    scope = {"type": "http", "path": action, "method": "POST"}
    return next((r for r in ROUTES if r.matches(scope)[0] == Match.FULL), None)


ROUTE_NAMES = [route.name for route in ROUTES if hasattr(route, "name")]
# Pages that answer only in a moment no hostile client can be in; their own tests send them
# bad input.
MOMENTARY = {
    "password_reset_choose": "a live link from an email (tests/test_mail.py)",
    "moderate_login_code": "a right password just before (tests/test_two_factor.py)",
}
GET_ROUTES = [
    route.name for route in ROUTES if "GET" in _methods(route) and route.name not in MOMENTARY
]
POST_ROUTES = [
    route.name for route in ROUTES if "POST" in _methods(route) and route.name not in MOMENTARY
]
PATH_ROUTES = [route.name for route in ROUTES if _path_parameters(route)]


def _viewers(names: list[str]) -> list[tuple[str, str]]:
    """(route, who): everyone for public routes; the public and a moderator for /moderate."""
    return [
        (name, who)
        for name in names
        for who in ((PUBLIC, MODERATOR) if _needs_moderator(_route(name)) else (PUBLIC,))
    ]


# Finding what each route reads: its query parameters and the forms that post to it -------


@dataclass
class Form:
    """A form as a page shows it: what a browser would send, and every control's name."""

    action: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    # The options of each radio group and select, where a person must pick one.
    choices: dict[str, list[str]] = field(default_factory=dict)
    button: tuple[str, str] | None = None

    def key(self) -> tuple[str, tuple[str, ...], tuple[str, str] | None]:
        return (self.action, tuple(self.names), self.button)

    def base(self, route_name: str) -> list[tuple[str, str]]:
        """What a person would send: the page's values, a choice made wherever none was, and
        valid answers typed into the visible fields."""
        pairs = list(self.pairs)
        for name, options in self.choices.items():
            if not any(key == name and value for key, value in pairs) and options:
                pairs = [(k, v) for k, v in pairs if k != name] + [(name, options[0])]
        answers = VALID_ANSWERS.get(route_name, lambda: {})()
        for name, value in answers.items():
            if name in self.names and name not in self.hidden:
                values = value if isinstance(value, list) else [value]
                pairs = [(k, v) for k, v in pairs if k != name] + [(name, v) for v in values]
        if self.button:
            pairs.append(self.button)
        return pairs


class _FormReader(HTMLParser):
    """Collects every POST form on a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._buttons: list[tuple[str, str]] = []
        self._text: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attributes}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form, self._buttons = Form(a.get("action") or self.page), []
            return
        form = self._form
        name = a.get("name")
        if form is None or not name:
            return
        if name not in form.names:
            form.names.append(name)
        kind = a.get("type", {"input": "text", "button": "submit"}.get(tag, tag)).lower()
        if kind == "submit":
            self._buttons.append((name, a.get("value", "")))
        elif tag == "textarea":
            self._text = (name, [])
        elif tag == "select":
            form.choices.setdefault(name, [])  # its options: see _read_forms
        elif kind in ("checkbox", "radio"):
            if kind == "radio":
                form.choices.setdefault(name, []).append(a.get("value", "on"))
            if "checked" in a:
                form.pairs.append((name, a.get("value", "on")))
        else:
            if kind == "hidden":
                form.hidden.add(name)
            form.pairs.append((name, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if form is None:
            return
        if tag == "textarea" and self._text is not None:
            name, parts = self._text
            form.pairs.append((name, "".join(parts).removeprefix("\n")))
            self._text = None
        elif tag == "form":
            # Sent with its first button: the others lead to the same checks of the fields.
            form.button = self._buttons[0] if self._buttons else None
            self.forms.append(form)
            self._form = None


_OPTION = re.compile(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
_OPTION_VALUE = re.compile(r'<option value="([^"]*)"( selected)?')


def _read_forms(page: str, html: str) -> list[Form]:
    """The POST forms on a page; options of selects are read here, as the parser skips them."""
    reader = _FormReader(page)
    reader.feed(html)
    selects = {name: _OPTION_VALUE.findall(body) for name, body in _OPTION.findall(html)}
    for form in reader.forms:
        for name, options in selects.items():
            if name in form.choices:
                form.choices[name] = [value for value, _ in options if value]
                chosen = [value for value, selected in options if selected and value]
                form.pairs += [(name, value) for value in chosen[:1]]
    return reader.forms


def _recording_query_reads(patch: pytest.MonkeyPatch, names: set[str]) -> None:
    """Note every query parameter name the app asks for, however it asks."""
    base = ImmutableMultiDict  # QueryParams's parent, which reads the parameters

    def getitem(self: QueryParams, key: str) -> str:
        names.add(key)
        return base.__getitem__(self, key)

    def getlist(self: QueryParams, key: str) -> list[str]:
        names.add(key)
        return base.getlist(self, key)

    def contains(self: QueryParams, key: object) -> bool:
        names.add(str(key))
        return base.__contains__(self, key)

    patch.setattr(QueryParams, "__getitem__", getitem)
    patch.setattr(QueryParams, "getlist", getlist)
    patch.setattr(QueryParams, "__contains__", contains)


def _discover(site: Site) -> None:
    read: set[str] = set()
    with pytest.MonkeyPatch.context() as patch:
        _recording_query_reads(patch, read)
        for route in ROUTES:
            if "GET" not in _methods(route) or getattr(route, "name", "") in MOMENTARY:
                continue
            who = MODERATOR if _needs_moderator(route) else PUBLIC
            read.clear()
            page = site.path(route)
            response = site.clients[who].get(page)
            assert response.status_code == 200, (page, response.status_code)
            site.reads[route.name] = set(read)
            for form in _read_forms(page, response.text):
                target = _route_for(form.action)
                known = site.forms.setdefault(target.name, []) if target else []
                # The sign-out form is on every moderator page: once is enough.
                if target is not None and form.key() not in {f.key() for f in known}:
                    known.append(form)


# What every response is checked for ---------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
_FORBIDDEN_TAGS = {"iframe", "frame", "object", "embed", "applet", "base", "style"}
_SCRIPT_DATA_TYPES = {"application/json", "application/ld+json"}
# Start tags and their attributes, read as a browser reads pages like ours (text escaped,
# attribute values quoted). html.parser reads them too, but some twenty times slower, over
# thousands of pages; test_the_tag_scanner_reads_pages_as_html_parser_does keeps them agreed.
_TAG = re.compile(r"""<([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    tags = []
    for tag in _TAG.finditer(html):
        attributes = []
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            value = next((v for v in attribute.groups()[1:] if v is not None), "")
            attributes.append((attribute.group(1).lower(), unescape(value)))
        tags.append((tag.group(1).lower(), attributes))
    return tags


def markup_problems(html: str) -> list[str]:
    """What an attacker would need a page to contain. Our templates use none of it (the CSP
    forbids inline script and style), so finding any means something got out of its place."""
    problems = []
    for tag, attributes in start_tags(html):
        a = dict(attributes)
        if tag in _FORBIDDEN_TAGS:
            problems.append(f"a <{tag}> element")
        if tag == "script" and not (
            a.get("src", "").startswith("/static/") or a.get("type") in _SCRIPT_DATA_TYPES
        ):
            problems.append("an inline or foreign <script>")
        if tag == "meta" and "http-equiv" in a:
            problems.append("a <meta http-equiv>")
        for name, value in attributes:
            if name.startswith("on"):
                problems.append(f"an event handler attribute {name}= on <{tag}>")
            elif name == "style":
                problems.append(f"a style attribute on <{tag}>")
            elif name in _URL_ATTRIBUTES and _is_script_url(value):
                problems.append(f"a script URL in {name}= on <{tag}>")
    return problems


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    handle_startendtag = handle_starttag


def _is_script_url(value: str) -> bool:
    squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:"))


def _same_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


def problems_with(response: httpx.Response, payload: Payload | None = None) -> list[str]:
    found = []
    if response.status_code >= 500:
        found.append(f"status {response.status_code}")
    body = response.text
    found += [f"leaks {secret!r}" for secret in hostile.NEVER_SENT if secret in body]
    location = response.headers.get("location")
    if location is not None and not _same_site(location):
        found.append(f"redirects off the site, to {location!r}")
    if "injected=1" in response.headers.get("set-cookie", ""):
        found.append("a header was injected")
    if response.headers.get("x-content-type-options") != "nosniff":
        found.append("no nosniff: a browser might render JSON or text as HTML")
    content_type = response.headers.get("content-type", "")
    # JSON and plain text are never rendered as HTML (nosniff): they may carry text as sent.
    if "html" in content_type or "xml" in content_type:
        lowered = body.lower()
        markers = payload.markers if payload else ()
        found += [f"echoes {m!r} unescaped" for m in markers if m.lower() in lowered]
    if "html" in content_type:
        found += markup_problems(body)
    return found


@dataclass
class Findings:
    """Problems gathered over many requests, so one failure shows every case that failed."""

    items: list[str] = field(default_factory=list)

    def add(self, where: str, problems: list[str]) -> None:
        self.items += [f"{where}: {problem}" for problem in problems]

    def assert_none(self) -> None:
        shown = "\n".join(self.items[:40])
        more = f"\n... and {len(self.items) - 40} more" if len(self.items) > 40 else ""
        assert not self.items, f"{len(self.items)} problems:\n{shown}{more}"


def _changes(before: dict[str, Sequence[Any]], after: dict[str, Sequence[Any]]) -> list[str]:
    return [f"changed rows in {name}" for name in before if before[name] != after[name]]


def _get(client: TestClient, url: str) -> httpx.Response:
    # The client library refuses URLs over 64 KiB (as servers do, with 414 or 431): those
    # are handed to the app directly, to see what it would make of them.
    if len(url) < 60_000:
        return client.get(url)
    path, _, query = url.partition("?")
    return _raw(client, "GET", path.encode(), query.encode())


def _with_query(path: str, name: str, payload: Payload) -> str:
    return f"{path}?{quote(name, safe='')}={payload.encoded()}"


def _encode(pairs: Sequence[tuple[str, str | Payload]]) -> bytes:
    def one(value: str | Payload) -> str:
        return value.encoded() if isinstance(value, Payload) else quote_plus(value)

    return "&".join(f"{quote_plus(name)}={one(value)}" for name, value in pairs).encode()


def _payloads(name: str, key: set[str]) -> list[Payload]:
    return CORPUS if name in key else SHORT


# The route table is covered ---------------------------------------------------------------


def test_every_route_is_reached_and_every_form_route_has_a_form(site):
    # Without this, a route whose sample path broke or whose form moved would be "covered"
    # by zero requests and pass.
    assert set(site.reads) == set(GET_ROUTES)
    assert set(POST_ROUTES) <= set(site.forms), set(POST_ROUTES) - set(site.forms)


def test_the_tag_scanner_reads_pages_as_html_parser_does(site):
    pages = [site.path(_route(name)) for name in GET_ROUTES]
    pages += [_with_query("/search", "q", payload) for payload in hostile.XSS]
    for page in pages:
        who = MODERATOR if page.startswith("/moderate") else PUBLIC
        html = site.clients[who].get(page).text
        parser = _StartTags()
        parser.feed(html)
        assert start_tags(html) == parser.tags, page


def test_the_parameters_read_are_the_documented_ones(site):
    # The recorder works: the search page reads what DESIGN.md says /search takes.
    documented = {"q", "kind", "country", "focus", "service", "near", "radius_km", "page"}
    assert documented | {"per_page"} <= site.reads["search"]
    # The page also reads which part of it is asked for (part=results, by static/search.js).
    assert site.reads["api_search"] == site.reads["search"] - {"part"}
    assert "modified_after" in site.reads["api_organisations"]
    assert "next" in site.reads["moderate_login"]
    assert "from" in site.reads["organisation"]
    assert {"name", "description", "contact", "csrf_token", "homepage"} <= {
        name for form in site.forms["submit"] for name in form.names
    }


# Query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(("route_name", "who"), _viewers(GET_ROUTES))
def test_query_parameters(site, route_name, who):
    route = _route(route_name)
    client = site.clients[who]
    path = site.path(route)
    findings = Findings()
    # "unexpected": a parameter no route reads must be ignored, whatever it holds.
    for name in sorted(site.reads[route_name] | {"unexpected"}):
        before = site.snapshot()
        for payload in _payloads(name, KEY_PARAMETERS.get(route_name, set())):
            url = _with_query(path, name, payload)
            findings.add(f"GET {url[:120]}", problems_with(_get(client, url), payload))
        findings.add(f"GET {path}?{name}=...", _changes(before, site.snapshot()))
    findings.assert_none()


def test_every_parameter_at_once(site):
    # Parameters meet: a bad page with a bad query near a bad place. Each is sent twice, a
    # good value first, as browsers do for repeated checkboxes.
    findings = Findings()
    several = [name for name in GET_ROUTES if len(site.reads[name]) > 1]
    assert "search" in several
    for route_name in several:
        route = _route(route_name)
        who = MODERATOR if _needs_moderator(route) else PUBLIC
        path = site.path(route)
        before = site.snapshot()
        for payload in CORPUS:
            query = "&".join(f"{n}=1&{n}={payload.encoded()}" for n in site.reads[route_name])
            response = _get(site.clients[who], f"{path}?{query}")
            findings.add(f"GET {path}?...={payload.id}", problems_with(response, payload))
        findings.add(f"GET {path}", _changes(before, site.snapshot()))
    findings.assert_none()


def test_a_search_named_by_from_is_made_safe_whatever_it_holds(site):
    # `from` is a query string of its own: each payload as each search parameter in it, and
    # as the whole of it with a listing's link around it.
    findings = Findings()
    path = site.path(_route("organisation"))
    for name in ("q", "near", "kind", "page"):
        for payload in CORPUS:
            if isinstance(payload.value, bytes):
                continue  # a query string within a query string is text
            came_from = f"{name}={payload.encoded()}"
            url = f"{path}?from={quote(came_from, safe='')}"
            findings.add(
                f"GET {url[:120]}", problems_with(_get(site.clients[PUBLIC], url), payload)
            )
    findings.assert_none()


# Path parameters (slugs, tokens, ids) -----------------------------------------------------

PATH_PAYLOADS = [*hostile.PATH, *SHORT, *hostile.NUMBERS, *hostile.CONTROL[:3]]


@pytest.mark.parametrize(("route_name", "who"), _viewers(PATH_ROUTES))
def test_path_parameters(site, route_name, who):
    route = _route(route_name)
    # Nothing can live at these addresses: not found; or, for a form sent without its token
    # or by the public to a moderator page, refused; or sent to sign in first.
    expected = {303, 403, 404} if who == PUBLIC and _needs_moderator(route) else {403, 404}
    findings = Findings()
    before = site.snapshot()
    for name in _path_parameters(route):
        for payload in PATH_PAYLOADS:
            path = site.path(route, **{name: payload.encoded()})
            for method in sorted(_methods(route) & {"GET", "POST"}):
                response = site.clients[who].request(method, path, content=b"", headers=FORM_TYPE)
                findings.add(f"{method} {path[:120]}", problems_with(response, payload))
                if response.status_code not in expected:
                    findings.add(f"{method} {path[:120]}", [f"{response.status_code}, not 404"])
    findings.add(route_name, _changes(before, site.snapshot()))
    findings.assert_none()


# Form fields ------------------------------------------------------------------------------


def _post(
    site: Site,
    who: str,
    route_name: str,
    pairs: list[tuple[str, str | Payload]],
    payload: Payload | None,
    findings: Findings,
    where: str,
    **request: Any,
) -> httpx.Response:
    """POST a form; only an accepted one (303) may change rows, and what it leads to is
    checked too (the status page or queue that shows what was sent)."""
    client = site.clients[who]
    before = site.snapshot()
    body = request.pop("content", None)
    path = site.path(_route(route_name))
    response = client.post(
        path, content=_encode(pairs) if body is None else body, **{"headers": FORM_TYPE, **request}
    )
    findings.add(where, problems_with(response, payload))
    if response.status_code == 303:
        location = response.headers["location"]
        findings.add(f"{where} -> {location}", problems_with(client.get(location), payload))
        site.close_sent(location)
        if route_name in RENEW:
            RENEW[route_name](site)
    else:
        findings.add(where, _changes(before, site.snapshot()))
    return response


def _with_value(
    pairs: list[tuple[str, str]], name: str, value: Payload
) -> list[tuple[str, str | Payload]]:
    kept: list[tuple[str, str | Payload]] = [(k, v) for k, v in pairs if k != name]
    return [*kept, (name, value)]


# Forms no payload can make acceptable: a wrong password by design; nothing but a token;
# every form there asks for a code from the moderator's app.
NEVER_ACCEPTED = {"moderate_login", "moderate_logout", "moderate_two_factor"}
# Forms whose every field is a web address, a date or a hidden value, which no payload is:
# sent as filled in, after the payloads, they must be accepted instead.
ONLY_EXACT_ANSWERS = {"moderate_listing"}


@pytest.mark.parametrize(("route_name", "who"), _viewers(POST_ROUTES))
def test_form_fields(site, route_name, who):
    findings = Findings()
    accepted = 0
    # The public is refused before a moderator form is read: one payload per field shows it.
    locked = who == PUBLIC and _needs_moderator(_route(route_name))
    for form in site.forms[route_name]:
        for name in form.names:
            payloads = SHORT[:1] if locked else _payloads(name, KEY_FIELDS.get(route_name, set()))
            for payload in payloads:
                pairs = _with_value(form.base(route_name), name, payload)
                where = f"POST {route_name} {form.button or ''} {name}={payload.id}"
                response = _post(site, who, route_name, pairs, payload, findings, where)
                accepted += response.status_code == 303
                if locked and response.status_code != 403:
                    findings.add(where, [f"{response.status_code} for the public, not 403"])
    if route_name in ONLY_EXACT_ANSWERS and not locked:
        for form in site.forms[route_name]:
            where = f"POST {route_name} {form.button or ''} as filled in"
            response = _post(site, who, route_name, form.base(route_name), None, findings, where)
            accepted += response.status_code == 303
    findings.assert_none()
    # Harmless payloads got through, so the payloads reached past the first check: a form
    # whose base answers were wrong, or a rate limit, would refuse everything, testing little.
    assert accepted or locked or route_name in NEVER_ACCEPTED


@pytest.mark.parametrize(("route_name", "who"), _viewers(POST_ROUTES))
def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(site, route_name, who):
    findings = Findings()
    # A real token, valid in the other browser's session only.
    other = csrf_token(site.clients[MODERATOR if who == PUBLIC else PUBLIC], "/submit")
    for form in site.forms[route_name]:
        base = form.base(route_name)
        cases = {
            "missing": [(k, v) for k, v in base if k != "csrf_token"],
            "empty": _with_value(base, "csrf_token", Payload("empty", "")),
            "another session's": _with_value(base, "csrf_token", Payload("other", other)),
        }
        for case, pairs in cases.items():
            where = f"POST {route_name} {form.button or ''} with a {case} token"
            response = _post(site, who, route_name, pairs, None, findings, where)
            if response.status_code != 403:
                findings.add(where, [f"{response.status_code}, not 403"])
    findings.assert_none()


# Whole requests: content types, methods, sizes, raw bytes ---------------------------------


@pytest.mark.parametrize("route_name", POST_ROUTES)
def test_wrong_content_types_to_forms(site, route_name):
    who = MODERATOR if _needs_moderator(_route(route_name)) else PUBLIC
    findings = Findings()
    for case, content_type, body in hostile.WRONG_CONTENT_TYPES:
        headers = {"content-type": content_type} if content_type else {}
        response = _post(
            site,
            who,
            route_name,
            [],
            None,
            findings,
            f"{case} to {route_name}",
            content=body,
            headers=headers,
        )
        # None of these carries the form's token, so none may be accepted.
        if response.status_code not in (400, 403, 413):
            findings.add(f"{case} to {route_name}", [f"{response.status_code}"])
    findings.assert_none()


@pytest.mark.parametrize("route_name", ROUTE_NAMES)
def test_methods_a_route_does_not_take_are_refused(site, route_name):
    route = _route(route_name)
    who = MODERATOR if _needs_moderator(route) else PUBLIC
    path = site.path(route)
    findings = Findings()
    before = site.snapshot()
    refused = [m for m in [*hostile.ODD_METHODS, "POST"] if m not in _methods(route)]
    for method in refused:
        # A form post to a page or to the JSON API is one of these.
        body = b"csrf_token=x&name=%3Cscript%3E" if method == "POST" else b""
        response = site.clients[who].request(method, path, content=body, headers=FORM_TYPE)
        findings.add(f"{method} {path}", problems_with(response))
        if response.status_code != 405:
            findings.add(f"{method} {path}", [f"{response.status_code}, not 405"])
    findings.add(route_name, _changes(before, site.snapshot()))
    findings.assert_none()


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 8192):
        yield data[start : start + 8192]


@pytest.mark.parametrize("route_name", POST_ROUTES)
def test_bodies_over_the_limit_are_refused(site, route_name):
    who = MODERATOR if _needs_moderator(_route(route_name)) else PUBLIC
    assert len(hostile.HUGE_BODY) > MAX_BODY_BYTES
    findings = Findings()
    for case, body in (("declared", hostile.HUGE_BODY), ("chunked", _chunks(hostile.HUGE_BODY))):
        response = _post(site, who, route_name, [], None, findings, case, content=body)
        if response.status_code != 413:
            findings.add(f"{case} body to {route_name}", [f"{response.status_code}, not 413"])
        elif "too much to send" not in response.text:
            findings.add(f"{case} body to {route_name}", ["no friendly explanation"])
    findings.assert_none()


def _raw(
    client: TestClient,
    method: str,
    raw_path: bytes,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: bytes = b"",
) -> httpx.Response:
    """A request exactly as given, bytes and all, which an HTTP client library would tidy
    up (normalise dot segments, encode bytes) before sending."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *_cookies(client), *(headers or [])],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
        "state": client.app_state.copy(),
        "extensions": {},
    }
    messages: list[Message] = []
    request_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if request_sent:  # the browser stays connected until the response is complete
            await anyio.sleep_forever()
        request_sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    async def run() -> None:
        # A server error is raised again after its 500 page was sent: the status tells it.
        with contextlib.suppress(Exception):
            await client.app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(run)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return httpx.Response(
        start["status"],
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
        content=content,
    )


def _cookies(client: TestClient) -> list[tuple[bytes, bytes]]:
    jar = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return [(b"cookie", jar.encode())] if jar else []


def test_raw_paths_never_reach_outside_the_site(site):
    findings = Findings()
    before = site.snapshot()
    for path in hostile.RAW_PATHS:
        response = _raw(site.clients[PUBLIC], "GET", path.encode("latin-1"))
        findings.add(f"GET {path!r}", problems_with(response))
        if response.status_code not in (303, 400, 404):
            findings.add(f"GET {path!r}", [f"{response.status_code}"])
        if b"DEVELOPMENT_SECRET" in response.content or b"from __future__" in response.content:
            findings.add(f"GET {path!r}", ["served source code"])
    findings.add("raw paths", _changes(before, site.snapshot()))
    findings.assert_none()


# Exactly as sent: a client library would "repair" the broken escapes first. (Raw bytes over
# 0x7F never get this far: uvicorn answers 400 to a request line holding them.)
RAW_QUERIES = [
    b"q=%FF%FE%3Cscript%3Ealert(1)%3C/script%3E",
    b"q=%C3(&kind=%ED%A0%80&page=%FF",
    b"%FF=%FF&%00=%00",
    b"q=%&near=%zz&page=%u0031",
    b"q=books&&&=&==&q",
    b"q=books;kind=abc-group;page=2",
    b"modified_after=%FF&next=/moderate%FF",
    b"q=" + b"%" * 2000,
]


@pytest.mark.parametrize("route_name", GET_ROUTES)
def test_raw_broken_query_strings(site, route_name):
    route = _route(route_name)
    who = MODERATOR if _needs_moderator(route) else PUBLIC
    path = site.path(route).encode()
    findings = Findings()
    before = site.snapshot()
    for query in RAW_QUERIES:
        response = _raw(site.clients[who], "GET", path, query)
        findings.add(f"GET {path!r}?{query!r}", problems_with(response, hostile.BY_ID["script"]))
    findings.add(route_name, _changes(before, site.snapshot()))
    findings.assert_none()


def test_raw_bytes_in_the_request_line_never_reach_the_app(site):
    # Starlette's request.url cannot decode a query string that is not UTF-8, so pages using
    # it would fail; but uvicorn, which serves the directory, refuses such a request line
    # itself. (Browsers percent-encode these bytes: the tests above send them so.)
    server = uvicorn.Server(
        uvicorn.Config(create_app(_settings(site)), host="127.0.0.1", port=0, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        for target in (b"/submit?q=\xff\xfe", b"/search?q=caf\xc3", b"/organisations/\xff"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                status = connection.recv(100).split(b"\r\n")[0]
            assert status.startswith(b"HTTP/1.1 400"), (target, status)
    finally:
        server.should_exit = True
        thread.join(10)


HOSTILE_HEADERS = [
    [(b"cookie", b"directory_session=" + b"A" * 5000)],
    [(b"cookie", b"directory_session=\xff\xfe; other=\x00")],
    [(b"cookie", b'directory_session="unterminated; ;;; =')],
    [(b"content-length", b"not a number")],
    [(b"content-length", b"-5")],
    [(b"content-length", b"99999999999999999999999")],
    [(b"content-type", b"application/x-www-form-urlencoded; charset=\xff")],
    [(b"content-type", b'multipart/form-data; boundary="' + b"x" * 5000)],
]


@pytest.mark.parametrize("route_name", POST_ROUTES)
def test_hostile_headers_on_form_routes(site, route_name):
    # As the public: the cookie headers here stand in for the browser's own.
    path = site.path(_route(route_name)).encode()
    findings = Findings()
    before = site.snapshot()
    for headers in HOSTILE_HEADERS:
        for method in ("GET", "POST"):
            response = _raw(site.clients[PUBLIC], method, path, headers=headers, body=b"name=x")
            findings.add(f"{method} {path!r} {headers[0][0]!r}", problems_with(response))
    findings.add(route_name, _changes(before, site.snapshot()))
    findings.assert_none()


# Stored: what was accepted is shown escaped wherever it appears later ----------------------

STORED = [*hostile.XSS, *hostile.TEMPLATE, hostile.BY_ID["null-inside"]]
_FREE_TEXT = (
    "region",
    "city",
    "postal_address",
    "postal_address_note",
    "letter_instructions",
    "how_to_ask",
    "opening_hours",
    "prisons_served",
    "accessibility",
)


@pytest.mark.parametrize("payload", STORED, ids=str)
def test_accepted_hostile_text_is_shown_escaped_everywhere(site, payload):
    public, moderator = site.clients[PUBLIC], site.clients[MODERATOR]
    text = str(payload.value)
    name = f"Hostile Group {next(_serial)} {text}"[:200]
    values = factories.listing_form(
        name=name,
        alternate_names=text,
        description=f"Books and letters for people inside. {text}",
        areas_served_note=text,
        contact=text,
        note=text,
        **dict.fromkeys(_FREE_TEXT, text),
    )
    sent = post_form(public, "/submit", values)
    findings = Findings()
    if sent.status_code != 303:  # refused (say, control characters): refused cleanly
        findings.add("submit", problems_with(sent, payload))
        findings.assert_none()
        return
    token = token_of(sent)
    review = f"/moderate/submissions/{_submission(site, token).id}"

    def look(client: TestClient, *paths: str) -> None:
        for path in paths:
            response = client.get(path)
            findings.add(f"GET {path}", problems_with(response, payload))
            if response.status_code != 200:
                findings.add(f"GET {path}", [f"{response.status_code}"])

    look(public, f"/submissions/{token}")
    look(moderator, "/moderate", review)
    asked = post_form(
        moderator, review, {"decision": "request_changes", "decision_reason": text or "x"}
    )
    findings.add("request changes", problems_with(asked, payload))
    look(public, f"/submissions/{token}", f"/submissions/{token}/revise")
    look(moderator, review)  # the reason given, as other moderators see it
    revised = post_form(public, f"/submissions/{token}/revise", values)
    findings.add("revise", problems_with(revised, payload))
    approved = _approve(moderator, review)
    findings.add("approve", problems_with(approved, payload))
    assert approved.status_code == 303, findings.items
    slug = _submission(site, token).organisation_slug
    look(
        public,
        f"/organisations/{slug}",
        "/search?q=hostile+group",
        "/print?q=hostile+group",
        "/feed.atom",
        "/sitemap.xml",
        f"/organisations/{slug}/edit",
        f"/organisations/{slug}/report",
    )
    look(moderator, f"/moderate/organisations/{slug}/history", review)
    findings.assert_none()


def _submission(site: Site, token: str) -> Any:
    with Session(site.engine, expire_on_commit=False) as session:
        found = moderation.get_by_token(session, token)
        assert found is not None
        return found


def _approve(client: TestClient, review: str) -> httpx.Response:
    html = client.get(review).text
    form = next(f for f in _read_forms(review, html) if f.button == ("decision", "approve"))
    return client.post(review, content=_encode(form.base("")), headers=FORM_TYPE)


# Signing in never sends anyone off the site -------------------------------------------------

NEXT_PAYLOADS = [*hostile.REDIRECT, *hostile.PATH, *hostile.XSS[:5], hostile.BY_ID["null"]]


@pytest.mark.parametrize("payload", NEXT_PAYLOADS, ids=str)
def test_signing_in_never_redirects_off_the_site(site, payload):
    with _browser(_settings(site)) as browser:
        login = _with_query("/moderate/login", "next", payload)
        page = browser.get(login)
        form = next(f for f in _read_forms(login, page.text) if "password" in f.names)
        pairs = [(k, v) for k, v in form.base("moderate_login") if k != "password"]
        response = browser.post(
            "/moderate/login",
            content=_encode([*pairs, ("password", PASSWORD)]),
            headers=FORM_TYPE,
        )
    assert response.status_code == 303, response.text[:300]
    # Somewhere in moderation, on this site: "/moderate@evil.example" is a path here.
    location = response.headers["location"]
    assert _same_site(location) and location.startswith("/moderate"), location
    assert not problems_with(response, payload)


def _settings(site: Site) -> Settings:
    return state_of(site.clients[PUBLIC]).settings


# Identifiers that cannot exist, on every database -------------------------------------------


NO_SUCH_ROW = [
    "/organisations/%00",
    "/organisations/a%00b/edit",
    "/organisations/a%00b/report",
    "/api/organisations/%00",
    "/api/hsds/organizations/%00",
    "/submissions/%00",
    "/submissions/%00/revise",
    "/moderate/organisations/%00/history",
    "/moderate/submissions/2147483648",
    "/moderate/submissions/99999999999999999999999",
]


@pytest.mark.databases
def test_identifiers_no_row_can_have_are_not_found(moderator_client):
    # PostgreSQL refuses NUL in text and integers over its column's range; SQLite refuses
    # integers over 64 bits. Either way, nothing can have such an address: 404.
    for path in NO_SUCH_ROW:
        response = moderator_client.get(path)
        assert response.status_code == 404, path
        assert "not found" in response.text.lower() or "no organi" in response.text.lower()


@pytest.mark.databases
def test_a_username_no_account_can_have_is_just_a_wrong_sign_in(client, moderators):
    response = post_form(
        client, "/moderate/login", {"username": "alice\x00", "password": moderators["alice"]}
    )
    assert response.status_code == 400
    assert "do not match an active moderator" in response.text


@pytest.mark.databases
def test_deactivating_a_username_no_account_can_have_says_there_is_none(moderator_client):
    response = post_form(
        moderator_client, "/moderate/moderators", {"action": "deactivate", "username": "b\x00b"}
    )
    assert response.status_code == 400
    assert "There is no moderator called" in response.text


@pytest.mark.databases
def test_moments_outside_the_years_1_to_9999_in_utc_are_a_clear_400(client):
    # In UTC these fall before year 1 or after year 9999, which Python cannot represent.
    for path in ("/api/organisations", "/api/hsds/organizations"):
        for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
            response = client.get(path, params={"modified_after": moment})
            assert response.status_code == 400, (path, moment)
            assert "years 1 to 9999" in response.json()["fields"]["modified_after"]
    # The first moment there is, in UTC, is still one: everything changed after it.
    response = client.get("/api/organisations", params={"modified_after": "0001-01-01T00:00:00Z"})
    assert response.status_code == 200
    assert response.json()["total"] > 0


# Bugs the corpus found, each shown on its own ---------------------------------------------


def test_many_languages_are_refused_quickly_with_a_clear_message(client):
    # Each unknown name was looked up in every language there is (~8 ms each): a 64 KB form
    # of "zz," kept a worker busy for minutes.
    started = time.monotonic()
    response = submit_new(client, languages="zz," * 10_000)
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert "at most 20 languages" in response.text


def test_the_meilisearch_filter_holds_each_value_as_one_quoted_string():
    # The web layer only passes vocabulary values, but the filter must hold anything safely.
    pattern = re.compile(r'^kind = "((?:[^"\\]|\\.)*)"$', re.S)
    for payload in CORPUS:
        if not isinstance(payload.value, str):
            continue
        [[condition]] = filter_expression({"kind": (payload.value,)}, None)
        match = pattern.match(condition)
        assert match, (payload.id, condition)
        assert re.sub(r"\\(.)", r"\1", match.group(1), flags=re.S) == payload.value


def test_meilisearch_queries_carry_words_only():
    # Quotes (phrases) and a leading minus (exclusion) are Meilisearch syntax: what is typed
    # never becomes it; only whole words the index holds are quoted, by the backend itself.
    for payload in CORPUS:
        if isinstance(payload.value, str):
            sent = meili.meili_query(payload.value)
            assert re.fullmatch(r"[^\W_]*(?: [^\W_]+)* ?", sent), (payload.id, sent)
            words = plain(payload.value).words
            held = Plan.of(payload.value, Understood(words, known=words), None).q()
            assert re.fullmatch(r'(?:"?[^\W_]+"?(?: "?[^\W_]+"?)*)? ?', held), (payload.id, held)
