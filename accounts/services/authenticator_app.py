"""An authenticator app: setting one up, removing it, and signing in with its code (the ``Ck``
component, a shared key; ADR 0016).

The app and this service share a secret; both turn the time into a 6-digit code with it
(TOTP, RFC 6238). ``AuthenticatorApp`` keeps the secret (encrypted at rest) and checks the
codes as django-otp's ``TOTPDevice`` does: the tolerance of one 30-second step either way, the
clock drift, and ``last_t``, the step of the last code used, so that no code (and no older
one) is accepted twice. It is not the admin's TOTP device, which staff keep apart. A login has
at most one confirmed app. While it is being set up, the new secret waits in an unconfirmed
row, never in a URL or a form.
"""

import base64
from dataclasses import dataclass
from datetime import timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts import events, messages
from accounts.authentication import signed_in_freshly_with_password_and_code
from accounts.models import AuthenticatorApp, User
from accounts.services import limits
from accounts.services.sign_in import decoy_code_tried
from core import audit, notifications

NAME = "Authenticator app"
# An unconfirmed secret older than this is replaced by a new one when the page is shown again.
UNCONFIRMED_LIFETIME = timedelta(hours=1)


def app_for(user: User) -> AuthenticatorApp | None:
    """The patient's confirmed authenticator app, or None."""
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).order_by("-id").first()


def app_id_for(user: User) -> int | None:
    """The id of the patient's confirmed app; read with the login at the password step
    (``statements.login_with_its_app``) when it was loaded there."""
    if hasattr(user, "authenticator_app_id"):
        return user.authenticator_app_id
    app = app_for(user)
    return app.pk if app is not None else None


def has_app(user: User) -> bool:
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()


def may_set_up(request) -> bool:
    """Setting up an app needs the password and a security code this session (not a
    remembered browser), within ``PASSKEY_FRESH_SIGN_IN``: the app becomes a second step of
    sign-in, so adding one must cost at least that sign-in (the rule for passkeys, ADR 0015)."""
    return signed_in_freshly_with_password_and_code(request, settings.PASSKEY_FRESH_SIGN_IN)


def waiting_app(user: User) -> AuthenticatorApp | None:
    """The secret being set up for this login, if it was made less than
    ``UNCONFIRMED_LIFETIME`` ago."""
    cutoff = timezone.now() - UNCONFIRMED_LIFETIME
    waiting = AuthenticatorApp.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if waiting is not None and waiting.created_at and waiting.created_at >= cutoff:
        waiting.user = user
        return waiting
    return None


def unconfirmed_app(user: User) -> AuthenticatorApp:
    """The secret being set up for this login: the one waiting already if it is recent, so
    that showing the page again shows the same QR code, or a new one."""
    waiting = waiting_app(user)
    if waiting is not None:
        return waiting
    AuthenticatorApp.objects.filter(user=user, confirmed=False).delete()
    return AuthenticatorApp.objects.create(user=user, name=NAME, confirmed=False)


def confirm_waiting_app(request, user: User, code: str) -> str:
    """The first code from the app being set up. Returns "ok" (set up), "wrong", "wait"
    (too soon after a wrong code), "too_many" (too many wrong codes from this address, the
    limit other confirmation codes share) or "expired" (the secret shown is over
    ``UNCONFIRMED_LIFETIME`` old: the page shows a new one)."""
    address = limits.address_key(request)
    if limits.CODE_TRIES_PER_ADDRESS.exceeded(address):
        return "too_many"
    device = waiting_app(user)
    if device is None:
        return "expired"
    result = confirm_app(request, user, device.pk, code)
    if result == "gone":
        return "expired"
    if result == "wrong":
        limits.CODE_TRIES_PER_ADDRESS.hit(address)
    return result


