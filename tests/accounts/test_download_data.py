"""Download your data: the password again, then a JSON file of what we keep."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import set_proofing_level
from accounts.services.data_rights import NOT_SHOWN_BELOW_P9
from core.models import AuditEvent
from tests.accounts.data_rights import NHS_NUMBER, PASSWORD, patient_with_everything
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
URL = reverse("accounts:download_data")


@pytest.fixture
def everything(phone_patient):
    return patient_with_everything(phone_patient)


def download(client, password=PASSWORD):
    return client.post(URL, {"password": password})


def test_the_home_page_links_to_the_download(phone_patient):
    html = signed_in_client(phone_patient).get(reverse("accounts:home")).content.decode()
    assert f'href="{URL}"' in html and "Download your data" in html


def test_the_page_says_what_the_file_holds_and_asks_for_the_password(phone_patient):
    response = signed_in_client(phone_patient).get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "What is in the file" in html
    assert 'type="password"' in html and 'autocomplete="current-password"' in html


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.post(URL, {"password": PASSWORD})
    assert response.status_code == 302 and reverse("accounts:sign_in") in response.url


def test_the_right_password_downloads_a_json_file_of_everything_we_keep(everything):
    user = everything.user
    response = download(signed_in_client(user))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="nhs-login-data-{today}.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)

    assert set(data) == {
        "about_this_file",
        "your_login",
        "who_you_are",
        "remembered_browsers",
        "passkeys",
        "authenticator_app",
        "services_you_used",
        "account_activity",
        "photo_id_checks",
        "gp_online_registration_details",
        "gov_uk_one_login",
    }
    login = data["your_login"]
    assert login["email_address"] == user.email
    assert login["phone_number"] == "+447400123456"
    assert login["level_of_proof"] == "P9"
    assert login["level_of_proof_reached_by"] == "GP online details"
    assert login["created"].startswith(timezone.localdate(user.date_joined).isoformat())
    assert data["who_you_are"] == {
        "nhs_number": NHS_NUMBER,
        "first_name": "Jane",
        "last_name": "Smith",
        "date_of_birth": "1985-04-12",
        "postcode": "LS1 4AP",
        "gp_practice_code": "A12345",
        "nation": None,
        "matched_to_nhs_record": data["who_you_are"]["matched_to_nhs_record"],
    }
    (browser,) = data["remembered_browsers"]
    assert browser["description"] == "Firefox on Linux" and browser["expires"]
    (service,) = data["services_you_used"]
    assert service["service"] == "Book a test"
    assert service["information_shared"] == [
        "your NHS number",
        "your last name",
        "your date of birth",
    ]
    assert service["agreed"] and service["last_used"]
    whats = [event["what"] for event in data["account_activity"]]
    assert "You signed in" in whats
    assert "Your level of proof changed to high (P9)" in whats
    (check,) = data["photo_id_checks"]
    assert check["status"] == "Not approved" and check["decision"] == "not approved"
    assert check["reason"] == "The photo or video cannot be seen clearly"
    assert check["photos_and_videos_kept"] == ["Photo ID (front or data page)", "Face scan"]
    (details,) = data["gp_online_registration_details"]
    assert details["gp_practice_code"] == "A12345" and details["used"]


def test_below_p9_the_file_leaves_out_what_only_the_nhs_record_says(everything):
    user = everything.user
    set_proofing_level(user, "P5", route="demographics trace")
    response = download(signed_in_client(user))
    assert response.status_code == 200
    assert NHS_NUMBER.encode() not in response.content
    assert b"A12345" not in response.content.split(b'"gp_online_registration_details"')[0]
    who = json.loads(response.content)["who_you_are"]
    assert who["nhs_number"] == who["gp_practice_code"] == NOT_SHOWN_BELOW_P9
    assert (who["first_name"], who["date_of_birth"], who["postcode"]) == (
        "Jane",
        "1985-04-12",
        "LS1 4AP",
    )


def test_the_file_holds_no_secrets(everything):
    client = signed_in_client(everything.user)
    content = download(client).content.decode()
    for name, value in everything.secrets.items():
        assert value and value not in content, f"the {name} is in the file"
    assert client.session.session_key not in content
    for word in ("password", "token", "linkage_key", "code_hash", "digits", "note"):
        assert f'"{word}' not in content


def test_the_download_leaves_an_audit_event_the_patient_sees(everything):
    user = everything.user
    download(signed_in_client(user))
    event = AuditEvent.objects.get(event="account.data_downloaded")
    assert event.user == user and event.actor == user and event.details == {}
    html = signed_in_client(user).get(reverse("accounts:activity")).content.decode()
    assert "You downloaded your data" in html


def test_a_wrong_password_downloads_nothing_and_says_why(everything):
    response = download(signed_in_client(everything.user), "not my password")
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert "There is a problem" in html and "Your password is not right" in html
    assert 'href="#id_password"' in html  # the summary links to the field
    assert html.count("Your password is not right") == 2  # summary and inline
    assert "<title>Error:" in html
    assert NHS_NUMBER not in html
    assert not AuditEvent.objects.filter(event="account.data_downloaded").exists()
    assert AuditEvent.objects.filter(
        event="account.password_check_failed", user=everything.user
    ).exists()


def test_no_password_is_asked_for_again(phone_patient):
    response = download(signed_in_client(phone_patient), "")
    assert "Enter your password" in response.content.decode()
    assert "Content-Disposition" not in response


def test_wrong_passwords_count_towards_the_sign_in_lockout(everything):
    client = signed_in_client(everything.user)
    for _ in range(4):
        assert "Your password is not right" in download(client, "wrong").content.decode()
    assert "too many times" in download(client, "wrong").content.decode()
    response = download(client)  # locked: even the right password is refused
    assert "too many times" in response.content.decode()
    assert "Content-Disposition" not in response
    assert AuditEvent.objects.filter(event="sign_in.locked_out", user=everything.user).exists()


def test_a_patient_with_nothing_proved_gets_empty_sections(phone_patient):
    data = json.loads(download(signed_in_client(phone_patient)).content)
    assert data["who_you_are"] is None
    assert data["your_login"]["level_of_proof"] == "P0"
    assert data["photo_id_checks"] == [] and data["services_you_used"] == []
    assert data["gp_online_registration_details"] == []
