"""Email through the outbox, delivered to a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import Session, col, func, select
from starlette.testclient import TestClient

from directory import accounts
from directory.app import create_app
from directory.mail import notices, outbox, smtp
from directory.mail.compose import Composer
from directory.mail.sender import Sender
from directory.models import MailMessage
from directory.web.routes import ROUTES
from directory.web.templating import path_finder
from tests.web import decide, post_form, review_url, sign_in, submit_new, text_of

SUBMITTER = "someone@example.org"


class Inbox:
    """What an SMTP server received, and what it answers to the next messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.answer = "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.answer.startswith("250"):
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(parsed)
        return self.answer

    def wait_for(self, count: int, seconds: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, [m["Subject"] for m in self.messages]
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self, inbox: Inbox, port: int, **options) -> None:
        self.inbox, self.port, self.options = inbox, port, options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def mail_server(inbox: Inbox) -> Iterator[MailServer]:
    server = MailServer(inbox, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, mail_server: MailServer):
    url = f"smtp+insecure://127.0.0.1:{mail_server.port}"
    return settings.model_copy(update={"smtp_url": url, "mail_retry_seconds": 0.2})


@pytest.fixture
def mail_client(seeded, mail_settings, moderators) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings)) as client:
        yield client


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def messages_in_database(engine) -> list[MailMessage]:
    with Session(engine) as session:
        return list(session.exec(select(MailMessage).order_by(col(MailMessage.id))))


def wait_until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# Submitters ------------------------------------------------------------------------------


def test_a_submitter_who_asks_is_told_it_arrived_and_what_was_decided(
    mail_client, inbox, moderators, caplog
):
    caplog.set_level("DEBUG")
    sent = submit_new(mail_client, name="Glasgow Letters Group", contact=SUBMITTER, notify="yes")
    assert sent.status_code == 303, text_of(sent.text)
    token = re.search(r"/submissions/([\w-]+)", sent.headers["location"]).group(1)

    received = inbox.wait_for(1)[0]
    assert received["To"] == SUBMITTER
    assert "We received" in received["Subject"]
    assert f"/submissions/{token}" in body(received)
    assert received.get_body(preferencelist=("html",)) is not None

    sign_in(mail_client, "alice", moderators["alice"])
    review = review_url(mail_client, "Glasgow Letters Group")
    decided = decide(mail_client, review, "reject", "We could not find the group anywhere.")
    assert decided.status_code == 303

    decision = inbox.wait_for(2)[1]
    assert "Not accepted" in decision["Subject"]
    assert "We could not find the group anywhere." in body(decision)
    assert f"/submissions/{token}" in body(decision)
    # Our logs name messages by number, never by address (the test server's own log does).
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("directory")]
    assert any("mail 2 (rejected) sent" in line for line in ours)
    assert not any(SUBMITTER in line for line in ours)


def test_an_approval_links_to_the_published_listing(mail_client, inbox, moderators):
    from tests.web import prefilled

    submit_new(mail_client, name="Barlinnie Families Group", contact=SUBMITTER, notify="yes")
    inbox.wait_for(1)
    sign_in(mail_client, "alice", moderators["alice"])
    review = review_url(mail_client, "Barlinnie Families Group")
    values = prefilled(mail_client.get(review).text)
    answer = post_form(mail_client, review, {**values, "decision": "approve"})
    assert answer.status_code == 303, text_of(answer.text)
    approved = inbox.wait_for(2)[1]
    assert approved["Subject"] == "Published: Barlinnie Families Group"
    assert "/organisations/barlinnie-families-group" in body(approved)


def test_nobody_is_emailed_who_did_not_ask(mail_client, inbox, seeded):
    submit_new(mail_client, name="Quiet Group", contact=SUBMITTER)
    spam = submit_new(mail_client, name="Spam Group", contact=SUBMITTER, notify="yes", homepage="x")
    assert spam.status_code == 303
    time.sleep(0.5)
    assert inbox.messages == []
    assert messages_in_database(seeded) == []


def test_asking_for_email_needs_an_email_address(client):
    answer = submit_new(client, name="Phone Group", contact="0141 555 0100", notify="yes")
    assert answer.status_code == 400
    assert "To be emailed, write your email address here" in answer.text
    assert 'value="0141 555 0100"' in answer.text  # what they typed is kept
    assert 'name="notify" type="checkbox" value="yes" checked' in answer.text


