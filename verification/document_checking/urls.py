"""The fake Document Checking Service, mounted at /fake-dcs/ outside production (config/urls.py)."""

from django.urls import path

from verification.document_checking import fake_dcs

app_name = "fake_dcs"

urlpatterns = [
    path("checks/passport", fake_dcs.check_passport, name="check_passport"),
]
