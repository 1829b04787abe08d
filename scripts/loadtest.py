"""Load benchmark: the directory under uvicorn on 127.0.0.1, beside a bare Starlette endpoint.

Drives a fixed mix of search, page and API requests over N concurrent keep-alive
connections for a fixed time (and at most a fixed count), and prints throughput,
p50/p95/p99 latency and errors. Traffic goes only to 127.0.0.1. Asserts nothing.

Usage: python scripts/loadtest.py [--connections 32] [--seconds 15] [--max-requests 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = [
    "anarchist black cross",
    "books",
    "vegan",
    "letter writing glasgow",
    "anarchsit",
    "famil",
    "legal advice",
    "dharma",
    "prisoner support",
    "pen pals",
    "lgbt",
    "poznan",
]
SLUGS = [
    "bent-bars-project",
    "glasgow-prisoner-solidarity",
    "books-through-bars",
    "abc-dresden",
    "families-outside",
    "vegan-prisoners-support-group",
]


def api_search(rng: random.Random) -> str:
    q = rng.choice(SEARCHES)
    extra = rng.choice(["", "&country=GB", "&focus=political-prisoners", "&kind=abc-group"])
    return f"/api/search?q={q}{extra}"


def mixed(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return api_search(rng)
    if roll < 0.70:
        return f"/search?q={rng.choice(SEARCHES)}"
    if roll < 0.85:
        return f"/organisations/{rng.choice(SLUGS)}"
    if roll < 0.95:
        return f"/api/organisations/{rng.choice(SLUGS)}"
    return "/"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0


async def drive(base: str, paths, connections: int, seconds: float, max_requests: int) -> Run:
    run = Run()
    deadline = time.perf_counter() + seconds
    budget = iter(range(max_requests))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < deadline and next(budget, None) is not None:
                path = paths(rng)
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    await response.aread()
                except httpx.HTTPError:
                    run.errors += 1
                    continue
                run.latencies.append(time.perf_counter() - started)
                run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
                if response.status_code >= 400:
                    run.errors += 1

        begun = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        run.seconds = time.perf_counter() - begun
    return run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(label: str, run: Run) -> float:
    ms = [v * 1000 for v in run.latencies] or [0.0]
    rate = len(run.latencies) / run.seconds if run.seconds else 0.0
    print(
        f"{label:32} {len(run.latencies):6d} req {rate:8.0f} req/s  "
        f"p50 {statistics.median(ms):6.2f} ms  p95 {percentile(ms, 0.95):6.2f} ms  "
        f"p99 {percentile(ms, 0.99):6.2f} ms  errors {run.errors}  statuses {run.statuses}"
    )
    return rate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, env: dict[str, str], factory: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/search", timeout=1)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"{app} did not start")


def prepare(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DIRECTORY_DATA_DIR": str(data_dir), "DIRECTORY_SEARCH": "embedded"}
    env.pop("MEILI_URL", None)
    env.pop("DIRECTORY_DATABASE_URL", None)
    for step in (["migrate"], ["seed"], ["reindex"]):
        subprocess.run(
            [sys.executable, "-m", "directory.cli", *step],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--max-requests", type=int, default=50_000)
    args = parser.parse_args()
    print(
        f"{args.connections} connections, {args.seconds:.0f} s or {args.max_requests} requests "
        f"per run, one uvicorn worker, load generator on the same {os.cpu_count()}-core machine"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        runs = [
            (
                "bare Starlette JSON endpoint",
                "scripts.bare_app:app",
                False,
                lambda r: "/api/search",
            ),
            ("directory /api/search", "directory.app:create_app", True, api_search),
            ("directory mixed pages and API", "directory.app:create_app", True, mixed),
        ]
        rates = {}
        for label, app, factory, paths in runs:
            process, base = serve(app, env, factory)
            try:
                asyncio.run(drive(base, paths, 4, 2, 500))  # warm up
                run = asyncio.run(
                    drive(base, paths, args.connections, args.seconds, args.max_requests)
                )
                rates[label] = report(label, run)
            finally:
                process.terminate()
                process.wait(timeout=10)
        ratio = rates["directory /api/search"] / rates["bare Starlette JSON endpoint"]
        print(f"/api/search throughput is {ratio:.0%} of the bare endpoint's")


if __name__ == "__main__":
    main()
