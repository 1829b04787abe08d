"""Relevance: the searches of tests/relevance/queries.toml on a fresh site of the seed listings.

Builds a site in a temporary folder (the shipped seed listings, indexed, with its gazetteer),
asks /api/search every query of the relevance suite in process, as tests/test_relevance.py
does, and prints the pass rate and each failure with what came back. Exits 0 whatever the
rate, unless --strict (then 1 on any failure).

Usage: python scripts/relevance.py [--backend embedded|meilisearch] [--strict]
(--backend meilisearch uses the server at MEILI_URL, in an index of its own, deleted after.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file or with -m
from directory import places  # noqa: E402
from tests.relevance import cases  # noqa: E402
from tests.relevance.site import BACKENDS, seeded_client  # noqa: E402


def run(backend: str, meili_url: str, meili_api_key: str) -> list[cases.Outcome]:
    statuses = cases.seed_statuses()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        gazetteer = data_dir / "places.sqlite3"
        places.build(gazetteer)
        with seeded_client(data_dir, gazetteer, backend, meili_url, meili_api_key) as client:
            return [cases.run(client, case, statuses) for case in cases.load()]


def summary(outcomes: list[cases.Outcome]) -> str:
    passed = sum(outcome.passed for outcome in outcomes)
    rate = round(100 * passed / len(outcomes)) if outcomes else 0
    return f"Relevance: {passed} of {len(outcomes)} queries pass ({rate}%)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="embedded")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any query fails")
    args = parser.parse_args()
    meili_url = os.environ.get("MEILI_URL", "")
    if args.backend == "meilisearch" and not meili_url:
        parser.error("--backend meilisearch needs MEILI_URL (and MEILI_API_KEY if it has one)")
    outcomes = run(args.backend, meili_url, os.environ.get("MEILI_API_KEY", ""))
    failures = [outcome for outcome in outcomes if not outcome.passed]
    print(f"{summary(outcomes)} on the {args.backend} backend")
    for outcome in failures:
        known = outcome.case.known_failure
        print(f"\nFAIL {outcome.report()}" + (f"\n  known failure: {known}" if known else ""))
    return 1 if args.strict and failures else 0


if __name__ == "__main__":
    sys.exit(main())
