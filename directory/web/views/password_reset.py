"""A moderator who forgot their password: ask for a link by email, then choose a new one."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory import accounts, password_resets
from directory.database import Unavailable, session_scope
from directory.web import forms
from directory.web.forms import Form
from directory.web.guards import csrf, ratelimit
from directory.web.guards.ratelimit import limits_of, minutes
from directory.web.state import app_state
from directory.web.templating import render, route_path
from directory.web.views import flash
from directory.web.views.endpoints import NO_STORE, form_endpoint

# The same whether or not there is such an account, or it has an email address.
SENT = (
    "If there is an account with that username and an email address, we have sent a link to "
    "it. It works for {minutes} minutes. Nothing arrived? Ask an administrator."
)
UNAVAILABLE = "We cannot do this right now: the directory cannot reach its database."


@form_endpoint
def ask(request: Request, form: FormData | None) -> Response:
    if form is None:
        return _page(request, "moderate/reset.html", Form())
    username = accounts.normalise_username(forms.text(form, "username"))[:100]
    page = Form(values={"username": username})
    if not csrf.is_valid(request, form):
        page.errors["form"] = "The form had expired. Please try again."
        return _page(request, "moderate/reset.html", page, 403)
    if not username:
        page.errors["username"] = forms.REQUIRED["username"]
        return _page(request, "moderate/reset.html", page, 400)
    try:
        limits = limits_of(request)
        wait = ratelimit.take(request, limits.resets_per_client) or ratelimit.take(
            request, limits.resets_per_user, username
        )
        if wait:
            page.errors["form"] = (
                f"Too many requests for a new password. Please wait {minutes(wait)}."
            )
            return _page(request, "moderate/reset.html", page, 429)
        settings = app_state(request).settings
        with session_scope(app_state(request).engine) as session:
            password_resets.request(session, username, settings.secret_key)
    except Unavailable:
        page.errors["form"] = UNAVAILABLE
        return _page(request, "moderate/reset.html", page, 503)
    flash.flash(request, SENT.format(minutes=password_resets.RESET_MINUTES))
    return RedirectResponse(route_path(request, "moderate_login"), status_code=303)


@form_endpoint
def choose(request: Request, form: FormData | None) -> Response:
    token = request.path_params["token"]
    with session_scope(app_state(request).engine) as session:
        valid = password_resets.find(session, token) is not None
    if not valid:
        return _page(request, "moderate/reset_invalid.html", Form(), 404)
    if form is None:
        return _page(request, "moderate/reset_choose.html", Form(), token=token)
    new, again = forms.text(form, "password"), forms.text(form, "password_again")
    page = Form()
    if not csrf.is_valid(request, form):
        page.errors["form"] = "The form had expired. Please try again."
    elif problem := accounts.check_password(new):
        page.errors["password"] = problem
    elif new != again:
        page.errors["password_again"] = "The two passwords are not the same."  # noqa: S105
    if not page.ok:
        return _page(request, "moderate/reset_choose.html", page, 400, token=token)
    try:
        with session_scope(app_state(request).engine) as session:
            password_resets.complete(session, token, new)
    except password_resets.ResetInvalid:
        return _page(request, "moderate/reset_invalid.html", Form(), 404)
    # Not signed in by the link: signing in still takes the password (and any second step).
    flash.flash(request, "Your new password is set, and every session is signed out. Sign in.")
    return RedirectResponse(route_path(request, "moderate_login"), status_code=303)


def _page(request: Request, name: str, form: Form, status: int = 200, token: str = "") -> Response:
    context = {
        "form": form,
        "csrf_token": csrf.token(request),
        "token": token,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, name, context, status_code=status, headers=NO_STORE)
