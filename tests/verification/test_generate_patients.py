"""manage.py generate_patients and the P5 demo data."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from verification import demographics
from verification.demographics import Outcome, TraceQuery
from verification.demographics.normalise import is_valid_nhs_number, nation_for_postcode, postcode
from verification.models import SyntheticPatient

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    out = StringIO()
    call_command("generate_patients", "--count", "5000", stdout=out)
    assert "Generated 5,000 synthetic patients" in out.getvalue()
    return list(SyntheticPatient.objects.all())


def test_it_generates_the_number_asked_for_with_valid_unique_test_nhs_numbers(generated):
    assert len(generated) == 5000
    numbers = [p.nhs_number for p in generated]
    assert len(set(numbers)) == 5000
    assert all(is_valid_nhs_number(n) and n.startswith("999") for n in numbers)


def test_it_covers_every_nation_and_some_places_outside_them(generated):
    nations = {nation_for_postcode(p.postcode) for p in generated}
    assert {"england", "wales", "scotland", "northern_ireland", "isle_of_man", None} <= nations
    assert all(postcode(p.postcode) == p.postcode for p in generated)


def test_it_includes_names_with_apostrophes_hyphens_and_accents(generated):
    names = " ".join(f"{p.given_name} {p.family_name}" for p in generated)
    assert "'" in names
    assert "-" in names
    assert any(not ch.isascii() for ch in names)


def test_it_includes_the_hard_cases(generated):
    assert any(p.restricted for p in generated)
    assert any(p.previous_postcode for p in generated)
    ages = [(datetime.date.today() - p.birth_date).days / 365.25 for p in generated]
    assert min(ages) < 2
    assert max(ages) > 100
    twins = (
        SyntheticPatient.objects.values("family_key", "birth_date", "postcode", "given_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert twins.exists()
    twin = twins.order_by("family_key").first()
    sample = SyntheticPatient.objects.filter(
        family_key=twin["family_key"], birth_date=twin["birth_date"], postcode=twin["postcode"]
    ).first()
    result = demographics.trace(
        TraceQuery(
            sample.birth_date,
            sample.postcode,
            given_name=sample.given_name.split(" ")[0],
            family_name=sample.family_name,
        )
    )
    assert result.outcome is Outcome.MULTIPLE


def test_it_makes_the_same_patients_from_the_same_seed():
    call_command("generate_patients", "--count", "50", "--seed", "7", stdout=StringIO())
    first = list(SyntheticPatient.objects.values_list("nhs_number", "family_name", "postcode"))
    call_command("generate_patients", "--count", "50", "--seed", "7", stdout=StringIO())
    second = list(SyntheticPatient.objects.values_list("nhs_number", "family_name", "postcode"))
    assert first == second


def test_the_demo_seeds_named_people_to_try_and_is_idempotent():
    from verification import demo

    lines = demo.seed()
    again = demo.seed()
    assert lines == again
    text = "\n".join(lines)
    for title in ("Match by NHS number", "Match by name", "Twin 1", "restricted", "outside"):
        assert title in text
    assert SyntheticPatient.objects.count() == demo.GENERATED + len(demo.PEOPLE)
    ffion = SyntheticPatient.objects.get(
        given_name="Ffion", family_name="Hughes", gp_ods_code="W97001"
    )
    result = demographics.trace(
        TraceQuery(ffion.birth_date, ffion.postcode, nhs_number=ffion.nhs_number)
    )
    assert result.outcome is Outcome.MATCHED
