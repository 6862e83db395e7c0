"""Redis down, in Chromium: the sign-in form still opens, and sending it shows the styled
"try again shortly" page, which passes axe (issue 14, finding 3)."""

import pytest

from tests.core.test_redis_down import PASSWORD, SORRY
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.redis_server import _spare_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signing_in_while_redis_is_down_shows_the_try_again_page(page, settings):
    patient = UserFactory()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.PooledClientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_spare_port()}/0",
        }
    }
    page.goto("/account/sign-in/")
    axe_check(page)
    page.get_by_label("Email address").fill(patient.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Continue").click()
    assert answer.value.status == 503
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == SORRY
    assert page.get_by_text("Try again shortly.").is_visible()
    assert page.title().startswith(SORRY)
