"""Heavy pages under load: /sitemap.xml and /print at 10,000 listings, and a search meanwhile.

Generates 10,000 synthetic listings (the generator scripts/benchmark.py uses) into a fresh
SQLite database, builds the index, serves it with uvicorn on 127.0.0.1, and then, for each
heavy page in turn, keeps N clients asking for it for a fixed time while one more client asks
for a search the server already has ready (/api/search?q=books, asked once before) every
50 ms. Prints p50/p95/max of the heavy page (by status) and of the search meanwhile. Bounded in
time; traffic goes only to 127.0.0.1. Asserts nothing.

Usage: python scripts/heavy_pages.py [--listings 10000] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory import catalogue  # noqa: E402
from directory.database import make_engine, session_scope  # noqa: E402
from directory.records import OrganisationRecord  # noqa: E402
from directory.settings import Settings  # noqa: E402
from scripts.benchmark import synthetic_documents  # noqa: E402
from scripts.loadtest import (  # noqa: E402
    DRIVER_CPU,
    PINNED,
    Connection,
    percentile,
    request_bytes,
    run_loop,
    serve,
)
from scripts.running import cli, own_environment  # noqa: E402

CACHED_SEARCH = "/api/search?q=books"
PROBE_INTERVAL = 0.05  # seconds between two searches of the probing client
RUNS = [("/sitemap.xml", 16), ("/print?q=", 48)]


def listing_records(size: int) -> list[OrganisationRecord]:
    """The benchmark's synthetic documents as listings the database accepts."""
    records = []
    for document in synthetic_documents(size):
        records.append(
            OrganisationRecord.model_validate(
                {
                    "slug": document["slug"],
                    "name": document["name"],
                    "kind": document["kind"],
                    "description": document["description"],
                    "focus": document["focus"],
                    "services": document["services"],
                    "country": document["country"],
                    "city": document["city"],
                    "website": document["url"],
                    "status": document["status"],
                    "postal_address": f"PO Box {document['slug'][4:]}\n{document['city']}",
                    "postal_address_accepts_prisoner_mail": True,
                    "sources": [document["url"]],
                }
            )
        )
    return records


def prepare_site(data_dir: Path, size: int) -> dict[str, str]:
    """A directory of `size` listings in data_dir, indexed; returns the server's environment."""
    env = own_environment(data_dir)
    cli(env, "migrate")
    settings = Settings(data_dir=data_dir, database_url="", search="embedded", meili_url="")
    engine = make_engine(settings)
    with session_scope(engine) as session:
        catalogue.upsert_many(session, listing_records(size))
    engine.dispose()
    cli(env, "reindex")
    return env


async def _heavy_client(
    base: str, path: str, deadline: float, timings: dict[int, list[float]]
) -> None:
    connection = Connection(*_host_port(base))
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(connection.get(request_bytes(path)), 120)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                status = 0
                await connection.close()
            timings.setdefault(status, []).append(time.perf_counter() - started)
    finally:
        await connection.close()


async def _probe(base: str, deadline: float, timings: list[float]) -> None:
    connection = Connection(*_host_port(base))
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _ = await asyncio.wait_for(connection.get(request_bytes(CACHED_SEARCH)), 120)
            timings.append(time.perf_counter() - started)
            assert status == 200, status
            await asyncio.sleep(PROBE_INTERVAL)
    finally:
        await connection.close()


def _host_port(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


async def load(base: str, path: str, clients: int, seconds: float) -> dict[str, Any]:
    heavy: dict[int, list[float]] = {}
    searches: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        _probe(base, deadline, searches),
        *(_heavy_client(base, path, deadline, heavy) for _ in range(clients)),
    )
    return {"heavy": heavy, "searches": searches, "seconds": time.perf_counter() - started}


def _figures(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"n={len(ms)} p50 {statistics.median(ms):8.1f} ms  p95 {percentile(ms, 0.95):8.1f} ms"
        f"  max {max(ms):8.1f} ms"
    )


def report(path: str, clients: int, run: dict[str, Any]) -> None:
    print(f"\n{path}, {clients} clients, {run['seconds']:.0f} s:")
    for status, seconds in sorted(run["heavy"].items()):
        print(f"  {path} {status or 'failed'}: {_figures(seconds)}")
    print(f"  {CACHED_SEARCH} meanwhile: {_figures(run['searches'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30, help="per heavy page")
    args = parser.parse_args()
    print(
        f"{args.listings:,} listings, one uvicorn worker, {os.cpu_count()} CPUs"
        + (f", server on CPU 0, clients on CPU {DRIVER_CPU}" if PINNED else "")
    )
    if PINNED:
        os.sched_setaffinity(0, {DRIVER_CPU})
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        env = prepare_site(Path(tmp), args.listings)
        print(f"listings written and indexed in {time.perf_counter() - started:.0f} s")
        for path, clients in RUNS:
            process, base = serve("directory.app:create_app", env, factory=True)
            try:
                idle: list[float] = []
                run_loop(_probe(base, time.perf_counter() + 2, idle))  # asks once: now kept
                print(f"\n{CACHED_SEARCH} with nothing else running: {_figures(idle)}")
                report(path, clients, run_loop(load(base, path, clients, args.seconds)))
            finally:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
