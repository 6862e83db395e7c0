"""Included by config/urls.py under /provisioning/: the API and the patient's pages."""

from django.urls import path

from verification.provisioning import api, views

app_name = "provisioning"

urlpatterns = [
    path("v1/patients", api.patients, name="api_patients"),
    path("", views.start, name="start"),
    path("security-code/", views.code, name="code"),
    path("security-code/new-code/", views.resend_code, name="resend_code"),
    path("accept/", views.finish, name="finish"),
    path("password/", views.password, name="password"),
    path("done/", views.done, name="done"),
]
