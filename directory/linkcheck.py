"""Check listings' websites: concurrently, politely, and without trusting what comes back.

Politely means: a timeout on every request, a small number of requests at once, at most
two at a time to any one host, HEAD first (no body) and GET only when HEAD is refused,
and a User-Agent that says who we are.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, select

from directory.models import LinkCheck, Organisation, utcnow

USER_AGENT = "PrisonerSupportDirectory-LinkCheck/1 (checks listed websites; no crawling)"
CONCURRENCY = 8
PER_HOST = 2
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
_HEAD_REFUSED = {403, 405, 501}
# The size of LinkCheck.final_url. PostgreSQL refuses a longer value, which would lose every
# result of the run; where a redirect ended is only a detail, so a longer one is not kept.
_FINAL_URL_MAX = 2000


@dataclass(frozen=True)
class Result:
    slug: str
    url: str
    ok: bool
    status_code: int | None
    final_url: str | None
    error: str | None


def websites(session: Session) -> list[tuple[str, str]]:
    """(slug, website) for every listing that has a website, in slug order."""
    rows = session.exec(
        select(Organisation.slug, Organisation.website)
        .where(Organisation.website.is_not(None))  # type: ignore[union-attr]
        .order_by(Organisation.slug)
    ).all()
    return [(slug, url) for slug, url in rows if url]


async def check(
    targets: Sequence[tuple[str, str]],
    *,
    concurrency: int = CONCURRENCY,
    per_host: int = PER_HOST,
    timeout: float = TIMEOUT_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Check every (slug, url); results in the order given."""
    overall = asyncio.Semaphore(concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
    async with httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    ) as client:

        async def one(slug: str, url: str) -> Result:
            async with overall, hosts[urlsplit(url).hostname or ""]:
                result = await _check_one(client, slug, url)
            if progress is not None:
                progress(result)
            return result

        return list(await asyncio.gather(*(one(slug, url) for slug, url in targets)))


async def _check_one(client: httpx.AsyncClient, slug: str, url: str) -> Result:
    try:
        response = await client.head(url)
        if response.status_code in _HEAD_REFUSED:
            async with client.stream("GET", url) as streamed:  # headers only; body unread
                response = streamed
    except httpx.TooManyRedirects:
        return Result(slug, url, False, None, None, "too many redirects")
    except httpx.TimeoutException:
        return Result(slug, url, False, None, None, "timed out")
    except httpx.HTTPError as error:
        return Result(slug, url, False, None, None, _describe(error))
    final = str(response.url)
    return Result(
        slug,
        url,
        response.status_code < 400,
        response.status_code,
        final if final != url and len(final) <= _FINAL_URL_MAX else None,
        None if response.status_code < 400 else f"HTTP {response.status_code}",
    )


def _describe(error: httpx.HTTPError) -> str:
    kind = type(error).__name__
    return {"ConnectError": "could not connect", "InvalidURL": "not a valid address"}.get(
        kind, kind
    )[:300]


def record(session: Session, results: Iterable[Result]) -> None:
    """Keep the latest result for each listing."""
    for result in results:
        row = session.get(LinkCheck, result.slug) or LinkCheck(
            organisation_slug=result.slug, url=result.url, ok=result.ok
        )
        row.url, row.ok, row.status_code = result.url, result.ok, result.status_code
        row.final_url, row.error, row.checked_at = result.final_url, result.error, utcnow()
        session.add(row)


def failing(session: Session) -> list[LinkCheck]:
    """Listings whose website did not answer properly at the last check, oldest check first."""
    return list(
        session.exec(
            select(LinkCheck)
            .join(Organisation, Organisation.slug == LinkCheck.organisation_slug)  # type: ignore[arg-type]
            .where(LinkCheck.ok == False)  # noqa: E712
            .where(Organisation.website == LinkCheck.url)
            .order_by(LinkCheck.checked_at)  # type: ignore[arg-type]
        ).all()
    )


def latest(session: Session, slug: str) -> LinkCheck | None:
    return session.get(LinkCheck, slug)
