"""Sending security codes by email, text message or voice call."""

from accounts import messages
from accounts.models import EmailCode, PhoneDevice, User
from accounts.services.limits import RESEND
from core import notifications


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


def send_phone_code(device: PhoneDevice, code: str | None = None) -> None:
    """Make a new code for this phone (unless ``code`` was just made for it) and send it: a
    text to a mobile, a call to a landline."""
    if code is None:
        code = device.new_code()
    if device.kind == User.PhoneKind.LANDLINE:
        notifications.send(
            messages.VOICE_SECURITY_CODE.name,
            device.number,
            {"spoken_code": spoken(code)},
            user=device.user,
        )
    else:
        notifications.send(
            messages.SMS_SECURITY_CODE.name, device.number, {"code": code}, user=device.user
        )


def may_send_again(key: str) -> bool:
    """Count a request for a new code; False once the limit for this window is reached."""
    if RESEND.exceeded(key):
        return False
    RESEND.hit(key)
    return True
