"""The "If this was not you" notice: the email after any P9 and its page (ADR 0047)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProofingNotice, RememberedBrowser, Session, SupportCase, User
from accounts.services import proofing_hold, set_proofing_level
from connected_services.models import AccessToken, Grant, LogoutNotice, RefreshToken
from core.logging import redact
from core.models import AuditEvent, Notification
from core.notifications.service import rendered
from tests.accounts.data_rights import PASSWORD, make_service
from tests.accounts.helpers import sent_to
from tests.accounts.passkeys import SoftPasskey, add_passkey
from tests.connected_services.test_logout_and_revocation import Receiver
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.gp_online.helpers import (
    give_identity,
    make_details,
    make_practice,
    make_registered_patient,
    staff_client,
)
from tests.verification.idchecks.conftest import genuine_check, make_p5_patient
from tests.verification.idchecks.test_review import checker, waiting_check
from verification.idchecks import services as idchecks

pytestmark = pytest.mark.django_db

NOTICE = "accounts.proofing_notice"
PAGE = reverse("accounts:not_you")


def notices_to(user) -> list[Notification]:
    return sent_to(user.email, NOTICE)


def link_in(notification) -> str:
    """The "If this was not you" link, as the patient reads it in the email."""
    _subject, body = rendered(notification)
    (link,) = re.findall(r"https?://\S+not-you/\S*", body)
    return link


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the email and back-channel logout tasks, eager here)."""

    def _commit(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return _commit


@pytest.fixture
def proved(commit):
    """A P5 patient (with an identity) who has just reached P9 by GP online details."""
    user = make_p5_patient()
    commit(set_proofing_level, user, "P9", route="GP online details")
    user.refresh_from_db()
    return user


def follow_link(client, user) -> str:
    """Open the newest link emailed to ``user``; the address the browser lands on."""
    response = client.get(path_of(link_in(notices_to(user)[0])))
    assert response.status_code == 302
    return response["Location"]


# --- The email: exactly one, after every P9 route -----------------------------------------


def test_a_checkers_approval_sends_one_notice_saying_when_and_how(commit):
    check = waiting_check(method="video")
    reviewer = checker()
    idchecks.take_next(reviewer)
    commit(idchecks.approve, check.pk, reviewer)

    (notification,) = notices_to(check.user)
    subject, body = rendered(notification)
    assert subject == "You have proved who you are to a high level"
    assert "How: with photo ID and a video of you" in body
    assert re.search(r"When: \d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d{2}(am|pm)\n", body)
    assert "If this was not you, tell us now at" in body
    assert link_in(notification).startswith(django_settings.SITE_URL + PAGE + "?token=")
    assert notification.status == Notification.Status.DELIVERED


def test_the_photo_id_fast_track_sends_one_notice(django_capture_on_commit_callbacks, settings):
    settings.P9_FAST_TRACK = True
    patient = make_p5_patient()
    with django_capture_on_commit_callbacks(execute=True):
        idchecks.submit(genuine_check(patient))
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
    (notification,) = notices_to(patient)
    assert "How: by the fast track" in rendered(notification)[1]


def test_the_gp_fast_track_sends_one_notice(commit):
    registered = make_registered_patient(make_practice(), mobile_number="+447700900555")
    user = UserFactory(proofing_level="P5", phone_number="+447700900555")
    give_identity(user, registered)
    make_details(registered)
    client = signed_in_client(user)
    commit(client.post, reverse("verification:gp_online_fast_track"))
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    (notification,) = notices_to(user)
    assert "How: by the fast track" in rendered(notification)[1]


def test_gp_online_details_send_one_notice(commit):
    registered = make_registered_patient(make_practice())
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered)
    details, key = make_details(registered)
    client = signed_in_client(user)
    commit(
        client.post,
        reverse("verification:gp_online_details"),
        {"account_id": details.account_id, "linkage_key": key, "ods_code": details.ods_code},
    )
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    (notification,) = notices_to(user)
    assert (
        "How: with the GP online registration details from your GP surgery"
        in (rendered(notification)[1])
    )


def test_p5_sends_no_notice_and_p9_again_sends_no_second(commit, proved):
    p5 = UserFactory()
    commit(set_proofing_level, p5, "P5", route="demographics trace")
    assert notices_to(p5) == []
    commit(set_proofing_level, proved, "P9", route="photo ID and face scan")
    assert len(notices_to(proved)) == 1


