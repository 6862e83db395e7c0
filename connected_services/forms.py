from django import forms


class ConsentForm(forms.Form):
    """Do you agree to share this information with the service?"""

    request = forms.CharField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Do you agree to share this information?",
        choices=[("yes", "Yes, share it"), ("no", "No, do not share it")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if you agree to share this information",
            "invalid_choice": "Select yes if you agree to share this information",
        },
    )
    decision.nhsuk = {"label_size": "m"}
