from django.urls import path

from core import help_pages, views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("terms-of-use/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    # The help section: a hub and its pages (core/help_pages.py), each ``core:help_<name>``.
    path("help/", views.help_hub, name="help"),
    *[
        path(f"help/{page.slug}/", views.help_page, {"name": page.name}, name=f"help_{page.name}")
        for page in help_pages.PAGES
    ],
    path("outbox/", views.outbox, name="outbox"),
    path("healthz", views.health, name="health"),
]
