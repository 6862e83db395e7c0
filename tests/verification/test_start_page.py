"""'Prove who you are' offers only the routes that reach what the patient needs.

A service that needs P9 is named, with the level in plain words, and the P5 route (not
enough for it) is not offered. A patient whose NHS record shows them under the minimum age
for P9 sees no P9 route, and is told why.
"""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser, signed_in_client
from tests.verification.idchecks.conftest import make_p5_patient
from tests.verification.idchecks.trace_helpers import years_ago
from verification.uplift import SESSION_KEY as UPLIFT_KEY

START = reverse("verification:start")
P5_ROUTE = reverse("verification:p5:nhs_number")
PHOTO_ID = reverse("verification:idcheck_start")
GP_DETAILS = reverse("verification:gp_online_details")


def sent_by_a_service(client, target, service="Book a GP appointment"):
    session = client.session
    session[UPLIFT_KEY] = {"target": target, "return_to": "/authorize?x=1", "service": service}
    session.save()


@pytest.mark.django_db
def test_a_p9_service_is_named_and_the_p5_route_is_not_offered_to_a_p0_patient():
    client = signed_in_client(UserFactory())
    sent_by_a_service(client, "P9")
    page = client.get(START).content.decode()
    assert "Book a GP appointment needs you to prove who you are to a high level" in page
    assert "is not enough for Book a GP appointment" in page
    assert P5_ROUTE not in page
    assert PHOTO_ID in page and GP_DETAILS in page


@pytest.mark.django_db
def test_a_p5_service_is_named_and_every_route_is_offered():
    client = signed_in_client(UserFactory())
    sent_by_a_service(client, "P5")
    page = client.get(START).content.decode()
    assert "Book a GP appointment needs you to prove who you are to a medium level" in page
    assert P5_ROUTE in page and PHOTO_ID in page and GP_DETAILS in page


@pytest.mark.django_db
def test_without_a_service_a_p0_patient_sees_every_route():
    page = signed_in_client(UserFactory()).get(START).content.decode()
    assert P5_ROUTE in page and PHOTO_ID in page and GP_DETAILS in page


@pytest.mark.django_db
def test_an_under_age_patient_is_offered_no_p9_route_and_told_why(settings):
    settings.P9_MINIMUM_AGE = 11
    patient = make_p5_patient(birth_date=years_ago(9))
    page = signed_in_client(patient).get(START).content.decode()
    assert PHOTO_ID not in page and GP_DETAILS not in page
    assert "You need to be 11 or older to prove who you are to a high level" in page


@pytest.mark.django_db
def test_an_old_enough_p5_patient_is_offered_the_p9_routes(settings):
    settings.P9_MINIMUM_AGE = 11
    patient = make_p5_patient(birth_date=years_ago(11))
    page = signed_in_client(patient).get(START).content.decode()
    assert PHOTO_ID in page and GP_DETAILS in page
    assert "or older to prove who you are" not in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_start_page_in_a_browser_for_a_p9_service_and_for_an_under_age_patient(page):
    patient = UserFactory()
    sign_in_browser(page, patient)
    client = signed_in_client(patient)
    page.goto(START)
    axe_check(page)
    assert page.get_by_role("link", name="Use your NHS number or name").is_visible()
    # The service's request, as the OpenID Connect provider leaves it in the session.
    cookie = page.context.cookies()[0]
    client.cookies[cookie["name"]] = cookie["value"]
    sent_by_a_service(client, "P9")
    page.goto(START)
    axe_check(page)
    text = page.locator("main").inner_text()
    assert "Book a GP appointment needs you to prove who you are to a high level" in text
    assert page.get_by_role("link", name="Use your NHS number or name").count() == 0
    assert page.get_by_role("link", name="Prove who you are with photo ID").is_visible()

    young = make_p5_patient(birth_date=years_ago(8))
    page.context.clear_cookies()
    sign_in_browser(page, young)
    page.goto(START)
    axe_check(page)
    assert page.get_by_role("link", name="Prove who you are with photo ID").count() == 0
    assert "or older to prove who you are to a high level" in page.locator("main").inner_text()
