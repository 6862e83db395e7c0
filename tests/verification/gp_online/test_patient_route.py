"""A patient proves who they are to a high level with GP online registration details."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.gp_online.helpers import (
    give_identity,
    make_details,
    make_practice,
    make_registered_patient,
)
from verification.gp_online.services import gp_integration_credentials
from verification.models import Identity

pytestmark = pytest.mark.django_db

URL = reverse("verification:gp_online_details")


@pytest.fixture
def practice():
    return make_practice()


@pytest.fixture
def registered(practice):
    return make_registered_patient(practice)


def p5_patient(registered, **identity_fields):
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered, **identity_fields)
    return user


def typed(details, key, **more):
    # As a patient might type them: lower case, spaces between groups.
    spaced = " ".join(key[i : i + 5] for i in range(0, len(key), 5)).lower()
    return {
        "account_id": details.account_id,
        "linkage_key": spaced,
        "ods_code": details.ods_code.lower(),
        **more,
    }


def test_the_hub_offers_gp_online_details(registered):
    client = signed_in_client(UserFactory())
    html = client.get(reverse("verification:start")).content.decode()
    assert "Use your GP online registration details" in html
    assert URL in html


def test_a_p5_patient_reaches_p9_with_their_details(registered):
    user = p5_patient(registered)
    details, key = make_details(registered)
    client = signed_in_client(user)
    response = client.post(URL, typed(details, key))
    assert response.status_code == 302
    assert response["Location"] == reverse("verification:gp_online_done")
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    details.refresh_from_db()
    assert details.status == "used"
    assert details.used_by == user
    event = AuditEvent.objects.get(event="identity.level_changed", user=user)
    assert event.details["route"] == "GP online details"
    assert gp_integration_credentials(user) == {
        "gp_user_id": details.account_id,
        "gp_linkage_key": key,
        "gp_ods_code": "A12345",
    }
    assert Identity.objects.get(user=user).gp_ods_code == "A12345"


def test_a_p0_patient_enters_surname_and_birth_date_and_gets_an_identity(registered):
    user = UserFactory()
    details, key = make_details(registered)
    client = signed_in_client(user)
    assert "Date of birth" in client.get(URL).content.decode()
    response = client.post(
        URL,
        typed(
            details,
            key,
            family_name=" jones ",
            birth_date_0="14",
            birth_date_1="3",
            birth_date_2="1980",
        ),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    identity = Identity.objects.get(user=user)
    assert identity.nhs_number == registered.nhs_number
    assert identity.family_name == "Jones"
    assert identity.gp_ods_code == "A12345"


def test_a_p0_patient_with_the_wrong_birth_date_is_refused(registered):
    user = UserFactory()
    details, key = make_details(registered)
    client = signed_in_client(user)
    response = client.post(
        URL,
        typed(
            details,
            key,
            family_name="Jones",
            birth_date_0="15",
            birth_date_1="3",
            birth_date_2="1980",
        ),
    )
    assert "We could not use those details" in response.content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P0"
    assert not Identity.objects.filter(user=user).exists()
    details.refresh_from_db()
    assert details.is_current


def test_details_for_someone_else_are_refused_without_saying_why(practice, registered):
    other = make_registered_patient(practice, family_name="Smith")
    user = p5_patient(registered)
    details, key = make_details(other)
    response = signed_in_client(user).post(URL, typed(details, key))
    html = response.content.decode()
    assert "We could not use those details" in html
    assert "ask your GP practice for new online registration details" in html
    user.refresh_from_db()
    assert user.proofing_level == "P5"


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": timezone.now() - datetime.timedelta(minutes=1)},
        {"revoked_at": timezone.now()},
        {"used_at": timezone.now()},
    ],
    ids=["expired", "revoked", "used"],
)
def test_details_that_are_not_current_are_refused(registered, change):
    user = p5_patient(registered)
    details, key = make_details(registered, **change)
    response = signed_in_client(user).post(URL, typed(details, key))
    assert "We could not use those details" in response.content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P5"


@pytest.mark.parametrize("field", ["account_id", "linkage_key", "ods_code"])
def test_one_wrong_part_gives_the_same_page(registered, field):
    user = p5_patient(registered)
    details, key = make_details(registered)
    data = typed(details, key)
    data[field] = "B99999" if field == "ods_code" else "2345678901"
    response = signed_in_client(user).post(URL, data)
    html = response.content.decode()
    assert "We could not use those details" in html
    assert "Account ID" not in html.split("<h1")[1]  # never which part was wrong
    user.refresh_from_db()
    assert user.proofing_level == "P5"


def test_empty_fields_show_errors_and_change_nothing(registered):
    user = p5_patient(registered)
    response = signed_in_client(user).post(
        URL, {"account_id": "", "linkage_key": "", "ods_code": ""}
    )
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter your Account ID" in html
    assert "Enter your linkage key" in html
    assert not AuditEvent.objects.filter(event="gp_online.details_refused").exists()


def test_attempts_are_limited_per_account(registered, settings):
    settings.GP_ONLINE_ATTEMPTS_PER_ACCOUNT = 3
    user = p5_patient(registered)
    details, key = make_details(registered)
    client = signed_in_client(user)
    wrong = typed(details, "WRONGWRONGWRONG")
    for _ in range(3):
        client.post(URL, wrong)
    # Even the right details are refused now, and the patient is told to wait.
    response = client.post(URL, typed(details, key))
    assert "You have tried too many times" in response.content.decode()
    assert "You have tried too many times" in client.get(URL).content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P5"


def test_attempts_are_limited_per_address(practice, settings):
    settings.GP_ONLINE_ATTEMPTS_PER_ADDRESS = 2
    for _ in range(2):
        signed_in_client(UserFactory()).post(
            URL,
            {
                "account_id": "1234567890",
                "linkage_key": "X",
                "ods_code": "A12345",
                "family_name": "X",
                "birth_date_0": "1",
                "birth_date_1": "1",
                "birth_date_2": "1990",
            },
        )
    html = signed_in_client(UserFactory()).get(URL).content.decode()
    assert "You have tried too many times" in html


def test_a_p5_patient_under_the_minimum_age_sees_a_clear_page(practice):
    child = make_registered_patient(practice, birth_date=timezone.localdate().replace(year=2020))
    user = p5_patient(child)
    response = signed_in_client(user).get(URL)
    assert "You need to be 11 or older" in response.content.decode()


def test_a_p0_patient_under_the_minimum_age_is_not_raised(practice):
    born = datetime.date(timezone.localdate().year - 9, 1, 2)
    child = make_registered_patient(practice, birth_date=born)
    details, key = make_details(child)
    user = UserFactory()
    response = signed_in_client(user).post(
        URL,
        typed(
            details,
            key,
            family_name="Jones",
            birth_date_0=str(born.day),
            birth_date_1=str(born.month),
            birth_date_2=str(born.year),
        ),
    )
    assert "You need to be 11 or older" in response.content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P0"
    details.refresh_from_db()
    assert details.is_current


def test_the_details_work_only_once(registered, practice):
    user = p5_patient(registered)
    details, key = make_details(registered)
    signed_in_client(user).post(URL, typed(details, key))
    someone = UserFactory()
    response = signed_in_client(someone).post(
        URL,
        typed(
            details,
            key,
            family_name="Jones",
            birth_date_0="14",
            birth_date_1="3",
            birth_date_2="1980",
        ),
    )
    assert "We could not use those details" in response.content.decode()


def test_a_p9_patient_is_sent_back_to_the_hub(registered):
    user = UserFactory(proofing_level="P9")
    response = signed_in_client(user).get(URL)
    assert response["Location"] == reverse("verification:start")


def test_a_pending_uplift_to_p9_returns_to_the_service(registered):
    user = p5_patient(registered)
    details, key = make_details(registered)
    client = signed_in_client(user)
    session = client.session
    session["uplift"] = {"target": "P9", "return_to": "/authorize?client_id=x"}
    session.save()
    client.post(URL, typed(details, key))
    assert (
        "Continue to the service"
        in client.get(reverse("verification:gp_online_done")).content.decode()
    )
    response = client.post(reverse("verification:gp_online_continue"))
    assert response["Location"] == "/authorize?client_id=x"


def test_revoked_details_stop_releasing_credentials(registered):
    from verification.gp_online.services import revoke_details

    user = p5_patient(registered)
    details, key = make_details(registered)
    signed_in_client(user).post(URL, typed(details, key))
    user.refresh_from_db()
    assert gp_integration_credentials(user) is not None
    revoke_details(details, staff=None)
    assert gp_integration_credentials(user) is None


def test_the_linkage_key_is_encrypted_at_rest(registered):
    from django.db import connection

    details, key = make_details(registered)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT linkage_key FROM verification_onlineregistrationdetails WHERE id = %s",
            [details.pk],
        )
        (stored,) = cursor.fetchone()
    assert key not in stored
    assert set(key) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    assert len(key) == 15
