from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service core: audit, notifications, encryption"

    def ready(self):
        from django.middleware import csrf
        from django.utils import crypto

        from core.randomness import csrf_random_string

        # CSRF secrets and masks from one read of the random source, not one per character
        # (core/randomness.py). Only Django's own function is replaced.
        if getattr(csrf, "get_random_string", None) is crypto.get_random_string:
            csrf.get_random_string = csrf_random_string
