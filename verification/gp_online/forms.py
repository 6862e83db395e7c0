"""The form a patient fills in with the details from their GP practice's letter."""

from django import forms

from core.forms import DateInputField

_CODE_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}


class OnlineDetailsForm(forms.Form):
    """Account ID, linkage key and ODS code; with surname and date of birth for a patient
    who has not yet proved who they are (no P5 identity to match the details against)."""

    account_id = forms.CharField(
        label="Account ID",
        max_length=40,
        error_messages={
            "required": "Enter your Account ID",
            "max_length": "Account ID must be 40 characters or fewer",
            "null_characters_not_allowed": "Enter your Account ID as it is in the letter",
        },
        widget=forms.TextInput(attrs={**_CODE_ATTRS, "inputmode": "numeric"}),
    )
    linkage_key = forms.CharField(
        label="Linkage key",
        max_length=40,
        error_messages={
            "required": "Enter your linkage key",
            "max_length": "Linkage key must be 40 characters or fewer",
            "null_characters_not_allowed": "Enter your linkage key as it is in the letter",
        },
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )
    ods_code = forms.CharField(
        label="ODS code",
        max_length=20,
        help_text="This is your GP practice code. It is in the letter, for example A12345.",
        error_messages={
            "required": "Enter your ODS code",
            "max_length": "ODS code must be 20 characters or fewer",
            "null_characters_not_allowed": "Enter your ODS code as it is in the letter",
        },
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )

    def __init__(self, *args, ask_name_and_birth_date: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_id"].nhsuk = {"classes": "nhsuk-input--width-20"}
        self.fields["linkage_key"].nhsuk = {"classes": "nhsuk-input--width-20"}
        self.fields["ods_code"].nhsuk = {"classes": "nhsuk-input--width-10"}
        if ask_name_and_birth_date:
            self.fields["family_name"] = forms.CharField(
                label="Last name",
                max_length=100,
                help_text="As your GP practice has it",
                error_messages={
                    "required": "Enter your last name",
                    "max_length": "Last name must be 100 characters or fewer",
                    "null_characters_not_allowed": (
                        "Last name must only include letters, spaces, hyphens and apostrophes"
                    ),
                },
                widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
            )
            self.fields["birth_date"] = DateInputField(
                label="Date of birth",
                error_name="Date of birth",
                help_text="For example, 15 3 1984",
                error_messages={"required": "Enter your date of birth"},
            )
