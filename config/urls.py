from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# Staff sign in to Django admin with a second factor (django-otp).
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "NHS login administration"
admin.site.site_title = "NHS login administration"

urlpatterns = [
    path("", include("core.urls")),
    path("account/", include("accounts.urls")),
    path("prove-who-you-are/", include("verification.urls")),
    path("", include("connected_services.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

# Demographics trace (P5), issue 3: the fake PDS FHIR API, never in production.
if settings.FAKE_PDS_ENABLED:
    urlpatterns.insert(0, path("fake-pds/", include("verification.demographics.urls")))

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
