"""Load benchmark: the directory under uvicorn on 127.0.0.1, beside a bare Starlette endpoint.

Drives a fixed mix of search, page and API requests over N concurrent keep-alive
connections for a fixed time (and at most a fixed count), and prints throughput,
p50/p95/p99 latency and errors. Traffic goes only to 127.0.0.1. Asserts nothing.

Usage: python scripts/loadtest.py [--connections 32] [--seconds 15] [--max-requests 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
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
from directory.search.embedded import EmbeddedSearch  # noqa: E402
from scripts.benchmark import synthetic_documents  # noqa: E402
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


FILTERS = ["", "&country=GB", "&focus=political-prisoners", "&kind=abc-group"]
# Every search of the mix with every filter, once each: 48 searches.
FIXED_MIX = [f"/api/search?q={quote_plus(q)}{extra}" for q in SEARCHES for extra in FILTERS]


def api_search(rng: random.Random) -> str:
    return f"/api/search?q={quote_plus(rng.choice(SEARCHES))}{rng.choice(FILTERS)}"


def _seed_words() -> list[str]:
    """Every word of four letters or more in the seed listings: material for new queries."""
    words: set[str] = set()
    for path in sorted((ROOT / "directory" / "seed_data").glob("*.toml")):
        words.update(w.lower() for w in re.findall(r"[^\W\d_]{4,}", path.read_text()))
    return sorted(words)


SEED_WORDS = _seed_words()


class NewQueries:
    """Searches nobody has asked before: two words of the listings' and a filter, each path
    given once in this process (so never by a warm-up and then its run): nothing kept can
    answer one, and every request searches, encodes and compresses."""

    def __init__(self, words: list[str]) -> None:
        self.words = sorted(set(words))
        self.asked: set[str] = set()
        # Its own draws: a connection's generator starts again at each run.
        self._rng = random.Random(len(self.words))

    def __call__(self, _rng: random.Random) -> str:
        rng = self._rng
        for _ in range(1_000):
            q = f"{rng.choice(self.words)} {rng.choice(self.words)}"
            path = f"/api/search?q={quote_plus(q)}{rng.choice(FILTERS)}"
            if path not in self.asked:
                self.asked.add(path)
                return path
        raise RuntimeError(f"{len(self.words)} words are too few for this many new queries")


def words_of(documents: list[dict[str, Any]]) -> list[str]:
    """Every word of four letters or more in the listings' names, descriptions and towns."""
    words: set[str] = set()
    for document in documents:
        found = f"{document['name']} {document['description']} {document['city']}"
        words.update(w.lower() for w in re.findall(r"[^\W\d_]{4,}", found))
    return sorted(words)


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
    answered_at: list[float] = field(default_factory=list)  # seconds into the run, in order


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
    *,
    repeat: bool = True,
) -> Run:
    """Each connection asks its own `distinct` paths in turn, for `seconds` or until
    `max_requests` are answered; without `repeat`, a connection stops after its last path."""
    run = Run()
    host, port = base.removeprefix("http://").split(":")
    # Requests are prepared before the clock starts: the driver's own work stays small.
    prepared = []
    for seed in range(connections):
        rng = random.Random(seed)
        chosen = [paths(rng) for _ in range(distinct)]
        prepared.append([(page_kind(path), request_bytes(path)) for path in chosen])
    budget = iter(range(max_requests))

    async def worker(mine: list[tuple[str, bytes]]) -> None:
        connection = Connection(host, int(port))
        n = 0
        while time.perf_counter() < deadline and next(budget, None) is not None:
            if n == len(mine) and not repeat:
                break
            kind, request = mine[n % len(mine)]
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
            run.answered_at.append(started + elapsed - begun)
            run.by_page.setdefault(kind, []).append(elapsed)
            run.bytes_received += size
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if status >= 400:
                run.errors += 1
        await connection.close()

    begun = time.perf_counter()
    deadline = begun + seconds
    await asyncio.gather(*(worker(mine) for mine in prepared))
    run.seconds = time.perf_counter() - begun
    return run


