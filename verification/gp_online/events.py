"""Audit events for GP online registration details. The text is what the patient reads."""

from core.audit import register

DETAILS_CREATED = register(
    "gp_online.details_created", "Your GP practice created online registration details for you"
)
DETAILS_REVOKED = register(
    "gp_online.details_revoked", "Your GP practice cancelled your online registration details"
)
DETAILS_REISSUED = register(
    "gp_online.details_reissued", "Your GP practice gave you new online registration details"
)
LETTER_PRINTED = register(
    "gp_online.letter_printed",
    "Your GP practice printed a letter with your online registration details",
)
DETAILS_USED = register(
    "gp_online.details_used", "You proved who you are with your GP online registration details"
)
DETAILS_REFUSED = register(
    "gp_online.details_refused", "Someone entered GP online registration details that did not match"
)
TOO_MANY_TRIES = register(
    "gp_online.too_many_tries", "GP online registration details were locked after too many tries"
)
TOO_YOUNG = register(
    "gp_online.too_young",
    "You could not prove who you are to a high level because of your age",
)
FAST_TRACK_USED = register(
    "gp_online.fast_track_used",
    "You proved who you are using the mobile number your GP practice has for you",
)
PRACTICE_RECORD_CHANGED = register(
    "gp_online.practice_record_changed",
    "A practice record was changed in administration",
    visible_to_patient=False,
)
