"""The trailing-slash redirect ("/search/" -> "/search"), to a path on this site.

Starlette's own builds an absolute URL from the request's Host header, so `Host: evil.example`
got a redirect to evil.example, which a cache in front of the site would keep and send to
every later visitor. A path-only Location is resolved by the browser against the address it
actually asked, like every other redirect of ours.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send


class SlashRedirect:
    """The router's answer when no route matches: redirect if the other form of the path
    (with or without its trailing slash) matches one, else the friendly 404."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self._other_form(scope) if scope["type"] == "http" else None
        if target is None:
            await self.router.not_found(scope, receive, send)
            return
        await RedirectResponse(target)(scope, receive, send)

    def _other_form(self, scope: Scope) -> str | None:
        path: str = scope["path"]
        if path == "/":
            return None
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        candidate = {**scope, "path": other}
        if not any(route.matches(candidate)[0] is not Match.NONE for route in self.router.routes):
            return None
        # One leading slash: "//host/..." would be read as another site's address.
        location = str(scope.get("root_path", "")) + "/" + other.lstrip("/")
        query: bytes = scope.get("query_string", b"")
        return location + ("?" + query.decode("latin-1") if query else "")
