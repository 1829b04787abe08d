"""Driving the forms over HTTP as a browser would: fetch the page, read its token, post."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from typing import Any

from starlette.testclient import TestClient

from directory.web.state import STATE_KEY, AppState

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def state_of(client: TestClient) -> AppState:
    """What the client's app made in its lifespan, as every request reads it."""
    state: AppState = client.app_state[STATE_KEY]
    return state


def replace_state(client: TestClient, **changes: Any) -> None:
    """From the next request on, the client's app uses these resources instead."""
    client.app_state[STATE_KEY] = replace(state_of(client), **changes)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def csrf_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return _TOKEN.search(page.text).group(1)


def post_form(client: TestClient, path: str, data: dict[str, Any], token_from: str | None = None):
    """POST data to path with the CSRF token from the page a person would have filled in."""
    form = {"csrf_token": csrf_token(client, token_from or path), **data}
    return client.post(path, data=form, follow_redirects=False)


def explains(response, field: str, message: str) -> None:
    """The form came back refused (400), saying what is wrong and linking to the field."""
    assert response.status_code == 400
    assert message in response.text
    assert f'href="#field-{field}"' in response.text


def pages(client: TestClient, *paths: str) -> dict[str, str]:
    """Each page's text by its address, checking that each is there (200)."""
    texts: dict[str, str] = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        texts[path] = response.text
    return texts


def degraded_health(client: TestClient) -> dict[str, Any]:
    """The health report of a site that still serves but not fully: 200, status degraded."""
    response = client.get("/healthz")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["status"] == "degraded", body
    return body


def sign_in(client: TestClient, username: str, password: str) -> None:
    response = post_form(client, "/moderate/login", {"username": username, "password": password})
    assert response.status_code == 303, text_of(response.text)


def submit_new(client: TestClient, **overrides: Any):
    from tests.factories import listing_form

    return post_form(client, "/submit", listing_form(**overrides))


def token_of(response) -> str:
    assert response.status_code == 303, text_of(response.text)
    return re.match(r"/submissions/([\w-]+)", response.headers["location"]).group(1)


def review_url(client: TestClient, name: str) -> str:
    """The moderator's link to the open submission whose listing is called name."""
    queue = client.get("/moderate").text
    section = queue[queue.index(name) :]
    return re.search(r'href="(/moderate/submissions/\d+)"', section).group(1)


def approve(client: TestClient, review: str, **changes: Any):
    """Approve from the review page, sending its prefilled values with some changed."""
    return post_form(
        client, review, {**prefilled(client.get(review).text), **changes, "decision": "approve"}
    )


def decide(client: TestClient, review: str, decision: str, reason: str):
    """Reject or ask for changes from the review page, with the reason the submitter is shown."""
    return post_form(client, review, {"decision": decision, "decision_reason": reason})


def prefilled(html: str) -> dict[str, Any]:
    """The values a review or edit page's listing form was filled in with."""
    if 'value="approve"' in html:  # a review page: only its approve form
        end = html.index('value="approve"')
        html = html[html.rindex("<form", 0, end) : end]
    form = html
    values: dict[str, Any] = {}
    for match in re.finditer(r"<input ([^>]+)>", form):
        attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        name, kind = attributes.get("name"), attributes.get("type", "text")
        if not name or name in ("csrf_token", "homepage"):
            continue
        if kind in ("checkbox", "radio"):
            if " checked" in match.group(1):
                _add(values, name, attributes.get("value", ""), many=kind == "checkbox")
        else:
            values[name] = unescape(attributes.get("value", ""))
    for name, text in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        values.setdefault(name, unescape(text))
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = chosen.group(1) if chosen else ""
    return values


def _add(values: dict[str, Any], name: str, value: str, many: bool) -> None:
    if many:
        values.setdefault(name, []).append(value)
    else:
        values[name] = value
