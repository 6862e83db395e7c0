"""NHS is always written in capitals: "the NHS record", never "nhs record" or "Nhs record".

Every text a patient, checker or staff member reads about proving who they are: the page
templates, the rejection reasons (as the status page and the email put them inside a
sentence), the checker's names for the automated checks, the audit events patients see and
the messages we send. A ``| lower`` or ``.capitalize()`` that mangles NHS fails here.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import Notification
from core.notifications.messages import MESSAGES
from core.notifications.service import rendered
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import make_p5_patient
from verification.idchecks import services
from verification.idchecks.services import PIPELINE
from verification.models import AutomatedCheck, IdCheck

ROOT = Path(__file__).resolve().parents[2]
# A word "nhs" not in capitals; parts of addresses (nhs.uk, nhs-details) are not words.
NOT_CAPITALS = re.compile(r"(?<![-./])\b(?!NHS\b)[Nn][Hh][Ss]\b(?![-./])")


def test_the_pattern_finds_what_it_should():
    assert NOT_CAPITALS.search("do not match the nhs record")
    assert NOT_CAPITALS.search("Nhs record")
    assert not NOT_CAPITALS.search("the NHS record, nhsuk-button, nhs_number, www.nhs.uk")


def template_text(path: Path) -> str:
    """What a template shows: without Jinja code, comments and tags (URLs, classes)."""
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", path.read_text(), flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_no_template_writes_nhs_in_small_letters():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in (ROOT / "templates").rglob("*.jinja")
        for match in NOT_CAPITALS.finditer(template_text(path))
    ]
    assert not found


def test_reasons_check_names_events_and_messages_write_nhs_in_capitals():
    texts = []
    for reason in IdCheck.RejectionReason:
        texts += [reason.label, IdCheck(rejection_reason=reason.value).reason_for_patient]
    texts += [AutomatedCheck(name=name).label for name in PIPELINE]
    texts += [event.description for event in audit.EVENT_TYPES.values()]
    texts += [m.subject + " " + m.body for m in MESSAGES.values()]
    assert len(texts) > 50
    assert not [text for text in texts if NOT_CAPITALS.search(text)]


@pytest.mark.django_db
def test_a_rejection_reads_nhs_record_on_the_status_page_in_the_email_and_for_the_checker():
    patient = make_p5_patient()
    check = IdCheck.objects.create(
        user=patient,
        digits="4719",
        status=IdCheck.Status.AWAITING_REVIEW,
        submitted_at=timezone.now(),
        method="video",
        document_type="uk_passport",
    )
    AutomatedCheck.objects.create(
        id_check=check, name="nhs_record", outcome="pass", confidence=1.0, summary="One record"
    )
    from tests.verification.idchecks.test_review import checker

    reviewer = checker()
    services.take_next(reviewer)
    review_page = signed_in_client(reviewer).get(
        reverse("verification:review_check", args=[check.pk])
    )
    assert "NHS record" in review_page.content.decode()
    assert not NOT_CAPITALS.search(re.sub(r"<[^>]*>", " ", review_page.content.decode()))
    services.reject(check.pk, reviewer, IdCheck.RejectionReason.DETAILS_MISMATCH)

    page = signed_in_client(patient).get(reverse("verification:idcheck_status")).content.decode()
    assert "the details do not match the NHS record" in page
    assert not NOT_CAPITALS.search(re.sub(r"<[^>]*>", " ", page))
    subject, body = rendered(Notification.objects.get(user=patient, template="idchecks.rejected"))
    assert "NHS record" in body and not NOT_CAPITALS.search(subject + body)
