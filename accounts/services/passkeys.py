"""Passkeys: adding, removing and signing in with one (the ``Cm`` component; ADR 0015).

django-otp-webauthn keeps the credentials (``WebAuthnCredential``, a django-otp device) and
verifies the ceremonies through its helper. We do not mount its views: its sign-in view calls
``login()`` without our sign-in bookkeeping (lockout, ``record_authentication``, the audit
event, the forced sign-in flag), so these functions drive the same helper and finish through
``accounts.services.sign_in.complete_sign_in``.
"""

import secrets
from dataclasses import dataclass
from logging import getLogger

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.settings import app_settings as webauthn_settings
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers import exceptions as pywebauthn_errors
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts import events, messages
from accounts.authentication import signed_in_freshly_with_password_and_code
from accounts.models import User
from accounts.services import limits
from accounts.services.browsers import describe
from accounts.services.sign_in import complete_sign_in
from core import audit, notifications
from core.ratelimit import Limit

logger = getLogger(__name__)

# What parsing a browser's answer raises when it is not a passkey assertion at all.
_MALFORMED = (
    pywebauthn_errors.InvalidJSONStructure,
    pywebauthn_errors.InvalidAuthenticationResponse,
    TypeError,
    ValueError,
    KeyError,
)
REGISTRATION_STATE = "passkey_registration"
# A sign-in's challenge waits in the shared cache (Redis in production), not in a session: a
# signed-out visitor who only asks for one writes no session row. The browser holds the
# random handle to it in this cookie, sent only to the passkey sign-in endpoints.
SIGN_IN_COOKIE = "nhslogin_passkey"
# Challenges asked for from one address in 15 minutes: each waits in the cache until used or
# expired, so a flood of them is refused rather than kept.
SIGN_IN_BEGINS_PER_ADDRESS = Limit("passkey-sign-in-begins-address", 60, 15 * 60)


class PasskeyHelper(WebAuthnHelper):
    """The library's helper (``OTP_WEBAUTHN_HELPER_CLASS``), asking every ceremony for user
    verification (a PIN, fingerprint or face on the device): a passkey is then a whole sign-in
    by itself, something the patient has and something they are or know. A passkey must be
    discoverable, so the patient can sign in without typing their email address."""

    def get_generate_registration_options_kwargs(self, *, user) -> dict:
        options = super().get_generate_registration_options_kwargs(user=user)
        options["authenticator_selection"] = AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.REQUIRED,
            resident_key=ResidentKeyRequirement.REQUIRED,
        )
        return options

    def get_generate_authentication_options_kwargs(self, *, user=None, **_ignored) -> dict:
        return super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=True
        )

    def get_credential_display_name(self, user) -> str:
        return user.email

    def get_credential_name(self, user) -> str:
        return user.email


def _helper(request) -> PasskeyHelper:
    return WebAuthnCredential.get_webauthn_helper(request=request)


def passkeys_for(user: User):
    """The patient's passkeys, newest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at")


def may_add_passkey(request) -> bool:
    """Adding a passkey needs the password and a security code (not a remembered browser)
    this session, within ``PASSKEY_FRESH_SIGN_IN``: a passkey is a whole sign-in, so making one
    must take at least as much as the sign-in it replaces."""
    return signed_in_freshly_with_password_and_code(request, settings.PASSKEY_FRESH_SIGN_IN)


class PasskeyRefused(Exception):
    """A ceremony that cannot go on; ``message`` is for the patient."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def begin_registration(request) -> dict:
    """The options for ``navigator.credentials.create()``; the challenge is kept in the session."""
    if not may_add_passkey(request):
        raise PasskeyRefused("Sign in again with your password and a security code", 403)
    options, state = _helper(request).register_begin(user=request.user)
    request.session[REGISTRATION_STATE] = state
    return options


def complete_registration(request, data: dict) -> WebAuthnCredential:
    """Check the new credential against the challenge and keep it as a passkey."""
    state = request.session.pop(REGISTRATION_STATE, None)
    request.session.save()  # a challenge is used once, even if what follows fails
    if not may_add_passkey(request):
        raise PasskeyRefused("Sign in again with your password and a security code", 403)
    if not state or not state.get("require_user_verification"):
        raise PasskeyRefused("Start again: press the button to add a passkey")
    try:
        with rewrite_exceptions(logger=logger), transaction.atomic():
            credential = _helper(request).register_complete(
                user=request.user, state=state, data=data
            )
            credential.name = describe(request.META.get("HTTP_USER_AGENT", ""))[:64]
            credential.save(update_fields=["name"])
    except webauthn_errors.OTPWebAuthnApiError as error:
        raise PasskeyRefused("This passkey could not be added. Try again") from error
    audit.record(events.PASSKEY_ADDED, request=request, user=request.user, passkey=credential.pk)
    _tell_owner(messages.PASSKEY_WAS_ADDED, request.user, credential.name)
    return credential


