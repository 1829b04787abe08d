"""Files of ../shared/reference, the researched facts and schemas beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every developer and CI have shared/ beside the project's root (see ../shared/README.md).
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def reference_file(name: str) -> Path:
    """The file, or a skip without it; in CI (`CI` set), where shared/ is always laid beside
    the repository, a failure instead, as for the PostgreSQL and browser tests."""
    path = SHARED_REFERENCE / name
    if not path.is_file():
        reason = f"{path} is missing: the shared reference is not beside the repository"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI always has it", pytrace=False)
        pytest.skip(reason)
    return path
