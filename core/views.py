from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from core.models import Notification
from core.notifications.service import rendered


def start(request: HttpRequest) -> HttpResponse:
    """The front door: what NHS login is, with create and sign-in actions."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return render(request, "core/start.jinja")


def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "core/terms.jinja")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.jinja")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.jinja")


def outbox(request: HttpRequest) -> HttpResponse:
    """Development only: the messages the service would have sent, newest first."""
    if not settings.DEBUG:
        raise Http404
    sent = []
    # Each with the login it belongs to: a text message shows only a phone number.
    for notification in Notification.objects.select_related("user")[:50]:
        subject, body = rendered(notification)
        sent.append({"notification": notification, "subject": subject, "body": body})
    return render(request, "core/outbox.jinja", {"sent": sent})


def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.jinja", status=403)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """The designed 403 page (a patient who opens a staff page), as for 404."""
    return render(request, "core/403.jinja", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/404.jinja", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.jinja", status=500)


# How long a browser or client is told to wait before trying again: a Redis restart with its
# data on disk takes seconds.
RETRY_AFTER_SECONDS = 30


def service_unavailable(request: HttpRequest, exception=None) -> HttpResponse:
    """Something the page needs (Redis) is down or restarting: try again shortly (503)."""
    from core.middleware import SHARED_STORE_DOWN

    try:
        response = render(request, "core/503.jinja", status=503)
    except SHARED_STORE_DOWN:
        # Whatever the page header reads about the visitor needs Redis too: the same page
        # as for someone signed out.
        response = HttpResponse(render_to_string("core/503.jinja"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
