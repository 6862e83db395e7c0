"""Audit events about logins. One constant per event; the text is what the patient reads."""

from core.audit import register

ACCOUNT_CREATED = register("account.created", "You created your NHS login")
EMAIL_CONFIRMED = register("account.email_confirmed", "You confirmed your email address")
PHONE_CONFIRMED = register("account.phone_confirmed", "You confirmed your phone number")
SIGNED_IN = register("sign_in.succeeded", "You signed in")
SIGN_IN_FAILED = register("sign_in.failed", "Someone tried to sign in with a wrong password")
SECURITY_CODE_FAILED = register("sign_in.code_failed", "A wrong security code was entered")
LOCKED_OUT = register("sign_in.locked_out", "Sign in was locked after too many tries")
SIGNED_OUT = register("sign_out", "You signed out")
PROOFING_LEVEL_CHANGED = register(
    "identity.level_changed", "The level of proof of who you are changed"
)
