"""Middleware for signed-in patients."""

from django.conf import settings
from django.contrib import messages as flash
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A patient whom the support desk asked to choose a new password
    (``User.password_change_required``) is sent to the change password page from every page
    until they have, except signing out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in: the session is not read, so a page
        # for everyone stays free of "Vary: Cookie" and cacheable.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.password_change_required and not user.is_staff:
            allowed = (reverse("accounts:change_password"), reverse("accounts:sign_out"))
            if request.path not in allowed:
                flash.warning(
                    request,
                    "Our support team has asked you to choose a new password before you continue",
                )
                return redirect("accounts:change_password")
        return self.get_response(request)
