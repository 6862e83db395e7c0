"""Small helpers the account pages share."""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

CODE_ERRORS = {
    "wrong": "The security code is not right. Check it and try again",
    "expired": "This security code has expired. Ask for a new code",
    "void": "You entered a wrong security code too many times. Ask for a new code",
}
TOO_MANY_CODES = "You have asked for too many codes. Wait 15 minutes and try again"


def page(request, template: str, context: dict | None = None, *, status: int = 200):
    """Render a page; ``has_errors`` puts "Error:" in the title when a form has errors."""
    context = dict(context or {})
    forms = [v for v in context.values() if hasattr(v, "errors") and hasattr(v, "is_bound")]
    context.setdefault("has_errors", any(f.is_bound and f.errors for f in forms))
    # A connected service may ask us to hide "create an NHS login" (allow_registration=false);
    # the provider notes that in the session (connected_services.views.provider).
    context.setdefault("allow_registration", request.session.get("oidc_allow_registration", True))
    return render(request, template, context, status=status)


def safe_next(request, candidate: str | None) -> str | None:
    """A ``next`` URL only if it is a path on this site (never another host)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return None
    if "\\" in candidate:
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return candidate
