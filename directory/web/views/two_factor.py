"""Two-factor sign-in pages: the code asked for after the password, and setting it up."""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import accounts, two_factor
from directory.database import Unavailable, session_scope
from directory.models import Moderator
from directory.web import auth, forms
from directory.web.auth import SignedIn, enrolment_allowed
from directory.web.forms import Form
from directory.web.guards import csrf, ratelimit
from directory.web.guards.ratelimit import limits_of, minutes
from directory.web.presenters import two_factor as present
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import flash
from directory.web.views.endpoints import NO_STORE, form_endpoint
from directory.web.views.moderation import SIGN_IN_UNAVAILABLE, moderator_page

WRONG_CODE = "That code does not match, or was used already. Please try the newest one."
ENTER_CODE = "Enter the code from your app, or a recovery code."
TOO_SLOW = "That sign-in took more than 5 minutes, so it was stopped. Please sign in again."


# The second step of signing in ------------------------------------------------------------


@form_endpoint
def login_code(request: Request, form: FormData | None) -> Response:
    waiting = auth.pending(request)
    if waiting is None:
        flash.flash(request, TOO_SLOW)
        return RedirectResponse(route_path(request, "moderate_login"), status_code=303)
    if form is None:
        return _code_page(request, Form())
    page = Form()
    if not csrf.is_valid(request, form):
        page.errors["form"] = "The form had expired. Please try again."
        return _code_page(request, page, 403)
    code = forms.text(form, "code")[:100]
    if not code.strip():
        page.errors["code"] = ENTER_CODE
        return _code_page(request, page, 400)
    limit, key = limits_of(request).code_per_user, _code_key(waiting.moderator_id)
    try:
        if wait := ratelimit.take(request, limit, key):
            page.errors["code"] = f"Too many wrong codes. Please wait {minutes(wait)}."
            return _code_page(request, page, 429)
        with session_scope(app_state(request).engine) as session:
            moderator = accounts.get_active(session, waiting.moderator_id)
            if moderator is None or moderator.session_version != waiting.session_version:
                auth.forget_pending(request)
                flash.flash(request, TOO_SLOW)
                return RedirectResponse(route_path(request, "moderate_login"), status_code=303)
            used = two_factor.verify(session, moderator, code)
            left = two_factor.recovery_codes_left(moderator)
    except Unavailable:
        page.errors["form"] = SIGN_IN_UNAVAILABLE
        return _code_page(request, page, 503)
    if used is None:
        page.errors["code"] = WRONG_CODE
        return _code_page(request, page, 400)
    ratelimit.reset(request, limit, key)
    auth.sign_in(request, moderator)
    if used == "recovery":
        flash.flash(
            request,
            f"You signed in with a recovery code; {left} left. If you no longer have your "
            "app, make new codes on the two-factor page of your account.",
        )
    return RedirectResponse(waiting.next_path, status_code=303)


def _code_key(moderator_id: int) -> str:
    return f"moderator {moderator_id}"


def _code_page(request: Request, form: Form, status: int = 200) -> Response:
    context = {"form": form, "csrf_token": csrf.token(request)}
    return render(
        request, "moderate/login_code.html", context, status_code=status, headers=NO_STORE
    )


# Setting it up, new recovery codes, turning it off ------------------------------------------


@form_endpoint
@enrolment_allowed
def setup(request: Request, form: FormData | None, moderator: SignedIn) -> Response:
    if form is None:
        return _setup_page(request, moderator)
    action = forms.text(form, "action")
    if action == "confirm":
        return _confirm(request, form, moderator)
    if action in ("regenerate", "disable"):
        return _with_code(request, form, moderator, action)
    raise HTTPException(400)


def _confirm(request: Request, form: FormData, moderator: SignedIn) -> Response:
    code = forms.text(form, "code")[:100]
    page = Form()
    try:
        with session_scope(app_state(request).engine) as session:
            account = _account(session, moderator)
            codes = two_factor.confirm(session, account, code, actor=moderator.username)
    except two_factor.WrongCode as error:
        page.errors["code"] = str(error) if code.strip() else "Enter the code your app shows."
        return _setup_page(request, moderator, confirm_form=page, status=400)
    except accounts.AccountError as error:  # already on, in another tab
        flash.flash(request, str(error))
        return RedirectResponse(route_path(request, "moderate_two_factor"), status_code=303)
    auth.sign_in(request, account)  # every other session ended; this one goes on
    message = "Two-factor sign-in is on. Every other session has been signed out."
    return _codes_page(request, auth.current(request) or moderator, codes, message)


def _with_code(request: Request, form: FormData, moderator: SignedIn, action: str) -> Response:
    field = f"{action}_code"
    code = forms.text(form, field)[:100]
    page = Form()
    if not code.strip():
        page.errors[field] = ENTER_CODE
        return _setup_page(request, moderator, code_form=page, status=400)
    # A session someone else got hold of must not be able to guess its way to turning it off.
    limit, key = limits_of(request).code_per_user, _code_key(moderator.id)
    if wait := ratelimit.take(request, limit, key):
        page.errors[field] = f"Too many wrong codes. Please wait {minutes(wait)}."
        return _setup_page(request, moderator, code_form=page, status=429)
    try:
        with session_scope(app_state(request).engine) as session:
            account = _account(session, moderator)
            if action == "disable":
                two_factor.disable(session, account, code, actor=moderator.username)
            else:
                codes = two_factor.regenerate_recovery_codes(
                    session, account, code, actor=moderator.username
                )
    except two_factor.WrongCode:
        page.errors[field] = WRONG_CODE
        return _setup_page(request, moderator, code_form=page, status=400)
    ratelimit.reset(request, limit, key)
    if action == "disable":
        flash.flash(request, "Two-factor sign-in is off. Your password alone now signs you in.")
        return RedirectResponse(route_path(request, "moderate_two_factor"), status_code=303)
    return _codes_page(request, moderator, codes, "Here are your new recovery codes.")


def _account(session: Session, moderator: SignedIn) -> Moderator:
    account = accounts.get_active(session, moderator.id)
    if account is None:  # deactivated since the guard looked
        raise HTTPException(403, "Sign in to do that.")
    return account


def _setup_page(
    request: Request,
    moderator: SignedIn,
    *,
    confirm_form: Form | None = None,
    code_form: Form | None = None,
    status: int = 200,
) -> Response:
    with session_scope(app_state(request).engine) as session:
        account = _account(session, moderator)
        enabled = two_factor.has_factor(account)
        enrolment = None if enabled else present.enrolment_view(two_factor.begin(session, account))
        left = two_factor.recovery_codes_left(account)
    context = {
        "enabled": enabled,
        "enrolment": enrolment,
        "codes_left": left,
        "confirm_form": confirm_form or Form(),
        "code_form": code_form or Form(),
        "required": moderator.must_enrol,
        "admins_need_it": app_state(request).settings.admin_two_factor,
    }
    return moderator_page(request, moderator, "moderate/two_factor.html", context, status)


def _codes_page(request: Request, moderator: SignedIn, codes: list[str], message: str) -> Response:
    context = {"codes": codes, "done": message}
    return moderator_page(request, moderator, "moderate/recovery_codes.html", context)
