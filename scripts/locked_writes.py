"""Benchmark: submissions written while `directory import --publish` runs in another process.

Makes a site in a temporary directory (SQLite), writes N generated listings to a file, starts
the import in a second process, and meanwhile sends waves of parallel submissions through
the moderation service, as the web form does. Prints how many were saved, how many found the
database unavailable (the form then says "try again"), and how long they waited. Asserts
nothing. Usage: python scripts/locked_writes.py [--listings 10000] [--writers 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from directory import moderation
from directory.database import Unavailable, make_engine, session_scope
from directory.settings import Settings
from scripts.running import ROOT, cli, own_environment  # noqa: E402

PASSWORD = "a long enough password for the benchmark"


def listings(count: int) -> list[dict[str, object]]:
    return [
        {
            "slug": f"imported-group-{number}",
            "name": f"Imported Group {number}",
            "kind": "regional-network",
            "description": "A volunteer group that writes letters to people held in prison.",
            "focus": ["all-prisoners"],
            "services": ["letter-writing"],
            "country": "GB",
            "sources": [f"https://example.org/source/{number}"],
        }
        for number in range(count)
    ]


def write_wave(settings: Settings, writers: int, outcomes: list[tuple[str, float]]) -> None:
    engine = make_engine(settings)

    def one(number: int) -> None:
        started = time.perf_counter()
        try:
            with session_scope(engine) as session:
                moderation.submit_new(
                    session,
                    {"name": f"Wave Group {number}", "kind": "abc-group"},
                    moderation.Submitter(contact="someone@example.net", note="A private note."),
                )
            outcome = "saved"
        except Unavailable:
            outcome = "unavailable"
        except Exception as error:  # noqa: BLE001 (a benchmark counts what went wrong)
            outcome = type(error).__name__
        outcomes.append((outcome, time.perf_counter() - started))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=20)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        env = own_environment(data)
        cli(env, "migrate")
        cli(env, "create-moderator", "admin", "--admin", "--password-stdin", stdin=PASSWORD)
        file = data / "listings.json"
        file.write_text(json.dumps(listings(arguments.listings)), encoding="utf-8")
        settings = Settings(data_dir=data, search="embedded", meili_url="")

        started = time.perf_counter()
        importer = subprocess.Popen(
            [sys.executable, "-m", "directory.cli", "import", str(file), "--publish"]
            + ["--as", "admin"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        outcomes: list[tuple[str, float]] = []
        waves = 0
        while importer.poll() is None:
            write_wave(settings, arguments.writers, outcomes)
            waves += 1
            time.sleep(0.2)
        took = time.perf_counter() - started

    counts: dict[str, int] = {}
    for outcome, _ in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    waits = sorted(wait for _, wait in outcomes)
    print(f"import --publish of {arguments.listings:,} listings: {took:.1f} s")
    print(f"{waves} waves of {arguments.writers} parallel submissions during it")
    print("outcomes: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    if waits:
        print(
            f"wait per submission: median {statistics.median(waits) * 1000:.0f} ms, "
            f"p95 {waits[int(len(waits) * 0.95) - 1] * 1000:.0f} ms, "
            f"max {waits[-1] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
