"""Audits every installed Python package against the vulnerabilities the package index publishes.

A known vulnerability in an installed package fails (exit 1), naming the package, the
advisory and the versions that fix it. `make test` runs this; `make audit` adds --strict.

pip-audit is the usual tool, but it reads each release's own JSON page, which not every index
serves (ours does not). The project's JSON page, which every index we use serves, lists the
vulnerabilities of the latest release. So a package is audited from its release page where
there is one, else from its project page when the installed version is the latest release.
Anything else (an older release, no answer from the index) is listed as not audited, and
fails only with --strict: a network problem is not a vulnerability.

Usage: python scripts/audit.py [--strict]
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import httpx
from packaging.utils import canonicalize_name
from pip._internal.models.index import PyPI  # the index pip installs from by default

JSON_API = PyPI.pypi_url


@dataclass
class Audit:
    name: str
    version: str
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)
    not_audited: str = ""  # why, when it could not be


def installed() -> dict[str, str]:
    """Every distribution in this environment except the directory itself (not on the index)."""
    found: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        if name != "prisoner-support-directory":
            found[name] = distribution.version
    return found


def audit(client: httpx.Client, name: str, version: str) -> Audit:
    result = Audit(name, version)
    try:
        release = client.get(f"{JSON_API}/{name}/{version}/json")
        if release.status_code == 200:
            result.vulnerabilities = _current(release.json())
            return result
        project = client.get(f"{JSON_API}/{name}/json")
        if project.status_code != 200:
            result.not_audited = f"the index answered {project.status_code}"
            return result
        data = project.json()
    except (httpx.HTTPError, ValueError) as error:
        result.not_audited = f"no answer from the index ({type(error).__name__})"
        return result
    latest = data["info"]["version"]
    if latest != version:
        result.not_audited = f"older than the latest release ({latest}), whose page alone is served"
    else:
        result.vulnerabilities = _current(data)
    return result


def _current(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail on packages not audited")
    args = parser.parse_args()
    packages = installed()
    with httpx.Client(timeout=30, follow_redirects=True) as client, ThreadPoolExecutor(8) as pool:
        audits = list(pool.map(lambda item: audit(client, *item), sorted(packages.items())))
    vulnerable = [a for a in audits if a.vulnerabilities]
    unaudited = [a for a in audits if a.not_audited]
    for found in vulnerable:
        for vulnerability in found.vulnerabilities:
            fixed = ", ".join(vulnerability.get("fixed_in") or []) or "no fixed release yet"
            aliases = ", ".join(vulnerability.get("aliases") or [])
            print(
                f"VULNERABLE {found.name} {found.version}: {vulnerability['id']}"
                f"{f' ({aliases})' if aliases else ''}; fixed in {fixed}"
            )
    for skipped in unaudited:
        print(f"not audited: {skipped.name} {skipped.version}: {skipped.not_audited}")
    print(
        f"dependency audit: {len(audits) - len(unaudited)} of {len(audits)} installed packages "
        f"audited, {sum(len(a.vulnerabilities) for a in vulnerable)} known vulnerabilities"
    )
    return 1 if vulnerable or (args.strict and unaudited) else 0


if __name__ == "__main__":
    sys.exit(main())
