"""Signing in: email and password, then a security code (or a remembered browser)."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import events
from accounts.authentication import DEVICE, FORCE_CODE_SESSION_KEY, SHARED_KEY, asked_for
from accounts.forms import LockedSignInForm, SignInCodeForm, SignInForm
from accounts.models import RememberedBrowser, User
from accounts.services import authenticator_app, limits, pending
from accounts.services import sign_in as service
from accounts.services.browsers import COOKIE_NAME, remember_browser, remembered_browser_for
from accounts.views.common import CODE_ERRORS, page, resend_code, safe_next
from accounts.views.sign_up import resume_sign_up
from core import audit
from core.paths import url  # reversed once per process

# What the code page says when the address is watched and a wrong password cannot be told
# from a right one: the patient must learn to check their details if no code comes.
WATCHED_SENT_TO = (
    "If the email address and password you entered are right, we have sent a security code "
    "to the phone on your NHS login. If no code comes in a few minutes, go back and check "
    "your email address and password."
)


def _locked_message(minutes: int) -> str:
    return (
        f"Sign in is locked for {minutes} minutes because of too many wrong tries. "
        "If this is your NHS login, we have sent you an email about it"
    )


def sign_in(request: HttpRequest) -> HttpResponse:
    """Email address and password."""
    next_url = safe_next(request, request.GET.get("next"))
    forced = request.session.get(FORCE_CODE_SESSION_KEY, False)
    if request.user.is_authenticated and not forced:
        return redirect(next_url or "accounts:home")
    form = SignInForm(request.POST or None)
    locked = False  # the page then links to the help about a locked sign-in
    if request.method == "POST" and form.is_valid():
        check = service.check_password(
            request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
        )
        if check.outcome == "locked":
            locked = True
            form.add_error(None, _locked_message(check.minutes))
        elif check.outcome == "wrong":
            form.add_error(None, "The email address or password is not right")
        elif check.outcome == "unconfirmed":
            return _decoy_code_step(request, check.user, form.cleaned_data["email"], next_url)
        else:
            user = check.user
            if not user.is_p0_complete:
                return resume_sign_up(request, user, next_url)
            browser = None if forced else remembered_browser_for(request, user)
            if browser is not None:
                service.complete_sign_in(request, user, remembered_browser=browser, lock=check.lock)
                return redirect(next_url or "accounts:home")
            # What the code pages and the code checks need, so none reads the login again.
            note = {
                "user": user.pk,
                "next": next_url,
                "account": limits.account_key(user.email),
                "kind": user.phone_kind,
                "ending": user.phone_number[-3:],
            }
            if check.lock.watched:  # the pages must look as they do after a wrong password
                note["watched"] = True
            # An authenticator app's code instead of a text, unless the service asked for
            # what only a text or call can give (``Cd``; ADR 0016).
            texts_only = asked_for(request, next_url)[1] == DEVICE
            app_id = None if texts_only else authenticator_app.app_id_for(user)
            if app_id is not None:
                response = HttpResponseRedirect(url("accounts:authenticator_app_sign_in"))
                pending.keep(request, response, {**note, "app": app_id}, pending.APP)
                return response
            device = service.send_sign_in_code(user)
            response = HttpResponseRedirect(url("accounts:security_code"))
            pending.keep(
                request, response, {**note, "device": device.pk if device is not None else None}
            )
            return response
    passkey_asked, second_factor_asked = asked_for(request, next_url)
    context = {
        "form": form,
        "next": next_url,
        "passkey_asked": passkey_asked,
        "app_asked": second_factor_asked == SHARED_KEY,
        "locked": locked,
    }
    return page(request, "accounts/sign_in.jinja", context, shared=True)


def _decoy_code_step(request, owner: User | None, email: str, next_url) -> HttpResponse:
    """After a wrong password from a watched address: the step a right password leads to
    (the app's if the email address's owner has one and may use it, else the code's), with
    a note that says it is a decoy, and no code sent (ADR 0018)."""
    note = {
        "user": owner.pk if owner is not None else None,
        "next": next_url,
        "account": limits.account_key(User.objects.normalize_email(email)),
        "kind": owner.phone_kind if owner is not None else User.PhoneKind.MOBILE,
        "ending": "",
        "watched": True,
        "decoy": True,
    }
    texts_only = asked_for(request, next_url)[1] == DEVICE
    if owner is not None and not texts_only and authenticator_app.app_id_for(owner):
        response = HttpResponseRedirect(url("accounts:authenticator_app_sign_in"))
        pending.keep(request, response, {**note, "app": None}, pending.APP)
        return response
    response = HttpResponseRedirect(url("accounts:security_code"))
    pending.keep(request, response, {**note, "device": None})
    return response


def _pending_user(request, step: pending.Step = pending.CODE) -> User | None:
    noted = pending.read(request, step)
    if noted is None:
        return None
    return User.objects.filter(pk=noted["user"], is_active=True).first()


def _back_to_sign_in(request, step: pending.Step = pending.CODE) -> HttpResponse:
    response = redirect("accounts:sign_in")
    pending.forget(request, response, step)
    return response


def signed_in_response(request, noted: dict, remember: bool, step: pending.Step) -> HttpResponse:
    """Where a patient goes once signed in (``next`` or home), the pending note dropped, and
    this browser remembered if they chose so."""
    # A path (``safe_next``) or home: no URL name to try reversing first.
    response = HttpResponseRedirect(noted.get("next") or url("accounts:home"))
    pending.forget(request, response, step)
    if remember:
        _browser, token = remember_browser(request, request.user)
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(RememberedBrowser.LIFETIME.total_seconds()),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def locked_page(request, noted: dict, step: pending.Step) -> HttpResponse:
    """The sign-in page saying sign in is locked; the pending sign-in is over."""
    form = LockedSignInForm(_locked_message(settings.SIGN_IN_LOCKOUT_PERIOD.seconds // 60))
    response = page(
        request,
        "accounts/sign_in.jinja",
        {"form": form, "next": noted.get("next"), "locked": True},
    )
    pending.forget(request, response, step)
    return response


def security_code(request: HttpRequest) -> HttpResponse:
    """The code sent to the patient's phone, and the choice to remember this browser."""
    noted = pending.read(request)
    if noted is None:
        return redirect("accounts:sign_in")
    if "account" not in noted:  # noted in a session before these keys were
        user = _pending_user(request)
        if user is None:
            return _back_to_sign_in(request)
        noted = {
            **noted,
            "account": limits.account_key(user.email),
            "kind": user.phone_kind,
            "ending": user.phone_number[-3:],
        }
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = service.check_sign_in_code(
            request,
            user_id=noted["user"],
            account=noted["account"],
            device_id=noted.get("device"),
            code=form.cleaned_data["code"],
            decoy=noted.get("decoy", False),
        )
        if check.outcome == "gone":
            return _back_to_sign_in(request)
        if check.outcome == "ok":
            service.complete_sign_in(
                request, check.user, device=check.device, lock=check.lock, audited=check.audited
            )
            remember = form.cleaned_data["remember_browser"]
            return signed_in_response(request, noted, remember, pending.CODE)
        if check.outcome == "locked":
            return locked_page(request, noted, pending.CODE)
        form.add_error("code", CODE_ERRORS[check.outcome])
    if noted.get("watched"):
        # The same words after a right password and a wrong one (ADR 0018).
        sent_to = WATCHED_SENT_TO
    elif noted["kind"] == User.PhoneKind.LANDLINE:
        sent_to = (
            f"We are calling your landline ending {noted['ending']} "
            "to read out a 6-digit security code."
        )
    else:
        sent_to = (
            "We have sent a 6-digit security code by text message to your mobile ending "
            f"{noted['ending']}."
        )
    return page(
        request,
        "accounts/enter_code.jinja",
        {
            "form": form,
            "heading": "Enter the security code",
            "sent_to": sent_to,
            "expiry": "The code expires after 15 minutes.",
            "resend_url": reverse("accounts:resend_sign_in_code"),
            "resend_text": "Send a new code",
            "title": "Enter the security code",
            # The service asked for an authenticator app's code (ADR 0016).
            "app_asked": asked_for(request, noted.get("next"))[1] == SHARED_KEY,
        },
        shared=True,  # names only the last 3 digits of the phone
    )


@require_POST
def resend_sign_in_code(request: HttpRequest) -> HttpResponse:
    noted = pending.read(request)
    if noted is not None and noted.get("decoy"):
        # As a real "send a new code" answers, without sending (ADR 0018).
        response = resend_code(
            request,
            f"sign-in-code:decoy:{noted['account']}",
            lambda: None,
            "accounts:security_code",
        )
        pending.keep(request, response, noted)
        return response
    user = _pending_user(request)
    if user is None:
        return _back_to_sign_in(request)
    response = resend_code(
        request,
        f"sign-in-code:{user.pk}",
        lambda: service.send_sign_in_code(user),
        "accounts:security_code",
    )
    pending.keep(request, response, noted)  # the note lives as long again as the new code
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out of this browser. A remembered browser stays remembered."""
    if request.user.is_authenticated:
        audit.record(events.SIGNED_OUT, request=request, user=request.user)
    logout(request)
    flash.success(request, "You have signed out")
    return redirect("core:start")
