"""Benchmark the embedded search: build time, latency in-process and over HTTP, peak memory.

Generates synthetic organisations (deterministic), builds the index, runs a fixed query mix,
then serves the same index with uvicorn on 127.0.0.1 and measures /api/search. Prints figures;
asserts nothing. Usage: python scripts/benchmark.py [--sizes 10000,100000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from directory import places, vocab
from directory.search import SearchQuery, text
from directory.search import documents as documents_module
from directory.search.embedded import EmbeddedSearch
from directory.search.understanding import Understanding
from scripts.running import cli, free_port, own_environment, uvicorn_command  # noqa: E402

QUERY_MIX: list[tuple[str, dict[str, tuple[str, ...]]]] = [
    ("anarchist black cross", {}),
    ("books", {}),
    ("vegan", {}),
    ("letter writing glasgow", {}),
    ("anarchsit", {}),
    ("famil", {}),
    ("legal advice london", {}),
    ("dharma", {}),
    ("prisoner support", {"country": ("GB",)}),
    ("", {}),
    ("", {"focus": ("lgbtq",), "country": ("GB", "US")}),
    ("pen pals", {"kind": ("abc-group", "special-interest")}),
    ("books", {"service": ("books",), "country": ("US",)}),
    ("poznan", {}),
    ("solidarity network", {}),
]
# Searches as families type them (issue 15): places and needs read from the words.
FAMILY_MIX: list[tuple[str, dict[str, tuple[str, ...]]]] = [
    ("help for families glasgow", {}),
    ("my son is in prison", {}),
    ("send books to prisoner leeds", {}),
    ("legal advice scotland", {}),
    ("trans woman prison US", {}),
    ("pen pal", {}),
    ("books texas", {}),
    ("wien", {}),
]
# A query of the mix as its timings are kept: its words, then its filters sorted.
QueryKey = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]

CITIES = [
    "Glasgow",
    "London",
    "Bristol",
    "Leeds",
    "Poznań",
    "Berlin",
    "Dresden",
    "Wien",
    "Philadelphia",
    "Seattle",
    "Tucson",
    "Denver",
    "Dublin",
    "Derry",
    "Warsaw",
    "Moscow",
    "Mexico City",
    "Brisbane",
    "Nijmegen",
    "Minneapolis",
    "Manchester",
    "Edinburgh",
]
COUNTRIES = ["GB", "US", "DE", "PL", "IE", "AT", "NL", "RU", "MX", "AU", "BY", "CZ", "ID"]
DOMAIN = (
    "prisoner prisoners support solidarity letters writing books families legal advice "
    "visiting helpline network collective project anarchist black cross vegan dharma "
    "meditation women lgbtq queer abolition campaign fund pen pals newsletter"
).split()


def _syllable_words(rng: random.Random, count: int) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "tor",
        "sa",
        "vel",
        "da",
        "nor",
        "ix",
        "ul",
        "bre",
        "ost",
        "fa",
        "gri",
        "hel",
        "jun",
        "pe",
        "que",
        "zan",
        "wi",
        "yo",
        "cha",
        "mun",
    ]
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def synthetic_documents(size: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    filler = _syllable_words(rng, 20_000)
    kinds, focus, services = list(vocab.KINDS), list(vocab.FOCUS), list(vocab.SERVICES)
    documents = []
    for number in range(size):
        city = rng.choice(CITIES)
        name_words = [
            rng.choice(filler).title(),
            rng.choice(DOMAIN).title(),
            rng.choice(["Collective", "Network", "Project", "Group", "Trust"]),
        ]
        body = [rng.choice(filler if rng.random() < 0.6 else DOMAIN) for _ in range(45)]
        tags_focus = rng.sample(focus, rng.randint(1, 3))
        tags_services = rng.sample(services, rng.randint(1, 4))
        kind = rng.choice(kinds)
        country = rng.choice(COUNTRIES)
        areas = rng.choice([[], ["nationwide"], [country], ["international"]])
        if country == "GB" and rng.random() < 0.5:
            areas = [rng.choice(["GB-SCT", "GB-ENG", "GB-WLS", "GB-NIR"])]
        description = " ".join(body).capitalize() + "."
        name = " ".join(name_words)
        tags_text = " ".join(
            [vocab.KINDS[kind]]
            + [vocab.FOCUS[t] for t in tags_focus]
            + [vocab.SERVICES[t] for t in tags_services]
        )
        documents.append(
            {
                "slug": f"org-{number}",
                "name": name,
                "alternate_names": [],
                "kind": kind,
                "description": description,
                "focus": tags_focus,
                "services": tags_services,
                "country": country,
                "region": None,
                "city": city,
                "areas_served": areas,
                "url": f"https://example.org/{number}",
                "status": rng.choice(list(vocab.STATUSES)),
                "latitude": None,
                "longitude": None,
                "place_text": city,
                "tags_text": tags_text,
                "serves": documents_module.served_codes(areas, country),
                "located": [country],
                "prisons": [],
                "stems_name": text.stems(name),
                "stems_meta": text.stems(f"{city} {tags_text}"),
                "stems_text": text.stems(description),
            }
        )
    return documents


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label}: n={len(ms)} p50={statistics.median(ms):.2f} ms "
        f"p95={percentile(ms, 0.95):.2f} ms max={max(ms):.2f} ms"
    )


def in_process(
    index: EmbeddedSearch,
    rounds: int,
    reader: Understanding,
    mix: list[tuple[str, dict[str, tuple[str, ...]]]] = QUERY_MIX,
) -> tuple[dict[QueryKey, list[float]], list[float]]:
    """Timings per query of the mix, each read (understanding.py, as the service does) and
    searched afresh (the first round is cold: postings not yet cached); and timings of the
    same queries asked again at once, answered from the index's memory of recent answers."""
    timings: dict[QueryKey, list[float]] = {}
    repeated: list[float] = []
    for _ in range(rounds):
        for q, filters in mix:
            _forget_answers(index)
            started = time.perf_counter()
            query = SearchQuery(q=q, filters=filters, understood=reader.understand(q))
            index.search(query)
            timings.setdefault((q, tuple(sorted(filters.items()))), []).append(
                time.perf_counter() - started
            )
            started = time.perf_counter()
            index.search(query)
            repeated.append(time.perf_counter() - started)
    return timings, repeated


