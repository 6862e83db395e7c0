"""The admin site: staff sign in with a password and a second factor of django-otp's
(``OTPAdminSite``): a TOTP device, backup codes or a code to their phone."""

from django_otp.admin import OTPAdminSite

from accounts.models import AuthenticatorApp


class StaffAdminSite(OTPAdminSite):
    """django-otp's admin site, where a patient's authenticator app is no second factor
    (ADR 0016): its manager keeps it off the sign-in form and its ``verify_token`` refuses
    codes there, and a session signed in with it on the patient pages is not let in either."""

    def has_permission(self, request):
        device = getattr(request.user, "otp_device", None)
        return super().has_permission(request) and not isinstance(device, AuthenticatorApp)
