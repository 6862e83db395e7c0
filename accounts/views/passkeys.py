"""Passkeys: the settings page, and the JSON endpoints django-otp-webauthn's scripts call.

The scripts (the library's, in ``static/django_otp_webauthn/``) read their endpoints from the
``otp_webauthn_config`` JSON on the page; these views stand in for the library's own, so that
adding and using a passkey go through our rules (``accounts.services.passkeys``, ADR 0015).
"""

import json

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.authentication import require_sign_in
from accounts.services import passkeys as service
from accounts.views.common import page, safe_next
from accounts.views.sign_in import _locked_message
from core.paths import url


def _json_body(request) -> dict | None:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refused(message: str, status: int = 400) -> JsonResponse:
    # ``detail`` is what the library's script shows the patient.
    return JsonResponse({"detail": message}, status=status)


@login_required
def passkeys(request: HttpRequest) -> HttpResponse:
    """The patient's passkeys, a button to add one (JavaScript) and a form to remove each."""
    if request.method == "POST":
        passkey_id = request.POST.get("passkey", "")
        if passkey_id.isdigit() and service.remove_passkey(request, request.user, int(passkey_id)):
            flash.success(request, "The passkey was removed. You cannot sign in with it now")
        return redirect("accounts:passkeys")
    return page(
        request,
        "accounts/passkeys.jinja",
        {
            "passkeys": list(service.passkeys_for(request.user)),
            "may_add": service.may_add_passkey(request),
        },
    )


@require_POST
@login_required
def passkeys_sign_in_again(request: HttpRequest) -> HttpResponse:
    """Sign in again with the password and a code, then come back to add a passkey."""
    return require_sign_in(request, url("accounts:passkeys"), force=True)


@never_cache
@require_POST
@login_required
def registration_begin(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(service.begin_registration(request))
    except service.PasskeyRefused as refused:
        return _refused(refused.message, refused.status)


@never_cache
@require_POST
@login_required
def registration_complete(request: HttpRequest) -> JsonResponse:
    data = _json_body(request)
    if data is None:
        return _refused("Start again: press the button to add a passkey")
    try:
        credential = service.complete_registration(request, data)
    except service.PasskeyRefused as refused:
        return _refused(refused.message, refused.status)
    flash.success(request, "You added a passkey. You can use it to sign in")
    return JsonResponse({"id": credential.pk, "redirect_url": url("accounts:passkeys")})


def _sign_in_cookie_path() -> str:
    return url("accounts:passkey_sign_in_begin").rsplit("begin/", 1)[0]


@never_cache
@require_POST
def sign_in_begin(request: HttpRequest) -> JsonResponse:
    """The options for the browser's passkey prompt. No session: the challenge waits in the
    cache, and the browser keeps only the handle to it."""
    try:
        options, handle = service.begin_sign_in(request)
    except service.PasskeyRefused as refused:
        return _refused(refused.message, refused.status)
    response = JsonResponse(options)
    response.set_cookie(
        service.SIGN_IN_COOKIE,
        handle,
        max_age=service.sign_in_challenge_lifetime(),
        path=_sign_in_cookie_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_POST
def sign_in_complete(request: HttpRequest) -> JsonResponse:
    """A passkey's answer; on success the script goes to ``redirect_url`` (``next`` or home)."""
    data = _json_body(request)
    if data is None:
        return _refused("Your passkey could not be checked. Try again")
    result = service.sign_in_with_passkey(request, data)
    response = _sign_in_answer(request, result)
    # The challenge is used, whatever the answer was.
    response.delete_cookie(service.SIGN_IN_COOKIE, path=_sign_in_cookie_path(), samesite="Lax")
    return response


def _sign_in_answer(request: HttpRequest, result) -> JsonResponse:
    if result.outcome == "locked":
        return _refused(_locked_message(result.minutes), 403)
    if result.outcome != "ok":
        return _refused(
            "Your passkey could not be checked. Try again, or sign in with your email address",
            403,
        )
    next_url = safe_next(request, request.GET.get("next"))
    # ``id``: the library's script wants one; the login's own id is not the browser's business.
    return JsonResponse({"id": "signed-in", "redirect_url": next_url or url("accounts:home")})


# Included by accounts/urls.py, so the passkey routes live beside their views.
urlpatterns = [
    path("passkeys/", passkeys, name="passkeys"),
    path("passkeys/sign-in-again/", passkeys_sign_in_again, name="passkeys_sign_in_again"),
    path("passkeys/add/begin/", registration_begin, name="passkey_registration_begin"),
    path("passkeys/add/complete/", registration_complete, name="passkey_registration_complete"),
    path("sign-in/passkey/begin/", sign_in_begin, name="passkey_sign_in_begin"),
    path("sign-in/passkey/complete/", sign_in_complete, name="passkey_sign_in_complete"),
]
