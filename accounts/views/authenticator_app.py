"""An authenticator app: the settings page (set up, remove) and the sign-in step that asks for
its code (``Ck``; ``accounts.services.authenticator_app``, ADR 0016)."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.authentication import DEVICE, require_sign_in
from accounts.forms import AppSignInCodeForm, AuthenticatorAppCodeForm, ConfirmPasswordForm
from accounts.models import User
from accounts.services import authenticator_app as service
from accounts.services import pending
from accounts.services import sign_in as sign_in_service
from accounts.services.codes import may_send_again
from accounts.views.common import TOO_MANY_CODE_TRIES, TOO_MANY_CODES, page, password_confirmed
from accounts.views.sign_in import locked_page, signed_in_response
from core.paths import url

WRONG_APP_CODE = "The security code is not right. Enter the code your authenticator app shows now"
WAIT = "Wait a few seconds, then enter the new code your authenticator app shows"
APP_ERRORS = {"wrong": WRONG_APP_CODE, "wait": WAIT}
SET_UP_ERRORS = {
    **APP_ERRORS,
    "too_many": TOO_MANY_CODE_TRIES,
    "expired": (
        "Setting up took too long, so we have made a new key. Scan the new QR code or type in "
        "the new key, then enter the code your authenticator app shows"
    ),
}


@login_required
def authenticator_app(request: HttpRequest) -> HttpResponse:
    """The patient's authenticator app: set one up (QR code and key), or remove it."""
    user = request.user
    may_set_up = service.may_set_up(request)
    action = request.POST.get("action") if request.method == "POST" else None
    code_form = AuthenticatorAppCodeForm(request.POST if action == "confirm" else None)
    remove_form = ConfirmPasswordForm(request.POST if action == "remove" else None)
    if action == "remove":
        if password_confirmed(request, remove_form) and service.remove_app(request, user):
            flash.success(
                request,
                "You removed your authenticator app. We will send a security code to your "
                "phone when you sign in",
            )
            return redirect("accounts:authenticator_app")
    elif action == "confirm" and may_set_up and code_form.is_valid():
        if _confirm(request, code_form):
            flash.success(
                request,
                "You set up your authenticator app. We will ask for a code from it when you "
                "sign in",
            )
            return redirect("accounts:authenticator_app")
    elif action is not None and action != "confirm":
        return redirect("accounts:authenticator_app")
    context = {
        "app": service.app_for(user),
        "may_set_up": may_set_up,
        "code_form": code_form,
        "remove_form": remove_form,
    }
    if may_set_up:
        device = service.unconfirmed_app(user)
        context.update(qr_code=service.qr_code_svg(device), key=service.secret_for_typing(device))
    return page(request, "accounts/authenticator_app.jinja", context)


def _confirm(request, form) -> bool:
    """Check the first code from the app being set up; errors go on the form."""
    result = service.confirm_waiting_app(request, request.user, form.cleaned_data["code"])
    if result != "ok":
        form.add_error("code", SET_UP_ERRORS.get(result, WRONG_APP_CODE))
    return result == "ok"


@require_POST
@login_required
def sign_in_again(request: HttpRequest) -> HttpResponse:
    """Sign in again with the password and a code by text or call (not the app being
    replaced), then come back to set up the app."""
    return require_sign_in(
        request, url("accounts:authenticator_app"), force=True, second_factor=DEVICE
    )


def sign_in_with_app(request: HttpRequest) -> HttpResponse:
    """After the right password: the code from the patient's authenticator app, and the
    choice to remember this browser."""
    noted = pending.read(request, pending.APP)
    if noted is None:
        return redirect("accounts:sign_in")
    form = AppSignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = service.check_sign_in_code(
            request,
            user_id=noted["user"],
            account=noted["account"],
            device_id=noted.get("app"),
            code=form.cleaned_data["code"],
            decoy=noted.get("decoy", False),
        )
        if check.outcome == "gone":
            response = redirect("accounts:sign_in")
            pending.forget(request, response, pending.APP)
            return response
        if check.outcome == "locked":
            return locked_page(request, noted, pending.APP)
        if check.outcome == "ok":
            sign_in_service.complete_sign_in(request, check.user, app=check.device, lock=check.lock)
            remember = form.cleaned_data["remember_browser"]
            return signed_in_response(request, noted, remember, pending.APP)
        form.add_error("code", APP_ERRORS[check.outcome])
    phone = "landline" if noted.get("kind") == "landline" else "mobile"
    return page(
        request,
        "accounts/authenticator_app_sign_in.jinja",
        {
            "form": form,
            "text_instead": "Call me with a code instead"
            if phone == "landline"
            else "Text me a code instead",
            "phone": "the phone on your NHS login"
            if noted.get("watched")  # the same words after a wrong password (ADR 0018)
            else f"your {phone} ending {noted.get('ending', '')}",
        },
        shared=True,  # names only the last 3 digits of the phone
    )


@require_POST
def text_code_instead(request: HttpRequest) -> HttpResponse:
    """ "Text me a code instead": send the code by text (or call) and go on to the code page,
    the pending sign-in moved from the app's step to the code's."""
    noted = pending.read(request, pending.APP)
    if noted is not None and noted.get("decoy"):
        # The code step of a wrong password from a watched address: as real, nothing sent.
        response = HttpResponseRedirect(url("accounts:security_code"))
        note = {k: v for k, v in noted.items() if k != "app"}
        pending.keep(request, response, {**note, "device": None})
        pending.forget(request, response, pending.APP)
        return response
    user = None
    if noted is not None:
        user = User.objects.filter(pk=noted["user"], is_active=True).first()
    if user is None:
        response = redirect("accounts:sign_in")
        pending.forget(request, response, pending.APP)
        return response
    if not may_send_again(f"sign-in-code:{user.pk}"):
        flash.error(request, TOO_MANY_CODES)
        return redirect("accounts:authenticator_app_sign_in")
    device = sign_in_service.send_sign_in_code(user)
    response = HttpResponseRedirect(url("accounts:security_code"))
    note = {k: v for k, v in noted.items() if k != "app"}
    pending.keep(request, response, {**note, "device": device.pk if device else None})
    pending.forget(request, response, pending.APP)
    return response


# Included by accounts/urls.py, so the authenticator app's routes live beside their views.
urlpatterns = [
    path("authenticator-app/", authenticator_app, name="authenticator_app"),
    path(
        "authenticator-app/sign-in-again/",
        sign_in_again,
        name="authenticator_app_sign_in_again",
    ),
    path("sign-in/authenticator-app/", sign_in_with_app, name="authenticator_app_sign_in"),
    path(
        "sign-in/authenticator-app/text-me-a-code/",
        text_code_instead,
        name="authenticator_app_text_instead",
    ),
]