def _tell_owner(message, user: User, passkey_name: str) -> None:
    """Email the login's owner about a change to their passkeys: a passkey is a whole sign-in,
    so one they did not add is as serious as a changed password."""
    notifications.send(
        message.name,
        user.email,
        {
            "passkey_name": passkey_name or "a passkey",
            "passkeys_url": limits.absolute_url("accounts:passkeys"),
            "reset_url": limits.absolute_url("accounts:password_forgotten"),
        },
        user=user,
    )


@transaction.atomic
def remove_passkey(request, user: User, passkey_id: int) -> bool:
    """Remove one of the patient's passkeys; False if it is not theirs (or gone already)."""
    credential = (
        WebAuthnCredential.objects.select_for_update().filter(user=user, pk=passkey_id).first()
    )
    if credential is None:
        return False
    credential.delete()
    audit.record(events.PASSKEY_REMOVED, request=request, user=user, passkey=passkey_id)
    _tell_owner(messages.PASSKEY_WAS_REMOVED, user, credential.name)
    return True


def _sign_in_challenge_key(handle: str) -> str:
    return f"passkey-sign-in:{handle}"


def sign_in_challenge_lifetime() -> int:
    """Seconds a sign-in challenge waits: the browser's own timeout for the ceremony and a
    minute for the answer to arrive."""
    return webauthn_settings.OTP_WEBAUTHN_TIMEOUT_SECONDS + 60


def begin_sign_in(request) -> tuple[dict, str]:
    """The options for ``navigator.credentials.get()`` (any of this site's passkeys, with user
    verification) and the handle the browser keeps (``SIGN_IN_COOKIE``) to the challenge,
    which waits in the cache. Raises ``PasskeyRefused`` (429) when this address has asked for
    too many."""
    address = limits.address_key(request)
    if SIGN_IN_BEGINS_PER_ADDRESS.hit(address) > SIGN_IN_BEGINS_PER_ADDRESS.attempts:
        raise PasskeyRefused("You have tried too many times. Wait 15 minutes, then try again", 429)
    options, state = _helper(request).authenticate_begin(user=None)
    handle = secrets.token_urlsafe(24)
    cache.set(_sign_in_challenge_key(handle), state, timeout=sign_in_challenge_lifetime())
    return options, handle


def _take_sign_in_challenge(request) -> dict | None:
    """The challenge this browser's handle points to, taken so that it is used once: of two
    requests racing with one handle, only the one whose delete removed it goes on."""
    handle = request.COOKIES.get(SIGN_IN_COOKIE, "")
    if not handle or len(handle) > 64:
        return None
    key = _sign_in_challenge_key(handle)
    state = cache.get(key)
    if not isinstance(state, dict) or not cache.delete(key):
        return None
    return state


@dataclass(frozen=True)
class PasskeySignIn:
    outcome: str  # "ok", "refused" or "locked"
    user: User | None = None
    minutes: int = 0


def sign_in_with_passkey(request, data: dict) -> PasskeySignIn:
    """Check a passkey assertion and, if it is right, sign the patient in with ``Cm``.

    Refused: no challenge, a passkey we do not know (removed, say), a wrong signature, no user
    verification, a login that is inactive or not finished. A locked sign-in (too many wrong
    passwords or codes for this login or from this address) is refused too, but only once the
    passkey has been checked: whoever merely knows a passkey's id (it is not a secret) learns
    nothing about the login from the answer. A failed passkey is not counted towards the
    lock: it cannot be guessed."""
    state = _take_sign_in_challenge(request)
    if not state or not state.get("require_user_verification"):
        return PasskeySignIn("refused")
    try:
        raw_id = parse_authentication_credential_json(data).raw_id
    except _MALFORMED:
        return PasskeySignIn("refused")
    owner = (
        WebAuthnCredential.objects.filter(
            credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(raw_id)
        )
        .select_related("user")
        .first()
    )
    if owner is None:
        return PasskeySignIn("refused")
    try:
        with rewrite_exceptions(logger=logger):
            credential = _helper(request).authenticate_complete(user=None, state=state, data=data)
    except webauthn_errors.OTPWebAuthnApiError:
        audit.record(events.PASSKEY_FAILED, request=request, user=owner.user)
        return PasskeySignIn("refused", user=owner.user)
    user = credential.user
    if not (credential.confirmed and user.is_active and user.is_p0_complete):
        return PasskeySignIn("refused", user=user)
    lock = limits.sign_in_lock(request, user.email)
    if lock.locked:
        audit.record(events.SIGN_IN_BLOCKED, request=request, user=user, method="passkey")
        return PasskeySignIn("locked", user=user, minutes=lock.minutes)
    complete_sign_in(request, user, passkey=credential, lock=lock)
    return PasskeySignIn("ok", user=user)
