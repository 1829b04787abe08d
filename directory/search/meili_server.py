"""Whether a Meilisearch server may be used: its version, and what the keys it was given can do.

Judged from two documented answers: `GET /version` (`pkgVersion`), and `GET /keys/{key}`
asked with the key itself. Meilisearch answers the latter by what the key may do: an API key
allowed to read keys gets its own description (`actions`, `indexes`); one that is not gets
403 `invalid_api_key`; the master key, allowed everything but not an API key itself, gets
404 `api_key_not_found`; a server started without a master key answers `missing_master_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# `attributeRank` and `wordPosition`, in the settings' ranking rules, exist from 1.36.0; an
# older server refuses the settings (`invalid_settings_ranking_rules`), so nothing would ever
# be indexed. (The client's multi-search body holds `"federation": null`, refused before 1.10.)
VERSION_FLOOR = (1, 36, 0)


def floor_text() -> str:
    return ".".join(str(part) for part in VERSION_FLOOR)


def parsed_version(text: str) -> tuple[int, int, int] | None:
    """ "1.53.0" or "1.53.0-rc.1" as (1, 53, 0); None when it is not a version."""
    found = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


@dataclass(frozen=True)
class Verdict:
    """What was found: the server's version, and why it is refused or what to watch."""

    version: str
    refused: str | None = None
    warnings: tuple[str, ...] = ()


def judge_version(answer: dict[str, Any]) -> Verdict:
    version = str(answer.get("pkgVersion", ""))
    parsed = parsed_version(version)
    if parsed is None:
        return Verdict(version, warnings=(f"the server's version ({version!r}) is not one known",))
    if parsed < VERSION_FLOOR:
        return Verdict(
            version,
            refused=(
                f"Meilisearch {version} is older than {floor_text()}, the oldest this "
                f"directory works with; upgrade the server (searches use the embedded index "
                f"meanwhile)"
            ),
        )
    return Verdict(version)


@dataclass(frozen=True)
class KeyProbe:
    """How the server answered `GET /keys/{key}` asked with that key."""

    status: int
    code: str | None = None
    key: dict[str, Any] | None = None


def judge_key(
    setting: str, probe: KeyProbe, *, master_key_allowed: bool
) -> tuple[str | None, str | None]:
    """(why the key is refused, or a warning about it), for the setting that holds it."""
    if probe.code == "api_key_not_found":
        if master_key_allowed:
            return None, f"{setting} is the master key (allowed because DIRECTORY_DEBUG is set)"
        return (
            f"{setting} is Meilisearch's master key, which is only for managing keys; run "
            f"`directory meili-keys` to make the keys the directory needs (or set "
            f"DIRECTORY_DEBUG=1 while developing)",
            None,
        )
    if probe.code == "missing_master_key":
        return None, (
            "the server runs without a master key: anyone who can reach it can change the "
            "index (start it with MEILI_MASTER_KEY and MEILI_ENV=production)"
        )
    if probe.key is not None:
        actions = [str(action) for action in probe.key.get("actions", [])]
        if any(action == "*" or action.startswith("keys.") for action in actions):
            return None, (
                f"{setting} can manage the server's keys; `directory meili-keys` makes "
                f"one that cannot"
            )
    return None, None
