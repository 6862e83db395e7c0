"""Changes a signed-in patient makes to their login, and resetting a forgotten password."""

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import events, messages, signals
from accounts.models import EmailCode, User
from accounts.services.browsers import forget_browsers, other_sessions
from accounts.services.codes import send_email_code
from accounts.services.limits import RESETS_PER_EMAIL, absolute_url, account_key
from accounts.sessions import end_sessions
from core import audit, notifications


@transaction.atomic
def start_email_change(request, user: User, new_email: str) -> EmailCode:
    """Send a code to the new address. If another login uses it, its owner is told someone
    tried to move their address to another login (with an event in their account activity)
    and the code asked for is a decoy, so this does not reveal who has an NHS login: the
    patient's page says the same either way (``views.account.confirm_new_email``)."""
    new_email = User.objects.normalize_email(new_email)
    EmailCode.objects.filter(user=user, purpose=EmailCode.Purpose.CHANGE).delete()
    taken_by = User.objects.filter(email=new_email).exclude(pk=user.pk).first()
    email_code = EmailCode.objects.create(
        user=user, email=new_email, purpose=EmailCode.Purpose.CHANGE, decoy=taken_by is not None
    )
    if taken_by is None:
        send_email_code(email_code)
    else:
        notifications.send(
            messages.EMAIL_ALREADY_USED_FOR_CHANGE.name,
            taken_by.email,
            {"sign_in_url": absolute_url("accounts:sign_in")},
            user=taken_by,
        )
        audit.record(events.EMAIL_CHANGE_TO_YOUR_ADDRESS, request=request, user=taken_by)
    return email_code


def apply_email_change(request, user: User, new_email: str) -> None:
    """The new address is confirmed: use it, and tell the old one. Called in a transaction."""
    old_email = user.email
    user.email = new_email
    user.email_verified = True
    user.save(update_fields=["email", "email_verified"])
    notifications.send(messages.EMAIL_ADDRESS_CHANGED.name, old_email, {}, user=user)
    audit.record(events.EMAIL_CHANGED, request=request, user=user)


def _forget_every_browser(request, user: User) -> dict:
    """A new password ends what the old one opened: every remembered browser is forgotten (the
    next sign-in anywhere needs a security code) and every other browser is signed out, as a
    patient who changes a password because someone knows it would want (ADR 0060). The
    counts go on the password event."""
    forgotten = forget_browsers(request, user, audited=False)
    signed_out = end_sessions(other_sessions(request, user))
    return {"browsers_forgotten": forgotten, "sessions_ended": signed_out}


def _tell_the_patient(user: User) -> None:
    notifications.send(
        messages.PASSWORD_WAS_CHANGED.name,
        user.email,
        {"reset_url": absolute_url("accounts:password_forgotten")},
        user=user,
    )


@transaction.atomic
def change_password(request, user: User, new_password: str) -> None:
    """Set a new password (the form has checked the current one); stay signed in here, and
    only here: other browsers are signed out and remembered browsers forgotten."""
    user.set_password(new_password)
    user.password_change_required = False
    user.save(update_fields=["password", "password_change_required"])
    update_session_auth_hash(request, user)
    ended = _forget_every_browser(request, user)
    _tell_the_patient(user)
    audit.record(events.PASSWORD_CHANGED, request=request, user=user, **ended)
    signals.password_changed.send(User, user=user, reset=False)


@transaction.atomic
def request_password_reset(request, email: str) -> None:
    """Email a reset link if a login uses this address, or say there is none if not.

    The page afterwards is the same either way.
    """
    email = User.objects.normalize_email(email)
    key = account_key(email)
    if RESETS_PER_EMAIL.exceeded(key):
        return
    RESETS_PER_EMAIL.hit(key)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        notifications.send(
            messages.PASSWORD_RESET_NO_ACCOUNT.name,
            email,
            {"create_url": absolute_url("accounts:create")},
        )
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("accounts:password_reset", args=[uid, token])
    notifications.send(
        messages.PASSWORD_RESET_LINK.name,
        user.email,
        {"reset_url": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        user=user,
    )
    audit.record(events.PASSWORD_RESET_REQUESTED, request=request, user=user)
    signals.recovery_started.send(User, user=user)


@transaction.atomic
def reset_password(request, user: User, new_password: str) -> None:
    """Set the new password from a reset link. Remembered browsers are forgotten, so the
    next sign-in anywhere needs a security code, and every browser signed in as this login
    is signed out (this one too: the patient signs in with the new password next)."""
    user.set_password(new_password)
    user.password_change_required = False
    user.save(update_fields=["password", "password_change_required"])
    ended = _forget_every_browser(request, user)
    if request.user.is_authenticated and request.user.pk == user.pk:
        logout(request)  # a new session, with the old one's row deleted
        ended["sessions_ended"] += 1
    _tell_the_patient(user)
    audit.record(events.PASSWORD_RESET, request=request, user=user, **ended)
    signals.password_changed.send(User, user=user, reset=True)
