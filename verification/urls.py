from django.urls import path

from verification import views
from verification.idchecks import urls as idcheck_urls

app_name = "verification"

urlpatterns = [
    path("", views.start, name="start"),
    path("cancel/", views.cancel, name="cancel"),
    # P9 with photo ID and a video or face scan, and the identity checkers' workspace
    *idcheck_urls.urlpatterns,
]
