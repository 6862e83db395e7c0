"""Signing in: password, then a security code to the phone (or a remembered browser); the
completion is shared with a passkey sign-in (``accounts.services.passkeys``)."""

from dataclasses import dataclass

from django.contrib.auth import login
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login

from accounts import events, statements
from accounts.authentication import (
    DEVICE,
    FORCE_CODE_SESSION_KEY,
    KEY,
    PASSWORD,
    SHARED_KEY,
    forget_asked,
    record_authentication,
)
from accounts.models import PhoneDevice, RememberedBrowser, User
from accounts.services import limits
from accounts.services.codes import send_new_phone_code, send_phone_code
from core import audit

BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class PasswordCheck:
    # "ok", "wrong", "locked", or "unconfirmed": wrong (or locked by this try), but from a
    # watched address, where the answer must look like the right password's (ADR 0018).
    outcome: str
    user: User | None = None  # the login signed in to ("ok"), or the address's owner if any
    minutes: int = 0
    lock: limits.Lock | None = None  # as read before the password was checked


@dataclass(frozen=True)
class CodeCheck:
    outcome: str  # "ok", "wrong", "expired", "void", "locked" or "gone" (login deactivated)
    user: User | None = None
    device: PhoneDevice | None = None
    lock: limits.Lock | None = None
    audited: bool = False  # the "signed in" audit event is written already


def check_password(request, *, email: str, password: str) -> PasswordCheck:
    """Check an email address and password, counting failures towards a lockout.

    An unknown email address costs the same password hash as a known one (Django's
    ModelBackend hashes anyway), and is counted and locked the same way. A password hashed
    with older parameters is upgraded here, when it is known to be right (Django's behaviour).

    From a watched address (``limits``: too many wrong tries from there) a wrong password is
    "unconfirmed": the patient is shown the code step as for a right one, and no code comes,
    so guessing from that address learns nothing; a right password is never refused because
    of other people's wrong tries (ADR 0018). A locked account is refused from anywhere.
    """
    email = User.objects.normalize_email(email)
    lock = limits.sign_in_lock(request, email)
    if lock.locked:
        owner = User.objects.filter(email=email).first()
        audit.record(events.SIGN_IN_BLOCKED, request=request, user=owner)
        return PasswordCheck("locked", minutes=lock.minutes)
    user = _authenticate(email, password)
    if user is None:
        owner = User.objects.filter(email=email).first()
        audit.record(events.SIGN_IN_FAILED, request=request, user=owner)
        failed = limits.record_sign_in_failure(request, email, owner, reason="password")
        if lock.watched or failed.watched:
            return PasswordCheck("unconfirmed", user=owner, lock=failed)
        if failed.locked:
            return PasswordCheck("locked", minutes=failed.minutes)
        return PasswordCheck("wrong")
    return PasswordCheck("ok", user=user, lock=lock)


def check_current_password(request, user: User, password: str) -> PasswordCheck:
    """Ask a signed-in patient for their password again, before something a stolen session
    must not be enough for (downloading their data, deleting their login).

    A wrong password counts towards the same lockout as at sign-in (``limits``), so a
    session cannot be used to guess it; while sign-in is locked for the patient's email
    address the right password is refused too.
    """
    lock = limits.sign_in_lock(request, user.email)
    if lock.locked:
        return PasswordCheck("locked", minutes=lock.minutes)
    if not user.check_password(password):
        audit.record(events.PASSWORD_CHECK_FAILED, request=request, user=user)
        lock = limits.record_sign_in_failure(request, user.email, user, reason="password check")
        return PasswordCheck("locked" if lock.locked else "wrong", minutes=lock.minutes)
    limits.clear_sign_in_failures(user.email, lock)
    return PasswordCheck("ok", user=user, lock=lock)


def _authenticate(email: str, password: str) -> User | None:
    """Django's ``ModelBackend.authenticate`` (the only backend in AUTHENTICATION_BACKENDS,
    so ``authenticate()`` too hashes a wrong password once), with the login read by one
    hand-written query rather than the ORM's query building
    (``statements.login_with_its_app``). As there: an unknown address still costs one
    Argon2id hash, an inactive login is refused, and an older hash is upgraded when the
    password is right (``check_password``'s setter)."""
    user = statements.login_with_its_app(email)
    if user is None:
        User().set_password(password)
        return None
    if user.check_password(password) and ModelBackend().user_can_authenticate(user):
        return user
    return None


def phone_device(user: User) -> PhoneDevice | None:
    """The patient's confirmed phone device. A login whose phone was confirmed before phone
    devices existed (or was made by a factory or an import) gets one from its phone number."""
    device = PhoneDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        device.user = user  # the code message names its user: no second query for it
    if device is None and user.phone_verified and user.phone_number:
        device = PhoneDevice.objects.create(
            user=user,
            name=f"{user.phone_kind or 'mobile'} phone",
            number=user.phone_number,
            kind=user.phone_kind or User.PhoneKind.MOBILE,
            confirmed=True,
        )
    return device


def send_sign_in_code(user: User) -> PhoneDevice | None:
    """Send a security code to the patient's confirmed phone."""
    device = send_new_phone_code(user)  # one statement in the common case
    if device is not None:
        return device
    device = phone_device(user)
    if device is not None:
        send_phone_code(device)
    return device


