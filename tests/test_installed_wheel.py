"""The directory as a wheel: built from this repository, installed in a fresh virtualenv and
run from a directory outside the checkout, it migrates, seeds, reindexes and serves pages
with their stylesheet and script.

No network: the wheel is built with this environment's setuptools (no build isolation), and
the fresh virtualenv borrows this environment's installed dependencies through a .pth file
that names its site-packages. Such a path is only appended to sys.path (the .pth files in
it are not run, so the checkout's editable install stays out), after the fresh virtualenv's
own site-packages, where the wheel is: `directory` is imported from the wheel, as is checked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests import served
from tests.factories import SEED_COUNT

ROOT = Path(__file__).resolve().parents[1]
# What the build reads: the project's metadata (with its readme) and the package.
BUILD_INPUTS = ("pyproject.toml", "README.md", "directory")
# Files the package reads at run time, beside its code.
PACKAGE_DATA = (
    "templates",
    "static",
    "seed_data",
    "prison_data",
    "migrations",
    "opendata/hsds_schema",
)

pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def outside_environment() -> dict[str, str]:
    """This process's environment without what would point the directory at the checkout,
    another site or a search server: what someone who just installed it has."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "PYTHONHOME", "MEILI_URL", "MEILI_API_KEY")
        and not name.startswith(("DIRECTORY_", "PIP_", "COVERAGE_"))
    }


def build_wheel(work: Path, env: dict[str, str]) -> Path:
    # From a copy, so that the build's own files (build/, *.egg-info) stay out of the checkout.
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]
    offline = ["--no-deps", "--no-index", "--no-build-isolation"]
    run([*pip, "wheel", *offline, "--wheel-dir", str(wheels), str(source)], work, env)
    (wheel,) = wheels.glob("*.whl")
    return wheel


def fresh_virtualenv(work: Path, wheel: Path, env: dict[str, str]) -> Path:
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work, env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]
    run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], work, env
    )
    own = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], work, env
    )
    borrowed = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    (Path(own.strip()) / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n")
    return venv


class _Assets(HTMLParser):
    """The stylesheets and scripts a page links to."""

    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.stylesheets.append(str(found["href"]))
        if tag == "script" and found.get("src"):
            self.scripts.append(str(found["src"]))


def test_wheel_holds_every_file_the_package_reads(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, outside_environment())
    held = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "directory"
    for folder in PACKAGE_DATA:
        files = [
            p for p in (package / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ]
        assert files, folder
        for path in files:
            assert path.relative_to(ROOT).as_posix() in held, path


def test_installed_wheel_runs_outside_the_checkout(tmp_path: Path) -> None:
    env = outside_environment()
    venv = fresh_virtualenv(tmp_path, build_wheel(tmp_path, env), env)
    site = tmp_path / "site"  # where someone runs it: the data directory is ./var, the default
    site.mkdir()
    imported = run(
        [str(venv / "bin" / "python"), "-c", "import directory; print(directory.__file__)"],
        site,
        env,
    )
    assert Path(imported.strip()).is_relative_to(venv), imported

    directory = str(venv / "bin" / "directory")
    assert "Database is up to date." in run([directory, "migrate"], site, env)
    assert f"Seeded {SEED_COUNT} organisations: {SEED_COUNT} created" in run(
        [directory, "seed"], site, env
    )
    assert f"Indexed {SEED_COUNT} organisations in embedded." in run(
        [directory, "reindex"], site, env
    )

    port = served.free_port()
    log = tmp_path / "serve.log"
    command = [directory, "serve", "--host", served.HOST, "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=site, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = served.Server(f"http://{served.HOST}:{port}", port, log, process)
    try:
        served.wait_until_up(server)
        page = httpx.get(f"{server.url}/search", params={"q": "books"}, timeout=10)
        assert page.status_code == 200
        assert re.search(r'/organisations/books-through-bars[?"]', page.text)  # a result
        assets = _Assets()
        assets.feed(page.text)
        assert assets.stylesheets and any("search.js" in src for src in assets.scripts)
        for href in assets.stylesheets:
            stylesheet = httpx.get(urljoin(str(page.url), href), timeout=10)
            assert stylesheet.status_code == 200, href
            assert stylesheet.headers["content-type"].startswith("text/css"), href
        for src in assets.scripts:
            script = httpx.get(urljoin(str(page.url), src), timeout=10)
            assert script.status_code == 200, src
            assert "javascript" in script.headers["content-type"], src
        # The prison register is read from the wheel's own files.
        prison = httpx.get(f"{server.url}/prisons/hmp-leeds", timeout=10)
        assert prison.status_code == 200
        assert "Stanningley Road" in prison.text
    finally:
        served.stop(server)
    assert (site / "var" / "directory.sqlite3").is_file()
