"""A bare Starlette JSON endpoint: the yardstick the load benchmark compares the directory to."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "hits": []})


app = Starlette(routes=[Route("/api/search", hello)])
