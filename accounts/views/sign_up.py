"""Creating a login: email and password, email code, phone, phone code. Result: P0."""

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import CreateLoginForm, PhoneForm, SecurityCodeForm
from accounts.models import EmailCode, PhoneDevice, User
from accounts.services import limits, sign_in, sign_up
from accounts.services.codes import send_email_code, send_phone_code
from accounts.views.common import (
    code_page,
    confirm_code,
    page,
    phone_code_sent_to,
    resend_code,
    safe_next,
)

SESSION_KEY = "sign_up"


def _state(request) -> dict:
    return request.session.get(SESSION_KEY) or {}


def _save_state(request, **values) -> None:
    state = _state(request)
    state.update(values)
    request.session[SESSION_KEY] = state


def resume_sign_up(request, user: User, next_url: str | None) -> HttpResponse:
    """Someone with an unfinished login signed in: take them to the step they left."""
    request.session[SESSION_KEY] = {"user": user.pk, "next": next_url}
    if not user.email_verified:
        email_code = EmailCode.objects.create(
            user=user, email=user.email, purpose=EmailCode.Purpose.SIGN_UP
        )
        send_email_code(email_code)
        _save_state(request, email_code=email_code.pk)
        return redirect("accounts:confirm_email")
    return redirect("accounts:phone")


def create(request: HttpRequest) -> HttpResponse:
    """Step 1: email address, password, terms of use."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = CreateLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not limits.may_start_sign_up(request, form.cleaned_data["email"]):
            form.add_error(
                None,
                "We have sent a code to this email address lately. Check your email, "
                "or try again in an hour",
            )
        else:
            email_code = sign_up.start_sign_up(
                request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
            request.session[SESSION_KEY] = {
                "email_code": email_code.pk,
                "next": safe_next(request, request.GET.get("next")),
            }
            return redirect("accounts:confirm_email")
    return page(request, "accounts/create.jinja", {"form": form})


def _email_code(request) -> EmailCode | None:
    pk = _state(request).get("email_code")
    return EmailCode.objects.filter(pk=pk, purpose=EmailCode.Purpose.SIGN_UP).first()


def confirm_email(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code we emailed."""
    email_code = _email_code(request)
    if email_code is None:
        return redirect("accounts:create")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = confirm_code(
            request, form, lambda code: sign_up.confirm_email(request, email_code, code)
        )
        if result == "ok":
            email_code.refresh_from_db()
            _save_state(request, user=email_code.user_id)
            return redirect("accounts:phone")
    return code_page(
        request,
        form,
        heading="Check your email",
        sent_to=f"We have sent a 6-digit security code to {email_code.email}.",
        resend_url=reverse("accounts:resend_email_code"),
        change_link=(reverse("accounts:create"), "Use a different email address"),
    )


@require_POST
def resend_email_code(request: HttpRequest) -> HttpResponse:
    email_code = _email_code(request)
    if email_code is None:
        return redirect("accounts:create")
    # A decoy (an address that already has a login) sends nothing, and looks the same.
    return resend_code(
        request,
        f"email-code:{email_code.pk}",
        lambda: send_email_code(email_code),
        "accounts:confirm_email",
    )


def _user_with_confirmed_email(request) -> User | None:
    pk = _state(request).get("user")
    if not pk:
        return None
    return User.objects.filter(pk=pk, email_verified=True).first()


def phone(request: HttpRequest) -> HttpResponse:
    """Step 3: a UK mobile (text) or landline (call)."""
    user = _user_with_confirmed_email(request)
    if user is None:
        return redirect("accounts:create")
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = sign_up.start_phone_confirmation(
            request, user, number=form.cleaned_data["number"], kind=form.cleaned_data["kind"]
        )
        _save_state(request, device=device.pk)
        return redirect("accounts:confirm_phone")
    return page(request, "accounts/phone.jinja", {"form": form})


def _device(request) -> PhoneDevice | None:
    user = _user_with_confirmed_email(request)
    pk = _state(request).get("device")
    if user is None or not pk:
        return None
    return PhoneDevice.objects.filter(pk=pk, user=user).first()


def confirm_phone(request: HttpRequest) -> HttpResponse:
    """Step 4: the phone code. A right code finishes the login at P0 and signs in."""
    device = _device(request)
    if device is None:
        return redirect("accounts:create")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = confirm_code(
            request, form, lambda code: sign_up.confirm_phone(request, device, code)
        )
        if result == "ok":
            next_url = _state(request).get("next")
            request.session.pop(SESSION_KEY, None)
            sign_in.complete_sign_in(request, device.user, device=device)
            flash.success(request, "You have created your NHS login")
            return redirect(next_url or "accounts:home")
    return code_page(
        request,
        form,
        heading="Check your phone",
        sent_to=phone_code_sent_to(device),
        resend_url=reverse("accounts:resend_phone_code"),
        change_link=(reverse("accounts:phone"), "Use a different phone number"),
    )


@require_POST
def resend_phone_code(request: HttpRequest) -> HttpResponse:
    device = _device(request)
    if device is None:
        return redirect("accounts:create")
    return resend_code(
        request,
        f"phone-code:{device.user_id}",
        lambda: send_phone_code(device),
        "accounts:confirm_phone",
    )
