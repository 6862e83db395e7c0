from django.urls import include, path

from verification import views

app_name = "verification"

urlpatterns = [
    path("", views.start, name="start"),
    path("cancel/", views.cancel, name="cancel"),
    path("nhs-details/", include("verification.p5.urls")),
    path("gp-online-details/", include("verification.gp_online.urls")),
]
