"""Helpers for the GOV.UK One Login tests: the real client against the fake One Login, served
by a live server, driven with Django's test client."""

from urllib.parse import parse_qs, urlsplit

import pytest

IDENTITY = {
    "account": "ffion@example.com",
    "level": "P2",
    "given_name": "Ffion",
    "family_name": "Hughes",
    "birth_date": "1990-02-14",
    "postcode": "CF10 1EP",
    "fault": "none",
}


@pytest.fixture
def fake_one_login(live_server, settings):
    """The fake One Login at the live server's address; the client code fetches its
    discovery, keys, token and userinfo over HTTP."""
    settings.ONE_LOGIN_URL = f"{live_server.url}/fake-one-login"
    return settings.ONE_LOGIN_URL


def authorization_request(response) -> dict:
    """The parameters of the redirect to the fake's authorize endpoint."""
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert "/fake-one-login/authorize?" in location, location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def choose(client, params: dict, **identity) -> str:
    """Answer the fake's page; returns the callback address (path and query) it sends back to."""
    response = client.post("/fake-one-login/authorize", {**params, **IDENTITY, **identity})
    assert response.status_code == 302, response.content.decode()[:2000]
    parts = urlsplit(response["Location"])
    return f"{parts.path}?{parts.query}"


def round_trip(client, start: str, *, next_url: str = "", **identity):
    """POST ``start`` (a journey's first step), answer the fake One Login as ``identity``
    says and come back: the response of our callback."""
    response = client.post(start + (f"?next={next_url}" if next_url else ""))
    params = authorization_request(response)
    return client.get(choose(client, params, **identity))


def outcome_of(response) -> str:
    """The outcome page's word (accounts.one_login.pages), or where the callback went."""
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    marker = "/account/one-login/result/"
    return location.split(marker)[1].strip("/") if marker in location else location
