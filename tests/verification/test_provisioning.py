"""Logins made for a patient by an organisation: the services and the patient's pages."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProofingNotice, User
from core.models import AuditEvent
from tests.accounts.helpers import latest_code, sent_to
from tests.verification.provisioning_helpers import (
    EMAIL,
    LONG_NAME,
    MOBILE,
    NHS_NUMBER,
    OTHER_NHS_NUMBER,
    details,
    latest_link,
    link_emails,
    make_organisation,
    make_pds_patient,
    pds_answering_503,
    token_of,
)
from verification import demographics
from verification.models import Identity, ProvisionRequest
from verification.provisioning import messages, services
from verification.provisioning.services import Answer

pytestmark = pytest.mark.django_db

PASSWORD = "purple elephant kettle"


@pytest.fixture
def organisation():
    make_pds_patient()
    return make_organisation()


def open_link(client, link):
    """Follow the emailed link and press Continue: the code is texted."""
    assert client.get(link).status_code == 302
    assert client.get(reverse("provisioning:start")).status_code == 200
    return client.post(reverse("provisioning:start"))


def enter_code(client, code=None):
    return client.post(reverse("provisioning:code"), {"code": code or latest_code(MOBILE)})


def submitted(organisation, **changes):
    return services.submit(organisation, details(**changes))


# --- Submitting ----------------------------------------------------------------------------


def test_details_that_trace_to_one_record_are_accepted_and_the_patient_is_emailed(organisation):
    result = submitted(organisation)
    assert result.answer == Answer.ACCEPTED
    row = result.request
    assert row.state == ProvisionRequest.State.SENT
    assert [n.template for n in link_emails()] == [messages.SET_UP_LINK.name]
    assert ProvisionRequest.hash_token(token_of(latest_link())) == row.link_token_hash


def test_personal_data_is_encrypted_at_rest(organisation):
    from django.db import connection

    row = submitted(organisation).request
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nhs_number, email, mobile, family_name FROM verification_provisionrequest "
            "WHERE id = %s",
            [row.pk],
        )
        stored = " ".join(cursor.fetchone())
    for plain in (NHS_NUMBER, EMAIL, MOBILE, "Jones"):
        assert plain not in stored


def test_the_answer_is_the_same_whether_or_not_a_login_exists(organisation):
    first = submitted(organisation)
    owner = User.objects.create_user(EMAIL, PASSWORD, email_verified=True)
    second = submitted(organisation)
    assert first.answer == second.answer == Answer.ACCEPTED
    # Only the owner of the login, at its own address, reads "sign in to accept".
    templates = [n.template for n in sorted(link_emails(), key=lambda n: n.created_at)]
    assert templates == [messages.SET_UP_LINK.name, messages.SIGN_IN_TO_ACCEPT_LINK.name]
    assert owner.pk


def test_a_login_with_this_nhs_number_at_another_address_is_not_revealed_by_the_email(
    organisation,
):
    holder = User.objects.create_user("other@example.com", PASSWORD)
    Identity.objects.create(
        user=holder,
        nhs_number=NHS_NUMBER,
        family_name="Jones",
        birth_date=datetime.date(1980, 3, 14),
        traced_at=timezone.now(),
    )
    assert submitted(organisation).answer == Answer.ACCEPTED
    assert [n.template for n in link_emails()] == [messages.SET_UP_LINK.name]
    assert not sent_to("other@example.com")


def test_a_disabled_organisation_is_refused(organisation):
    organisation.enabled = False
    organisation.save()
    assert submitted(organisation).answer == Answer.NOT_REGISTERED
    assert not link_emails()
    assert AuditEvent.objects.filter(
        event="provisioning.refused", details__reason="organisation_disabled"
    ).exists()


def test_details_that_trace_to_nobody_are_refused(organisation):
    assert submitted(organisation, family_name="Nobody").answer == Answer.NOT_MATCHED
    assert not link_emails()


def test_details_that_trace_to_several_records_are_refused(organisation):
    make_pds_patient(nhs_number=OTHER_NHS_NUMBER)  # a twin: same name, birth date, postcode
    assert submitted(organisation).answer == Answer.NOT_MATCHED
    assert AuditEvent.objects.filter(event="provisioning.refused", details__reason="multiple")


def test_an_nhs_number_that_is_not_the_traced_records_is_refused(organisation):
    assert submitted(organisation, nhs_number=OTHER_NHS_NUMBER).answer == Answer.NOT_MATCHED
    assert AuditEvent.objects.filter(
        event="provisioning.refused", details__reason="nhs_number_differs"
    )


def test_a_patient_under_the_minimum_age_is_refused(organisation):
    young = datetime.date.today() - datetime.timedelta(days=365 * 9)
    make_pds_patient(
        nhs_number=OTHER_NHS_NUMBER, given_name="Kit", given_key="kit", birth_date=young
    )
    result = submitted(
        organisation, nhs_number=OTHER_NHS_NUMBER, given_name="Kit", birth_date=young
    )
    assert result.answer == Answer.TOO_YOUNG
    assert not link_emails()


def test_a_rogue_organisation_with_its_own_mobile_is_refused(organisation):
    # Someone else's NHS number and details, with the organisation's own email and mobile.
    result = submitted(organisation, email="rogue@example.com", mobile="+447700900999")
    assert result.answer == Answer.NOT_MATCHED
    assert not link_emails("rogue@example.com")
    assert AuditEvent.objects.filter(event="provisioning.refused", details__reason="mobile_differs")


def test_a_record_with_no_mobile_is_refused(organisation):
    make_pds_patient(nhs_number=OTHER_NHS_NUMBER, given_name="Ali", given_key="ali", mobile="")
    result = submitted(organisation, nhs_number=OTHER_NHS_NUMBER, given_name="Ali")
    assert result.answer == Answer.NOT_MATCHED
    assert AuditEvent.objects.filter(
        event="provisioning.refused", details__reason="no_mobile_on_record"
    )


def test_a_demographics_service_that_cannot_answer_stores_and_counts_nothing(
    organisation, monkeypatch
):
    monkeypatch.setattr(demographics, "backend", pds_answering_503)
    assert submitted(organisation).answer == Answer.UNAVAILABLE
    assert not ProvisionRequest.objects.exists()
    assert not link_emails()
    monkeypatch.undo()
    assert submitted(organisation).answer == Answer.ACCEPTED  # the same details, once it is back


def test_an_organisation_is_limited_per_day(organisation, settings):
    settings.PROVISIONING_REQUESTS_PER_ORGANISATION_PER_DAY = 2
    settings.PROVISIONING_REQUESTS_PER_NHS_NUMBER = 10
    assert submitted(organisation, family_name="Nobody").answer == Answer.NOT_MATCHED
    assert submitted(organisation).answer == Answer.ACCEPTED
    assert submitted(organisation).answer == Answer.ORGANISATION_LIMIT


def test_an_nhs_number_is_limited_across_organisations(organisation, settings):
    settings.PROVISIONING_REQUESTS_PER_NHS_NUMBER = 2
    other = make_organisation(name="Another Surgery", ods_code="B23456")
    assert submitted(organisation).answer == Answer.ACCEPTED
    assert submitted(other).answer == Answer.ACCEPTED
    assert submitted(other).answer == Answer.NHS_NUMBER_LIMIT


def test_one_organisations_refused_requests_cannot_block_a_patient_elsewhere(
    organisation, settings
):
    settings.PROVISIONING_REQUESTS_PER_NHS_NUMBER = 2
    rogue = make_organisation(name="Rogue Clinic", ods_code="R99999")
    for _ in range(3):
        assert submitted(rogue, family_name="Nobody").answer in (
            Answer.NOT_MATCHED,
            Answer.NHS_NUMBER_LIMIT,
        )
    assert submitted(rogue).answer == Answer.NHS_NUMBER_LIMIT  # its own refusals count
    assert submitted(organisation).answer == Answer.ACCEPTED  # the patient's practice is not


def test_a_new_request_for_the_same_patient_stops_the_earlier_link(organisation):
    first = submitted(organisation).request
    first_link = latest_link()
    submitted(organisation)
    first.refresh_from_db()
    assert first.state == ProvisionRequest.State.EXPIRED
    client = Client()
    client.get(first_link)
    assert client.get(reverse("provisioning:start")).status_code == 404


def test_audit_events_hold_no_personal_data(organisation):
    submitted(organisation)
    submitted(organisation, family_name="Nobody")
    for event in AuditEvent.objects.filter(event__startswith="provisioning."):
        text = str(event.details)
        for plain in (NHS_NUMBER, EMAIL, MOBILE, "Jones", "1980"):
            assert plain not in text


# --- The patient's journey -----------------------------------------------------------------


def test_a_new_patient_sets_up_a_login_at_p9_provisioned_by_the_full_organisation_name(
    organisation,
):
    row = submitted(organisation).request
    client = Client()
    assert open_link(client, latest_link()).url == reverse("provisioning:code")
    assert enter_code(client).url == reverse("provisioning:finish")
    assert client.get(reverse("provisioning:finish")).url == reverse("provisioning:password")
    response = client.post(reverse("provisioning:password"), {"password": PASSWORD})
    assert response.url == reverse("provisioning:done")

    user = User.objects.get(email=EMAIL)
    assert user.proofing_level == "P9"
    assert (user.email_verified, user.phone_verified, user.phone_number) == (True, True, MOBILE)
    assert user.check_password(PASSWORD)
    assert user.identity.nhs_number == NHS_NUMBER
    assert user.identity.phone_number_pds_matched
    level = AuditEvent.objects.get(event="identity.level_changed", user=user)
    assert level.details["route"] == f"provisioned by {LONG_NAME}"
    notice = ProofingNotice.objects.get(user=user)
    assert notice.route == f"provisioned by {LONG_NAME}"  # in full: the column was widened
    row.refresh_from_db()
    assert (row.state, row.user, row.email, row.nhs_number) == ("completed", user, "", "")
    assert client.get(reverse("provisioning:done")).status_code == 200  # signed in
    assert AuditEvent.objects.filter(event="provisioning.completed", user=user).exists()


def test_the_password_follows_the_projects_rules(organisation):
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    response = client.post(reverse("provisioning:password"), {"password": "password"})
    assert response.status_code == 200
    assert "Error: " in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()


def test_a_patient_with_a_login_signs_in_to_accept_and_it_is_raised(organisation):
    user = User.objects.create_user(
        EMAIL, PASSWORD, email_verified=True, phone_verified=True, phone_number=MOBILE,
        phone_kind="mobile",
    )  # fmt: skip
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    page = client.get(reverse("provisioning:finish"))
    assert "Sign in to accept" in page.content.decode()
    client.force_login(user)
    assert client.post(reverse("provisioning:finish")).url == reverse("provisioning:done")
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    assert user.identity.nhs_number == NHS_NUMBER
    assert User.objects.count() == 1


def test_a_login_that_proved_someone_else_cannot_accept(organisation):
    other = User.objects.create_user("someone@example.com", PASSWORD)
    Identity.objects.create(
        user=other,
        nhs_number=OTHER_NHS_NUMBER,
        family_name="Smith",
        birth_date=datetime.date(1970, 1, 1),
        traced_at=timezone.now(),
    )
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    client.force_login(other)
    response = client.post(reverse("provisioning:finish"))
    assert response.status_code == 200
    assert "We cannot use this NHS login" in response.content.decode()
    row = ProvisionRequest.objects.get()
    assert (row.state, row.refused_reason) == ("refused", "login_proved_someone_else")
    assert row.email == ""
    other.refresh_from_db()
    assert other.proofing_level == "P0"
    assert other.identity.nhs_number == OTHER_NHS_NUMBER


def test_a_link_used_twice_does_not_work(organisation):
    submitted(organisation)
    link = latest_link()
    open_link(Client(), link)
    second = Client()
    second.get(link)
    assert second.get(reverse("provisioning:start")).status_code == 404
    assert second.post(reverse("provisioning:start")).status_code == 404
    assert AuditEvent.objects.filter(event="provisioning.link_refused", details__reason="used")


def test_an_expired_link_does_not_work(organisation):
    row = submitted(organisation).request
    ProvisionRequest.objects.filter(pk=row.pk).update(
        link_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = Client()
    client.get(latest_link())
    assert client.get(reverse("provisioning:start")).status_code == 404


def test_a_link_that_expires_midway_cannot_finish(organisation):
    row = submitted(organisation).request
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    ProvisionRequest.objects.filter(pk=row.pk).update(
        link_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.post(reverse("provisioning:password"), {"password": PASSWORD})
    assert not User.objects.filter(email=EMAIL).exists()


def test_guessed_links_are_refused_audited_without_flooding_and_stopped(organisation, settings):
    settings.PROVISIONING_BAD_LINKS_PER_ADDRESS = 5
    submitted(organisation)
    real = latest_link()
    client = Client()
    for guess in range(8):
        client.get(f"{reverse('provisioning:start')}?token=guess{guess}")
        assert client.get(reverse("provisioning:start")).status_code == 404
    refused = AuditEvent.objects.filter(event="provisioning.link_refused")
    assert refused.count() == 2  # the first, and the one that stopped the address
    # From this address even the real link is refused now.
    client.get(real)
    page = client.get(reverse("provisioning:start"))
    assert page.status_code == 404
    assert "Try again in an hour" in page.content.decode()
    assert Client(REMOTE_ADDR="192.0.2.9").get(real).status_code == 302


def test_a_patient_who_cannot_confirm_the_mobiles_code_gets_nothing(organisation):
    row = submitted(organisation).request
    client = Client()
    open_link(client, latest_link())
    right = latest_code(MOBILE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        response = enter_code(client, wrong)
    assert "too many times" in response.content.decode()
    row.refresh_from_db()
    assert (row.state, row.refused_reason) == ("refused", "phone_code_void")
    assert client.get(reverse("provisioning:password")).status_code == 404
    assert not User.objects.filter(email=EMAIL).exists()


def test_the_password_page_needs_the_code_first(organisation):
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    assert client.get(reverse("provisioning:password")).url == reverse("provisioning:finish")
    assert client.get(reverse("provisioning:finish")).url == reverse("provisioning:code")
    client.post(reverse("provisioning:password"), {"password": PASSWORD})
    assert not User.objects.filter(email=EMAIL).exists()


def test_the_link_token_is_not_kept_in_the_address_bar(organisation):
    submitted(organisation)
    client = Client()
    response = client.get(latest_link())
    assert response.url == reverse("provisioning:start")


# --- Expiry --------------------------------------------------------------------------------


def test_expire_provisions_ends_unused_requests_and_blanks_their_personal_data(organisation):
    from verification.tasks import expire_provisions

    row = submitted(organisation).request
    fresh = submitted(make_organisation(name="Fresh", ods_code="C34567")).request
    ProvisionRequest.objects.filter(pk=row.pk).update(
        link_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # ``fresh`` replaced ``row`` already; make a second patient's request expire instead.
    make_pds_patient(nhs_number=OTHER_NHS_NUMBER, given_name="Ali", given_key="ali")
    old = submitted(organisation, nhs_number=OTHER_NHS_NUMBER, given_name="Ali").request
    ProvisionRequest.objects.filter(pk=old.pk).update(
        link_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert expire_provisions() == 1
    assert expire_provisions() == 0
    old.refresh_from_db()
    assert (old.state, old.refused_reason) == ("expired", "link_expired")
    assert (old.nhs_number, old.email, old.mobile, old.given_name) == ("", "", "", "")
    assert old.nhs_number_index  # kept for the per-NHS-number limit
    fresh.refresh_from_db()
    assert fresh.state == "sent"
    assert AuditEvent.objects.filter(event="provisioning.expired").count() == 1


def test_the_proofing_notice_names_the_organisation_in_words():
    from accounts.services.proofing_notice import route_in_words

    assert LONG_NAME in route_in_words(f"provisioned by {LONG_NAME}")


def test_the_demo_registers_the_demo_practice_and_its_patient_can_be_submitted():
    from verification import demo_gp, demo_provisioning
    from verification.demographics.generator import reserved_nhs_number

    demo_gp.seed()
    demo_provisioning.seed()
    lines = demo_provisioning.seed()  # idempotent
    organisation = ProvisionRequest._meta.get_field("organisation").related_model.objects.get()
    assert organisation.ods_code == demo_gp.ODS_CODE
    assert any("provisioning" in line for line in lines)
    answer = services.submit(
        organisation,
        details(
            nhs_number=reserved_nhs_number(demo_provisioning.RECORD_INDEX),
            given_name="Nia",
            family_name="Roberts",
            birth_date=datetime.date(1988, 7, 21),
            mobile="+447700900321",
        ),
    ).answer
    assert answer == Answer.ACCEPTED


def test_signing_in_to_a_login_other_than_the_one_with_this_nhs_number_raises_neither(
    organisation,
):
    holder = User.objects.create_user("holder@example.com", PASSWORD)
    Identity.objects.create(
        user=holder,
        nhs_number=NHS_NUMBER,
        family_name="Jones",
        birth_date=datetime.date(1980, 3, 14),
        traced_at=timezone.now(),
    )
    newcomer = User.objects.create_user("new@example.com", PASSWORD)
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    assert "Sign in to accept" in client.get(reverse("provisioning:finish")).content.decode()
    client.force_login(newcomer)
    response = client.post(reverse("provisioning:finish"))
    assert "You have another NHS login" in response.content.decode()
    holder.refresh_from_db()
    newcomer.refresh_from_db()
    assert (holder.proofing_level, newcomer.proofing_level) == ("P0", "P0")
    assert not Identity.objects.filter(user=newcomer).exists()


def test_a_login_under_a_fraud_case_is_not_raised(organisation):
    from accounts.models import SupportCase

    user = User.objects.create_user(EMAIL, PASSWORD, email_verified=True)
    SupportCase.objects.create(user=user, kind=SupportCase.Kind.IDENTITY_FRAUD)
    submitted(organisation)
    client = Client()
    open_link(client, latest_link())
    enter_code(client)
    client.force_login(user)
    response = client.post(reverse("provisioning:finish"))
    assert "We cannot raise your NHS login now" in response.content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P0"
