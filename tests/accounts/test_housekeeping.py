from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuthenticatorApp, EmailCode, PhoneDevice, RememberedBrowser, Session
from accounts.sessions import SessionStore
from accounts.tasks import delete_stale_account_records

pytestmark = pytest.mark.django_db


def _session(expires):
    session = SessionStore()
    session["step"] = "waiting"
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=expires)
    return session.session_key


def test_it_deletes_old_codes_phones_dead_browsers_and_expired_sessions_only(phone_patient):
    now = timezone.now()
    expired = _session(now - timedelta(minutes=1))
    current = _session(now + timedelta(minutes=30))
    old = EmailCode.objects.create(email="a@example.com", purpose="sign_up", password_hash="x")
    EmailCode.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    fresh = EmailCode.objects.create(email="b@example.com", purpose="sign_up")
    abandoned = PhoneDevice.objects.create(
        user=phone_patient,
        number="+447400999999",
        kind="mobile",
        confirmed=False,
        valid_until=now - timedelta(days=2),
    )
    unconfirmed_app = AuthenticatorApp.objects.create(
        user=phone_patient, name="app", confirmed=False
    )
    AuthenticatorApp.objects.filter(pk=unconfirmed_app.pk).update(
        created_at=now - timedelta(days=2)
    )
    confirmed_app = AuthenticatorApp.objects.create(user=phone_patient, name="app", confirmed=True)
    AuthenticatorApp.objects.filter(pk=confirmed_app.pk).update(created_at=now - timedelta(days=2))
    new_app = AuthenticatorApp.objects.create(user=phone_patient, name="app", confirmed=False)
    dead = RememberedBrowser.objects.create(
        user=phone_patient, token_hash="1", description="x", expires_at=now - timedelta(days=31)
    )
    live = RememberedBrowser.objects.create(
        user=phone_patient, token_hash="2", description="y", expires_at=now + timedelta(days=1)
    )

    result = delete_stale_account_records.delay().get()

    assert result == {"codes": 1, "phones": 1, "apps": 1, "browsers": 1, "sessions": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == [current]
    assert expired != current
    assert set(AuthenticatorApp.objects.all()) == {confirmed_app, new_app}
    assert list(EmailCode.objects.all()) == [fresh]
    assert not PhoneDevice.objects.filter(pk=abandoned.pk).exists()
    assert PhoneDevice.objects.filter(user=phone_patient, confirmed=True).exists()
    assert set(RememberedBrowser.objects.all()) == {live}
    assert not RememberedBrowser.objects.filter(pk=dead.pk).exists()