def check_sign_in_code(
    request,
    *,
    user_id: int | None,
    account: str,
    code: str,
    device_id: int | None = None,
    decoy: bool = False,
) -> CodeCheck:
    """Check a sign-in security code for the login ``user_id`` (``account``: its
    ``limits.account_key``), sent to the phone device ``device_id``.

    A right code is the common case and costs one statement:
    the code is used up by a conditional UPDATE, which feeds the UPDATE that sets the login's
    ``last_login`` and returns it (``statements.sign_in_with_code``).
    Anything else goes to ``_check_code_slowly``, which says why under a row lock and counts
    the wrong try.

    ``decoy``: the code step after an unconfirmed (wrong) password from a watched address
    (ADR 0018). No code was sent and none is right; each try answers and counts as a wrong
    code does.
    """
    lock = limits.sign_in_lock(request, account=account)
    if lock.locked:
        user = User.objects.filter(pk=user_id).first() if user_id else None
        audit.record(events.SIGN_IN_BLOCKED, request=request, user=user)
        return CodeCheck("locked", lock=lock)
    if decoy:
        return decoy_code_tried(request, user_id=user_id, account=account)
    user = None
    if device_id is not None:
        # The sign-in's audit event, written by the same statement as the sign-in itself.
        event = audit.prepare(events.SIGNED_IN, request=request, second_factor="security code")
        event.user_id = event.actor_id = user_id
        user = statements.sign_in_with_code(device_id, user_id, code, event)
    if user is not None:
        # The device as far as this request needs it (django-otp keeps its id in the session).
        device = PhoneDevice(pk=device_id, user=user, confirmed=True)
        return CodeCheck("ok", user=user, device=device, lock=lock, audited=True)
    return _check_code_slowly(request, user_id, code, lock)


@transaction.atomic
def _check_code_slowly(request, user_id: int, code: str, lock: limits.Lock) -> CodeCheck:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return CodeCheck("gone")
    device = PhoneDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return CodeCheck("void", user=user)
    result = device.check_code(code)
    if result == "ok":
        return CodeCheck("ok", user=user, device=device, lock=lock)
    audit.record(events.SECURITY_CODE_FAILED, request=request, user=user, outcome=result)
    if limits.record_sign_in_failure(request, user.email, user, reason="security code").locked:
        return CodeCheck("locked", user=user)
    return CodeCheck(result, user=user)


def decoy_code_tried(request, *, user_id: int | None, account: str) -> CodeCheck:
    """A code entered at the code step of an unconfirmed password (ADR 0018): wrong, and
    counted towards the account's lockout as a wrong code is, so the decoy cannot be told
    from the real step by how it answers or when it locks. ``user_id``: the owner of the
    email address typed, if there is one (told by email if the lock comes)."""
    owner = User.objects.filter(pk=user_id).first() if user_id else None
    if limits.record_sign_in_failure(
        request, None, owner, reason="security code", account=account
    ).locked:
        return CodeCheck("locked", user=owner)
    return CodeCheck("wrong", user=owner)


def record_last_login(user: User) -> None:
    """Set the login's ``last_login`` to now (what "when you last signed in" shows), with an
    UPDATE of that column alone."""
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)


def complete_sign_in(
    request,
    user: User,
    *,
    device: PhoneDevice | None = None,
    remembered_browser: RememberedBrowser | None = None,
    passkey=None,
    app=None,
    lock: limits.Lock | None = None,
    audited: bool = False,
):
    """Sign the patient in after a password and either a code to ``device`` or a remembered
    browser, or after a ``passkey`` (a ``WebAuthnCredential``, used with user verification:
    ``Cm`` alone, ADR 0015), or after a password and a code from the authenticator ``app``
    (an ``AuthenticatorApp``: ``Cp`` and ``Ck``, ADR 0016). The device, passkey or app is also
    recorded for django-otp (``request.user.is_verified()``).
    ``lock``: what ``limits.sign_in_lock`` read in this request (saves a cache round trip).
    ``audited``: the "signed in" audit event and ``last_login`` were written with the
    sign-in itself (``statements.sign_in_with_code``).

    ``last_login`` is set here, not by Django's ``update_last_login`` receiver (disconnected
    in ``AccountsConfig.ready``): only a patient's sign-in records it."""
    login(request, user, backend=BACKEND)
    if not audited:
        record_last_login(user)
    if device is not None or passkey is not None or app is not None:
        otp_login(request, passkey or app or device)
    if passkey is not None:
        record_authentication(request, {KEY})
    elif app is not None:
        record_authentication(request, {PASSWORD, SHARED_KEY})
    else:
        record_authentication(
            request, {PASSWORD, DEVICE}, remembered_browser=remembered_browser is not None
        )
    request.session.pop(FORCE_CODE_SESSION_KEY, None)
    forget_asked(request)
    limits.clear_sign_in_failures(user.email, lock)
    if audited:  # by the statement that signed in (check_sign_in_code)
        return
    if passkey is not None:
        audit.record(events.SIGNED_IN_WITH_PASSKEY, request=request, user=user, passkey=passkey.pk)
        return
    if app is not None:
        audit.record(events.SIGNED_IN_WITH_APP, request=request, user=user)
        return
    audit.record(
        events.SIGNED_IN,
        request=request,
        user=user,
        second_factor="remembered browser" if remembered_browser else "security code",
    )
