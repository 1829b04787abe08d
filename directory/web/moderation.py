"""Moderator pages: sign in and out, the queue, deciding a submission, history, accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import accounts, catalogue, linkcheck, moderation, vocab
from directory.database import session_scope
from directory.models import Submission
from directory.moderation import AlreadyDecided, ModerationError
from directory.search import SearchQuery
from directory.search.errors import SearchUnavailable
from directory.web import auth, csrf, flash, forms
from directory.web import submission_presenters as present
from directory.web.auth import SignedIn, admin_required, moderator_required
from directory.web.endpoints import NO_STORE, form_endpoint
from directory.web.forms import Form, ListingForm
from directory.web.ratelimit import client_key, limits_of, minutes
from directory.web.templating import render

log = logging.getLogger(__name__)


# Signing in and out ---------------------------------------------------------------------


@form_endpoint
def login(request: Request, form: FormData | None) -> Response:
    if form is None:
        next_path = auth.safe_next(request.query_params.get("next"))
        if auth.current(request) is not None:
            return RedirectResponse(next_path, status_code=303)
        return _login_page(request, Form(values={"next": next_path}))
    username = accounts.normalise_username(forms.text(form, "username"))[:100]
    password = forms.text(form, "password")
    page = Form(values={"username": username, "next": auth.safe_next(forms.text(form, "next"))})
    if not csrf.is_valid(request, form):
        page.errors["form"] = "The sign-in form had expired. Please try again."
        return _login_page(request, page, 403)
    for name, value in (("username", username), ("password", password)):
        if not value:
            page.errors[name] = forms.REQUIRED[name]
    if page.errors:
        return _login_page(request, page, 400)
    limits, client = limits_of(request), client_key(request)
    wait = max(
        limits.login_per_user.retry_after(username), limits.login_per_client.retry_after(client)
    )
    if wait:
        page.errors["form"] = f"Too many attempts to sign in. Please wait {minutes(wait)}."
        return _login_page(request, page, 429)
    with session_scope(request.state.engine) as session:
        moderator = accounts.authenticate(session, username, password)
    if moderator is None:
        limits.login_per_user.hit(username)
        limits.login_per_client.hit(client)
        page.errors["form"] = "That username and password do not match an active moderator."
        return _login_page(request, page, 400)
    limits.login_per_user.reset(username)
    auth.sign_in(request, moderator)
    return RedirectResponse(page.values["next"], status_code=303)


@form_endpoint
@moderator_required
def logout(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    auth.sign_out(request)
    flash.flash(request, "You have signed out.")
    return RedirectResponse("/moderate/login", status_code=303)


# The queue and one submission -----------------------------------------------------------


@form_endpoint
@moderator_required
def queue(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    types, statuses = _queue_filters(request.query_params)
    links_down = request.query_params.get("links") == "down"
    with session_scope(request.state.engine) as session:
        found = moderation.queue(session, types=types, statuses=statuses)
        view = present.queue_view(found, types, statuses)
        failing = present.failing_links(linkcheck.failing(session))
    context = {"queue": view, "failing_links": failing, "links_down": links_down}
    return _render(request, moderator, "moderate/queue.html", context)


@form_endpoint
@moderator_required
def submission(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(request.state.engine) as session:
        found = _submission(session, request)
        if form is None:
            return _review_page(request, session, found, moderator)
        decide = _DECISIONS.get(forms.text(form, "decision"))
        if decide is None:
            raise HTTPException(400)
        outcome = decide(request, session, found, form, moderator)
        if isinstance(outcome, Response):
            return outcome
    _wake_search(request)
    flash.flash(request, outcome)
    return RedirectResponse("/moderate", status_code=303)


def _approve(
    request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
) -> Response | str:
    parsed = forms.listing_form(form, sources_required=True)
    if not parsed.ok:
        return _review_page(request, session, found, moderator, listing=parsed, status=400)
    try:
        published = moderation.approve(
            session,
            found,
            parsed.listing,
            moderator=moderator.username,
            expected_version=forms.text(form, "version") or None,
        )
    except ValidationError as error:
        session.rollback()
        for name, message in forms.friendly_errors(error):
            parsed.errors.setdefault(name, message)
        return _review_page(request, session, found, moderator, listing=parsed, status=400)
    except ModerationError as error:
        session.rollback()
        kept = None if isinstance(error, AlreadyDecided) else parsed
        return _review_page(
            request, session, found, moderator, listing=kept, notice=str(error), status=409
        )
    return f"Approved. “{published.name}” is live."


def _with_reason(status: str) -> Callable[..., Response | str]:
    def decide(
        request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
    ) -> Response | str:
        reason = forms.reason_form(form, required=True)
        if not reason.ok:
            return _review_page(request, session, found, moderator, reason=reason, status=400)
        text = forms.clean(reason, ("decision_reason",))["decision_reason"] or ""
        try:
            if status == "rejected":
                moderation.reject(session, found, moderator=moderator.username, reason=text)
            else:
                moderation.request_changes(
                    session, found, moderator=moderator.username, reason=text
                )
        except ModerationError as error:
            session.rollback()
            return _review_page(
                request, session, found, moderator, reason=reason, notice=str(error), status=409
            )
        label = "Rejected" if status == "rejected" else "Asked for changes on"
        return f"{label} submission #{found.id}."

    return decide


def _spam(
    request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
) -> Response | str:
    try:
        moderation.mark_spam(session, found, moderator=moderator.username)
    except ModerationError as error:
        session.rollback()
        return _review_page(request, session, found, moderator, notice=str(error), status=409)
    return f"Marked submission #{found.id} as spam."


_DECISIONS: dict[str, Callable[..., Response | str]] = {
    "approve": _approve,
    "reject": _with_reason("rejected"),
    "request_changes": _with_reason("changes_requested"),
    "spam": _spam,
}


def _review_page(
    request: Request,
    session: Session,
    found: Submission,
    moderator: SignedIn,
    *,
    listing: Form | None = None,
    reason: Form | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    live = catalogue.get(session, found.organisation_slug or "")
    is_open = found.status in vocab.OPEN_SUBMISSION_STATUSES
    if is_open and listing is None:
        listing = ListingForm(values=_starting_values(session, found))
    proposed_name = (found.proposed or {}).get("name")
    context = {
        "submission": {
            "id": found.id,
            "type": found.type,
            "type_label": vocab.SUBMISSION_TYPES[found.type],
            "status": found.status,
            "status_label": vocab.SUBMISSION_STATUSES[found.status],
            "received": present.when(found.created_at),
            "decided_by": found.decided_by,
            "decided_at": present.when(found.decided_at),
            "decision_reason": found.decision_reason,
            "report_reason": vocab.REPORT_REASONS.get(found.report_reason or ""),
            "report_text": found.report_text,
            "contact": found.contact,
            "relation": vocab.SUBMITTER_RELATIONS.get(found.relation or ""),
            "note": found.note,
            "token": found.token,
            "is_open": is_open,
            "title": live.name if live else proposed_name or "New listing",
        },
        "organisation": {"slug": live.slug, "name": live.name} if live else None,
        "changes": present.change_rows(moderation.diff(session, found))
        if found.type == "edit"
        else [],
        "sent": present.sent_rows(found) if found.type == "new" else [],
        "duplicates": _possible_duplicates(request, proposed_name) if found.type == "new" else [],
        "listing_form": listing,
        "reason_form": reason or Form(),
        "version": live.updated_at.isoformat() if live else "",
        "choices": present.choices(),
        "notice": notice,
        "history": present.audit_rows(moderation.submission_history(session, found.id or 0)),
    }
    return _render(request, moderator, "moderate/submission.html", context, status)


def _starting_values(session: Session, found: Submission) -> dict[str, Any]:
    values = forms.listing_to_form(moderation.proposed_values(session, found))
    if not values["sources"] and values["website"]:
        # A listing needs a source before it goes live; the group's own site is the usual one.
        values["sources"] = values["website"]
    return values


def _possible_duplicates(request: Request, name: str | None) -> list[dict[str, str]] | None:
    """Listings with a similar name; None if search cannot answer (being rebuilt)."""
    if not name:
        return []
    try:
        hits = request.state.search.search(SearchQuery(q=name, per_page=5)).hits
    except SearchUnavailable:
        return None
    return [{"slug": hit.slug, "name": hit.name} for hit in hits]


def _wake_search(request: Request) -> None:
    # The decision is committed; if an index is down, its outbox event waits for the next
    # wake or reindex, so a failure here must not turn a done decision into an error page.
    try:
        request.state.search_sync.wake()
    except Exception:
        log.exception("search sync failed after a moderation decision; the outbox keeps it")


# History and accounts -------------------------------------------------------------------


@form_endpoint
@moderator_required
def history(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    slug = request.path_params["slug"]
    with session_scope(request.state.engine) as session:
        live = catalogue.get(session, slug)
        events = moderation.history(session, slug)
        if live is None and not events:
            raise HTTPException(404)
        context = {
            "slug": slug,
            "name": live.name if live else slug,
            "listed": live is not None,
            "events": present.audit_rows(events),
        }
    return _render(request, moderator, "moderate/history.html", context)


@form_endpoint
@admin_required
def moderators(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    if form is None:
        return _moderators_page(request, moderator, Form(values={"role": "moderator"}))
    action = forms.text(form, "action")
    if action == "add":
        return _add_moderator(request, form, moderator)
    if action in ("activate", "deactivate"):
        username = forms.text(form, "username")
        try:
            with session_scope(request.state.engine) as session:
                accounts.set_active(
                    session, username, action == "activate", actor=moderator.username
                )
        except accounts.AccountError as error:
            return _moderators_page(request, moderator, Form(), notice=str(error), status=400)
        done = "Reactivated" if action == "activate" else "Deactivated"
        flash.flash(request, f"{done} {username}.")
        return RedirectResponse("/moderate/moderators", status_code=303)
    raise HTTPException(400)


def _add_moderator(request: Request, form: FormData, moderator: SignedIn) -> Response:
    username = accounts.normalise_username(forms.text(form, "username"))
    password, again = forms.text(form, "password"), forms.text(form, "password_again")
    role = forms.text(form, "role")
    page = Form(values={"username": username, "role": role})
    if problem := accounts.check_username(username):
        page.errors["username"] = problem
    if problem := accounts.check_password(password):
        page.errors["password"] = problem
    elif password != again:
        page.errors["password_again"] = "The two passwords are not the same."  # noqa: S105
    if role not in vocab.MODERATOR_ROLES:
        page.errors["role"] = "Choose a role."
    if not page.ok:
        return _moderators_page(request, moderator, page, status=400)
    try:
        with session_scope(request.state.engine) as session:
            accounts.create_moderator(
                session, username, password, admin=role == "admin", actor=moderator.username
            )
    except accounts.AccountError as error:
        page.errors["username"] = str(error)
        return _moderators_page(request, moderator, page, status=400)
    flash.flash(request, f"Added {username}. Tell them their password by a safe route.")
    return RedirectResponse("/moderate/moderators", status_code=303)


def _moderators_page(
    request: Request,
    moderator: SignedIn,
    form: Form,
    *,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    with session_scope(request.state.engine) as session:
        people = [
            {
                "username": person.username,
                "role": vocab.MODERATOR_ROLES.get(person.role, person.role),
                "active": person.active,
                "last_login_at": present.when(person.last_login_at),
                "is_you": person.username == moderator.username,
            }
            for person in accounts.list_moderators(session)
        ]
    context = {
        "people": people,
        "form": form,
        "notice": notice,
        "choices": present.choices(),
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    return _render(request, moderator, "moderate/moderators.html", context, status)


# Helpers --------------------------------------------------------------------------------


def _queue_filters(params: QueryParams) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kind = params.get("type", "")
    status = params.get("status", "")
    types = (kind,) if kind in vocab.SUBMISSION_TYPES else ()
    if status == "all":
        return types, ()
    if status in vocab.SUBMISSION_STATUSES:
        return types, (status,)
    return types, vocab.OPEN_SUBMISSION_STATUSES


def _submission(session: Session, request: Request) -> Submission:
    found = moderation.get(session, request.path_params["id"])
    if found is None:
        raise HTTPException(404)
    return found


def _login_page(request: Request, form: Form, status: int = 200) -> Response:
    context = {"form": form, "message": flash.pop(request), "csrf_token": csrf.token(request)}
    return render(request, "moderate/login.html", context, status_code=status, headers=NO_STORE)


def _render(
    request: Request,
    moderator: SignedIn,
    name: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    context = {
        **context,
        "moderator": moderator,
        "message": flash.pop(request),
        "csrf_token": csrf.token(request),
    }
    return render(request, name, context, status_code=status, headers=NO_STORE)
