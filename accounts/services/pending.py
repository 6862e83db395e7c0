"""A sign-in between a right password and a right code, held by the browser (ADR 0012).

After the password, the service used to write a session row (and a cache entry) only to
remember "this browser gave the right password for login N; the code went to its phone", then
read it back on the code page and delete it when the code was right. The browser now holds
that note itself, encrypted and authenticated with the service's Fernet keys (``core.crypto``):
it cannot read it, change it or make one, and the service refuses it after
``LIFETIME`` (a security code's 15 minutes; "send a new code" renews it). Nothing in it is
needed by anyone else:
the login's database id, its phone device's id, the keyed hash the lock counters use, the kind
of phone and its last 3 digits (shown on the code page), and where to go afterwards.

What it does not change (see the ADR for the threat analysis): the code is still single use,
checked against the device row; wrong codes still count towards the account and address locks
in Redis; a successful code still signs in with a new session key (``login()``), so a planted
note cannot fix a session; and the note is dropped from the browser when the code is right.

A note too large for a cookie (a very long ``next``) stays in the session, as before.
"""

import json

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.urls import reverse

from accounts.models import CODE_LIFETIME
from core import crypto

COOKIE_NAME = "nhslogin_sign_in"
SESSION_KEY = "pending_sign_in"
PURPOSE = "pending sign-in"  # a Fernet token made for anything else is refused
# As long as the code it waits for: a copied note is of no use once that code has expired.
LIFETIME = int(CODE_LIFETIME.total_seconds())
_LARGEST_COOKIE = 3000  # bytes: browsers keep 4096 per cookie, name and attributes included


def _path() -> str:
    # Sent only to the code page and its "send a new code" form.
    return reverse("accounts:security_code")


def read(request) -> dict | None:
    """The pending sign-in this browser holds, or None."""
    token = request.COOKIES.get(COOKIE_NAME)
    if token:
        try:
            data = json.loads(crypto.fernet().decrypt(token.encode(), ttl=LIFETIME))
        except (InvalidToken, ValueError):
            data = None
        if isinstance(data, dict) and data.get("purpose") == PURPOSE and data.get("user"):
            return data
    data = request.session.get(SESSION_KEY)
    return data if isinstance(data, dict) and data.get("user") else None


def keep(request, response, data: dict) -> None:
    """Give the browser this pending sign-in (``data``: plain JSON values)."""
    token = crypto.encrypt(json.dumps({**data, "purpose": PURPOSE}).encode()).decode()
    if len(token) > _LARGEST_COOKIE:
        request.session[SESSION_KEY] = data
        _drop_cookie(request, response)
        return
    request.session.pop(SESSION_KEY, None)  # no database or cache read without a session
    response.set_cookie(
        COOKIE_NAME,
        token,
        path=_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget(request, response) -> None:
    """The sign-in is over (signed in, locked, or the login is gone)."""
    request.session.pop(SESSION_KEY, None)
    _drop_cookie(request, response)


def _drop_cookie(request, response) -> None:
    if COOKIE_NAME in request.COOKIES:
        response.delete_cookie(COOKIE_NAME, path=_path(), samesite="Lax")
