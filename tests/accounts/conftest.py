import pytest


@pytest.fixture
def phone_patient(db):
    """A complete P0 patient whose mobile is a confirmed django-otp device."""
    from accounts.models import PhoneDevice
    from tests.factories import UserFactory

    user = UserFactory(phone_number="+447400123456")
    PhoneDevice.objects.create(user=user, name="mobile", number=user.phone_number, kind="mobile")
    return user
