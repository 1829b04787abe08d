"""Memory under a flood of padded queries: does what the server keeps level off?

Serves a seeded directory with uvicorn on 127.0.0.1 and sends, one after another over one
keep-alive connection, requests that no cache should tell apart but that each look new:
`/api/search?per_page=1&q=zzqq&n=<i>&pad=<60 KB>` (the padding and the counter are parameters
the directory does not know). Samples the server's resident memory (VmRSS in
/proc/PID/status) every 1,000 requests and prints the series. Bounded in count and in time;
traffic goes only to 127.0.0.1. Asserts nothing.

`--flood queries` sends a new search each time instead, 500 characters long, which the
directory keeps as it would any search: what it keeps must level off at its limits.
`--flood answers` sends different real searches (a page of 100 hits each: common
words, each country, page after page), which every answer cache must keep within its bounds
too; it is meant for --listings 10000.

Usage: python scripts/memory_flood.py [--requests 20000] [--pad-kb 60] [--seconds 900]
       [--flood padded|queries|answers] [--listings N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.benchmark import DOMAIN  # noqa: E402
from scripts.heavy_pages import prepare_site  # noqa: E402
from scripts.loadtest import Connection, prepare, request_bytes, run_loop, serve  # noqa: E402

SAMPLE_EVERY = 1_000
# Words in many listings (of scripts/benchmark.py's synthetic ones too), and countries.
WORDS = ["", *DOMAIN]
COUNTRIES = ["", "GB", "US", "DE", "PL", "IE", "AT", "NL", "RU", "MX", "AU", "BY", "CZ", "ID"]


def padded(pad_kb: int) -> Iterator[str]:
    pad = "x" * (pad_kb * 1024)
    for n in itertools.count():
        yield f"/api/search?per_page=1&q=zzqq&n={n}&pad={pad}"


def queries(_pad_kb: int) -> Iterator[str]:
    """Searches the directory does know, each new and as long as a search may be (500
    characters): every one is a page, an answer and postings that may be kept."""
    for n in itertools.count():
        q = f"zzqq{n} " + "x" * (490 - len(str(n)))
        yield "/api/search?" + urlencode({"per_page": 1, "q": q})


def answers(_pad_kb: int) -> Iterator[str]:
    """Real searches, each one new: common words, each country, page after page of 100."""
    for page in itertools.count(1):
        for word, country in itertools.product(WORDS, COUNTRIES):
            query = {"q": word, "country": country, "per_page": 100, "page": page % 1000}
            yield "/api/search?" + urlencode({k: v for k, v in query.items() if v})


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def flood(
    base: str, pid: int, paths: Iterator[str], count: int, seconds: float
) -> list[tuple[int, float, int, dict[int, int]]]:
    """(requests sent, seconds, VmRSS in KiB, statuses so far) at the start and every 1,000."""
    host, port = base.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    started = time.perf_counter()
    deadline = started + seconds
    statuses: dict[int, int] = {}
    samples: list[tuple[int, float, int, dict[int, int]]] = [(0, 0.0, rss_kib(pid), {})]
    sent = 0
    try:
        while sent < count and time.perf_counter() < deadline:
            status, _ = await asyncio.wait_for(connection.get(request_bytes(next(paths))), 30)
            statuses[status] = statuses.get(status, 0) + 1
            sent += 1
            if sent % SAMPLE_EVERY == 0 or sent == count:
                samples.append((sent, time.perf_counter() - started, rss_kib(pid), dict(statuses)))
    finally:
        await connection.close()
    return samples


def report(samples: list[tuple[int, float, int, dict[int, int]]]) -> None:
    print(f"{'requests':>9} {'seconds':>8} {'VmRSS MiB':>10}  statuses")
    for sent, elapsed, kib, statuses in samples:
        print(f"{sent:9d} {elapsed:8.1f} {kib / 1024:10.1f}  {statuses}")
    first, last = samples[0][2] / 1024, samples[-1][2] / 1024
    print(f"start {first:.0f} MiB, end {last:.0f} MiB, growth {last - first:+.0f} MiB")
    half = [s for s in samples if s[0] >= samples[-1][0] // 2]
    if len(half) > 1:
        second_half = (half[-1][2] - half[0][2]) / 1024
        print(
            f"growth over the second half ({half[0][0]:,} to {half[-1][0]:,} requests): "
            f"{second_half:+.1f} MiB"
        )


FLOODS: dict[str, Callable[[int], Iterator[str]]] = {
    "padded": padded,
    "queries": queries,
    "answers": answers,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--pad-kb", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=900, help="stop after this long")
    parser.add_argument("--flood", choices=sorted(FLOODS), default="padded")
    parser.add_argument(
        "--listings", type=int, default=0, help="synthetic listings instead of the seed data"
    )
    args = parser.parse_args()
    site = f"{args.listings:,} synthetic listings" if args.listings else "the seed listings"
    print(
        f"{args.flood} flood: up to {args.requests:,} requests or {args.seconds:.0f} s, "
        f"one keep-alive connection, one uvicorn worker, {site}"
        + (f", {args.pad_kb} KB of padding each" if args.flood == "padded" else "")
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare_site(Path(tmp), args.listings) if args.listings else prepare(Path(tmp))
        process, base = serve("directory.app:create_app", env, factory=True)
        try:
            samples = run_loop(
                flood(
                    base, process.pid, FLOODS[args.flood](args.pad_kb), args.requests, args.seconds
                )
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
    report(samples)


if __name__ == "__main__":
    main()
