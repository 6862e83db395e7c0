"""The admin site: staff sign in with a password and a second factor of django-otp's
(``OTPAdminSite``): a TOTP device, backup codes or a code to their phone."""

from django.contrib import admin
from django_otp.admin import OTPAdminSite

from accounts.models import AuthenticatorApp, SupportCase


class StaffAdminSite(OTPAdminSite):
    """django-otp's admin site, where a patient's authenticator app is no second factor
    (ADR 0016): its manager keeps it off the sign-in form and its ``verify_token`` refuses
    codes there, and a session signed in with it on the patient pages is not let in either."""

    def has_permission(self, request):
        device = getattr(request.user, "otp_device", None)
        return super().has_permission(request) and not isinstance(device, AuthenticatorApp)


@admin.register(SupportCase)
class SupportCaseAdmin(admin.ModelAdmin):
    """Cases for the support team, for superusers only and read-only for now: the support
    desk (its own issue) will add the role, the search and the actions that close a case."""

    list_display = ("created_at", "kind", "status", "login", "level_before", "route_disputed")
    list_filter = ("kind", "status")
    ordering = ("-created_at",)
    readonly_fields = (
        "created_at",
        "kind",
        "status",
        "login",
        "level_before",
        "route_disputed",
        "closed_at",
    )
    fields = readonly_fields

    @admin.display(description="NHS login")
    def login(self, case):
        return str(case.user) if case.user_id else "Deleted login"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
