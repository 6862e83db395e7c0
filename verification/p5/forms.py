"""The P5 pages' questions. Each cleans what the patient typed into the form we trace on."""

from django import forms

from core.forms import DateInputField
from verification.demographics.normalise import (
    display_name,
    is_valid_nhs_number,
    nhs_number_digits,
    postcode,
)

NAME_MAX_LENGTH = 35
_ONLY_LETTERS = "{which} name must only include letters, spaces, hyphens and apostrophes"


class NhsNumberForm(forms.Form):
    nhs_number = forms.CharField(
        label="What is your NHS number?",
        help_text="This is a 10 digit number, like 485 777 3456.",
        required=False,
        error_messages={"null_characters_not_allowed": "NHS number must only include numbers"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    nhs_number.nhsuk = {"label_size": "l", "page_heading": True, "classes": "nhsuk-input--width-10"}

    def clean_nhs_number(self) -> str:
        value = nhs_number_digits(self.cleaned_data["nhs_number"].strip())
        if not value:
            raise forms.ValidationError("Enter your NHS number")
        if not value.isdigit():
            raise forms.ValidationError("NHS number must only include numbers")
        if len(value) != 10:
            raise forms.ValidationError("NHS number must be 10 numbers")
        if not is_valid_nhs_number(value):
            raise forms.ValidationError(
                "This is not a valid NHS number. Check it and enter it again"
            )
        return value


def _clean_name(value: str, which: str) -> str:
    value = display_name(value)
    if not value:
        raise forms.ValidationError(f"Enter your {which} name")
    if len(value) > NAME_MAX_LENGTH:
        raise forms.ValidationError(
            f"{which.capitalize()} name must be {NAME_MAX_LENGTH} characters or fewer"
        )
    if not any(ch.isalpha() for ch in value) or not all(
        ch.isalpha() or ch in " -'." for ch in value
    ):
        raise forms.ValidationError(_ONLY_LETTERS.format(which=which.capitalize()))
    return value


class NameForm(forms.Form):
    given_name = forms.CharField(
        label="First name",
        required=False,
        error_messages={"null_characters_not_allowed": _ONLY_LETTERS.format(which="First")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
    )
    family_name = forms.CharField(
        label="Last name",
        required=False,
        error_messages={"null_characters_not_allowed": _ONLY_LETTERS.format(which="Last")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )

    def clean_given_name(self) -> str:
        return _clean_name(self.cleaned_data["given_name"], "first")

    def clean_family_name(self) -> str:
        return _clean_name(self.cleaned_data["family_name"], "last")


class DateOfBirthForm(forms.Form):
    birth_date = DateInputField(
        label="What is your date of birth?",
        error_name="Date of birth",
        help_text="For example, 15 3 1984",
        required=False,
    )
    birth_date.nhsuk = {"label_size": "l", "page_heading": True}

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value is None:
            raise forms.ValidationError("Enter your date of birth")
        return value


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label="What is your postcode?",
        help_text="Use the postcode of the address your GP surgery has for you.",
        required=False,
        error_messages={"null_characters_not_allowed": "Enter a real postcode, like LS1 4AP"},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    postcode.nhsuk = {"label_size": "l", "page_heading": True, "classes": "nhsuk-input--width-10"}

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not value:
            raise forms.ValidationError("Enter your postcode")
        normal = postcode(value)
        if normal is None:
            raise forms.ValidationError("Enter a real postcode, like LS1 4AP")
        return normal
