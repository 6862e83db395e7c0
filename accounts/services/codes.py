"""Sending security codes by email, text message or voice call."""

from accounts import messages, statements
from accounts.models import EmailCode, PhoneDevice, User
from accounts.services.limits import RESEND
from core import notifications, rows


def spoken(code: str) -> str:
    """Digits spaced out so a text-to-speech voice reads them one by one."""
    return ", ".join(code)


def send_email_code(email_code: EmailCode) -> None:
    """Make a new code for this email confirmation and email it (not for decoys)."""
    if email_code.decoy:
        return
    code = email_code.new_code()
    notifications.send(
        messages.EMAIL_SECURITY_CODE.name, email_code.email, {"code": code}, user=email_code.user
    )


def phone_code_message(number: str, kind: str, code: str, user=None):
    """The unsaved message that sends ``code`` to a phone: a text to a mobile, a call to a
    landline."""
    if kind == User.PhoneKind.LANDLINE:
        return notifications.prepare(
            messages.VOICE_SECURITY_CODE.name, number, {"spoken_code": spoken(code)}, user=user
        )
    return notifications.prepare(messages.SMS_SECURITY_CODE.name, number, {"code": code}, user=user)


def send_phone_code(device: PhoneDevice, code: str | None = None) -> None:
    """Make a new code for this phone (unless ``code`` was just made for it) and send it."""
    if code is None:
        code = device.new_code()
    notification = phone_code_message(device.number, device.kind, code, user=device.user)
    notifications.queue_delivery(rows.insert(notification))


def send_new_phone_code(user: User) -> PhoneDevice | None:
    """A new code on the patient's confirmed phone, sent to it. The common case is one
    statement (``statements.new_code_sent``)."""
    device = statements.new_code_sent(
        user, lambda code: phone_code_message(user.phone_number, user.phone_kind, code, user)
    )
    if device is not None:
        notifications.queue_delivery(device.notification)
        return device
    found = statements.new_code_for(user)
    if found is None:
        return None
    device, code = found
    send_phone_code(device, code)
    return device


def may_send_again(key: str) -> bool:
    """Count a request for a new code; False once the limit for this window is reached."""
    if RESEND.exceeded(key):
        return False
    RESEND.hit(key)
    return True
