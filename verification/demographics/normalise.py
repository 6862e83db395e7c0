"""Tidying what a patient types, and the checks we make before any trace.

The same functions shape the synthetic patients table, the fake PDS and the patient's
input, so "O'Brien" with a curly apostrophe, "o'brien" and "OBRIEN" find the same record.
"""

import re
import unicodedata

from verification.models.identity import Nation

_NHS_NUMBER_SEPARATORS = re.compile(r"[\s\-]")
# Curly and other apostrophes; hyphens, dashes and the minus sign.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018`\u00b4\u02bc", "'"))
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2013\u2014\u2212", "-"))
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def nhs_number_digits(value: str) -> str:
    """An NHS number as typed, without the spaces and dashes people put in it."""
    return _NHS_NUMBER_SEPARATORS.sub("", value or "")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for 9 digits, or None when no number can end them."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """10 digits whose last digit is the modulus 11 check digit of the first 9."""
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_number_check_digit(value[:9]) == int(value[9])


def display_name(value: str) -> str:
    """A name as typed, tidied: single spaces, one kind of apostrophe and hyphen, NFC."""
    value = unicodedata.normalize("NFC", value or "").translate(_APOSTROPHES).translate(_HYPHENS)
    return " ".join(value.split())


def name_key(value: str) -> str:
    """What we compare names on: letters only, no accents, any case.

    "Zoë O'Brien-Smith", "zoe obrien smith" and "ZOE O'BRIEN SMITH" share a key.
    """
    decomposed = unicodedata.normalize("NFKD", display_name(value))
    return "".join(ch for ch in decomposed if ch.isalpha()).casefold()


def first_name_key(value: str) -> str:
    """The key of the first given name only ("Mary Ann" is traced as "Mary")."""
    parts = display_name(value).split(" ")
    return name_key(parts[0]) if parts and parts[0] else ""


def postcode(value: str) -> str | None:
    """A UK postcode in capitals with one space ("sw1a1aa" → "SW1A 1AA"), or None."""
    compact = re.sub(r"\s", "", value or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}"


# Postcode areas that lie wholly in one nation other than England. Areas that cross a border
# are split by district below; everything else in the UK is England. GY and JE (the Channel
# Islands) and BFPO addresses are outside the nations NHS login serves.
_AREAS = {
    **dict.fromkeys(
        ["AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"],
        Nation.SCOTLAND,
    ),
    **dict.fromkeys(["CF", "LD", "LL", "NP", "SA"], Nation.WALES),
    "BT": Nation.NORTHERN_IRELAND,
    "IM": Nation.ISLE_OF_MAN,
}
_OUTSIDE = {"GY", "JE", "BF"}
_WELSH_DISTRICTS = {f"SY{n}" for n in range(15, 26)} | {f"CH{n}" for n in range(4, 9)}
_ENGLISH_TD = {"TD15"}


def nation_for_postcode(value: str) -> Nation | None:
    """The nation a postcode is in, or None when it is outside the ones NHS login serves."""
    code = postcode(value)
    if code is None:
        return None
    district = code.split(" ")[0]
    area = re.match(r"[A-Z]+", district).group(0)
    if area in _OUTSIDE:
        return None
    if district in _WELSH_DISTRICTS:
        return Nation.WALES
    if area == "TD":
        return Nation.ENGLAND if district in _ENGLISH_TD else Nation.SCOTLAND
    return _AREAS.get(area, Nation.ENGLAND)
