"""Middleware about signing in: a new password the support desk asked for, and saying why a
form was not saved when its sender is no longer signed in."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages as flash
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

SIGNED_OUT = "You were signed out, so what you sent was not saved. Sign in to continue."


class PasswordChangeRequiredMiddleware:
    """A patient whom the support desk asked to choose a new password
    (``User.password_change_required``) is sent to the change password page from every page
    until they have, except signing out. A page they were on the way to (a connected
    service's sign-in, say) is kept as ``next``, so the journey goes on after the change."""

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
                target = reverse("accounts:change_password")
                # Only a page to come back to by GET, and not the account page (the default).
                if request.method == "GET" and request.path != reverse("accounts:home"):
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


class SignedOutFormMiddleware:
    """A patient who signed out in another tab (or whose session ended) and then sends a form
    from a page still open is sent to sign in by ``login_required``, and what they sent is
    not saved. Without a word they would think it was: the sign-in page says so.

    Only for a form of ours (it carries our CSRF token), sent by a browser that was not signed
    in when it arrived, and answered with a redirect to sign in and come back: a connected
    service's POST to /authorize, or a step-up that signs a patient out on purpose, is not
    this. Placed after the message middleware, so the message is stored with the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A form of ours first (CsrfViewMiddleware has read the body anyway), so a POST that
        # is not one (a service's, to /token) never reads the session and gets no
        # "Vary: Cookie".
        signed_out = (
            request.method == "POST"
            and "csrfmiddlewaretoken" in request.POST
            and not request.user.is_authenticated
        )
        response = self.get_response(request)
        if signed_out and response.status_code == 302 and self._to_sign_in(response):
            flash.info(request, SIGNED_OUT)
        return response

    @staticmethod
    def _to_sign_in(response) -> bool:
        """A redirect to sign in and come back (``login_required``'s, with ``next``), not the
        sign-in pages sending a patient back to their start."""
        location = urlsplit(response["Location"])
        return location.path == resolve_url(settings.LOGIN_URL) and "next=" in location.query
