"""How strongly the current session was authenticated, for vectors of trust.

The sign-in flow calls ``record_authentication`` once the patient has finished signing in;
the OpenID Connect provider reads ``current_authentication`` to decide which
``Cp``/``Cd``/``Ck``/``Cm`` components the session satisfies (see INTERFACE.md, vectors of trust).
"""

import time
from dataclasses import dataclass

SESSION_KEY = "authentication"

PASSWORD = "Cp"
DEVICE = "Cd"  # a one-time code by SMS or voice this session, or a remembered browser
SHARED_KEY = "Ck"  # a code from an authenticator app (TOTP, RFC 6238) this session; ADR 0016
KEY = "Cm"  # a passkey / FIDO key


@dataclass(frozen=True)
class Authentication:
    methods: frozenset[str]
    auth_time: int  # seconds since the epoch
    remembered_browser: bool = False

    def satisfies(self, components: set[str]) -> bool:
        return components <= self.methods


def signed_in_freshly_with_password_and_code(request, fresh) -> bool:
    """This session was signed in with the password and a security code (not a remembered
    browser, not a passkey) no longer than ``fresh`` (a timedelta) ago: what adding a way to
    sign in (a passkey, an authenticator app) must cost at least."""
    authentication = current_authentication(request)
    if authentication is None or authentication.remembered_browser:
        return False
    if not authentication.satisfies({PASSWORD, DEVICE}):
        return False
    return time.time() - authentication.auth_time <= fresh.total_seconds()


def record_authentication(request, methods: set[str], *, remembered_browser: bool = False):
    """Note in the session how the patient just signed in. Call after ``login()``."""
    request.session[SESSION_KEY] = {
        "methods": sorted(methods),
        "auth_time": int(time.time()),
        "remembered_browser": remembered_browser,
    }


def current_authentication(request) -> Authentication | None:
    """How the signed-in patient authenticated in this session, or None if they have not."""
    if not request.user.is_authenticated:
        return None
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    return Authentication(
        methods=frozenset(data["methods"]),
        auth_time=data["auth_time"],
        remembered_browser=data.get("remembered_browser", False),
    )


FORCE_CODE_SESSION_KEY = "force_security_code"
# A connected service asked only for vectors with ``Cm``: the sign-in page says to use a passkey.
PASSKEY_ASKED_SESSION_KEY = "passkey_asked"
# A connected service asked only for vectors with ``Ck`` (the value "Ck": the sign-in asks for
# the authenticator app's code), or only for vectors that ``Ck`` cannot meet while ``Cd`` can
# ("Cd": a code by text or call, even for a patient who has an authenticator app). ADR 0016.
SECOND_FACTOR_ASKED_SESSION_KEY = "second_factor_asked"
# The request (``next``) those two were asked for: a sign-in that goes anywhere else (the
# patient gave up on that service and signed in from the home page, say) asks for neither.
ASKED_FOR_SESSION_KEY = "sign_in_asked_for"


def asked_for(request, next_url: str | None) -> tuple[bool, str | None]:
    """What the connected service that sent the patient to this sign-in asked for: only a
    passkey (True), and ``"Ck"`` or ``"Cd"`` for the second step (or None). Nothing, unless
    this sign-in goes on to that service's request."""
    session = request.session
    if not next_url or session.get(ASKED_FOR_SESSION_KEY) != next_url:
        return False, None
    second_factor = session.get(SECOND_FACTOR_ASKED_SESSION_KEY)
    return bool(session.get(PASSKEY_ASKED_SESSION_KEY)), second_factor


def forget_asked(request) -> None:
    for key in (PASSKEY_ASKED_SESSION_KEY, SECOND_FACTOR_ASKED_SESSION_KEY, ASKED_FOR_SESSION_KEY):
        request.session.pop(key, None)


def require_sign_in(
    request,
    next_url: str,
    *,
    force: bool = False,
    passkey: bool = False,
    second_factor: str | None = None,
):
    """Send the patient to sign in, then on to ``next_url`` (a path on this site).

    ``force`` (OpenID Connect ``prompt=login``, or authentication weaker than a service needs)
    signs the current session out first and asks for the password *and* a security code again,
    even on a remembered browser. ``passkey``: only a passkey will do (``Cm``); the sign-in
    page says so (a passkey sign-in also ends a forced sign-in). ``second_factor``: ``"Ck"``
    (only an authenticator app's code will do) or ``"Cd"`` (only a code by text or call).
    """
    from django.contrib.auth import logout
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    if force:
        logout(request)
        request.session[FORCE_CODE_SESSION_KEY] = True
    forget_asked(request)
    if passkey:
        request.session[PASSKEY_ASKED_SESSION_KEY] = True
    if second_factor in (SHARED_KEY, DEVICE):
        request.session[SECOND_FACTOR_ASKED_SESSION_KEY] = second_factor
    if passkey or second_factor in (SHARED_KEY, DEVICE):
        request.session[ASKED_FOR_SESSION_KEY] = next_url
    return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}")
