"""The directory served by `directory serve` in a child process, as in production.

The child runs this worktree's code (`python -m directory.cli` from the repository root), on a
free loopback port, with its output kept in a file that a test reads once the server stops.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from directory.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SECRET = "a test secret that is long enough and random enough: 6f1c9e0b"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Server:
    url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        """What the server printed so far (all of it, once it has stopped)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    return {
        **inherited,
        "DIRECTORY_DATA_DIR": str(settings.data_dir),
        "DIRECTORY_DATABASE_URL": settings.database_url,
        "DIRECTORY_GAZETTEER_PATH": str(settings.gazetteer_path),
        "DIRECTORY_SECRET_KEY": SECRET,
        "DIRECTORY_SEARCH": "embedded",
        "DIRECTORY_ADMIN_TWO_FACTOR": str(settings.admin_two_factor).lower(),
        "MEILI_URL": "",
        **extra,
    }


@contextmanager
def serve(settings: Settings, log: Path, *, workers: int = 1, **extra: str) -> Iterator[Server]:
    """`directory serve` on a free port; `extra` are more environment variables."""
    server = start(settings, log, workers=workers, **extra)
    try:
        wait_until_up(server)
        yield server
    finally:
        stop(server)


def start(settings: Settings, log: Path, *, workers: int = 1, **extra: str) -> Server:
    """`directory serve` starting on a free port (see `wait_until_up`)."""
    port = free_port()
    command = [sys.executable, "-m", "directory.cli", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers)] if workers > 1 else []
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(settings, **extra),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(f"http://{HOST}:{port}", port, log, process)


def stop(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=20)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server stopped at start-up:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within 60 s:\n{server.output()}")


def form_token(browser: httpx.Client, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = _TOKEN.search(page.text)
    assert found is not None
    return found.group(1)