def test_a_decision_made_while_the_mail_server_is_down_is_sent_once_it_is_back(
    mail_client, inbox, mail_server, moderators, seeded
):
    submit_new(mail_client, name="Down Time Group", contact=SUBMITTER, notify="yes")
    inbox.wait_for(1)
    mail_server.stop()

    sign_in(mail_client, "alice", moderators["alice"])
    review = review_url(mail_client, "Down Time Group")
    assert decide(mail_client, review, "request_changes", "Which town?").status_code == 303
    wait_until(lambda: any(m.attempts >= 1 for m in messages_in_database(seeded)))
    waiting = [m for m in messages_in_database(seeded) if m.template == "changes_requested"]
    assert [m.status for m in waiting] == ["waiting"]
    assert waiting[0].last_error

    mail_server.start()
    inbox.wait_for(2)
    time.sleep(1.0)  # several more rounds of the sender: nothing is sent again
    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == 2, subjects
    assert "Please change" in subjects[1]
    assert [m.status for m in messages_in_database(seeded)] == ["sent", "sent"]


# Moderators ------------------------------------------------------------------------------


def _give_email(engine, username: str, address: str) -> None:
    with Session(engine) as session:
        moderator = accounts.get_by_username(session, username)
        assert moderator is not None
        accounts.set_mail_preferences(session, moderator.id or 0, address, queue_digest=True)
        session.commit()


def test_password_reset_by_email(mail_client, inbox, seeded, public_client, moderators):
    _give_email(seeded, "bob", "bob@example.org")
    sign_in(public_client, "bob", moderators["bob"])  # another browser, signed in
    assert public_client.get("/moderate").status_code == 200

    asked = post_form(mail_client, "/moderate/reset", {"username": "bob"})
    unknown = post_form(mail_client, "/moderate/reset", {"username": "nobody"})
    assert asked.status_code == unknown.status_code == 303
    assert "we have sent a link" in mail_client.get(asked.headers["location"]).text

    reset = inbox.wait_for(1)[0]
    assert reset["To"] == "bob@example.org" and len(inbox.messages) == 1
    link = re.search(r"https?://\S+(/moderate/reset/[\w-]+)", body(reset)).group(1)
    with Session(seeded) as session:
        stored = session.exec(select(MailMessage)).one()
        assert link.rsplit("/", 1)[1] not in str(stored.context)  # never stored

    assert "Choose a new password" in mail_client.get(link).text
    short = post_form(mail_client, link, {"password": "short", "password_again": "short"})
    assert short.status_code == 400
    new = "a brand new long password"
    done = post_form(mail_client, link, {"password": new, "password_again": new})
    assert done.status_code == 303 and done.headers["location"] == "/moderate/login"

    # Every session ended; the link does not sign anyone in, and works once.
    assert public_client.get("/moderate", follow_redirects=False).status_code == 303
    assert mail_client.get(link).status_code == 404
    sign_in(mail_client, "bob", new)


