from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("terms-of-use/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("outbox/", views.outbox, name="outbox"),
    path("healthz", views.health, name="health"),
]
