"""Staff signing in to Django admin: email address, password, and a second factor of
django-otp's (an authenticator app, a backup code, or a code by text or call), all on one
page (issue 14 finding 4, issue 16; ADR 0018).

The same limits as patients: wrong tries count towards the account's lockout
(``limits.SIGN_IN_LOCKOUT_ATTEMPTS``) and the address's watch, and a locked account is refused
even with everything right. Every failure (unknown email address, wrong password, missing or
wrong code, a login that is not staff, a lock) gets one answer, so the page never tells a
right password from a wrong one.
"""

from dataclasses import dataclass

from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import events
from accounts.models import BackupCodes, PhoneDevice, User
from accounts.services import limits
from accounts.services.codes import may_send_again
from accounts.services.sign_in import BACKEND, check_password
from core import audit

# What staff choose from on the page (they cannot see their devices before the password).
METHODS = {
    "app": ("Authenticator app", TOTPDevice),
    "backup": ("Backup code", BackupCodes),  # kept hashed (ADR 0060)
    "phone": ("Code by text message or phone call", PhoneDevice),
}


@dataclass(frozen=True)
class StaffCheck:
    outcome: str  # "ok", "refused" (any failure, one answer) or "code sent" (or would be)
    user: User | None = None
    device: Device | None = None


def check_staff_sign_in(
    request, *, email: str, password: str, method: str, code: str
) -> StaffCheck:
    """Check staff's email address, password and the code from the second factor ``method``
    (a key of ``METHODS``, or a django-otp persistent device id of their own).

    Returns "ok" with the user and the device that checked the code (django-otp records it
    when ``user.otp_device`` is set at ``login()``), or "refused". Writes the audit events
    and counts every failure, as the patient sign-in does."""
    checked = check_password(request, email=email, password=password)
    if checked.outcome != "ok":  # counted and audited by check_password
        return StaffCheck("refused")
    user = checked.user
    if not (user.is_active and user.is_staff):
        return _refused(request, user, "not staff")
    device = _device(user, method)
    if device is None or not code:
        return _refused(request, user, "no code")
    allowed, _why = device.verify_is_allowed()  # django-otp's own slowing after wrong codes
    if not allowed or not device.verify_token(code.strip()):
        return _refused(request, user, "wrong code")
    limits.clear_sign_in_failures(user.email, checked.lock)
    audit.record(
        events.SIGNED_IN_TO_ADMIN, request=request, user=user, actor=user, second_factor=method
    )
    user.backend = BACKEND  # as ``authenticate()`` marks the user it found, for ``login()``
    return StaffCheck("ok", user=user, device=device)


def send_staff_code(request, *, email: str, password: str) -> StaffCheck:
    """ "Text or call me a code": send a code to staff's phone if the email address and
    password are right and the login may use admin. The answer is "code sent" either way (a
    wrong password is counted and audited, as at sign-in), so the button cannot be used to
    test passwords."""
    checked = check_password(request, email=email, password=password)
    user = checked.user if checked.outcome == "ok" else None
    if user is not None and user.is_active and user.is_staff:
        device = _device(user, "phone")
        if device is not None and may_send_again(f"sign-in-code:{user.pk}"):
            device.generate_challenge()
    return StaffCheck("code sent")


def _device(user: User, method: str) -> Device | None:
    """The user's confirmed device for ``method``. A persistent id (``otp_static.staticdevice/3``,
    what django-otp's own form posts) must name one of the user's own devices."""
    kind = METHODS.get(method, (None, None))[1]
    for device in devices_for_user(user, confirmed=True):
        if kind is not None and isinstance(device, kind):
            return device
        if kind is None and device.persistent_id == method:
            return device
    return None


def _refused(request, user: User, reason: str) -> StaffCheck:
    audit.record(events.SECURITY_CODE_FAILED, request=request, user=user, method="admin")
    limits.record_sign_in_failure(request, user.email, user, reason=f"admin {reason}")
    return StaffCheck("refused")
