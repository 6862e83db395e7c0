"""One step mechanism for every proofing route (``verification.journey``).

The photo ID steps moved onto it from their own registry; this checks, over every
combination of answers, that patients are sent exactly where the old registry sent them.
"""

import itertools
from types import SimpleNamespace

import pytest

from verification.idchecks import steps
from verification.models import IdCheck

KINDS = ("document_front", "document_back", "video", "face")
ENTERED = [
    {},
    {"family_name": "Smith", "given_name": "Jane"},
    {"family_name": "Smith", "given_name": "Jane", "birth_date": "1985-04-12"},
    {"family_name": "Smith", "given_name": "Jane", "birth_date": "1985-04-12", "postcode": "X"},
    {
        "family_name": "Smith",
        "given_name": "Jane",
        "birth_date": "1985-04-12",
        "postcode": "X",
        "nhs_number": "",
    },
]


def fake_checks():
    for needs_trace, entered, document, media, method, way, status in itertools.product(
        (False, True),
        ENTERED,
        ("", "uk_passport", "eu_id_card"),
        itertools.chain.from_iterable(itertools.combinations(KINDS, n) for n in range(5)),
        ("", "video", "face_scan"),
        ("", "speak"),
        (IdCheck.Status.DRAFT, IdCheck.Status.SUBMITTED),
    ):
        yield SimpleNamespace(
            needs_trace=needs_trace,
            entered=entered,
            document_type=document,
            needs_back=document == "eu_id_card",
            has_media=lambda kind, media=media: kind in media,
            method=method,
            digits_way=way,
            status=status,
        )


# The old photo ID registry's rules, kept here as the reference.
def old_is_done(name, c):
    return {
        "details_name": lambda: bool(c.entered.get("family_name")),
        "details_birth_date": lambda: bool(c.entered.get("birth_date")),
        "details_postcode": lambda: bool(c.entered.get("postcode")),
        "details_nhs_number": lambda: "nhs_number" in c.entered,
        "document": lambda: bool(c.document_type),
        "document_photo": lambda: (
            c.has_media("document_front") and (not c.needs_back or c.has_media("document_back"))
        ),
        "method": lambda: bool(c.method),
        "video": lambda: c.has_media("video") and bool(c.digits_way),
        "face": lambda: c.has_media("face"),
        "check_answers": lambda: c.status != IdCheck.Status.DRAFT,
    }[name]()


def old_applies(name, c):
    if name.startswith("details_"):
        return c.needs_trace
    if name == "video":
        return c.method == "video"
    if name == "face":
        return c.method == "face_scan"
    return True


NAMES = [step.name for step in steps.STEPS]


def old_next_step(c):
    for name in NAMES:
        if old_applies(name, c) and not old_is_done(name, c):
            return name
    return NAMES[-1]


def old_guard(c, target):
    if not old_applies(target, c):
        return old_next_step(c)
    for name in NAMES:
        if name == target:
            return None
        if old_applies(name, c) and not old_is_done(name, c):
            return name
    return None


def test_the_photo_id_steps_are_the_same_steps_in_the_same_order():
    assert NAMES == [
        "details_name",
        "details_birth_date",
        "details_postcode",
        "details_nhs_number",
        "document",
        "document_photo",
        "method",
        "video",
        "face",
        "check_answers",
    ]


@pytest.mark.parametrize("target", NAMES)
def test_photo_id_patients_are_sent_where_the_old_registry_sent_them(target):
    compared = 0
    for check in fake_checks():
        where = steps.JOURNEY.redirect_for(check, target)
        assert (where.name if where else None) == old_guard(check, target)
        assert steps.next_step(check).name == old_next_step(check)
        compared += 1
    assert compared == 2 * 5 * 3 * 16 * 3 * 2 * 2
