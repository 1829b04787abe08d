"""How the measuring scripts run the directory on its own: a data folder, its CLI, uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def own_environment(data_dir: Path) -> dict[str, str]:
    """This environment, but with the data in data_dir, embedded search and SQLite: a script
    never measures (or writes to) the Meilisearch or database its caller has configured."""
    env = {**os.environ, "DIRECTORY_DATA_DIR": str(data_dir), "DIRECTORY_SEARCH": "embedded"}
    for name in ("MEILI_URL", "DIRECTORY_DATABASE_URL"):
        env.pop(name, None)
    return env


def cli(env: dict[str, str], *arguments: str, stdin: str | None = None) -> None:
    """Runs one `directory` command, failing loudly if it fails."""
    subprocess.run(
        [sys.executable, "-m", "directory.cli", *arguments],
        env=env,
        cwd=ROOT,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_command(app: str, port: int, *, factory: bool) -> list[str]:
    """One quiet uvicorn worker on 127.0.0.1 (access logs would cost the figures)."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    return [*command, "--factory"] if factory else command
