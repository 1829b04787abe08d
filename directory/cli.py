"""The `directory` command: the same services the web app uses, from a terminal."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy.engine import Engine

from directory import (
    accounts,
    activities,
    backups,
    catalogue,
    linkcheck,
    retention,
    serving,
    two_factor,
)
from directory import migrate as migrations
from directory import seed as seeding
from directory.database import let_waiting_writers_in, make_engine, session_scope
from directory.opendata import exporting, importing
from directory.places import build as gazetteer_build
from directory.places import current as gazetteer_current
from directory.search import backends
from directory.search import meili_keys as meili_key_set
from directory.search.errors import SearchUnavailable
from directory.search.indexing import reindex as rebuild_index
from directory.settings import Settings


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Run and look after the prisoner support directory."""
    context.obj = Settings()


def _engine(settings: Settings) -> Engine:
    """The command's engine, disposed of when the command ends, so that its connections are
    closed properly rather than dropped (which PostgreSQL logs, and psycopg warns about)."""
    engine = make_engine(settings)
    click.get_current_context().call_on_close(engine.dispose)
    return engine


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema."""
    migrations.upgrade(_engine(settings))
    click.echo("Database is up to date.")


@main.command()
@click.option("--if-empty", is_flag=True, help="Only seed a database with no organisations.")
@click.pass_obj
def seed(settings: Settings, if_empty: bool) -> None:
    """Load the seed listings (DIRECTORY_SEED_DIR, else those shipped with the directory) into
    the database, updating existing listings (never duplicating)."""
    try:
        records = seeding.load(settings.seed_dir)
    except seeding.SeedError as error:
        click.echo(f"The seed data has {len(error.problems)} problem(s):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    engine = _engine(settings)
    with session_scope(engine) as session:
        if if_empty and catalogue.count(session):
            click.echo("The database already has organisations; not seeding.")
            return
        tally = catalogue.upsert_many(session, records)
        seeded = seeding.load_activities(settings.seed_dir, records)
        gazetteer = settings.gazetteer_path
        held = activities.upsert_many(
            session,
            [(item.organisation, item.values) for item in seeded],
            gazetteer=gazetteer if gazetteer is not None and gazetteer.exists() else None,
        )
    click.echo(
        f"Seeded {len(records)} organisations: {tally['created']} created, "
        f"{tally['updated']} updated, {tally['unchanged']} unchanged."
    )
    click.echo(
        f"Seeded {len(seeded)} activities: {held['created']} created, "
        f"{held['updated']} updated, {held['unchanged']} unchanged."
    )


@main.command()
@click.option("--places", is_flag=True, help="Also rebuild the place-name gazetteer.")
@click.pass_obj
def reindex(settings: Settings, places: bool) -> None:
    """Rebuild every search index from the database (and the gazetteer if missing or old)."""
    engine = _engine(settings)
    failed = False
    for backend in backends.service(settings).backends:
        with session_scope(engine) as session:
            total = catalogue.count(session)
            with click.progressbar(length=total, label=f"Indexing ({backend.name})") as bar:
                try:
                    indexed = rebuild_index(session, backend, progress=bar.update)
                except SearchUnavailable as error:
                    # A remote index being down must not stop the directory starting: search
                    # falls back to the embedded index and the relay catches up later.
                    failed = not backend.remote
                    click.echo(
                        f"\nCould not rebuild {backend.name}: {error.reason}. Searches will be "
                        f"served from the embedded index; run `directory reindex` again once "
                        f"{backend.name} is back.",
                        err=True,
                    )
                    continue
        click.echo(f"Indexed {indexed} organisations in {backend.name}.")
    gazetteer = settings.gazetteer_path
    assert gazetteer is not None
    if places or not gazetteer_current(gazetteer):
        click.echo("Building the place-name gazetteer…")
        click.echo(f"{gazetteer_build(gazetteer):,} place names ready.")
    if failed:
        sys.exit(1)


@main.command("meili-keys")
@click.option(
    "--master-key-stdin", is_flag=True, help="Read the master key from standard input (scripts)."
)
@click.pass_obj
def meili_keys(settings: Settings, master_key_stdin: bool) -> None:
    """Make the two Meilisearch keys the directory uses (an admin key and a search key),
    with the server's master key, which the directory itself should not be given."""
    if not settings.meili_url:
        raise click.UsageError("Set MEILI_URL to the Meilisearch server first.")
    if master_key_stdin:
        master_key = sys.stdin.readline().strip()
    else:
        master_key = click.prompt("Meilisearch master key", hide_input=True)
    try:
        admin, search = meili_key_set.create(settings.meili_url, master_key, settings.meili_index)
    except meili_key_set.KeysNotMade as error:
        click.echo(f"Meilisearch did not make the keys: {error}.", err=True)
        sys.exit(1)
    click.echo(
        f"Made two keys on {settings.meili_url} for the index {settings.meili_index!r}. "
        f"Put these in the directory's environment (and the master key nowhere in it):"
    )
    click.echo(f"MEILI_API_KEY={admin}")
    click.echo(f"MEILI_SEARCH_KEY={search}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help='Processes serving at once, sharing the port (README.md, "Serving").',
)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, reload: bool, workers: int) -> None:
    """Serve the directory over HTTP."""
    if reload and workers > 1:
        raise click.UsageError("--reload restarts one process; it cannot be used with --workers.")
    serving.run(settings, host, port, reload, workers)


