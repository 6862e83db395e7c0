"""The patient's own pages: their NHS login, activity, and changing their details."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.activity import activity_for
from accounts.forms import ChangePasswordForm, NewEmailForm, PhoneForm, SecurityCodeForm
from accounts.models import EmailCode, PhoneDevice, RememberedBrowser
from accounts.phones import display
from accounts.services import authenticator_app, changes, sign_up
from accounts.services.browsers import forget_browsers, other_sessions, sign_out_other_browsers
from accounts.services.codes import send_email_code, send_phone_code
from accounts.views.common import (
    code_page,
    confirm_code,
    page,
    password_confirmed,
    phone_code_sent_to,
    resend_code,
    safe_next,
)
from core import audit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Your NHS login: level, email, phone and links to settings."""
    user = request.user
    return page(
        request,
        "accounts/home.jinja",
        {
            "phone": display(user.phone_number),
            "remembered_count": RememberedBrowser.objects.active().filter(user=user).count(),
            "has_authenticator_app": authenticator_app.has_app(user),
            "has_one_login": _has_one_login(user),
        },
    )


def _has_one_login(user) -> bool:
    if not settings.ONE_LOGIN_ENABLED:
        return False
    from accounts.one_login.services import link_of

    return link_of(user) is not None


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    """What has happened to this login, newest first, and from where."""
    entries = activity_for(request.user, here=audit.client_address(request))
    return page(request, "accounts/activity.jinja", {"events": entries})


@login_required
def change_email(request: HttpRequest) -> HttpResponse:
    form = NewEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["email"].lower() == request.user.email:
            form.add_error("email", "This is already your email address")
        else:
            changes.start_email_change(request, request.user, form.cleaned_data["email"])
            return redirect("accounts:confirm_new_email")
    return page(
        request,
        "accounts/form_page.jinja",
        {
            "form": form,
            "title": "Change your email address",
            "intro": [f"Your email address is {request.user.email}."],
            "submit": "Continue",
            "back": reverse("accounts:home"),
        },
    )


def _email_change(request) -> EmailCode | None:
    return (
        EmailCode.objects.filter(user=request.user, purpose=EmailCode.Purpose.CHANGE)
        .order_by("-created_at")
        .first()
    )


@login_required
def confirm_new_email(request: HttpRequest) -> HttpResponse:
    email_code = _email_change(request)
    if email_code is None:
        return redirect("accounts:change_email")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = confirm_code(
            request, form, lambda code: sign_up.confirm_email(request, email_code, code)
        )
        if result == "ok":
            EmailCode.objects.filter(pk=email_code.pk).delete()
            flash.success(request, "Your email address has been changed")
            return redirect("accounts:home")
    # The same words whether or not another login has this address: the page must not tell
    # anyone which addresses have an NHS login (changes.start_email_change).
    return code_page(
        request,
        form,
        heading="Check your email",
        sent_to=(
            f"If {email_code.email} can be used for your NHS login, we have sent a 6-digit "
            "security code to it."
        ),
        resend_url=reverse("accounts:resend_new_email_code"),
        change_link=(reverse("accounts:change_email"), "Use a different email address"),
        not_received=(
            "It can take a few minutes to arrive. If it does not arrive, the address may "
            "already be used by another NHS login: each email address can be used by one "
            "NHS login only. Check your spam folder, or use a different email address."
        ),
    )


@login_required
@require_POST
def resend_new_email_code(request: HttpRequest) -> HttpResponse:
    email_code = _email_change(request)
    if email_code is None:
        return redirect("accounts:change_email")
    return resend_code(
        request,
        f"email-change:{request.user.pk}",
        lambda: send_email_code(email_code),
        "accounts:confirm_new_email",
    )


@login_required
def change_phone(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sign_up.start_phone_confirmation(
            request,
            request.user,
            number=form.cleaned_data["number"],
            kind=form.cleaned_data["kind"],
        )
        return redirect("accounts:confirm_new_phone")
    return page(
        request,
        "accounts/phone.jinja",
        {
            "form": form,
            "title": "Change your phone number",
            "current": display(request.user.phone_number),
            "back": reverse("accounts:home"),
        },
    )


def _new_phone(request) -> PhoneDevice | None:
    return PhoneDevice.objects.filter(user=request.user, confirmed=False).first()


@login_required
def confirm_new_phone(request: HttpRequest) -> HttpResponse:
    device = _new_phone(request)
    if device is None:
        return redirect("accounts:change_phone")
    form = SecurityCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = confirm_code(
            request, form, lambda code: sign_up.confirm_phone(request, device, code)
        )
        if result == "ok":
            flash.success(request, "Your phone number has been changed")
            return redirect("accounts:home")
    return code_page(
        request,
        form,
        heading="Check your phone",
        sent_to=phone_code_sent_to(device),
        resend_url=reverse("accounts:resend_new_phone_code"),
        change_link=(reverse("accounts:change_phone"), "Use a different phone number"),
    )


@login_required
@require_POST
def resend_new_phone_code(request: HttpRequest) -> HttpResponse:
    device = _new_phone(request)
    if device is None:
        return redirect("accounts:change_phone")
    return resend_code(
        request,
        f"phone-change:{request.user.pk}",
        lambda: send_phone_code(device),
        "accounts:confirm_new_phone",
    )


@login_required
def change_password(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, an empty one too, so that it gets the error summary.
    form = ChangePasswordForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and password_confirmed(
        request, form, field="current_password", wrong="Your current password is not right"
    ):
        changes.change_password(request, request.user, form.cleaned_data["password"])
        flash.success(
            request,
            "Your password has been changed. We have signed you out on any other browsers, "
            "and every browser will need a security code next time you sign in",
        )
        # Sent here on the way somewhere (the support desk asked for a new password): go on.
        return redirect(safe_next(request, request.GET.get("next")) or "accounts:home")
    return page(
        request,
        "accounts/form_page.jinja",
        {
            "form": form,
            "title": "Change your password",
            "submit": "Change password",
            "back": reverse("accounts:home"),
        },
    )


@login_required
def browsers(request: HttpRequest) -> HttpResponse:
    """Remembered browsers, with a button to forget each (or all), and how many other
    browsers are signed in now, with a button to sign them out."""
    if request.method == "POST" and request.POST.get("action") == "sign-out-others":
        if sign_out_other_browsers(request, request.user):
            flash.success(request, "You have signed out of your other browsers")
        else:
            flash.success(request, "You were not signed in on any other browser")
        return redirect("accounts:browsers")
    if request.method == "POST":
        browser_id = request.POST.get("browser")
        forgotten = forget_browsers(
            request,
            request.user,
            browser_id=int(browser_id) if browser_id and browser_id.isdigit() else None,
        )
        if forgotten:
            flash.success(
                request,
                "This browser will need a security code next time"
                if browser_id
                else "All browsers will need a security code next time",
            )
        return redirect("accounts:browsers")
    remembered = RememberedBrowser.objects.active().filter(user=request.user)
    return page(
        request,
        "accounts/browsers.jinja",
        {"remembered": remembered, "elsewhere": other_sessions(request, request.user).count()},
    )
