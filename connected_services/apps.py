from django.apps import AppConfig


class ConnectedServicesConfig(AppConfig):
    name = "connected_services"
    verbose_name = "Connected services"
