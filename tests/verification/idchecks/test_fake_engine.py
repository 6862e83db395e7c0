"""The fake ID check engine (verification/idchecks/fake_engine.py): what each magic input
makes it see, and that it can never run in production."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.verification.idchecks.conftest import (
    build_check,
    clip,
    magic_passport_jpeg,
    passport_jpeg,
)
from tests.verification.test_document_checking import PRODUCTION, _start_up
from verification.idchecks import services
from verification.models import IdCheck

pytestmark = pytest.mark.django_db


def outcomes(check) -> dict[str, str]:
    return {r.name: r.outcome for r in check.results.all()}


def test_the_real_engine_reads_the_media_unless_a_test_asks_for_the_fake(p5_patient, settings):
    """The pipeline, attack, forgery and upload tests run the real engines."""
    assert settings.ID_CHECK_ENGINE == "real"
    check = services.start_check(p5_patient)
    assert type(services.readings_for(check)) is services.MediaReadings


@pytest.mark.usefixtures("fake_id_check_engine")
def test_with_no_magic_every_check_of_the_media_passes(p5_patient, submit):
    check = submit(build_check(p5_patient, front=passport_jpeg()))
    seen = outcomes(check)
    assert seen.pop("document_camera") == "fail"  # chosen from a file: the real rule
    assert set(seen.values()) == {"pass"}
    assert check.status == IdCheck.Status.AWAITING_REVIEW


@pytest.mark.usefixtures("fake_id_check_engine")
def test_with_a_camera_clip_and_no_magic_a_check_is_fast_tracked(p5_patient, submit, settings):
    settings.P9_FAST_TRACK = True
    check = submit(build_check(p5_patient, front=passport_jpeg(), front_clip=clip()))
    assert set(outcomes(check).values()) == {"pass"}
    assert check.status == IdCheck.Status.APPROVED
    assert check.user.proofing_level == "P9"


@pytest.mark.usefixtures("fake_id_check_engine")
@pytest.mark.parametrize(
    ("scenario", "failed"),
    [
        ("face_not_theirs", {"face_match"}),
        # No number read: nothing to ask the issuer or to compare for reuse, as for real.
        ("mrz_unreadable", {"machine_readable_zone", "document_issuer", "document_reuse"}),
        ("a_screen", {"document_capture"}),
        ("no_document_face", {"document_face", "face_match"}),
    ],
)
def test_a_magic_width_fails_what_it_names(p5_patient, submit, settings, scenario, failed):
    settings.P9_FAST_TRACK = True
    front = magic_passport_jpeg(scenario)
    check = submit(build_check(p5_patient, front=front, front_clip=clip()))
    seen = outcomes(check)
    assert {name for name, outcome in seen.items() if outcome != "pass"} == failed
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    assert check.user.proofing_level == "P5"


@pytest.mark.usefixtures("fake_id_check_engine")
def test_the_fake_reads_the_document_as_the_patients_nhs_record(p5_patient, submit):
    """So the real comparison, trace, issuer and reuse code run on its reading."""
    check = submit(build_check(p5_patient, front=passport_jpeg()))
    mrz = check.results.get(name="machine_readable_zone")
    assert mrz.details["surname_matches"] and mrz.details["birth_date_matches"]
    assert check.results.get(name="document_issuer").outcome == "pass"


def test_production_refuses_the_fake_engine_at_start_up():
    refused = _start_up(**PRODUCTION, ID_CHECK_ENGINE="fake")
    assert refused.returncode != 0
    assert "ID_CHECK_ENGINE cannot be fake in production" in refused.stderr
    unknown = _start_up(ID_CHECK_ENGINE="pretend")
    assert "ID_CHECK_ENGINE must be real or fake" in unknown.stderr


def test_production_refuses_the_fake_engine_even_when_a_setting_is_changed_later(
    p5_patient, settings
):
    check = services.start_check(p5_patient)
    settings.ENVIRONMENT = "production"
    settings.ID_CHECK_ENGINE = "fake"
    with pytest.raises(ImproperlyConfigured, match="cannot be fake in production"):
        services.readings_for(check)
