"""Passwords: guessable ones refused everywhere, the reset link's token out of every address
after the first, and a new password forgets every remembered browser (issue 14: 5, 6, 7;
issue 16: the same password again, an empty form)."""

import logging
import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from accounts.models import EmailCode, RememberedBrowser, User
from core.models import AuditEvent
from core.notifications.service import rendered
from tests.accounts.helpers import latest_code, sent_to
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the factories' password
BREACHED = ["Passw0rd!", "Summer2024!", "Password123!", "Qwerty123!", "Liverpool1!"]
TOO_EASY = "This password is too easy to guess"
RESET_PAGE = "/account/password/reset/new-password/"


def reset_link(client, user) -> str:
    """Ask for a reset link, as the patient would, and return its path from the email."""
    client.post(reverse("accounts:password_forgotten"), {"email": user.email})
    email = sent_to(user.email, "accounts.password_reset_link")[0]
    link = re.search(r"https?://\S+", rendered(email)[1]).group(0)
    return "/" + link.split("/", 3)[3]


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


# Breached and guessable passwords


@pytest.mark.parametrize("password", BREACHED)
def test_passwords_that_breaches_make_easy_to_guess_are_refused_at_sign_up(client, password):
    response = client.post(
        reverse("accounts:create"),
        {"email": "new@example.com", "password": password, "terms": "on"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This password is too easy to guess. Many people use it" in html
    assert "Try 3 random words" in html
    assert html.count(TOO_EASY) == 2  # once in the error summary, once by the field
    assert not EmailCode.objects.exists()
    assert not sent_to("new@example.com")


def test_a_long_passphrase_is_accepted_at_sign_up(client):
    response = client.post(
        reverse("accounts:create"),
        {"email": "new@example.com", "password": "walnut river candle", "terms": "on"},
    )
    assert response.url == reverse("accounts:confirm_email")


def test_a_password_made_from_the_email_address_is_refused(client):
    response = client.post(
        reverse("accounts:create"),
        {"email": "jane.smith@example.com", "password": "Jane.Smith.1", "terms": "on"},
    )
    assert TOO_EASY in response.content.decode()
    assert not EmailCode.objects.exists()


@pytest.mark.parametrize("password", ["Summer2024!", "Liverpool1!"])
def test_a_guessable_password_is_refused_when_changing_it(phone_patient, password):
    client = signed_in_client(phone_patient)
    response = client.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password": password},
    )
    assert response.status_code == 200
    assert TOO_EASY in response.content.decode()
    phone_patient.refresh_from_db()
    assert phone_patient.check_password(PASSWORD)


def test_a_guessable_password_is_refused_when_resetting_it(client, phone_patient):
    client.get(reset_link(client, phone_patient))
    response = client.post(RESET_PAGE, {"password": "Passw0rd!"})
    assert response.status_code == 200
    assert TOO_EASY in response.content.decode()
    assert User.objects.get(pk=phone_patient.pk).check_password(PASSWORD)


def test_every_way_of_setting_a_password_goes_through_the_guessable_check():
    from django.contrib.auth.password_validation import get_default_password_validators

    from accounts.password_validation import GuessablePasswordValidator

    validators = get_default_password_validators()
    (guessable,) = [v for v in validators if isinstance(v, GuessablePasswordValidator)]
    assert guessable.min_score == 3


# The same password again, and an empty form


def test_a_new_password_the_same_as_the_current_one_is_refused(phone_patient):
    client = signed_in_client(phone_patient)
    before = phone_patient.password
    response = client.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password": PASSWORD},
    )
    assert response.status_code == 200
    assert "Your new password must be different from your current password" in (
        response.content.decode()
    )
    phone_patient.refresh_from_db()
    assert phone_patient.password == before
    assert not sent_to(phone_patient.email, "accounts.password_changed")


