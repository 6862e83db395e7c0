"""Forms for creating a login, signing in and changing settings (NHS.UK components)."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict

from accounts.models import User
from accounts.password_validation import TOO_EASY_TO_GUESS
from accounts.phones import uk_number


def _messages(thing: str, **messages) -> dict:
    """A field's error messages, each a sentence about ``thing`` ("Your email address"), so
    no Django default ("This field is required.", "Ensure this value has at most 254
    characters", "Null characters are not allowed.") reaches a page. Null characters cannot
    be typed, but a pasted or hand-made form can send them."""
    return {
        "null_characters_not_allowed": f"{thing} must not include hidden characters",
        **messages,
    }


EMAIL_MAX_LENGTH = 254  # the longest address an email system must accept (RFC 5321)
EMAIL_ERRORS = _messages(
    "Your email address",
    required="Enter your email address",
    invalid="Enter an email address in the correct format, like name@example.com",
    max_length=f"Your email address must be {EMAIL_MAX_LENGTH} characters or fewer",
)


def _email_field(label="Email address", hint=""):
    field = forms.EmailField(
        label=label,
        help_text=hint,
        max_length=EMAIL_MAX_LENGTH,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    return field


def _new_password_field(label="Create a password"):
    return forms.CharField(
        label=label,
        help_text="Use at least 8 characters. Do not use a password that many people use, "
        "or your email address. 3 random words you will remember work well.",
        strip=False,
        error_messages=_messages("Your password", required="Enter a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _validate_new_password(password: str, email: str) -> None:
    """Django's password validators, with our plain-English messages (one of each: a common
    password fails two validators for the same reason)."""
    try:
        password_validation.validate_password(password, User(email=email))
    except forms.ValidationError as error:
        plain = {
            "password_too_short": "Your password must be at least 8 characters",
            "password_too_common": TOO_EASY_TO_GUESS,
            "password_too_guessable": TOO_EASY_TO_GUESS,
            "password_too_similar": "Your password is too like your email address",
            "password_entirely_numeric": "Your password cannot be only numbers",
        }
        messages = [plain.get(e.code, e.message) for e in error.error_list]
        raise forms.ValidationError(list(dict.fromkeys(messages))) from None


class CreateLoginForm(forms.Form):
    email = _email_field(hint="We will send a security code to this email address.")
    password = _new_password_field()
    terms = forms.BooleanField(
        label="I agree to the NHS login terms of use",
        error_messages={"required": "You must agree to the terms of use to continue"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("email"):
            try:
                _validate_new_password(cleaned["password"], cleaned["email"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SecurityCodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The code is 6 numbers.",
        error_messages=_messages("The security code", required="Enter the security code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    code.nhsuk = {"classes": "nhsuk-input--width-10"}

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "").replace("-", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("The security code must be 6 numbers")
        return code


class SignInCodeForm(SecurityCodeForm):
    remember_browser = forms.BooleanField(
        label="Remember this browser for 30 days",
        help_text="You will not need a security code to sign in on this browser. "
        "Do not choose this on a shared or public computer.",
        required=False,
    )


class AuthenticatorAppCodeForm(SecurityCodeForm):
    """The first code from an authenticator app being set up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your app shows for NHS login."


class AppSignInCodeForm(SignInCodeForm):
    """The code from the patient's authenticator app at sign-in (ADR 0016)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "code"
        ].help_text = (
            "Open your authenticator app and enter the 6-digit code it shows for NHS login."
        )


class PhoneForm(forms.Form):
    kind = forms.ChoiceField(
        label="How should we send you security codes?",
        choices=User.PhoneKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose mobile or landline",
            "invalid_choice": "Choose mobile or landline",
        },
    )
    kind.nhsuk = {
        "label_size": "m",
        "item_hints": {
            "mobile": "We will send a text message",
            "landline": "We will call you and read out the code",
        },
    }
    number = forms.CharField(
        label="UK phone number",
        help_text="For example, 07700 900 982 or 0113 496 0000",
        required=False,
        error_messages=_messages("Your phone number"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    number.nhsuk = {"classes": "nhsuk-input--width-20"}

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            try:
                cleaned["number"] = uk_number(cleaned.get("number", ""), kind)
            except forms.ValidationError as error:
                self.add_error("number", error)
        return cleaned


class SignInForm(forms.Form):
    email = _email_field()
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages=_messages("Your password", required="Enter your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailForm(forms.Form):
    email = _email_field()


class NewEmailForm(forms.Form):
    email = _email_field(
        label="New email address", hint="We will send a security code to this address."
    )


SAME_PASSWORD = "Your new password must be different from your current password"
ALREADY_YOUR_PASSWORD = (
    "This is already your password. Sign in with it, or choose a different new password"
)


class SetPasswordForm(forms.Form):
    """A new password from a reset link: not the one the login already has (the patient
    would think it changed)."""

    password = _new_password_field("New password")

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        _validate_new_password(password, self.user.email)
        if self.user.check_password(password):
            raise forms.ValidationError(ALREADY_YOUR_PASSWORD)
        return password


class ChangePasswordForm(SetPasswordForm):
    current_password = forms.CharField(
        label="Current password",
        strip=False,
        error_messages=_messages("Your current password", required="Enter your current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "password"]

    def clean_password(self):
        # Compared with the current password as typed (``clean``): the view checks that one,
        # counting a wrong one towards the lockout, which a hash check here would not.
        password = self.cleaned_data["password"]
        _validate_new_password(password, self.user.email)
        return password

    # The current password is checked by the view (views.common.password_confirmed), so a
    # wrong one counts towards the sign-in lockout.

    def clean(self):
        cleaned = super().clean()
        current, new = cleaned.get("current_password"), cleaned.get("password")
        if current and new and current == new:
            # Only equal to what they typed as the current password: if that is right (the
            # view checks), the new one is the same password.
            self.add_error("password", SAME_PASSWORD)
        return cleaned


class ConfirmPasswordForm(forms.Form):
    """The current password again, before something a signed-in session alone must not do."""

    password = forms.CharField(
        label="Password",
        help_text="To keep your information safe, enter the password for your NHS login.",
        strip=False,
        error_messages=_messages("Your password", required="Enter your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DeleteLoginForm(ConfirmPasswordForm):
    confirm = forms.BooleanField(
        label="I understand that my NHS login will be deleted and this cannot be undone",
        error_messages={"required": "Tick the box to confirm you want to delete your NHS login"},
    )


class LockedSignInForm(SignInForm):
    """The sign-in form with its fields empty, showing only the message that sign-in is
    locked (nothing the patient typed is checked again, or shown back)."""

    def __init__(self, message: str, **kwargs):
        super().__init__(**kwargs)
        self.locked_message = message

    @property
    def errors(self) -> ErrorDict:
        return ErrorDict({NON_FIELD_ERRORS: self.error_class([self.locked_message])})
