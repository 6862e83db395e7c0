"""Middleware for signed-in patients."""

from django.contrib import messages as flash
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A patient whom the support desk asked to choose a new password
    (``User.password_change_required``) is sent to the change password page from every page
    until they have, except signing out. A connected service's sign-in goes on afterwards:
    the page it asked for is kept as ``next``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
