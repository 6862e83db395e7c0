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


def _signed_identity(claims: dict, key=None) -> str:
    from jwcrypto import jwt

    from accounts.one_login import fake

    token = jwt.JWT(header={"alg": "ES256", "kid": fake._identity_kid()}, claims=claims)
    token.make_signed_token(key or fake.identity_key())
    return token.serialize()


def _claims(**overrides) -> dict:
    import time

    from django.conf import settings

    now = int(time.time())
    return {
        "iss": settings.ONE_LOGIN_IDENTITY_ISSUER,
        "sub": "urn:fdc:gov.uk:2022:someone",
        "aud": settings.ONE_LOGIN_CLIENT_ID,
        "nbf": now,
        "exp": now + 60,
        "vot": "P2",
        "vc": {
            "credentialSubject": {
                "name": [
                    {
                        "nameParts": [
                            {"type": "GivenName", "value": "Ffion"},
                            {"type": "FamilyName", "value": "Hughes"},
                        ]
                    }
                ],
                "birthDate": [{"value": "1990-02-14"}],
            }
        },
        **overrides,
    }


ADDRESS = {"https://vocab.account.gov.uk/v1/address": [{"postalCode": "cf101ep"}]}
BAD_POSTCODE = {"https://vocab.account.gov.uk/v1/address": [{"postalCode": "nonsense"}]}
NO_NAME = {"credentialSubject": {"birthDate": [{"value": "1990-02-14"}]}}


def _read(claims: dict, address=ADDRESS):
    from verification.one_login.identity import read_identity

    userinfo = {"https://vocab.account.gov.uk/v1/coreIdentityJWT": _signed_identity(claims)}
    return read_identity({**userinfo, **address}, sub="urn:fdc:gov.uk:2022:someone")


def test_the_identity_read_from_one_login_is_its_current_name_birth_date_and_postcode():
    identity = _read(
        _claims(),
        {
            "https://vocab.account.gov.uk/v1/address": [
                {"postalCode": "SW1A 1AA", "validUntil": "2019-12-31"},
                {"postalCode": "cf101ep"},
            ]
        },
    )
    assert (identity.given_name, identity.family_name) == ("Ffion", "Hughes")
    assert identity.birth_date == datetime.date(1990, 2, 14)
    assert identity.postcode == "CF10 1EP"


# The claims are made when each test runs, not when the module is collected: minutes later, in
# a long run, an identity made at collection time has expired and every case reads "expired".
@pytest.mark.parametrize(
    ("overrides", "address", "reason"),
    [
        ({"iss": "https://someone-else.example/"}, ADDRESS, "issuer"),
        ({"vot": "P1"}, ADDRESS, "level"),
        ({"vot": "P2.Cl.Cm"}, ADDRESS, "level"),
        ({"sub": "urn:fdc:gov.uk:2022:another"}, ADDRESS, "different_sub"),
        (
            {"vc": {"credentialSubject": {"birthDate": [{"value": "1990-02-14"}]}}},
            ADDRESS,
            "no_name",
        ),
        ({}, {}, "no_postcode"),
        (
            {},
            {"https://vocab.account.gov.uk/v1/address": [{"postalCode": "nonsense"}]},
            "no_postcode",
        ),
    ],
)
def test_an_identity_missing_a_part_or_a_check_is_refused(overrides, address, reason):
    from verification.one_login.identity import IdentityRefused

    with pytest.raises(IdentityRefused) as refused:
        _read(_claims(**overrides), address)
    assert refused.value.reason == reason


def test_an_rs256_identity_is_refused_even_with_a_published_key():
    """One Login signs identities with ES256: an identity signed with another algorithm is
    refused, whatever key it names."""
    from jwcrypto import jwk, jwt

    from verification.one_login.identity import IdentityRefused, read_identity

    key = jwk.JWK.generate(kty="RSA", size=2048)
    token = jwt.JWT(header={"alg": "RS256"}, claims=_claims())
    token.make_signed_token(key)
    userinfo = {"https://vocab.account.gov.uk/v1/coreIdentityJWT": token.serialize(), **ADDRESS}
    with pytest.raises(IdentityRefused):
        read_identity(userinfo, sub="urn:fdc:gov.uk:2022:someone")


def test_the_fakes_page_explains_a_missing_answer():
    from tests.accounts.one_login import authorization_request

    client = signed_in_client(UserFactory())
    params = authorization_request(client.post(LINK))
    response = client.post("/fake-one-login/authorize", {**params, "level": "P2", "fault": "none"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Enter an email address for the One Login account" in page
    assert "Enter the given name of the identity" in page


def test_proving_for_a_connected_service_goes_straight_back_to_it(record):
    user = UserFactory()
    client = signed_in_client(user)
    session = client.session
    session["uplift"] = {"target": "P9", "return_to": "/authorize?client_id=x", "service": "GP"}
    session.save()
    assert "Use your GOV.UK One Login" in client.get("/prove-who-you-are/").content.decode()
    response = round_trip(client, LINK)
    assert response["Location"] == "/authorize?client_id=x"
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    assert "uplift" not in client.session


@pytest.mark.django_db(transaction=True)
def test_two_tries_at_once_cannot_both_take_the_last_one(settings):
    """Both tries arrive while the login's row is busy; when it frees, one takes the last
    try and the other is refused, not both traced."""
    import threading

    from django.db import connection, connections, transaction

    from verification.one_login import services

    settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY = 1
    user = UserFactory()
    outcomes = []

    def try_once():
        try:
            outcomes.append(services.check_identity(None, user, sub="s", userinfo={}).outcome)
        finally:
            connections.close_all()

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # the row is busy
        threads = [threading.Thread(target=try_once) for _ in range(2)]
        for thread in threads:
            thread.start()
        threads[0].join(timeout=1)  # both wait on the lock
    for thread in threads:
        thread.join(timeout=30)
    connection.close()
    assert sorted(o.split(":")[0] for o in outcomes) == ["identity_refused", "too_many_tries"]
    assert AuditEvent.objects.filter(user=user, event=events.TRIED).count() == 1
