"""Patients at P5 with a demographics record, and ID checks built from generated media."""

import datetime
from functools import cache

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.verification.idchecks import media

BIRTH_DATE = datetime.date(1985, 4, 12)


def make_p5_patient(family_name="Smith", birth_date=BIRTH_DATE, **kwargs):
    from verification.models import Identity

    user = UserFactory(proofing_level="P5", **kwargs)
    Identity.objects.create(
        user=user,
        nhs_number=f"94347659{user.pk % 100:02d}",
        given_name="Jane",
        family_name=family_name,
        birth_date=birth_date,
        postcode="LS1 4AP",
        traced_at=timezone.now(),
    )
    return user


@pytest.fixture
def p5_patient(db):
    return make_p5_patient()


@cache
def passport_jpeg(**kwargs) -> bytes:
    return media.to_bytes(media.passport_page(**kwargs))


@cache
def magic_passport_jpeg(scenario: str) -> bytes:
    """The generated passport page at the width that makes the fake ID check engine see
    ``scenario`` (a key of ``fake_engine.MAGIC_WIDTHS``, e.g. "face_not_theirs")."""
    from verification.idchecks.fake_engine import MAGIC_WIDTHS

    page = media.passport_page()
    width = MAGIC_WIDTHS[scenario]
    return media.to_bytes(page.resize((width, round(page.height * width / page.width))))


@pytest.fixture
def fake_id_check_engine(settings):
    """Journey tests: the automated checks answered by the fake engine, from magic inputs
    (verification/idchecks/fake_engine.py), in milliseconds. The real engines stay in the
    pipeline, attack, forgery and upload tests."""
    settings.ID_CHECK_ENGINE = "fake"


@cache
def face_jpeg() -> bytes:
    return media.to_bytes(media.face_image(600))


@cache
def blank_jpeg() -> bytes:
    return media.to_bytes(media.blank_image())


@cache
def clip(fmt="webm", seconds=4.0, digits="4719", face=True) -> bytes:
    return media.video_clip(seconds=seconds, fmt=fmt, digits=digits, face=face)


# A passport number the fake issuer always confirms (verification/document_checking/fake.py).
CONFIRMED_PASSPORT = "999999991"


@cache
def genuine_capture(person: str = "a_congress", **page) -> tuple[bytes, bytes]:
    """(photo, camera clip) of Jane Smith's passport, carrying the real photo of ``person``,
    taken by the camera step as a phone would (``camera_media``)."""
    from tests.verification.idchecks import faces_media
    from tests.verification.idchecks.camera_media import camera_capture

    page.setdefault("number", CONFIRMED_PASSPORT)
    clip, photo = camera_capture(faces_media.passport_page(person, **page))
    return photo, clip


def face_scan(kind: str = "turn_left") -> bytes:
    """A face scan clip of ``faces_media.CLIPS`` (``turn_left``: person A doing that prompt)."""
    from tests.verification.idchecks import faces_media

    return faces_media.clip(kind)


def build_check(
    user,
    *,
    method="face_scan",
    document_type="uk_passport",
    front=None,
    front_clip=None,
    face=None,
    prompt="turn_left",
    video=None,
    digits="4719",
    way="speak",
    back=None,
):
    """A draft ID check with media stored the way the journey stores it. A face scan is a
    clip recorded for ``prompt`` (by default person A turning left, as asked)."""
    from verification.idchecks import services, uploads
    from verification.models import IdCheck

    check = services.start_check(user)
    IdCheck.objects.filter(pk=check.pk).update(digits=digits)
    check.refresh_from_db()
    services.choose_document(check, document_type)
    services.choose_method(check, method)
    services.add_document_photo(
        check,
        uploads.clean_image_bytes(front or passport_jpeg()),
        uploads.clean_video_bytes(front_clip) if front_clip else None,
    )
    if back:
        services.add_media(check, "document_back", uploads.clean_image_bytes(back))
    if method == "face_scan":
        IdCheck.objects.filter(pk=check.pk).update(liveness_prompt=prompt)
        check.refresh_from_db()
        services.add_media(check, "face", uploads.clean_video_bytes(face or face_scan(prompt)))
    else:
        services.choose_digits_way(check, way)
        services.add_media(check, "video", uploads.clean_video_bytes(video or clip()))
    return check


def genuine_check(user, person: str = "a_congress", **kwargs):
    """A face scan check that every automated check passes: a passport photographed by the
    camera step, confirmed by its issuer, carrying a photo of person A; another recording of
    person A, live,
    doing the prompt. Each attack test changes one thing."""
    photo, clip = genuine_capture(person)
    kwargs.setdefault("front", photo)
    kwargs.setdefault("front_clip", clip)
    return build_check(user, **kwargs)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Send a check as the patient's "Send" does, running what waits for the commit."""
    from verification.idchecks import services

    def _submit(check):
        with django_capture_on_commit_callbacks(execute=True):
            services.submit(check)
        check.refresh_from_db()
        check.user.refresh_from_db()
        return check

    return _submit
