"""Forgotten password: a link by email, then a new password."""

from django.contrib import messages as flash
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts.forms import EmailForm, SetPasswordForm
from accounts.models import User
from accounts.services import changes
from accounts.views.common import page

# The reset link's uid and token, from the link to the page where the new password is typed.
RESET_SESSION_KEY = "password_reset_link"


def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes.request_password_reset(request, form.cleaned_data["email"])
        return page(
            request,
            "accounts/message_page.jinja",
            {
                "title": "Check your email",
                "paragraphs": [
                    f"If {form.cleaned_data['email']} is the email address for an NHS login, "
                    "we have sent a link to reset the password.",
                    "The link stops working after 3 days. Check your spam folder if you "
                    "cannot find the email.",
                ],
            },
        )
    return page(
        request,
        "accounts/form_page.jinja",
        {
            "form": form,
            "title": "Reset your password",
            "intro": ["Enter the email address you use for NHS login. We will send you a link."],
            "submit": "Send link",
            "back": reverse("accounts:sign_in"),
        },
    )


def _user_from(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def password_reset(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the email. Its token goes into the session and the browser is sent on to
    a page whose address has no token (Django's PasswordResetConfirmView does the same), so
    the token is in the access log once, in no Referer and in no later request. A wrong
    token is refused on the next page, without its value in Django's log of bad requests;
    only a right one writes a session (a link opened before it is dropped either way)."""
    user = _user_from(uidb64)
    if user is not None and default_token_generator.check_token(user, token):
        request.session[RESET_SESSION_KEY] = {"uid": uidb64, "token": token}
    else:
        request.session.pop(RESET_SESSION_KEY, None)
    return redirect("accounts:new_password")


def _link_does_not_work(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "accounts/message_page.jinja",
        {
            "title": "This link does not work",
            "paragraphs": [
                "The link to reset your password has expired or has already been used. "
                "Your password has not been changed."
            ],
            "link": (reverse("accounts:password_forgotten"), "Ask for a new link"),
        },
        status=400,
    )


def new_password(request: HttpRequest) -> HttpResponse:
    """Choose a new password, for the login whose reset link this browser opened. The token
    is checked on every visit and used up on success (it is made from the password)."""
    link = request.session.get(RESET_SESSION_KEY) or {}
    user = _user_from(link.get("uid", ""))
    if user is None or not default_token_generator.check_token(user, link.get("token")):
        return _link_does_not_work(request)
    # Bound on every POST, an empty one too, so that it gets the error summary.
    form = SetPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        changes.reset_password(request, user, form.cleaned_data["password"])
        request.session.pop(RESET_SESSION_KEY, None)
        flash.success(
            request,
            "Your password has been reset. We have signed you out on every browser. "
            "Sign in with your new password",
        )
        return redirect("accounts:sign_in")
    return page(
        request,
        "accounts/form_page.jinja",
        {"form": form, "title": "Choose a new password", "submit": "Reset password"},
    )
