"""Delete your NHS login: the password again and a tick, then the login and its data go."""

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from accounts.models import EmailCode, PhoneDevice, RememberedBrowser, Session, User
from connected_services.models import (
    AccessToken,
    Consent,
    Grant,
    LogoutNotice,
    RefreshToken,
)
from core.models import AuditEvent, Notification
from core.notifications.service import rendered
from tests.accounts.data_rights import PASSWORD, patient_with_everything
from tests.accounts.helpers import sent_to
from tests.connected_services.test_logout_and_revocation import Receiver
from tests.fixtures.sessions import signed_in_client
from verification.models import IdCheck, IdCheckMedia, Identity, OnlineRegistrationDetails

pytestmark = pytest.mark.django_db
URL = reverse("accounts:delete_login")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def everything(phone_patient, receiver):
    return patient_with_everything(phone_patient, backchannel_logout_uri=receiver.url)


@pytest.fixture
def delete(django_capture_on_commit_callbacks):
    """Post the form as the patient's button does, running what waits for the commit."""

    def _delete(client, password=PASSWORD, confirm="on"):
        data = {"password": password}
        if confirm:
            data["confirm"] = confirm
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data)

    return _delete


def test_the_home_page_links_to_the_page_that_says_what_happens(phone_patient):
    client = signed_in_client(phone_patient)
    assert f'href="{URL}"' in client.get(reverse("accounts:home")).content.decode()
    html = client.get(URL).content.decode()
    assert "signed out of NHS login and every service you used" in html
    assert "Services you used keep the information you already shared" in html
    assert "record of how you proved who you are" in html
    assert "create a new NHS login" in html
    assert 'type="checkbox"' in html and 'type="password"' in html


def test_deleting_removes_the_login_and_what_we_keep_about_it(everything, delete):
    user = everything.user
    client = signed_in_client(user)
    response = delete(client)
    assert response.status_code == 302 and response.url == reverse("accounts:login_deleted")

    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Identity, PhoneDevice, RememberedBrowser, EmailCode, Consent, IdCheck):
        assert not model.objects.filter(user_id=user.pk).exists(), model.__name__
    for model in (AccessToken, RefreshToken, Grant):
        assert not model.objects.exists(), model.__name__
    assert not IdCheckMedia.objects.exists()
    for name in everything.media_names:
        assert not default_storage.exists(name), "an ID check file is still in the storage"
    (details,) = OnlineRegistrationDetails.objects.all()  # the practice's record stays
    assert details.used_by is None


def test_this_browser_is_signed_out_and_lands_on_the_confirmation(everything, delete):
    client = signed_in_client(everything.user)
    client.cookies["nhslogin_remembered_browser"] = "remembered-browser-token-value"
    response = delete(client)
    assert response.cookies["nhslogin_remembered_browser"].value == ""
    page = client.get(response.url)
    html = page.content.decode()
    assert 'class="nhsuk-panel"' in html and "Your NHS login has been deleted" in html
    assert "Sign out" not in html  # the header shows nobody signed in
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 302 and reverse("accounts:sign_in") in home.url


def test_every_session_of_the_patient_ends(everything, delete):
    user = everything.user
    other_device = signed_in_client(user)
    other_key = other_device.session.session_key
    someone_else = signed_in_client(User.objects.create_user("other@example.com", PASSWORD))
    delete(signed_in_client(user))
    assert not Session.objects.filter(session_key=other_key).exists()
    assert Session.objects.filter(session_key=someone_else.session.session_key).exists()
    response = other_device.get(reverse("accounts:home"))
    assert response.status_code == 302 and reverse("accounts:sign_in") in response.url


def test_services_the_patient_used_are_sent_a_back_channel_logout(everything, delete, receiver):
    sub = str(everything.user.sub)
    delete(signed_in_client(everything.user))
    (notice,) = LogoutNotice.objects.all()
    assert notice.reason == "deleted" and str(notice.sub) == sub
    assert notice.service == everything.service and notice.sent_at is not None
    assert len(receiver.tokens) == 1  # one notice, not one for signing out as well


def test_a_service_the_patient_shares_with_is_told_after_its_tokens_expired(
    everything, delete, receiver
):
    RefreshToken.objects.all().delete()
    delete(signed_in_client(everything.user))
    assert LogoutNotice.objects.filter(reason="deleted").count() == 1
    assert len(receiver.tokens) == 1


