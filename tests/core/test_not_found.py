"""With DEBUG on (``make run``), an unknown address shows our "Page not found" page, never
Django's technical 404 that lists every route of the service."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROUTE_LIST = "Using the URLconf defined in"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_an_unknown_address_shows_our_page_with_debug_on(client: Client, debug):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page and "nhsuk-header" in page
    assert ROUTE_LIST not in page and "prove-who-you-are/" not in page


def test_a_page_that_raises_not_found_shows_our_page_with_debug_on(client: Client, debug):
    client.force_login(UserFactory())
    response = client.post("/services/used/999999/stop-sharing/")  # no such consent
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page and "Raised by" not in page


def test_a_404_a_view_answers_on_purpose_is_left_alone_with_debug_on(client: Client, debug):
    response = client.get("/trustmark/elsewhere.example")
    assert response.status_code == 404 and response.json() == {"error": "not_found"}


def test_a_missing_slash_is_still_added_with_debug_on(client: Client, debug):
    response = client.get("/outbox")
    assert response.status_code == 301 and response["Location"] == "/outbox/"


def test_the_outbox_is_still_not_found_without_debug(client: Client, settings):
    settings.DEBUG = False
    response = client.get("/outbox/")
    assert response.status_code == 404 and "<h1>Page not found</h1>" in response.content.decode()
