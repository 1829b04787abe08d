"""The privacy page, and `directory purge` keeping the promise it makes about contact details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from directory.app import create_app
from directory.cli import main
from directory.models import AuditEvent, Submission
from tests.web import approve, decide, review_url, submit_new, text_of, token_of


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MEILI_URL", raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


# The page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [None, 30])
def test_privacy_page_states_the_retention_period_the_purge_applies(seeded, settings, days):
    if days is not None:
        settings = settings.model_copy(update={"contact_retention_days": days})
    expected = days or 180  # the default
    with TestClient(create_app(settings)) as client:
        page = client.get("/privacy")
    assert page.status_code == 200
    said = text_of(page.text)
    assert f"for {expected} days after it has been decided" in said
    assert "We do not keep your internet (IP) address" in said
    assert "only the volunteers who check listings" in said


def test_every_page_and_the_contact_fields_link_to_the_privacy_page(client):
    for path in ("/", "/search", "/submit", "/organisations/bent-bars-project"):
        assert 'href="/privacy"' in client.get(path).text, path
    for path in ("/submit", "/organisations/bent-bars-project/report"):
        assert '(<a href="/privacy">how we look after' in client.get(path).text, path


# The purge ---------------------------------------------------------------------------------


def _sent(client: TestClient, name: str) -> str:
    return token_of(submit_new(client, name=name, note=f"Ring me about {name} after six."))


def _age(engine, token: str, days: int) -> None:
    """Make the submission's decision (or, still pending, its arrival) `days` old."""
    then = datetime.now(UTC) - timedelta(days=days)
    with Session(engine) as session:
        submission = session.exec(select(Submission).where(Submission.token == token)).one()
        if submission.decided_at is not None:
            submission.decided_at = then
        submission.created_at = then
        session.add(submission)
        session.commit()


def _rows(engine) -> tuple[dict[str, Submission], list[tuple]]:
    with Session(engine, expire_on_commit=False) as session:
        submissions = {s.token: s for s in session.exec(select(Submission))}
        audit = [
            (e.id, e.actor, e.action, e.submission_id, e.before, e.after)
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
        ]
    return submissions, audit


def test_purge_deletes_contact_details_after_the_period_and_keeps_decisions_and_audit(
    moderator_client, public_client, seeded, run
):
    tokens = {
        name: _sent(public_client, name)
        for name in ("Alder Approved", "Birch Rejected", "Cedar Waiting", "Damson Recent")
    }
    approve(moderator_client, review_url(moderator_client, "Alder Approved"))
    decide(
        moderator_client, review_url(moderator_client, "Birch Rejected"), "reject", "Not a group."
    )
    approve(moderator_client, review_url(moderator_client, "Damson Recent"))
    for name in ("Alder Approved", "Birch Rejected", "Cedar Waiting"):
        _age(seeded, tokens[name], 181)
    _age(seeded, tokens["Damson Recent"], 179)
    before, audit_before = _rows(seeded)

    dry = run("purge", "--dry-run")
    assert dry.exit_code == 0
    assert "Would delete the contact details of 2 submission(s)" in dry.output
    assert _rows(seeded)[0][tokens["Alder Approved"]].contact is not None

    done = run("purge")
    assert "Deleted the contact details of 2 submission(s) decided more than 180 days ago" in (
        done.output
    )
    after, audit_after = _rows(seeded)
    assert audit_after == audit_before  # the audit log is untouched
    for name in ("Alder Approved", "Birch Rejected"):
        old, new = before[tokens[name]], after[tokens[name]]
        assert (new.contact, new.relation, new.note) == (None, None, None)
        assert (new.status, new.decided_by, new.decision_reason, new.proposed) == (
            old.status,
            old.decided_by,
            old.decision_reason,
            old.proposed,
        )
    assert after[tokens["Birch Rejected"]].status == "rejected"
    assert after[tokens["Birch Rejected"]].decision_reason == "Not a group."
    for name in ("Cedar Waiting", "Damson Recent"):  # still waiting; decided too recently
        kept = after[tokens[name]]
        assert kept.contact == before[tokens[name]].contact is not None
        assert kept.note == f"Ring me about {name} after six."

    review = moderator_client.get(f"/moderate/submissions/{after[tokens['Alder Approved']].id}")
    assert review.status_code == 200
    review = review.text
    assert before[tokens["Alder Approved"]].contact not in review
    assert "Ring me about Alder Approved" not in review
    assert "Contact Not given" in text_of(review)
    assert "Deleted the contact details of 0 submission(s)" in run("purge").output


def test_purge_follows_the_setting(moderator_client, public_client, seeded, run, monkeypatch):
    token = _sent(public_client, "Month Old")
    approve(moderator_client, review_url(moderator_client, "Month Old"))
    _age(seeded, token, 31)
    assert "of 0 submission(s) decided more than 180 days ago" in run("purge").output
    monkeypatch.setenv("DIRECTORY_CONTACT_RETENTION_DAYS", "30")
    assert "of 1 submission(s) decided more than 30 days ago" in run("purge").output
    assert _rows(seeded)[0][token].contact is None
