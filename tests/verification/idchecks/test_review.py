"""The identity checkers' workspace: who gets in, the lock, decisions, audited media views."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Notification
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import build_check, make_p5_patient
from verification.idchecks import services
from verification.models import AutomatedCheck, IdCheck


def checker(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=services.CHECKERS_GROUP)
    user.groups.add(group)
    return user


def waiting_check(user=None, method="video", **kwargs):
    """A sent check the automated checks passed to a person (results stubbed for speed)."""
    user = user or make_p5_patient()
    check = build_check(user, method=method, **kwargs)
    IdCheck.objects.filter(pk=check.pk).update(
        status=IdCheck.Status.AWAITING_REVIEW, submitted_at=timezone.now()
    )
    AutomatedCheck.objects.create(
        id_check=check, name="image_quality", outcome="pass", confidence=0.95, summary="Sharp"
    )
    check.refresh_from_db()
    return check


@pytest.fixture
def practice_staff(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="verification"))
    return user


def test_patients_and_practice_staff_cannot_open_the_workspace_or_media(p5_patient, practice_staff):
    check = waiting_check(p5_patient)
    media = check.media.first()
    for user in (p5_patient, practice_staff):
        client = signed_in_client(user)
        for name, args in [
            ("review_queue", ()),
            ("review_check", (check.pk,)),
            ("review_media", (media.pk,)),
        ]:
            assert client.get(reverse(f"verification:{name}", args=args)).status_code == 403
        assert client.post(reverse("verification:review_take_next")).status_code == 403
    assert not AuditEvent.objects.filter(event="idcheck.media_viewed").exists()


def test_signed_out_people_are_sent_to_sign_in(client, p5_patient):
    media = waiting_check(p5_patient).media.first()
    response = client.get(reverse("verification:review_media", args=[media.pk]))
    assert response.status_code == 302 and "sign" in response["Location"]


def test_the_queue_shows_counts_and_the_age_of_the_oldest(db):
    old = waiting_check()
    IdCheck.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=3)
    )
    waiting_check()
    page = signed_in_client(checker()).get(reverse("verification:review_queue")).content.decode()
    assert "Waiting" in page and ">2<" in page.replace(" ", "").replace("\n", "")
    assert "3\xa0hours" in page or "3 hours" in page


def test_take_next_gives_the_oldest_and_two_checkers_never_get_the_same(db):
    older, newer = waiting_check(), waiting_check()
    IdCheck.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=1)
    )
    first, second, third = checker(), checker(), checker()
    assert services.take_next(first).pk == older.pk
    assert services.take_next(first).pk == older.pk  # the same one again, not a second
    assert services.take_next(second).pk == newer.pk
    assert services.take_next(third) is None


def test_an_abandoned_lock_expires(db, settings):
    check = waiting_check()
    first, second = checker(), checker()
    services.take_next(first)
    assert services.take_next(second) is None
    IdCheck.objects.filter(pk=check.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.take_next(second).pk == check.pk
    with pytest.raises(services.NotYours):
        services.approve(check.pk, first)


def test_a_checker_sees_the_check_and_every_media_view_is_audited(p5_patient):
    check = waiting_check(p5_patient, method="video", way="bsl", digits="2468")
    reviewer = checker()
    client = signed_in_client(reviewer)
    response = client.post(reverse("verification:review_take_next"))
    assert response["Location"] == reverse("verification:review_check", args=[check.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2468" in page and "Sign them in British Sign Language (BSL)" in page
    assert "Smith" in page and "12 April 1985" in page and "Sharp" in page
    for media in check.media.all():
        got = client.get(reverse("verification:review_media", args=[media.pk]))
        assert got.status_code == 200 and got["Content-Type"] == media.content_type
        assert got["Cache-Control"] == "no-store, private"
        assert got.content[:4] in (b"\xff\xd8\xff\xe0", b"\x1aE\xdf\xa3")
    views = AuditEvent.objects.filter(event="idcheck.media_viewed", actor=reviewer, user=p5_patient)
    assert views.count() == 2


def test_a_checker_cannot_open_media_of_a_check_they_do_not_hold(db):
    check = waiting_check()
    client = signed_in_client(checker())
    media = check.media.first()
    assert client.get(reverse("verification:review_media", args=[media.pk])).status_code == 404


def test_approving_makes_the_patient_p9_and_emails_them(p5_patient):
    check = waiting_check(p5_patient, method="face_scan")
    reviewer = checker()
    client = signed_in_client(reviewer)
    client.post(reverse("verification:review_take_next"))
    client.post(reverse("verification:review_check", args=[check.pk]), {"decision": "approve"})

    p5_patient.refresh_from_db()
    check.refresh_from_db()
    assert p5_patient.proofing_level == "P9" and check.status == "approved"
    assert check.decided_by == reviewer
    change = AuditEvent.objects.get(user=p5_patient, event="identity.level_changed")
    assert change.details["route"] == "photo ID and face scan" and change.actor == reviewer
    approved = AuditEvent.objects.get(event="idcheck.approved")
    assert approved.details["document_type"] == "uk_passport"
    assert Notification.objects.filter(user=p5_patient, template="idchecks.approved").exists()


def test_rejecting_needs_a_reason_and_lets_the_patient_try_again(p5_patient):
    check = waiting_check(p5_patient)
    client = signed_in_client(checker())
    client.post(reverse("verification:review_take_next"))
    target = reverse("verification:review_check", args=[check.pk])
    page = client.post(target, {"decision": "reject"}).content.decode()
    assert "Select a reason for rejecting" in page
    client.post(target, {"decision": "reject", "reason": "digits", "note": "numbers hidden"})

    check.refresh_from_db()
    p5_patient.refresh_from_db()
    assert check.status == "rejected" and check.rejection_reason == "digits"
    assert p5_patient.proofing_level == "P5"
    assert AuditEvent.objects.get(event="idcheck.rejected").details["reason"] == "digits"
    email = Notification.objects.get(user=p5_patient, template="idchecks.rejected")
    assert "4 numbers were wrong or missing" in email.personalisation

    patient = signed_in_client(p5_patient)
    status = patient.get(reverse("verification:idcheck_status")).content.decode()
    assert "We could not check your photo ID" in status and "Try again" in status
    patient.post(reverse("verification:idcheck_start"))
    assert IdCheck.objects.filter(user=p5_patient, status="draft").exists()


def test_two_checkers_taking_at_the_same_moment_get_different_checks(transactional_db):
    import threading

    from django.db import connection

    checks = {waiting_check().pk, waiting_check().pk}
    reviewers = [checker(), checker()]
    barrier = threading.Barrier(2)
    taken = {}

    def take(reviewer):
        barrier.wait()
        try:
            check = services.take_next(reviewer)
            taken[reviewer.pk] = check.pk if check else None
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert set(taken.values()) == checks
    for reviewer in reviewers:
        assert IdCheck.objects.get(pk=taken[reviewer.pk]).locked_by_id == reviewer.pk
