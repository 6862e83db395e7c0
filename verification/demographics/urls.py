"""The fake PDS FHIR API, mounted at /fake-pds/ outside production (config/urls.py)."""

from django.urls import path

from verification.demographics import fake_pds

app_name = "fake_pds"

urlpatterns = [
    path("FHIR/R4/Patient", fake_pds.search_patients, name="search"),
    path("FHIR/R4/Patient/<str:nhs_number>", fake_pds.read_patient, name="read"),
    path("oauth2/token", fake_pds.token, name="token"),
]