@main.command("create-moderator")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Also let them add and deactivate moderators.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@click.pass_obj
def create_moderator(settings: Settings, username: str, admin: bool, password_stdin: bool) -> None:
    """Add a moderator, who can then sign in at /moderate/login."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt=True, value_proc=_usable_password
        )
    problem = accounts.check_username(accounts.normalise_username(username))
    problem = problem or accounts.check_password(password)
    if problem:
        click.echo(f"Cannot create that moderator: {problem}", err=True)
        sys.exit(1)
    try:
        with session_scope(_engine(settings)) as session:
            moderator = accounts.create_moderator(session, username, password, admin=admin)
            name, role = moderator.username, moderator.role
    except accounts.AccountError as error:
        click.echo(f"Cannot create that moderator: {error}", err=True)
        sys.exit(1)
    click.echo(f"Created {role} {name}. Sign in at {settings.base_url}/moderate/login")


@main.command("reset-two-factor")
@click.argument("username")
@click.pass_obj
def reset_two_factor(settings: Settings, username: str) -> None:
    """Turn off a moderator's two-factor sign-in (they lost their phone and recovery codes),
    signing them out everywhere."""
    try:
        with session_scope(_engine(settings)) as session:
            moderator = two_factor.reset(session, username, actor="cli")
            name = moderator.username
    except accounts.AccountError as error:
        click.echo(f"Cannot reset that: {error}", err=True)
        sys.exit(1)
    click.echo(f"Two-factor sign-in is off for {name}. They can sign in with their password.")


def _usable_password(value: str) -> str:
    problem = accounts.check_password(value)
    if problem:
        raise click.BadParameter(problem)
    return value


@main.command()
@click.option(
    "--format",
    "format_name",
    type=click.Choice(list(exporting.FORMATS)),
    default="json",
    show_default=True,
    help="hsds: Open Referral HSDS 3.0 organizations; json: our own; csv: one row each.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_obj
def export(settings: Settings, format_name: str, output: Path | None) -> None:
    """Write every listing as open data, in slug order."""
    with session_scope(_engine(settings)) as session:
        total = catalogue.count(session)
        with (
            _output_stream(output) as out,
            click.progressbar(
                length=total,
                label=f"Exporting {total} organisations",
                file=sys.stderr,
            ) as bar,
        ):
            written = exporting.export(session, format_name, out, progress=bar.update)
    if output is not None:
        click.echo(f"Wrote {written} organisations to {output}.", err=True)


@contextmanager
def _output_stream(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file that appears only once it is complete."""
    if path is None:
        yield sys.stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--publish", is_flag=True, help="Publish at once instead of queueing for review.")
@click.option(
    "--as",
    "username",
    metavar="USERNAME",
    help="The active administrator publishing (needed with --publish).",
)
@click.pass_obj
def import_(settings: Settings, file: Path, publish: bool, username: str | None) -> None:
    """Import listings from FILE (our JSON or HSDS 3.0, recognised from the content).

    Every record is validated and every bad one reported. Valid records are queued for
    moderation, or with --publish published at once. Records identical to the live listing
    or to a submission still waiting are skipped, so running an import again is safe (also
    after one stopped half way: records are written a batch at a time).
    """
    if publish and not username:
        raise click.UsageError("--publish needs --as USERNAME, an active administrator.")
    engine = _engine(settings)
    try:
        if publish:  # refuse before reading anything; publish() checks again as it writes
            assert username is not None
            with session_scope(engine) as session:
                importing.check_publisher(session, username)
        imported = importing.read_file(file)
    except importing.NotAllowed as error:
        click.echo(f"Cannot publish: {error}", err=True)
        sys.exit(1)
    except importing.UnreadableFile as error:
        click.echo(f"Cannot import {file}: {error}", err=True)
        sys.exit(1)
    for candidate in imported.rejected:
        for problem in candidate.problems:
            click.echo(f"{candidate.where()}: {problem}", err=True)
    report = importing.new_report(imported)
    try:
        for batch in imported.batches():  # short transactions: forms sent meanwhile get a turn
            with session_scope(engine) as session:
                if publish:
                    assert username is not None
                    importing.publish(session, batch, username, report)
                else:
                    importing.queue(session, batch, file.name, report)
            let_waiting_writers_in(engine)
    except importing.NotAllowed as error:  # deactivated meanwhile: what was written stays
        click.echo(f"Cannot publish the rest: {error}", err=True)
        sys.exit(1)
    for note in report.notes:
        click.echo(f"Note: {note}", err=True)
    label = "HSDS 3.0" if imported.format == "hsds" else "our JSON"
    click.echo(f"Imported {len(imported.candidates)} records ({label}): {report.summary()}.")
    if publish and (report.counts["created"] or report.counts["updated"]):
        click.echo("Search indexes catch up from the outbox (or run `directory reindex`).")
    if report.counts["rejected"]:
        sys.exit(1)


