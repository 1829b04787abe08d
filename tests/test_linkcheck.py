"""The link checker, against a real HTTP server on this machine (never the internet)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from directory import catalogue, linkcheck
from directory.cli import main
from tests import factories


class Handler(BaseHTTPRequestHandler):
    active = 0
    peak = 0
    lock = threading.Lock()
    agents: list[str] = []

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _answer(self, method: str) -> None:
        counts = type(self)
        with counts.lock:
            counts.active += 1
            counts.peak = max(counts.peak, counts.active)
            counts.agents.append(self.headers.get("User-Agent", ""))
        time.sleep({"/slow": 1.5}.get(self.path, 0.05 if self.path.startswith("/busy") else 0))
        with counts.lock:  # done before the answer leaves, so the next request never overlaps
            counts.active -= 1
        if self.path.split("?")[0] in ("/ok", "/slow") or self.path.startswith("/busy"):
            self._send(200)
        elif self.path == "/moved":
            self._send(301, {"Location": "/ok"})
        elif self.path == "/far":
            self._send(301, {"Location": "/ok?" + "x" * 2100})
        elif self.path == "/loop":
            self._send(302, {"Location": "/loop"})
        elif self.path == "/no-head":
            self._send(405 if method == "HEAD" else 200)
        else:
            self._send(404)

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")


@pytest.fixture
def handler() -> type[Handler]:
    """A handler class of its own, so counts never mix with another test's server."""
    return type(
        "CountingHandler",
        (Handler,),
        {
            "active": 0,
            "peak": 0,
            "agents": [],
            "lock": threading.Lock(),
        },
    )


@pytest.fixture
def server(handler) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run(targets, **options):
    return {r.slug: r for r in asyncio.run(linkcheck.check(targets, **options))}


def test_results_for_each_kind_of_answer(server):
    results = run(
        [
            ("fine", f"{server}/ok"),
            ("moved", f"{server}/moved"),
            ("gone", f"{server}/gone"),
            ("loop", f"{server}/loop"),
            ("no-head", f"{server}/no-head"),
            ("closed", "http://127.0.0.1:9/"),
        ],
        timeout=1.0,
    )
    assert results["fine"].ok and results["fine"].status_code == 200
    assert results["moved"].ok and results["moved"].final_url == f"{server}/ok"
    assert not results["gone"].ok and results["gone"].error == "HTTP 404"
    assert not results["loop"].ok and results["loop"].error == "too many redirects"
    assert results["no-head"].ok  # HEAD refused, GET answered
    assert not results["closed"].ok and results["closed"].error == "could not connect"


def test_timeouts(server):
    result = run([("slow", f"{server}/slow")], timeout=0.3)["slow"]
    assert not result.ok and result.error == "timed out"


def test_politeness_limits_requests_per_host(server, handler):
    targets = [(f"busy-{n}", f"{server}/busy/{n}") for n in range(12)]
    results = run(targets, concurrency=8, per_host=2)
    assert all(r.ok for r in results.values())
    assert handler.peak == 2  # two at a time to one host, never more
    assert all(agent.startswith("PrisonerSupportDirectory-LinkCheck") for agent in handler.agents)


def test_check_links_records_results_and_moderators_see_failures(
    server, seeded, settings, monkeypatch, moderator_client
):
    with Session(seeded) as session:
        for slug, path in (("alive-group", "/ok"), ("dead-group", "/gone")):
            catalogue.upsert(session, factories.record(slug=slug, website=f"{server}{path}"))
        session.commit()
    # Only our two local sites: the seed listings' real websites must never be fetched here.
    monkeypatch.setattr(
        linkcheck,
        "websites",
        lambda session: [("alive-group", f"{server}/ok"), ("dead-group", f"{server}/gone")],
    )
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main, ["check-links", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 websites: 1 answered, 1 may be down." in result.output
    with Session(seeded) as session:
        assert linkcheck.latest(session, "alive-group").ok
        dead = linkcheck.latest(session, "dead-group")
        assert not dead.ok and dead.status_code == 404
        assert [c.organisation_slug for c in linkcheck.failing(session)] == ["dead-group"]

    page = moderator_client.get("/moderate", params={"links": "down"}).text
    assert 'Website may be down <span class="count">(1)</span>' in page
    assert "dead-group" in page and "website may be down: HTTP 404" in page
    assert "alive-group" not in page


@pytest.mark.databases
def test_a_fixed_website_is_no_longer_listed_as_down(server, seeded):
    with Session(seeded) as session:
        catalogue.upsert(session, factories.record(slug="g", website=f"{server}/gone"))
        linkcheck.record(session, asyncio.run(linkcheck.check([("g", f"{server}/gone")])))
        session.commit()
        assert len(linkcheck.failing(session)) == 1
        catalogue.upsert(session, factories.record(slug="g", website=f"{server}/ok"))
        session.commit()
        assert linkcheck.failing(session) == []  # the failure was for the old address


@pytest.mark.databases
def test_a_redirect_too_long_to_keep_does_not_lose_the_result(server, session):
    (result,) = asyncio.run(linkcheck.check([("far", f"{server}/far")]))
    assert result.ok and result.final_url is None
    linkcheck.record(session, [result])  # PostgreSQL would refuse it, and the whole run with it
    session.commit()
    assert linkcheck.latest(session, "far").ok
