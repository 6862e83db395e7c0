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
SIGNED_IN_TO_ADMIN = register("sign_in.admin", "You signed in to the staff pages")
# An address (not a login) had too many wrong tries; from it, sign-in stops saying whether a
# password was right (ADR 0018). For support and monitoring, not about any one patient.
ADDRESS_WATCHED = register(
    "sign_in.address_watched",
    "Many wrong sign in tries came from one address",
    visible_to_patient=False,
)
SIGNED_OUT_ELSEWHERE = register("sign_out.other_browsers", "You signed out of your other browsers")


def _level_changed(details: dict) -> str:
    from accounts.models import ProofingLevel

    label = ProofingLevel(details["level"]).label  # "High (P9)"
    return f"Your level of proof changed to {label[0].lower()}{label[1:]}"


PROOFING_LEVEL_CHANGED = register(
    "identity.level_changed",
    "The level of proof of who you are changed",
    describe=_level_changed,
)
SIGN_UP_STARTED = register(
    "account.sign_up_started", "Someone started creating an NHS login", visible_to_patient=False
)
SIGN_UP_WITH_EXISTING_EMAIL = register(
    "account.sign_up_existing_email",
    "Someone tried to create an NHS login with your email address",
)
EMAIL_CHANGE_TO_YOUR_ADDRESS = register(
    "account.email_change_to_taken_address",
    "Someone tried to use your email address for another NHS login",
)
EMAIL_CODE_FAILED = register(
    "account.email_code_failed", "A wrong security code was entered for your email address"
)
PHONE_CODE_FAILED = register(
    "account.phone_code_failed", "A wrong security code was entered for your phone number"
)
SIGN_IN_BLOCKED = register("sign_in.blocked", "Someone tried to sign in while sign in was locked")
EMAIL_CHANGED = register("account.email_changed", "You changed your email address")
PHONE_CHANGED = register("account.phone_changed", "You changed your phone number")
PASSWORD_CHANGED = register("account.password_changed", "You changed your password")
PASSWORD_RESET_REQUESTED = register(
    "account.password_reset_requested", "Someone asked to reset your password"
)
PASSWORD_RESET = register("account.password_reset", "You reset your password")
BROWSER_REMEMBERED = register("browser.remembered", "You chose to remember a browser")
BROWSER_FORGOTTEN = register("browser.forgotten", "You forgot a remembered browser")
PASSWORD_CHECK_FAILED = register(
    "account.password_check_failed", "A wrong password was entered to confirm it was you"
)
DATA_DOWNLOADED = register("account.data_downloaded", "You downloaded your data")
# Written with no login attached (the login goes in the same transaction): see ADR 0014.
LOGIN_DELETED = register("account.deleted", "An NHS login was deleted", visible_to_patient=False)
PASSKEY_ADDED = register("passkey.added", "You added a passkey")
PASSKEY_REMOVED = register("passkey.removed", "You removed a passkey")
SIGNED_IN_WITH_PASSKEY = register("sign_in.passkey", "You signed in with a passkey")
PASSKEY_FAILED = register("sign_in.passkey_failed", "A passkey could not be checked at sign in")
AUTHENTICATOR_APP_ADDED = register("authenticator_app.added", "You set up an authenticator app")
AUTHENTICATOR_APP_REMOVED = register(
    "authenticator_app.removed", "You removed your authenticator app"
)
SIGNED_IN_WITH_APP = register(
    "sign_in.authenticator_app", "You signed in with a code from your authenticator app"
)
BACKUP_CODES_ISSUED = register(
    "staff.backup_codes_issued", "New backup codes were made for signing in to the admin"
)
# "If this was not you" after any P9 (accounts.services.proofing_notice, ADR 0047). Only the
# dispute itself is an identity fact, kept (unlinked) if the login is deleted (ADR 0014).
PROOFING_NOTICE_SENT = register(
    "account.proofing_notice_sent",
    "We emailed you to check it was you who proved who you are",
)
PROOFING_DISPUTED = register(
    "identity.proofing_disputed",
    "You told us it was not you who proved who you are, so we took back your level of proof",
)
PROOFING_NOTICE_REFUSED = register(
    "account.proofing_notice_refused",
    "Someone used an old or wrong link from our email",
    visible_to_patient=False,
)
SIGNED_OUT_EVERYWHERE = register(
    "sign_out.everywhere", "We signed you out of NHS login on all your devices"
)
SIGNED_OUT_OF_SERVICES = register(
    "sign_out.services", "We told the services you use to sign you out"
)
PASSWORD_CANCELLED = register(
    "account.password_cancelled", "We cancelled your password. Choose a new one to sign in"
)
PASSKEYS_REMOVED = register("passkey.removed_all", "We removed your passkeys")
SUPPORT_CASE_OPENED = register(
    "support.case_opened", "We asked our support team to look into your NHS login"
)
# Inactivity (issue 17): a login unused for two years is closed, after two warnings by email.
LOGIN_CLOSING_WARNED = register(
    "account.closing_warned", "We emailed you that your NHS login will close if it is not used"
)
BROWSERS_FORGOTTEN_UNUSED = register(
    "browser.forgotten_unused", "We forgot a remembered browser you had not used for 6 months"
)
# The support desk (issue 17; accounts.services.support): each names the member of staff.
SUPPORT_SUSPENDED = register("support.suspended", "Our support team suspended your NHS login")
SUPPORT_REINSTATED = register(
    "support.reinstated", "Our support team let your NHS login be used again"
)
SUPPORT_UNLOCKED = register("support.unlocked", "Our support team unlocked sign in for you")
SUPPORT_PASSWORD_REQUIRED = register(
    "support.password_required",
    "Our support team asked you to choose a new password when you next sign in",
)
SUPPORT_LEVEL_TAKEN_DOWN = register(
    "support.level_taken_down",
    "Our support team asked you to prove who you are again",
)
SUPPORT_FRAUD_MARKED = register(
    "support.fraud_marked",
    "Our support team added extra checks before you can prove who you are again",
)
