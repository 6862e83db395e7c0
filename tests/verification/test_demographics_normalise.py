import pytest

from verification.demographics.normalise import (
    display_name,
    first_name_key,
    is_valid_nhs_number,
    name_key,
    nation_for_postcode,
    nhs_number_digits,
    postcode,
)
from verification.models import Nation


def test_it_accepts_nhs_numbers_that_pass_modulus_11():
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("9990000018")


@pytest.mark.parametrize("value", ["9434765918", "4857773456", "123456789", "12345678901", "abc"])
def test_it_refuses_nhs_numbers_that_fail_modulus_11(value):
    assert not is_valid_nhs_number(value)


def test_it_refuses_numbers_whose_check_digit_would_be_10():
    # 1,0,0,0,0,0,0,0,1 weighs 10 + 2 = 12 -> 11 - 1 = 10: no valid NHS number starts so.
    assert not any(is_valid_nhs_number(f"100000001{d}") for d in range(10))


def test_it_strips_spaces_and_dashes_from_nhs_numbers():
    assert nhs_number_digits(" 943 476-5919 ") == "9434765919"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" ls1   4ap ", "LS1 4AP"),
        ("M11AE", "M1 1AE"),
        ("bt15gs", "BT1 5GS"),
    ],
)
def test_it_normalises_postcode_case_and_spacing(typed, expected):
    assert postcode(typed) == expected


@pytest.mark.parametrize("typed", ["", "12345", "SW1A", "not a postcode"])
def test_it_refuses_postcodes_in_the_wrong_shape(typed):
    assert postcode(typed) is None


def test_it_matches_names_whatever_the_case_accents_apostrophes_and_hyphens():
    assert name_key("Seán O\u2019Brien") == name_key("sean obrien") == name_key("SEAN O'BRIEN")
    assert name_key("Smith-Jones") == name_key("smith jones") == name_key("Smith\u2013Jones")
    assert name_key("Zoë") == name_key("ZOE")
    assert first_name_key("Sam Alex") == first_name_key("sam") == "sam"


def test_it_keeps_names_readable_for_display():
    assert display_name("  Mary\u2013Jane   O\u2019Neil ") == "Mary-Jane O'Neil"


@pytest.mark.parametrize(
    ("code", "nation"),
    [
        ("LS1 4AP", Nation.ENGLAND),
        ("CF10 1EP", Nation.WALES),
        ("SY23 1AA", Nation.WALES),
        ("SY1 1AA", Nation.ENGLAND),
        ("EH1 1YZ", Nation.SCOTLAND),
        ("TD1 1AA", Nation.SCOTLAND),
        ("TD15 1AA", Nation.ENGLAND),
        ("BT1 5GS", Nation.NORTHERN_IRELAND),
        ("IM1 1AA", Nation.ISLE_OF_MAN),
    ],
)
def test_it_finds_the_nation_from_the_postcode(code, nation):
    assert nation_for_postcode(code) == nation


@pytest.mark.parametrize("code", ["JE2 4WE", "GY1 1AA"])
def test_it_puts_the_channel_islands_outside_the_nations_served(code):
    assert nation_for_postcode(code) is None
