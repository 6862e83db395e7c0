"""Refuse what no page of the service takes, before any of the request body is read.

- A body larger than ``MAX_REQUEST_BODY_MB`` gets a styled 413 at once, from its
  Content-Length: Django would otherwise stream the whole upload to a temporary file before a
  form could say it is too large (a 300 MB POST took 2.6 s of reading). The largest page takes
  a document photo, its back and the camera clip; each file still has its own limit and message.
  Django reads no more than Content-Length, so a body without one is never read at all.
- Methods no view answers (TRACE, TRACK, CONNECT and unknown ones) get 405: TRACE answered 200.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ALLOWED_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True  # a Content-Length that is not a number: nothing sensible can follow
    return length > settings.MAX_REQUEST_BODY_MB * 1024 * 1024


class RequestLimitsMiddleware:
    """First in the chain: a request the service would refuse anyway costs nothing to refuse."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            response = HttpResponse("Method not allowed", status=405, content_type="text/plain")
            response["Allow"] = ", ".join(sorted(ALLOWED_METHODS))
            return response
        if _too_large(request):
            response = render(
                request,
                "core/413.jinja",
                {"limit_mb": settings.MAX_REQUEST_BODY_MB},
                status=413,
            )
            return response
        return self.get_response(request)
