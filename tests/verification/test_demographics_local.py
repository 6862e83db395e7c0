"""The local store answers trace() with the same rules as PDS."""

import datetime

import pytest

from tests.verification.factories import SyntheticPatientFactory
from verification import demographics
from verification.demographics import Outcome, TraceQuery

pytestmark = pytest.mark.django_db
BORN = datetime.date(1990, 2, 14)


def test_it_matches_one_record_by_nhs_number_date_of_birth_and_postcode():
    patient = SyntheticPatientFactory()
    result = demographics.trace(TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number))
    assert result.outcome is Outcome.MATCHED
    assert result.record.nhs_number == patient.nhs_number
    assert result.record.gp_ods_code == "W97001"


def test_it_does_not_match_an_nhs_number_with_another_date_of_birth_or_postcode():
    patient = SyntheticPatientFactory()
    other_day = datetime.date(1990, 2, 15)
    assert (
        demographics.trace(TraceQuery(other_day, "CF10 1EP", nhs_number=patient.nhs_number))
    ).outcome is Outcome.NO_MATCH
    assert (
        demographics.trace(TraceQuery(BORN, "CF10 1EQ", nhs_number=patient.nhs_number))
    ).outcome is Outcome.NO_MATCH


def test_it_matches_by_name_ignoring_case_accents_and_apostrophes():
    SyntheticPatientFactory(given_name="Seán", family_name="O'Brien", postcode="BT1 5GS")
    result = demographics.trace(
        TraceQuery(BORN, "BT1 5GS", given_name="sean", family_name="OBRIEN")
    )
    assert result.outcome is Outcome.MATCHED
    assert result.record.family_name == "O'Brien"


def test_it_says_several_when_twins_share_a_first_name():
    SyntheticPatientFactory(given_name="Sam Alex", family_name="Okafor")
    SyntheticPatientFactory(given_name="Sam Jordan", family_name="Okafor")
    result = demographics.trace(
        TraceQuery(BORN, "CF10 1EP", given_name="Sam", family_name="Okafor")
    )
    assert result.outcome is Outcome.MULTIPLE
    assert result.record is None


def test_it_tells_twins_with_different_first_names_apart():
    SyntheticPatientFactory(given_name="Amelia", family_name="Okafor")
    SyntheticPatientFactory(given_name="Isla", family_name="Okafor")
    result = demographics.trace(
        TraceQuery(BORN, "CF10 1EP", given_name="Isla", family_name="Okafor")
    )
    assert result.outcome is Outcome.MATCHED
    assert result.record.given_name == "Isla"


def test_it_never_hands_back_a_restricted_record():
    patient = SyntheticPatientFactory(restricted=True)
    for query in (
        TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number),
        TraceQuery(BORN, "CF10 1EP", given_name="Ffion", family_name="Hughes"),
    ):
        result = demographics.trace(query)
        assert result.outcome is Outcome.RESTRICTED
        assert result.record is None


def test_it_does_not_match_someone_who_moved_on_their_old_postcode():
    SyntheticPatientFactory(postcode="LS1 4AP", previous_postcode="CF10 1EP")
    result = demographics.trace(
        TraceQuery(BORN, "CF10 1EP", given_name="Ffion", family_name="Hughes")
    )
    assert result.outcome is Outcome.NO_MATCH


def test_it_needs_an_nhs_number_or_both_names():
    with pytest.raises(ValueError):
        TraceQuery(BORN, "CF10 1EP", given_name="Ffion")
