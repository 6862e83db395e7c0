"""The session store (accounts.sessions): cached_db with fewer round trips, same promises."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Session
from accounts.sessions import SessionStore
from tests.accounts.helpers import latest_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def sign_in(client, user):
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    code = latest_code(user.phone_number)
    return client.post(reverse("accounts:security_code"), {"code": code})


def test_it_is_the_session_engine(settings):
    assert settings.SESSION_ENGINE == "accounts.sessions"


def test_a_signed_in_patient_stays_signed_in_when_the_cache_is_emptied(client, phone_patient):
    sign_in(client, phone_patient)
    cache.clear()  # what a Redis restart does to the cache
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(phone_patient.pk)


def test_signing_in_gives_the_session_a_new_key_and_drops_the_old_one(client, phone_patient):
    session = client.session  # a session from before signing in (a connected service's note)
    session["oidc_allow_registration"] = True
    session.save()
    client.post(reverse("accounts:sign_in"), {"email": phone_patient.email, "password": PASSWORD})
    before = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=before).exists()
    client.post(
        reverse("accounts:security_code"), {"code": latest_code(phone_patient.phone_number)}
    )
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    stored = SessionStore(after)
    cache.clear()
    assert stored.load()["_auth_user_id"] == str(phone_patient.pk)  # read back from the row
    assert stored.load()["oidc_allow_registration"] is True  # kept across the new key


def test_a_cycled_key_keeps_the_data_under_the_new_key_only():
    """(It is written in one statement: bench/statements.py counts it.)"""
    session = SessionStore()
    session["step"] = "password"
    session.save()
    old = session.session_key
    session.cycle_key()
    session["step"] = "signed in"
    session.save()
    cache.clear()
    assert SessionStore(session.session_key).load() == {"step": "signed in"}
    assert SessionStore(old).load() == {}


def test_a_new_session_is_stored_as_a_row():
    """(One INSERT: bench/statements.py counts it.)"""
    session = SessionStore()
    session["a"] = 1
    session.save()
    assert Session.objects.filter(session_key=session.session_key).exists()


def test_a_key_that_is_taken_is_not_reused(monkeypatch):
    taken = SessionStore()
    taken["owner"] = "first"
    taken.save()
    keys = iter([taken.session_key, "k" * 32])
    session = SessionStore()
    monkeypatch.setattr(session, "_get_new_session_key", lambda: next(keys))
    session["owner"] = "second"
    session.save()
    assert session.session_key == "k" * 32
    cache.clear()
    assert SessionStore(taken.session_key).load() == {"owner": "first"}


def test_a_session_deleted_elsewhere_is_not_silently_recreated():
    from django.contrib.sessions.backends.base import UpdateError

    session = SessionStore()
    session["a"] = 1
    session.save()
    Session.objects.all().delete()
    session["a"] = 2
    with pytest.raises(UpdateError):
        session.save()


def test_session_keys_are_32_characters_each_equally_likely():
    from collections import Counter

    from django.contrib.sessions.backends.base import VALID_KEY_CHARS

    keys = [SessionStore()._get_new_session_key() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    assert all(len(key) == 32 and set(key) <= set(VALID_KEY_CHARS) for key in keys)
    counts = Counter("".join(keys))
    expected = 2000 * 32 / 36  # ~1778 of each character
    # chi-squared with 35 degrees of freedom: above 80 happens about once in 30,000 runs
    assert sum((counts[c] - expected) ** 2 / expected for c in VALID_KEY_CHARS) < 80
