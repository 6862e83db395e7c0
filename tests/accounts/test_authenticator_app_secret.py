"""The authenticator app's own model (ADR 0016, addendum): its secret is encrypted at rest,
its codes are checked as django-otp's ``TOTPDevice`` checks them, apps set up before move over
with their keys, and it is never a staff member's admin second factor (nor the other way)."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthenticatorApp, PhoneDevice
from accounts.services import authenticator_app as service
from core import crypto
from tests.accounts.test_authenticator_app import (
    APP_SIGN_IN,
    PASSWORD,
    SETUP,
    code_for,
    set_up_app,
    sign_in,
    wrong_code,
)
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
ADMIN = "/" + settings.ADMIN_URL
DOWNLOAD = reverse("accounts:download_data")


@pytest.fixture
def staff(db):
    """A member of staff with an admin TOTP device, who is also a patient with a phone."""
    user = UserFactory(is_staff=True, is_superuser=True, phone_number="+447400555666")
    PhoneDevice.objects.create(user=user, name="mobile", number=user.phone_number, kind="mobile")
    admin_device = TOTPDevice.objects.create(user=user, name=service.NAME, confirmed=True)
    return user, admin_device


def _raw_secret(app: AuthenticatorApp) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret FROM {AuthenticatorApp._meta.db_table} WHERE id = %s",  # noqa: S608
            [app.pk],
        )
        return cursor.fetchone()[0]


def test_the_secret_is_encrypted_in_the_database(phone_patient):
    app = set_up_app(signed_in_client(phone_patient))
    raw = _raw_secret(app)
    assert len(app.bin_key) == 20
    assert app.secret not in raw
    assert app.bin_key.hex() not in raw.lower()
    assert crypto.decrypt(raw.encode()).decode() == app.secret


def test_the_data_download_lists_the_app_but_never_its_secret(phone_patient):
    client = signed_in_client(phone_patient)
    assert client.post(DOWNLOAD, {"password": PASSWORD}).json()["authenticator_app"] is None
    app = set_up_app(client)
    response = client.post(DOWNLOAD, {"password": PASSWORD})
    assert response.json()["authenticator_app"]["added"]
    body = response.content.decode()
    assert app.secret not in body and _raw_secret(app) not in body


def test_a_code_or_an_older_one_is_accepted_once(settings, phone_patient):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the slowing down is tested below
    app = AuthenticatorApp.objects.create(user=phone_patient, name=service.NAME)
    assert app.verify_code(code_for(app))
    assert not app.verify_code(code_for(app))
    assert not app.verify_code(code_for(app, -1))
    assert app.verify_code(code_for(app, 1))  # the next step's code, within the tolerance
    assert not app.verify_code(code_for(app, 3))  # beyond it
    assert not app.verify_code("not a code")


def test_wrong_codes_slow_down_the_next_try(settings, phone_patient):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    app = AuthenticatorApp.objects.create(user=phone_patient, name=service.NAME)
    assert not app.verify_code(wrong_code(app))
    allowed, _why = app.verify_is_allowed()
    assert not allowed
    assert not app.verify_code(code_for(app))  # the right code, too soon
    app.refresh_from_db()
    assert app.last_t == -1 and app.throttling_failure_count == 1  # too soon is not counted


def test_a_try_too_soon_after_a_wrong_code_at_sign_in_is_asked_to_wait(settings, phone_patient):
    app = set_up_app(signed_in_client(phone_patient))
    AuthenticatorApp.objects.filter(pk=app.pk).update(last_t=-1)
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    client = Client()
    sign_in(client, phone_patient)
    client.post(APP_SIGN_IN, {"code": wrong_code(app)})
    response = client.post(APP_SIGN_IN, {"code": code_for(app)})
    assert response.status_code == 200
    assert "Wait a few seconds" in response.content.decode()


def test_setting_up_and_removing_an_app_leaves_the_admin_device_alone(staff):
    user, admin_device = staff
    client = signed_in_client(user)
    app = set_up_app(client)
    assert TOTPDevice.objects.get(pk=admin_device.pk).key == admin_device.key
    assert service.app_for(user) == app

    response = client.post(SETUP, {"action": "remove", "password": PASSWORD})
    assert response.url == SETUP
    assert not AuthenticatorApp.objects.filter(user=user).exists()
    kept = TOTPDevice.objects.get(pk=admin_device.pk)
    assert kept.confirmed and kept.key == admin_device.key


def test_an_admin_device_is_not_a_patient_app(staff):
    user, _admin_device = staff
    assert service.app_for(user) is None
    assert sign_in(Client(), user).url == reverse("accounts:security_code")  # a text, not the app


def test_the_app_is_not_an_admin_second_factor(staff):
    user, admin_device = staff
    app = set_up_app(signed_in_client(user))
    AuthenticatorApp.objects.filter(pk=app.pk).update(last_t=-1)
    assert list(devices_for_user(user)) == [admin_device, *PhoneDevice.objects.filter(user=user)]
    assert user_has_device(user)

    # Not offered by the admin sign-in form, and refused when its id is sent anyway.
    client = Client()
    response = client.post(
        f"{ADMIN}login/?next={ADMIN}",
        {
            "username": user.email,
            "password": PASSWORD,
            "otp_device": app.persistent_id,
            "otp_token": code_for(app),
        },
    )
    assert response.status_code == 200
    assert app.persistent_id not in response.content.decode()
    assert client.get(ADMIN).status_code == 302
    app.refresh_from_db()
    assert app.last_t == -1 and app.throttling_failure_count == 0  # not even tried

    # Nor is a sign-in with it on the patient pages enough for the admin.
    patient_side = Client()
    sign_in(patient_side, user)
    assert patient_side.post(APP_SIGN_IN, {"code": code_for(app)}).url == reverse("accounts:home")
    assert patient_side.session[DEVICE_ID_SESSION_KEY] == app.persistent_id  # is_verified()
    assert patient_side.get(ADMIN).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_patients_apps_and_leaves_staff_devices():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0003_session_signed_in_as")]
    executor.migrate(before)
    try:
        # Logins as the table was then (today's model has columns added since).
        then = executor.loader.project_state(before).apps.get_model("accounts", "User")
        patient = then.objects.create(email="patient@example.com", password="!")
        staff = then.objects.create(email="staff@example.com", password="!", is_staff=True)
        old_app = TOTPDevice.objects.create(
            user_id=patient.pk, name="Authenticator app", confirmed=True, drift=1, last_t=5
        )
        unconfirmed = TOTPDevice.objects.create(
            user_id=patient.pk, name="Authenticator app", confirmed=False
        )
        staff_device = TOTPDevice.objects.create(
            user_id=staff.pk, name="Authenticator app", confirmed=True
        )
        other_name = TOTPDevice.objects.create(user_id=patient.pk, name="phone", confirmed=True)
        created = old_app.created_at
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(TOTPDevice.objects.values_list("pk", flat=True)) == {
        staff_device.pk,
        other_name.pk,
    }
    moved = AuthenticatorApp.objects.get(user_id=patient.pk, confirmed=True)
    assert moved.secret == old_app.key
    assert moved.drift == 1 and moved.last_t == 5 and moved.created_at == created
    assert old_app.key not in _raw_secret(moved)
    assert (
        AuthenticatorApp.objects.get(user_id=patient.pk, confirmed=False).secret == unconfirmed.key
    )
    # A code made from the old key, as the patient's app makes it, is still right.
    assert moved.verify_code(f"{totp(bytes.fromhex(old_app.key)):06d}")
