"""Pages where the public suggests a listing, an edit or a problem, proposes an activity,
its correction or its cancellation, and follows it up."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import activities, catalogue, listings, moderation
from directory.database import Unavailable, session_scope
from directory.models import Activity, Organisation, Submission
from directory.moderation import ModerationError, Submitter
from directory.web import activity_forms, forms
from directory.web.activity_forms import ActivityForm
from directory.web.forms import Form, ListingForm
from directory.web.guards import csrf, ratelimit
from directory.web.guards.ratelimit import limits_of, minutes
from directory.web.middleware.access_log import loggable_path
from directory.web.presenters import activity_submissions as present_activity
from directory.web.presenters import moderation as present
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views.endpoints import NO_STORE, form_endpoint

EXPIRED = "This form had expired, so nothing was sent. Check your answers and send it again."
UNAVAILABLE = (
    "We cannot save anything right now, so nothing was sent. What you typed is still here: "
    "please try again in a few minutes."
)

log = logging.getLogger(__name__)
SentForm = TypeVar("SentForm", bound=Form)


@form_endpoint
def submit(request: Request, form: FormData | None) -> Response:
    if form is None:
        return _listing_page(request, "new", ListingForm(values={"status": "active"}))
    parsed = forms.listing_form(form, sources_required=False)
    forms.submitter_fields(form, parsed, contact_required=True)
    try:
        refused = _refused(request, form, parsed)
        if refused:
            return _listing_page(request, "new", _only(parsed, refused[1]), status=refused[0])
        spam = forms.honeypot_filled(form)
        if not parsed.ok and not spam:
            return _listing_page(request, "new", parsed, status=400)
        with session_scope(app_state(request).engine) as session:
            submission = moderation.submit_new(
                session, parsed.listing, _submitter(parsed), spam=spam
            )
    except Unavailable as error:
        _log_unavailable(request, error)
        return _listing_page(request, "new", _only(parsed, UNAVAILABLE), status=503)
    return _received(request, submission)


@form_endpoint
def edit(request: Request, form: FormData | None) -> Response:
    if form is None:
        with session_scope(app_state(request).engine) as session:
            organisation = _organisation(session, request)
            values = forms.listing_to_form(listings.editable_values(organisation))
        return _listing_page(request, "edit", ListingForm(values=values), _listing_of(organisation))
    page = functools.partial(_listing_page, request, "edit")
    return _send_about_listing(request, form, _listing_form(form), page, _store_edit)


@form_endpoint
def report(request: Request, form: FormData | None) -> Response:
    if form is None:
        with session_scope(app_state(request).engine) as session:
            shown = _listing_of(_organisation(session, request))
        return _report_page(request, Form(), shown)
    page = functools.partial(_report_page, request)
    return _send_about_listing(request, form, forms.report_form(form), page, _store_report)


def _send_about_listing(
    request: Request,
    form: FormData,
    parsed: SentForm,
    page: Callable[[Form, dict[str, str], int], Response],
    store: Callable[[Session, Organisation, SentForm, bool], Submission],
) -> Response:
    """An edit or a report, as sent: stored about the listing of the address, or its `page`
    again with why not (the listing's name on it once the database has answered)."""
    return _send_about(request, form, parsed, page, store, _listing_target, _unread_listing)


def _send_about(
    request: Request,
    form: FormData,
    parsed: SentForm,
    page: Callable[[Form, dict[str, str], int], Response],
    store: Callable[[Session, Any, SentForm, bool], Submission],
    target: Callable[[Session, Request], tuple[Any, dict[str, str]]],
    unread: Callable[[Request], dict[str, str]],
) -> Response:
    """A form about a listing or an activity (`target` finds it and how its page names it),
    stored, or shown again with why not."""
    shown = unread(request)
    try:
        with session_scope(app_state(request).engine) as session:
            about, shown = target(session, request)
            refused = _refused(request, form, parsed)
            if refused:
                return page(_only(parsed, refused[1]), shown, refused[0])
            spam = forms.honeypot_filled(form)
            if not parsed.ok and not spam:
                return page(parsed, shown, 400)
            try:
                submission = store(session, about, parsed, spam)
            except ModerationError as error:
                ratelimit.give_back(request, limits_of(request).submissions)  # nothing stored
                parsed.errors["form"] = str(error)
                return page(parsed, shown, 400)
    except Unavailable as error:
        _log_unavailable(request, error)
        return page(_only(parsed, UNAVAILABLE), shown, 503)
    return _received(request, submission)


def _listing_target(session: Session, request: Request) -> tuple[Organisation, dict[str, str]]:
    organisation = _organisation(session, request)
    return organisation, _listing_of(organisation)


def _store_edit(
    session: Session, organisation: Organisation, parsed: ListingForm, spam: bool
) -> Submission:
    return moderation.submit_edit(
        session, organisation, parsed.listing, _submitter(parsed), spam=spam
    )


def _store_report(
    session: Session, organisation: Organisation, parsed: Form, spam: bool
) -> Submission:
    values = forms.clean(parsed, ("reason", "details")) if parsed.ok else {}
    return moderation.submit_report(
        session,
        organisation,
        values.get("reason") or "other",
        values.get("details"),
        _submitter(parsed),
        spam=spam,
    )


def status(request: Request) -> Response:
    with session_scope(app_state(request).engine) as session:
        submission = _submission(session, request)
        live = catalogue.get(session, submission.organisation_slug or "")
        view = present.status_view(submission, live.name if live else None)
        if present_activity.is_activity(submission):
            view = _activity_status(session, submission, view)
    return render(
        request,
        "submission.html",
        {"submission": view, "just_sent": request.query_params.get("sent") == "1"},
        headers=NO_STORE,
    )


@form_endpoint
def revise(request: Request, form: FormData | None) -> Response:
    """Answer "changes requested" with a corrected version of the same submission."""
    parsed: ListingForm | None = None
    context: dict[str, Any] = {"token": request.path_params["token"], "reason": None}
    try:
        with session_scope(app_state(request).engine) as session:
            submission = _submission(session, request)
            if not _revisable(submission):
                return RedirectResponse(_status_path(request, submission), status_code=303)
            if present_activity.is_activity(submission):
                return _revise_activity(request, session, submission, form)
            parsed = None if form is None else _listing_form(form)
            context = _revise_context(session, submission)
            if form is None or parsed is None:
                values = forms.listing_to_form(moderation.proposed_values(session, submission))
                page = ListingForm(values={**values, "note": submission.note or ""})
                return _revise_page(request, context, page)
            if not csrf.is_valid(request, form):
                return _revise_page(request, context, _only(parsed, EXPIRED), 403)
            if not parsed.ok:
                return _revise_page(request, context, parsed, status=400)
            try:
                moderation.revise(session, submission, parsed.listing, _submitter(parsed).note)
            except ModerationError as error:
                parsed.errors["form"] = str(error)
                return _revise_page(request, context, parsed, status=400)
    except Unavailable as error:
        if parsed is None:
            raise  # nothing typed yet: the plain "try again later" page
        _log_unavailable(request, error)
        return _revise_page(request, context, _only(parsed, UNAVAILABLE), 503)
    return RedirectResponse(_status_path(request, submission) + "?sent=1", status_code=303)


def _revisable(submission: Submission) -> bool:
    return present.public_status(submission) == "changes_requested" and present.revisable(
        submission
    )


def _listing_form(form: FormData) -> ListingForm:
    """A suggested edit or a corrected version, as sent: the listing, then about the sender."""
    parsed = forms.listing_form(form, sources_required=False)
    forms.submitter_fields(form, parsed, contact_required=False)
    return parsed


def _refused(request: Request, form: FormData, parsed: Form) -> tuple[int, str] | None:
    """Why a public form is refused before it is stored, if it is.

    A form that will be stored (or set aside as spam) takes one of the client's submission
    slots here, before anything is written, so parallel requests cannot slip past the limit;
    one shown again for its mistakes takes none.
    """
    if not csrf.is_valid(request, form):
        return 403, EXPIRED
    if not parsed.ok and not forms.honeypot_filled(form):
        return None
    wait = ratelimit.take(request, limits_of(request).submissions)
    if wait:
        return 429, (
            "You have sent several suggestions in the last few minutes. Please wait "
            f"{minutes(wait)}, then send this again. What you typed is still here."
        )
    return None


def _only(parsed: Form, message: str) -> Form:
    """The form as typed, with one message for the whole form instead of field errors."""
    parsed.errors = {"form": message}
    return parsed


def _log_unavailable(request: Request, error: Unavailable) -> None:
    log.warning("database unavailable on %s: %s", loggable_path(request.scope), error)


def _received(request: Request, submission: Submission) -> Response:
    return RedirectResponse(_status_path(request, submission) + "?sent=1", status_code=303)


def _status_path(request: Request, submission: Submission) -> str:
    return route_path(request, "submission_status", token=submission.token)


def _submitter(parsed: Form) -> Submitter:
    # A form with errors only gets this far when the spam trap caught it: keep none of it.
    if not parsed.ok:
        return Submitter()
    details = forms.clean(parsed, ("contact", "relation", "note"))
    return Submitter(**details, notify_by_email=bool(parsed.values.get("notify")))


def _organisation(session: Session, request: Request) -> Organisation:
    found = catalogue.get(session, request.path_params["slug"])
    if found is None:
        raise HTTPException(404)
    return found


def _submission(session: Session, request: Request) -> Submission:
    found = moderation.get_by_token(session, request.path_params["token"])
    if found is None:
        raise HTTPException(404)
    return found


def _listing_of(organisation: Organisation) -> dict[str, str]:
    """The listing a form is about, as its page shows it."""
    return {"slug": organisation.slug, "name": organisation.name}


def _unread_listing(request: Request) -> dict[str, str]:
    # Until the database answers, the listing's address stands for its name.
    slug = str(request.path_params["slug"])
    return {"slug": slug, "name": slug}


def _listing_page(
    request: Request,
    mode: str,
    form: Form,
    listing: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "mode": mode,
        "form": form,
        "choices": present.choices(),
        "organisation": listing,
        "action": request.url.path,
    }
    return _render(request, "submit.html", context, status)


def _revise_context(session: Session, submission: Submission) -> dict[str, Any]:
    live = catalogue.get(session, submission.organisation_slug or "")
    return {
        "organisation": _listing_of(live) if live else None,
        "reason": submission.decision_reason,
        "token": submission.token,
    }


def _revise_page(
    request: Request, context: dict[str, Any], form: Form, status: int = 200
) -> Response:
    page = {
        **context,
        "mode": "revise",
        "form": form,
        "choices": present.choices(),
        "action": request.url.path,
    }
    return _render(request, "submit.html", page, status)


def _report_page(
    request: Request, form: Form, listing: dict[str, str], status: int = 200
) -> Response:
    context = {"form": form, "choices": present.choices(), "organisation": listing}
    return _render(request, "report.html", context, status)


def _render(request: Request, name: str, context: dict[str, Any], status: int) -> Response:
    headers = dict(NO_STORE)
    if status == 429:
        wait = ratelimit.wait(request, limits_of(request).submissions)
        headers["retry-after"] = str(max(1, wait))
    context = {**context, "csrf_token": csrf.token(request)}
    return render(request, name, context, status_code=status, headers=headers)


# Activities ----------------------------------------------------------------------------


@form_endpoint
def activity_new(request: Request, form: FormData | None) -> Response:
    """Propose an activity of the listing at this address."""
    page = functools.partial(_activity_page, request, "new")
    if form is None:
        with session_scope(app_state(request).engine) as session:
            shown = _listing_of(_organisation(session, request))
        return page(ActivityForm(values=_blank_activity()), shown)
    parsed = _activity_form(form, contact_required=True)
    return _send_about(
        request, form, parsed, page, _store_activity_new, _listing_target, _unread_listing
    )


@form_endpoint
def activity_edit(request: Request, form: FormData | None) -> Response:
    """Suggest a correction to an activity: only the fields changed are stored."""
    page = functools.partial(_activity_page, request, "edit")
    if form is None:
        with session_scope(app_state(request).engine) as session:
            activity, shown = _activity_target(session, request)
            values = activity_forms.activity_to_form(moderation.activity_values(activity))
        return page(ActivityForm(values=values), shown)
    parsed = _activity_form(form, contact_required=False)
    return _send_about(
        request, form, parsed, page, _store_activity_edit, _activity_target, _unread_activity
    )


@form_endpoint
def activity_cancel(request: Request, form: FormData | None) -> Response:
    """Report that an activity no longer happens."""
    page = functools.partial(_cancel_page, request)
    if form is None:
        with session_scope(app_state(request).engine) as session:
            _, shown = _activity_target(session, request)
        return page(Form(), shown)
    parsed = forms.cancellation_form(form)
    return _send_about(
        request, form, parsed, page, _store_activity_cancel, _activity_target, _unread_activity
    )


def _activity_form(form: FormData, *, contact_required: bool) -> ActivityForm:
    parsed = activity_forms.activity_form(form)
    forms.submitter_fields(form, parsed, contact_required=contact_required)
    return parsed


def _blank_activity() -> dict[str, Any]:
    return activity_forms.activity_to_form({"time_zone": "Europe/London"})


def _store_activity_new(
    session: Session, organisation: Organisation, parsed: ActivityForm, spam: bool
) -> Submission:
    return moderation.submit_activity_new(
        session, organisation, parsed.activity, _submitter(parsed), spam=spam
    )


def _store_activity_edit(
    session: Session, activity: Activity, parsed: ActivityForm, spam: bool
) -> Submission:
    return moderation.submit_activity_edit(
        session, activity, parsed.activity, _submitter(parsed), spam=spam
    )


def _store_activity_cancel(
    session: Session, activity: Activity, parsed: Form, spam: bool
) -> Submission:
    values = forms.clean(parsed, ("cancel_reason", "cancel_source")) if parsed.ok else {}
    return moderation.submit_activity_cancel(
        session,
        activity,
        values.get("cancel_reason") or "",
        values.get("cancel_source"),
        _submitter(parsed),
        spam=spam,
    )


def _activity_target(session: Session, request: Request) -> tuple[Activity, dict[str, str]]:
    found = activities.get(session, request.path_params["public_id"])
    if found is None:
        raise HTTPException(404)
    listing = catalogue.get(session, found.organisation_slug)
    return found, {
        "slug": found.organisation_slug,
        "name": listing.name if listing else found.organisation_slug,
        "public_id": found.public_id,
        "title": found.title,
    }


def _unread_activity(request: Request) -> dict[str, str]:
    # Until the database answers, the activity's address stands for its title.
    public_id = str(request.path_params["public_id"])
    return {"slug": "", "name": "", "public_id": public_id, "title": public_id}


def _activity_status(
    session: Session, submission: Submission, view: present.StatusView
) -> present.StatusView:
    """The status page of an activity's submission: what was proposed, field by field."""
    made = moderation.activity_of(session, submission)
    if made is None:
        return view
    return dataclasses.replace(view, activity_title=made.title, activity_public_id=made.public_id)


def _activity_page(
    request: Request,
    mode: str,
    form: Form,
    about: dict[str, str],
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "mode": mode,
        "form": form,
        "choices": present_activity.choices(form.values, forms.country_choices()),
        "about": about,
        "action": request.url.path,
    }
    return _render(request, "activity_submit.html", context, status)


def _cancel_page(
    request: Request, form: Form, about: dict[str, str], status: int = 200
) -> Response:
    context = {"form": form, "about": about, "choices": present_activity.choices({}, ())}
    return _render(request, "activity_cancel.html", context, status)


def _revise_activity(
    request: Request, session: Session, submission: Submission, form: FormData | None
) -> Response:
    """A corrected version of a proposed activity or correction, sent back for changes."""
    live = catalogue.get(session, submission.organisation_slug or "")
    about = {
        "slug": live.slug if live else "",
        "name": live.name if live else "",
        "title": present_activity.title_of(submission),
        "reason": submission.decision_reason or "",
        "token": submission.token,
    }
    if form is None:
        values = activity_forms.activity_to_form(moderation.proposed_activity(session, submission))
        page = ActivityForm(values={**values, "note": submission.note or ""})
        return _activity_page(request, "revise", page, about)
    parsed = _activity_form(form, contact_required=False)
    if not csrf.is_valid(request, form):
        return _activity_page(request, "revise", _only(parsed, EXPIRED), about, 403)
    if not parsed.ok:
        return _activity_page(request, "revise", parsed, about, 400)
    try:
        moderation.revise(session, submission, parsed.activity, _submitter(parsed).note)
    except ModerationError as error:
        parsed.errors["form"] = str(error)
        return _activity_page(request, "revise", parsed, about, 400)
    return RedirectResponse(_status_path(request, submission) + "?sent=1", status_code=303)
