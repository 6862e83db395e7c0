"""In Chromium, with axe on every page: a failed P5 trace, then photo ID that finds the record.

The route after a failed P5 trace (ADR 0043): the patient gives the details a trace needs,
then photo ID and a face scan; the check traces their NHS record. And a checker deciding
checks of this route: approving one with a traced record, rejecting one with none.
"""

import pytest
from django.db import transaction

from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.idchecks.conftest import blank_jpeg, face_scan, magic_passport_jpeg
from tests.verification.idchecks.test_browser import SLOW, checker_page, go, take_and_decide
from tests.verification.idchecks.trace_helpers import build_trace_check, make_p0_patient, nhs_record
from verification.idchecks import faces, services
from verification.models import IdCheck, Identity

# The fake ID check engine reads the documents (test_trace_pipeline.py has the real one).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fake_id_check_engine"),
]


@pytest.fixture
def files(tmp_path):
    paths = {"passport": tmp_path / "passport.jpg"}
    # A passport whose face is not the patient's (the fake engine's magic width).
    paths["passport"].write_bytes(magic_passport_jpeg("face_not_theirs"))
    for prompt in faces.PROMPTS:  # the face scan for whichever prompt the page gives
        paths[prompt] = tmp_path / f"{prompt}.webm"
        paths[prompt].write_bytes(face_scan(prompt))
    return paths


def fill_and_continue(page, fields: dict):
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    go(page, lambda: page.get_by_role("button", name="Continue").click())


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_after_a_failed_trace_photo_id_and_a_face_scan_find_the_record(page, files):
    patient = make_p0_patient()
    record = nhs_record()
    sign_in_browser(page, patient)

    # P5 first, with a wrong NHS number: no match.
    page.goto("/prove-who-you-are/")
    axe_check(page)
    go(page, lambda: page.get_by_role("link", name="Use your NHS number or name").click())
    fill_and_continue(page, {"What is your NHS number?": "943 476 5919"})
    fill_and_continue(page, {"Day": "12", "Month": "4", "Year": "1985"})
    fill_and_continue(page, {"What is your postcode?": "LS1 4AP"})
    assert heading(page) == "We could not prove who you are with these details"

    # Photo ID instead: the details a trace needs come first.
    go(
        page,
        lambda: page.get_by_role("link", name="Prove who you are with photo ID instead").click(),
    )
    assert heading(page) == "Prove who you are with photo ID"
    assert "We will also find your NHS record" in page.locator("main").inner_text()
    go(page, lambda: page.get_by_role("button", name="Start now").click())
    assert heading(page) == "What is your name?"
    go(page, lambda: page.get_by_role("button", name="Continue").click())  # nothing entered
    assert "Enter your first name" in page.locator(".nhsuk-error-summary").inner_text()
    fill_and_continue(page, {"First name": "Jane", "Last name": "Smith"})
    assert heading(page) == "What is your date of birth?"
    fill_and_continue(page, {"Day": "12", "Month": "4", "Year": "1985"})
    fill_and_continue(page, {"What is your postcode?": "ls1 4ap"})
    assert heading(page) == "What is your NHS number? (optional)"
    go(page, lambda: page.get_by_role("button", name="Continue").click())  # left blank

    assert heading(page) == "Which photo ID will you use?"
    page.get_by_label("UK passport").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    page.set_input_files("input[name=front]", str(files["passport"]))
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    page.get_by_label("Face scan: record your face with your camera for a few seconds").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    prompt = page.locator("#liveness-prompt").get_attribute("data-prompt")
    page.set_input_files("input[name=face]", str(files[prompt]))
    go(page, lambda: page.locator("#face-continue").click())

    assert heading(page) == "Check your answers"
    answers = page.locator(".nhsuk-summary-list").inner_text()
    assert "Jane Smith" in answers and "12 April 1985" in answers and "LS1 4AP" in answers
    assert "Not given" in answers
    go(page, lambda: page.get_by_role("button", name="Send").click(timeout=SLOW))

    # The eager checks ran: traced and matched uniquely; the drawn face on this generated
    # passport is not the patient's, so a person decides (test_fast_track_browser.py has the
    # fast track).
    assert heading(page) == "We are checking your photo ID"
    check = IdCheck.objects.get(user=patient)
    assert check.results.get(name="nhs_record").outcome == "pass"
    assert check.traced.nhs_number == record.nhs_number
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    assert record.nhs_number not in page.content()


def _waiting(check):
    with transaction.atomic():
        services.submit(check)
    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    return check


def test_a_checker_approves_a_check_whose_trace_found_the_record(page, browser, live_server):
    patient = make_p0_patient()
    record = nhs_record(given_name="Jane", family_name="Smith")
    # A driving licence has no MRZ: the entered details are traced and a person decides.
    check = _waiting(
        build_trace_check(
            patient,
            {"given_name": "Jane", "family_name": "Smith"},
            document_type="uk_driving_licence",
            back=blank_jpeg(),
        )
    )
    page.context.close()  # the patient's page is not used here
    checker = checker_page(browser, live_server)

    def approve(checker):
        main = checker.locator("main").inner_text()
        assert "had no NHS record match when they started" in main
        assert "Jane Smith" in main and "12 April 1985" in main
        assert "One NHS record matches" in main
        checker.get_by_label("Approve: this is the patient").check()
        go(checker, lambda: checker.get_by_role("button", name="Save decision").click())
        assert "Check approved" in checker.locator("main").inner_text()

    take_and_decide(checker, approve)
    checker.context.close()
    check.refresh_from_db()
    assert check.status == IdCheck.Status.APPROVED and check.decided_by is not None
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
    assert Identity.objects.get(user=patient).nhs_number == record.nhs_number


def test_a_check_whose_trace_found_no_record_tells_the_patient_at_once(page):
    patient = make_p0_patient()
    nhs_record(postcode="M1 1AE")  # not the postcode the patient gave
    check = build_trace_check(patient)
    with transaction.atomic():
        services.submit(check)
    check.refresh_from_db()
    # Nobody could approve it, so it never waits for a checker.
    assert check.status == IdCheck.Status.REJECTED and check.decided_by is None
    assert not services.queue().exists()

    # The patient is told what to do next: check the details, or GP online details.
    sign_in_browser(page, patient)
    go(page, lambda: page.goto("/prove-who-you-are/photo-id/status/"))
    assert heading(page) == "We could not check your photo ID"
    assert page.locator("#rejection-reason").inner_text() == (
        "the details do not match the NHS record"
    )
    assert "as your GP surgery has them" in page.locator("#next-step").inner_text()
    assert page.get_by_role("link", name="Use your GP online registration details").is_visible()
