"""Logins and remembered browsers nobody uses (NHS login's published rules; issue 17).

- A login not used for ``LOGIN_CLOSED_AFTER_UNUSED`` (2 years) is closed: deleted as the
  patient's own deletion is (``data_rights.erase_login``: services told, sessions ended, the
  proofing record kept unlinked), after emails ``LOGIN_CLOSING_WARNINGS`` days before (60 and
  7). "Used" means signed in; a login that never signed in counts from when it was made.
  Signing in starts the two years again, so an earlier warning no longer counts.
- No login closes without its last warning: one that is already past two years when it is
  first seen (the rule newly switched on, or beat stopped for a while) gets the last warning
  and closes that many days later, never sooner.
- A remembered browser not used for ``REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED`` (6 months)
  is forgotten (sign-in asks for a code on it again).
Staff logins are never closed by these rules: an administrator looks after them.

Each function takes ``now`` so tests (and a catch-up run) can move the clock; beat runs them
daily (``accounts.tasks``). Each login is handled in a transaction of its own, so one failure
does not stop the rest, and running twice on a day sends nothing twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import events, messages
from accounts.models import RememberedBrowser, User
from accounts.services.data_rights import erase_login
from accounts.services.limits import absolute_url
from core import audit, notifications
from core.models import AuditEvent

logger = logging.getLogger(__name__)

# Enough for one run a day over millions of logins; what is left waits for the next run.
BATCH = 5000


def _patients_with_last_use():
    """Patient logins (never staff) with ``last_used``: their last sign-in, or when they were
    made if they never signed in."""
    return User.objects.filter(is_staff=False).annotate(
        last_used=Coalesce(F("last_login"), F("date_joined"))
    )


def _warned(days: int):
    """Whether the login was warned ``days`` days before closing since it was last used."""
    return Exists(
        AuditEvent.objects.filter(
            user=OuterRef("pk"),
            event=events.LOGIN_CLOSING_WARNED,
            details__days=days,
            occurred_at__gte=OuterRef("last_used"),
        )
    )


def warn_logins_closing(now=None) -> dict[int, int]:
    """Email the patients whose login will close within a warning's number of days and who
    have not had that warning since they last used it. Returns how many were warned, by the
    warning's number of days. Each warning is an audit event, which is also how a second run
    knows it was sent."""
    now = now or timezone.now()
    closed_after = settings.LOGIN_CLOSED_AFTER_UNUSED
    warnings = sorted(settings.LOGIN_CLOSING_WARNINGS)  # e.g. [7, 60]
    sent = dict.fromkeys(warnings, 0)
    for index, days in enumerate(warnings):
        due = _patients_with_last_use().filter(
            last_used__lte=now - closed_after + timedelta(days=days)
        )
        if index > 0:
            # Within the nearer warning's days, that one is due instead: one email, the most
            # urgent.
            nearer = warnings[index - 1]
            due = due.filter(last_used__gt=now - closed_after + timedelta(days=nearer))
        for user_id in due.exclude(_warned(days)).values_list("pk", flat=True)[:BATCH]:
            if _send_warning(user_id, days, now):
                sent[days] += 1
    return sent


def _send_warning(user_id: int, days: int, now) -> bool:
    """The warning email and its audit event, in one transaction; False if the login signed
    in or went meanwhile."""
    with transaction.atomic():
        user = (
            _patients_with_last_use()
            .select_for_update(of=("self",))
            .filter(pk=user_id)
            .exclude(_warned(days))
            .first()
        )
        if user is None:
            return False
        # Never sooner than the warning says: a login seen late closes ``days`` after it.
        closing_on = max(
            user.last_used + settings.LOGIN_CLOSED_AFTER_UNUSED, now + timedelta(days=days)
        )
        days_left = max((closing_on - now).days, 1)
        notifications.send(
            messages.LOGIN_CLOSING.name,
            user.email,
            {
                "days_left": str(days_left),
                "closing_on": timezone.localtime(closing_on).strftime("%-d %B %Y"),
                "sign_in_url": absolute_url("accounts:sign_in"),
            },
            user=user,
        )
        audit.record(events.LOGIN_CLOSING_WARNED, user=user, days=days, days_left=days_left)
    return True


def close_unused_logins(now=None) -> int:
    """Close (delete) the patient logins unused for ``LOGIN_CLOSED_AFTER_UNUSED`` whose last
    warning was sent at least that warning's number of days ago. Returns how many."""
    now = now or timezone.now()
    last_warning = min(settings.LOGIN_CLOSING_WARNINGS)
    closing = (
        _patients_with_last_use()
        .filter(last_used__lte=now - settings.LOGIN_CLOSED_AFTER_UNUSED)
        .filter(
            Exists(
                AuditEvent.objects.filter(
                    user=OuterRef("pk"),
                    event=events.LOGIN_CLOSING_WARNED,
                    details__days=last_warning,
                    occurred_at__gte=OuterRef("last_used"),
                    occurred_at__lte=now - timedelta(days=last_warning),
                )
            )
        )
    )
    closed = 0
    for user_id in closing.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            user = (
                _patients_with_last_use()
                .select_for_update(of=("self",))
                .filter(pk=user_id, last_used__lte=now - settings.LOGIN_CLOSED_AFTER_UNUSED)
                .first()
            )
            if user is None:  # signed in meanwhile
                continue
            erase_login(user, by="inactivity", message=messages.LOGIN_CLOSED_UNUSED)
            closed += 1
    if closed:
        logger.info("closed %d logins unused for %s", closed, settings.LOGIN_CLOSED_AFTER_UNUSED)
    return closed


def forget_unused_browsers(now=None) -> int:
    """Forget the remembered browsers nobody has signed in with for
    ``REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED`` (counted from when they were remembered if
    never used since), each with an audit event the patient sees. Returns how many."""
    now = now or timezone.now()
    unused = (
        RememberedBrowser.objects.active()
        .annotate(last_used=Coalesce(F("last_used_at"), F("created_at")))
        .filter(last_used__lte=now - settings.REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED)
    )
    forgotten = 0
    for browser in unused.select_related("user")[:BATCH]:
        updated = RememberedBrowser.objects.filter(
            Q(pk=browser.pk), Q(revoked_at__isnull=True)
        ).update(revoked_at=now)
        if updated:
            audit.record(events.BROWSERS_FORGOTTEN_UNUSED, user=browser.user, browser=browser.pk)
            forgotten += 1
    return forgotten
