"""A real Celery worker runs the checks; killing it mid-check loses nothing."""

import time

import pytest
from django.db import transaction

from tests.fixtures.worker import wait_for
from tests.verification.idchecks.conftest import genuine_check, make_p5_patient
from verification.idchecks import services
from verification.models import AutomatedCheck, IdCheck


def _submit(check):
    with transaction.atomic():
        services.submit(check)


@pytest.fixture
def settings(settings):
    """The fast track on, here and in the worker process (``celery_worker`` and
    ``celery_worker_process`` pass it on)."""
    settings.P9_FAST_TRACK = True
    return settings


@pytest.mark.worker
def test_a_worker_on_the_checks_queue_fast_tracks_a_check(settings, celery_worker):
    patient = make_p5_patient()
    check = genuine_check(patient)
    started = time.monotonic()
    _submit(check)
    wait_for(
        lambda: IdCheck.objects.get(pk=check.pk).status == IdCheck.Status.APPROVED, timeout=180
    )
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
    assert time.monotonic() - started < 180


@pytest.mark.worker
def test_a_worker_traces_the_nhs_record_of_a_p0_patient_and_fast_tracks(settings, celery_worker):
    """The route after a failed P5 trace, through a real worker process (ADR 0043)."""
    from tests.verification.idchecks.trace_helpers import (
        build_trace_check,
        make_p0_patient,
        nhs_record,
    )
    from verification.models import Identity

    patient = make_p0_patient()
    record = nhs_record()
    check = build_trace_check(patient)
    _submit(check)
    wait_for(
        lambda: IdCheck.objects.get(pk=check.pk).status == IdCheck.Status.APPROVED, timeout=180
    )
    trace = AutomatedCheck.objects.get(id_check=check, name="nhs_record")
    assert trace.outcome == "pass" and trace.details["details_from"] == "document"
    assert Identity.objects.get(user=patient).nhs_number == record.nhs_number
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"


# Last in the file: its own worker stops the shared one the tests above use.
@pytest.mark.worker
def test_a_check_killed_mid_way_completes_after_the_worker_restarts(
    settings, celery_worker_process
):
    patient = make_p5_patient()
    check = genuine_check(patient)
    _submit(check)

    # The cheap checks finish first; the OCR of the MRZ takes seconds: kill the worker then.
    wait_for(lambda: AutomatedCheck.objects.filter(id_check=check).exists(), timeout=120)
    celery_worker_process.kill()
    done_before = {r.name: r.completed_at for r in AutomatedCheck.objects.filter(id_check=check)}
    assert IdCheck.objects.get(pk=check.pk).status == IdCheck.Status.SUBMITTED
    every = len(services.FAST_TRACK_NEEDS)
    assert 0 < len(done_before) < every, "the worker finished before it could be killed"

    celery_worker_process.start()
    wait_for(
        lambda: IdCheck.objects.get(pk=check.pk).status == IdCheck.Status.APPROVED, timeout=180
    )
    results = {r.name: r for r in AutomatedCheck.objects.filter(id_check=check)}
    assert len(results) == every
    # Finished checks were kept, not run again.
    assert all(results[name].completed_at == at for name, at in done_before.items())
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
