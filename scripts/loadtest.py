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
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote_plus

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from scripts.running import ROOT, cli, free_port, own_environment, uvicorn_command  # noqa: E402

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
    return f"/api/search?q={quote_plus(q)}{extra}"


def _seed_words() -> list[str]:
    """Every word of four letters or more in the seed listings: material for new queries."""
    words: set[str] = set()
    for path in sorted((ROOT / "directory" / "seed_data").glob("*.toml")):
        words.update(w.lower() for w in re.findall(r"[^\W\d_]{4,}", path.read_text()))
    return sorted(words)


SEED_WORDS = _seed_words()


def long_tail(rng: random.Random) -> str:
    """A query unlikely to have been asked before: two words from the listings, a filter."""
    q = f"{rng.choice(SEED_WORDS)} {rng.choice(SEED_WORDS)}"
    extra = rng.choice(["", "&country=GB", "&focus=political-prisoners", "&kind=abc-group"])
    return f"/api/search?q={quote_plus(q)}{extra}"


def mixed(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return api_search(rng)
    if roll < 0.70:
        return f"/search?q={quote_plus(rng.choice(SEARCHES))}"
    if roll < 0.85:
        return f"/organisations/{rng.choice(SLUGS)}"
    if roll < 0.95:
        return f"/api/organisations/{rng.choice(SLUGS)}"
    return "/"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)  # latencies per kind of page
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    bytes_received: int = 0


