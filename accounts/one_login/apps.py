from django.apps import AppConfig


class OneLoginConfig(AppConfig):
    name = "accounts.one_login"
    label = "one_login"
    verbose_name = "GOV.UK One Login"

    def ready(self):
        from accounts.one_login import events  # noqa: F401  (registers the audit events)
