from django.conf import settings
from django.contrib import admin
from django.urls import include, path

# admin.site is accounts.admin_site.StaffAdminSite (accounts.apps.StaffAdminConfig): staff sign in
# with a second factor (django-otp), not a patient's app, on one page.

urlpatterns = [
    path("", include("core.urls")),
    path("account/", include("accounts.urls")),
    path("prove-who-you-are/", include("verification.urls")),
    path("provisioning/", include("verification.provisioning.urls")),  # ADR 0065
    path("", include("connected_services.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

# Demographics trace (P5), issue 3: the fake PDS FHIR API, never in production.
if settings.FAKE_PDS_ENABLED:
    urlpatterns.insert(0, path("fake-pds/", include("verification.demographics.urls")))
# The document's issuer (P9), issue 13: the fake Document Checking Service, never in production.
if settings.FAKE_DCS_ENABLED:
    urlpatterns.insert(0, path("fake-dcs/", include("verification.document_checking.urls")))
# GOV.UK One Login, issue 18: its pages, and outside production a fake One Login.
if settings.ONE_LOGIN_ENABLED:
    urlpatterns.insert(0, path("", include("accounts.one_login.urls")))

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
