"""Every error message on the accounts forms (and the consent form) is a sentence written for
its field: no Django default text reaches a page (issue 16), whatever is sent: blank, far too
long, not an email address, a choice that is not offered, a hidden null character."""

import html
import re

import pytest
from django import forms
from django.core import validators
from django.test import Client
from django.urls import reverse

from connected_services.forms import ConsentForm
from tests.accounts.helpers import sent_to
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db

LONG = "a" * 400
BAD_VALUES = {
    "blank": "",
    "too long": LONG,
    "long email": LONG + "@example.com",
    "not an email": "not an email",
    "null character": "abc\x00def",
    "not offered": "sideways",
}


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _text(message) -> str:
    """A message as text; a plural one (``ngettext_lazy``) with its numbers left as they are."""
    text = str(message)
    if not text:  # a plural message is empty until it is given its number
        text = message % _Numbers()
    return text


class _Numbers(dict):
    def __missing__(self, key):
        return 2


def django_default_messages() -> list[str]:
    """The fixed words of every message Django's form fields and validators come with
    ("Ensure this value has at most", "This field is required.", ...)."""
    texts = set()
    for field in [forms.Field, *_all_subclasses(forms.Field)]:
        texts.update(_text(m) for m in getattr(field, "default_error_messages", {}).values())
    for name in dir(validators):
        validator = getattr(validators, name)
        if isinstance(validator, type) and hasattr(validator, "message"):
            texts.add(_text(validator.message))
    parts = set()
    for text in texts:
        # the words between the numbers: "Ensure this value has at most", " characters (it has"
        for part in re.split(r"%\(\w+\)\w|\{\w*\}|\d+", text):
            if len(part.strip()) >= 12:
                parts.add(part.strip())
    return sorted(parts)


DEFAULTS = django_default_messages()


def assert_no_django_default(response, where: str) -> None:
    text = html.unescape(response.content.decode())
    found = [d for d in DEFAULTS if d in text]
    assert not found, f"{where}: Django's default message reached the page: {found}"


def test_the_list_of_django_defaults_has_the_ones_patients_met():
    assert "This field is required." in DEFAULTS
    assert any(d.startswith("Ensure this value has at most") for d in DEFAULTS)
    assert "Null characters are not allowed." in DEFAULTS
    assert any(d.startswith("Select a valid choice.") for d in DEFAULTS)


def _post_every_bad_value(client, url, fields, extra=None):
    """POST each bad value in every field at once; the page answers with messages."""
    for name, value in BAD_VALUES.items():
        response = client.post(url, {**(extra or {}), **dict.fromkeys(fields, value)})
        assert response.status_code in (200, 400), (url, name, response.status_code)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            assert "There is a problem" in response.content.decode(), (url, name)
        assert_no_django_default(response, f"{url} with {name}")


SIGNED_OUT_FORMS = [
    ("accounts:create", ["email", "password", "terms"]),
    ("accounts:sign_in", ["email", "password"]),
    ("accounts:password_forgotten", ["email"]),
]


@pytest.mark.parametrize(("url_name", "fields"), SIGNED_OUT_FORMS)
def test_signed_out_forms_never_show_a_django_default_message(client, url_name, fields):
    _post_every_bad_value(client, reverse(url_name), fields)


SIGNED_IN_FORMS = [
    ("accounts:change_email", ["email"], None),
    ("accounts:change_phone", ["kind", "number"], None),
    ("accounts:change_phone", ["number"], {"kind": "mobile"}),
    ("accounts:change_password", ["current_password", "password"], None),
    ("accounts:download_data", ["password"], None),
    ("accounts:delete_login", ["password", "confirm"], None),
    ("accounts:authenticator_app", ["code"], {"action": "confirm"}),
    ("accounts:authenticator_app", ["password"], {"action": "remove"}),
]


@pytest.mark.parametrize(("url_name", "fields", "extra"), SIGNED_IN_FORMS)
def test_account_settings_forms_never_show_a_django_default_message(
    phone_patient, url_name, fields, extra
):
    client = signed_in_client(phone_patient)
    _post_every_bad_value(client, reverse(url_name), fields, extra)


def test_security_code_pages_never_show_a_django_default_message(phone_patient):
    client = signed_in_client(phone_patient)
    client.post(reverse("accounts:change_email"), {"email": "new@example.com"})
    _post_every_bad_value(client, reverse("accounts:confirm_new_email"), ["code"])
    client.post(reverse("accounts:change_phone"), {"kind": "mobile", "number": "07700900982"})
    _post_every_bad_value(client, reverse("accounts:confirm_new_phone"), ["code"])


def test_the_new_password_page_never_shows_a_django_default_message(phone_patient, monkeypatch):
    # every value refused (one that is a good password would reset it and end the link)
    monkeypatch.delitem(BAD_VALUES, "not an email")
    monkeypatch.delitem(BAD_VALUES, "not offered")
    client = Client()
    client.post(reverse("accounts:password_forgotten"), {"email": phone_patient.email})
    (email,) = sent_to(phone_patient.email, "accounts.password_reset_link")
    from core.notifications.service import rendered

    link = re.search(r"https?://\S+", rendered(email)[1]).group(0)
    client.get("/" + link.split("/", 3)[3])
    _post_every_bad_value(client, reverse("accounts:new_password"), ["password"])


@pytest.mark.parametrize("value", BAD_VALUES.values())
def test_the_consent_answer_never_gets_a_django_default_message(value):
    form = ConsentForm({"request": "signed", "decision": value})
    assert not form.is_valid()
    messages = [str(m) for errors in form.errors.values() for m in errors]
    assert messages == ["Select yes if you agree to share this information"]
    assert not [d for d in DEFAULTS if any(d in m for m in messages)]


def test_over_long_email_is_refused_in_words_and_changes_nothing(phone_patient):
    client = signed_in_client(phone_patient)
    before = phone_patient.email
    response = client.post(reverse("accounts:change_email"), {"email": LONG + "@example.com"})
    assert "Your email address must be 254 characters or fewer" in response.content.decode()
    phone_patient.refresh_from_db()
    assert phone_patient.email == before
    assert not sent_to(LONG + "@example.com")
