"""Chromium: every Django admin page staff reach from the admin's home page passes axe (0
violations), for a practice member of staff and for a superuser: each list, a record's page,
each "add" page, and the GP online pages (create, created, revoke, reissue)."""

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.verification.gp_online.helpers import (
    make_details,
    make_practice,
    make_registered_patient,
    make_staff,
    staff_client,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMIN = f"/{settings.ADMIN_URL}"


def sign_in_staff_browser(page, user):
    client = staff_client(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}]
    )


def visit(page, path):
    page.goto(path)
    axe_check(page)
    assert page.locator("#content").is_visible(), path  # an admin page, not an error


def links(page, selector) -> list[str]:
    return [
        href
        for href in page.locator(selector).evaluate_all("(links) => links.map(a => a.href)")
        if href
    ]


def visit_every_model(page) -> list[str]:
    """From the admin home page: each model's list, its first record and its "add" page."""
    visit(page, ADMIN)
    visited = []
    for changelist in links(page, "#content-main tr[class^=model-] th a"):
        visit(page, changelist)
        visited.append(changelist)
        first = links(page, "#result_list tbody th a")[:1]
        add = links(page, ".object-tools a.addlink")[:1]
        for path in first + add:
            visit(page, path)
            visited.append(path)
    return visited


@pytest.fixture
def practice_records():
    practice = make_practice()
    patient = make_registered_patient(practice, family_name="Okafor", given_name="Ada")
    staff = make_staff(practice)
    details, _ = make_details(patient, staff=staff)
    return {"practice": practice, "patient": patient, "staff": staff, "details": details}


def test_every_admin_page_a_practice_member_of_staff_visits_passes_axe(page, practice_records):
    patient, details = practice_records["patient"], practice_records["details"]
    sign_in_staff_browser(page, practice_records["staff"])

    visited = visit_every_model(page)
    assert any("registeredpatient" in path for path in visited)
    assert any("onlineregistrationdetails" in path for path in visited)
    visit(page, f"{ADMIN}verification/")  # the app's own page (breadcrumbs)
    base = f"{ADMIN}verification/"
    visit(page, f"{base}registeredpatient/{patient.pk}/create-online-details/")
    for view in ("revoke", "reissue"):
        visit(page, f"{base}onlineregistrationdetails/{details.pk}/{view}/")
    page.get_by_role("button", name="Reissue details").click()
    axe_check(page)  # the created page, with the key
    assert page.locator("#linkage-key").is_visible()
    visit(page, f"{ADMIN}password_change/")


def test_every_admin_page_a_superuser_visits_passes_axe(page, practice_records):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=superuser, name="Authenticator app")
    sign_in_staff_browser(page, superuser)

    visited = visit_every_model(page)
    for model in ("group", "totpdevice", "practicestaff", "service", "supportcase"):
        assert any(f"/{model}/" in path for path in visited), model
    assert any(path.endswith("/group/add/") for path in visited)
    assert any(path.endswith("/totpdevice/add/") for path in visited)
    assert any(path.endswith("/practicestaff/add/") for path in visited)
