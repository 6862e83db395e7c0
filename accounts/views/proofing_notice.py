"""The "If this was not you" notice: the link in the email sent after any P9 (ADR 0047).

The pages work signed out: the owner may have lost access to their login. As Django's
password reset view does, the link's first visit moves the token into the session and sends
the browser to a clean address, so the token is in neither the address of the page shown nor
a Referer header. The token is in the query string, not the path, so that access logs that
leave out query strings (the Procfile's gunicorn format) never hold it. Only the confirming
POST changes anything.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services import proofing_notice
from accounts.views.common import page

TOKEN_SESSION_KEY = "proofing_notice_token"


def _link_does_not_work(request) -> HttpResponse:
    return page(
        request,
        "accounts/message_page.jinja",
        {
            "title": "This link does not work",
            "paragraphs": [
                "The link in our email has already been used, has expired or is not right. "
                "Nothing has been changed.",
                "If you think someone else is using your NHS login, reset your password now.",
            ],
            "link": (reverse("accounts:password_forgotten"), "Reset your password"),
        },
        status=400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def not_you(request: HttpRequest) -> HttpResponse:
    """What will happen, and the button that does it (a GET changes nothing).

    The link from the email is this address with ``?token=``: the token is kept in the
    session and the browser sent straight back here without it."""
    if request.method == "GET" and "token" in request.GET:
        request.session[TOKEN_SESSION_KEY] = request.GET["token"][:100]
        return redirect("accounts:not_you")
    token = request.session.get(TOKEN_SESSION_KEY)
    if request.method == "POST":
        if proofing_notice.dispute_proofing(request, token) is None:
            return _link_does_not_work(request)
        request.session.pop(TOKEN_SESSION_KEY, None)
        return redirect("accounts:not_you_done")
    notice = proofing_notice.usable_notice(token)
    if notice is None:
        return _link_does_not_work(request)
    return page(
        request,
        "accounts/not_you.jinja",
        {
            "when": proofing_notice.moment_in_words(notice.proved_at),
            "how": proofing_notice.route_in_words(notice.route),
        },
    )


def not_you_done(request: HttpRequest) -> HttpResponse:
    """What was done and what to do next (nothing personal on it)."""
    return page(request, "accounts/not_you_done.jinja")
