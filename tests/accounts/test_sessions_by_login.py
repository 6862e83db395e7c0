"""Sessions know the login they are signed in as (``accounts.models.Session.user_id``): a
login's sessions are found by an index, ended when the login is deleted, and the patient can
sign out of their other browsers."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.models import Session
from accounts.services.data_rights import end_sessions_of
from accounts.sessions import SessionStore
from core.models import AuditEvent
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _cached(key: str):
    return caches[settings.SESSION_CACHE_ALIAS].get(SessionStore.cache_key_prefix + key)


def _signed_in(client) -> bool:
    return client.get(reverse("accounts:home")).status_code == 200


def test_a_session_names_the_login_once_it_signs_in_and_goes_when_it_signs_out(phone_patient):
    client = Client()
    client.post(reverse("accounts:sign_in"), {"email": phone_patient.email, "password": PASSWORD})
    response = client.post(
        reverse("accounts:security_code"), {"code": latest_code(phone_patient.phone_number)}
    )
    assert response.status_code == 302
    key = _session_key(client)
    assert Session.objects.get(session_key=key).user_id == phone_patient.pk

    client.post(reverse("accounts:sign_out"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(user_id=phone_patient.pk).exists()


def test_a_signed_out_session_names_no_login():
    session = SessionStore()
    session["step"] = "not signed in"
    session.save()
    assert Session.objects.get(session_key=session.session_key).user_id is None


def test_ending_a_logins_sessions_ends_only_its_own_and_their_cached_copies(patient):
    other = UserFactory()
    first, second = signed_in_client(patient), signed_in_client(patient)
    theirs = signed_in_client(other)
    keys = [_session_key(first), _session_key(second)]
    assert all(_cached(key) is not None for key in keys)

    assert end_sessions_of(patient.pk) == 2

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert all(_cached(key) is None for key in keys)
    assert not _signed_in(first) and not _signed_in(second)
    assert _signed_in(theirs)
    assert end_sessions_of(patient.pk) == 0


def test_a_patient_signs_out_of_their_other_browsers(patient):
    here, elsewhere = signed_in_client(patient), signed_in_client(patient)
    someone_else = signed_in_client(UserFactory())
    page = here.get(reverse("accounts:browsers")).content.decode()
    assert "signed in to your NHS login on 1 other browser now" in page

    response = here.post(reverse("accounts:browsers"), {"action": "sign-out-others"})
    assert response.url == reverse("accounts:browsers")
    page = here.get(response.url).content.decode()
    assert "You have signed out of your other browsers" in page
    assert "You are not signed in on any other browser now" in page
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert _signed_in(someone_else)
    event = AuditEvent.objects.get(user=patient, event="sign_out.other_browsers")
    assert event.details["count"] == 1
    activity = here.get(reverse("accounts:activity")).content.decode()
    assert "You signed out of your other browsers" in activity

    again = here.post(reverse("accounts:browsers"), {"action": "sign-out-others"})
    assert "You were not signed in on any other browser" in here.get(again.url).content.decode()
    assert AuditEvent.objects.filter(event="sign_out.other_browsers").count() == 1


def test_signing_out_of_other_browsers_needs_a_signed_in_patient():
    client = Client()
    response = client.post(reverse("accounts:browsers"), {"action": "sign-out-others"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert not AuditEvent.objects.filter(event="sign_out.other_browsers").exists()


@pytest.mark.django_db(transaction=True)
def test_the_move_to_accounts_session_keeps_live_sessions_signed_in(patient):
    """Deploying migration 0003 copies live sessions with the login read from their data and
    leaves no old rows behind; expired ones are not copied."""
    from datetime import timedelta

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("accounts", "0002_security_codes_devices_and_remembered_browsers")]
    after = [("accounts", "0003_session_signed_in_as")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    state = executor.loader.project_state([*before, ("sessions", "0001_initial")])
    old_model = state.apps.get_model("sessions", "Session")
    encode = SessionStore().encode  # what the service wrote before the move
    now = timezone.now()
    old_model.objects.create(
        session_key="a" * 32,
        session_data=encode({"_auth_user_id": str(patient.pk)}),
        expire_date=now + timedelta(minutes=30),
    )
    old_model.objects.create(
        session_key="b" * 32, session_data=encode({}), expire_date=now + timedelta(minutes=30)
    )
    old_model.objects.create(
        session_key="c" * 32, session_data=encode({}), expire_date=now - timedelta(minutes=1)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # and the later ones back

    copied = dict(Session.objects.values_list("session_key", "user_id"))
    assert copied == {"a" * 32: patient.pk, "b" * 32: None}
    assert SessionStore("a" * 32).load() == {"_auth_user_id": str(patient.pk)}
    assert not old_model.objects.exists()
