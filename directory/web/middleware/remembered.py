"""Pages made from the search index alone, kept finished while the index is unchanged; and
conditional requests for them (ETag, 304 Not Modified).

The home page, the search page and /api/search depend only on the parameters they know, the
day (pages print the date) and the search index. While the index is unchanged the same
parameters get the same bytes, so the finished body is kept, compressed once: asked again, it
is sent without searching, rendering, encoding or compressing anything. Its ETag lets a
browser that already has the page ask whether it changed and get "304 Not Modified" with no
body, which matters to people paying for every megabyte on a phone.

Pages are kept under their known parameters, normalised, never under the address as sent:
anyone can add parameters we ignore (60 KB of padding, a counter), and each address would be
a new page to keep. The store counts the keys' bytes with the pages' against its limit.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import date
from typing import NamedTuple

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from directory.caches import Caches, Shelf
from directory.recent import size_of
from directory.web.middleware import compression, security
from directory.web.params import parse_search, results_only
from directory.web.state import app_state

# Bytes of finished pages kept, over all addresses and index states (a search page is about
# 30 KB, 6 KB compressed; an /api/search answer about a third of that).
KEPT_BYTES = 32 * 1024 * 1024
LARGEST_KEPT = 512 * 1024  # bytes; larger pages are made afresh every time
# Browsers may keep these, but ask each time whether they changed (a 304 costs ~200 bytes).
CACHE_CONTROL = "no-cache"

Endpoint = Callable[[Request], Awaitable[Response]]
# What a page shows, from its query string: None when that cannot be told (the page is then
# made afresh every time).
PageKey = Callable[[QueryParams], Hashable | None]


def search_parameters(params: QueryParams) -> Hashable | None:
    """The search a page shows, normalised ("q=+books+&page=1" is "q=books"); unknown
    parameters are left out. None when a parameter was refused or cut short: the page then
    quotes what was sent ("Unknown kind ignored: ..."), so it is not the same for every such
    address."""
    parsed = parse_search(params)
    if parsed.problems:
        return None
    query = parsed.query
    return (
        query.q,
        # In a fixed order of fields, values as given; tuples, not lists, so that the key is
        # flat (caches.py): a list in it kept five objects a page in the collector's passes.
        tuple((name, tuple(values)) for name, values in query.filters.items()),
        query.page,
        query.per_page,
        parsed.near,
        parsed.radius_km,
    )


def search_page_parameters(params: QueryParams) -> Hashable | None:
    """As search_parameters, and whether the whole page or only its results region is asked
    for (by static/search.js): two bodies, two ETags, never kept under one key."""
    shown = search_parameters(params)
    return None if shown is None else (shown, results_only(params))


def no_parameters(_params: QueryParams) -> Hashable:
    """For a page that reads nothing from its query string."""
    return ()


# Tuples, not lists: tuples of bytes are left out of the garbage collector's scans, and
# thousands of pages are kept.
Headers = tuple[tuple[bytes, bytes], ...]
_CACHE_CONTROL = (b"cache-control", CACHE_CONTROL.encode())
_VARY = (b"vary", b"Accept-Encoding")
_GZIP = (b"content-encoding", b"gzip")
_ETAG = b"etag"
_CONTENT_TYPES: dict[str, tuple[bytes, bytes]] = {}  # each header once, for every page
# What every page holds the same object of: not counted in any one page's weight.
_SHARED = {id(part) for header in (_CACHE_CONTROL, _VARY, _GZIP) for part in (header, *header)}
_SHARED.add(id(_ETAG))


class Finished(NamedTuple):
    """One finished page, ready to send in either encoding, or as "not modified". Bytes and
    strings: flat, as what is kept must be (caches.py)."""

    body: bytes
    gzipped: bytes | None  # None when too small to be worth compressing
    etag: str
    headers: Headers  # for the body as it is
    gzipped_headers: Headers
    not_modified_headers: Headers

    @classmethod
    def of(cls, response: Response) -> Finished:
        body = bytes(response.body)
        gzipped = compression.gzipped(body)
        # Weak: the identity and gzip bodies are the same page and share the tag.
        etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        common = [(_ETAG, etag.encode()), _CACHE_CONTROL]
        if gzipped is not None:
            common.append(_VARY)
        content_type = _content_type(response.headers["content-type"])
        return cls(
            body=body,
            gzipped=gzipped,
            etag=etag,
            headers=(*common, content_type, _length(body)),
            gzipped_headers=(
                (*common, content_type, _GZIP, _length(gzipped)) if gzipped is not None else ()
            ),
            not_modified_headers=tuple(common),
        )

    def size(self) -> int:
        """Bytes it holds: both bodies, its tag and headers, leaving out the headers every
        page holds the same object of."""
        return size_of(tuple(self), _SHARED)

    def response_to(self, request: Request) -> Response:
        return _Ready(
            *self.answer(
                request.headers.get("if-none-match", ""),
                request.headers.get("accept-encoding", ""),
            )
        )

    def answer(self, if_none_match: str, accept_encoding: str) -> tuple[int, bytes, Headers]:
        """Status, body and headers for a request with these two headers."""
        if _unchanged(if_none_match, self.etag):
            return 304, b"", self.not_modified_headers
        if self.gzipped is not None and compression.accepts(accept_encoding):
            return 200, self.gzipped, self.gzipped_headers
        return 200, self.body, self.headers


class _Ready(Response):
    """A response whose headers were prepared once: each request gets its own copy, as the
    middleware may add to them."""

    def __init__(self, status_code: int, body: bytes, headers: Headers) -> None:
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = list(headers)


def _content_type(value: str) -> tuple[bytes, bytes]:
    header = _CONTENT_TYPES.get(value)
    if header is None:
        header = (b"content-type", value.encode("latin-1"))
        if len(_CONTENT_TYPES) < 16:  # a few kinds of page, but never a store of its own
            _CONTENT_TYPES[value] = header
            _SHARED.update(id(part) for part in (header, *header))
    return header


def _length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", str(len(body)).encode())


class Remembered:
    """Finished pages by key (index state, path, parameters, day), in the process's caches
    (or, without them, in a store of `limit` bytes of its own), keys included; the least
    recently asked go first."""

    def __init__(
        self,
        limit: int = KEPT_BYTES,
        largest: int = LARGEST_KEPT,
        shelf: Shelf[tuple[object, ...]] | None = None,
    ) -> None:
        self.largest = largest
        # Kept as plain tuples: the collector leaves those out of its passes, never a
        # subclass's instances (as a Finished is).
        self._pages = Caches(limit).shelf("pages") if shelf is None else shelf

    def get(self, key: Hashable) -> Finished | None:
        found = self._pages.get(key)
        return None if found is None else Finished._make(found)

    def put(self, key: Hashable, page: Finished) -> None:
        if len(page.body) <= self.largest:
            self._pages.put(key, tuple(page), page.size())

    @property
    def total(self) -> int:
        """Bytes kept (with every other shelf of the same caches)."""
        return self._pages.caches.total

    def __len__(self) -> int:
        return len(self._pages)


def remembered(by: PageKey) -> Callable[[Endpoint], Endpoint]:
    """Serves an endpoint's successful pages from memory while the search index is unchanged,
    with an ETag either way, keyed `by` what the page reads from its query string. Only for
    GET endpoints whose page depends on nothing but that, the day and the index (no session,
    no form, nobody's own data)."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def respond(request: Request) -> Response:
            memory = app_state(request).remembered
            key = _key(request.scope, by)
            page = memory.get(key) if key is not None else None
            if page is None:
                response = await endpoint(request)
                if response.status_code != 200 or "content-encoding" in response.headers:
                    return response
                page = Finished.of(response)
                if key is not None:
                    memory.put(key, page)
            return page.response_to(request)

        respond.kept_by = by  # type: ignore[attr-defined]  # KeptPages may answer for it
        return respond

    return wrap


_STATE = "directory.index_state"  # where a request keeps the index's state, read once


def _key(scope: Scope, by: PageKey) -> Hashable | None:
    # The index's state is read before searching, so a page kept under it was made from that
    # state or a later one, never an earlier one; read once a request (a kept page looked
    # for, then the page kept under the same key).
    if _STATE in scope:
        state = scope[_STATE]
    else:
        state = scope[_STATE] = app_state(scope).search.state()
    if state is None:
        return None
    shown = by(QueryParams(scope["query_string"]))
    if shown is None:
        return None
    return (state, scope["path"], shown, date.today())


def _unchanged(if_none_match: str, etag: str) -> bool:
    """If-None-Match compared the weak way (RFC 9110 13.1.2), as GET requests should be."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


class KeptPages:
    """Sends a kept page before the rest of the application sees the request: no routing,
    session, compression or error layers for what is already finished (kept pages never touch
    the session, so the session layer would add nothing). Everything else goes the whole way,
    where `remembered` keeps the pages this sends."""

    def __init__(self, app: ASGIApp, paths: Mapping[str, PageKey], base_url: str = "") -> None:
        self.app = app
        self.paths = paths  # what each page is kept by
        self.security_headers = security.headers_for(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in self.paths:
            answer = self._kept(scope, self.paths[scope["path"]])
            if answer is not None:
                status, body, headers = answer
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [*headers, *self.security_headers],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _kept(self, scope: Scope, by: PageKey) -> tuple[int, bytes, Headers] | None:
        if_none_match = accept_encoding = ""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif name == b"accept-encoding":
                accept_encoding = value.decode("latin-1")
        key = _key(scope, by)
        page = app_state(scope).remembered.get(key) if key is not None else None
        return page.answer(if_none_match, accept_encoding) if page is not None else None
