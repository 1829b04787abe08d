"""Heavy pages: kept by what they show, made once however many ask, a few at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from starlette.responses import HTMLResponse, Response

from directory.web.middleware.remembered import Finished
from directory.web.views.heavy import Busy, HeavyPages
from tests.web import replace_state


class _Maker:
    """Makes pages that are finished only when the test lets them, counting how many are
    being made at once."""

    def __init__(self) -> None:
        self.making = 0
        self.most = 0
        self.made: list[str] = []
        self.release = asyncio.Event()

    def of(self, name: str, status: int = 200) -> Callable[[], Awaitable[Finished | Response]]:
        async def make() -> Finished | Response:
            self.making += 1
            self.most = max(self.most, self.making)
            try:
                await self.release.wait()
            finally:
                self.making -= 1
            self.made.append(name)
            response = HTMLResponse(f"<p>{name}</p>", status_code=status)
            return Finished.of(response) if status == 200 else response

        return make


async def _settle() -> None:
    """Lets every task run until it waits on something."""
    for _ in range(50):
        await asyncio.sleep(0)


def test_at_most_so_many_pages_are_made_at_once():
    async def main() -> None:
        pages, maker = HeavyPages(at_once=2, turn_wait=60), _Maker()
        asked = [asyncio.create_task(pages.page(n, maker.of(f"list {n}"))) for n in range(6)]
        await _settle()
        assert maker.making == 2  # the other four wait for a turn
        maker.release.set()
        answers = await asyncio.gather(*asked)
        assert [a.body for a in answers] == [f"<p>list {n}</p>".encode() for n in range(6)]
        assert maker.most == 2 and len(maker.made) == 6

    asyncio.run(main())


def test_a_page_asked_by_many_at_once_is_made_once_and_then_kept():
    async def main() -> None:
        pages, maker = HeavyPages(at_once=2), _Maker()
        asked = [asyncio.create_task(pages.page("sitemap", maker.of("sitemap"))) for _ in range(5)]
        await _settle()
        assert maker.making == 1
        maker.release.set()
        answers = await asyncio.gather(*asked)
        assert all(answer is answers[0] for answer in answers)
        assert await pages.page("sitemap", maker.of("again")) == answers[0]  # kept, not made
        assert maker.made == ["sitemap"]

    asyncio.run(main())


def test_without_a_free_turn_in_time_a_request_is_told_it_is_busy():
    async def main() -> None:
        pages, maker = HeavyPages(at_once=1, turn_wait=0), _Maker()
        first = asyncio.create_task(pages.page("one list", maker.of("one list")))
        await _settle()
        with pytest.raises(Busy):
            await pages.page("another list", maker.of("another list"))
        # Asking for the page being made is waiting for it, not for a turn.
        same = asyncio.create_task(pages.page("one list", maker.of("one list again")))
        await _settle()
        maker.release.set()
        assert (await same) is (await first)
        # A turn free is taken at once, however short the wait allowed.
        assert (await pages.page("another list", maker.of("another list"))).body

    asyncio.run(main())


def test_failures_are_not_kept_and_pages_without_a_key_are_made_each_time():
    async def main() -> None:
        pages, maker = HeavyPages(), _Maker()
        maker.release.set()
        for _ in range(2):
            failed = await pages.page("gone", maker.of("gone", status=404))
            assert isinstance(failed, Response) and failed.status_code == 404
            await pages.page(None, maker.of("unkeyed"))
        assert maker.made == ["gone", "unkeyed", "gone", "unkeyed"]

    asyncio.run(main())


def test_the_kept_heavy_pages_stay_within_their_bytes():
    async def main() -> None:
        pages = HeavyPages(limit=100_000, largest=50_000)

        async def make() -> Finished:
            return Finished(b"x" * 1_000, None, 'W/"x"', (), (), ())

        for n in range(500):
            await pages.page(("/print", "q" * 10_000, n), make)
        assert pages.kept.total <= 100_000

    asyncio.run(main())


@pytest.mark.parametrize("path", ["/sitemap.xml", "/print?q=books", "/print.txt"])
def test_a_heavy_page_with_no_turn_free_answers_503_with_retry_after(client, path):
    replace_state(client, heavy_pages=HeavyPages(at_once=0, turn_wait=0))
    response = client.get(path)
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "try again" in response.text
    replace_state(client, heavy_pages=HeavyPages())
    assert client.get(path).status_code == 200
