from django.urls import path

from verification.p5 import views

app_name = "p5"

urlpatterns = [
    path("", views.nhs_number, name="nhs_number"),
    path("your-name/", views.name, name="name"),
    path("date-of-birth/", views.date_of_birth, name="date_of_birth"),
    path("postcode/", views.postcode, name="postcode"),
    path("done/", views.matched, name="matched"),
    path("no-match/", views.not_matched, name="not_matched"),
    path("not-available-to-you/", views.not_eligible, name="not_eligible"),
    path("too-many-tries/", views.too_many_attempts, name="too_many_attempts"),
]
