"""Rate limits and lockouts for sign-in, sign-up and security codes.

Counters live in the shared cache (Redis in production), keyed by keyed hashes of the email
address and the client address, so no personal data sits in cache keys. An account is locked
by email address whether or not an account exists, so a lock reveals nothing.
"""

from dataclasses import dataclass

from django.conf import settings

from accounts import events, messages
from core import audit, notifications
from core.crypto import blind_index
from core.ratelimit import Limit, counts

ADDRESS_ATTEMPTS = 20  # wrong passwords or codes from one address before it is blocked


def _period() -> int:
    return int(settings.SIGN_IN_LOCKOUT_PERIOD.total_seconds())


def account_failures() -> Limit:
    return Limit("sign-in-failures-account", settings.SIGN_IN_LOCKOUT_ATTEMPTS, _period())


def address_failures() -> Limit:
    return Limit("sign-in-failures-address", ADDRESS_ATTEMPTS, _period())


def _lock(scope: str) -> Limit:
    return Limit(f"sign-in-lock-{scope}", 1, _period())


# Codes sent to an email or phone in one window, per account or sign-up.
RESEND = Limit("security-code-sends", 4, 15 * 60)
# New sign-ups from one address in an hour.
SIGN_UPS_PER_ADDRESS = Limit("sign-ups-address", 10, 60 * 60)
# Wrong confirmation codes (sign-up, change of email or phone) from one address.
CODE_TRIES_PER_ADDRESS = Limit("code-tries-address", 30, 15 * 60)
# Password reset emails per email address.
RESETS_PER_EMAIL = Limit("password-resets-email", 3, 60 * 60)


def account_key(email: str) -> str:
    return blind_index((email or "").strip().lower(), "sign-in-account")


def address_key(request) -> str:
    return blind_index(audit.client_address(request) or "unknown", "sign-in-address")


@dataclass(frozen=True)
class Lock:
    locked: bool
    minutes: int = 0
    failures: int = 0  # wrong passwords or codes counted against the account in this window


def sign_in_lock(request, email: str | None = None, *, account: str | None = None) -> Lock:
    """Whether sign-in is locked for this email address (or ``account``, its
    ``account_key``) or this client address.

    One cache round trip reads both locks and the account's failure count (so a successful
    sign-in only clears the count when there is one to clear)."""
    if account is None:
        account = account_key(email)
    account_lock, address_lock, failures = counts(
        (_lock("account"), account),
        (_lock("address"), address_key(request)),
        (account_failures(), account),
    )
    if account_lock >= 1 or address_lock >= 1:
        return Lock(True, _period() // 60, failures)
    return Lock(False, failures=failures)


def record_sign_in_failure(request, email: str, user=None, *, reason: str) -> Lock:
    """Count a wrong password or sign-in code; lock the account or address at the limit.

    On locking an account, its owner gets an email and an audit event is written.
    """
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
    if address_failures().hit(address) >= ADDRESS_ATTEMPTS:
        _lock("address").hit(address)
        address_failures().reset(address)
        locked = True
        audit.record(events.LOCKED_OUT, request=request, user=None, scope="address", reason=reason)
    return Lock(locked, _period() // 60 if locked else 0)


def clear_sign_in_failures(email: str, lock: Lock | None = None) -> None:
    """Forget the account's wrong tries after a sign-in. ``lock``, read earlier in the same
    request by ``sign_in_lock``, saves the round trip when it counted none."""
    if lock is not None and not lock.failures:
        return
    account_failures().reset(account_key(email))


def _absolute(view_name: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse(view_name)


absolute_url = _absolute
