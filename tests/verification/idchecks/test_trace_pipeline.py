"""The route after a failed P5 trace: the pipeline traces the NHS record, then decides.

The patient has no ``Identity``; the check traces them in the demographics store through
``demographics.trace()`` (ADR 0043). Runs on PostgreSQL in CI (and on SQLite locally).
"""

import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Notification
from core.notifications.service import rendered
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import (
    blank_jpeg,
    genuine_capture,
    genuine_check,
    make_p5_patient,
    passport_jpeg,
)
from tests.verification.idchecks.test_review import checker
from tests.verification.idchecks.trace_helpers import (
    build_trace_check,
    make_p0_patient,
    nhs_record,
    years_ago,
)
from verification import demographics
from verification.demographics.types import DemographicsUnavailable, Outcome, TraceResult
from verification.idchecks import services
from verification.idchecks import trace as trace_module
from verification.models import IdCheck, Identity


@pytest.fixture(autouse=True)
def _fast_track_on(settings):
    settings.P9_FAST_TRACK = True


def trace_result(check):
    return check.results.get(name="nhs_record")


def take_and(check, decide, *args):
    reviewer = checker()
    assert services.take_next(reviewer).pk == check.pk
    return decide(check.pk, reviewer, *args), reviewer


def test_a_unique_match_with_every_check_passing_is_fast_tracked_and_links_the_record(db, submit):
    patient = make_p0_patient()
    record = nhs_record()
    check = submit(build_trace_check(patient))  # entered "Janet Smyth": the MRZ is trusted

    assert check.status == IdCheck.Status.APPROVED and check.fast_tracked
    result = trace_result(check)
    assert result.outcome == "pass" and result.confidence == 1.0
    assert result.details == {"details_from": "document", "by": "name", "trace": "matched"}
    assert check.results.get(name="machine_readable_zone").outcome == "pass"
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
    identity = Identity.objects.get(user=patient)
    assert identity.nhs_number == record.nhs_number
    assert (identity.given_name, identity.family_name) == ("Jane", "Smith")
    assert identity.birth_date == record.birth_date and identity.gp_ods_code == "B86001"
    assert identity.nation == "england"
    linked = AuditEvent.objects.get(user=patient, event="idcheck.identity_linked")
    assert linked.details["route"] == "photo ID and face scan"
    change = AuditEvent.objects.get(user=patient, event="identity.level_changed")
    assert change.details == {"previous": "P0", "level": "P9", "route": "fast track"}
    fast = AuditEvent.objects.get(user=patient, event="idcheck.fast_tracked")
    assert fast.details["nhs_record_traced"] is True
    # The check keeps only what an Identity holds, encrypted; never the record's mobile.
    kept = json.loads(check.traced_record)
    assert set(kept) == {
        "nhs_number",
        "given_name",
        "family_name",
        "birth_date",
        "postcode",
        "gp_ods_code",
        "phone_matched",
    }
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute(
            "SELECT traced_record, entered_details FROM verification_idcheck WHERE id = %s",
            [check.pk],
        )
        raw = str(cursor.fetchall())
    assert "gAAAA" in raw and record.nhs_number not in raw and "Smyth" not in raw


def test_the_phone_flag_comes_from_the_traced_record(db, submit):
    patient = make_p0_patient(phone_number="+447700900123")
    nhs_record(mobile="07700 900123")
    submit(build_trace_check(patient))
    assert Identity.objects.get(user=patient).phone_number_pds_matched


def test_not_found_is_rejected_at_once_with_what_to_do_and_never_queued(db, submit):
    patient = make_p0_patient()
    nhs_record(postcode="M1 1AE")  # the patient's record has another postcode
    check = submit(build_trace_check(patient))

    result = trace_result(check)
    assert (result.outcome, result.details["trace"]) == ("fail", "no_match")
    # Nobody could approve it: the patient is told now, not after a checker's look.
    assert check.status == IdCheck.Status.REJECTED and check.decided_by is None
    assert check.rejection_reason == IdCheck.RejectionReason.DETAILS_MISMATCH
    assert not services.queue().filter(pk=check.pk).exists()
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    assert not Identity.objects.filter(user=patient).exists()
    rejected = AuditEvent.objects.get(user=patient, event="idcheck.rejected")
    assert rejected.details["automatic"] is True and rejected.actor is None
    decision = AuditEvent.objects.get(user=patient, event="idcheck.no_nhs_record")
    assert decision.details["trace"] == "no_match" and decision.actor is None
    assert not AuditEvent.objects.filter(user=patient, event="idcheck.queued_for_review")
    # The status page says at once what to do instead.
    page = signed_in_client(patient).get(reverse("verification:idcheck_status")).content.decode()
    assert "the details do not match the NHS record" in page
    assert "as your GP surgery has them" in page
    assert "Use your GP online registration details" in page
    _, body = rendered(Notification.objects.get(user=patient, template="idchecks.rejected"))
    assert "the details do not match the NHS record" in body
    assert "GP online registration details" in body and "/gp-online-details/" in body
    assert "as your GP surgery has them" in body


