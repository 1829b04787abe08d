"""For administrators: the mail the directory sent, is waiting to send, or could not send."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from directory import vocab
from directory.database import session_scope
from directory.mail import outbox
from directory.web.auth import SignedIn, admin_required
from directory.web.state import app_state
from directory.web.views.endpoints import form_endpoint
from directory.web.views.moderation import moderator_page

# Never shown here: a password reset's link, which would let an administrator take over
# another moderator's account.
PRIVATE_TEMPLATES = frozenset({"password_reset"})


@form_endpoint
@admin_required
def outbox_page(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(app_state(request).engine) as session:
        messages = [
            {
                "id": message.id,
                "what": vocab.MAIL_TEMPLATES[message.template],
                "to": message.recipient or "(deleted with the submitter's details)",
                "status": vocab.MAIL_STATUSES.get(message.status, message.status),
                "attempts": message.attempts,
                "error": message.last_error,
                "created_at": message.created_at,
                "status_link": None
                if message.template in PRIVATE_TEMPLATES
                else message.context.get("submission_token"),
            }
            for message in outbox.recent(session)
        ]
        counts = outbox.counts(session)
    context = {
        "messages": messages,
        "counts": counts,
        "configured": bool(app_state(request).settings.smtp_url),
    }
    return moderator_page(request, moderator, "moderate/mail.html", context)
