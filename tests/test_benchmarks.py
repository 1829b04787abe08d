"""The benchmark scripts run, at a tiny size, and print every figure they exist for: a script
nothing runs stops working unnoticed. Figures are not judged here (see BENCHMARKS.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"[\d,.]+"


def _run(*arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _figure(output: str, pattern: str) -> float:
    found = re.search(pattern, output)
    assert found is not None, f"{pattern!r} not in:\n{output}"
    return float(found.group(1).replace(",", ""))


def test_the_search_benchmark_prints_its_figures():
    output = _run("scripts/benchmark.py", "--sizes", "300", "--rounds", "2")
    assert _figure(output, rf"in-process search, warm: n=\d+ p50=({NUMBER}) ms") > 0
    assert _figure(output, rf"HTTP /api/search, one client.*p95=({NUMBER}) ms") > 0
    assert _figure(output, rf"server peak memory \(VmHWM\): ({NUMBER}) MB") > 0


def test_the_load_benchmark_prints_its_figures():
    output = _run(
        "scripts/loadtest.py",
        *("--connections", "2", "--seconds", "0.5", "--max-requests", "500"),
        *("--warmup-seconds", "0.2", "--pairs", "1", "--pair-seconds", "0.3"),
        *("--listings", "300", "--new-queries", "400"),
    )
    assert _figure(output, rf"bare Starlette JSON endpoint\s+\d+ req\s+({NUMBER}) req/s") > 0
    assert _figure(output, rf"directory /api/search, new queries\s+\d+ req\s+({NUMBER}) req/s") > 0
    assert " errors 0 " in output and not re.search(r"errors [1-9]", output)
    assert _figure(output, rf"time to first search after start: ({NUMBER}) s") > 0
    assert _figure(output, rf"the first search itself: ({NUMBER}) ms") > 0
    assert _figure(output, rf"fixed query mix, first run .* p95 ({NUMBER}) ms") > 0
    assert _figure(output, rf"server memory after the run \(VmRSS\): ({NUMBER}) MiB") > 0
    assert re.search(r"full collections \(generation 2\) in the server during the run: \d+", output)
    for label in ("cold (a fresh server)", "after a warm-up"):
        assert (
            _figure(
                output,
                rf"new queries, 300 listings, {re.escape(label)}\s+\d+ req\s+({NUMBER}) req/s",
            )
            > 0
        )
