"""Signing in under attack, and sessions that end when they should."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from directory import accounts
from directory.app import create_app
from tests.web import csrf_token, explains, post_form, sign_in, state_of, text_of

PARALLEL = 6


def login(client: TestClient, username: str, password: str):
    return post_form(client, "/moderate/login", {"username": username, "password": password})


# Lock-outs ---------------------------------------------------------------------------------


@pytest.fixture
def two_addresses(seeded, settings, moderators) -> Iterator[tuple[TestClient, TestClient]]:
    """Two browsers on different networks, talking to one server."""
    app = create_app(settings)
    with (
        TestClient(app, client=("198.51.100.7", 40000)) as attacker,
        TestClient(app, client=("203.0.113.9", 40001)) as owner,
    ):
        owner.app_state.update(attacker.app_state)  # one server's state, whoever connects
        yield attacker, owner


def test_wrong_passwords_from_one_client_do_not_lock_the_username_out_elsewhere(
    two_addresses, moderators
):
    attacker, owner = two_addresses
    for _ in range(5):
        assert login(attacker, "alice", "guess-guess").status_code == 400
    assert login(attacker, "alice", moderators["alice"]).status_code == 429
    assert login(owner, "alice", moderators["alice"]).status_code == 303


# Password checks at once ---------------------------------------------------------------------


def test_parallel_sign_ins_check_at_most_two_passwords_at_once(client, moderators, monkeypatch):
    """Each argon2 check takes 64 MiB: 40 at once took the server past 1 GiB."""
    checking = threading.Condition()
    running = [0, 0]  # now, most at once
    answered: list[int] = []
    release = threading.Event()

    def held_verify(password_hash: str, password: str) -> bool:
        with checking:
            running[0] += 1
            running[1] = max(running[1], running[0])
            checking.notify_all()
        release.wait(timeout=60)
        with checking:
            running[0] -= 1
        return False

    monkeypatch.setattr(accounts, "_verify", held_verify)
    token = csrf_token(client, "/moderate/login")

    def attempt(number: int) -> None:
        form = {"csrf_token": token, "username": f"someone-{number}", "password": "guess"}
        response = client.post("/moderate/login", data=form, follow_redirects=False)
        with checking:
            answered.append(response.status_code)
            responses.append(response)
            checking.notify_all()

    responses: list = []
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    with checking:  # every attempt is either being checked or has been answered
        checking.wait_for(lambda: running[0] + len(answered) == PARALLEL, timeout=60)
    release.set()
    for thread in threads:
        thread.join()
    assert running[1] <= 2, f"{running[1]} passwords were checked at once"
    assert sorted(answered) == [400, 400] + [429] * (PARALLEL - 2)
    busy = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) > 0 for r in busy)
    assert "Too many people are signing in" in text_of(busy[0].text)


def test_a_busy_sign_in_does_not_count_against_the_username(client, moderators, monkeypatch):
    checks = state_of(client).password_checks
    with checks.slot(), checks.slot():
        for _ in range(10):
            assert login(client, "alice", "guess-guess").status_code == 429
    assert login(client, "alice", moderators["alice"]).status_code == 303


# Sessions end server-side ------------------------------------------------------------------


def copied_session(source: TestClient, target: TestClient) -> TestClient:
    """target now holds a copy of source's session cookie, as a thief's browser would."""
    target.cookies.set("directory_session", source.cookies["directory_session"])
    return target


def test_signing_out_ends_every_session(moderator_client, public_client):
    thief = copied_session(moderator_client, public_client)
    assert thief.get("/moderate", follow_redirects=False).status_code == 200
    post_form(moderator_client, "/moderate/logout", {}, token_from="/moderate")
    assert thief.get("/moderate", follow_redirects=False).status_code == 303


@pytest.mark.databases
def test_reactivating_a_moderator_does_not_revive_old_sessions(
    moderator_client, second_moderator_client
):
    for action in ("deactivate", "activate"):
        form = {"action": action, "username": "bob"}
        assert post_form(moderator_client, "/moderate/moderators", form).status_code == 303
    assert second_moderator_client.get("/moderate", follow_redirects=False).status_code == 303


@pytest.mark.databases
def test_changing_the_password_ends_every_other_session(
    second_moderator_client, public_client, moderators
):
    thief = copied_session(second_moderator_client, public_client)
    new = "a brand new long password"
    form = {
        "action": "password",
        "current_password": moderators["bob"],
        "password": new,
        "password_again": new,
    }
    response = post_form(second_moderator_client, "/moderate/account", form)
    assert response.status_code == 303
    assert "changed your password" in second_moderator_client.get("/moderate/account").text
    assert second_moderator_client.get("/moderate", follow_redirects=False).status_code == 200
    assert thief.get("/moderate", follow_redirects=False).status_code == 303
    thief.cookies.clear()
    assert login(thief, "bob", moderators["bob"]).status_code == 400
    sign_in(thief, "bob", new)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"current_password": "not my password"}, "current_password", "not your current"),
        ({"password": "short", "password_again": "short"}, "password", "at least 12"),
        ({"password_again": "something else entirely"}, "password_again", "not the same"),
    ],
)
def test_changing_the_password_explains_problems(
    second_moderator_client, moderators, changes, field, message
):
    form = {
        "action": "password",
        "current_password": moderators["bob"],
        "password": "a brand new long password",
        "password_again": "a brand new long password",
        **changes,
    }
    response = post_form(second_moderator_client, "/moderate/account", form)
    explains(response, field, message)
    assert "a brand new long password" not in response.text


def test_an_old_cookie_without_a_session_version_is_refused(client, moderators, settings):
    # Cookies made before session versions existed carry none: they must sign in again.
    from tests.test_secret_key import admin_session, forged_session

    kept = (settings.data_dir / "secret_key").read_text(encoding="utf-8").strip()
    old = admin_session(state_of(client).engine)
    old.pop("session_version")
    client.cookies.set("directory_session", forged_session(kept, old))
    assert client.get("/moderate", follow_redirects=False).status_code == 303
