"""Two-factor sign-in over HTTP, as a browser without JavaScript does it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pyotp
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select
from starlette.testclient import TestClient

from directory import two_factor
from directory.app import create_app
from directory.cli import main
from directory.models import AuditEvent, Moderator
from directory.web import auth
from tests.web import explains, post_form, sign_in, text_of

START = 1_800_000_000.0  # a fixed "now", on a 30-second step boundary
STEP = 30


class Clock:
    """The time two-factor codes and the half-signed-in state are judged by."""

    def __init__(self) -> None:
        self.now = START

    def later(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    time = Clock()
    monkeypatch.setattr(two_factor, "_now", lambda: time.now)
    monkeypatch.setattr(auth, "_now", lambda: time.now)
    return time


@pytest.fixture
def required_client(seeded, settings, moderators) -> Iterator[TestClient]:
    """A site as installed: administrators need two-factor sign-in."""
    with TestClient(create_app(settings.model_copy(update={"admin_two_factor": True}))) as client:
        yield client


def code(secret: str, clock: Clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + steps * STEP)


def enrol(client: TestClient, clock: Clock) -> tuple[str, list[str]]:
    """Sets up two-factor sign-in for whoever is signed in: their secret and recovery codes."""
    page = client.get("/moderate/account/two-factor")
    assert page.status_code == 200
    secret = re.search(r'<code class="secret-key">([^<]+)</code>', page.text).group(1)
    secret = secret.replace(" ", "")
    done = post_form(
        client,
        "/moderate/account/two-factor",
        {"action": "confirm", "code": code(secret, clock)},
    )
    assert done.status_code == 200, text_of(done.text)
    assert "shown only this once" in done.text
    return secret, recovery_codes(done.text)


def recovery_codes(html: str) -> list[str]:
    return [unescape(found) for found in re.findall(r"<li><code>([^<]+)</code></li>", html)]


def password_step(client: TestClient, username: str, password: str):
    return post_form(client, "/moderate/login", {"username": username, "password": password})


def code_step(client: TestClient, value: str):
    return post_form(client, "/moderate/login/code", {"code": value})


def sign_out(client: TestClient) -> None:
    assert post_form(client, "/moderate/logout", {}, token_from="/moderate").status_code == 303


def is_signed_in(client: TestClient) -> bool:
    return client.get("/moderate", follow_redirects=False).status_code == 200


def moderator_row(engine, username: str) -> Moderator:
    with Session(engine) as session:
        return session.exec(select(Moderator).where(Moderator.username == username)).one()


@pytest.fixture
def bob_enrolled(client, moderators, clock) -> tuple[str, list[str]]:
    """Bob (a moderator) set up two-factor sign-in, then signed out."""
    sign_in(client, "bob", moderators["bob"])
    enrolled = enrol(client, clock)
    sign_out(client)
    clock.later(STEP)  # the code used to confirm is spent: the next one is a step later
    return enrolled


# Setting it up ----------------------------------------------------------------------------


def test_the_set_up_page_draws_its_qr_code_itself_and_writes_out_the_key(client, moderators):
    sign_in(client, "bob", moderators["bob"])
    page = client.get("/moderate/account/two-factor")
    assert page.status_code == 200
    # Drawn into the page: no request to any other site, nor even to this one.
    drawing = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert "<title>QR code for setting up your authenticator app</title>" in drawing
    assert 'class="qrline"' in drawing and "http" not in drawing
    key = re.search(r'<code class="secret-key">([^<]+)</code>', page.text).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key)
    # The same key on reload: an app set up from the first page still matches.
    assert key in client.get("/moderate/account/two-factor").text


def test_every_moderator_is_offered_it_on_their_account_page(client, moderators):
    sign_in(client, "bob", moderators["bob"])
    assert "Set up two-factor sign-in" in client.get("/moderate/account").text


def test_a_factor_not_yet_confirmed_does_not_change_signing_in(client, moderators):
    sign_in(client, "bob", moderators["bob"])
    client.get("/moderate/account/two-factor")  # a secret is made, and never confirmed
    sign_out(client)
    response = password_step(client, "bob", moderators["bob"])
    assert response.headers["location"] == "/moderate"
    assert is_signed_in(client)


def test_a_wrong_code_does_not_turn_it_on(client, moderators, clock):
    sign_in(client, "bob", moderators["bob"])
    client.get("/moderate/account/two-factor")
    response = post_form(
        client, "/moderate/account/two-factor", {"action": "confirm", "code": "000000"}
    )
    explains(response, "code", "That code does not match")
    assert moderator_row(state_engine(client), "bob").totp_secret is None


def test_a_code_a_step_old_still_confirms(client, moderators, clock):
    sign_in(client, "bob", moderators["bob"])
    page = client.get("/moderate/account/two-factor").text
    secret = re.search(r'<code class="secret-key">([^<]+)</code>', page).group(1)
    old = code(secret.replace(" ", ""), clock, steps=-1)
    response = post_form(client, "/moderate/account/two-factor", {"action": "confirm", "code": old})
    assert response.status_code == 200
    assert len(recovery_codes(response.text)) == 10


def test_turning_it_on_signs_out_every_other_session(
    client, second_moderator_client, moderators, clock
):
    sign_in(client, "bob", moderators["bob"])
    assert is_signed_in(second_moderator_client)
    enrol(client, clock)
    assert is_signed_in(client)  # the browser that turned it on
    assert not is_signed_in(second_moderator_client)


def test_recovery_codes_are_kept_only_as_hashes(client, bob_enrolled):
    _, codes = bob_enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    kept = moderator_row(state_engine(client), "bob").recovery_codes
    assert len(kept) == 10
    assert not {c.replace("-", "") for c in codes} & set(kept)
    assert all(re.fullmatch(r"[0-9a-f]{64}", hashed) for hashed in kept)


# Signing in ------------------------------------------------------------------------------


def test_signing_in_asks_for_a_code_after_the_password(client, moderators, bob_enrolled, clock):
    secret, _ = bob_enrolled
    response = post_form(
        client,
        "/moderate/login",
        {"username": "bob", "password": moderators["bob"], "next": "/moderate/recheck"},
    )
    assert response.headers["location"] == "/moderate/login/code"
    assert not is_signed_in(client)  # the password alone is not enough
    page = client.get("/moderate/login/code")
    assert 'autocomplete="one-time-code"' in page.text
    response = code_step(client, code(secret, clock))
    assert response.status_code == 303
    assert response.headers["location"] == "/moderate/recheck"
    assert is_signed_in(client)


def test_a_wrong_code_is_refused_next_to_the_field(client, moderators, bob_enrolled):
    password_step(client, "bob", moderators["bob"])
    response = code_step(client, "123456")
    explains(response, "code", "That code does not match, or was used already.")
    explains(code_step(client, ""), "code", "Enter the code from your app")
    assert not is_signed_in(client)


@pytest.mark.databases
def test_a_code_is_accepted_once(client, public_client, moderators, bob_enrolled, clock):
    secret, _ = bob_enrolled
    seen = code(secret, clock)
    password_step(client, "bob", moderators["bob"])
    assert code_step(client, seen).status_code == 303
    # Someone who watched it typed, trying it in the same 30 seconds, elsewhere.
    password_step(public_client, "bob", moderators["bob"])
    explains(code_step(public_client, seen), "code", "was used already")
    # An older code, still within the window, is refused too: a later step was used.
    explains(code_step(public_client, code(secret, clock, steps=-1)), "code", "used already")
    clock.later(STEP)
    assert code_step(public_client, code(secret, clock)).status_code == 303


@pytest.mark.databases
def test_a_recovery_code_signs_in_once(client, moderators, bob_enrolled):
    _, codes = bob_enrolled
    password_step(client, "bob", moderators["bob"])
    response = code_step(client, codes[0].upper().replace("-", " "))  # as typed from paper
    assert response.status_code == 303
    assert "9 left" in client.get("/moderate").text
    sign_out(client)
    password_step(client, "bob", moderators["bob"])
    explains(code_step(client, codes[0]), "code", "That code does not match")
    assert code_step(client, codes[1]).status_code == 303
    with Session(state_engine(client)) as session:
        used = session.exec(
            select(AuditEvent).where(AuditEvent.action == "two_factor_recovery_used")
        ).all()
    assert [event.after["recovery_codes_left"] for event in used] == [9, 8]


def test_the_code_step_ends_after_five_minutes(client, moderators, bob_enrolled, clock):
    secret, _ = bob_enrolled
    password_step(client, "bob", moderators["bob"])
    token_page = client.get("/moderate/login/code")
    assert token_page.status_code == 200
    clock.later(auth.PENDING_SECONDS + 1)
    response = code_step_with_token_from(client, code(secret, clock), token_page.text)
    assert response.status_code == 303
    assert response.headers["location"] == "/moderate/login"
    assert "took more than 5 minutes" in client.get("/moderate/login").text
    assert not is_signed_in(client)


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get("/moderate/login/code", follow_redirects=False)
    assert response.headers["location"] == "/moderate/login"


def test_wrong_codes_wait_like_wrong_passwords(client, moderators, bob_enrolled, clock):
    secret, _ = bob_enrolled
    password_step(client, "bob", moderators["bob"])
    for _ in range(5):
        assert code_step(client, "000000").status_code == 400
    response = code_step(client, code(secret, clock))  # even the right code, now
    assert response.status_code == 429
    assert "Too many wrong codes. Please wait" in response.text
    assert not is_signed_in(client)


def test_a_password_changed_meanwhile_ends_the_code_step(
    client, second_moderator_client, moderators, bob_enrolled, clock
):
    secret, _ = bob_enrolled
    password_step(client, "bob", moderators["bob"])
    form = {"code": code(secret, clock)}
    token_page = client.get("/moderate/login/code").text
    with Session(state_engine(client)) as session:
        bob = session.exec(select(Moderator).where(Moderator.username == "bob")).one()
        bob.session_version += 1  # as a password change or deactivation does
        session.add(bob)
        session.commit()
    response = code_step_with_token_from(client, form["code"], token_page)
    assert response.headers["location"] == "/moderate/login"
    assert not is_signed_in(client)


# Changing it ------------------------------------------------------------------------------


def test_new_recovery_codes_need_a_code_and_replace_the_old(
    client, moderators, bob_enrolled, clock
):
    secret, old = bob_enrolled
    sign_in_with_code(client, moderators["bob"], code(secret, clock))
    clock.later(STEP)
    page = "/moderate/account/two-factor"
    refused = post_form(client, page, {"action": "regenerate", "regenerate_code": "999999"})
    explains(refused, "regenerate_code", "That code does not match")
    made = post_form(client, page, {"action": "regenerate", "regenerate_code": code(secret, clock)})
    new = recovery_codes(made.text)
    assert len(new) == 10 and not set(new) & set(old)
    sign_out(client)
    password_step(client, "bob", moderators["bob"])
    assert code_step(client, old[0]).status_code == 400
    assert code_step(client, new[0]).status_code == 303


def test_turning_it_off_needs_a_code(client, moderators, bob_enrolled, clock):
    secret, _ = bob_enrolled
    sign_in_with_code(client, moderators["bob"], code(secret, clock))
    clock.later(STEP)
    page = "/moderate/account/two-factor"
    explains(post_form(client, page, {"action": "disable"}), "disable_code", "Enter the code")
    refused = post_form(client, page, {"action": "disable", "disable_code": "111111"})
    explains(refused, "disable_code", "That code does not match")
    done = post_form(client, page, {"action": "disable", "disable_code": code(secret, clock)})
    assert done.status_code == 303
    assert "Two-factor sign-in is off" in client.get(page).text
    sign_out(client)
    assert password_step(client, "bob", moderators["bob"]).headers["location"] == "/moderate"


def test_an_unknown_action_is_a_bad_request(client, moderators):
    sign_in(client, "bob", moderators["bob"])
    page = "/moderate/account/two-factor"
    assert post_form(client, page, {"action": "guess"}).status_code == 400


# Administrators -------------------------------------------------------------------------


def test_an_administrator_without_it_reaches_only_the_set_up_page(
    required_client, moderators, clock
):
    sign_in(required_client, "alice", moderators["alice"])
    for path in ("/moderate", "/moderate/moderators", "/moderate/account", "/moderate/recheck"):
        response = required_client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/moderate/account/two-factor"
    page = required_client.get("/moderate/account/two-factor")
    assert "Administrators need two-factor sign-in" in page.text
    refused = post_form(
        required_client,
        "/moderate/account",
        {"action": "display_name", "display_name": "Alice"},
        token_from="/moderate/account/two-factor",
    )
    assert refused.status_code == 403
    secret, _ = enrol(required_client, clock)
    assert is_signed_in(required_client)
    # From now on the password alone does not sign her in.
    sign_out(required_client)
    clock.later(STEP)
    assert password_step(required_client, "alice", moderators["alice"]).headers["location"] == (
        "/moderate/login/code"
    )
    assert not is_signed_in(required_client)
    assert code_step(required_client, code(secret, clock)).status_code == 303
    assert is_signed_in(required_client)


def test_an_administrator_who_must_set_it_up_can_still_sign_out(required_client, moderators):
    sign_in(required_client, "alice", moderators["alice"])
    response = post_form(
        required_client, "/moderate/logout", {}, token_from="/moderate/account/two-factor"
    )
    assert response.status_code == 303
    assert (
        required_client.get("/moderate/account/two-factor", follow_redirects=False)
        .headers["location"]
        .startswith("/moderate/login")
    )


def test_other_moderators_are_not_made_to(required_client, moderators):
    sign_in(required_client, "bob", moderators["bob"])
    assert is_signed_in(required_client)


def test_when_not_required_an_administrator_is_only_offered_it(client, moderators):
    sign_in(client, "alice", moderators["alice"])
    assert is_signed_in(client)


def test_an_administrator_resets_a_moderators_factor_and_ends_their_sessions(
    client, second_moderator_client, public_client, moderators, clock
):
    enrol(second_moderator_client, clock)  # bob, in his own browser
    sign_in(client, "alice", moderators["alice"])
    listing = client.get("/moderate/moderators").text
    assert "two-factor sign-in of bob" in listing
    response = post_form(
        client, "/moderate/moderators", {"action": "reset_two_factor", "username": "bob"}
    )
    assert response.status_code == 303
    assert "Turned off two-factor sign-in for bob" in client.get("/moderate/moderators").text
    assert not is_signed_in(second_moderator_client)
    assert password_step(public_client, "bob", moderators["bob"]).headers["location"] == (
        "/moderate"
    )
    with Session(state_engine(client)) as session:
        reset = session.exec(select(AuditEvent).where(AuditEvent.action == "two_factor_reset"))
        assert [(event.actor, event.after) for event in reset] == [("alice", {"username": "bob"})]


def test_an_administrator_cannot_reset_their_own_or_a_stranger(client, moderators):
    sign_in(client, "alice", moderators["alice"])
    for username in ("alice", "nobody"):
        response = post_form(
            client, "/moderate/moderators", {"action": "reset_two_factor", "username": username}
        )
        assert response.status_code == 400, username


def test_the_command_line_resets_a_locked_out_administrator(
    required_client, settings, moderators, clock, monkeypatch
):
    sign_in(required_client, "alice", moderators["alice"])
    enrol(required_client, clock)
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MEILI_URL", raising=False)
    result = CliRunner().invoke(main, ["reset-two-factor", "alice"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Two-factor sign-in is off for alice" in result.output
    assert not is_signed_in(required_client)
    # She signs in with her password, and is asked to set it up again before anything else.
    sign_in(required_client, "alice", moderators["alice"])
    assert required_client.get("/moderate", follow_redirects=False).headers["location"] == (
        "/moderate/account/two-factor"
    )
    unknown = CliRunner().invoke(main, ["reset-two-factor", "nobody"], catch_exceptions=False)
    assert unknown.exit_code == 1
    assert "There is no moderator called nobody" in unknown.output


# Helpers ----------------------------------------------------------------------------------


def state_engine(client: TestClient):
    from tests.web import state_of

    return state_of(client).engine


def code_step_with_token_from(client: TestClient, value: str, page: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "code": value}
    return client.post("/moderate/login/code", data=form, follow_redirects=False)


def sign_in_with_code(client: TestClient, password: str, value: str) -> None:
    password_step(client, "bob", password)
    assert code_step(client, value).status_code == 303
