"""The admin site: staff sign in with a password and a second factor of django-otp's
(``OTPAdminSite``): a TOTP device, backup codes or a code to their phone."""

from django.contrib import admin
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import AuthenticatorApp, BackupCodes


class StaffAdminSite(OTPAdminSite):
    """django-otp's admin site, where a patient's authenticator app is no second factor
    (ADR 0016): its manager keeps it off the sign-in form and its ``verify_token`` refuses
    codes there, and a session signed in with it on the patient pages is not let in either."""

    def has_permission(self, request):
        device = getattr(request.user, "otp_device", None)
        return super().has_permission(request) and not isinstance(device, AuthenticatorApp)


# Backup codes are kept hashed (BackupCodes, ADR 0018): django-otp's static tokens, which an
# admin form would let staff type in plain text, are not offered. New codes come from
# ``manage.py issue_backup_codes``.
if admin.site.is_registered(StaticDevice):
    admin.site.unregister(StaticDevice)


@admin.register(BackupCodes)
class BackupCodesAdmin(admin.ModelAdmin):
    """Whose backup codes, how many are left, when last used; the codes are never shown."""

    list_display = ["user", "name", "codes_left", "last_used_at"]
    search_fields = ["user__email"]
    fields = ["user", "name", "confirmed", "codes_left", "created_at", "last_used_at"]
    readonly_fields = ["user", "codes_left", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Codes left")
    def codes_left(self, device):
        return device.codes.count()