async def drive_new(
    base: str, queries: NewQueries, connections: int, seconds: float, max_requests: int
) -> Run:
    """New queries only: enough for max_requests, none asked twice."""
    each = -(-max_requests // connections)
    return await drive(base, queries, connections, seconds, max_requests, each, repeat=False)


async def first_asked(base: str, paths: list[str]) -> list[float]:
    """Each path asked once, in turn, over one connection: how long each took."""
    host, port = base.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    seconds = []
    for path in paths:
        started = time.perf_counter()
        status, _ = await asyncio.wait_for(connection.get(request_bytes(path)), 30)
        seconds.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    await connection.close()
    return seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def page_kind(path: str) -> str:
    """/organisations/abc-dresden -> /organisations/{slug}; /search?q=x -> /search."""
    route = path.split("?")[0]
    parts = route.split("/")
    return "/".join(parts[:-1] + ["{slug}"]) if "organisations" in parts[-2:-1] else route


EARLY_SECONDS = 10.0  # a fresh server's first seconds, against what comes after


def report(label: str, run: Run) -> float:
    ms = [v * 1000 for v in run.latencies] or [0.0]
    rate = len(run.latencies) / run.seconds if run.seconds else 0.0
    print(
        f"{label:32} {len(run.latencies):6d} req {rate:8.0f} req/s  "
        f"p50 {statistics.median(ms):6.2f} ms  p95 {percentile(ms, 0.95):6.2f} ms  "
        f"p99 {percentile(ms, 0.99):6.2f} ms  errors {run.errors}  statuses {run.statuses}"
    )
    early = [t for t in run.answered_at if t <= EARLY_SECONDS]
    if run.seconds >= 2 * EARLY_SECONDS and run.answered_at:
        rest = (len(run.answered_at) - len(early)) / (run.seconds - EARLY_SECONDS)
        print(
            f"  in the first {EARLY_SECONDS:g} s: {len(early) / EARLY_SECONDS:.0f} req/s, "
            f"{len(early) / EARLY_SECONDS / rest:.0%} of the {rest:.0f} req/s after"
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


@dataclass
class Server:
    """A server this script started, under scripts/gc_timed.py."""

    process: subprocess.Popen[bytes]
    base: str
    figures: Path  # where the wrapper writes the server's garbage collections when asked
    ready: float  # seconds from starting the process to the first search answered
    first_search: float  # seconds the first search took, asked once the server listened

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def collections(self) -> dict[str, Any]:
        """The server's garbage collections so far, asked for with SIGUSR1 (gc_timed.py)."""
        before = self._read().get("written", 0)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            figures = self._read()
            if figures.get("written", 0) > before:
                return figures
            time.sleep(0.01)
        raise RuntimeError("the server wrote no garbage collection figures")

    def _read(self) -> dict[str, Any]:
        try:
            figures: dict[str, Any] = json.loads(self.figures.read_text())
        except FileNotFoundError:
            return {}
        return figures

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start(app: str, env: dict[str, str], factory: bool, probe: str = "/api/search") -> Server:
    """Starts one uvicorn worker under the collections hook, and waits for probe's answer."""
    port = free_port()
    figures = Path(env["DIRECTORY_DATA_DIR"]) / f"collections-{port}.json"
    command = uvicorn_command(app, port, factory=factory)
    assert command[:3] == [sys.executable, "-m", "uvicorn"]
    command = [sys.executable, "-m", "scripts.gc_timed", str(figures), *command[3:]]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, preexec_fn=_on_cpu(SERVER_CPU))
    base = f"http://127.0.0.1:{port}"
    # An index of 100,000 listings takes a while to load, and the server listens only then.
    while time.perf_counter() < started + 300 and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.01)
            continue
        asked = time.perf_counter()
        httpx.get(base + probe, timeout=60).raise_for_status()
        answered = time.perf_counter()
        return Server(process, base, figures, answered - started, answered - asked)
    process.terminate()
    raise RuntimeError(f"{app} did not start")


