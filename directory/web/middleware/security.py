"""Security headers on every response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Browsers keep to https for a year after seeing this, for the site and its subdomains: sent
# only when the site is served over https, or a plain-http site would lock itself out.
STRICT_TRANSPORT_SECURITY = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def headers_for(base_url: str) -> list[tuple[bytes, bytes]]:
    """The security headers of a site served at base_url (DIRECTORY_BASE_URL)."""
    if base_url.lower().startswith("https://"):
        return [*HEADERS, STRICT_TRANSPORT_SECURITY]
    return list(HEADERS)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, base_url: str = "") -> None:
        self.app = app
        self.headers = headers_for(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
