"""The help section (/help/): open to anyone, no cookies, and every figure it quotes is the
one the service applies."""

import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse

from core import help_pages
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db

HUB = "/help/"
PAGE_URLS = [reverse(f"core:help_{page.name}") for page in help_pages.PAGES]


def main_text(html: str) -> str:
    """What the page says in its main content, as a reader sees it (tags out, spaces tidied)."""
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


@pytest.mark.parametrize("address", [HUB, *PAGE_URLS])
def test_a_help_page_opens_without_signing_in_and_sets_no_cookie(address):
    client = Client()
    response = client.get(address)
    assert response.status_code == 200
    assert "Help with NHS login" in response.content.decode()
    # as on the start page: nothing stored in the browser, no session made
    assert response.cookies == client.get("/").cookies == {}
    assert not client.cookies


@pytest.mark.parametrize("address", [HUB, PAGE_URLS[0]])
def test_a_signed_in_patient_reads_the_same_help_with_their_header(address):
    html = signed_in_client(UserFactory()).get(address).content.decode()
    assert "Sign out" in html
    assert main_text(html) == main_text(Client().get(address).content.decode())


def test_the_hub_links_to_every_help_page():
    assert set(PAGE_URLS) <= links(Client().get(HUB).content.decode())


@pytest.mark.parametrize("page", help_pages.PAGES, ids=lambda page: page.name)
def test_each_help_page_lists_the_others_and_marks_itself(page):
    html = Client().get(reverse(f"core:help_{page.name}")).content.decode()
    assert f"<title>{page.title} \N{EN DASH} Help \N{EN DASH} NHS login</title>" in html
    start = html.index("nhsuk-contents-list")
    contents = html[start : html.index("</nav>", start)]
    others = {reverse(f"core:help_{other.name}") for other in help_pages.PAGES if other != page}
    assert links(contents) == others
    assert re.search(r'aria-current="page">\s*<span[^>]*>\s*' + re.escape(page.label), contents)


def test_the_pages_lead_from_one_to_the_next_in_order():
    for before, after in itertools.pairwise(PAGE_URLS):
        html = Client().get(before).content.decode()
        assert re.search(rf'href="{re.escape(after)}" rel="next"', html)
        html = Client().get(after).content.decode()
        assert re.search(rf'href="{re.escape(before)}" rel="prev"', html)


def test_every_page_links_to_help_in_its_footer(client):
    for address in ("/", reverse("accounts:sign_in"), reverse("accounts:create"), HUB):
        footer = client.get(address).content.decode().split("nhsuk-footer", 1)[1]
        assert f'href="{HUB}"' in footer


def test_the_help_quotes_the_limits_the_service_is_set_to(settings):
    from datetime import timedelta

    settings.SIGN_IN_LOCKOUT_ATTEMPTS = 3
    settings.SIGN_IN_LOCKOUT_PERIOD = timedelta(minutes=20)
    settings.P5_TRACE_ATTEMPTS = 2
    settings.P9_MINIMUM_AGE = 13
    settings.GP_ONLINE_DETAILS_EXPIRY_DAYS = 60
    locked = main_text(Client().get(reverse("core:help_locked")).content.decode())
    assert "entered 3 times for an email address, we lock sign-in" in locked
    assert "for that email address for 20 minutes" in locked
    assert "You can try 2 times in 24 hours" in locked
    proving = main_text(Client().get(reverse("core:help_proving_who_you_are")).content.decode())
    assert "You need to be 13 or older" in proving
    assert "stop working after 60 days" in proving
    assert "What if I am under 13?" in proving


def test_the_help_offers_gov_uk_one_login_only_where_it_is_turned_on(settings):
    settings.ONE_LOGIN_ENABLED = True
    settings.ONE_LOGIN_IDENTITY_TRIES_PER_DAY = 2
    settings.PROVISIONING_LINK_DAYS = 5
    proving = main_text(Client().get(reverse("core:help_proving_who_you_are")).content.decode())
    assert "With GOV.UK One Login (high level)" in proving
    assert "You can try 2 times a day" in proving
    assert "It works once, for 5 days" in proving
    settings.ONE_LOGIN_ENABLED = False
    proving = main_text(Client().get(reverse("core:help_proving_who_you_are")).content.decode())
    assert "GOV.UK One Login" not in proving
    assert "sets up your NHS login for you" in proving


def test_the_photo_id_listed_is_the_photo_id_the_journey_accepts():
    from verification.idchecks.forms import DocumentForm

    html = Client().get(reverse("core:help_proving_who_you_are")).content.decode()
    section = html[html.index('id="photo-id"') : html.index('id="photo-id-not-accepted"')]
    first_list = section[section.index("<ul>") : section.index("</ul>")]
    listed = re.findall(r"<li>([^<]+)</li>", first_list)
    accepted = [label for _value, label in DocumentForm().fields["document_type"].choices]
    assert listed == accepted
    assert "UK driving licence (photocard)" in listed


def test_sign_in_locks_after_as_many_wrong_tries_as_the_help_says(client):
    patient = UserFactory()
    locked = main_text(Client().get(reverse("core:help_locked")).content.decode())
    tries, minutes = re.search(
        r"entered (\d+) times for an email address, we lock sign-in for that email address "
        r"for (\d+) minutes",
        locked,
    ).groups()
    wrong = {"email": patient.email, "password": "not my password"}
    for _ in range(int(tries) - 1):
        page = client.post(reverse("accounts:sign_in"), wrong).content.decode()
        assert "Sign in is locked" not in page
    page = main_text(client.post(reverse("accounts:sign_in"), wrong).content.decode())
    assert f"Sign in is locked for {minutes} minutes" in page
