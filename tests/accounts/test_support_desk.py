"""The support desk (issue 17, item 1): support staff find a patient's login in admin and act
on it with a reason; every action is audited with who did it, the patient sees it worded for
them, and services learn of it. Scoping: only the "Support staff" group sees it."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import ProofingLevel, Session, SupportCase, User
from accounts.services import proofing_hold
from accounts.services.limits import account_failures, record_sign_in_failure, sign_in_lock
from accounts.services.support import support_staff_group
from connected_services.models import RefreshToken
from core.models import AuditEvent
from core.notifications.service import rendered
from tests.accounts.data_rights import patient_with_everything
from tests.accounts.helpers import sent_to
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import signed_in_client
from tests.verification.gp_online.helpers import (
    give_identity,
    make_practice,
    make_registered_patient,
    make_staff,
    staff_client,
)

pytestmark = pytest.mark.django_db
ADMIN = f"/{settings.ADMIN_URL}"
LIST = f"{ADMIN}accounts/patientlogin/"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def make_support_staff(email="support@nhs-login.example") -> User:
    staff = User.objects.create_user(email, "correct horse battery", is_staff=True)
    staff.groups.add(support_staff_group())
    return staff


@pytest.fixture
def support():
    return staff_client(make_support_staff())


@pytest.fixture
def jane(db):
    return UserFactory(email="jane.smith@example.com", phone_number="+447700900123")


def found(client, term) -> list[str]:
    """The email addresses of the logins a search lists (not the search box's echo)."""
    import re

    html = client.get(LIST, {"q": term}).content.decode()
    return re.findall(r'<a href="[^"]*/change/[^"]*">([^<]+)</a>', html)


def act(client, login, action, reason="patient_asked", ticket="T-1"):
    return client.post(
        f"{LIST}{login.pk}/act/", {"action": action, "reason": reason, "ticket": ticket}
    )


# --- finding a login ------------------------------------------------------------------------


def test_support_find_a_login_by_email_phone_or_nhs_number_and_nothing_else(support, jane):
    UserFactory(email="john.smith@example.com")
    practice = make_practice()
    give_identity(jane, make_registered_patient(practice, nhs_number="9434765919"))
    for term in ("Jane.Smith@EXAMPLE.com", "07700 900123", "+447700900123", "943 476 5919"):
        assert found(support, term) == ["jane.smith@example.com"], term
    # No partial match, and an empty search lists nobody: the list is not for browsing.
    for term in ("", "smith", "example.com", "07700", "943476"):
        assert found(support, term) == [], term


def test_staff_logins_are_not_found_or_acted_on(support):
    colleague = make_support_staff("colleague@nhs-login.example")
    assert found(support, "colleague@nhs-login.example") == []
    assert act(support, colleague, "suspend").status_code == 404
    assert User.objects.get(pk=colleague.pk).is_active


def test_the_overview_shows_level_route_factors_browsers_services_and_audit(support, phone_patient):
    everything = patient_with_everything(phone_patient)
    html = support.get(f"{LIST}{phone_patient.pk}/change/").content.decode()
    for shown in (
        "Level of proof",
        "Second factors",
        "Mobile number",
        "Remembered browsers",
        "Book a test",  # the service used
        "Audit trail",
        "Act on this login",
    ):
        assert shown in html, shown
    assert everything.service.name in html


# --- who can see it -------------------------------------------------------------------------


def test_practice_staff_and_checkers_see_no_patient_logins(jane):
    practice_staff = staff_client(make_staff(make_practice()))
    checker = User.objects.create_user("checker@nhs-login.example", "pw long enough", is_staff=True)
    checker.groups.add(Group.objects.get_or_create(name="Identity checkers")[0])
    for client in (practice_staff, staff_client(checker)):
        assert client.get(LIST, {"q": jane.email}).status_code == 403
        assert client.get(f"{LIST}{jane.pk}/act/").status_code == 403
        assert act(client, jane, "suspend").status_code == 403
        assert "Patient logins" not in client.get(ADMIN).content.decode()
    assert User.objects.get(pk=jane.pk).is_active


def test_support_staff_do_not_see_practice_admin(support):
    assert support.get(f"{ADMIN}verification/registeredpatient/").status_code == 403
    assert "Patient logins" in support.get(ADMIN).content.decode()


def test_patients_cannot_reach_the_support_desk(jane):
    client = signed_in_client(jane)
    response = client.get(LIST)
    assert response.status_code in (302, 403)
    assert act(client, jane, "suspend").status_code in (302, 403)
    assert User.objects.get(pk=jane.pk).is_active


# --- acting ---------------------------------------------------------------------------------


def test_an_action_needs_a_reason_and_changes_nothing_without_one(support, jane):
    response = support.post(f"{LIST}{jane.pk}/act/", {"action": "suspend"})
    assert response.status_code == 200
    assert "Choose why you are doing this" in response.content.decode()
    assert User.objects.get(pk=jane.pk).is_active
    response = act(support, jane, "suspend", ticket="<script>")
    assert "Enter up to 20 letters, numbers and hyphens" in response.content.decode()
    assert User.objects.get(pk=jane.pk).is_active
    assert not AuditEvent.objects.filter(event__startswith="support.").exists()


def test_a_suspended_login_cannot_sign_in_or_use_tokens_and_a_reinstated_one_can(
    support, phone_patient, django_capture_on_commit_callbacks
):
    everything = patient_with_everything(phone_patient)
    browser = signed_in_client(phone_patient)
    with django_capture_on_commit_callbacks(execute=True):
        assert act(support, phone_patient, "suspend", reason="suspected_fraud").status_code == 302
    phone_patient.refresh_from_db()
    assert not phone_patient.is_active
    assert not Session.objects.filter(user_id=phone_patient.pk).exists()
    assert browser.get(reverse("accounts:home")).status_code == 302  # signed out
    assert not RefreshToken.objects.filter(user=phone_patient, revoked__isnull=True).exists()
    # Signing in with the right password does not work while suspended.
    response = Client().post(
        reverse("accounts:sign_in"), {"email": phone_patient.email, "password": PASSWORD}
    )
    assert not (response.status_code == 302 and "code" in response.url)
    (suspended,) = AuditEvent.objects.filter(event="support.suspended")
    assert suspended.user == phone_patient and suspended.actor.email == "support@nhs-login.example"
    assert suspended.details == {"reason": "suspected_fraud", "ticket": "T-1"}
    (email,) = sent_to(phone_patient.email, "accounts.login_suspended")
    assert rendered(email)[0] == "Your NHS login has been suspended"
    assert everything.service  # the service is told: tests/connected_services/test_security_events

    with django_capture_on_commit_callbacks(execute=True):
        assert act(support, phone_patient, "reinstate").status_code == 302
    assert User.objects.get(pk=phone_patient.pk).is_active
    assert sent_to(phone_patient.email, "accounts.login_reinstated")
    # Twice is refused with a clear message, and changes nothing.
    response = act(support, phone_patient, "reinstate")
    assert "This login is not suspended." in response.content.decode()


def test_unlocking_ends_a_sign_in_lockout(support, jane, rf):
    request = rf.post("/")
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        record_sign_in_failure(request, jane.email, jane, reason="password")
    assert sign_in_lock(request, jane.email).locked
    assert act(support, jane, "unlock").status_code == 302
    assert not sign_in_lock(request, jane.email).locked
    assert account_failures().count(_account(jane)) == 0
    assert AuditEvent.objects.filter(event="support.unlocked", user=jane).exists()


def _account(user):
    from accounts.services.limits import account_key

    return account_key(user.email)


def test_a_new_password_is_required_before_anything_else(support, phone_patient):
    browser = signed_in_client(phone_patient)
    assert act(support, phone_patient, "require_new_password").status_code == 302
    assert browser.get(reverse("accounts:home")).status_code == 302  # signed out everywhere
    browser = signed_in_client(phone_patient)
    response = browser.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:change_password")
    page = browser.get(response.url).content.decode()
    assert "asked you to choose a new password" in page
    new = "a completely different long password"
    response = browser.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password": new},
    )
    phone_patient.refresh_from_db()
    assert not phone_patient.password_change_required, response.content.decode()[:2000]
    assert browser.get(reverse("accounts:home")).status_code == 200
    assert sent_to(phone_patient.email, "accounts.new_password_required")