def test_reset_requests_are_limited(client, moderators):
    answers = [post_form(client, "/moderate/reset", {"username": "bob"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert "Too many requests" in answers[-1].text


def test_without_a_mail_server_mail_waits_for_administrators(moderator_client, seeded):
    submit_new(moderator_client, name="Kept Mail Group", contact=SUBMITTER, notify="yes")
    page = moderator_client.get("/moderate/mail")
    assert page.status_code == 200
    assert "No mail server is set" in page.text
    assert "We received your submission" in page.text and SUBMITTER in page.text
    assert [m.status for m in messages_in_database(seeded)] == ["waiting"]


def test_the_mail_page_is_for_administrators_only(client, moderators):
    sign_in(client, "bob", moderators["bob"])
    assert client.get("/moderate/mail").status_code == 403


def test_moderators_set_their_address_on_their_account(moderator_client, seeded):
    bad = post_form(moderator_client, "/moderate/account", {"action": "mail", "email": "alice@"})
    assert bad.status_code == 400 and "That email address will not work" in bad.text
    good = {"action": "mail", "email": "Alice@Example.org", "queue_digest": "yes"}
    assert post_form(moderator_client, "/moderate/account", good).status_code == 303
    assert 'value="Alice@example.org"' in moderator_client.get("/moderate/account").text


def test_the_digest_is_queued_once_a_day_and_when_the_queue_is_long(client, seeded, moderators):
    _give_email(seeded, "alice", "alice@example.org")
    for number in range(3):
        submit_new(client, name=f"Waiting Group {number}", contact=SUBMITTER)
    morning, night = datetime(2026, 12, 3, 9, tzinfo=UTC), datetime(2026, 12, 3, 2, tzinfo=UTC)
    with Session(seeded) as session:
        notices.queue_digests(session, queue_size=10, now=night)  # too early, queue short
        assert session.exec(select(func.count()).select_from(MailMessage)).one() == 0
        notices.queue_digests(session, queue_size=3, now=night)  # the queue reached 3
        notices.queue_digests(session, queue_size=10, now=morning)
        notices.queue_digests(session, queue_size=10, now=morning)  # once a day only
        session.commit()
        digests = session.exec(select(MailMessage)).all()
    assert sorted(m.key.rsplit("-", 1)[1] for m in digests) == ["daily", "full"]
    assert all(m.recipient == "alice@example.org" and m.context["total"] == 3 for m in digests)


def test_the_approver_hears_when_their_listing_is_reported(moderator_client, seeded, inbox):
    from tests.web import prefilled

    _give_email(seeded, "alice", "alice@example.org")
    submit_new(moderator_client, name="Reported Group", contact=SUBMITTER)
    review = review_url(moderator_client, "Reported Group")
    values = prefilled(moderator_client.get(review).text)
    post_form(moderator_client, review, {**values, "decision": "approve"})
    path = "/organisations/reported-group/report"
    assert post_form(moderator_client, path, {"reason": "website-dead"}).status_code == 303
    reported = [m for m in messages_in_database(seeded) if m.template == "reported"]
    assert [m.recipient for m in reported] == ["alice@example.org"]
    assert reported[0].context["listing_name"] == "Reported Group"


# The sender and the mail server ----------------------------------------------------------


def _sender(engine, settings, port: int, **options) -> Sender:
    server = smtp.Server.from_url(f"smtp+insecure://127.0.0.1:{port}")
    composer = Composer(settings, path_finder(_router()))
    return Sender(engine, server, composer, digest_queue_size=1000, base_delay=0.01, **options)


def _router():
    from starlette.routing import Router

    return Router(routes=ROUTES)


def _queue(engine, count: int) -> None:
    with Session(engine) as session:
        for number in range(count):
            context = {
                "submission_token": f"t{number}",
                "submission_type": "New listing",
                "submission_kind": "new",
                "listing_name": "A",
                "listing_slug": None,
                "reason": None,
            }
            outbox.enqueue(session, f"test-{number}", SUBMITTER, "received", context)
        outbox.enqueue(session, "test-0", SUBMITTER, "received", context)  # the same key: once
        session.commit()


@pytest.mark.parametrize(
    ("answer", "status", "attempts"),
    [("550 No such user", "failed", 1), ("451 Try again later", "waiting", 1)],
)
def test_refusals_for_good_and_for_now(
    seeded, settings, inbox, mail_server, answer, status, attempts
):
    _queue(seeded, 1)
    inbox.answer = answer
    _sender(seeded, settings, mail_server.port).run_once()
    [message] = messages_in_database(seeded)
    assert (message.status, message.attempts) == (status, attempts)
    assert answer[:3] in (message.last_error or "")


def test_a_server_that_hangs_up_is_tried_again(seeded, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    _queue(seeded, 1)
    _sender(seeded, settings, listener.getsockname()[1]).run_once()
    listener.close()
    [message] = messages_in_database(seeded)
    assert message.status == "waiting" and "could not be reached" in (message.last_error or "")


def test_sign_in_to_the_mail_server(seeded, settings, inbox):
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        return AuthResult(success=auth_data.login == b"directory" and auth_data.password == b"pw")

    server = MailServer(inbox, free_port(), authenticator=authenticator, auth_require_tls=False)
    server.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", SUBMITTER, "Hello"
        message.set_content("Hello")
        good = smtp.Server.from_url(f"smtp+insecure://directory:pw@127.0.0.1:{server.port}")
        smtp.send(good, message)
        assert inbox.wait_for(1)[0]["Subject"] == "Hello"
        wrong = smtp.Server.from_url(f"smtp+insecure://directory:no@127.0.0.1:{server.port}")
        with pytest.raises(smtp.NotNow):  # kept, to be tried again once the settings are fixed
            smtp.send(wrong, message)
        assert len(inbox.messages) == 1
    finally:
        server.stop()


def test_smtp_url_requires_starttls_and_says_what_a_good_one_looks_like(mail_server):
    with pytest.raises(ValueError, match="smtp://user:password@host:587"):
        smtp.Server.from_url("http://mail.example.org")
    message = EmailMessage()
    message.set_content("x")
    # aiosmtpd without a certificate offers no STARTTLS, and smtp:// will not go on without it.
    with pytest.raises(smtp.NotNow, match="STARTTLS"):
        smtp.send(smtp.Server.from_url(f"smtp://127.0.0.1:{mail_server.port}"), message)


def test_two_senders_at_once_send_each_message_once(seeded, settings, inbox, mail_server):
    _queue(seeded, 30)
    senders = [_sender(seeded, settings, mail_server.port) for _ in range(2)]
    threads = [threading.Thread(target=s.run_once) for s in senders for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while any(m.status == "waiting" for m in messages_in_database(seeded)):
        senders[0].run_once()
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 30 and len(set(ids)) == 30


def test_purge_forgets_whom_old_mail_went_to(seeded):
    from datetime import timedelta

    from directory import retention

    _queue(seeded, 1)
    with Session(seeded) as session:
        retention.purge(session, 180, now=datetime.now(UTC) + timedelta(days=179))
        session.commit()
        assert session.exec(select(MailMessage.recipient)).one() == SUBMITTER
        retention.purge(session, 180, now=datetime.now(UTC) + timedelta(days=181))
        session.commit()
        [message] = session.exec(select(MailMessage)).all()
    assert (message.recipient, message.context, message.template) == (None, {}, "received")


def test_the_reset_forms_say_what_is_wrong_and_keep_nothing_they_should_not(client, moderators):
    expired = client.post("/moderate/reset", data={"username": "bob", "csrf_token": "stale"})
    assert expired.status_code == 403 and "The form had expired" in expired.text
    empty = post_form(client, "/moderate/reset", {"username": ""})
    assert empty.status_code == 400 and "Enter your username" in empty.text
    assert client.get("/moderate/reset/not-a-real-link").status_code == 404
    assert "Ask for a new link" in client.get("/moderate/reset/" + "x" * 20).text


def test_choosing_a_new_password_says_what_is_wrong(client, seeded, moderators):
    import hashlib
    from datetime import timedelta

    from directory.models import PasswordReset, utcnow

    with Session(seeded) as session:
        bob = accounts.get_by_username(session, "bob")
        digest = hashlib.sha256(b"a-known-link-secret").hexdigest()
        reset = PasswordReset(
            moderator_id=bob.id, token_hash=digest, expires_at=utcnow() + timedelta(hours=1)
        )
        session.add(reset)
        session.commit()
    link = "/moderate/reset/a-known-link-secret"
    different = {"password": "a long new password", "password_again": "another long one"}
    mismatch = post_form(client, link, different)
    assert mismatch.status_code == 400 and "The two passwords are not the same" in mismatch.text
    stale = client.post(link, data={**different, "csrf_token": "stale"})
    assert stale.status_code == 400 and "The form had expired" in stale.text


def test_a_long_queue_goes_out_without_waiting_between_rounds(seeded, settings, inbox, mail_server):
    _queue(seeded, 25)  # more than one round of 20
    server = smtp.Server.from_url(f"smtp+insecure://127.0.0.1:{mail_server.port}")
    composer = Composer(settings, path_finder(_router()))
    sender = Sender(seeded, server, composer, digest_queue_size=1000, poll_seconds=600)
    sender.start()
    try:
        assert len(inbox.wait_for(25, seconds=20)) == 25  # not 20, then 10 minutes
    finally:
        sender.stop()
