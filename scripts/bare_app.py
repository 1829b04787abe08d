"""A bare Starlette JSON endpoint: the yardstick the load benchmark compares the directory to."""

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request):  # type: ignore[no-untyped-def]
    return JSONResponse({"ok": True, "hits": []})


app = Starlette(routes=[Route("/api/search", hello)])
