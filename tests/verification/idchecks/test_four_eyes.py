"""Four eyes: approving against a failed automated check needs a reason and a second checker.

A checker who could approve a check whose face did not match, or whose document did not
match the NHS record, on their own, with nothing said, is one bribe away from a forged P9.
"""

import re

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.test_review import checker, waiting_check
from verification.idchecks import services
from verification.models import AutomatedCheck, IdCheck

pytestmark = pytest.mark.django_db


def failed(check, name="face_match", outcome="fail", summary="Different people (distance 0.81)"):
    AutomatedCheck.objects.create(
        id_check=check, name=name, outcome=outcome, confidence=0.95, summary=summary
    )
    return check


def decide(client, check, **data):
    return client.post(reverse("verification:review_check", args=[check.pk]), data)


def taken_by(user, check):
    taken = services.take_next(user)
    assert taken.pk == check.pk
    return signed_in_client(user)


def test_the_checker_sees_each_failed_automated_check_beside_the_decision():
    check = failed(failed(waiting_check()), "machine_readable_zone", summary="Surname differs")
    client = taken_by(checker(), check)
    page = client.get(reverse("verification:review_check", args=[check.pk])).content.decode()
    warnings = page[page.index('id="automated-warnings"') :]
    assert "Different people (distance 0.81)" in warnings
    assert "Surname differs" in warnings
    assert "A second identity checker must then approve it too" in warnings


def test_approving_against_a_failed_face_match_without_a_reason_is_an_error_and_changes_nothing():
    check = failed(waiting_check())
    client = taken_by(checker(), check)
    response = decide(client, check, decision="approve")
    assert response.status_code == 200
    assert "Say why you are approving it although an automated check failed" in (
        response.content.decode()
    )
    check.refresh_from_db()
    check.user.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    assert check.user.proofing_level == "P5"


def test_one_checker_cannot_make_a_p9_against_a_failed_face_match():
    check = failed(waiting_check())
    first = checker()
    client = taken_by(first, check)
    response = decide(client, check, decision="approve", override_reason="Same mole; new haircut")
    assert response.status_code == 302
    check.refresh_from_db()
    check.user.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_SECOND_REVIEW
    assert check.user.proofing_level == "P5"  # not yet
    assert check.override_reason == "Same mole; new haircut"
    # The first checker can neither take it again nor approve it a second time.
    assert services.take_next(first) is None
    with pytest.raises(services.NotYours):
        services.approve(check.pk, first, "again")
    event = AuditEvent.objects.get(event="idcheck.first_approval")
    assert event.actor_id == first.pk and event.details["overridden"] == ["face_match"]


def test_a_second_checker_makes_it_p9_after_reading_the_first_checkers_reason():
    check = failed(waiting_check())
    services.take_next(first := checker())
    services.approve(check.pk, first, "Same mole; new haircut")
    second = checker()
    client = taken_by(second, check)
    page = client.get(reverse("verification:review_check", args=[check.pk])).content.decode()
    assert "Second approval needed" in page and "Same mole; new haircut" in page
    decide(client, check, decision="approve")
    check.refresh_from_db()
    check.user.refresh_from_db()
    assert check.status == IdCheck.Status.APPROVED
    assert check.decided_by == second and check.first_approved_by == first
    assert check.user.proofing_level == "P9"
    approved = AuditEvent.objects.get(event="idcheck.approved")
    assert approved.details["four_eyes"] is True
    assert approved.details["first_checker"] == str(first.pk)


def test_a_second_checker_can_reject_what_the_first_approved():
    check = failed(waiting_check(), "document_issuer", summary="The issuer says not valid")
    services.take_next(first := checker())
    services.approve(check.pk, first, "Looks genuine to me")
    client = taken_by(checker(), check)
    decide(client, check, decision="reject", reason="fraud")
    check.refresh_from_db()
    assert check.status == IdCheck.Status.REJECTED
    assert check.user.proofing_level == "P5"


def test_approve_with_a_reject_reason_is_an_error_and_saves_nothing():
    check = waiting_check()
    client = taken_by(checker(), check)
    response = decide(client, check, decision="approve", reason="face_mismatch")
    assert response.status_code == 200
    assert "You chose Approve and a reason for rejecting" in response.content.decode()
    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    assert not check.rejection_reason
    assert not AuditEvent.objects.filter(event__in=["idcheck.approved", "idcheck.rejected"])


def test_a_check_whose_automated_checks_all_passed_needs_one_checker():
    check = waiting_check()
    client = taken_by(checker(), check)
    decide(client, check, decision="approve")
    check.refresh_from_db()
    assert check.status == IdCheck.Status.APPROVED


def test_an_unsure_face_match_also_needs_a_second_checker():
    check = failed(waiting_check(), outcome="unsure", summary="Between the thresholds (0.55)")
    assert services.needs_second_checker(check)


def test_the_queue_counts_a_check_being_checked_once():
    waiting_check(), waiting_check()
    assert services.queue_summary()["waiting"] == 2
    services.take_next(checker())
    summary = services.queue_summary()
    assert (summary["waiting"], summary["in_progress"]) == (1, 1)


def test_the_queue_page_counts_each_check_once_first_looks_second_approvals_and_taken():
    first_checker, second = checker(), checker()
    approved_once = failed(waiting_check())
    taken_by(first_checker, approved_once)
    services.approve(approved_once.pk, first_checker, "The face matches in good light")
    waiting_check(), waiting_check()
    services.take_next(second)  # takes the oldest: the one waiting for a second approval

    summary = services.queue_summary()
    assert (summary["waiting"], summary["second_approvals"], summary["in_progress"]) == (2, 0, 1)
    services.take_next(checker())  # one of the first looks
    summary = services.queue_summary()
    assert (summary["waiting"], summary["second_approvals"], summary["in_progress"]) == (1, 0, 2)

    # A second approval nobody has taken is counted there, and only there.
    IdCheck.objects.filter(pk=approved_once.pk).update(locked_until=None)
    page = signed_in_client(checker()).get(reverse("verification:review_queue")).content.decode()
    rows = re.findall(
        r'summary-list__key"\s*>\s*(.*?)\s*</dt>\s*<dd class="nhsuk-summary-list__value"\s*>'
        r"\s*(.*?)\s*</dd>",
        page,
        re.S,
    )
    counts = dict(rows)
    assert counts["Waiting, not taken"] == "1"
    assert counts["Waiting for a second approval"] == "1"
    assert counts["Being checked now"] == "1"