def test_a_p9_that_is_rolled_back_sends_nothing(commit):
    user = UserFactory(proofing_level="P5")

    def fails_after_p9():
        from django.db import transaction

        with transaction.atomic():
            set_proofing_level(user, "P9", route="GP online details")
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        commit(fails_after_p9)
    assert notices_to(user) == [] and not ProofingNotice.objects.exists()


def test_the_token_is_stored_only_hashed_and_kept_out_of_the_audit(proved):
    token = path_of(link_in(notices_to(proved)[0])).split("token=")[1]
    assert len(token) >= 40
    (notice,) = ProofingNotice.objects.filter(user=proved)
    assert notice.token_hash != token and token not in notice.token_hash
    assert notice.expires_at - notice.proved_at == datetime.timedelta(days=30)
    for event in AuditEvent.objects.all():
        assert token not in str(event.details)
    assert token not in redact(f"GET {PAGE}?token={token} HTTP/1.1")


def test_the_days_the_link_works_are_a_setting(commit, settings):
    settings.PROOFING_NOTICE_DAYS = 7
    user = UserFactory(proofing_level="P5")
    commit(set_proofing_level, user, "P9", route="GP online details")
    notice = ProofingNotice.objects.get(user=user)
    assert notice.expires_at - notice.proved_at == datetime.timedelta(days=7)
    assert "stops working after 7 days" in rendered(notices_to(user)[0])[1]


# --- The page: signed out, the token out of the address, a GET changes nothing ------------


def test_the_links_first_visit_goes_to_an_address_without_the_token(proved):
    client = Client()
    location = follow_link(client, proved)
    assert location == PAGE and "token" not in location
    page = client.get(location)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tell us it was not you" in html and "It was not me" in html
    assert "with the GP online registration details from your GP surgery" in html
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]


def test_opening_the_page_changes_nothing(proved):
    client = Client()
    client.get(follow_link(client, proved))
    client.get(PAGE)
    proved.refresh_from_db()
    assert proved.proofing_level == "P9"
    assert not SupportCase.objects.exists()
    assert ProofingNotice.objects.get(user=proved).used_at is None


# --- Confirming: what happens --------------------------------------------------------------


@pytest.fixture
def everywhere(proved, receiver):
    """The proved patient signed in on another device, with a remembered browser, a passkey,
    and a connected service (with tokens, a code and a back-channel logout URI)."""
    other_device = signed_in_client(proved)
    add_passkey(signed_in_client(proved), SoftPasskey())
    RememberedBrowser.objects.create(
        user=proved,
        token_hash=RememberedBrowser.hash_token("browser"),
        description="Firefox on Linux",
        expires_at=timezone.now() + RememberedBrowser.LIFETIME,
    )
    service = make_service(backchannel_logout_uri=receiver.url)
    expires = timezone.now() + datetime.timedelta(hours=1)
    access = AccessToken.objects.create(
        user=proved, application=service, token="access-1", expires=expires
    )
    RefreshToken.objects.create(
        user=proved, application=service, token="refresh-1", access_token=access
    )
    Grant.objects.create(
        user=proved,
        application=service,
        code="code-1",
        expires=expires,
        redirect_uri="https://service.example/callback",
        scope="openid",
    )
    return other_device, service


def confirm(commit, client, user):
    client.get(follow_link(client, user))
    return commit(client.post, PAGE)


def test_confirming_takes_the_level_down_and_holds_the_fast_track(commit, proved, everywhere):
    response = confirm(commit, Client(), proved)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:not_you_done")
    proved.refresh_from_db()
    assert proved.proofing_level == "P0"
    assert proved.identity is not None  # kept for the investigation
    assert proofing_hold(proved)
    (case,) = SupportCase.objects.all()
    assert case.user == proved and case.kind == "proofing_disputed" and case.status == "open"
    assert case.level_before == "P9" and case.route_disputed == "GP online details"


def test_confirming_signs_out_every_session_and_forgets_browsers(commit, proved, everywhere):
    other_device, _service = everywhere
    assert other_device.get(reverse("accounts:home")).status_code == 200
    confirm(commit, Client(), proved)
    response = other_device.get(reverse("accounts:home"))
    assert response.status_code == 302 and reverse("accounts:sign_in") in response["Location"]
    assert not Session.objects.filter(user_id=proved.pk).exists()
    assert not RememberedBrowser.objects.active().filter(user=proved).exists()


