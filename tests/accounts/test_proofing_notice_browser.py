"""The "If this was not you" notice in Chromium: the link from the outbox email,
confirm, axe on every page (ADR 0047)."""

import re

import pytest

from accounts.models import SupportCase
from accounts.services import set_proofing_level
from tests.accounts.test_journeys_browser import click, go, heading
from tests.fixtures.sessions import sign_in_browser
from tests.verification.idchecks.conftest import make_p5_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _outbox(settings, live_server):
    settings.DEBUG = True  # the outbox page exists only in development
    settings.SITE_URL = live_server.url  # so the emailed link opens this server


def link_from_outbox(page, subject: str) -> str:
    go(page, "/outbox/")
    card = page.locator(".nhsuk-card", has_text=subject).first
    body = card.get_by_test_id("outbox-body").inner_text()
    return re.search(r"https?://\S+not-you/\S*", body).group(0)


def test_the_owner_opens_the_link_from_the_email_and_takes_the_level_back_down(page):
    patient = make_p5_patient()
    set_proofing_level(patient, "P9", route="photo ID and face scan")
    sign_in_browser(page, patient)  # this browser is signed in, and will be signed out

    link = link_from_outbox(page, "You have proved who you are to a high level")
    go(page, link)
    assert page.url.endswith("/account/not-you/")  # the token is not in the address
    assert heading(page) == "Tell us it was not you"
    assert "with photo ID and a scan of your face" in page.content()

    click(page, "It was not me")
    assert page.locator(".nhsuk-panel").inner_text().strip() == (
        "We have taken back the high level of proof"
    )
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    assert SupportCase.objects.get(user=patient).status == "open"

    go(page, "/account/")
    assert "sign-in" in page.url  # signed out

    go(page, "/outbox/")
    told = page.locator(".nhsuk-card", has_text="We have taken back the high level of proof")
    assert "Choose a new password at" in told.first.inner_text()

    go(page, link)  # the same link again
    assert heading(page) == "This link does not work"
    assert SupportCase.objects.count() == 1
