"""The key that signs sessions: never one shipped in the code, made once, kept private."""

from __future__ import annotations

import json
import secrets
import stat
import threading
import time
from base64 import b64encode

import httpx
import pytest
from itsdangerous import TimestampSigner
from pydantic import ValidationError
from sqlmodel import Session, select
from starlette.testclient import TestClient

from directory.app import create_app
from directory.models import Moderator
from directory.settings import Settings
from tests import served
from tests.web import csrf_token, sign_in

# What the code shipped as its default secret until issue 12: public, so anyone could sign.
OLD_DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105
SECRET_FILE = "secret_key"


@pytest.fixture(autouse=True)
def _no_configured_secret(monkeypatch):
    monkeypatch.delenv("DIRECTORY_SECRET_KEY", raising=False)


def forged_session(secret: str, session: dict[str, object]) -> str:
    """A session cookie signed as Starlette's SessionMiddleware signs one."""
    payload = b64encode(json.dumps(session).encode("utf-8"))
    return TimestampSigner(secret).sign(payload).decode("utf-8")


def admin_session(seeded) -> dict[str, object]:
    with Session(seeded) as session:
        alice = session.exec(select(Moderator).where(Moderator.username == "alice")).one()
    fields = {"moderator_id": alice.id, "signed_in_at": int(time.time())}
    return {**fields, "session_version": getattr(alice, "session_version", 1)}


def test_a_cookie_forged_with_the_old_development_secret_is_refused(client, seeded, moderators):
    forged = forged_session(OLD_DEVELOPMENT_SECRET, admin_session(seeded))
    client.cookies.set("directory_session", forged)
    response = client.get("/moderate/moderators", follow_redirects=False)
    assert response.status_code == 303, "a forged cookie opened the administrators' page"
    assert response.headers["location"].startswith("/moderate/login")


def test_a_cookie_signed_with_the_kept_secret_is_accepted(client, seeded, settings, moderators):
    # The forgery above is made correctly: signed with the real key, it opens the page.
    kept = (settings.data_dir / SECRET_FILE).read_text(encoding="utf-8").strip()
    client.cookies.set("directory_session", forged_session(kept, admin_session(seeded)))
    assert client.get("/moderate/moderators", follow_redirects=False).status_code == 200


def test_the_secret_is_made_on_first_start_kept_private_and_used_again(
    seeded, settings, moderators
):
    path = settings.data_dir / SECRET_FILE
    assert not path.exists()
    with TestClient(create_app(settings)) as first:
        sign_in(first, "alice", moderators["alice"])
        cookie = first.cookies["directory_session"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text(encoding="utf-8").strip()) >= 43  # 32 random bytes
    assert [p.name for p in settings.data_dir.iterdir() if p.name.startswith(SECRET_FILE)] == [
        SECRET_FILE
    ]
    # Restarted, the server keeps the same key: people stay signed in.
    with TestClient(create_app(settings)) as second:
        second.cookies.set("directory_session", cookie)
        assert second.get("/moderate", follow_redirects=False).status_code == 200


def test_a_configured_secret_is_used_and_nothing_is_written(engine, settings):
    configured = settings.model_copy(update={"secret_key": secrets.token_urlsafe(32)})
    with TestClient(create_app(configured)) as browser:
        assert browser.get("/submit").status_code == 200
    assert not (settings.data_dir / SECRET_FILE).exists()


def test_threads_starting_at_once_agree_on_one_secret(tmp_path):
    settings = Settings(data_dir=tmp_path / "new", meili_url="")
    start = threading.Barrier(16)
    found: list[str] = []

    def start_up() -> None:
        start.wait()
        found.append(settings.with_secret_key().secret_key)

    threads = [threading.Thread(target=start_up) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 16 and len(set(found)) == 1
    assert (tmp_path / "new" / SECRET_FILE).read_text(encoding="utf-8").strip() == found[0]
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [SECRET_FILE]


def test_two_servers_started_at_once_on_one_data_dir_share_the_secret(
    seeded, settings, moderators, tmp_path
):
    # No DIRECTORY_SECRET_KEY: each makes or reads the key kept in the data directory.
    servers = [
        served.start(settings, tmp_path / f"server-{n}.log", DIRECTORY_SECRET_KEY="")
        for n in (1, 2)
    ]
    try:
        for server in servers:
            served.wait_until_up(server)
        first, second = (httpx.Client(base_url=server.url) for server in servers)
        with first, second:
            form = {"username": "alice", "password": moderators["alice"]}
            form["csrf_token"] = csrf_token(first, "/moderate/login")  # type: ignore[arg-type]
            assert first.post("/moderate/login", data=form).status_code == 303
            second.cookies.set("directory_session", first.cookies["directory_session"])
            assert second.get("/moderate").status_code == 200, "the servers' keys differ"
    finally:
        for server in servers:
            served.stop(server)
    path = settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


HTTPS = "https://directory.example"


@pytest.mark.parametrize(
    "secret",
    [
        OLD_DEVELOPMENT_SECRET,
        "change-me-to-a-long-random-string",  # docker-compose.yml's placeholder
        "changeme-changeme-changeme-changeme",
        "a" * 31,  # too short to be random enough
    ],
)
def test_https_refuses_a_known_or_short_secret(tmp_path, secret):
    with pytest.raises(ValidationError, match="DIRECTORY_SECRET_KEY"):
        Settings(data_dir=tmp_path, base_url=HTTPS, secret_key=secret)


def test_https_accepts_a_long_random_secret_and_http_any(tmp_path):
    Settings(data_dir=tmp_path, base_url=HTTPS, secret_key=secrets.token_urlsafe(32))
    Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000", secret_key="dev")


def test_https_refuses_a_short_secret_kept_in_the_data_directory(tmp_path):
    (tmp_path / SECRET_FILE).write_text("too short\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, base_url=HTTPS, meili_url="")
    with pytest.raises(ValueError, match=SECRET_FILE):
        create_app(settings)


def test_the_secret_is_never_in_the_settings_as_printed(tmp_path):
    settings = Settings(data_dir=tmp_path, meili_url="").with_secret_key()
    assert settings.secret_key and settings.secret_key not in f"{settings!r} {settings}"
