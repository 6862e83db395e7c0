"""Audit events for photo ID checks (see core.audit). Details never hold personal data."""

from core import audit

ID_CHECK_STARTED = audit.register(
    "idcheck.started", "You started proving who you are with photo ID"
)
ID_CHECK_UPLOADED = audit.register(
    "idcheck.uploaded", "You added a photo or video to your ID check", visible_to_patient=False
)
ID_CHECK_SUBMITTED = audit.register("idcheck.submitted", "You sent your photo ID to be checked")
ID_CHECK_AUTOMATED = audit.register(
    "idcheck.automated", "Your ID check was checked automatically", visible_to_patient=False
)
ID_CHECK_FAST_TRACKED = audit.register(
    "idcheck.fast_tracked", "Your photo ID was checked automatically and approved"
)
ID_CHECK_QUEUED = audit.register(
    "idcheck.queued_for_review", "Your ID check was sent to an identity checker"
)
ID_CHECK_TAKEN = audit.register(
    "idcheck.taken", "An identity checker started to check your ID", visible_to_patient=False
)
ID_CHECK_MEDIA_VIEWED = audit.register(
    "idcheck.media_viewed",
    "An identity checker looked at your photo ID or video",
    shown_once_per="check",
)
ID_CHECK_FIRST_APPROVAL = audit.register(
    "idcheck.first_approval",
    "An identity checker approved your ID check; a second checker will confirm it",
    visible_to_patient=False,
)
ID_CHECK_APPROVED = audit.register("idcheck.approved", "An identity checker approved your ID check")
# Said of a checker's rejection and of one made at once with no usable NHS record (below).
ID_CHECK_REJECTED = audit.register("idcheck.rejected", "Your ID check was not approved")
ID_CHECK_NO_NHS_RECORD = audit.register(
    "idcheck.no_nhs_record",
    "We could not find one NHS record to link to your ID check, so nobody needed to look at it",
)
ID_CHECK_TRACING_LIMITED = audit.register(
    "idcheck.tracing_limited",
    "You tried to send an ID check after too many tries to find your NHS record",
)
ID_CHECK_MEDIA_DELETED = audit.register(
    "idcheck.media_deleted", "The photos and video from your ID check were deleted"
)
ID_CHECK_IDENTITY_LINKED = audit.register(
    "idcheck.identity_linked", "Your NHS record was found and linked to your NHS login"
)
