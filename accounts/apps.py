from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Patients' logins"

    def ready(self):
        from accounts import events, messages  # noqa: F401 - registers events and messages
