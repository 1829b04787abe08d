"""Moderator pages: sign in and out, the queue, deciding a submission, history, accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import accounts, catalogue, linkcheck, moderation, rechecks, two_factor, vocab
from directory.database import Unavailable, session_scope
from directory.models import Submission
from directory.moderation import ActivityInvalid, AlreadyDecided, ModerationError
from directory.search import SearchQuery
from directory.search.errors import SearchUnavailable
from directory.web import activity_forms, auth, forms
from directory.web.activity_forms import ActivityForm
from directory.web.auth import SignedIn, admin_required, moderator_required
from directory.web.forms import Form, ListingForm
from directory.web.guards import csrf, password_checks, ratelimit
from directory.web.guards.ratelimit import client_key, limits_of, minutes
from directory.web.presenters import activity_submissions as present_activity
from directory.web.presenters import moderation as present
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import flash
from directory.web.views.endpoints import NO_STORE, form_endpoint

SIGN_IN_UNAVAILABLE = (
    "Signing in is not possible right now: the directory cannot reach its database. "
    "Please try again in a few minutes."
)

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
    try:
        wait = _take_sign_in_slots(request, username)
        if wait:
            page.errors["form"] = f"Too many attempts to sign in. Please wait {minutes(wait)}."
            return _login_page(request, page, 429)
        with _password_check(request), session_scope(app_state(request).engine) as session:
            moderator = accounts.authenticate(session, username, password)
    except Unavailable:
        page.errors["form"] = SIGN_IN_UNAVAILABLE
        return _login_page(request, page, 503)
    except password_checks.Busy:  # not an attempt at a password: it takes no slot
        limits = limits_of(request)
        ratelimit.give_back(request, limits.login_per_user, _attempts(request, username))
        ratelimit.give_back(request, limits.login_per_client)
        page.errors["form"] = password_checks.BUSY_MESSAGE
        return _login_page(request, page, 429, password_checks.retry_headers())
    if moderator is None:
        page.errors["form"] = "That username and password do not match an active moderator."
        return _login_page(request, page, 400)
    limits = limits_of(request)
    ratelimit.reset(request, limits.login_per_user, _attempts(request, username))
    ratelimit.give_back(request, limits.login_per_client)  # only failures count
    if two_factor.has_factor(moderator):
        auth.await_code(request, moderator, page.values["next"])
        return RedirectResponse(route_path(request, "moderate_login_code"), status_code=303)
    auth.sign_in(request, moderator)
    return RedirectResponse(page.values["next"], status_code=303)


def _attempts(request: Request, username: str) -> str:
    """A username is counted with the client trying it, so that wrong passwords sent from
    elsewhere cannot lock its owner out."""
    return f"{client_key(request)} {username}"


def _take_sign_in_slots(request: Request, username: str) -> int:
    """Takes a slot for the client and one for the username before the password is checked,
    or neither: 0 when both were taken, otherwise the seconds to wait."""
    limits = limits_of(request)
    wait = ratelimit.take(request, limits.login_per_client)
    if wait:
        return wait
    wait = ratelimit.take(request, limits.login_per_user, _attempts(request, username))
    if wait:
        ratelimit.give_back(request, limits.login_per_client)
    return wait


@form_endpoint
@auth.enrolment_allowed
def logout(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    auth.sign_out(request, moderator)
    flash.flash(request, "You have signed out.")
    return RedirectResponse(route_path(request, "moderate_login"), status_code=303)


# The queue and one submission -----------------------------------------------------------


@form_endpoint
@moderator_required
def queue(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    types, statuses = _queue_filters(request.query_params)
    links_down = request.query_params.get("links") == "down"
    page = page_number(request.query_params)
    with session_scope(app_state(request).engine) as session:
        found = moderation.queue(session, types=types, statuses=statuses, page=page)
        view = present.queue_view(found, types, statuses, route_path(request, "moderate_queue"))
        failing = present.failing_links(linkcheck.failing(session))
        due = rechecks.due_count(session, today=date.today())
    context = {"queue": view, "failing_links": failing, "links_down": links_down, "due": due}
    return moderator_page(request, moderator, "moderate/queue.html", context)


@form_endpoint
@moderator_required
def submission(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(app_state(request).engine) as session:
        found = _submission(session, request)
        if form is None:
            return _review_page(request, session, found, moderator)
        decide = _DECISIONS.get(forms.text(form, "decision"))
        if decide is None:
            raise HTTPException(400)
        outcome = decide(request, session, found, form, moderator)
        if isinstance(outcome, Response):
            return outcome
    wake_search(request)
    flash.flash(request, outcome)
    return RedirectResponse(route_path(request, "moderate_queue"), status_code=303)


def _approve(
    request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
) -> Response | str:
    if present_activity.is_activity(found):
        return _approve_activity(request, session, found, form, moderator)
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
            gazetteer=app_state(request).settings.gazetteer_path,
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


def _approve_activity(
    request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
) -> Response | str:
    """Publish a proposed activity or correction as the moderator corrected it, or mark the
    activity cancelled, citing the page that says so when there is one."""
    parsed: Form
    if found.type == "activity-cancel":
        parsed = forms.cancel_source_form(form)
        values: dict[str, Any] = {"source_url": parsed.values["cancel_source"] or None}
    else:
        parsed = activity_forms.activity_form(form)
        values = parsed.activity if isinstance(parsed, ActivityForm) else {}
    if not parsed.ok:
        return _review_page(request, session, found, moderator, listing=parsed, status=400)
    try:
        made = moderation.approve_activity(
            session,
            found,
            values,
            moderator=moderator.username,
            expected_version=forms.text(form, "version") or None,
            gazetteer=app_state(request).settings.gazetteer_path,
        )
    except ActivityInvalid as error:
        session.rollback()
        for name, message in error.errors.items():
            parsed.errors.setdefault(activity_forms.form_field(name), message)
        return _review_page(request, session, found, moderator, listing=parsed, status=400)
    except ModerationError as error:
        session.rollback()
        kept = None if isinstance(error, AlreadyDecided) else parsed
        return _review_page(
            request, session, found, moderator, listing=kept, notice=str(error), status=409
        )
    if found.type == "activity-cancel":
        return f"Approved. “{made.title}” is shown as cancelled."
    return f"Approved. “{made.title}” is live."


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


def _mark_closed(
    request: Request, session: Session, found: Submission, form: FormData, moderator: SignedIn
) -> Response | str:
    """A report that the group has closed, settled in one step: the listing is marked as no
    longer active, citing the page that says so, and the report is approved."""
    if found.type != "report":
        raise HTTPException(400)
    closure = forms.closure_form(form)
    if not closure.ok:
        return _review_page(request, session, found, moderator, closure=closure, status=400)
    organisation = catalogue.get(session, found.organisation_slug or "")
    try:
        if organisation is None:
            raise moderation.ListingGone
        rechecks.mark_closed(
            session,
            organisation,
            moderator=moderator.username,
            source=closure.values["closed_source"],
            expected_version=forms.text(form, "version") or None,
            report=found,
        )
    except ModerationError as error:
        session.rollback()
        kept = None if isinstance(error, AlreadyDecided) else closure
        return _review_page(
            request, session, found, moderator, closure=kept, notice=str(error), status=409
        )
    return f"“{organisation.name}” is marked as no longer active, and report #{found.id} is closed."


_DECISIONS: dict[str, Callable[..., Response | str]] = {
    "approve": _approve,
    "mark_inactive": _mark_closed,
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
    closure: Form | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    if present_activity.is_activity(found):
        return _activity_review_page(
            request, session, found, moderator, listing, reason, notice, status
        )
    live = catalogue.get(session, found.organisation_slug or "")
    review = present.review_view(found, live.name if live else None)
    if review.is_open and listing is None:
        listing = ListingForm(values=_starting_values(session, found))
    proposed_name = (found.proposed or {}).get("name")
    context = {
        "submission": review,
        "organisation": {"slug": live.slug, "name": live.name} if live else None,
        "changes": present.change_rows(moderation.diff(session, found))
        if found.type == "edit"
        else [],
        "sent": present.sent_rows(found) if found.type == "new" else [],
        "duplicates": _possible_duplicates(request, proposed_name) if found.type == "new" else [],
        "listing_form": listing,
        "reason_form": reason or Form(),
        "closure_form": closure or Form(),
        "version": live.updated_at.isoformat() if live else "",
        "choices": present.choices(),
        "notice": notice,
        "history": present.audit_rows(moderation.submission_history(session, found.id or 0)),
    }
    return moderator_page(request, moderator, "moderate/submission.html", context, status)


def _activity_review_page(
    request: Request,
    session: Session,
    found: Submission,
    moderator: SignedIn,
    approve_form: Form | None,
    reason: Form | None,
    notice: str | None,
    status: int,
) -> Response:
    """An activity's submission: what was sent or changed, and the decisions on it."""
    live = catalogue.get(session, found.organisation_slug or "")
    activity = moderation.activity_of(session, found)
    review = present.review_view(found, live.name if live else None)
    if review.is_open and approve_form is None:
        approve_form = _activity_starting_form(session, found)
    shown = None
    if activity is not None:
        status_label = vocab.ACTIVITY_STATUSES.get(activity.status, activity.status)
        shown = {
            "title": activity.title,
            "status": status_label,
            "url": route_path(request, "activity", public_id=activity.public_id),
        }
    context = {
        "submission": review,
        "organisation": {"slug": live.slug, "name": live.name} if live else None,
        "activity": shown,
        "changes": present_activity.changes(
            found, moderation.activity_values(activity) if activity else None
        )
        if found.type == "activity-edit"
        else [],
        "sent": present_activity.rows(found) if found.type != "activity-edit" else [],
        "approve_form": approve_form if live else None,
        "reason_form": reason or Form(),
        "version": activity.updated_at.isoformat() if activity else "",
        "choices": present_activity.choices(
            approve_form.values if approve_form else {}, forms.country_choices()
        ),
        "notice": notice,
        "history": present.audit_rows(moderation.submission_history(session, found.id or 0)),
    }
    return moderator_page(request, moderator, "moderate/activity_submission.html", context, status)