def test_confirming_tells_connected_services_and_revokes_their_tokens(
    commit, proved, everywhere, receiver
):
    _other, service = everywhere
    confirm(commit, Client(), proved)
    (notice,) = LogoutNotice.objects.all()
    assert notice.reason == "proofing_disputed" and str(notice.sub) == str(proved.sub)
    assert notice.service == service and notice.sent_at is not None
    assert len(receiver.tokens) == 1
    assert not AccessToken.objects.exists() and not Grant.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_confirming_cancels_the_password_and_removes_passkeys(commit, proved, everywhere):
    from django_otp_webauthn.models import WebAuthnCredential

    assert WebAuthnCredential.objects.filter(user=proved).exists()
    confirm(commit, Client(), proved)
    proved.refresh_from_db()
    assert not proved.check_password(PASSWORD) and not proved.has_usable_password()
    assert not WebAuthnCredential.objects.filter(user=proved).exists()
    signing_in = Client().post(
        reverse("accounts:sign_in"), {"email": proved.email, "password": PASSWORD}
    )
    assert signing_in.status_code == 200  # the page again, with an error: no next step


def test_confirming_emails_what_was_done_and_what_to_do_next(commit, proved, everywhere):
    confirm(commit, Client(), proved)
    (notification,) = sent_to(proved.email, "accounts.proofing_disputed")
    subject, body = rendered(notification)
    assert subject == "We have taken back the high level of proof on your NHS login"
    assert "signed you out of NHS login on all your devices" in body
    assert django_settings.SITE_URL + reverse("accounts:password_forgotten") in body
    assert "prove who you are again" in body


def test_each_step_is_audited_as_the_patient_through_the_notice(commit, proved, everywhere):
    token = path_of(link_in(notices_to(proved)[0])).split("token=")[1]
    confirm(commit, Client(), proved)
    by_name = {e.event: e for e in AuditEvent.objects.filter(user=proved)}
    for name in (
        "identity.proofing_disputed",
        "sign_out.everywhere",
        "sign_out.services",
        "account.password_cancelled",
        "passkey.removed_all",
        "support.case_opened",
    ):
        assert by_name[name].actor_id == proved.pk, name
        assert by_name[name].details["via"] == "proofing notice", name
    assert by_name["sign_out.everywhere"].details["count"] == 2
    assert by_name["sign_out.services"].details["services"] == ["book-a-test"]
    lowered = AuditEvent.objects.filter(user=proved, event="identity.level_changed").latest("id")
    assert lowered.details == {"previous": "P9", "level": "P0", "route": "proofing disputed"}
    assert lowered.actor_id == proved.pk
    assert AuditEvent.objects.filter(user=proved, event="browser.forgotten").exists()
    for event in AuditEvent.objects.all():
        assert token not in str(event.details)


def test_the_patient_reads_what_happened_in_their_account_activity(commit, proved, everywhere):
    confirm(commit, Client(), proved)
    proved.set_password(PASSWORD)
    proved.save()
    html = signed_in_client(proved).get(reverse("accounts:activity")).content.decode()
    for sentence in (
        "We emailed you to check it was you who proved who you are",
        "You told us it was not you who proved who you are, so we took back your level of",
        "We signed you out of NHS login on all your devices",
        "We told the services you use to sign you out",
        "We cancelled your password. Choose a new one to sign in",
        "We asked our support team to look into your NHS login",
    ):
        assert sentence in html, sentence


def test_the_owner_confirming_while_signed_in_is_signed_out_and_sees_the_done_page(commit, proved):
    client = signed_in_client(proved)
    response = confirm(commit, client, proved)
    done = client.get(response["Location"])
    html = done.content.decode()
    assert done.status_code == 200 and "We have taken back the high level of proof" in html
    assert "Choose a new password" in html
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 302 and reverse("accounts:sign_in") in home["Location"]
    assert len(sent_to(proved.email, "accounts.proofing_disputed")) == 1


# --- Tokens that must not work -------------------------------------------------------------


