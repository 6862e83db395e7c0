"""Audit events about proving who you are (P5 demographics trace)."""

from core.audit import register

DEMOGRAPHICS_TRACE_MATCHED = register(
    "identity.trace_matched", "You proved who you are with your NHS details"
)
DEMOGRAPHICS_TRACE_FAILED = register(
    "identity.trace_failed", "We could not match the details you gave to an NHS record"
)
DEMOGRAPHICS_TRACE_LIMITED = register(
    "identity.trace_limited",
    "Proving who you are with your NHS details was paused after too many tries",
)
