"""Memory benchmark: many sign-ins at once against the directory under uvicorn on 127.0.0.1.

Each argon2 password check takes 64 MiB. Sends N sign-ins together (wrong passwords for
N different usernames, each from its own session), then prints the server's resident
memory before and after, its peak, and the answers by status. Asserts nothing.

Usage: python scripts/signin_memory.py [--parallel 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.loadtest import prepare, serve  # noqa: E402
from scripts.running import cli  # noqa: E402

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def memory_mib(pid: int) -> dict[str, float]:
    """Resident now (VmRSS) and at its highest so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return {name: int(kib) / 1024 for name, kib in found.items()}


async def sign_in_once(base: str, number: int) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        page = await client.get("/moderate/login")
        match = _TOKEN.search(page.text)
        assert match, "no CSRF token on the sign-in page"
        form = {"csrf_token": match.group(1), "username": f"someone-{number}", "password": "x"}
        response = await client.post("/moderate/login", data=form)
        return response.status_code


async def burst(base: str, parallel: int, round_number: int) -> Counter[int]:
    numbers = range(round_number * parallel, (round_number + 1) * parallel)
    statuses = await asyncio.gather(*(sign_in_once(base, n) for n in numbers))
    return Counter(statuses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parallel", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = prepare(Path(data_dir))
        cli(env, "create-moderator", "alice", "--password-stdin", stdin="a long enough password\n")
        server, base = serve("directory.app:create_app", env, factory=True)
        try:
            httpx.get(base + "/moderate/login", timeout=10)  # warm: templates, the dummy hash
            before = memory_mib(server.pid)
            print(f"before: {before['VmRSS']:.0f} MiB resident")
            for number in range(options.rounds):
                answers = asyncio.run(burst(base, options.parallel, number))
                now = memory_mib(server.pid)
                counts = ", ".join(
                    f"{count} × {status}" for status, count in sorted(answers.items())
                )
                print(
                    f"round {number + 1}: {options.parallel} sign-ins at once: {counts}; "
                    f"{now['VmRSS']:.0f} MiB resident, peak {now['VmHWM']:.0f} MiB"
                )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main()