def test_taking_the_level_down_means_proving_again(
    support, phone_patient, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=phone_patient.pk).update(proofing_level=ProofingLevel.P9)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(support, phone_patient, "take_level_down", reason="not_me_report")
    assert response.status_code == 302
    assert User.objects.get(pk=phone_patient.pk).proofing_level == ProofingLevel.P0
    changed = AuditEvent.objects.get(event="identity.level_changed", user=phone_patient)
    assert changed.details["level"] == "P0" and changed.actor.email == "support@nhs-login.example"
    assert sent_to(phone_patient.email, "accounts.prove_again")
    response = act(support, phone_patient, "take_level_down")
    assert "there is no level to take down" in response.content.decode()


def test_an_identity_fraud_victim_gets_extra_checks_before_proving_again(support, jane):
    assert not proofing_hold(jane)
    assert act(support, jane, "mark_identity_fraud", reason="suspected_fraud").status_code == 302
    assert proofing_hold(jane)  # no P9 fast track: a person decides
    case = SupportCase.objects.get(user=jane)
    assert case.kind == "identity_fraud" and case.status == "open"
    assert not sent_to(jane.email)  # the person holding the login may be the fraudster


def test_the_patient_sees_support_actions_in_their_activity_worded_for_them(support, jane):
    act(support, jane, "unlock")
    act(support, jane, "mark_identity_fraud")
    html = signed_in_client(jane).get(reverse("accounts:activity")).content.decode()
    assert "Our support team unlocked sign in for you" in html
    assert "Our support team added extra checks before you can prove who you are again" in html
    assert "support@nhs-login.example" not in html  # staff are not named to the patient


# --- in the browser -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_support_find_and_suspend_a_login_in_the_browser(page, jane):
    from tests.verification.gp_online.test_browser import sign_in_staff_browser

    sign_in_staff_browser(page, make_support_staff())
    page.goto(f"{ADMIN}")
    axe_check(page)
    page.get_by_role("link", name="Patient logins").click()
    axe_check(page)
    page.get_by_role("textbox").first.fill("jane.smith@example.com")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe_check(page)
    page.get_by_role("link", name="jane.smith@example.com").click()
    axe_check(page)
    page.get_by_role("link", name="Act on this login").click()
    axe_check(page)
    page.get_by_role("button", name="Do this").click()  # nothing chosen
    axe_check(page)
    assert page.get_by_text("Choose what to do").is_visible()
    page.get_by_label("Suspend").check()
    page.get_by_label("We suspect someone else is using the login").check()
    page.get_by_label("Ticket reference (optional)").fill("INC-42")
    page.get_by_role("button", name="Do this").click()
    axe_check(page)
    assert page.get_by_text("Done: suspend.").is_visible()
    assert page.get_by_text("Suspended", exact=True).is_visible()
    assert not User.objects.get(pk=jane.pk).is_active