class Connection:
    """One keep-alive HTTP/1.1 connection, spoken directly over an asyncio stream.

    A general-purpose client spends more CPU per request than a small server does to answer
    it, and on a shared machine that measures the client: this reads only the status line,
    Content-Length or chunked framing, and the body, and sends requests prepared in advance.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = _framing(head)
        if chunked:
            size = 0
            while True:
                line = await self.reader.readuntil(b"\r\n")
                part = int(line.split(b";")[0], 16)
                await self.reader.readexactly(part + 2)
                size += part
                if part == 0:
                    break
        else:
            await self.reader.readexactly(length)
            size = length
        if close:
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def _framing(head: bytes) -> tuple[int, bool, bool]:
    length, chunked, close = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    return length, chunked, close


def request_bytes(path: str) -> bytes:
    # As a phone's browser asks: compressed answers welcome.
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
        "User-Agent: directory-loadtest\r\n\r\n"
    ).encode()


async def drive(
    base: str,
    paths: Callable[[random.Random], str],
    connections: int,
    seconds: float,
    max_requests: int,
    distinct: int = 256,
) -> Run:
    run = Run()
    host, port = base.removeprefix("http://").split(":")
    deadline = time.perf_counter() + seconds
    budget = iter(range(max_requests))

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        # Requests are prepared before the clock starts: the driver's own work stays small.
        chosen = [paths(rng) for _ in range(distinct)]
        prepared = [(page_kind(path), request_bytes(path)) for path in chosen]
        connection = Connection(host, int(port))
        n = 0
        while time.perf_counter() < deadline and next(budget, None) is not None:
            kind, request = prepared[n % len(prepared)]
            n += 1
            started = time.perf_counter()
            try:
                status, size = await asyncio.wait_for(connection.get(request), 10)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                run.errors += 1
                await connection.close()
                continue
            elapsed = time.perf_counter() - started
            run.latencies.append(elapsed)
            run.by_page.setdefault(kind, []).append(elapsed)
            run.bytes_received += size
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if status >= 400:
                run.errors += 1
        await connection.close()

    begun = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    run.seconds = time.perf_counter() - begun
    return run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def page_kind(path: str) -> str:
    """/organisations/abc-dresden -> /organisations/{slug}; /search?q=x -> /search."""
    route = path.split("?")[0]
    parts = route.split("/")
    return "/".join(parts[:-1] + ["{slug}"]) if "organisations" in parts[-2:-1] else route


def report(label: str, run: Run) -> float:
    ms = [v * 1000 for v in run.latencies] or [0.0]
    rate = len(run.latencies) / run.seconds if run.seconds else 0.0
    print(
        f"{label:32} {len(run.latencies):6d} req {rate:8.0f} req/s  "
        f"p50 {statistics.median(ms):6.2f} ms  p95 {percentile(ms, 0.95):6.2f} ms  "
        f"p99 {percentile(ms, 0.99):6.2f} ms  errors {run.errors}  statuses {run.statuses}"
    )
    if len(run.by_page) > 1:
        for kind, latencies in sorted(run.by_page.items()):
            page = [v * 1000 for v in latencies]
            print(
                f"  {kind:30} {len(page):6d} req {'':15}p50 {statistics.median(page):6.2f} ms"
                f"  p95 {percentile(page, 0.95):6.2f} ms  p99 {percentile(page, 0.99):6.2f} ms"
            )
    return rate


# With two cores or more, the server has one to itself and the load generator another, so
# neither measures the other's work. Elsewhere (or off Linux) they share what there is.
PINNED = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
SERVER_CPU, DRIVER_CPU = 0, 1


def _on_cpu(cpu: int) -> Callable[[], None] | None:
    if not PINNED:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


T = TypeVar("T")


def run_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs the driver on uvloop when it is installed (it is, with the directory)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def serve(app: str, env: dict[str, str], factory: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = uvicorn_command(app, port, factory=factory)
    process = subprocess.Popen(command, env=env, cwd=ROOT, preexec_fn=_on_cpu(SERVER_CPU))
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
    env = own_environment(data_dir)
    for step in (["migrate"], ["seed"], ["reindex"]):
        cli(env, *step)
    return env


def _server_stack() -> str:
    """What uvicorn picks by itself ("auto"): uvloop and httptools when installed."""
    found = []
    for module, fallback in (("uvloop", "asyncio"), ("httptools", "h11")):
        try:
            __import__(module)
            found.append(module)
        except ImportError:
            found.append(fallback)
    return " + ".join(found)


BARE = ("scripts.bare_app:app", False, lambda r: "/api/search")
DIRECTORY = ("directory.app:create_app", True, api_search)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--max-requests", type=int, default=50_000)
    args = parser.parse_args()
    where = (
        f"server pinned to CPU {SERVER_CPU}, load generator to CPU {DRIVER_CPU}"
        if PINNED
        else "server and load generator sharing the CPUs"
    )
    print(
        f"{args.connections} connections, {args.seconds:.0f} s or {args.max_requests} requests "
        f"per run, one uvicorn worker ({_server_stack()}), {os.cpu_count()} CPUs, {where}"
    )
    if PINNED:
        os.sched_setaffinity(0, {DRIVER_CPU})
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        app = DIRECTORY[0]
        runs = [
            ("bare Starlette JSON endpoint", *BARE),
            ("directory /api/search", *DIRECTORY),
            ("directory mixed pages and API", app, True, mixed),
            # Every request a query not asked before: nothing kept can answer it.
            ("directory /api/search, new queries", app, True, long_tail),
        ]
        rates = {}
        for label, app, factory, paths in runs:
            distinct = 4_000 if paths is long_tail else 256
            process, base = serve(app, env, factory)
            try:
                run_loop(drive(base, paths, 4, 2, 500))  # warm up
                run = run_loop(
                    drive(base, paths, args.connections, args.seconds, args.max_requests, distinct)
                )
                rates[label] = report(label, run)
            finally:
                process.terminate()
                process.wait(timeout=10)
        ratio = rates["directory /api/search"] / rates["bare Starlette JSON endpoint"]
        print(f"/api/search throughput is {ratio:.0%} of the bare endpoint's (runs above)")
        pairs = interleaved_ratios(env, args.connections)
        print(
            "the same, in back-to-back pairs of 5 s runs: "
            + ", ".join(f"{r:.0%}" for r in pairs)
            + f"; median {statistics.median(pairs):.0%}"
        )


def interleaved_ratios(env: dict[str, str], connections: int, pairs: int = 5) -> list[float]:
    """The throughput ratio measured as pairs of short runs, the bare endpoint then the
    directory, each pair seconds apart: this machine's speed drifts from minute to minute,
    and runs a minute apart compare the minutes as much as the servers."""
    servers = [serve(app, env, factory) for app, factory, _ in (BARE, DIRECTORY)]
    try:
        for (_, base), (_, _, paths) in zip(servers, (BARE, DIRECTORY), strict=True):
            run_loop(drive(base, paths, 4, 2, 500))  # warm up
        ratios = []
        for _ in range(pairs):
            rates = []
            for (_, base), (_, _, paths) in zip(servers, (BARE, DIRECTORY), strict=True):
                run = run_loop(drive(base, paths, connections, 5, 1_000_000))
                rates.append(len(run.latencies) / run.seconds)
            ratios.append(rates[1] / rates[0])
        return ratios
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
