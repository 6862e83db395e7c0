"""The lean request path (core.middleware.LeanEndpointsMiddleware, ADR 0034).

The provider's JSON endpoints skip sessions, CSRF, the signed-in user and the rest of the
browser middleware. What a relying party sees must not change, and no browser page may lose
its protections.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

pytestmark = pytest.mark.django_db

LEAN_GETS = ("/.well-known/openid-configuration", "/.well-known/jwks.json", "/userinfo")


def _headers(response) -> dict:
    """The headers a client sees, less those that differ on every response."""
    return {
        name: value
        for name, value in response.headers.items()
        if name not in ("Date", "Content-Security-Policy")
    }


@pytest.mark.parametrize("path", LEAN_GETS)
def test_a_lean_endpoint_answers_exactly_as_through_the_full_chain(path, settings):
    lean = Client().get(path)
    settings.LEAN_ENDPOINT_PATHS = ()
    full = Client().get(path)
    assert lean.status_code == full.status_code
    assert lean.content == full.content
    assert _headers(lean) == _headers(full)
    assert "frame-ancestors 'none'" in lean["Content-Security-Policy"]


def test_the_token_endpoint_answers_exactly_as_through_the_full_chain(settings):
    body = {"grant_type": "refresh_token", "refresh_token": "nope"}
    lean = Client(enforce_csrf_checks=True).post("/token", body)
    settings.LEAN_ENDPOINT_PATHS = ()
    full = Client(enforce_csrf_checks=True).post("/token", body)
    assert lean.status_code == full.status_code == 401
    assert lean.json() == full.json()
    assert lean.json()["error"] == "invalid_client"
    assert _headers(lean) == _headers(full)
    assert lean["Cache-Control"] == "no-store"
    assert lean["Pragma"] == "no-cache"
    assert lean["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert lean["X-Frame-Options"] == "DENY"
    assert not lean.cookies  # no session, no CSRF cookie


def test_a_lean_path_refuses_a_host_that_is_not_allowed():
    response = Client().get("/.well-known/jwks.json", headers={"host": "evil.example"})
    assert response.status_code == 400


def test_an_error_in_a_lean_view_gets_the_same_server_error_page(monkeypatch):
    from connected_services.views import provider

    def broken(_checksum):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(provider, "bearer_token", broken)
    response = Client(raise_request_exception=False).get(
        "/userinfo", headers={"authorization": "Bearer abc"}
    )
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_only_the_exact_path_is_lean_a_trailing_slash_takes_the_full_chain():
    response = Client().get("/.well-known/jwks.json/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()  # the designed page, via the URLconf


def test_browser_pages_keep_csrf_session_and_csp():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/account/sign-in/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert "nonce-" in page["Content-Security-Policy"]
    assert "csrftoken" in page.cookies
    forged = client.post("/account/sign-in/", {"username": "a@example.com", "password": "x"})
    assert forged.status_code == 403  # the CSRF check still runs on pages


def test_authorize_keeps_the_session():
    from jwcrypto import jwk

    from tests.connected_services.relying_party import make_service

    service = make_service(jwk.JWK.generate(kty="RSA", size=2048))
    response = Client().get(
        "/authorize",
        {
            "response_type": "code",
            "client_id": service.client_id,
            "redirect_uri": service.redirect_uris.split()[0],
            "scope": "openid",
            "state": "s",
            "nonce": "n",
        },
    )
    assert response.status_code == 302
    assert "sessionid" in response.cookies  # the request is remembered for after sign-in


def test_listing_a_view_not_marked_lean_stops_the_process(settings):
    settings.LEAN_ENDPOINT_PATHS = ("/token", "/account/sign-in/")
    with pytest.raises(ImproperlyConfigured, match="not marked @lean_endpoint"):
        Client().get("/token")


def test_listing_a_path_that_resolves_to_nothing_stops_the_process(settings):
    settings.LEAN_ENDPOINT_PATHS = ("/no-such-endpoint",)
    with pytest.raises(ImproperlyConfigured, match="resolves to no view"):
        Client().get("/token")


def test_a_lean_view_must_be_csrf_exempt(settings):
    from django.urls import path

    from core.middleware import lean_endpoint

    @lean_endpoint
    def not_exempt(request):  # pragma: no cover (never called)
        raise AssertionError

    class URLs:
        urlpatterns = [path("form", not_exempt)]

    settings.ROOT_URLCONF = URLs
    settings.LEAN_ENDPOINT_PATHS = ("/form",)
    with pytest.raises(ImproperlyConfigured, match="not csrf_exempt"):
        Client().get("/form")


def _wsgi_get(app, path: str, headers: dict | None = None) -> str:
    """A request through Django's real WSGI handler (request_started and request_finished
    fire, so persistent connections and health checks behave as under gunicorn)."""
    import io
    import sys

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **(headers or {}),
    }
    status = []
    body = app(environ, lambda s, h, e=None: status.append(s))
    b"".join(body)
    body.close()
    return status[0]


BEARER = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}  # looked up in the database: 401


@pytest.fixture
def postgres_app(transactional_db):
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    # Persistent connections with health checks, as production runs them.
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    app = WSGIHandler()
    assert _wsgi_get(app, "/userinfo", BEARER).startswith("401")
    return app


def test_a_lean_request_after_the_database_ended_the_session_succeeds(postgres_app):
    """A database restart (here: the server ends our session) does not break the next
    request although the lean path skips the SELECT 1 on a quiet connection."""
    import select
    import time

    import psycopg
    from django.db import connection

    raw = connection.connection
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    deadline = time.monotonic() + 5
    while not select.select([raw.fileno()], [], [], 0.1)[0] and time.monotonic() < deadline:
        pass
    assert _wsgi_get(postgres_app, "/userinfo", BEARER).startswith("401")


def test_a_lean_request_on_a_quiet_connection_sends_no_select_1(postgres_app, monkeypatch):
    from django.db import connection

    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or is_usable())
    assert _wsgi_get(postgres_app, "/userinfo", BEARER).startswith("401")
    assert checks == []
    assert _wsgi_get(postgres_app, "/healthz").startswith("200")  # a page, with a query
    assert checks == []  # every request skips it on a quiet connection (ADR 0013)


def test_a_page_after_the_database_ended_the_session_succeeds(postgres_app):
    """As for the lean path: a page whose connection the server has ended reconnects."""
    import select
    import time

    import psycopg
    from django.db import connection

    raw = connection.connection
    params = connection.get_connection_params()
    for unused in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(unused, None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    deadline = time.monotonic() + 5
    while not select.select([raw.fileno()], [], [], 0.1)[0] and time.monotonic() < deadline:
        pass
    assert _wsgi_get(postgres_app, "/healthz").startswith("200")
