"""Endpoint plumbing shared by the form pages: read the form, then do the blocking work."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

FormHandler = Callable[[Request, FormData | None], Response]
NO_STORE = {"cache-control": "no-store"}


def form_endpoint(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that reads a POSTed form (no file uploads), then runs `handler` in a thread.

    Reading the body needs the event loop; the handler's database work and password hashing
    block, so they run in the thread pool like Starlette's plain sync endpoints do.
    """

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        form = await request.form(max_files=0) if request.method == "POST" else None
        return await run_in_threadpool(handler, request, form)

    return endpoint