def test_a_trace_that_could_not_run_is_never_put_in_front_of_a_checker(db, submit, monkeypatch):
    def broken(check, reading, today=None):
        raise ValueError("damaged")

    monkeypatch.setattr(trace_module, "trace_check", broken)
    patient = make_p0_patient()
    nhs_record()
    check = submit(build_trace_check(patient))

    assert trace_result(check).outcome == "unsure"
    assert check.status == IdCheck.Status.REJECTED and check.decided_by is None
    assert not services.queue().filter(pk=check.pk).exists()
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    decision = AuditEvent.objects.get(user=patient, event="idcheck.no_nhs_record")
    assert decision.details["trace"] == "not_run"


def test_several_matches_say_to_ask_the_gp_practice(db, submit):
    patient = make_p0_patient()
    nhs_record(given_name="Jane Ann")
    nhs_record(given_name="Jane Beth")
    check = submit(build_trace_check(patient))
    assert "ask your GP surgery for your GP online registration details" in (
        services.next_step_advice(check)
    )


def test_several_matches_are_no_answer_and_cannot_be_approved(db, submit):
    patient = make_p0_patient()
    nhs_record(given_name="Jane Ann")
    nhs_record(given_name="Jane Beth")  # twins: same first name, date of birth, postcode
    check = submit(build_trace_check(patient))

    assert check.status == IdCheck.Status.REJECTED
    assert trace_result(check).details["trace"] == "multiple"
    assert not check.traced_record and not services.can_approve(check)


def test_an_entered_nhs_number_is_traced_first_and_a_wrong_one_falls_back_to_the_names(db, submit):
    record = nhs_record()
    right = submit(build_trace_check(make_p0_patient(), {"nhs_number": record.nhs_number}))
    assert trace_result(right).details["by"] == "nhs_number"
    assert right.status == IdCheck.Status.APPROVED

    Identity.objects.all().delete()
    photo, clip = genuine_capture(number="999999992")  # another passport: not reused
    wrong = submit(
        build_trace_check(
            make_p0_patient(), {"nhs_number": "9434765919"}, front=photo, front_clip=clip
        )
    )
    assert trace_result(wrong).details["by"] == "name"
    assert wrong.status == IdCheck.Status.APPROVED


def test_without_a_readable_mrz_the_entered_details_are_traced_and_a_person_decides(db, submit):
    patient = make_p0_patient()
    record = nhs_record()
    check = submit(
        build_trace_check(
            patient,
            {"given_name": "Jane", "family_name": "Smith"},
            document_type="uk_driving_licence",
            back=blank_jpeg(),
        )
    )
    assert trace_result(check).details == {
        "details_from": "entered",
        "by": "name",
        "trace": "matched",
    }
    assert check.status == IdCheck.Status.AWAITING_REVIEW  # no MRZ: never fast tracked
    assert services.can_approve(check)

    _, reviewer = take_and(check, services.approve)

    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
    assert Identity.objects.get(user=patient).nhs_number == record.nhs_number
    linked = AuditEvent.objects.get(user=patient, event="idcheck.identity_linked")
    assert linked.actor == reviewer
    change = AuditEvent.objects.get(user=patient, event="identity.level_changed")
    assert change.details["route"] == "photo ID and face scan" and change.actor == reviewer
    approved = AuditEvent.objects.get(user=patient, event="idcheck.approved")
    assert approved.details["nhs_record_traced"] is True


def test_a_record_linked_to_another_login_is_not_used(db, submit):
    record = nhs_record()
    other = make_p5_patient()
    Identity.objects.filter(user=other).update(nhs_number_index="x")
    identity = Identity.objects.get(user=other)
    identity.nhs_number = record.nhs_number
    identity.save()

    patient = make_p0_patient()
    check = submit(build_trace_check(patient))
    assert trace_result(check).details["trace"] == "duplicate"
    assert check.status == IdCheck.Status.REJECTED
    assert not services.can_approve(check)
    assert "already linked to another NHS login" in services.next_step_advice(check)


