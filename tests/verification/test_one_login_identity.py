"""Proving who you are to P9 with an identity from GOV.UK One Login (issue 18): the real client
fetches the identity from the fake One Login over HTTP; bad identities change nothing."""

import datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from accounts.models import ProofingNotice, User
from core.models import AuditEvent
from tests.accounts.one_login import (
    authorization_request,
    fake_one_login,  # noqa: F401  (a fixture)
    outcome_of,
    round_trip,
)
from tests.connected_services.identities import prove
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.factories import SyntheticPatientFactory
from verification.models import Identity
from verification.one_login import events

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fake_one_login"),
]

LINK = "/account/one-login/link/"


@pytest.fixture
def record():
    """Ffion Hughes, born 14 February 1990, CF10 1EP: what the fake sends by default."""
    return SyntheticPatientFactory()


def nothing_changed(user):
    user.refresh_from_db()
    assert user.proofing_level == "P0"
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not Identity.objects.filter(user=user).exists()
    assert not ProofingNotice.objects.filter(user=user).exists()


def test_a_p0_patient_proves_who_they_are_with_one_login(record):
    user = UserFactory()
    client = signed_in_client(user)
    params = authorization_request(client.post(LINK))
    # The identity at P2, and the identity and address claims, are asked for.
    assert params["vtr"] == '["P2.Cl.Cm"]'
    assert "https://vocab.account.gov.uk/v1/coreIdentityJWT" in params["claims"]
    assert "https://vocab.account.gov.uk/v1/address" in params["claims"]
    response = round_trip(client, LINK)
    assert outcome_of(response) == "proved"
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    identity = Identity.objects.get(user=user)
    assert identity.nhs_number == record.nhs_number and identity.family_name == "Hughes"
    assert SocialAccount.objects.get(user=user).extra_data == {}
    changed = AuditEvent.objects.get(event="identity.level_changed", user=user)
    assert changed.details["route"] == "GOV.UK One Login" and changed.details["level"] == "P9"
    assert AuditEvent.objects.filter(event=events.IDENTITY_USED, user=user).exists()
    # "If this was not you", as after every P9, naming the route in words.
    assert ProofingNotice.objects.get(user=user).route == "GOV.UK One Login"
    page = client.get(response["Location"]).content.decode()
    assert "You have proved who you are" in page


@pytest.mark.parametrize(
    "fault",
    [
        "identity_wrong_signature",
        "identity_wrong_audience",
        "identity_expired",
        "identity_other_sub",
    ],
)
def test_a_bad_identity_is_refused_and_nothing_changes(record, fault):
    user = UserFactory()
    client = signed_in_client(user)
    response = round_trip(client, LINK, fault=fault)
    assert outcome_of(response) == "identity_refused"
    nothing_changed(user)
    refused = AuditEvent.objects.get(event=events.IDENTITY_REFUSED, user=user)
    assert refused.details["reason"].startswith("identity_refused:")
    assert "We could not use your identity" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("level", ["P1", "none"])
def test_an_identity_below_p2_is_refused(record, level):
    user = UserFactory()
    response = round_trip(signed_in_client(user), LINK, level=level)
    assert outcome_of(response) == "identity_refused"
    nothing_changed(user)


def test_a_name_that_traces_to_nobody_is_refused(record):
    user = UserFactory()
    client = signed_in_client(user)
    response = round_trip(client, LINK, given_name="Nobody", family_name="Atall")
    assert outcome_of(response) == "no_match"
    nothing_changed(user)
    assert "We could not find your NHS record" in client.get(response["Location"]).content.decode()


def test_an_under_age_birth_date_is_refused():
    born = timezone.localdate() - datetime.timedelta(days=365 * 8)
    SyntheticPatientFactory(birth_date=born)
    user = UserFactory()
    client = signed_in_client(user)
    response = round_trip(client, LINK, birth_date=born.isoformat())
    assert outcome_of(response) == "too_young"
    nothing_changed(user)
    assert "11 or older" in client.get(response["Location"]).content.decode()


def test_several_matching_records_are_refused(record):
    SyntheticPatientFactory()  # a second Ffion Hughes, same birth date and postcode
    user = UserFactory()
    response = round_trip(signed_in_client(user), LINK)
    assert outcome_of(response) == "multiple"
    nothing_changed(user)


def test_a_record_already_proved_by_another_login_is_refused(record):
    prove(UserFactory(), "P9", nhs_number=record.nhs_number)
    user = UserFactory()
    response = round_trip(signed_in_client(user), LINK)
    assert outcome_of(response) == "identity_in_use"
    nothing_changed(user)


def test_a_p5_login_cannot_become_someone_else(record):
    user = prove(UserFactory(), "P5", nhs_number="9434765919")
    response = round_trip(signed_in_client(user), LINK)
    assert outcome_of(response) == "different_person"
    user.refresh_from_db()
    assert user.proofing_level == "P5"
    assert Identity.objects.get(user=user).nhs_number == "9434765919"
    assert not SocialAccount.objects.exists()


def test_a_linked_p5_login_reaches_p9_with_its_own_record_and_keeps_nothing_from_it(record):
    from accounts.one_login.fake import _sub

    user = prove(UserFactory(), "P5", nhs_number=record.nhs_number)
    SocialAccount.objects.create(
        user=user, provider="one_login", uid=_sub("ffion@example.com"), extra_data={}
    )
    response = round_trip(signed_in_client(user), LINK)
    assert outcome_of(response) == "proved"
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    (account,) = SocialAccount.objects.all()
    assert account.extra_data == {}
    assert "CF10" not in str(account.__dict__) and "Ffion" not in str(account.__dict__)


def test_tries_are_limited_per_login_per_day(record, settings):
    settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY = 2
    user = UserFactory()
    client = signed_in_client(user)
    for _ in range(2):
        assert outcome_of(round_trip(client, LINK, given_name="Nobody")) == "no_match"
    # The right identity now: still refused until tomorrow, and PDS is not asked.
    assert outcome_of(round_trip(client, LINK)) == "too_many_tries"
    nothing_changed(user)
    assert AuditEvent.objects.filter(event=events.TOO_MANY_TRIES, user=user).exists()
    assert User.objects.get(pk=user.pk).proofing_level == "P0"
