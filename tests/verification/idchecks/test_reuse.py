"""A document, or the very same picture, used by another NHS login is caught (ADR 0046)."""

import hashlib
from dataclasses import dataclass

import pytest

from tests.factories import UserFactory
from verification.idchecks import reuse
from verification.idchecks.checks import FAIL, PASS, UNSURE
from verification.models import DocumentUse, IdCheck, IdCheckMedia

pytestmark = pytest.mark.django_db


@dataclass
class Reading:
    issuing_state: str = "GBR"
    document_number: str = "123456789"
    failure: object = None


def sent_check(user=None, picture=b"passport photo"):
    check = IdCheck.objects.create(user=user or UserFactory(), digits="1234")
    IdCheckMedia.objects.create(
        id_check=check,
        kind="document_front",
        storage_name="x",
        content_type="image/jpeg",
        size=1,
        sha256=hashlib.sha256(picture).hexdigest(),
    )
    return check


def test_the_same_passport_on_three_logins_passes_only_for_the_first():
    outcomes = [reuse.register_and_compare(sent_check(), Reading()).outcome for _ in range(3)]
    assert outcomes == [PASS, FAIL, FAIL]


def test_the_same_document_number_in_a_new_photo_is_caught():
    reuse.register_and_compare(sent_check(picture=b"one photo"), Reading())
    result = reuse.register_and_compare(sent_check(picture=b"another photo"), Reading())
    assert result.outcome == FAIL
    assert result.details["reused"] == ["document_number"]
    assert result.summary == "Another NHS login has used this document (1 other login)"


def test_the_same_picture_with_an_unreadable_document_number_is_caught():
    reuse.register_and_compare(sent_check(picture=b"the same file"), Reading())
    unread = Reading(document_number="", failure="unreadable")
    result = reuse.register_and_compare(sent_check(picture=b"the same file"), unread)
    assert result.outcome == FAIL and result.details["reused"] == ["picture"]


def test_the_patients_own_retry_is_not_reuse():
    patient = UserFactory()
    reuse.register_and_compare(sent_check(patient), Reading())
    assert reuse.register_and_compare(sent_check(patient), Reading()).outcome == PASS


def test_a_deleted_logins_document_still_counts():
    first = sent_check()
    reuse.register_and_compare(first, Reading())
    first.user.delete()
    assert DocumentUse.objects.filter(user__isnull=True).exists()
    assert reuse.register_and_compare(sent_check(), Reading()).outcome == FAIL


def test_running_the_check_twice_registers_once_and_does_not_catch_itself():
    check = sent_check()
    assert reuse.register_and_compare(check, Reading()).outcome == PASS
    assert reuse.register_and_compare(check, Reading()).outcome == PASS
    assert DocumentUse.objects.filter(id_check=check).count() == 2  # number and picture


def test_no_document_number_read_is_not_enough_to_pass():
    result = reuse.register_and_compare(sent_check(), None)
    assert result.outcome == UNSURE


def test_the_register_holds_keyed_fingerprints_not_the_document_number():
    reuse.register_and_compare(sent_check(), Reading(document_number="987654321"))
    stored = list(DocumentUse.objects.values_list("fingerprint", flat=True))
    assert all("987654321" not in value for value in stored)
    assert all(len(value) == 64 for value in stored)