def test_under_the_minimum_age_on_the_traced_record_cannot_be_approved(db, submit, settings):
    settings.P9_MINIMUM_AGE = 11
    born = years_ago(9)
    nhs_record(birth_date=born)
    patient = make_p0_patient()
    # The patient entered an adult's date of birth; the passport and the record say 9.
    check = submit(build_trace_check(patient, front=passport_jpeg(birth_date=born)))

    result = trace_result(check)
    assert result.outcome == "fail" and result.details["under_minimum_age"]
    assert "under 11" in result.summary
    assert check.status == IdCheck.Status.REJECTED
    assert check.rejection_reason == IdCheck.RejectionReason.TOO_YOUNG
    assert not services.can_approve(check) and not check.traced_record
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    _, body = rendered(Notification.objects.get(user=patient, template="idchecks.rejected"))
    assert "when you are 11 or older" in body


class FlakyDemographics:
    """The demographics service: unavailable for the first ``failures`` traces."""

    def __init__(self, failures):
        self.failures = failures
        self.calls = 0
        self.real = demographics.trace

    def __call__(self, query):
        self.calls += 1
        if self.calls <= self.failures:
            return TraceResult(Outcome.UNAVAILABLE)
        return self.real(query)


def test_an_unavailable_service_is_retried_by_the_task_until_it_answers(db, monkeypatch):
    from verification import tasks

    flaky = FlakyDemographics(failures=2)
    monkeypatch.setattr(demographics, "trace", flaky)
    patient = make_p0_patient()
    nhs_record()
    check = build_trace_check(patient)
    services.submit(check)  # (queued after commit: not in this test's transaction)

    # The task as a worker runs it: DemographicsUnavailable is retried (eagerly, at once;
    # Celery's eager retries need errors not to propagate).
    conf = tasks.run_id_checks.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        outcome = tasks.run_id_checks.apply(args=[str(check.pk)])
    finally:
        conf.task_eager_propagates = propagates

    assert outcome.state == "SUCCESS"
    assert flaky.calls == 3
    check.refresh_from_db()
    assert check.status == IdCheck.Status.APPROVED
    assert trace_result(check).details["trace"] == "matched"
    # Every check of a face scan, and the trace, each once (a retry repeats none of them).
    assert check.results.count() == len(services.FAST_TRACK_NEEDS) + 1


def test_while_unavailable_nothing_is_decided_and_finished_checks_are_kept(db, monkeypatch):
    flaky = FlakyDemographics(failures=1)
    monkeypatch.setattr(demographics, "trace", flaky)
    patient = make_p0_patient()
    nhs_record()
    check = build_trace_check(patient)
    IdCheck.objects.filter(pk=check.pk).update(
        status=IdCheck.Status.SUBMITTED, submitted_at=timezone.now()
    )

    with pytest.raises(DemographicsUnavailable):
        services.run_automated_checks(check.pk)
    check.refresh_from_db()
    assert check.status == IdCheck.Status.SUBMITTED
    assert trace_result(check).details["trace"] == "unavailable"
    assert set(check.results.values_list("name", flat=True)) == {
        "image_quality",
        "document_face",
        "nhs_record",
    }
    kept = check.results.get(name="image_quality").completed_at

    services.run_automated_checks(check.pk)  # the service is back

    check.refresh_from_db()
    assert check.status == IdCheck.Status.APPROVED
    assert trace_result(check).details["trace"] == "matched"
    assert check.results.get(name="image_quality").completed_at == kept


def test_a_p5_patients_check_does_not_trace(p5_patient, submit, monkeypatch):
    monkeypatch.setattr(demographics, "trace", lambda query: pytest.fail("traced"))
    check = submit(genuine_check(p5_patient))
    assert not check.needs_trace and check.status == IdCheck.Status.APPROVED
    assert not check.results.filter(name="nhs_record").exists()


def test_deleting_media_after_the_decision_also_deletes_the_entered_and_traced_details(
    db, submit, settings
):
    settings.P9_MEDIA_RETENTION_DAYS = 30
    patient = make_p0_patient()
    nhs_record()
    check = submit(build_trace_check(patient))
    assert check.entered_details and check.traced_record

    services.delete_decided_media(now=timezone.now() + timezone.timedelta(days=31))

    check.refresh_from_db()
    assert check.entered_details == "" and check.traced_record == ""
    assert Identity.objects.filter(user=patient).exists()
