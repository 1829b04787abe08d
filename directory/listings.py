"""A listing's values as submissions, imports and the audit log hold them: JSON-ready."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from directory.models import Organisation
from directory.records import EDITABLE_FIELDS, FIELDS, UNORDERED_FIELDS


def editable_values(organisation: Organisation) -> dict[str, Any]:
    """The organisation's editable fields, as a submission stores them."""
    return {name: jsonable(getattr(organisation, name)) for name in EDITABLE_FIELDS}


def editable_only(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields among these, JSON-ready; the rest are not for people to propose."""
    return {name: jsonable(fields[name]) for name in EDITABLE_FIELDS if name in fields}


def snapshot(organisation: Organisation) -> dict[str, Any]:
    """Every field of the published listing, JSON-ready, for the audit log."""
    return {name: jsonable(getattr(organisation, name)) for name in FIELDS}


def changed_fields(base: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields whose values differ from base's, JSON-ready."""
    return {
        name: jsonable(fields[name])
        for name in EDITABLE_FIELDS
        if name in fields and not same_value(name, fields[name], base.get(name))
    }


def same_value(name: str, first: Any, second: Any) -> bool:
    """Whether two values of the field read the same: sets of codes in any order."""
    first, second = jsonable(first), jsonable(second)
    if name in UNORDERED_FIELDS and isinstance(first, list) and isinstance(second, list):
        return sorted(first) == sorted(second)
    return bool(first == second)


def jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):  # a phone or a citation of a record
        return value.model_dump(mode="json")
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def carried_sources(before: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """The citations and phone sources of `before` that still hold for `values`: a fact that
    did not change keeps its source; one that changed has none until someone cites one."""
    if not before:
        return {}
    kept = {
        name: citation
        for name, citation in (before.get("citations") or {}).items()
        if same_value(name, before.get(name), values.get(name))
    }
    sources = {
        phone["number"]: (phone.get("source"), phone.get("source_date"))
        for phone in before.get("phones") or []
        if phone.get("source")
    }
    phones = [
        {**phone, "source": sources[phone["number"]][0], "source_date": sources[phone["number"]][1]}
        if not phone.get("source") and phone.get("number") in sources
        else phone
        for phone in (jsonable(p) for p in values.get("phones") or [])
    ]
    return {"citations": kept, "phones": phones}


def slugify(name: str) -> str:
    """A URL-safe slug from a name: "Bristol ABC (UK)" -> "bristol-abc-uk"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60].rstrip("-") or "group"
