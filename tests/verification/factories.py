"""Synthetic PDS patients for the P5 tests."""

import datetime
import itertools

import factory

from verification.demographics.normalise import first_name_key, name_key, nhs_number_check_digit
from verification.models import SyntheticPatient


def _valid_nhs_numbers():
    for n in itertools.count(1):
        first_nine = f"973{n:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


_NUMBERS = _valid_nhs_numbers()


class SyntheticPatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyntheticPatient

    nhs_number = factory.LazyFunction(lambda: next(_NUMBERS))
    given_name = "Ffion"
    family_name = "Hughes"
    given_key = factory.LazyAttribute(lambda o: first_name_key(o.given_name))
    family_key = factory.LazyAttribute(lambda o: name_key(o.family_name))
    birth_date = datetime.date(1990, 2, 14)
    postcode = "CF10 1EP"
    gp_ods_code = "W97001"
    mobile = "07700900001"
    email = ""
    restricted = False
