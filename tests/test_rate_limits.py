"""Rate limits against real servers: taken before the work, shared by every process that uses
the database, and counted under the connecting address unless a trusted proxy says otherwise.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from directory.models import RateLimit
from directory.ratelimits import Limit, Limiter
from tests.conftest import MODERATOR_PASSWORD
from tests.factories import listing_form
from tests.served import Server, form_token, serve

SUBMISSIONS_LIMIT = 5  # per client, in the default limits


def _browser(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=60)


def _submit(browser: httpx.Client, headers: dict[str, str] | None = None) -> int:
    data = {"csrf_token": form_token(browser, "/submit"), **listing_form()}
    return browser.post("/submit", data=data, headers=headers).status_code


def _in_parallel(server: Server, count: int, path: str, data: dict[str, str]) -> Counter[int]:
    """`count` browsers open the form at `path` one by one, then all send it at once."""
    browsers = [_browser(server) for _ in range(count)]
    forms = [{"csrf_token": form_token(browser, path), **data} for browser in browsers]
    start = threading.Barrier(count)
    statuses: list[int] = []

    def send(browser: httpx.Client, form: dict[str, str]) -> None:
        start.wait()
        statuses.append(browser.post(path, data=form).status_code)

    pairs = zip(browsers, forms, strict=True)
    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for browser in browsers:
        browser.close()
    return Counter(statuses)


@pytest.fixture
def server(seeded, settings, tmp_path: Path) -> Iterator[Server]:
    with serve(settings, tmp_path / "server.log") as running:
        yield running


@pytest.mark.databases
def test_parallel_submissions_get_exactly_the_limit(server):
    statuses = _in_parallel(server, 30, "/submit", listing_form())
    assert statuses == {303: SUBMISSIONS_LIMIT, 429: 30 - SUBMISSIONS_LIMIT}


@pytest.mark.databases
def test_two_servers_on_one_database_share_the_limit(seeded, settings, tmp_path):
    with (
        serve(settings, tmp_path / "first.log") as first,
        serve(settings, tmp_path / "second.log") as second,
    ):
        statuses = []
        for number in range(SUBMISSIONS_LIMIT + 1):
            with _browser(first if number % 2 else second) as browser:
                statuses.append(_submit(browser))
    assert statuses == [303] * SUBMISSIONS_LIMIT + [429]


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(server):
    statuses = []
    for number in range(SUBMISSIONS_LIMIT + 1):
        with _browser(server) as browser:
            statuses.append(_submit(browser, {"x-forwarded-for": f"203.0.113.{number}"}))
    assert statuses == [303] * SUBMISSIONS_LIMIT + [429]


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(seeded, settings, tmp_path):
    with serve(
        settings, tmp_path / "server.log", DIRECTORY_TRUSTED_PROXIES="127.0.0.0/8"
    ) as server:
        statuses = []
        for number in range(SUBMISSIONS_LIMIT + 1):
            with _browser(server) as browser:
                statuses.append(_submit(browser, {"x-forwarded-for": f"203.0.113.{number}"}))
    assert statuses == [303] * (SUBMISSIONS_LIMIT + 1)  # six clients, one each


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(server, moderators):
    attempts = 12  # each check holds 64 MiB while it runs: enough to show it, and no more
    wrong = {"username": "alice", "password": "not " + MODERATOR_PASSWORD}
    statuses = _in_parallel(server, attempts, "/moderate/login", wrong)
    checked = statuses[400]  # "do not match": the password was checked
    assert checked <= 5 and checked + statuses[429] == attempts, statuses


# The limiter itself, on a clock the test moves ------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(engine, clock):
    return Limiter(engine, "a secret", clock=clock)


FIVE_IN_TEN_MINUTES = Limit("test", count=5, window=600)  # one slot frees every 120 s


@pytest.mark.databases
def test_a_key_gets_its_slots_at_once_then_one_per_interval(limiter, clock):
    assert [limiter.take(FIVE_IN_TEN_MINUTES, "a") for _ in range(6)] == [0] * 5 + [120]
    assert limiter.take(FIVE_IN_TEN_MINUTES, "b") == 0  # others are counted apart
    clock.now += 100
    assert limiter.wait(FIVE_IN_TEN_MINUTES, "a") == 20
    assert limiter.take(FIVE_IN_TEN_MINUTES, "a") == 20  # a refusal takes nothing
    clock.now += 20
    assert limiter.take(FIVE_IN_TEN_MINUTES, "a") == 0
    assert limiter.take(FIVE_IN_TEN_MINUTES, "a") == 120
    clock.now += 600
    assert [limiter.take(FIVE_IN_TEN_MINUTES, "a") for _ in range(6)] == [0] * 5 + [120]


@pytest.mark.databases
def test_slots_given_back_or_reset_are_free_again(limiter):
    for _ in range(5):
        limiter.take(FIVE_IN_TEN_MINUTES, "a")
    limiter.give_back(FIVE_IN_TEN_MINUTES, "a")
    assert limiter.take(FIVE_IN_TEN_MINUTES, "a") == 0
    assert limiter.take(FIVE_IN_TEN_MINUTES, "a") > 0
    limiter.reset(FIVE_IN_TEN_MINUTES, "a")
    assert [limiter.take(FIVE_IN_TEN_MINUTES, "a") for _ in range(6)] == [0] * 5 + [120]


@pytest.mark.databases
def test_the_table_holds_keyed_hashes_and_forgets_rows_with_nothing_to_say(limiter, clock, engine):
    limiter.take(FIVE_IN_TEN_MINUTES, "203.0.113.9")
    limiter.take(Limit("other", 1, 60), "alice")
    with Session(engine) as session:
        keys = session.exec(select(RateLimit.key)).all()
    assert len(keys) == 2
    assert not any("203.0.113.9" in key or "alice" in key for key in keys)
    assert limiter.stored_key(FIVE_IN_TEN_MINUTES, "a") != Limiter(
        engine, "another secret"
    ).stored_key(FIVE_IN_TEN_MINUTES, "a")

    clock.now += 3600  # both rows' slots are all free: they say no more than a missing row
    limiter.take(FIVE_IN_TEN_MINUTES, "someone else")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(RateLimit)).one() == 1
