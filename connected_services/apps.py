from django.apps import AppConfig


class ConnectedServicesConfig(AppConfig):
    name = "connected_services"
    verbose_name = "Connected services"

    def ready(self):
        from connected_services import events, signals  # noqa: F401 - registers them
