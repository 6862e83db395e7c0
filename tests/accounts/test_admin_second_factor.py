import pytest
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import PhoneDevice
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    device = StaticDevice.objects.create(user=user, name="Backup codes")
    StaticToken.objects.create(device=device, token="abc12345")
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


def test_staff_sign_in_to_admin_with_a_static_token(client, staff):
    user, device = staff
    response = admin_login(client, user, device, "abc12345")
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200
    assert not StaticToken.objects.filter(token="abc12345").exists()  # used up


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
    device = StaticDevice.objects.get(user__email=demo.STAFF_EMAIL)
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
