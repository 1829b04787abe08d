"""Check data against the Open Referral HSDS 3.0 schema, shipped in hsds_schema/.

The files are upstream's per-object schemas (tag v3.0, CC BY-SA 4.0; see hsds_schema/LICENSE),
which reference each other by name. They are about 150 KB where the compiled organization
schema is 3.4 MB, and validate the same organization once services are added to it, as the
compiled schema does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "hsds_schema"
# Upstream's own address for the files, so their relative references resolve among them.
BASE_URI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
MAX_PROBLEMS = 10


@cache
def _organization_validator() -> Draft202012Validator:
    registry: Registry = Registry().with_resources(
        (
            BASE_URI + path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
            ),
        )
        for path in sorted(SCHEMA_DIR.glob("*.json"))
    )
    schema = {
        "allOf": [{"$ref": BASE_URI + "organization.json"}],
        "properties": {"services": {"type": "array", "items": {"$ref": BASE_URI + "service.json"}}},
    }
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def organization_problems(data: Any) -> list[str]:
    """Why data is not a valid HSDS organization, one line per problem; empty when it is."""
    if not isinstance(data, Mapping):
        return ["an HSDS organization must be a JSON object"]
    errors = sorted(_organization_validator().iter_errors(data), key=lambda error: list(error.path))
    problems = [f"{_where(error.path)}: {error.message}" for error in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        problems.append(f"and {len(errors) - MAX_PROBLEMS} more problems")
    return problems


def _where(path: Any) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return where.lstrip(".") or "organization"
