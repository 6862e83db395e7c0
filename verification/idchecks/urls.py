"""Photo ID journey at /prove-who-you-are/photo-id/, review at /prove-who-you-are/id-checks/."""

from django.urls import path

from verification.idchecks import review, views

journey = [
    path("photo-id/", views.start, name="idcheck_start"),
    path("photo-id/your-name/", views.details_name, name="idcheck_details_name"),
    path("photo-id/date-of-birth/", views.details_birth_date, name="idcheck_details_birth_date"),
    path("photo-id/postcode/", views.details_postcode, name="idcheck_details_postcode"),
    path("photo-id/nhs-number/", views.details_nhs_number, name="idcheck_details_nhs_number"),
    path("photo-id/document/", views.document, name="idcheck_document"),
    path("photo-id/document-photo/", views.document_photo, name="idcheck_document_photo"),
    path("photo-id/how/", views.method, name="idcheck_method"),
    path("photo-id/video/", views.video, name="idcheck_video"),
    path("photo-id/face-scan/", views.face, name="idcheck_face"),
    path("photo-id/check-your-answers/", views.check_answers, name="idcheck_check_answers"),
    path("photo-id/status/", views.status, name="idcheck_status"),
    path("photo-id/status/now/", views.status_now, name="idcheck_status_now"),
    path("photo-id/continue/", views.continue_to_service, name="idcheck_continue"),
]
workspace = [
    path("id-checks/", review.queue, name="review_queue"),
    path("id-checks/take-next/", review.take_next, name="review_take_next"),
    path("id-checks/<uuid:check_id>/", review.check_detail, name="review_check"),
    path("id-checks/media/<uuid:media_id>/", review.media, name="review_media"),
    path("id-checks/<uuid:check_id>/face/<str:side>/", review.face_crop, name="review_face"),
]
urlpatterns = journey + workspace
