"""The application: its lifespan, what it sets up and puts back after, and its router."""

from __future__ import annotations

import gc

import pytest
from starlette.testclient import TestClient

from directory.app import create_app


def test_what_startup_made_is_left_out_of_full_collections_while_serving(seeded, settings):
    # Full collections stop every request; startup's objects (code, templates, the loaded
    # index) live as long as the server, so they are frozen while it runs, and let go after.
    with TestClient(create_app(settings)) as client:
        assert gc.get_freeze_count() > 10_000
        assert client.get("/api/search?q=books").status_code == 200
    assert gc.get_freeze_count() == 0


def test_the_front_door_answers_for_exactly_the_pages_that_may_be_kept(settings):
    from directory.web.middleware.access_log import AccessLog
    from directory.web.middleware.remembered import (
        KeptPages,
        no_parameters,
        search_page_parameters,
        search_parameters,
    )
    from directory.web.routes import KEPT_PATHS

    assert {
        "/": no_parameters,
        "/search": search_page_parameters,
        "/api/search": search_parameters,
    } == KEPT_PATHS
    middleware = create_app(settings).user_middleware
    # As objects: starlette types `cls` with a ParamSpec mypy cannot match to a class.
    first_two: list[object] = [layer.cls for layer in middleware[:2]]
    assert first_two == [AccessLog, KeptPages]  # ahead of the rest
    assert middleware[1].kwargs["paths"] == KEPT_PATHS


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/static", "/static/"),
        ("/search/", "/search"),
        ("/search/?q=books", "/search?q=books"),
        ("/moderate/login/", "/moderate/login"),
    ],
)
def test_a_slash_redirect_stays_on_the_site_whatever_host_the_request_names(
    empty_client, path, target
):
    # A cache in front of the site keys on the URL, not the Host header: a redirect that
    # named the claimed host would send every later visitor there.
    response = empty_client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (307, 308), response.status_code
    assert response.headers["location"] == target


@pytest.mark.parametrize("path", ["/nope/", "/organisations/"])
def test_a_path_with_no_page_in_either_form_is_the_friendly_404(empty_client, path):
    response = empty_client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "Page not found" in response.text
