"""Small helpers the account pages share."""

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from accounts.phones import display
from accounts.services import limits
from accounts.services.codes import may_send_again
from accounts.services.sign_in import check_current_password
from core.pages import shared_page

CODE_ERRORS = {
    "wrong": "The security code is not right. Check it and try again",
    "expired": "This security code has expired. Ask for a new code",
    "void": "You entered a wrong security code too many times. Ask for a new code",
}
TOO_MANY_CODES = "You have asked for too many codes. Wait 15 minutes and try again"
TOO_MANY_CODE_TRIES = "You have entered too many codes. Wait 15 minutes"
WRONG_PASSWORD = "Your password is not right"


def _locked(minutes: int) -> str:
    return (
        f"You have entered a wrong password too many times. Try again in {minutes} minutes, "
        "or reset your password"
    )


def password_confirmed(request, form, field="password", wrong=WRONG_PASSWORD) -> bool:
    """The form is valid and its ``field`` holds the patient's current password
    (``sign_in.check_current_password``: a wrong one counts towards the sign-in lockout).
    The password is checked even when another answer is missing, so every error shows at
    once; errors go on the form."""
    valid = form.is_valid()
    password = form.cleaned_data.get(field)
    if not password:
        return False
    check = check_current_password(request, request.user, password)
    if check.outcome == "ok":
        return valid
    locked = check.outcome == "locked"
    form.add_error(field, _locked(check.minutes) if locked else wrong)
    return False


def confirm_code(request, form, confirm) -> str | None:
    """Check the code in a valid ``form`` with ``confirm(code)``, unless this address has
    entered too many codes lately (for any login: guessing across logins is refused too).

    Returns ``confirm``'s outcome ("ok", "wrong", "expired", "void"), or None when refused.
    A code that is not right counts against the address and is explained on the form.
    """
    address = limits.address_key(request)
    if limits.CODE_TRIES_PER_ADDRESS.exceeded(address):
        form.add_error("code", TOO_MANY_CODE_TRIES)
        return None
    result = confirm(form.cleaned_data["code"])
    if result != "ok":
        limits.CODE_TRIES_PER_ADDRESS.hit(address)
        form.add_error("code", CODE_ERRORS[result])
    return result


def page(request, template: str, context: dict | None = None, *, status: int = 200, shared=False):
    """Render an account page (its error summary and "Error: " title come from
    ``core.pages.page_errors``, as on every page).

    ``shared``: the page shows nothing personal, so for a signed-out visitor its HTML may come
    from the copy this process keeps (``core.pages``)."""
    context = dict(context or {})
    # A connected service may ask us to hide "create an NHS login" (allow_registration=false);
    # the provider notes that in the session (connected_services.views.provider).
    context.setdefault("allow_registration", request.session.get("oidc_allow_registration", True))
    if shared and request.method == "GET":
        html = shared_page(request, template, context)
        if html is not None:
            return HttpResponse(html, status=status)
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


def phone_code_sent_to(device) -> str:
    """What the code page says about where the code went: a text, or a call to a landline."""
    if device.kind == User.PhoneKind.LANDLINE:
        return f"We are calling {display(device.number)} to read out a 6-digit security code."
    return f"We have sent a 6-digit security code by text message to {display(device.number)}."


def code_page(
    request, form, *, heading: str, sent_to: str, resend_url: str, change_link, not_received=""
):
    """The 'enter your security code' page shared by sign-up and the account settings.
    ``not_received``: what may have happened when no code comes."""
    return page(
        request,
        "accounts/enter_code.jinja",
        {
            "form": form,
            "heading": heading,
            "sent_to": sent_to,
            "expiry": "The code expires after 15 minutes.",
            "resend_url": resend_url,
            "resend_text": "Send a new code",
            "change_link": change_link,
            "not_received": not_received,
        },
    )


def resend_code(request, limit_key: str, send, then: str):
    """'Send a new code': send again unless this code was resent too often, then go back."""
    if may_send_again(limit_key):
        send()
        flash.success(request, "We have sent you a new code")
    else:
        flash.error(request, TOO_MANY_CODES)
    return redirect(then)
