"""Rate limits and lockouts for sign-in, sign-up and security codes.

Counters live in the shared cache (Redis in production), keyed by keyed hashes of the email
address and the client address, so no personal data sits in cache keys. An account is locked
by email address whether or not an account exists, so a lock reveals nothing.

An address is never locked (ADR 0018): many patients share one behind a NAT or a proxy, and
one of them guessing must not lock out the rest. An address with many wrong tries is
*watched* instead: from it, the password step no longer says whether a password was right
(``sign_in.check_password``'s "unconfirmed"), so guessing from there teaches nothing, while a
right password still leads to the code sent to the patient's own phone.
"""

from dataclasses import dataclass

from django.conf import settings

from accounts import events, messages
from core import audit, notifications
from core.crypto import blind_index
from core.ratelimit import Limit, counts

ADDRESS_ATTEMPTS = 20  # wrong passwords or codes from one address before it is watched


def _period() -> int:
    return int(settings.SIGN_IN_LOCKOUT_PERIOD.total_seconds())


def account_failures() -> Limit:
    return Limit("sign-in-failures-account", settings.SIGN_IN_LOCKOUT_ATTEMPTS, _period())


def address_failures() -> Limit:
    return Limit("sign-in-failures-address", ADDRESS_ATTEMPTS, _period())


def _lock(scope: str) -> Limit:
    return Limit(f"sign-in-lock-{scope}", 1, _period())


def _watched() -> Limit:
    # Set (and its expiry pushed back) by every wrong try from a watched address, so an
    # address stays watched while the guessing goes on and for a lockout period after.
    return Limit("sign-in-watched-address", 1, _period())


# Codes sent to an email or phone in one window, per account or sign-up.
RESEND = Limit("security-code-sends", 4, 15 * 60)
# New sign-ups from one address in an hour before the address is watched (ADR 0018): from a
# watched address each email address gets one sign-up email an hour, not SIGN_UPS_PER_EMAIL.
SIGN_UPS_PER_ADDRESS = Limit("sign-ups-address", 10, 60 * 60)
# Sign-up emails (a code, or "someone tried" to a login's owner) to one email address an hour.
SIGN_UPS_PER_EMAIL = Limit("sign-ups-email", 3, 60 * 60)
# Wrong confirmation codes (sign-up, change of email or phone) from one address.
CODE_TRIES_PER_ADDRESS = Limit("code-tries-address", 30, 15 * 60)
# Password reset emails per email address.
RESETS_PER_EMAIL = Limit("password-resets-email", 3, 60 * 60)


def account_key(email: str) -> str:
    return blind_index((email or "").strip().lower(), "sign-in-account")


def address_key(request) -> str:
    return blind_index(audit.client_address(request) or "unknown", "sign-in-address")


def may_start_sign_up(request, email: str) -> bool:
    """Count a sign-up for this email address from this client address; False if it must
    not start (nothing is sent). Sign-up emails go to whoever's address is typed, so each
    email address gets at most ``SIGN_UPS_PER_EMAIL`` an hour, and only one an hour while the
    client address has started more than ``SIGN_UPS_PER_ADDRESS`` (ADR 0018). The client
    address alone never refuses: a NAT's other patients still sign up with their own email.
    A taken address counts the same as a new one, so the answer reveals nothing."""
    address = address_key(request)
    email_key = blind_index(email.strip().lower(), "sign-up-email")
    busy = SIGN_UPS_PER_ADDRESS.count(address) >= SIGN_UPS_PER_ADDRESS.attempts
    if SIGN_UPS_PER_EMAIL.count(email_key) >= (1 if busy else SIGN_UPS_PER_EMAIL.attempts):
        return False
    SIGN_UPS_PER_ADDRESS.hit(address)
    SIGN_UPS_PER_EMAIL.hit(email_key)
    return True


@dataclass(frozen=True)
class Lock:
    locked: bool  # the account is locked
    minutes: int = 0
    failures: int = 0  # wrong passwords or codes counted against the account in this window
    watched: bool = False  # the client address has had too many wrong tries (ADR 0018)


def sign_in_lock(request, email: str | None = None, *, account: str | None = None) -> Lock:
    """Whether sign-in is locked for this email address (or ``account``, its
    ``account_key``), and whether this client address is watched.

    Only the account locks: an address never does (ADR 0018). One cache round trip reads
    the lock, the watch and the account's failure count (so a successful sign-in only clears
    the count when there is one to clear)."""
    if account is None:
        account = account_key(email)
    account_lock, watched, failures = counts(
        (_lock("account"), account),
        (_watched(), address_key(request)),
        (account_failures(), account),
    )
    if account_lock >= 1:
        return Lock(True, _period() // 60, failures, watched >= 1)
    return Lock(False, failures=failures, watched=watched >= 1)


def record_sign_in_failure(
    request, email: str | None, user=None, *, reason: str, account: str | None = None
) -> Lock:
    """Count a wrong password or sign-in code against the account (``email``, or
    ``account``: its ``account_key``) and the client address. The account locks at the
    limit; the address is watched from its limit on (never locked: ADR 0018).

    On locking an account, its owner gets an email and an audit event is written.
    """
    if account is None:
        account = account_key(email)
    address = address_key(request)
    locked = False
    if account_failures().hit(account) >= settings.SIGN_IN_LOCKOUT_ATTEMPTS:
        _lock("account").hit(account)
        account_failures().reset(account)
        locked = True
        audit.record(events.LOCKED_OUT, request=request, user=user, scope="account", reason=reason)
        if user is not None:
            notifications.send(
                messages.ACCOUNT_LOCKED.name,
                user.email,
                {"minutes": _period() // 60, "reset_url": _absolute("accounts:password_forgotten")},
                user=user,
            )
    tries = address_failures().hit(address)
    # Watched from the limit on, and for as long as wrong tries go on (the count's window is
    # fixed; the watch is pushed back by each wrong try, read only on this slower path).
    watched = tries >= ADDRESS_ATTEMPTS or _watched().exceeded(address)
    if watched:
        _watched().mark(address)
        if tries == ADDRESS_ATTEMPTS:
            audit.record(events.ADDRESS_WATCHED, request=request, reason=reason)
    return Lock(locked, _period() // 60 if locked else 0, watched=watched)


def clear_sign_in_failures(email: str, lock: Lock | None = None) -> None:
    """Forget the account's wrong tries after a sign-in. ``lock``, read earlier in the same
    request by ``sign_in_lock``, saves the round trip when it counted none."""
    if lock is not None and not lock.failures:
        return
    account_failures().reset(account_key(email))


def unlock_sign_in(email: str) -> None:
    """End a sign-in lockout for this email address now, and forget its wrong tries (the
    support desk; ``accounts.services.support.unlock``)."""
    account = account_key(email)
    _lock("account").reset(account)
    account_failures().reset(account)


def _absolute(view_name: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse(view_name)


absolute_url = _absolute
