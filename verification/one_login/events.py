"""Audit events for proving who you are with GOV.UK One Login."""

from core.audit import register

TRIED = register(
    "one_login.identity_tried",
    "Someone tried to prove who you are with GOV.UK One Login",
    visible_to_patient=False,  # the outcome event says what happened
)
IDENTITY_USED = register(
    "one_login.identity_used", "You proved who you are with your GOV.UK One Login identity"
)
IDENTITY_REFUSED = register(
    "one_login.identity_refused",
    "An identity from GOV.UK One Login could not be used to prove who you are",
)
TOO_MANY_TRIES = register(
    "one_login.identity_too_many_tries",
    "Proving who you are with GOV.UK One Login stopped after too many tries today",
)
