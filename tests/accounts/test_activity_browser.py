"""Account activity (issue 16): one entry per thing a patient cares about, what a level change
changed to, and from where (a device and network kind, never the address). Axe on the page."""

import uuid

import pytest
from django.test import RequestFactory

from accounts import events
from accounts.services import set_proofing_level
from core import audit
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from verification.idchecks import events as idcheck_events

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_ON_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
ELSEWHERE = "203.0.113.9"


def _from(address: str, user_agent: str):
    return RequestFactory().get("/", REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)


def _rows(page) -> list[tuple[str, str]]:
    rows = page.locator("tbody tr")
    return [
        (row.locator("td").nth(1).inner_text(), row.locator("td").nth(2).inner_text())
        for row in rows.all()
    ]


def test_activity_shows_each_thing_once_with_what_it_changed_to_and_from_where(page, patient):
    checker = UserFactory(is_staff=True)
    audit.record(events.SIGNED_IN, request=_from(ELSEWHERE, FIREFOX_ON_ANDROID), user=patient)
    audit.record(
        events.PASSWORD_CHANGED, request=_from("127.0.0.1", CHROME_ON_WINDOWS), user=patient
    )
    first, second = uuid.uuid4(), uuid.uuid4()
    for check in (first, second):
        for kind in ("front", "back", "face", "video") * 2:  # 8 views of one check
            audit.record(
                idcheck_events.ID_CHECK_MEDIA_VIEWED,
                user=patient,
                actor=checker,
                check=str(check),
                kind=kind,
            )
    set_proofing_level(patient, "P9", route="photo ID and video")

    sign_in_browser(page, patient)
    page.goto("/account/activity/")
    axe_check(page)
    rows = _rows(page)
    looked = [r for r in rows if r[0] == "An identity checker looked at your photo ID or video"]
    assert (
        looked == [("An identity checker looked at your photo ID or video", "NHS login staff")] * 2
    )
    assert ("Your level of proof changed to high (P9)", "NHS login") in rows
    assert (
        "You changed your password",
        "Chrome on Windows, on the network you are using now",
    ) in rows
    assert ("You signed in", "Firefox on Android, on another network") in rows
    assert ELSEWHERE not in page.content() and "127.0.0.1" not in page.content()
    assert [r[0] for r in rows].count("You signed in") == 1
