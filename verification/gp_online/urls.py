"""Included by verification/urls.py under /prove-who-you-are/gp-online-details/."""

from django.urls import path

from verification.gp_online import views

urlpatterns = [
    path("", views.enter_details, name="gp_online_details"),
    path("fast-track/", views.fast_track, name="gp_online_fast_track"),
    path("done/", views.done, name="gp_online_done"),
    path("continue/", views.continue_to_service, name="gp_online_continue"),
]
