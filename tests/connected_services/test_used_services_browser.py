"""'Services you have used' after the patient stops sharing (issue 16), axe on each page."""

import pytest
from django.utils import timezone

from connected_services.models import Consent
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_after_stopping_sharing_the_service_is_still_listed_as_used(page, patient, service):
    Consent.objects.create(
        user=patient,
        service=service,
        claims=["email"],
        scopes=["openid", "email"],
        level="P0",
        granted_at=timezone.now(),
        last_used_at=timezone.now(),
    )
    sign_in_browser(page, patient)
    page.goto("/services/used/")
    axe_check(page)
    page.get_by_role("button", name=f"Stop sharing with {service.name}").click()
    page.wait_for_load_state("load")
    axe_check(page)
    text = page.locator("main").inner_text()
    assert f"You have stopped sharing your information with {service.name}" in text
    assert "You have not used your NHS login with any services yet" not in text
    assert "You are not sharing your information with any services now" in text
    stopped = page.locator("h2", has_text="Services you stopped sharing with")
    assert stopped.count() == 1
    assert page.locator("h3", has_text=service.name).count() == 1
    assert "If you use one again, it will ask you first" in text