def serve(app: str, env: dict[str, str], factory: bool) -> tuple[subprocess.Popen[bytes], str]:
    """Plain uvicorn, waiting until it answers (the other measuring scripts use this)."""
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


def server_lines(server: Server, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The server's memory now, and its collections between the two figures."""
    full = after["full"][len(before["full"]) :]
    counts = "/".join(str(a - b) for a, b in zip(after["counts"], before["counts"], strict=True))
    print(f"  server memory after the run (VmRSS): {server.rss_mib():.0f} MiB")
    print(
        f"  full collections (generation 2) in the server during the run: {len(full)}, "
        f"longest {max(full, default=0.0) * 1000:.1f} ms (generations 0/1/2: {counts})"
    )


def _started_lines(server: Server, again: str = "") -> None:
    print(
        f"time to first search after start{again}: {server.ready:.2f} s (the process's start "
        f"to the answer); the first search itself: {server.first_search * 1000:.1f} ms"
    )


def summarise(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{label}: n={len(ms)} p50 {statistics.median(ms):.2f} ms "
        f"p95 {percentile(ms, 0.95):.2f} ms max {max(ms):.2f} ms"
    )


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


# A search the server is asked when it starts, before anything is measured: one word, so
# never one of the two-word new queries, and in neither the fixed mix nor the mixed pages.
PROBE = "/api/search?q=solidarity"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15, help="of each measured run")
    parser.add_argument("--max-requests", type=int, default=50_000, help="in each run")
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--pairs", type=int, default=5, help="of back-to-back ratio runs")
    parser.add_argument("--pair-seconds", type=float, default=5)
    parser.add_argument(
        "--new-queries",
        type=int,
        default=20_000,
        help="in each new-query run at synthetic sizes (for at most 4 x --seconds)",
    )
    parser.add_argument(
        "--listings",
        default="1000,10000,100000",
        help="synthetic listing counts for the new-query runs (empty: none)",
    )
    args = parser.parse_args()
    where = (
        f"server pinned to CPU {SERVER_CPU}, load generator to CPU {DRIVER_CPU}"
        if PINNED
        else "server and load generator sharing the CPUs"
    )
    print(
        f"{args.connections} connections, {args.seconds:g} s or {args.max_requests} requests "
        f"per run, one uvicorn worker ({_server_stack()}), {os.cpu_count()} CPUs, {where}"
    )
    if PINNED:
        os.sched_setaffinity(0, {DRIVER_CPU})
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        seed_runs(env, args)
    for count in (int(n) for n in args.listings.split(",") if n.strip()):
        with tempfile.TemporaryDirectory() as tmp:
            new_query_runs(count, Path(tmp), args)


def measured(label: str, server: Server, load: Coroutine[Any, Any, Run]) -> float:
    """One run, reported with the server's memory and collections: its throughput."""
    before = server.collections()
    run = run_loop(load)
    after = server.collections()
    rate = report(label, run)
    server_lines(server, before, after)
    return rate


