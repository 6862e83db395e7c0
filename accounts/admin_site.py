"""The admin site: staff sign in with a password and a second factor of django-otp's
(``OTPAdminSite``): a TOTP device, backup codes or a code to their phone, all on one page
(``StaffSignInForm``; ADR 0018). Installed as Django's default admin site by
``accounts.apps.StaffAdminConfig`` (``AdminConfig.default_site``).

Its own module, apart from ``accounts.admin``'s registrations: Django imports the default
site's module while it sets ``admin.site`` up, and a registration made during that import
would go to a site that is then thrown away."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import AuthenticatorApp
from accounts.services.sign_in import record_last_login
from accounts.services.staff_sign_in import METHODS, check_staff_sign_in, send_staff_code

# One answer to every failure, so a right password is never told from a wrong one.
REFUSED = (
    "We could not sign you in. Check your email address, password and code, and try again. "
    "After 5 wrong tries, sign in is locked for 15 minutes"
)
CODE_SENT = (
    "If your email address and password are right, we have sent a code to your phone. "
    "Enter it below"
)


class CodeInput(forms.TextInput):
    """A code box that starts empty each time: a code that failed is no use again, and the
    page then looks the same whatever was typed."""

    def format_value(self, value):
        return None


class StaffSignInForm(AdminAuthenticationForm):
    """Email address, password, the kind of second factor and its code, checked together
    (``accounts.services.staff_sign_in``). Not django-otp's ``OTPAdminAuthenticationForm``,
    which asks for the device only after a right password, and so shows that it was right."""

    otp_device = forms.CharField(
        label="How you confirm it is you",
        widget=forms.Select(choices=[(key, label) for key, (label, _kind) in METHODS.items()]),
        initial="app",
    )
    otp_token = forms.CharField(
        label="Code",
        required=False,
        max_length=64,
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    # The name of the "Text or call me a code" button (django-otp's name for it).
    otp_challenge = forms.CharField(required=False)

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:  # each says so on its own field
            return self.cleaned_data
        if self.cleaned_data.get("otp_challenge"):
            send_staff_code(self.request, email=email, password=password)
            # The code is typed on this same page: keep the password they typed (the same
            # whether it was right or not, so nothing is revealed).
            self.fields["password"].widget.render_value = True
            raise ValidationError(CODE_SENT, code="code_sent")
        check = check_staff_sign_in(
            self.request,
            email=email,
            password=password,
            method=self.cleaned_data.get("otp_device") or "",
            code=self.cleaned_data.get("otp_token") or "",
        )
        if check.outcome != "ok":
            raise ValidationError(REFUSED, code="refused")
        check.user.otp_device = check.device  # django-otp records it at login()
        # Staff sign-ins record it too ("last login" in the admin's lists): Django's own
        # receiver is disconnected (AccountsConfig.ready), and this is a whole sign-in.
        record_last_login(check.user)
        self.user_cache = check.user
        return self.cleaned_data


class StaffAdminSite(OTPAdminSite):
    """django-otp's admin site, where a patient's authenticator app is no second factor
    (ADR 0016): its manager keeps it off the sign-in form and its ``verify_token`` refuses
    codes there, and a session signed in with it on the patient pages is not let in either."""

    site_header = "NHS login administration"
    site_title = "NHS login administration"
    login_form = StaffSignInForm
    login_template = "admin/staff_login.html"

    def __init__(self, name="admin"):
        # django-otp names its site "otpadmin"; ours is the default site, so "admin".
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Everything but django-otp's plain-text static tokens: backup codes are kept hashed
        (``BackupCodes``, ADR 0060) and come from ``manage.py issue_backup_codes``, never
        from a form that would let staff type one in. Whichever app registers first."""
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        kept = [model for model in models if model is not StaticDevice]
        if kept:
            super().register(kept, admin_class, **options)

    def has_permission(self, request):
        device = getattr(request.user, "otp_device", None)
        return super().has_permission(request) and not isinstance(device, AuthenticatorApp)
