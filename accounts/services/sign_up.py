"""Creating a login: email and password, the email code, then the phone and its code.

Sign-up never reveals whether an email address is already registered: with a taken address
the patient sees the same pages (the code they are asked for is a decoy that never matches)
and the owner of the address gets an email telling them someone tried.
"""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from accounts import events, messages
from accounts.models import EmailCode, PhoneDevice, User
from accounts.services.codes import send_email_code, send_phone_code
from accounts.services.limits import absolute_url
from core import audit, notifications


@transaction.atomic
def start_sign_up(request, *, email: str, password: str) -> EmailCode:
    """Email a code to confirm the address; or, if the address already has a login, tell its
    owner and return a decoy that no code matches.

    The login is created only when the right code comes back (``confirm_email``), so both
    paths here do the same work: one password hash, one code row, one email, one audit
    event. The response takes the same time whether or not the address is taken.
    """
    email = User.objects.normalize_email(email)
    password_hash = make_password(password)
    existing = User.objects.filter(email=email).first()
    email_code = EmailCode.objects.create(
        email=email,
        purpose=EmailCode.Purpose.SIGN_UP,
        decoy=existing is not None,
        password_hash=password_hash,
    )
    if existing is None:
        send_email_code(email_code)
        audit.record(events.SIGN_UP_STARTED, request=request, email_code=email_code.pk)
        return email_code
    email_code.new_code()  # the same write as a real code; the code itself is thrown away
    notifications.send(
        messages.ACCOUNT_ALREADY_EXISTS.name,
        existing.email,
        {
            "sign_in_url": absolute_url("accounts:sign_in"),
            "reset_url": absolute_url("accounts:password_forgotten"),
        },
        user=existing,
    )
    audit.record(events.SIGN_UP_WITH_EXISTING_EMAIL, request=request, user=existing)
    return email_code


def _create_login(request, email_code: EmailCode) -> User | None:
    """The sign-up email is confirmed: create the login. None if the address was taken
    in the meantime (by a sign-up confirmed a moment earlier)."""
    try:
        with transaction.atomic():
            user = User.objects.create(
                email=email_code.email,
                password=email_code.password_hash,
                email_verified=True,
                terms_accepted_at=email_code.created_at,
            )
    except IntegrityError:
        return None
    email_code.user = user
    email_code.password_hash = ""
    email_code.save(update_fields=["user", "password_hash"])
    audit.record(events.ACCOUNT_CREATED, request=request, user=user)
    return user


@transaction.atomic
def confirm_email(request, email_code: EmailCode, code: str) -> str:
    """Check the email code. Returns "ok", "wrong", "expired" or "void".

    On "ok" a sign-up creates the login with its email confirmed (or confirms the email of
    an older unfinished login), and a change of email takes effect.
    """
    email_code = EmailCode.objects.select_for_update().get(pk=email_code.pk)
    result = email_code.check_code(code)
    if result != "ok":
        audit.record(
            events.EMAIL_CODE_FAILED,
            request=request,
            user=email_code.user,
            outcome=result,
            purpose=email_code.purpose,
        )
        return result
    if email_code.purpose == EmailCode.Purpose.SIGN_UP:
        if email_code.user_id is None:
            user = _create_login(request, email_code)
            if user is None:
                return "void"
        else:
            user = email_code.user
            User.objects.filter(pk=user.pk).update(email_verified=True)
        audit.record(events.EMAIL_CONFIRMED, request=request, user=user)
    else:
        from accounts.services.changes import apply_email_change

        apply_email_change(request, email_code.user, email_code.email)
    return result


@transaction.atomic
def start_phone_confirmation(request, user: User, *, number: str, kind: str) -> PhoneDevice:
    """Make an unconfirmed phone device for this number and send it a code."""
    PhoneDevice.objects.filter(user=user, confirmed=False).delete()
    device = PhoneDevice.objects.create(
        user=user, name=f"{kind} phone", number=number, kind=kind, confirmed=False
    )
    send_phone_code(device)
    return device


@transaction.atomic
def confirm_phone(request, device: PhoneDevice, code: str) -> str:
    """Check the phone code. On "ok" this phone becomes the login's phone for security codes.

    The first confirmed phone completes the login: email and phone confirmed is P0.
    """
    device = PhoneDevice.objects.select_for_update().get(pk=device.pk)
    result = device.check_code(code)
    user = device.user
    if result != "ok":
        audit.record(events.PHONE_CODE_FAILED, request=request, user=user, outcome=result)
        return result
    first_phone = not user.phone_verified
    PhoneDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.phone_number, user.phone_kind, user.phone_verified = device.number, device.kind, True
    user.save(update_fields=["phone_number", "phone_kind", "phone_verified"])
    if first_phone:
        audit.record(events.PHONE_CONFIRMED, request=request, user=user, kind=device.kind)
    else:
        audit.record(events.PHONE_CHANGED, request=request, user=user, kind=device.kind)
        notifications.send(messages.PHONE_NUMBER_CHANGED.name, user.email, {}, user=user)
    return result
