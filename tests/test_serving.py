"""`directory serve` as a client meets it: connections that stall are closed, oversized or
excess requests are refused, and the log says what was asked without saying who asked or
what they searched for."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from directory.app import create_app
from directory.web.middleware.access_log import loggable_path
from tests.factories import listing_form
from tests.served import HOST, Server, form_token, serve

SECRET_WORDS = "zebrafinch nightjar"  # what someone searched for: never in the log


@pytest.fixture
def server(seeded, settings, tmp_path: Path) -> Iterator[Server]:
    with serve(settings, tmp_path / "server.log", DIRECTORY_HEADER_TIMEOUT_SECONDS="1") as running:
        yield running


def _connect(server: Server) -> socket.socket:
    # The timeout only bounds how long a failing test waits; the tests wait for the server to
    # close the connection, which it does after its own 1 s.
    return socket.create_connection((HOST, server.port), timeout=30)


def _closed_by_server(connection: socket.socket) -> bool:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return True  # recv() returned b"": the server closed the connection


def test_a_connection_that_stops_halfway_through_the_request_line_is_closed(server):
    with _connect(server) as connection:
        connection.sendall(b"GET /sear")
        assert connection.recv(1024) == b""  # closed, and nothing was answered


def test_a_connection_that_never_sends_anything_is_closed(server):
    with _connect(server) as connection:
        assert connection.recv(1024) == b""


def test_a_kept_alive_connection_that_stalls_in_its_next_request_is_closed(server):
    with _connect(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert _closed_by_server(connection)


def test_a_request_head_over_the_limit_is_refused(server):
    with _connect(server) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        assert connection.recv(1024).startswith(b"HTTP/1.1 431")


def test_a_request_head_within_the_limit_is_served(server):
    cookie = "other=" + "a" * 8000  # a large cookie, as browsers may send
    assert httpx.get(f"{server.url}/healthz", headers={"cookie": cookie}).status_code == 200


def test_connections_over_the_limit_are_answered_503(seeded, settings, tmp_path):
    with serve(settings, tmp_path / "server.log", DIRECTORY_MAX_CONNECTIONS="2") as server:
        held = [_connect(server) for _ in range(2)]
        try:
            with _connect(server) as third:
                third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert third.recv(1024).startswith(b"HTTP/1.1 503")
        finally:
            for connection in held:
                connection.close()


# The access log -----------------------------------------------------------------------------


def test_the_log_names_no_client_token_or_search(seeded, settings, tmp_path):
    with serve(settings, tmp_path / "server.log", DIRECTORY_TRUSTED_PROXIES="127.0.0.1") as server:
        forwarded = {"x-forwarded-for": "198.51.100.23"}
        with httpx.Client(base_url=server.url, headers=forwarded) as browser:
            data = {"csrf_token": form_token(browser, "/submit"), **listing_form()}
            sent = browser.post("/submit", data=data)
            status_page = sent.headers["location"]
            token = re.match(r"/submissions/([\w-]+)", status_page).group(1)
            assert browser.get(status_page).status_code == 200
            assert browser.get(f"/submissions/{token}/revise").status_code == 303
            assert browser.get("/search", params={"q": SECRET_WORDS}).status_code == 200
            assert browser.get("/api/search", params={"q": SECRET_WORDS}).status_code == 200
            assert browser.get("/organisations/no-such-group").status_code == 404
    log = server.output()
    assert token not in log
    for word in SECRET_WORDS.split():
        assert word not in log
    assert "198.51.100.23" not in log
    client_address = re.compile(rf"{re.escape(HOST)}:(?!{server.port}\b)\d+")
    assert not client_address.search(log), client_address.search(log)
    for line in (
        "POST /submit 303",
        "GET /submissions/{token} 200",
        "GET /submissions/{token}/revise 303",
        "GET /search 200",
        "GET /api/search 200",
        "GET /organisations/no-such-group 404",
    ):
        assert re.search(rf"{re.escape(line)} [\d.]+ ms", log), (line, log)


@pytest.mark.parametrize(
    ("raw_path", "logged"),
    [
        (b"/submissions/Zx9-secret_Token", "/submissions/{token}"),
        (b"/submissions/Zx9-secret_Token/revise", "/submissions/{token}/revise"),
        (b"/moderate/submissions/12", "/moderate/submissions/12"),
        (b"/organisations/leeds-abc", "/organisations/leeds-abc"),
        (b"/search/%0aINFO%20forged", "/search/%0aINFO%20forged"),  # sent encoded, kept so
        (b"/a\nb c\x1b", "/a%0Ab%20c%1B"),  # never a second line or a terminal escape
        (b"/" + b"x" * 500, "/" + "x" * 199 + "…"),
    ],
)
def test_a_logged_path_has_no_token_and_cannot_forge_a_line(raw_path, logged):
    assert loggable_path({"raw_path": raw_path, "path": raw_path.decode()}) == logged


def test_an_unhandled_error_is_logged_without_the_token(seeded, settings, monkeypatch, caplog):
    from directory import moderation

    def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(moderation, "get_by_token", broken)
    with TestClient(create_app(settings), raise_server_exceptions=False) as browser:
        assert browser.get("/submissions/Zx9-secret_Token?sent=1").status_code == 500
    assert "unhandled error on /submissions/{token}" in caplog.text
    assert "Zx9-secret_Token" not in caplog.text


# The directory's address ----------------------------------------------------------------------


@pytest.fixture
def serve_command(settings, monkeypatch):
    """`directory serve --host HOST` from a terminal, with uvicorn's run stubbed out: what it
    logs before the server starts."""
    import uvicorn
    from click.testing import CliRunner

    from directory.cli import main

    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("DIRECTORY_BASE_URL", raising=False)
    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs["host"]))

    def invoke(host: str) -> list[str]:
        result = CliRunner().invoke(main, ["serve", "--host", host], catch_exceptions=False)
        assert result.exit_code == 0 and started[-1] == host
        return started

    return invoke


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "directory.example.org"])
def test_serving_to_others_with_the_default_base_url_warns(serve_command, caplog, host):
    serve_command(host)
    warnings = [
        r for r in caplog.records if r.levelname == "WARNING" and r.name.startswith("directory")
    ]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "DIRECTORY_BASE_URL is not set" in message
    assert "http://127.0.0.1:8000" in message and host in message


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_serving_on_this_machine_only_does_not_warn(serve_command, caplog, host):
    serve_command(host)
    assert "DIRECTORY_BASE_URL" not in caplog.text


def test_a_base_url_that_was_set_does_not_warn(serve_command, caplog, monkeypatch):
    monkeypatch.setenv("DIRECTORY_BASE_URL", "https://directory.example.org")
    serve_command("0.0.0.0")
    assert "DIRECTORY_BASE_URL" not in caplog.text
