import logging
import secrets
import select

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)


def add_security_headers(request, response):
    """Content Security Policy (with the request's nonce) and no caching unless a view says."""
    response.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{request.csp_nonce}'; "
        "style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    response.setdefault("Permissions-Policy", "camera=(self), microphone=(self)")
    response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = "no-store"
    return response


class SecurityHeadersMiddleware:
    """Content Security Policy with a per-request nonce, and no caching of personal pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        return add_security_headers(request, response)


def lean_endpoint(view):
    """Mark a view as safe for the lean request path (``LeanEndpointsMiddleware``).

    Only for machine-to-machine JSON endpoints that read no session, signed-in user, messages
    or CSRF token: they authenticate each request themselves (a client assertion, a bearer
    token) or are public (discovery, keys). The view must also be ``csrf_exempt`` (put this
    decorator outermost), so the CSRF check it skips is one that would not have run anyway.
    """
    view.lean_endpoint = True
    return view


class QuietConnectionMiddleware:
    """Spare ``CONN_HEALTH_CHECKS``' ``SELECT 1`` round trip before a request's first query
    when the database connection's socket has nothing to read (ADR 0013).

    A server that restarts or ends the session (shutdown, ``pg_terminate_backend``, a crash,
    an idle timeout) sends its last message and closes the socket, so the socket becomes
    readable. An idle, healthy connection has nothing to say between requests. So: socket
    quiet, the check is marked done; anything waiting, Django's ``SELECT 1`` runs (and
    reconnects if it fails). A silently vanished server (no FIN, no RST) is not caught, but a
    ``SELECT 1`` to it would hang just as the request's own first query does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection = connections[DEFAULT_DB_ALIAS]
        raw = connection.connection
        if (
            raw is not None
            and connection.health_check_enabled
            and not connection.health_check_done
            and not (raw.closed or raw.broken)
        ):
            try:
                readable, _w, _x = select.select([raw.fileno()], [], [], 0)
            except (OSError, ValueError):
                readable = True
            if not readable:
                connection.health_check_done = True
        return self.get_response(request)


class LeanEndpointsMiddleware:
    """The provider's JSON endpoints go straight to their views, past the browser middleware.

    /token, /userinfo, /revoke, the keys and discovery need none of sessions, CSRF, the
    signed-in user, django-otp or messages, nor a walk through every app's URL
    patterns; together these cost more CPU than the userinfo view itself. This middleware
    sits right after Django's ``SecurityMiddleware`` (HTTPS redirect, HSTS, nosniff,
    referrer policy still apply) and, for the exact paths in ``settings.LEAN_ENDPOINT_PATHS``
    only, calls the view the URLconf resolves for that path with what those views do need:
    the Host check, the same security headers as every page (``add_security_headers``,
    ``X-Frame-Options``) and Django's error handling
    (an exception here becomes the same 400/404/500 response as anywhere else). Every other
    path, including a lean path with a trailing slash, takes the full chain.

    It cannot silently take a browser page off the full chain: a listed path whose view is not
    marked ``@lean_endpoint`` and ``csrf_exempt`` raises ``ImproperlyConfigured`` when the
    middleware is loaded, so the worker does not start. See docs/adr/0034-lean-request-path.md.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._routes: dict[tuple, dict] = {}
        self.routes()  # a misconfiguration stops the worker from starting

    def routes(self) -> dict:
        key = (settings.ROOT_URLCONF, settings.LEAN_ENDPOINT_PATHS)
        table = self._routes.get(key)
        if table is None:
            table = self._routes[key] = self._build(*key)
        return table

    @staticmethod
    def _build(urlconf, paths) -> dict:
        table = {}
        for path in paths:
            try:
                match = resolve(path, urlconf)
            except Resolver404 as error:
                raise ImproperlyConfigured(
                    f"LEAN_ENDPOINT_PATHS: {path} resolves to no view"
                ) from error
            view = match.func
            if not getattr(view, "lean_endpoint", False):
                raise ImproperlyConfigured(
                    f"LEAN_ENDPOINT_PATHS: the view for {path} is not marked @lean_endpoint"
                )
            if not getattr(view, "csrf_exempt", False):
                raise ImproperlyConfigured(
                    f"LEAN_ENDPOINT_PATHS: the view for {path} is not csrf_exempt"
                )
            if match.args or match.kwargs:
                raise ImproperlyConfigured(f"LEAN_ENDPOINT_PATHS: {path} must be an exact path")
            table[path] = match
        return table

    def __call__(self, request):
        match = self.routes().get(request.path_info)
        if match is None:
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks (DisallowedHost: 400)
        request.csp_nonce = secrets.token_urlsafe(16)
        request.resolver_match = match
        response = match.func(request)
        if response is None:
            raise ValueError(f"The view for {request.path_info} returned None")
        add_security_headers(request, response)
        if response.get("X-Frame-Options") is None:
            response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))  # as CommonMiddleware
        return response


# A shared store that is down or restarting: Redis (the cache and rate limits) refusing or
# timing out (``BusyLoadingError``, while a restarted Redis loads its data, is a
# ``ConnectionError`` too), or the Celery broker unreachable when a task is queued.
SHARED_STORE_DOWN: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


class SharedStoreDownMiddleware:
    """Redis down: the styled "try again shortly" page with status 503, not a 500.

    Only what needs Redis fails: sessions are rows in the database (``accounts.sessions``)
    and read from there while the cache is away, and a text or email is queued from its
    stored row by the sweeper. What must not carry on without Redis (rate limits and
    lockouts, passkey challenges, forgetting a session's cached copy) raises, and that
    ends here. See docs/adr/0019-when-redis-is-down.md.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SHARED_STORE_DOWN):
            return None
        logger.warning(
            "%s %s: shared store unavailable (%s)",
            request.method,
            request.path_info,  # no query string: it may carry a token
            type(exception).__name__,
        )
        from core.views import service_unavailable

        return service_unavailable(request)


class DesignedNotFoundMiddleware:
    """With ``DEBUG`` on, the designed "Page not found" page, as in production.

    Django answers a 404 with its technical page whenever ``DEBUG`` is on, whatever
    ``handler404`` says, and that page lists every route of the service. Django has no setting
    for it, so this catches what would reach it: an ``Http404`` a view raises
    (``process_exception``), and an address no route matches (a 404 for a request that was
    never resolved). A 404 a view returns on purpose (the fake PDS's FHIR answer) is left
    alone. Placed after ``CommonMiddleware``, which still redirects ``/outbox`` to
    ``/outbox/`` when only the slash is missing. With ``DEBUG`` off it does nothing: Django
    uses ``handler404``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return self._page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return self._page_not_found(request)
        return None

    @staticmethod
    def _page_not_found(request):
        from core.views import page_not_found

        return page_not_found(request)
