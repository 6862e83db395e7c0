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

Two steps may wait for the note (ADR 0016): ``CODE`` (the security code by text or call) and
``APP`` (the code from an authenticator app). Each has its own cookie, sent only to its own
page, its own session key and its own Fernet purpose, so a note made for one step is refused
by the other; "Text me a code instead" moves the note from the app's step to the code's.
"""

import json
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.urls import reverse

from accounts.models import CODE_LIFETIME
from core import crypto


@dataclass(frozen=True)
class Step:
    cookie: str
    session_key: str
    purpose: str  # a Fernet token made for anything else is refused
    page: str  # the URL name of the page (and the cookie's path)


CODE = Step("nhslogin_sign_in", "pending_sign_in", "pending sign-in", "accounts:security_code")
APP = Step(
    "nhslogin_sign_in_app",
    "pending_sign_in_app",
    "pending sign-in: authenticator app",
    "accounts:authenticator_app_sign_in",
)
COOKIE_NAME = CODE.cookie
SESSION_KEY = CODE.session_key
PURPOSE = CODE.purpose
# As long as the code it waits for: a copied note is of no use once that code has expired.
LIFETIME = int(CODE_LIFETIME.total_seconds())
_LARGEST_COOKIE = 3000  # bytes: browsers keep 4096 per cookie, name and attributes included


def _path(step: Step = CODE) -> str:
    # Sent only to the step's page and the forms under it ("send a new code", say).
    return reverse(step.page)


def read(request, step: Step = CODE) -> dict | None:
    """The pending sign-in this browser holds for ``step``, or None."""
    token = request.COOKIES.get(step.cookie)
    if token:
        try:
            data = json.loads(crypto.fernet().decrypt(token.encode(), ttl=LIFETIME))
        except (InvalidToken, ValueError):
            data = None
        if isinstance(data, dict) and data.get("purpose") == step.purpose and _whole(data):
            return data
    data = request.session.get(step.session_key)
    return data if isinstance(data, dict) and _whole(data) else None


def _whole(data: dict) -> bool:
    # A decoy (a wrong password from a watched address, ADR 0018) may name no login.
    return bool(data.get("user") or data.get("decoy"))


def keep(request, response, data: dict, step: Step = CODE) -> None:
    """Give the browser this pending sign-in for ``step`` (``data``: plain JSON values)."""
    data = {k: v for k, v in data.items() if k != "purpose"}
    token = crypto.encrypt(json.dumps({**data, "purpose": step.purpose}).encode()).decode()
    if len(token) > _LARGEST_COOKIE:
        request.session[step.session_key] = data
        _drop_cookie(request, response, step)
        return
    request.session.pop(step.session_key, None)  # no database or cache read without a session
    response.set_cookie(
        step.cookie,
        token,
        path=_path(step),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget(request, response, step: Step = CODE) -> None:
    """The sign-in is over (signed in, locked, or the login is gone), or has moved on from
    ``step``."""
    request.session.pop(step.session_key, None)
    _drop_cookie(request, response, step)


def _drop_cookie(request, response, step: Step = CODE) -> None:
    if step.cookie in request.COOKIES:
        response.delete_cookie(step.cookie, path=_path(step), samesite="Lax")
