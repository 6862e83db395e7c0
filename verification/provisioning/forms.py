"""What an organisation submits (admin and API share one form) and the patient's password."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from accounts.forms import SetPasswordForm
from accounts.models import User
from accounts.phones import uk_number
from verification.demographics.normalise import (
    display_name,
    is_valid_nhs_number,
    nhs_number_digits,
    postcode,
)


def _no_hidden_characters(form) -> None:
    for field in form.fields.values():
        field.error_messages.setdefault(
            "null_characters_not_allowed", f"{field.label} must not include hidden characters"
        )


class PatientDetailsForm(forms.Form):
    """A patient's NHS number, names, date of birth, postcode, email address and mobile.

    The postcode is asked for because a trace is by name, date of birth and postcode (the
    NHS number must then be the traced record's: ADR 0065). Every message says what to fix.
    """

    nhs_number = forms.CharField(
        label="NHS number",
        max_length=20,
        error_messages={
            "required": "Enter the patient's NHS number",
            "max_length": "Enter a valid 10-digit NHS number",
        },
    )
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter the patient's first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter the patient's last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    birth_date = forms.DateField(
        label="Date of birth",
        help_text="For example, 1984-03-15 or 15/03/1984",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": "Enter the patient's date of birth",
            "invalid": "Enter the date of birth as 1984-03-15 or 15/03/1984",
        },
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        error_messages={
            "required": "Enter the patient's postcode",
            "max_length": "Enter a real postcode, like LS1 4AP",
        },
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The patient's own: the link is sent here",
        error_messages={
            "required": "Enter the patient's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    mobile = forms.CharField(
        label="Mobile number",
        max_length=20,
        help_text="The patient's own: it must be the mobile on their NHS record",
        error_messages={
            "required": "Enter the patient's mobile number",
            "max_length": "Enter a UK mobile number, like 07700 900 982",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_hidden_characters(self)

    def clean_nhs_number(self):
        number = nhs_number_digits(self.cleaned_data["nhs_number"])
        if not is_valid_nhs_number(number):
            raise ValidationError("Enter a valid 10-digit NHS number")
        return number

    def clean_given_name(self):
        return display_name(self.cleaned_data["given_name"])

    def clean_family_name(self):
        return display_name(self.cleaned_data["family_name"])

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > datetime.date.today():
            raise ValidationError("The date of birth must be in the past")
        return born

    def clean_postcode(self):
        value = postcode(self.cleaned_data["postcode"])
        if value is None:
            raise ValidationError("Enter a real postcode, like LS1 4AP")
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_mobile(self):
        return uk_number(self.cleaned_data["mobile"], "mobile")


class NewPasswordForm(SetPasswordForm):
    """The password for a new login: the project's validators and plain-English messages."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, user=User(email=email), **kwargs)
        self.fields["password"].label = "Create a password"
