"""The `directory` command: the same services the web app uses, from a terminal."""

from __future__ import annotations

import sys

import click

from directory import catalogue
from directory import migrate as migrations
from directory import seed as seeding
from directory.database import make_engine, session_scope
from directory.search import backends
from directory.search.indexing import reindex as rebuild_index
from directory.settings import Settings


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Run and look after the prisoner support directory."""
    context.obj = Settings()


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema."""
    migrations.upgrade(make_engine(settings))
    click.echo("Database is up to date.")


@main.command()
@click.option("--if-empty", is_flag=True, help="Only seed a database with no organisations.")
@click.pass_obj
def seed(settings: Settings, if_empty: bool) -> None:
    """Load seed_data/ into the database, updating existing listings (never duplicating)."""
    try:
        records = seeding.load(settings.seed_dir)
    except seeding.SeedError as error:
        click.echo(f"The seed data has {len(error.problems)} problem(s):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    engine = make_engine(settings)
    with session_scope(engine) as session:
        if if_empty and catalogue.count(session):
            click.echo("The database already has organisations; not seeding.")
            return
        tally = catalogue.upsert_many(session, records)
    click.echo(
        f"Seeded {len(records)} organisations: {tally['created']} created, "
        f"{tally['updated']} updated, {tally['unchanged']} unchanged."
    )


@main.command()
@click.pass_obj
def reindex(settings: Settings) -> None:
    """Rebuild the search index from the database."""
    engine = make_engine(settings)
    backend = backends.embedded(settings)
    with session_scope(engine) as session:
        total = catalogue.count(session)
        with click.progressbar(length=total, label=f"Indexing ({backend.name})") as bar:
            indexed = rebuild_index(session, backend, progress=bar.update)
    click.echo(f"Indexed {indexed} organisations.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
def serve(host: str, port: int, reload: bool) -> None:
    """Serve the directory over HTTP."""
    import uvicorn

    uvicorn.run(
        "directory.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        proxy_headers=True,
    )
