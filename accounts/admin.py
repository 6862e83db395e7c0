"""What staff see of accounts in Django admin (the site itself: ``accounts.admin_site``)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group

from accounts import support_admin  # noqa: F401 - registers the support desk
from accounts.models import BackupCodes, SupportCase

# django.contrib.auth registers Group before this module runs (INSTALLED_APPS order).
admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(GroupAdmin):
    """Django's groups page with the permissions in a plain list box: the two-box filter's
    help icons are spans with an aria-label, which axe refuses (aria-prohibited-attr)."""

    filter_horizontal = ()


@admin.register(BackupCodes)
class BackupCodesAdmin(admin.ModelAdmin):
    """Whose backup codes, how many are left, when last used; the codes are never shown."""

    list_display = ["staff_member", "name", "codes_left", "last_used_at"]
    search_fields = ["user__email"]
    fields = ["user", "name", "confirmed", "codes_left", "created_at", "last_used_at"]
    readonly_fields = ["user", "codes_left", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Staff member", ordering="user__email")
    def staff_member(self, device):
        # Staff sign in with their email address: a login's opaque sub names nobody here.
        return device.user.email

    @admin.display(description="Codes left")
    def codes_left(self, device):
        return device.codes.count()


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
