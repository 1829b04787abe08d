"""/healthz: whether the database and each search backend answer, and what is waiting.

"ok" when everything is; "degraded" (still 200: pages are served) with the reasons when
something is not, e.g. the database cannot be written or the search index is being
rebuilt; "down" (503) when the database cannot be read or no index can answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from directory import health
from directory.web.state import app_state


def healthz(request: Request) -> JSONResponse:
    state = app_state(request)
    database = health.database(state.engine)
    outbox: dict[str, dict[str, Any]] = {}
    if database["status"] != "down":
        try:
            outbox = state.search_sync.status()
        except SQLAlchemyError as error:
            database = {"status": "down", "error": type(error).__name__}
    search = state.search.health()
    for name, backend in search.items():
        if name in outbox:
            backend["outbox_pending"] = outbox[name]["pending"]
    serving = state.search.serving
    reasons = _reasons(database, search, health.data_directory(state.settings.data_dir))
    can_serve = database["status"] != "down" and search[serving]["status"] in ("ok", "rebuilding")
    status = "down" if not can_serve else "degraded" if reasons else "ok"
    return JSONResponse(
        {
            "status": status,
            "reasons": reasons,
            "database": database,
            "search": search,
            "serving": serving,
        },
        status_code=200 if can_serve else 503,
    )


def _reasons(
    database: dict[str, Any], search: dict[str, dict[str, Any]], data_directory: str | None
) -> list[str]:
    reasons = []
    if database["status"] == "down":
        reasons.append(f"the database does not answer ({database['error']})")
    elif database["status"] == "read-only":
        reasons.append(f"the database cannot be written ({database['error']})")
    if data_directory is not None:
        reasons.append(data_directory)
    for name, backend in search.items():
        if backend["status"] == "rebuilding":
            reasons.append(f"search index {name} is being rebuilt: {backend['error']}")
        elif backend["status"] != "ok":
            reasons.append(f"search index {name} is down: {backend.get('error', 'no answer')}")
    return reasons
