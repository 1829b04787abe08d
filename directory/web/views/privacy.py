"""The privacy page: what the directory keeps about people, why, for how long, who sees it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from directory.web.auth import SESSION_HOURS
from directory.web.state import app_state
from directory.web.templating import render


def privacy(request: Request) -> Response:
    state = app_state(request)
    limits = state.rate_limits
    longest = max(limits.submissions.window, limits.login_per_user.window)
    context = {
        # From the settings `directory purge` applies, so the page cannot promise otherwise.
        "retention_days": state.settings.contact_retention_days,
        "session_hours": SESSION_HOURS,
        "limit_minutes": round(longest / 60),
    }
    return render(request, "privacy.html", context)
