from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Patients' logins"

    def ready(self):
        from accounts import events, messages  # noqa: F401 - registers events and messages


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django admin with our site (``accounts.admin_site.StaffAdminSite``) as ``admin.site``: the
    documented hook (``AdminConfig.default_site``), in INSTALLED_APPS instead of
    ``django.contrib.admin``."""

    default = False  # "accounts" alone means AccountsConfig
    default_site = "accounts.admin_site.StaffAdminSite"
