"""The patient's pages for a login an organisation asked for: the emailed link, the code texted
to their mobile, then a new password or signing in to the login they have. Result: P9.

The link's token goes into the session on its first request and the browser is sent back
without it, so no later request line, Referer or log holds it (as "If this was not you").
"""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import SecurityCodeForm
from accounts.models import CODE_LIFETIME, PhoneDevice
from accounts.services import sign_in
from accounts.services.codes import may_send_again
from accounts.views.common import TOO_MANY_CODES, confirm_code, page
from verification.provisioning import services
from verification.provisioning.forms import NewPasswordForm

TOKEN_SESSION_KEY = "provisioning_token"
REQUEST_SESSION_KEY = "provisioning_request"

REFUSAL_PAGES = {
    "another_login_has_this_nhs_number": (
        "You have another NHS login",
        [
            "You already have an NHS login with a different email address, so we cannot use "
            "this one. Nothing has changed.",
            "Sign out, then sign in to your other NHS login. To prove who you are with it, ask "
            "the organisation that sent the link to send a new one to that login's email "
            "address.",
        ],
    ),
    "login_proved_someone_else": (
        "We cannot use this NHS login",
        ["This NHS login belongs to someone else. Nothing has changed."],
    ),
    "proofing_hold": (
        "We cannot raise your NHS login now",
        [
            "Our support team is looking into who proved your identity before. "
            "They will contact you. Nothing has changed.",
        ],
    ),
}


def _link_does_not_work(request, status=404) -> HttpResponse:
    request.session.pop(TOKEN_SESSION_KEY, None)
    locked = services.link_locked(request)
    return page(
        request,
        "accounts/message_page.jinja",
        {
            "title": "This link does not work",
            "paragraphs": [
                "Too many links that do not work were opened from here. Try again in an hour."
                if locked
                else "The link may have been used already, run out or been copied wrongly.",
                "Ask the organisation that sent it to send you a new one, or create an NHS "
                "login yourself.",
            ],
            "link": (reverse("accounts:create"), "Create an NHS login"),
        },
        status=status,
    )


def _started(request):
    pk = request.session.get(REQUEST_SESSION_KEY)
    return services.started_request(pk) if pk else None


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The link from the email: what happens next, and "Continue" (a GET changes nothing, so
    a mail scanner that opens the link does not use it up)."""
    if request.method == "GET" and "token" in request.GET:
        request.session[TOKEN_SESSION_KEY] = request.GET["token"][:100]
        return redirect("provisioning:start")
    row = services.request_for_link(request, request.session.get(TOKEN_SESSION_KEY))
    if row is None:
        return _link_does_not_work(request)
    if request.method == "POST":
        if not services.start(request, row):
            return _link_does_not_work(request)
        request.session.pop(TOKEN_SESSION_KEY, None)
        request.session[REQUEST_SESSION_KEY] = row.pk
        return redirect("provisioning:code")
    return page(
        request,
        "verification/provisioning/start.jinja",
        {"organisation": row.organisation.name, "mobile_ending": row.mobile[-3:]},
    )


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    """The code texted to the mobile on the patient's NHS record."""
    row = _started(request)
    if row is None:
        return _link_does_not_work(request)
    if row.phone_confirmed_at:
        return redirect("provisioning:finish")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = confirm_code(
            request, form, lambda typed: services.confirm_phone_code(request, row, typed)
        )
        if result == "ok":
            return redirect("provisioning:finish")
        if result == "void":
            request.session.pop(REQUEST_SESSION_KEY, None)
            return page(
                request,
                "accounts/message_page.jinja",
                {
                    "title": "You entered the wrong code too many times",
                    "paragraphs": [
                        "We have not set up an NHS login. For your security the link no longer "
                        "works. Ask the organisation that sent it to send you a new one."
                    ],
                },
            )
    return page(
        request,
        "accounts/enter_code.jinja",
        {
            "form": form,
            "heading": "Check your phone",
            "sent_to": "We have sent a 6-digit security code by text message to your mobile "
            f"phone ending {row.mobile[-3:]}.",
            "expiry": f"The code expires after {CODE_LIFETIME.seconds // 60} minutes.",
            "resend_url": reverse("provisioning:resend_code"),
            "resend_text": "Send a new code",
            "not_received": "If this is not your mobile number, ask the organisation that "
            "sent you the link to check it with you.",
        },
    )


@require_POST
def resend_code(request: HttpRequest) -> HttpResponse:
    """ "Send a new code" to the same mobile, unless asked too often."""
    row = _started(request)
    if row is None:
        return _link_does_not_work(request)
    if may_send_again(f"provisioning-code:{row.pk}"):
        services.send_code_again(row)
        flash.success(request, "We have sent you a new code")
    else:
        flash.error(request, TOO_MANY_CODES)
    return redirect("provisioning:code")


@require_http_methods(["GET", "POST"])
def finish(request: HttpRequest) -> HttpResponse:
    """After the code: accept with the signed-in login, sign in to the one the patient has,
    or choose a password for a new one."""
    row = _started(request)
    if row is None or not row.phone_confirmed_at:
        return _link_does_not_work(request) if row is None else redirect("provisioning:code")
    organisation = row.organisation.name
    if request.user.is_authenticated:
        if request.method == "POST":
            reason = services.accept_with_login(request, row, request.user)
            if reason == "not_ready":
                return _link_does_not_work(request)
            request.session.pop(REQUEST_SESSION_KEY, None)
            if reason is None:
                return redirect("provisioning:done")
            title, paragraphs = REFUSAL_PAGES.get(
                reason, REFUSAL_PAGES["login_proved_someone_else"]
            )
            return page(
                request, "accounts/message_page.jinja", {"title": title, "paragraphs": paragraphs}
            )
        return page(
            request, "verification/provisioning/accept.jinja", {"organisation": organisation}
        )
    if services.login_to_sign_in_to(row) is not None:
        sign_in_url = reverse("accounts:sign_in") + "?" + urlencode({"next": request.path})
        return page(
            request,
            "verification/provisioning/sign_in_to_accept.jinja",
            {"organisation": organisation, "sign_in_url": sign_in_url},
        )
    return redirect("provisioning:password")


@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    """A password for the new login (the project's password rules)."""
    row = _started(request)
    if row is None or not row.phone_confirmed_at or request.user.is_authenticated:
        return redirect("provisioning:finish") if row is not None else _link_does_not_work(request)
    form = NewPasswordForm(request.POST or None, email=row.email)
    if request.method == "POST" and form.is_valid():
        user = services.create_login(request, row, form.cleaned_data["password"])
        if user is None:
            return redirect("provisioning:finish")
        request.session.pop(REQUEST_SESSION_KEY, None)
        device = PhoneDevice.objects.filter(user=user, confirmed=True).first()
        sign_in.complete_sign_in(request, user, device=device)
        return redirect("provisioning:done")
    return page(
        request,
        "accounts/form_page.jinja",
        {
            "title": "Create a password",
            "intro": [f"Your NHS login will use the email address {row.email}."],
            "form": form,
            "submit": "Create your NHS login",
        },
    )


def done(request: HttpRequest) -> HttpResponse:
    """Finished: the login is P9."""
    if not request.user.is_authenticated:
        return redirect("accounts:sign_in")
    return page(request, "verification/provisioning/done.jinja")
