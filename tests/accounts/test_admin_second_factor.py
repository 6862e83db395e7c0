import pytest
from django.conf import settings
from django.db import connection

from accounts.models import BackupCode, BackupCodes, PhoneDevice
from accounts.services.backup_codes import add_backup_code, issue_backup_codes
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    device = add_backup_code(user, "abc12345")
    return user, device


def admin_login(client, user, device, token):
    return client.post(
        f"{ADMIN}login/?next={ADMIN}",
        {
            "username": user.email,
            "password": "correct horse battery",
            "otp_device": device.persistent_id,
            "otp_token": token,
        },
    )


def test_admin_refuses_a_password_without_a_second_factor(client, staff):
    user, device = staff
    response = admin_login(client, user, device, "")
    assert response.status_code == 200
    assert client.get(ADMIN).status_code == 302  # still sent to the login page


def test_admin_refuses_a_wrong_token(client, staff):
    user, device = staff
    admin_login(client, user, device, "wrong999")
    assert client.get(ADMIN).status_code == 302


def test_staff_sign_in_to_admin_with_a_backup_code_once(client, staff):
    user, device = staff
    response = admin_login(client, user, device, "abc12345")
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200
    assert not device.codes.exists()  # used up
    again = type(client)()
    assert admin_login(again, user, device, "abc12345").status_code == 200
    assert again.get(ADMIN).status_code == 302


def test_backup_codes_are_never_kept_as_they_are(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    codes = issue_backup_codes(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {BackupCode._meta.db_table}")  # noqa: S608
        stored = repr(cursor.fetchall())
        cursor.execute(f"SELECT * FROM {BackupCodes._meta.db_table}")  # noqa: S608
        stored += repr(cursor.fetchall())
    assert not [code for code in codes if code in stored]
    device = BackupCodes.objects.get(user=user)
    response = admin_login(client, user, device, codes[3].upper())
    assert response.status_code == 302  # works, typed in capitals too
    assert device.codes.count() == 9


def test_new_backup_codes_replace_the_old_ones(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    old = issue_backup_codes(user)
    issue_backup_codes(user)
    device = BackupCodes.objects.get(user=user)
    admin_login(client, user, device, old[0])
    assert client.get(ADMIN).status_code == 302


def test_the_migration_hashes_the_static_tokens_staff_already_have(client):
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    migration = importlib.import_module("accounts.migrations.0006_backup_codes_hashed")
    user = UserFactory(is_staff=True, is_superuser=True)
    static = StaticDevice.objects.create(user=user, name="Practice backup codes")
    StaticToken.objects.create(device=static, token="plain1234")
    StaticToken.objects.create(device=static, token="plain5678")

    migration.hash_static_tokens(apps, None)

    assert not StaticToken.objects.exists()
    assert not StaticDevice.objects.exists()
    device = BackupCodes.objects.get(user=user, name="Practice backup codes")
    assert not BackupCode.objects.filter(code_hash__contains="plain").exists()
    assert device.codes.count() == 2
    assert admin_login(client, user, device, "plain5678").status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_the_admin_offers_no_way_to_type_a_code_in_plain_text(client, staff):
    user, device = staff
    issue_backup_codes(user, count=2)
    code = issue_backup_codes(user, count=2)[0]
    assert admin_login(client, user, device, code).status_code == 302
    assert client.get(f"{ADMIN}otp_static/staticdevice/add/").status_code == 404
    page = client.get(f"{ADMIN}accounts/backupcodes/{device.pk}/change/").content.decode()
    assert "Codes left" in page
    assert client.get(f"{ADMIN}accounts/backupcodes/add/").status_code == 403
    listing = client.get(f"{ADMIN}accounts/backupcodes/").content.decode()
    assert user.email in listing and f"NHS login {user.sub}" not in listing


def test_staff_sign_in_to_admin_with_a_code_to_their_phone(client):
    user = UserFactory(is_staff=True, is_superuser=True, phone_number="+447400999888")
    device = PhoneDevice.objects.create(
        user=user, name="mobile", number=user.phone_number, kind="mobile"
    )
    device.generate_challenge()
    response = admin_login(client, user, device, latest_code("+447400999888"))
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_a_patient_signed_in_by_code_is_still_not_staff(client, phone_patient):
    from tests.fixtures.sessions import signed_in_client

    assert signed_in_client(phone_patient).get(ADMIN).status_code == 302


def test_the_demo_staff_user_can_sign_in_to_admin(client):
    from accounts import demo

    lines = demo.seed()
    demo.seed()  # idempotent
    assert any(demo.STAFF_TOKEN in line for line in lines)
    device = BackupCodes.objects.get(user__email=demo.STAFF_EMAIL)
    response = client.post(
        f"{ADMIN}login/?next={ADMIN}",
        {
            "username": demo.STAFF_EMAIL,
            "password": demo.STAFF_PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": demo.STAFF_TOKEN,
        },
    )
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_a_wrong_backup_code_slows_the_next_try(client, staff):
    user, device = staff
    admin_login(client, user, device, "guess0001")
    assert admin_login(client, user, device, "abc12345").status_code == 200  # too soon
    assert client.get(ADMIN).status_code == 302
    assert device.codes.count() == 1  # the right code was not used up


def test_a_backup_code_of_another_staff_member_does_not_work(client, staff):
    _owner, device = staff
    other = UserFactory(is_staff=True, is_superuser=True)
    issue_backup_codes(other, count=1)
    admin_login(client, other, device, "abc12345")  # their password, the owner's device
    assert client.get(ADMIN).status_code == 302
    assert device.codes.count() == 1