def understanding_times(reader: Understanding, rounds: int) -> list[float]:
    """Reading each query of both mixes afresh (nothing remembered), as a first visitor's."""
    seconds = []
    for _ in range(rounds):
        for q, _filters in QUERY_MIX + FAMILY_MIX:
            reader.forget()
            started = time.perf_counter()
            reader.understand(q)
            seconds.append(time.perf_counter() - started)
    return seconds


def _forget_answers(index: EmbeddedSearch) -> None:
    # The index keeps recent answers; measuring the search itself means asking afresh.
    index.forget()


def over_http(data_dir: Path, rounds: int) -> tuple[list[float], int]:
    """Serve the index with uvicorn and query /api/search; returns timings and peak RSS in KiB."""
    port = free_port()
    env = own_environment(data_dir)
    cli(env, "migrate")
    server = subprocess.Popen(
        uvicorn_command("directory.app:create_app", port, factory=True), env=env
    )
    timings: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            for q, filters in QUERY_MIX:  # warm up
                client.get("/api/search", params={"q": q, **filters})
            for _ in range(rounds):
                for q, filters in QUERY_MIX:
                    started = time.perf_counter()
                    response = client.get("/api/search", params={"q": q, **filters})
                    timings.append(time.perf_counter() - started)
                    response.raise_for_status()
        peak_kib = _peak_rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return timings, peak_kib


def _per_query_lines(per_query: dict[QueryKey, list[float]]) -> None:
    for (q, filters), runs in per_query.items():
        warm = [t * 1000 for t in runs[1:]]
        print(
            f"    {statistics.median(warm):6.2f} ms p50 {percentile(warm, 0.95):6.2f} ms p95"
            f"  cold {runs[0] * 1000:7.2f} ms  {q!r} {dict(filters) or ''}"
        )


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(size: int, rounds: int) -> None:
    print(f"\n== {size:,} organisations ==")
    started = time.perf_counter()
    documents = synthetic_documents(size)
    print(f"generate: {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        index = EmbeddedSearch(data_dir / "search.sqlite3")
        started = time.perf_counter()
        index.rebuild(documents)
        build = time.perf_counter() - started
        size_mb = (data_dir / "search.sqlite3").stat().st_size / 1e6
        print(f"index build: {build:.1f} s ({size / build:,.0f} docs/s, file {size_mb:.0f} MB)")
        del documents
        started = time.perf_counter()
        index.search(SearchQuery())
        loading = (time.perf_counter() - started) * 1000
        print(f"first query (loads facets and vocabulary): {loading:.0f} ms")
        gazetteer = data_dir / "places.sqlite3"
        places.build(gazetteer)
        reader = Understanding(places.Gazetteer(gazetteer))
        print(
            summarise(
                "query understanding (places, needs), read afresh",
                understanding_times(reader, rounds),
            )
        )
        per_query, repeated = in_process(index, rounds, reader)
        print(
            summarise(
                "in-process search, cold (first run of each query)",
                [runs[0] for runs in per_query.values()],
            )
        )
        print(
            summarise(
                "in-process search, warm", [t for runs in per_query.values() for t in runs[1:]]
            )
        )
        print(summarise("in-process search, the same query again (answer kept)", repeated))
        _per_query_lines(per_query)
        family, _ = in_process(index, rounds, reader, FAMILY_MIX)
        print(
            summarise(
                "in-process search, family mix (places and needs), warm",
                [t for runs in family.values() for t in runs[1:]],
            )
        )
        _per_query_lines(family)
        timings, peak_kib = over_http(data_dir, rounds)
        print(summarise("HTTP /api/search, one client, queries repeated", timings))
        print(f"server peak memory (VmHWM): {peak_kib / 1024:.0f} MB")
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"benchmark process peak memory so far: {own_peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"query mix: {len(QUERY_MIX)} queries x {args.rounds} rounds; 2-core machine")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.rounds)


if __name__ == "__main__":
    main()
