"""Emails, texts and calls about logins, in plain English (see core/notifications)."""

from core.notifications import Message, register

EMAIL_SECURITY_CODE = register(
    Message(
        "accounts.email_security_code",
        "email",
        subject="Your NHS login security code",
        body=(
            "Your NHS login security code is ((code))\n\n"
            "It expires in 15 minutes. Do not share it with anyone.\n\n"
            "If you did not ask for this code, you can ignore this email."
        ),
    )
)
SMS_SECURITY_CODE = register(
    Message(
        "accounts.sms_security_code",
        "sms",
        body="Your NHS login security code is ((code)). Do not share it with anyone.",
    )
)
VOICE_SECURITY_CODE = register(
    Message(
        "accounts.voice_security_code",
        "voice",
        body="This is NHS login. Your security code is ((spoken_code)). Again: ((spoken_code)).",
    )
)
ACCOUNT_ALREADY_EXISTS = register(
    Message(
        "accounts.account_already_exists",
        "email",
        subject="Someone tried to create an NHS login with your email address",
        body=(
            "Someone tried to create an NHS login with this email address, but you already "
            "have one.\n\nIf this was you, sign in at ((sign_in_url))\n\n"
            "If you have forgotten your password, you can reset it at ((reset_url))\n\n"
            "If this was not you, you do not need to do anything."
        ),
    )
)
ACCOUNT_LOCKED = register(
    Message(
        "accounts.account_locked",
        "email",
        subject="Your NHS login has been locked for ((minutes)) minutes",
        body=(
            "There were too many attempts to sign in to your NHS login, so we have locked it "
            "for ((minutes)) minutes.\n\nIf this was not you, reset your password at "
            "((reset_url)) once the lock ends."
        ),
    )
)
