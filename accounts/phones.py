"""UK phone numbers for security codes: a mobile gets a text, a landline gets a call.

Validation uses ``phonenumbers`` (Google's libphonenumber data), so the errors match what the
number really is: "07400 123456" is a mobile, "0113 496 0000" a landline.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

# Ofcom keeps 07700 900000 to 900999 for drama and examples; libphonenumber calls them invalid.
# Outside production they are accepted as mobiles, so people trying the service (and the number
# in our own error message) work; in production they are refused like any invalid number.
_OFCOM_DRAMA_MOBILE = re.compile(r"^\+447700900\d{3}$")


def _is_drama_mobile(number) -> bool:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return not settings.PRODUCTION and bool(_OFCOM_DRAMA_MOBILE.match(e164))


def uk_number(raw: str, kind: str) -> str:
    """The number in E.164 (+447400123456), or a ValidationError a patient can act on.

    ``kind`` is "mobile" or "landline".
    """
    raw = (raw or "").strip()
    label = "mobile number" if kind == "mobile" else "landline number"
    if not raw:
        raise ValidationError(f"Enter your {label}")
    example = "07700 900 982" if kind == "mobile" else "0113 496 0000"
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(f"Enter a UK {label}, like {example}", code="invalid") from None
    if number.country_code != 44:
        raise ValidationError(f"Enter a UK {label}. We cannot use numbers from other countries")
    if _is_drama_mobile(number):
        kind_of_number = PhoneNumberType.MOBILE
    elif not phonenumbers.is_valid_number(number):
        raise ValidationError(f"Enter a UK {label}, like {example}", code="invalid")
    else:
        kind_of_number = phonenumbers.number_type(number)
    if kind == "mobile" and kind_of_number not in MOBILE_TYPES:
        raise ValidationError(
            "This is not a mobile number. Choose landline if you want a phone call instead"
        )
    if kind == "landline" and kind_of_number not in LANDLINE_TYPES:
        raise ValidationError(
            "This is not a landline number. Choose mobile if you want a text message instead"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """How a patient writes their number: 07400 123456."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def masked(e164: str) -> str:
    """The last 3 digits only, for pages a not-yet-signed-in person sees."""
    return f"ending {e164[-3:]}" if e164 else ""