def assert_nothing_changed(user, level="P9", cases=0):
    user.refresh_from_db()
    assert user.proofing_level == level
    assert SupportCase.objects.count() == cases
    if not cases:
        assert user.check_password(PASSWORD)
        assert not AuditEvent.objects.filter(event="identity.proofing_disputed").exists()


def test_a_token_works_once(commit, proved):
    link = path_of(link_in(notices_to(proved)[0]))
    confirm(commit, Client(), proved)
    commit(set_proofing_level, proved, "P9", route="photo ID and video")  # a person decided
    again = Client()
    again.get(link)
    page = again.get(PAGE)
    assert page.status_code == 400 and "This link does not work" in page.content.decode()
    response = commit(again.post, PAGE)
    assert response.status_code == 400
    assert_nothing_changed(proved, level="P9", cases=1)
    refused = AuditEvent.objects.filter(event="account.proofing_notice_refused").latest("id")
    assert refused.details["reason"] == "used" and refused.user_id == proved.pk


def test_an_expired_token_changes_nothing(commit, proved, monkeypatch):
    later = timezone.now() + datetime.timedelta(days=30, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = Client()
    client.get(follow_link(client, proved))
    page = client.get(PAGE)
    assert page.status_code == 400 and "This link does not work" in page.content.decode()
    assert commit(client.post, PAGE).status_code == 400
    assert_nothing_changed(proved)
    refused = AuditEvent.objects.get(event="account.proofing_notice_refused")
    assert refused.details["reason"] == "expired"


@pytest.mark.parametrize("token", ["made-up-token-" + "x" * 30, "", "%00", "a" * 500])
def test_a_made_up_token_changes_nothing(commit, proved, token):
    client = Client()
    response = client.get(PAGE, {"token": token})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert client.get(PAGE).status_code == 400
    assert commit(client.post, PAGE).status_code == 400
    assert_nothing_changed(proved)
    assert ProofingNotice.objects.get(user=proved).used_at is None


def test_the_page_without_a_link_does_nothing(commit, proved):
    client = Client()
    assert client.get(PAGE).status_code == 400
    assert commit(client.post, PAGE).status_code == 400
    assert_nothing_changed(proved)


def test_a_post_without_the_forms_csrf_token_is_refused(proved):
    client = Client(enforce_csrf_checks=True)
    client.get(follow_link(client, proved))
    assert client.post(PAGE).status_code == 403
    assert_nothing_changed(proved)


# --- The hold on the fast track, and support ----------------------------------------------


def test_while_the_case_is_open_the_gp_fast_track_is_not_offered(commit):
    registered = make_registered_patient(make_practice(), mobile_number="+447700900555")
    user = UserFactory(proofing_level="P5", phone_number="+447700900555")
    give_identity(user, registered)
    make_details(registered)
    commit(set_proofing_level, user, "P9", route="photo ID and video")
    confirm(commit, Client(), user)
    user.set_password(PASSWORD)
    user.save()
    commit(set_proofing_level, user, "P5", route="demographics trace")  # proved P5 again
    url = reverse("verification:gp_online_fast_track")
    client = signed_in_client(user)
    assert url not in client.get(reverse("verification:start")).content.decode()
    client.post(url)
    user.refresh_from_db()
    assert user.proofing_level == "P5"

    SupportCase.objects.update(status=SupportCase.Status.CLOSED)  # support cleared it
    assert not proofing_hold(user)
    assert url in client.get(reverse("verification:start")).content.decode()


def test_superusers_see_the_cases_read_only_and_other_staff_do_not(commit, proved):
    confirm(commit, Client(), proved)
    case = SupportCase.objects.get()
    superuser = User.objects.create_superuser("root@example.com", PASSWORD)
    admin_list = reverse("admin:accounts_supportcase_changelist")
    admin_case = reverse("admin:accounts_supportcase_change", args=[case.pk])
    root = staff_client(superuser)
    listing = root.get(admin_list)
    assert listing.status_code == 200 and "Proofing disputed" in listing.content.decode()
    detail = root.get(admin_case)
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert root.post(admin_case, {"status": "closed"}).status_code == 403
    assert root.get(reverse("admin:accounts_supportcase_add")).status_code == 403
    SupportCase.objects.get(status="open")

    staff = User.objects.create_user("staff@example.com", PASSWORD, is_staff=True)
    assert staff_client(staff).get(admin_list).status_code == 403
