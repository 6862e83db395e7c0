from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Patients' logins"

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from accounts import events, messages  # noqa: F401 - registers events and messages

        # A sign-in records last_login itself (accounts.services.sign_in.complete_sign_in),
        # most often in the statement that checks the code; Django's receiver would write it
        # again. django.contrib.auth connects it with this dispatch_uid (its AppConfig is
        # listed, so ready, before ours).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django admin with our site (``accounts.admin_site.StaffAdminSite``) as ``admin.site``: the
    documented hook (``AdminConfig.default_site``), in INSTALLED_APPS instead of
    ``django.contrib.admin``."""

    default = False  # "accounts" alone means AccountsConfig
    default_site = "accounts.admin_site.StaffAdminSite"
