"""Moderator accounts: the service, and `directory create-moderator` from a terminal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from directory import accounts
from directory.cli import main
from directory.models import AuditEvent, Moderator

pytestmark = pytest.mark.databases

PASSWORD = "correct horse battery staple"


def test_create_and_authenticate(session):
    moderator = accounts.create_moderator(session, " Alice ", PASSWORD)
    assert (moderator.username, moderator.role, moderator.active) == ("alice", "moderator", True)
    assert moderator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in moderator.password_hash
    found = accounts.authenticate(session, "ALICE", PASSWORD)
    assert found is not None and found.username == "alice"
    assert found.last_login_at is not None


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "wrong password here"),
        ("nobody", PASSWORD),
        ("alice", ""),
        ("", PASSWORD),
        ("ali\x00ce", PASSWORD),  # PostgreSQL refuses NUL in text: must not reach it
    ],
)
def test_authenticate_refuses_wrong_credentials(session, username, password):
    accounts.create_moderator(session, "alice", PASSWORD)
    assert accounts.authenticate(session, username, password) is None


def test_a_deactivated_moderator_cannot_sign_in(session):
    accounts.create_moderator(session, "admin", PASSWORD, admin=True)
    accounts.create_moderator(session, "alice", PASSWORD)
    accounts.set_active(session, "alice", False, actor="admin")
    assert accounts.authenticate(session, "alice", PASSWORD) is None
    accounts.set_active(session, "alice", True, actor="admin")
    assert accounts.authenticate(session, "alice", PASSWORD) is not None


def test_set_active_is_audited_and_refuses_yourself(session):
    accounts.create_moderator(session, "admin", PASSWORD, admin=True, actor="cli")
    accounts.create_moderator(session, "alice", PASSWORD, actor="admin")
    accounts.set_active(session, "alice", False, actor="admin")
    with pytest.raises(accounts.AccountError, match="your own account"):
        accounts.set_active(session, "admin", False, actor="admin")
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert [(e.actor, e.action) for e in events] == [
        ("cli", "moderator_create"),
        ("admin", "moderator_create"),
        ("admin", "moderator_deactivate"),
    ]
    assert events[-1].before["active"] is True and events[-1].after["active"] is False
    assert all("password" not in str(e.after) for e in events)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "short", "at least 12"),
        ("a", PASSWORD, "2 to 40 characters"),
        ("al ice", PASSWORD, "lower-case letters"),
        ("<script>", PASSWORD, "lower-case letters"),
        ("x" * 41, PASSWORD, "2 to 40 characters"),
    ],
)
def test_create_refuses_bad_usernames_and_passwords(session, username, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_moderator(session, username, password)


def test_usernames_are_unique(session):
    accounts.create_moderator(session, "alice", PASSWORD)
    with pytest.raises(accounts.AccountError, match="already a moderator called alice"):
        accounts.create_moderator(session, "ALICE", PASSWORD)


def test_list_moderators(session):
    for name in ("carol", "alice", "bob"):
        accounts.create_moderator(session, name, PASSWORD)
    assert [m.username for m in accounts.list_moderators(session)] == ["alice", "bob", "carol"]


# The command line ---------------------------------------------------------------------------


@pytest.fixture
def run(settings, engine, monkeypatch):
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MEILI_URL", raising=False)

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def moderators_in(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {m.username: m.role for m in session.exec(select(Moderator)).all()}


def test_create_moderator_with_password_stdin(run, engine):
    result = run("create-moderator", "alice", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created moderator alice" in result.output
    admin = run("create-moderator", "root", "--admin", "--password-stdin", input=PASSWORD)
    assert "Created admin root" in admin.output
    assert moderators_in(engine) == {"alice": "moderator", "root": "admin"}
    with Session(engine) as session:
        assert accounts.authenticate(session, "alice", PASSWORD) is not None


def test_create_moderator_prompts_twice_without_echo(run, engine):
    result = run("create-moderator", "bob", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert moderators_in(engine) == {"bob": "moderator"}


def test_create_moderator_asks_again_for_a_short_password(run, settings):
    result = run("create-moderator", "bob", input=f"short\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0
    assert "at least 12" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("alice",), "short\n", "at least 12"),
        (("no spaces",), PASSWORD, "lower-case letters"),
    ],
)
def test_create_moderator_refuses_bad_input(run, engine, args, stdin, message):
    result = run("create-moderator", *args, "--password-stdin", input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert moderators_in(engine) == {}


def test_create_moderator_refuses_a_duplicate(run, settings):
    run("create-moderator", "alice", "--password-stdin", input=PASSWORD)
    again = run("create-moderator", "alice", "--password-stdin", input=PASSWORD)
    assert again.exit_code == 1
    assert "already a moderator called alice" in again.output


# Session versions, passwords and public names (issue 12) -----------------------------------


def test_sign_out_deactivation_and_a_new_password_each_raise_the_session_version(session):
    accounts.create_moderator(session, "admin", PASSWORD, admin=True)
    alice = accounts.create_moderator(session, "alice", PASSWORD)
    versions = [alice.session_version]
    accounts.sign_out(session, alice.id)
    versions.append(alice.session_version)
    accounts.set_active(session, "alice", False, actor="admin")
    versions.append(alice.session_version)
    accounts.set_active(session, "alice", True, actor="admin")
    versions.append(alice.session_version)
    accounts.change_password(session, alice.id, PASSWORD, "another long password", actor="alice")
    versions.append(alice.session_version)
    assert versions == sorted(set(versions)) and len(versions) == 5


def test_changing_a_password_needs_the_current_one(session):
    alice = accounts.create_moderator(session, "alice", PASSWORD)
    with pytest.raises(accounts.WrongPassword):
        accounts.change_password(session, alice.id, "not it at all", "another long password",
                                 actor="alice")  # fmt: skip
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.change_password(session, alice.id, PASSWORD, "short", actor="alice")
    accounts.change_password(session, alice.id, PASSWORD, "another long password", actor="alice")
    assert accounts.authenticate(session, "alice", PASSWORD) is None
    assert accounts.authenticate(session, "alice", "another long password") is not None
    event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert event.action == "moderator_password_change"
    assert "argon2" not in str(event.after) and "another long" not in str(event.after)


def _approve_edit(session, slug: str, moderator: str, **changes) -> None:
    from directory import catalogue, moderation

    submitted = moderation.submit_edit(
        session, catalogue.get(session, slug), changes, moderation.Submitter(contact="a@b.example")
    )
    moderation.approve(
        session, submitted, moderation.proposed_values(session, submitted), moderator=moderator
    )


def test_a_public_name_follows_to_the_listings_they_were_last_to_approve(session):
    from directory import catalogue
    from tests import factories

    for slug in ("first", "second"):
        catalogue.upsert(session, factories.record(slug=slug))
    accounts.create_moderator(session, "alice", PASSWORD)
    accounts.create_moderator(session, "bob", PASSWORD)
    _approve_edit(session, "first", "alice", city="Leeds")
    _approve_edit(session, "first", "bob", city="York")  # bob checked it last
    _approve_edit(session, "second", "alice", city="Hull")

    accounts.set_display_name(session, "alice", "  Alice   P. ", actor="alice")
    credits = {slug: catalogue.get(session, slug).verified_by for slug in ("first", "second")}
    assert credits == {"first": accounts.VOLUNTEER_CREDIT, "second": "Alice P."}
    accounts.set_display_name(session, "alice", "", actor="alice")
    assert catalogue.get(session, "second").verified_by == accounts.VOLUNTEER_CREDIT
    actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions.count("moderator_display_name") == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [("x" * 81, "at most 80"), ("Sam\u202eoll", "cannot be used"), ("Sam\x00", "cannot be used")],
)
def test_a_public_name_is_refused_when_it_cannot_be_shown(session, name, message):
    accounts.create_moderator(session, "alice", PASSWORD)
    with pytest.raises(accounts.AccountError, match=message):
        accounts.set_display_name(session, "alice", name, actor="alice")
