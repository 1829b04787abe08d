"""Moderator pages that keep listings fresh: the re-check queue, a listing's own page with
its one-step actions ("Still correct", "Mark as no longer active"), and editing it directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import catalogue, linkcheck, listings, rechecks
from directory.database import session_scope
from directory.models import Organisation
from directory.moderation import ModerationError
from directory.rechecks import FieldProblem
from directory.web import forms
from directory.web.auth import SignedIn, moderator_required
from directory.web.forms import FIELD_LABELS, Form, ListingForm
from directory.web.presenters import moderation as present_moderation
from directory.web.presenters import rechecks as present
from directory.web.state import app_state
from directory.web.templating import route_path
from directory.web.views import flash
from directory.web.views.endpoints import form_endpoint
from directory.web.views.moderation import moderator_page, page_number, wake_search


@form_endpoint
@moderator_required
def queue(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(app_state(request).engine) as session:
        found = rechecks.due(session, today=date.today(), page=page_number(request.query_params))
    view = present.due_view(found, route_path(request, "moderate_recheck"))
    return moderator_page(request, moderator, "moderate/recheck.html", {"due": view})


@form_endpoint
@moderator_required
def listing(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(app_state(request).engine) as session:
        organisation = _organisation(session, request)
        if form is None:
            return _listing_page(request, session, organisation, moderator)
        action = forms.text(form, "action")
        if action == "confirm":
            outcome = _confirm(request, session, organisation, form, moderator)
        elif action == "close":
            outcome = _close(request, session, organisation, form, moderator)
        else:
            raise HTTPException(400)
        if isinstance(outcome, Response):
            return outcome
    wake_search(request)
    flash.flash(request, outcome)
    return RedirectResponse(route_path(request, "moderate_recheck"), status_code=303)


def _confirm(
    request: Request,
    session: Session,
    organisation: Organisation,
    form: FormData,
    moderator: SignedIn,
) -> Response | str:
    checked = forms.recheck_form(form)
    failed = _attempt(
        request,
        session,
        organisation,
        moderator,
        checked,
        "confirm",
        lambda: rechecks.confirm(
            session,
            organisation,
            moderator=moderator.username,
            source=checked.values["checked_source"],
            activity=checked.values["activity"] or None,
            activity_source=checked.values["activity_source"] or None,
            expected_version=forms.text(form, "version") or None,
        ),
    )
    return (
        failed
        or f"“{organisation.name}” is still correct: its sources are marked as checked today."
    )


def _close(
    request: Request,
    session: Session,
    organisation: Organisation,
    form: FormData,
    moderator: SignedIn,
) -> Response | str:
    closure = forms.closure_form(form)
    failed = _attempt(
        request,
        session,
        organisation,
        moderator,
        closure,
        "closure",
        lambda: rechecks.mark_closed(
            session,
            organisation,
            moderator=moderator.username,
            source=closure.values["closed_source"],
            expected_version=forms.text(form, "version") or None,
        ),
    )
    return failed or f"“{organisation.name}” is marked as no longer active."


def _attempt(
    request: Request,
    session: Session,
    organisation: Organisation,
    moderator: SignedIn,
    parsed: Form,
    shown_as: str,
    act: Callable[[], object],
) -> Response | None:
    """Run a moderator's action once its form is valid; None when it was done, else the
    listing's page again with what they typed: a bad field (400) or a conflict (409)."""

    def again(status: int, notice: str | None = None) -> Response:
        return _listing_page(
            request,
            session,
            organisation,
            moderator,
            notice=notice,
            status=status,
            **{shown_as: parsed},
        )

    if not parsed.ok:
        return again(400)
    try:
        act()
    except FieldProblem as error:
        session.rollback()
        parsed.errors[error.field] = str(error)
        return again(400)
    except ModerationError as error:
        session.rollback()
        return again(409, str(error))
    return None


def _listing_page(
    request: Request,
    session: Session,
    organisation: Organisation,
    moderator: SignedIn,
    *,
    confirm: Form | None = None,
    closure: Form | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    slug = organisation.slug
    view = present.listing_check(
        organisation,
        rechecks.reasons(session, organisation, today=date.today()),
        rechecks.open_reports(session, slug),
        linkcheck.latest(session, slug),
    )
    context = {
        "listing": view,
        "version": organisation.updated_at.isoformat(),
        "confirm_form": confirm or Form(),
        "closure_form": closure or Form(),
        "notice": notice,
    }
    return moderator_page(request, moderator, "moderate/listing.html", context, status)


@form_endpoint
@moderator_required
def edit(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    with session_scope(app_state(request).engine) as session:
        organisation = _organisation(session, request)
        if form is None:
            values = forms.listing_to_form(listings.editable_values(organisation))
            return _edit_page(request, organisation, moderator, ListingForm(values=values))
        parsed = forms.listing_form(form, sources_required=True)
        if not parsed.ok:
            return _edit_page(request, organisation, moderator, parsed, status=400)
        unchanged = not listings.changed_fields(
            listings.editable_values(organisation), parsed.listing
        )
        try:
            published = rechecks.edit(
                session,
                organisation,
                parsed.listing,
                moderator=moderator.username,
                expected_version=forms.text(form, "version") or None,
                gazetteer=app_state(request).settings.gazetteer_path,
            )
        except ValidationError as error:
            session.rollback()
            for name, message in forms.friendly_errors(error):
                parsed.errors.setdefault(name, message)
            return _edit_page(request, organisation, moderator, parsed, status=400)
        except ModerationError as error:
            session.rollback()
            return _edit_page(
                request, organisation, moderator, parsed, notice=str(error), status=409
            )
        done = (
            f"Nothing in “{published.name}” was changed; it is marked as checked today."
            if unchanged
            else f"Saved. “{published.name}” is live as you edited it."
        )
    wake_search(request)
    flash.flash(request, done)
    return RedirectResponse(
        route_path(request, "moderate_listing", slug=published.slug), status_code=303
    )


def _edit_page(
    request: Request,
    organisation: Organisation,
    moderator: SignedIn,
    form: ListingForm,
    *,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    # After a refusal for a change made meanwhile, the fields where what the moderator typed
    # and the listing as it is now differ: what to look at before saving again.
    live = listings.editable_values(organisation)
    differs = [FIELD_LABELS[name] for name in listings.changed_fields(live, form.listing)]
    context = {
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "listing_form": form,
        "version": organisation.updated_at.isoformat(),
        "choices": present_moderation.choices(),
        "notice": notice,
        "differs": differs,
    }
    return moderator_page(request, moderator, "moderate/edit.html", context, status)


def _organisation(session: Session, request: Request) -> Organisation:
    found = catalogue.get(session, request.path_params["slug"])
    if found is None:
        raise HTTPException(404)
    return found
