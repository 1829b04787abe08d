"""/healthz: whether the database and each search backend answer, and what is waiting."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse


def healthz(request: Request) -> JSONResponse:
    try:
        with request.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = {"status": "ok"}
        outbox = request.state.search_sync.status()
    except SQLAlchemyError as error:
        database, outbox = {"status": "down", "error": type(error).__name__}, {}
    search = request.state.search.health()
    for name, state in search.items():
        if name in outbox:
            state["outbox_pending"] = outbox[name]["pending"]
    serving = request.state.search.serving
    can_serve = database["status"] == "ok" and search[serving]["status"] == "ok"
    everything_up = can_serve and all(state["status"] == "ok" for state in search.values())
    status = "ok" if everything_up else "degraded" if can_serve else "down"
    return JSONResponse(
        {"status": status, "database": database, "search": search, "serving": serving},
        status_code=200 if can_serve else 503,
    )
