"""/healthz: whether the database and each search backend answer."""

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
    except SQLAlchemyError as error:
        database = {"status": "down", "error": type(error).__name__}
    search = {request.state.search.name: request.state.search.health()}
    healthy = database["status"] == "ok" and all(s["status"] == "ok" for s in search.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "search": search},
        status_code=200 if healthy else 503,
    )