def secret_for_typing(device: AuthenticatorApp) -> str:
    """The secret in base 32 (what apps ask for), in groups of 4 characters."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_uri(device: AuthenticatorApp) -> str:
    """The ``otpauth://`` URI an app reads from the QR code: issuer "NHS login"
    (``OTP_TOTP_ISSUER``), account the email address."""
    return device.config_url


def qr_code_svg(device: AuthenticatorApp) -> SafeString:
    """The setup URI as a QR code, an inline SVG made here (no request to anyone else)."""
    code = segno.make(setup_uri(device), error="m")
    svg = code.svg_inline(scale=5, border=4, dark="#212b32", light="#ffffff", omitsize=False)
    return mark_safe(svg)  # noqa: S308 - segno's own SVG, made from our URI


@dataclass(frozen=True)
class AppCheck:
    outcome: str  # "ok", "wrong", "wait" (too soon after a wrong code), "locked" or "gone"
    user: User | None = None
    device: AuthenticatorApp | None = None
    lock: limits.Lock | None = None


def _verify(device: AuthenticatorApp, code: str) -> str:
    allowed, _why = device.verify_is_allowed()
    if not allowed:
        return "wait"
    return "ok" if device.verify_code(code) else "wrong"


@transaction.atomic
def confirm_app(request, user: User, device_id: int, code: str) -> str:
    """Check the first code from the app being set up; when it is right, the app is the
    login's one app (any other is removed), the owner is told and an audit event written.
    Returns "ok", "wrong", "wait" or "gone" (nothing waiting to be set up)."""
    device = (
        AuthenticatorApp.objects.select_for_update()
        .filter(user=user, pk=device_id, confirmed=False)
        .first()
    )
    if device is None:
        return "gone"
    result = _verify(device, code)
    if result != "ok":
        return result
    replaced = AuthenticatorApp.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    had_one = replaced.exists()
    replaced.delete()
    device.confirmed = True
    device.name = NAME
    device.save(update_fields=["confirmed", "name"])
    audit.record(events.AUTHENTICATOR_APP_ADDED, request=request, user=user, replaced=had_one)
    _tell_owner(messages.AUTHENTICATOR_APP_WAS_ADDED, user)
    return "ok"


@transaction.atomic
def remove_app(request, user: User) -> bool:
    """Remove the patient's authenticator app; False if they have none."""
    removed, _per_model = AuthenticatorApp.objects.filter(user=user).delete()
    if not removed:
        return False
    audit.record(events.AUTHENTICATOR_APP_REMOVED, request=request, user=user)
    _tell_owner(messages.AUTHENTICATOR_APP_WAS_REMOVED, user)
    return True


def _tell_owner(message, user: User) -> None:
    """Email the login's owner when an app is added or removed: an app they did not set up
    would let someone who has their password sign in."""
    notifications.send(
        message.name,
        user.email,
        {
            "app_url": limits.absolute_url("accounts:authenticator_app"),
            "reset_url": limits.absolute_url("accounts:password_forgotten"),
        },
        user=user,
    )


def check_sign_in_code(
    request,
    *,
    user_id: int | None,
    account: str,
    device_id: int | None,
    code: str,
    decoy: bool = False,
) -> AppCheck:
    """Check a code from the authenticator app ``device_id`` at sign-in, for the login
    ``user_id`` (``account``: its ``limits.account_key``), after the right password.

    A wrong code, or one used already, counts towards the same lockout as a wrong text
    code; a locked login is refused before the code is looked at. ``decoy``: the app step
    after an unconfirmed password from a watched address (ADR 0018): every code is wrong."""
    lock = limits.sign_in_lock(request, account=account)
    if lock.locked:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        audit.record(events.SIGN_IN_BLOCKED, request=request, user=user, method="app")
        return AppCheck("locked", lock=lock)
    if decoy:
        tried = decoy_code_tried(request, user_id=user_id, account=account)
        return AppCheck(tried.outcome, user=tried.user)
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return AppCheck("gone")
        device = (
            AuthenticatorApp.objects.select_for_update()
            .filter(user=user, pk=device_id, confirmed=True)
            .first()
        )
        if device is None:  # removed since the password was given
            return AppCheck("gone", user=user)
        result = _verify(device, code)
    if result == "ok":
        return AppCheck("ok", user=user, device=device, lock=lock)
    if result == "wait":
        return AppCheck("wait", user=user)
    audit.record(events.SECURITY_CODE_FAILED, request=request, user=user, method="app")
    if limits.record_sign_in_failure(request, user.email, user, reason="app code").locked:
        return AppCheck("locked", user=user)
    return AppCheck("wrong", user=user)
