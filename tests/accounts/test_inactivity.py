"""Logins unused for two years close after two warnings; unused remembered browsers are
forgotten (issue 17, item 3; accounts/services/inactivity.py). The clock is moved by handing
each rule the day it runs on, as beat would run it that day."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import RememberedBrowser, User
from accounts.services.inactivity import (
    close_unused_logins,
    forget_unused_browsers,
    warn_logins_closing,
)
from accounts.tasks import apply_inactivity_rules
from connected_services.models import LogoutNotice
from core.models import AuditEvent
from core.notifications.service import rendered
from tests.accounts.data_rights import patient_with_everything
from tests.accounts.helpers import sent_to
from tests.connected_services.test_logout_and_revocation import Receiver

pytestmark = pytest.mark.django_db
TWO_YEARS = timedelta(days=730)
DAY = timedelta(days=1)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _last_signed_in(user, when):
    User.objects.filter(pk=user.pk).update(last_login=when)


def _warnings(user) -> list[str]:
    return [rendered(n)[0] for n in sent_to(user.email, "accounts.login_closing")]


def test_an_unused_login_is_warned_at_60_and_7_days_then_closed(
    phone_patient, receiver, django_capture_on_commit_callbacks
):
    everything = patient_with_everything(phone_patient, backchannel_logout_uri=receiver.url)
    user = everything.user
    today = timezone.now()
    _last_signed_in(user, today - TWO_YEARS + 60 * DAY)  # closes in 60 days

    assert warn_logins_closing(today - DAY) == {7: 0, 60: 0}  # a day early: nothing
    assert warn_logins_closing(today) == {7: 0, 60: 1}
    assert warn_logins_closing(today) == {7: 0, 60: 0}  # beat ran twice: one email
    assert _warnings(user) == ["Your NHS login will close in 60 days"]
    (body,) = [rendered(n)[1] for n in sent_to(user.email, "accounts.login_closing")]
    assert "sign in before then" in body and "/account/sign-in/" in body
    warned = AuditEvent.objects.get(user=user, event="account.closing_warned")
    assert warned.details == {"days": 60, "days_left": 60}

    assert warn_logins_closing(today + 52 * DAY) == {7: 0, 60: 0}
    assert warn_logins_closing(today + 53 * DAY) == {7: 1, 60: 0}
    assert len(_warnings(user)) == 2
    assert close_unused_logins(today + 59 * DAY) == 0  # not yet two years
    assert User.objects.filter(pk=user.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert close_unused_logins(today + 60 * DAY) == 1
    assert not User.objects.filter(pk=user.pk).exists()
    (closed,) = sent_to(user.email, "accounts.login_closed_unused")
    assert rendered(closed)[0] == "Your NHS login has been closed"
    deleted = AuditEvent.objects.get(event="account.deleted")
    assert deleted.details["by"] == "inactivity" and deleted.user is None
    # Services it used are told, as for a deletion the patient asks for.
    (notice,) = LogoutNotice.objects.all()
    assert notice.reason == "deleted" and notice.sent_at is not None


def test_signing_in_keeps_the_login_and_starts_the_two_years_again(phone_patient):
    today = timezone.now()
    _last_signed_in(phone_patient, today - TWO_YEARS + 7 * DAY)
    assert warn_logins_closing(today) == {7: 1, 60: 0}  # only the nearer warning
    _last_signed_in(phone_patient, today + 3 * DAY)  # the email worked: they signed in
    assert close_unused_logins(today + 7 * DAY) == 0
    assert User.objects.filter(pk=phone_patient.pk).exists()
    # Two years after that sign-in, the warnings start again from the beginning.
    later = today + 3 * DAY + TWO_YEARS
    assert warn_logins_closing(later - 60 * DAY) == {7: 0, 60: 1}
    assert warn_logins_closing(later - 7 * DAY) == {7: 1, 60: 0}


def test_a_login_already_past_two_years_gets_its_last_warning_before_it_closes(phone_patient):
    today = timezone.now()
    _last_signed_in(phone_patient, today - TWO_YEARS - 300 * DAY)  # beat was off, or new rule
    assert close_unused_logins(today) == 0  # never closed without a warning
    assert warn_logins_closing(today) == {7: 1, 60: 0}
    assert _warnings(phone_patient) == ["Your NHS login will close in 7 days"]
    assert close_unused_logins(today + 6 * DAY) == 0  # as the email said: 7 days
    assert close_unused_logins(today + 7 * DAY + timedelta(minutes=1)) == 1


def test_a_login_that_never_signed_in_counts_from_when_it_was_made(phone_patient):
    today = timezone.now()
    User.objects.filter(pk=phone_patient.pk).update(
        last_login=None, date_joined=today - TWO_YEARS + 60 * DAY
    )
    assert warn_logins_closing(today) == {7: 0, 60: 1}


def test_staff_logins_are_never_warned_or_closed(phone_patient):
    User.objects.filter(pk=phone_patient.pk).update(
        is_staff=True, last_login=timezone.now() - 5 * TWO_YEARS
    )
    assert warn_logins_closing() == {7: 0, 60: 0}
    assert close_unused_logins(timezone.now() + TWO_YEARS) == 0


def test_a_remembered_browser_unused_for_six_months_is_forgotten(phone_patient):
    today = timezone.now()
    # Remembered browsers live 30 days here, so this needs one remembered for longer (a
    # lifetime an operator may choose); the rule holds whatever the lifetime.
    unused, used, new = (
        RememberedBrowser.objects.create(
            user=phone_patient,
            token_hash=name,
            description="Chrome on Android",
            expires_at=today + 2 * TWO_YEARS,
        )
        for name in ("unused", "used", "new")
    )
    six_months = settings.REMEMBERED_BROWSER_FORGOTTEN_AFTER_UNUSED
    RememberedBrowser.objects.filter(pk__in=[unused.pk, used.pk]).update(
        created_at=today - 2 * six_months
    )
    RememberedBrowser.objects.filter(pk=used.pk).update(last_used_at=today - DAY)
    assert forget_unused_browsers(today) == 1
    assert list(RememberedBrowser.objects.active().order_by("pk")) == [used, new]
    (event,) = AuditEvent.objects.filter(event="browser.forgotten_unused")
    assert event.user == phone_patient and event.details == {"browser": unused.pk}
    assert forget_unused_browsers(today) == 0
    assert forget_unused_browsers(today + six_months + DAY) == 2


def test_beat_runs_the_rules_daily(phone_patient):
    assert settings.CELERY_BEAT_SCHEDULE["accounts-inactivity"] == {
        "task": "accounts.tasks.apply_inactivity_rules",
        "schedule": DAY,
    }
    _last_signed_in(phone_patient, timezone.now() - TWO_YEARS + 30 * DAY)
    result = apply_inactivity_rules.delay().get()
    assert result == {"warned": {7: 0, 60: 1}, "closed": 0, "browsers_forgotten": 0}
