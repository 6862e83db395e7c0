"""Pages rendered once per process for signed-out visitors (core.pages)."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory
from django.urls import reverse

from core import pages

pytestmark = pytest.mark.django_db

SIGN_IN = "/account/sign-in/"


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _nonces(html: str) -> set[str]:
    return set(re.findall(r'nonce="([^"]+)"', html))


def test_each_visitor_gets_their_own_token_and_nonce_in_the_kept_page():
    pages._PAGES.clear()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    one = first.get(SIGN_IN)
    two = second.get(SIGN_IN)
    assert len(pages._PAGES) == 1  # the second came from the kept page
    html_one, html_two = one.content.decode(), two.content.decode()
    assert _token(html_one) != _token(html_two)
    assert pages._CSRF not in html_two and pages._NONCE not in html_two
    # the script nonce is this response's, the one its Content-Security-Policy allows
    (nonce,) = _nonces(html_two)
    assert f"'nonce-{nonce}'" in two["Content-Security-Policy"]
    assert _nonces(html_one) != _nonces(html_two)
    # and the token in the page is one the CSRF check accepts, for that browser only
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(SIGN_IN)
    form = {"email": "nobody@example.com", "password": "not the right one"}
    refused = stranger.post(SIGN_IN, {**form, "csrfmiddlewaretoken": _token(html_two)})
    assert refused.status_code == 403
    accepted = second.post(SIGN_IN, {**form, "csrfmiddlewaretoken": _token(html_two)})
    assert accepted.status_code == 200
    assert "The email address or password is not right" in accepted.content.decode()


def test_the_kept_page_is_the_page_render_would_make(client, monkeypatch):
    pages._PAGES.clear()
    client.get(SIGN_IN)
    kept = client.get(SIGN_IN).content.decode()  # from the kept page
    monkeypatch.setattr("accounts.views.common.shared_page", lambda *args: None)
    rendered = client.get(SIGN_IN).content.decode()  # through render(), as before
    # with the token and nonces taken out they are the same page (the passkey script's
    # configuration carries the token too)
    normalise = lambda html: re.sub(r'((value|nonce)="|"csrfToken": ")[^"]+"', "", html)  # noqa: E731
    assert normalise(kept) == normalise(rendered)
    assert _token(kept) and _nonces(kept)


def test_where_to_go_next_is_part_of_the_key(client):
    pages._PAGES.clear()
    plain = client.get(SIGN_IN).content.decode()
    onward = client.get(SIGN_IN, {"next": "/prove-who-you-are/"}).content.decode()
    assert "next=/prove-who-you-are/" not in plain
    assert "next=/prove-who-you-are/" in onward
    assert len(pages._PAGES) == 2


def test_a_message_waiting_is_shown_not_hidden_by_the_kept_page(client):
    pages._PAGES.clear()
    client.get(SIGN_IN)  # keep the plain page
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "You have signed out")
    response = client.get("/")
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    html = client.get(SIGN_IN).content.decode()
    assert "You have signed out" in html


def test_a_form_with_errors_is_never_kept(client):
    pages._PAGES.clear()
    response = client.post(SIGN_IN, {"email": "", "password": ""})
    assert "There is a problem" in response.content.decode()
    assert pages._PAGES == {}


def test_a_signed_in_patient_is_never_given_a_kept_page(client, patient):
    from accounts.authentication import FORCE_CODE_SESSION_KEY

    pages._PAGES.clear()
    client.force_login(patient)
    session = client.session
    session[FORCE_CODE_SESSION_KEY] = True  # asked to sign in again (prompt=login)
    session.save()
    html = client.get(SIGN_IN).content.decode()
    assert "Sign out" in html  # the signed-in header
    assert pages._PAGES == {}
    assert reverse("accounts:sign_in") == SIGN_IN


def test_only_plain_values_and_unbound_forms_make_a_key():
    from accounts.forms import SignInForm

    assert pages._key("t", {"form": SignInForm(), "next": None}) is not None
    assert pages._key("t", {"form": SignInForm({"email": "a@b.c"})}) is None
    assert pages._key("t", {"user": object()}) is None
