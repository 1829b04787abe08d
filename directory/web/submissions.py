"""Pages where the public suggests a listing, an edit or a problem, and follows it up."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import catalogue, moderation
from directory.database import session_scope
from directory.models import Organisation, Submission
from directory.moderation import ModerationError, Submitter
from directory.web import csrf, forms, ratelimit
from directory.web import submission_presenters as present
from directory.web.endpoints import NO_STORE, form_endpoint
from directory.web.forms import Form, ListingForm
from directory.web.ratelimit import limits_of, minutes
from directory.web.templating import render

EXPIRED = "This form had expired, so nothing was sent. Check your answers and send it again."


@form_endpoint
def submit(request: Request, form: FormData | None) -> Response:
    if form is None:
        return _listing_page(request, "new", ListingForm(values={"status": "active"}))
    parsed = forms.listing_form(form, sources_required=False)
    forms.submitter_fields(form, parsed, contact_required=True)
    refused = _refused(request, form, parsed)
    if refused:
        return _listing_page(request, "new", _only(parsed, refused[1]), status=refused[0])
    spam = forms.honeypot_filled(form)
    if not parsed.ok and not spam:
        return _listing_page(request, "new", parsed, status=400)
    with session_scope(request.state.engine) as session:
        submission = moderation.submit_new(session, parsed.listing, _submitter(parsed), spam=spam)
    return _received(request, submission)


@form_endpoint
def edit(request: Request, form: FormData | None) -> Response:
    with session_scope(request.state.engine) as session:
        organisation = _organisation(session, request)
        if form is None:
            values = forms.listing_to_form(moderation.listing_values(organisation))
            return _listing_page(request, "edit", ListingForm(values=values), organisation)
        parsed = forms.listing_form(form, sources_required=False)
        forms.submitter_fields(form, parsed, contact_required=False)
        refused = _refused(request, form, parsed)
        if refused:
            page = _only(parsed, refused[1])
            return _listing_page(request, "edit", page, organisation, status=refused[0])
        spam = forms.honeypot_filled(form)
        if not parsed.ok and not spam:
            return _listing_page(request, "edit", parsed, organisation, status=400)
        try:
            submission = moderation.submit_edit(
                session, organisation, parsed.listing, _submitter(parsed), spam=spam
            )
        except ModerationError as error:
            ratelimit.give_back(request, limits_of(request).submissions)  # nothing was stored
            parsed.errors["form"] = str(error)
            return _listing_page(request, "edit", parsed, organisation, status=400)
    return _received(request, submission)


@form_endpoint
def report(request: Request, form: FormData | None) -> Response:
    with session_scope(request.state.engine) as session:
        organisation = _organisation(session, request)
        if form is None:
            return _report_page(request, Form(), organisation)
        parsed = forms.report_form(form)
        refused = _refused(request, form, parsed)
        if refused:
            return _report_page(request, _only(parsed, refused[1]), organisation, refused[0])
        spam = forms.honeypot_filled(form)
        if not parsed.ok and not spam:
            return _report_page(request, parsed, organisation, status=400)
        values = forms.clean(parsed, ("reason", "details")) if parsed.ok else {}
        submission = moderation.submit_report(
            session,
            organisation,
            values.get("reason") or "other",
            values.get("details"),
            _submitter(parsed),
            spam=spam,
        )
    return _received(request, submission)


def status(request: Request) -> Response:
    with session_scope(request.state.engine) as session:
        submission = _submission(session, request)
        live = catalogue.get(session, submission.organisation_slug or "")
        view = present.status_view(submission, live.name if live else None)
    return render(
        request,
        "submission.html",
        {"submission": view, "just_sent": request.query_params.get("sent") == "1"},
        headers=NO_STORE,
    )


@form_endpoint
def revise(request: Request, form: FormData | None) -> Response:
    """Answer "changes requested" with a corrected version of the same submission."""
    with session_scope(request.state.engine) as session:
        submission = _submission(session, request)
        if present.public_status(submission) != "changes_requested" or submission.type == "report":
            return RedirectResponse(f"/submissions/{submission.token}", status_code=303)
        if form is None:
            values = forms.listing_to_form(moderation.proposed_values(session, submission))
            page = ListingForm(values={**values, "note": submission.note or ""})
            return _revise_page(request, session, submission, page)
        parsed = forms.listing_form(form, sources_required=False)
        forms.submitter_fields(form, parsed, contact_required=False)
        if not csrf.is_valid(request, form):
            return _revise_page(request, session, submission, _only(parsed, EXPIRED), 403)
        if not parsed.ok:
            return _revise_page(request, session, submission, parsed, status=400)
        try:
            moderation.revise(session, submission, parsed.listing, _submitter(parsed).note)
        except ModerationError as error:
            parsed.errors["form"] = str(error)
            return _revise_page(request, session, submission, parsed, status=400)
    return RedirectResponse(f"/submissions/{submission.token}?sent=1", status_code=303)


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


def _received(request: Request, submission: Submission) -> Response:
    return RedirectResponse(f"/submissions/{submission.token}?sent=1", status_code=303)


def _submitter(parsed: Form) -> Submitter:
    # A form with errors only gets this far when the spam trap caught it: keep none of it.
    if not parsed.ok:
        return Submitter()
    return Submitter(**forms.clean(parsed, ("contact", "relation", "note")))


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


def _listing_page(
    request: Request,
    mode: str,
    form: Form,
    organisation: Organisation | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "mode": mode,
        "form": form,
        "choices": present.choices(),
        "organisation": {"slug": organisation.slug, "name": organisation.name}
        if organisation
        else None,
        "action": request.url.path,
    }
    return _render(request, "submit.html", context, status)


def _revise_page(
    request: Request, session: Session, submission: Submission, form: Form, status: int = 200
) -> Response:
    live = catalogue.get(session, submission.organisation_slug or "")
    context = {
        "mode": "revise",
        "form": form,
        "choices": present.choices(),
        "organisation": {"slug": live.slug, "name": live.name} if live else None,
        "action": request.url.path,
        "reason": submission.decision_reason,
        "token": submission.token,
    }
    return _render(request, "submit.html", context, status)


def _report_page(
    request: Request, form: Form, organisation: Organisation, status: int = 200
) -> Response:
    context = {
        "form": form,
        "choices": present.choices(),
        "organisation": {"slug": organisation.slug, "name": organisation.name},
    }
    return _render(request, "report.html", context, status)


def _render(request: Request, name: str, context: dict[str, Any], status: int) -> Response:
    headers = dict(NO_STORE)
    if status == 429:
        wait = ratelimit.wait(request, limits_of(request).submissions)
        headers["retry-after"] = str(max(1, wait))
    context = {**context, "csrf_token": csrf.token(request)}
    return render(request, name, context, status_code=status, headers=headers)
