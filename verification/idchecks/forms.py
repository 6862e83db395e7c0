"""Forms of the photo ID journey and the review workspace (NHS.UK components)."""

from django import forms

from verification.idchecks.uploads import UploadRejected, clean_image, clean_video
from verification.models import DocumentType, IdCheck
from verification.p5 import forms as p5_forms

# The details a trace needs (the route after a failed P5 trace): the P5 questions, cleaned
# the same way.
NameForm = p5_forms.NameForm
DateOfBirthForm = p5_forms.DateOfBirthForm
PostcodeForm = p5_forms.PostcodeForm


class OptionalNhsNumberForm(p5_forms.NhsNumberForm):
    """The NHS number, if the patient knows it; blank is an answer too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["nhs_number"]
        field.label = "What is your NHS number? (optional)"
        field.help_text = (
            "This is a 10 digit number, like 485 777 3456. Leave this blank if you do not know it."
        )

    def clean_nhs_number(self) -> str:
        if not self.cleaned_data["nhs_number"].strip():
            return ""
        return super().clean_nhs_number()


class DocumentForm(forms.Form):
    document_type = forms.ChoiceField(
        label="Which photo ID will you use?",
        choices=DocumentType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the photo ID you will use",
            "invalid_choice": "Select the photo ID you will use",
        },
    )
    document_type.nhsuk = {"label_size": "l", "page_heading": True}


class _UploadField(forms.FileField):
    """A file input that opens the phone's camera; the file is checked by its content."""

    def __init__(self, *, kind: str, capture: str, what: str, **kwargs):
        self.kind, self.what = kind, what
        accept = "image/*" if kind == "image" else "video/*"
        super().__init__(
            widget=forms.ClearableFileInput(attrs={"accept": accept, "capture": capture}),
            error_messages={
                "required": f"Select a {what}",
                "empty": f"The selected {what} is empty",
                "invalid": f"Select a {what}",
                "missing": f"Select a {what}",
                "max_length": f"The name of the {what} file must be 100 characters or fewer",
                "contradiction": f"Select a {what}",
            },
            **kwargs,
        )

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:  # an optional file not sent (the camera step's clip)
            return None
        try:
            if self.kind == "image":
                return clean_image(upload, self.what)
            return clean_video(upload)
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from None


class DocumentPhotoForm(forms.Form):
    front = _UploadField(
        kind="image",
        capture="environment",
        what="photo of your ID",
        label="Photo of your ID",
        help_text="For a passport, the page with your photo. Lay it flat, fill the screen.",
    )
    # Filled by the camera step (static/js/idcheck.js): the clip filmed while the photo was
    # taken. Without it the photo counts as chosen from a file (never fast-tracked).
    # Its problems are never the patient's to fix (see ``clean_front_clip``), so none is shown.
    front_clip = forms.FileField(
        required=False,
        error_messages=dict.fromkeys(
            ("invalid", "missing", "empty", "max_length", "contradiction"),
            "Take the photo of your ID again",
        ),
    )

    def __init__(self, *args, needs_back: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_back:
            self.fields["front"].label = "Photo of the front of your ID"
            self.fields[
                "front"
            ].help_text = "The side with your photo. Lay it flat, fill the screen."
            self.fields["back"] = _UploadField(
                kind="image",
                capture="environment",
                what="photo of the back of your ID",
                label="Photo of the back of your ID",
            )

    def clean_front_clip(self):
        """The camera step's clip, checked as any video; one that cannot be used is dropped,
        not an error: the photo is still good, it just counts as chosen from a file."""
        upload = self.cleaned_data.get("front_clip")
        if not upload:
            return None
        try:
            return clean_video(upload)
        except UploadRejected:
            return None


class MethodForm(forms.Form):
    method = forms.ChoiceField(
        label="How do you want to show us it is you?",
        choices=IdCheck.Method.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want to show us it is you",
            "invalid_choice": "Select how you want to show us it is you",
        },
    )
    method.nhsuk = {
        "label_size": "l",
        "page_heading": True,
        "item_hints": {
            "video": "You show 4 numbers we give you: say them, sign them or write them down",
            "face_scan": "Take a clear photo of your face with the front camera",
        },
    }


class VideoForm(forms.Form):
    digits_way = forms.ChoiceField(
        label="How will you show the numbers?",
        choices=IdCheck.DigitsWay.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you will show the numbers",
            "invalid_choice": "Select how you will show the numbers",
        },
    )
    digits_way.nhsuk = {"label_size": "m"}
    video = _UploadField(
        kind="video",
        capture="user",
        what="video",
        label="Your video",
        help_text="Between 2 and 30 seconds. Keep your face in view the whole time.",
    )
    video.nhsuk = {"label_size": "m"}


class FaceForm(forms.Form):
    """The face scan: a short clip recorded in the page (a few seconds, with the prompt)."""

    face = _UploadField(
        kind="video",
        capture="user",
        what="face scan",
        label="Your face scan",
        help_text="A few seconds of your face, doing what the page asks.",
    )
    face.nhsuk = {"label_size": "m"}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve: this is the patient"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select approve or reject",
            "invalid_choice": "Select approve or reject",
        },
    )
    decision.nhsuk = {"label_size": "m"}
    reason = forms.ChoiceField(
        label="Reason for rejecting",
        choices=[("", "Select a reason"), *IdCheck.RejectionReason.choices],
        required=False,
        error_messages={"invalid_choice": "Select a reason for rejecting from the list"},
    )
    note = forms.CharField(
        label="Note (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=1000,
        error_messages={
            "max_length": "Note must be 1000 characters or fewer",
            "null_characters_not_allowed": "Note must only include text",
        },
        help_text="Do not write down personal details. The patient does not see this note.",
    )

    override_reason = forms.CharField(
        label="Why are you approving it although an automated check failed?",
        widget=forms.Textarea,
        required=False,
        max_length=1000,
        error_messages={
            "max_length": "Your reason for approving must be 1000 characters or fewer",
            "null_characters_not_allowed": "Your reason for approving must only include text",
        },
        help_text=(
            "A second identity checker must also approve it. Say what you saw that the "
            "automated check did not. Do not write down personal details."
        ),
    )

    def __init__(self, *args, can_approve: bool = True, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason
        if not can_approve:  # no NHS record to link: only a rejection is possible
            self.fields["decision"].choices = [("reject", "Reject")]
            self.fields["decision"].initial = "reject"
        if not needs_reason:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == "reject" and not data.get("reason"):
            self.add_error("reason", "Select a reason for rejecting")
        if decision == "approve" and data.get("reason"):
            # A reason to reject with "Approve" is a contradiction: never save it as either.
            self.add_error(
                "reason", "You chose Approve and a reason for rejecting. Choose one decision"
            )
        if decision == "approve" and self.needs_reason and not data.get("override_reason", ""):
            self.add_error(
                "override_reason",
                "Say why you are approving it although an automated check failed",
            )
        return data
