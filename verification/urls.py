from django.urls import include, path

from verification import views
from verification.idchecks import urls as idcheck_urls

app_name = "verification"

urlpatterns = [
    path("", views.start, name="start"),
    path("cancel/", views.cancel, name="cancel"),
    path("nhs-details/", include("verification.p5.urls")),
    path("gp-online-details/", include("verification.gp_online.urls")),
    # P9 with photo ID and a video or face scan, and the identity checkers' workspace
    *idcheck_urls.urlpatterns,
]
