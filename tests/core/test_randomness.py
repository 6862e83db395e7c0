"""Random strings from one read of the random source (core.randomness), and their use for
CSRF tokens."""

import string
from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client

from core.randomness import csrf_random_string, random_string


@pytest.mark.parametrize("chars", [string.digits, string.ascii_letters + string.digits, "ab"])
def test_each_allowed_character_is_equally_likely(chars):
    drawn = "".join(random_string(32, chars) for _ in range(3000))
    assert len(drawn) == 96000 and set(drawn) <= set(chars)
    counts = Counter(drawn)
    expected = len(drawn) / len(chars)
    chi_squared = sum((counts[c] - expected) ** 2 / expected for c in chars)
    # a bias like "byte % 62" without skipping pushes this into the hundreds; by chance,
    # 2.5 times the degrees of freedom (+30) is exceeded about once in 10^6 runs
    assert chi_squared < 2.5 * (len(chars) - 1) + 30


def test_strings_do_not_repeat():
    assert len({random_string(32, string.ascii_letters) for _ in range(5000)}) == 5000


def test_csrf_tokens_come_from_it_and_still_work():
    assert csrf.get_random_string is csrf_random_string  # changed by CoreConfig.ready
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/account/sign-in/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert len(token) == csrf.CSRF_TOKEN_LENGTH
    assert csrf._check_token_format(token) is None
    assert csrf._unmask_cipher_token(token) == browser.cookies["csrftoken"].value