def test_the_email_is_sent_to_the_address_that_was_on_the_login(
    everything, delete, settings, client
):
    email = everything.user.email
    delete(signed_in_client(everything.user))
    (notification,) = sent_to(email, "accounts.login_deleted")
    assert notification.user_id is None  # so it outlives the login
    assert notification.status == Notification.Status.DELIVERED  # by the (eager) task
    subject, body = rendered(notification)
    assert subject == "Your NHS login has been deleted"
    assert settings.SITE_URL + reverse("accounts:create") in body
    # Earlier messages to the patient (their codes) go with the login.
    assert not Notification.objects.exclude(pk=notification.pk).filter(recipient=email)
    settings.DEBUG = True
    assert "Your NHS login has been deleted" in client.get("/outbox/").content.decode()


def test_audit_keeps_identity_decisions_unlinked_and_records_the_deletion(everything, delete):
    user = everything.user
    level_changed = AuditEvent.objects.get(event="identity.level_changed")
    delete(signed_in_client(user))

    deleted = AuditEvent.objects.get(event="account.deleted")
    assert deleted.user is None and deleted.actor is None
    assert deleted.ip_address is None and deleted.user_agent == ""
    assert deleted.details["by"] == "patient" and deleted.details["level"] == "P9"
    assert deleted.details["kept_events"] == 1
    reference = deleted.details["deleted_login"]

    level_changed.refresh_from_db()
    assert level_changed.user is None
    assert level_changed.details["deleted_login"] == reference
    assert level_changed.details["route"] == "GP online details"
    assert not AuditEvent.objects.filter(event__startswith="sign_in.").exists()
    assert not AuditEvent.objects.filter(event__startswith="account.password").exists()
    for event in AuditEvent.objects.all():
        assert user.email not in str(event.details) and str(user.sub) not in str(event.details)


def test_sign_in_is_impossible_afterwards_and_a_new_login_can_use_the_email(
    everything, delete, client
):
    email = everything.user.email
    delete(signed_in_client(everything.user))
    response = client.post(reverse("accounts:sign_in"), {"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter the security code" not in response.content.decode()
    assert not User.objects.filter(email=email).exists()

    response = client.post(
        reverse("accounts:create"),
        {"email": email, "password": "a brand new password", "terms": "on"},
    )
    assert response.url == reverse("accounts:confirm_email")
    assert EmailCode.objects.get(email=email, purpose="sign_up").decoy is False


def test_a_wrong_password_changes_nothing(everything, delete):
    user = everything.user
    response = delete(signed_in_client(user), password="not my password")
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert html.count("Your password is not right") == 2  # summary and inline
    assert User.objects.filter(pk=user.pk).exists()
    assert IdCheckMedia.objects.count() == 2
    assert all(default_storage.exists(name) for name in everything.media_names)
    assert not LogoutNotice.objects.exists()
    assert not sent_to(user.email, "accounts.login_deleted")
    assert not AuditEvent.objects.filter(event="account.deleted").exists()
    assert AuditEvent.objects.filter(event="account.password_check_failed", user=user).exists()


def test_without_the_tick_nothing_changes(everything, delete):
    user = everything.user
    response = delete(signed_in_client(user), confirm=None)
    html = response.content.decode()
    assert "Tick the box to confirm you want to delete your NHS login" in html
    assert 'href="#id_confirm"' in html
    assert User.objects.filter(pk=user.pk).exists() and Identity.objects.exists()
    assert not LogoutNotice.objects.exists()


def test_both_errors_show_at_once(everything, delete):
    html = delete(signed_in_client(everything.user), "wrong", confirm=None).content.decode()
    assert "Your password is not right" in html and "Tick the box" in html


def test_wrong_passwords_lock_and_then_the_right_one_is_refused(everything, delete):
    client = signed_in_client(everything.user)
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        html = delete(client, "wrong").content.decode()
    assert "too many times" in html
    assert "too many times" in delete(client).content.decode()
    assert User.objects.filter(pk=everything.user.pk).exists()


def test_a_post_without_the_csrf_token_is_refused(everything):
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in_client(everything.user).cookies
    response = client.post(URL, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert User.objects.filter(pk=everything.user.pk).exists()


def test_a_staff_login_is_not_deleted_from_here(delete):
    staff = User.objects.create_user("staff@example.com", PASSWORD, is_staff=True)
    client = signed_in_client(staff)
    assert "Delete your NHS login" not in client.get(reverse("accounts:home")).content.decode()
    response = delete(client)
    assert "Ask an administrator" in response.content.decode()
    assert User.objects.filter(pk=staff.pk).exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.post(URL, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and reverse("accounts:sign_in") in response.url