def test_an_empty_change_password_form_shows_what_is_missing(phone_patient):
    client = signed_in_client(phone_patient)
    response = client.post(reverse("accounts:change_password"), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter your current password" in html
    assert "Enter a password" in html
    assert "<title>Error: " in html


def test_an_empty_new_password_form_shows_what_is_missing(client, phone_patient):
    client.get(reset_link(client, phone_patient))
    response = client.post(RESET_PAGE, {})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Enter a password" in response.content.decode()
    assert User.objects.get(pk=phone_patient.pk).check_password(PASSWORD)


def test_a_reset_to_the_password_the_login_already_has_is_refused(client):
    from tests.factories import UserFactory

    strong = "plum kettle orbit lantern 93"
    patient = UserFactory()
    patient.set_password(strong)
    patient.save()
    before = User.objects.get(pk=patient.pk).password
    client.get(reset_link(client, patient))
    response = client.post(RESET_PAGE, {"password": strong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This is already your password. Sign in with it, or choose a different" in html
    assert "<title>Error: " in html
    assert User.objects.get(pk=patient.pk).password == before
    assert not sent_to(patient.email, "accounts.password_changed")
    # the link still works for a different password
    response = client.post(RESET_PAGE, {"password": "a different long passphrase 41"})
    assert response.status_code == 302
    assert User.objects.get(pk=patient.pk).check_password("a different long passphrase 41")


# The reset link's token


def test_the_reset_link_moves_its_token_out_of_the_address(client, phone_patient):
    link = reset_link(client, phone_patient)
    token = token_of(link)
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == RESET_PAGE
    assert token not in response.url

    response = client.get(response.url)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    assert token not in response.content.decode()  # not in the form's action either
    assert response.headers["Referrer-Policy"] == "same-origin"

    response = client.post(RESET_PAGE, {"password": "a fresh long password"})
    assert response.url == reverse("accounts:sign_in")
    assert User.objects.get(pk=phone_patient.pk).check_password("a fresh long password")


def test_the_token_is_only_in_the_first_request_and_in_no_log(client, phone_patient, caplog):
    link = reset_link(client, phone_patient)
    token = token_of(link)
    caplog.set_level(logging.DEBUG)
    requests = []  # what an access log would hold: each request line and its Referer
    path = link
    response = client.get(path)
    requests.append(path)
    while response.status_code == 302:
        path, referer = response.url, f"http://testserver{path}"
        response = client.get(path, HTTP_REFERER=referer)
        requests.append(path)
    client.post(RESET_PAGE, {"password": "a fresh long password"})
    requests.append(RESET_PAGE)
    # A wrong token on a second try: refused on the page without it.
    response = client.get(client.get(link[: -len(token) - 1] + "x" + token + "/").url)
    assert response.status_code == 400
    assert [token in r for r in requests] == [True] + [False] * (len(requests) - 1)
    assert not [r.getMessage() for r in caplog.records if token in r.getMessage()]


def test_a_wrong_token_gets_a_clear_page_and_changes_nothing(client, phone_patient):
    link = reset_link(client, phone_patient)
    wrong = link.replace(token_of(link), token_of(link)[:-4] + "0000")
    response = client.get(client.get(wrong).url)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert "Your password has not been changed" in response.content.decode()
    response = client.post(RESET_PAGE, {"password": "a fresh long password"})
    assert response.status_code == 400
    assert User.objects.get(pk=phone_patient.pk).check_password(PASSWORD)


def test_a_used_link_does_not_work_again(client, phone_patient):
    link = reset_link(client, phone_patient)
    client.get(link)
    client.post(RESET_PAGE, {"password": "a fresh long password"})
    response = client.get(client.get(link).url)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    response = client.post(RESET_PAGE, {"password": "another long password"})
    assert response.status_code == 400
    assert User.objects.get(pk=phone_patient.pk).check_password("a fresh long password")


def test_the_new_password_page_needs_a_link_from_this_browser(client, phone_patient):
    link = reset_link(client, phone_patient)
    client.get(link)  # the patient's browser opened the link
    other = type(client)()
    response = other.post(RESET_PAGE, {"password": "a fresh long password"})
    assert response.status_code == 400
    assert User.objects.get(pk=phone_patient.pk).check_password(PASSWORD)


def test_a_link_for_another_login_changes_only_that_login(client, phone_patient, patient):
    """A patient who opens someone else's (valid) link then their own sets only their own."""
    client.get(reset_link(client, patient))
    client.get(reset_link(client, phone_patient))
    client.post(RESET_PAGE, {"password": "a fresh long password"})
    assert User.objects.get(pk=phone_patient.pk).check_password("a fresh long password")
    assert User.objects.get(pk=patient.pk).check_password(PASSWORD)


# A new password forgets every remembered browser and signs out other browsers


def _sign_in_and_remember(client, user):
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    client.post(
        reverse("accounts:security_code"),
        {"code": latest_code(user.phone_number), "remember_browser": "on"},
    )
    assert RememberedBrowser.objects.active().filter(user=user).exists()


def test_a_password_change_forgets_every_remembered_browser(client, phone_patient):
    _sign_in_and_remember(client, phone_patient)  # a browser the patient remembered
    elsewhere = signed_in_client(phone_patient)  # and another signed in now
    here = signed_in_client(phone_patient)
    response = here.post(
        reverse("accounts:change_password"),
        {"current_password": PASSWORD, "password": "a brand new secret"},
    )
    assert response.url == reverse("accounts:home")
    page = here.get(reverse("accounts:home")).content.decode()
    assert "We have signed you out on any other browsers" in page
    assert not RememberedBrowser.objects.active().filter(user=phone_patient).exists()
    assert elsewhere.get(reverse("accounts:home")).status_code == 302  # signed out
    assert here.get(reverse("accounts:home")).status_code == 200  # this one stays

    # The remembered browser signs in with the new password, and is asked for a code.
    client.post(reverse("accounts:sign_out"))
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": phone_patient.email, "password": "a brand new secret"},
    )
    assert response.url == reverse("accounts:security_code")

    event = AuditEvent.objects.get(user=phone_patient, event="account.password_changed")
    assert event.details["browsers_forgotten"] == 1
    assert event.details["sessions_ended"] >= 2  # the remembered browser's and elsewhere
    (email,) = sent_to(phone_patient.email, "accounts.password_changed")
    assert "signed you out on your other browsers" in rendered(email)[1]


def test_a_password_reset_forgets_every_remembered_browser_and_signs_out(client, phone_patient):
    _sign_in_and_remember(client, phone_patient)
    elsewhere = signed_in_client(phone_patient)
    other = type(client)()
    other.get(reset_link(other, phone_patient))
    other.post(RESET_PAGE, {"password": "a fresh long password"})
    assert not RememberedBrowser.objects.active().filter(user=phone_patient).exists()
    assert elsewhere.get(reverse("accounts:home")).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302

    client.cookies.pop("sessionid", None)
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": phone_patient.email, "password": "a fresh long password"},
    )
    assert response.url == reverse("accounts:security_code")  # the browser is forgotten
    event = AuditEvent.objects.get(user=phone_patient, event="account.password_reset")
    assert event.details["browsers_forgotten"] == 1
    assert sent_to(phone_patient.email, "accounts.password_changed")


def test_a_reset_in_a_browser_signed_in_as_the_login_signs_it_out_too(phone_patient):
    client = signed_in_client(phone_patient)
    client.get(reset_link(client, phone_patient))
    response = client.post(RESET_PAGE, {"password": "a fresh long password"})
    assert response.url == reverse("accounts:sign_in")
    assert "We have signed you out on every browser" in client.get(response.url).content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302


def test_a_wrong_link_opened_after_a_right_one_does_not_reset_with_the_right_one(
    client, phone_patient
):
    link = reset_link(client, phone_patient)
    client.get(link)
    client.get(link.replace(token_of(link), "nope-0000"))
    response = client.post(RESET_PAGE, {"password": "a fresh long password"})
    assert response.status_code == 400
    assert User.objects.get(pk=phone_patient.pk).check_password(PASSWORD)


def test_a_wrong_link_writes_no_session(client, phone_patient):
    from accounts.models import Session

    before = Session.objects.count()
    client.get("/account/password/reset/MQ/nope-0000/")
    client.get("/account/password/reset/%%%/nope/")
    assert Session.objects.count() == before


def test_the_sign_in_pages_do_not_load_the_password_lists():
    """zxcvbn's lists cost ~100 ms and 6 MB to load: the sign-in path never needs them."""
    code = (
        "import django, sys; django.setup(); "
        "import accounts.views, accounts.urls; "
        "print('zxcvbn' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
    )
    assert result.stdout.strip() == "False"