def seed_runs(env: dict[str, str], args: argparse.Namespace) -> None:
    """The seed listings: the bare endpoint, /api/search, the mixed pages, new queries."""
    app = DIRECTORY[0]
    seed_queries = NewQueries(SEED_WORDS)
    runs: list[tuple[str, str, bool, Callable[[random.Random], str]]] = [
        ("bare Starlette JSON endpoint", *BARE),
        ("directory /api/search", *DIRECTORY),
        ("directory mixed pages and API", app, True, mixed),
        ("directory /api/search, new queries", app, True, seed_queries),
    ]
    rates = {}
    for label, app, factory, paths in runs:
        server = start(app, env, factory, "/api/search" if app == BARE[0] else PROBE)
        try:
            if paths is api_search:
                _started_lines(server)
                summarise(
                    "fixed query mix, first run (each asked once, one connection)",
                    run_loop(first_asked(server.base, FIXED_MIX)),
                )
            if paths is seed_queries:
                warm_up = drive_new(server.base, seed_queries, 4, args.warmup_seconds, 500)
                load = drive_new(
                    server.base, seed_queries, args.connections, args.seconds, args.max_requests
                )
            else:
                warm_up = drive(server.base, paths, 4, args.warmup_seconds, 500)
                load = drive(server.base, paths, args.connections, args.seconds, args.max_requests)
            run_loop(warm_up)
            rates[label] = measured(label, server, load)
        finally:
            server.stop()
    ratio = rates["directory /api/search"] / rates["bare Starlette JSON endpoint"]
    print(f"/api/search throughput is {ratio:.0%} of the bare endpoint's (runs above)")
    if args.pairs:
        pairs = interleaved_ratios(env, args)
        print(
            f"the same, in back-to-back pairs of {args.pair_seconds:g} s runs: "
            + ", ".join(f"{r:.0%}" for r in pairs)
            + f"; median {statistics.median(pairs):.0%}"
        )


def new_query_runs(count: int, data_dir: Path, args: argparse.Namespace) -> None:
    """Synthetic listings (scripts/benchmark.py's): queries never asked before, from a fresh
    start and after a warm-up; then, from another fresh start, the fixed mix's first run."""
    print(f"\n== {count:,} synthetic listings ==")
    documents = synthetic_documents(count)
    queries = NewQueries(words_of(documents))
    env = own_environment(data_dir)
    cli(env, "migrate")
    started = time.perf_counter()
    EmbeddedSearch(data_dir / "search.sqlite3").rebuild(documents)
    print(f"index build: {time.perf_counter() - started:.1f} s ({len(queries.words):,} words)")
    del documents
    app, factory, _ = DIRECTORY
    server = start(app, env, factory, PROBE)
    try:
        _started_lines(server)
        for label in ("cold (a fresh server)", "after a warm-up"):
            if label.startswith("after"):
                run_loop(drive_new(server.base, queries, 4, args.warmup_seconds, 500))
            load = drive_new(
                server.base, queries, args.connections, 4 * args.seconds, args.new_queries
            )
            measured(f"new queries, {count:,} listings, {label}", server, load)
    finally:
        server.stop()
    server = start(app, env, factory, PROBE)
    try:
        _started_lines(server, " (again)")
        summarise(
            f"fixed query mix, {count:,} listings, first run (each asked once, one connection)",
            run_loop(first_asked(server.base, FIXED_MIX)),
        )
        print(f"  server memory after the run (VmRSS): {server.rss_mib():.0f} MiB")
    finally:
        server.stop()


def interleaved_ratios(env: dict[str, str], args: argparse.Namespace) -> list[float]:
    """The throughput ratio measured as pairs of short runs, the bare endpoint then the
    directory, each pair seconds apart: this machine's speed drifts from minute to minute,
    and runs a minute apart compare the minutes as much as the servers."""
    servers = [
        start(app, env, factory, "/api/search" if app == BARE[0] else PROBE)
        for app, factory, _ in (BARE, DIRECTORY)
    ]
    try:
        for server, (_, _, paths) in zip(servers, (BARE, DIRECTORY), strict=True):
            run_loop(drive(server.base, paths, 4, args.warmup_seconds, 500))
        ratios = []
        for _ in range(args.pairs):
            rates = []
            for server, (_, _, paths) in zip(servers, (BARE, DIRECTORY), strict=True):
                run = run_loop(
                    drive(server.base, paths, args.connections, args.pair_seconds, 10**6)
                )
                rates.append(len(run.latencies) / run.seconds)
            ratios.append(rates[1] / rates[0])
        return ratios
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
