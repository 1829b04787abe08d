"""Many workers and hosts: `directory serve --workers 2`, and two servers on one database and
data directory (as two hosts behind one load balancer, or two workers), and two hosts with a
data directory each, in real processes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, func, select

from directory.models import OutboxDelivery, OutboxEvent
from tests import factories
from tests.conftest import MODERATOR_PASSWORD
from tests.factories import listing_form
from tests.served import Server, form_token, serve
from tests.test_mail import Inbox, MailServer, free_port
from tests.web import prefilled

SUBMISSIONS_LIMIT = 5


def _browser(server: Server, cookies: httpx.Cookies | None = None) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=60, cookies=cookies, follow_redirects=True)


def _post(browser: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    return browser.post(path, data={"csrf_token": form_token(browser, path), **data})


def _wait_for_workers(server: Server, count: int) -> None:
    deadline = time.monotonic() + 90
    while server.output().count("Application startup complete") < count:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.2)


@pytest.mark.databases
def test_two_workers_share_the_submission_limit(seeded, settings, tmp_path: Path):
    with serve(settings, tmp_path / "server.log", workers=2) as server:
        _wait_for_workers(server, 2)
        statuses = []
        for _ in range(SUBMISSIONS_LIMIT + 1):
            with _browser(server) as browser:  # a new connection each time
                sent = browser.post(
                    "/submit",
                    data={"csrf_token": form_token(browser, "/submit"), **listing_form()},
                    follow_redirects=False,
                )
                statuses.append(sent.status_code)
    assert statuses == [303] * SUBMISSIONS_LIMIT + [429]
    assert "died" not in server.output()


@pytest.mark.databases
def test_what_one_server_does_the_other_shows_at_once(seeded, settings, moderators, tmp_path):
    inbox = Inbox()
    mail = MailServer(inbox, free_port())
    mail.start()
    smtp = f"smtp+insecure://127.0.0.1:{mail.port}"
    try:
        with (
            serve(settings, tmp_path / "first.log", DIRECTORY_SMTP_URL=smtp) as first,
            serve(settings, tmp_path / "second.log", DIRECTORY_SMTP_URL=smtp) as second,
        ):
            # Signed in on one, the session works on the other.
            with _browser(first) as moderator:
                signed_in = _post(
                    moderator,
                    "/moderate/login",
                    {"username": "alice", "password": MODERATOR_PASSWORD},
                )
                assert signed_in.status_code == 200 and "Sign out" in signed_in.text
                cookies = moderator.cookies
            with _browser(second) as public:
                fields = listing_form(
                    name="Both Hosts Group", contact="s@example.org", notify="yes"
                )
                assert _post(public, "/submit", fields).status_code == 200
                # Asked before the approval, so that the second server keeps this page.
                before = public.get("/search", params={"q": "Both Hosts Group"})
                assert before.status_code == 200
                assert 'href="/organisations/both-hosts-group' not in before.text
            with _browser(second, cookies) as moderator:
                queue = moderator.get("/moderate")
                assert queue.status_code == 200 and "Both Hosts Group" in queue.text
                review = queue.text[queue.text.index("Both Hosts Group") :]
                path = review[review.index('href="/moderate/submissions/') + 6 :].split('"')[0]
            with _browser(first, cookies) as moderator:
                values = prefilled(moderator.get(path).text)
                approved = _post(moderator, path, {**values, "decision": "approve"})
                assert approved.status_code == 200, approved.text[:500]
            with _browser(second) as public:
                found = public.get("/search", params={"q": "Both Hosts Group"})
                # At once, no waiting and no retry, though the same page was kept before.
                assert 'href="/organisations/both-hosts-group' in found.text
                assert public.get("/organisations/both-hosts-group").status_code == 200
            inbox.wait_for(2)
            time.sleep(1.5)  # both senders have had their turns
    finally:
        mail.stop()
    subjects = sorted(str(message["Subject"]) for message in inbox.messages)
    assert len(subjects) == 2, subjects  # received, then published: each once
    assert subjects[0].startswith("Published") and subjects[1].startswith("We received")
    with Session(seeded) as session:
        events = session.exec(select(func.count()).select_from(OutboxEvent)).one()
        deliveries = session.exec(
            select(OutboxDelivery.event_id, func.count()).group_by(col(OutboxDelivery.event_id))
        ).all()
    assert events >= 1
    assert all(count == 1 for _, count in deliveries)  # each event delivered once


def test_the_health_check_tells_a_load_balancer_when_the_database_is_down(seeded, settings):
    from starlette.testclient import TestClient

    from directory.app import create_app

    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    unreachable = f"postgresql+psycopg://nobody:nothing@127.0.0.1:{free_port()}/directory"
    down = settings.model_copy(update={"database_url": unreachable})
    with TestClient(create_app(down)) as client:
        answer = client.get("/healthz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "down"
        assert client.get("/search", params={"q": "Glasgow"}).status_code == 200  # still serves


@pytest.mark.databases
def test_hosts_with_an_index_each_all_take_every_change(seeded, settings, tmp_path):
    """Two hosts on one database, each with a data directory (and embedded index) of its own:
    a change written by neither (an import, say) reaches both indexes."""
    second_host = settings.model_copy(update={"data_dir": tmp_path / "second-host"})
    with (
        serve(settings, tmp_path / "first.log") as first,
        serve(second_host, tmp_path / "second.log") as second,  # its index built at start
    ):
        servers = (first, second)
        for server in servers:
            assert "two-index-group" not in _slugs(server, "Two Index Group")
        factories.store(seeded, slug="two-index-group", name="Two Index Group")
        for server in servers:
            deadline = time.monotonic() + 20  # each relay looks every 2 seconds
            while "two-index-group" not in _slugs(server, "Two Index Group"):
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.2)
    names = {
        path.read_text().strip()
        for path in (settings.search_index_path, second_host.search_index_path)
        for path in [path.with_name(path.name + ".id")]
    }
    assert len(names) == 2, names
    with Session(seeded) as session:
        newest = session.exec(select(func.max(OutboxEvent.id))).one()
        noted = session.exec(
            select(OutboxDelivery.backend).where(OutboxDelivery.event_id == newest)
        ).all()
    assert sorted(noted) == sorted(names)


def _slugs(server: Server, q: str) -> list[str]:
    with _browser(server) as public:
        answer = public.get("/api/search", params={"q": q})
        assert answer.status_code == 200, answer.text[:300]
        return [hit["slug"] for hit in answer.json()["hits"]]