@main.command("check-links")
@click.option("--concurrency", default=linkcheck.CONCURRENCY, show_default=True, type=int)
@click.option("--timeout", default=linkcheck.TIMEOUT_SECONDS, show_default=True, type=float)
@click.pass_obj
def check_links(settings: Settings, concurrency: int, timeout: float) -> None:
    """Check every listing's website and record which may be down, for moderators."""
    engine = _engine(settings)
    with session_scope(engine) as session:
        targets = linkcheck.websites(session)
    with click.progressbar(length=len(targets), label="Checking websites") as bar:
        results = asyncio.run(
            linkcheck.check(
                targets,
                concurrency=max(1, concurrency),
                timeout=timeout,
                progress=lambda _: bar.update(1),
            )
        )
    with session_scope(engine) as session:
        linkcheck.record(session, results)
    down = [r for r in results if not r.ok]
    answered = len(results) - len(down)
    click.echo(f"Checked {len(results)} websites: {answered} answered, {len(down)} may be down.")
    for result in down:
        click.echo(f"  {result.slug}: {result.url} ({result.error})")


# Backups and retention ---------------------------------------------------------------------


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(settings: Settings, file: Path) -> None:
    """Back the database up to FILE, safely while the site runs and writes.

    SQLite: a copy made with SQLite's online backup API (itself a SQLite database).
    PostgreSQL: `pg_dump --format=custom`. FILE holds contact details and password hashes:
    keep it as private as the database.
    """
    try:
        made = backups.backup(settings.database_url, file)
    except backups.BackupError as error:
        click.echo(f"Cannot back up: {error}", err=True)
        sys.exit(1)
    held = ""
    if made.rows:
        held = (
            f" ({made.rows.get('organisation', 0)} listings, "
            f"{made.rows.get('moderator', 0)} moderators, "
            f"{made.rows.get('submission', 0)} submissions)"
        )
    click.echo(
        f"Backed up the database{held} to {file}: {_size(made.size_bytes)} in {made.seconds:.2f} s."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def restore(context: click.Context, file: Path) -> None:
    """Restore a backup made by `directory backup` into an EMPTY database, bring its schema
    up to date and rebuild the search indexes. A database that already holds listings,
    moderators or submissions is refused and left as it was. Stop the site first."""
    settings: Settings = context.obj
    engine = _engine(settings)
    try:
        made = backups.restore(engine, settings.database_url, file)
    except backups.BackupError as error:
        click.echo(f"Cannot restore: {error}", err=True)
        sys.exit(1)
    migrations.upgrade(engine)
    held = backups.data_rows(engine)
    click.echo(
        f"Restored {held.get('organisation', 0)} listings and {held.get('moderator', 0)} "
        f"moderators from {file} "
        f"in {made.seconds:.2f} s. Rebuilding the search index (as `directory reindex`)…"
    )
    context.invoke(reindex, places=False)


def _size(size_bytes: int) -> str:
    return (
        f"{size_bytes / 1024:,.0f} KB"
        if size_bytes < 1024**2
        else f"{size_bytes / 1024**2:,.1f} MB"
    )


@main.command()
@click.option("--dry-run", is_flag=True, help="Only say how many would be deleted.")
@click.pass_obj
def purge(settings: Settings, dry_run: bool) -> None:
    """Delete submitters' contact details (contact, how they know the group, their note)
    from submissions decided more than DIRECTORY_CONTACT_RETENTION_DAYS ago. Decisions and
    the audit log stay. Submissions still waiting for a moderator are kept whole."""
    days = settings.contact_retention_days
    with session_scope(_engine(settings)) as session:
        count = retention.due(session, days) if dry_run else retention.purge(session, days)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(
        f"{verb} the contact details of {count} submission(s) decided more than {days} days ago."
    )


if __name__ == "__main__":  # `python -m directory.cli`, as the benchmarks run it
    main()