def _activity_starting_form(session: Session, found: Submission) -> Form:
    if found.type == "activity-cancel":
        return Form(values={"cancel_source": (found.proposed or {}).get("source_url") or ""})
    values = moderation.proposed_activity(session, found)
    return ActivityForm(values=activity_forms.activity_to_form(values))


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
        hits = app_state(request).search.search(SearchQuery(q=name, per_page=5)).hits
    except SearchUnavailable:
        return None
    return [{"slug": hit.slug, "name": hit.name} for hit in hits]


def wake_search(request: Request) -> None:
    # The decision is committed; if an index is down, its outbox event waits for the next
    # wake or reindex, so a failure here must not turn a done decision into an error page.
    try:
        app_state(request).search_sync.wake()
    except Exception:
        log.exception("search sync failed after a moderation decision; the outbox keeps it")


# History and accounts -------------------------------------------------------------------


@form_endpoint
@moderator_required
def history(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    slug = request.path_params["slug"]
    with session_scope(app_state(request).engine) as session:
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
    return moderator_page(request, moderator, "moderate/history.html", context)


@form_endpoint
@admin_required
def moderators(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    if form is None:
        return _moderators_page(request, moderator, Form(values={"role": "moderator"}))
    action = forms.text(form, "action")
    if action == "add":
        return _add_moderator(request, form, moderator)
    if action == "display_name":
        username = forms.text(form, "username")
        try:
            _set_display_name(request, username, forms.text(form, "display_name"), moderator)
        except accounts.AccountError as error:
            return _moderators_page(request, moderator, Form(), notice=str(error), status=400)
        flash.flash(request, f"Saved the public name of {username}.")
        return RedirectResponse(route_path(request, "moderate_moderators"), status_code=303)
    if action == "reset_two_factor":
        username = forms.text(form, "username")
        try:
            with session_scope(app_state(request).engine) as session:
                two_factor.reset(session, username, actor=moderator.username)
        except accounts.AccountError as error:
            return _moderators_page(request, moderator, Form(), notice=str(error), status=400)
        flash.flash(request, f"Turned off two-factor sign-in for {username}, and signed them out.")
        return RedirectResponse(route_path(request, "moderate_moderators"), status_code=303)
    if action in ("activate", "deactivate"):
        username = forms.text(form, "username")
        try:
            with session_scope(app_state(request).engine) as session:
                accounts.set_active(
                    session, username, action == "activate", actor=moderator.username
                )
        except accounts.AccountError as error:
            return _moderators_page(request, moderator, Form(), notice=str(error), status=400)
        done = "Reactivated" if action == "activate" else "Deactivated"
        flash.flash(request, f"{done} {username}.")
        return RedirectResponse(route_path(request, "moderate_moderators"), status_code=303)
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
        with _password_check(request), session_scope(app_state(request).engine) as session:
            accounts.create_moderator(
                session, username, password, admin=role == "admin", actor=moderator.username
            )
    except password_checks.Busy:
        notice = password_checks.BUSY_MESSAGE
        headers = password_checks.retry_headers()
        return _moderators_page(
            request, moderator, page, notice=notice, status=429, headers=headers
        )
    except accounts.AccountError as error:
        page.errors["username"] = str(error)
        return _moderators_page(request, moderator, page, status=400)
    flash.flash(request, f"Added {username}. Tell them their password by a safe route.")
    return RedirectResponse(route_path(request, "moderate_moderators"), status_code=303)


def _moderators_page(
    request: Request,
    moderator: SignedIn,
    form: Form,
    *,
    notice: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    with session_scope(app_state(request).engine) as session:
        people = present.moderator_rows(accounts.list_moderators(session), moderator.username)
    context = {
        "people": people,
        "form": form,
        "notice": notice,
        "choices": present.choices(),
        "min_password": accounts.MIN_PASSWORD_LENGTH,
        "max_display_name": accounts.MAX_DISPLAY_NAME_LENGTH,
        "admin_two_factor": app_state(request).settings.admin_two_factor,
    }
    return moderator_page(request, moderator, "moderate/moderators.html", context, status, headers)


# Your own account -----------------------------------------------------------------------


@form_endpoint
@moderator_required
def account(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    if form is None:
        return _account_page(request, moderator)
    action = forms.text(form, "action")
    if action == "display_name":
        name = forms.text(form, "display_name")
        try:
            _set_display_name(request, moderator.username, name, moderator)
        except accounts.AccountError as error:
            page = Form(values={"display_name": name}, errors={"display_name": str(error)})
            return _account_page(request, moderator, name_form=page, status=400)
        done = "Saved your public name." if name.strip() else "Removed your public name."
        flash.flash(request, done)
        return RedirectResponse(route_path(request, "moderate_account"), status_code=303)
    if action == "password":
        return _change_password(request, form, moderator)
    if action == "mail":
        return _set_mail(request, form, moderator)
    raise HTTPException(400)


def _set_mail(request: Request, form: FormData, moderator: SignedIn) -> Response:
    email, digest = forms.text(form, "email")[:300], forms.text(form, "queue_digest") == "yes"
    try:
        with session_scope(app_state(request).engine) as session:
            accounts.set_mail_preferences(session, moderator.id, email, queue_digest=digest)
    except accounts.AccountError as error:
        page = Form(values={"email": email, "queue_digest": digest}, errors={"email": str(error)})
        return _account_page(request, moderator, mail_form=page, status=400)
    flash.flash(request, "Saved your email settings.")
    return RedirectResponse(route_path(request, "moderate_account"), status_code=303)


def _change_password(request: Request, form: FormData, moderator: SignedIn) -> Response:
    current = forms.text(form, "current_password")
    new, again = forms.text(form, "password"), forms.text(form, "password_again")
    page = Form()
    if not current:
        page.errors["current_password"] = "Enter your current password."  # noqa: S105
    if problem := accounts.check_password(new):
        page.errors["password"] = problem
    elif new != again:
        page.errors["password_again"] = "The two passwords are not the same."  # noqa: S105
    if not page.ok:
        return _account_page(request, moderator, password_form=page, status=400)
    # Guesses at the current password here count as guesses at signing in: a slot is taken
    # before the check, and given back only when the password was right.
    limits, attempts = limits_of(request), _attempts(request, moderator.username)
    if wait := ratelimit.take(request, limits.login_per_user, attempts):
        page.errors["current_password"] = f"Too many wrong passwords. Please wait {minutes(wait)}."
        return _account_page(request, moderator, password_form=page, status=429)
    try:
        with _password_check(request), session_scope(app_state(request).engine) as session:
            changed = accounts.change_password(
                session, moderator.id, current, new, actor=moderator.username
            )
    except password_checks.Busy:
        ratelimit.give_back(request, limits.login_per_user, attempts)
        page.errors["current_password"] = password_checks.BUSY_MESSAGE
        headers = password_checks.retry_headers()
        return _account_page(request, moderator, password_form=page, status=429, headers=headers)
    except accounts.WrongPassword as error:
        page.errors["current_password"] = str(error)
        return _account_page(request, moderator, password_form=page, status=400)
    ratelimit.reset(request, limits.login_per_user, attempts)
    auth.sign_in(request, changed)  # this browser stays signed in, under the new version
    flash.flash(request, "You have changed your password. Every other session is signed out.")
    return RedirectResponse(route_path(request, "moderate_account"), status_code=303)


def _set_display_name(request: Request, username: str, name: str, moderator: SignedIn) -> None:
    with session_scope(app_state(request).engine) as session:
        accounts.set_display_name(session, username, name, actor=moderator.username)


def _account_page(
    request: Request,
    moderator: SignedIn,
    *,
    name_form: Form | None = None,
    password_form: Form | None = None,
    mail_form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    if mail_form is None:
        with session_scope(app_state(request).engine) as session:
            found = accounts.get_active(session, moderator.id)
            values = (
                {"email": found.email or "", "queue_digest": found.queue_digest} if found else {}
            )
        mail_form = Form(values=values)
    context = {
        "mail_form": mail_form,
        "name_form": name_form or Form(values={"display_name": moderator.display_name or ""}),
        "password_form": password_form or Form(),
        "volunteer_credit": accounts.VOLUNTEER_CREDIT,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
        "max_display_name": accounts.MAX_DISPLAY_NAME_LENGTH,
    }
    return moderator_page(request, moderator, "moderate/account.html", context, status, headers)


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


def page_number(params: QueryParams) -> int:
    """The queue page asked for; anything but a plain number is the first."""
    asked = params.get("page", "")
    return int(asked) if asked.isascii() and asked.isdigit() and len(asked) <= 9 else 1


def _submission(session: Session, request: Request) -> Submission:
    found = moderation.get(session, request.path_params["id"])
    if found is None:
        raise HTTPException(404)
    return found


def _password_check(request: Request) -> AbstractContextManager[None]:
    return app_state(request).password_checks.slot()


def _login_page(
    request: Request, form: Form, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    context = {"form": form, "message": flash.pop(request), "csrf_token": csrf.token(request)}
    return render(
        request,
        "moderate/login.html",
        context,
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def moderator_page(
    request: Request,
    moderator: SignedIn,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        **context,
        "moderator": moderator,
        "message": flash.pop(request),
        "csrf_token": csrf.token(request),
    }
    return render(
        request, name, context, status_code=status, headers={**NO_STORE, **(headers or {})}
    )
