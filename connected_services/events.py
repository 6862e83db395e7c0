"""Audit events for connected services (see core.audit)."""

from core import audit

SIGNED_IN_TO_SERVICE = audit.register(
    "connected_services.signed_in", "You used your NHS login to sign in to a service"
)
CONSENT_GIVEN = audit.register(
    "connected_services.consent_given", "You agreed to share information with a service"
)
CONSENT_DECLINED = audit.register(
    "connected_services.consent_declined", "You chose not to share information with a service"
)
CONSENT_WITHDRAWN = audit.register(
    "connected_services.consent_withdrawn", "You stopped sharing information with a service"
)
SERVICE_CHANGED = audit.register(
    "connected_services.service_changed",
    "A connected service was registered or changed",
    visible_to_patient=False,
)
SIGNING_KEY_ROTATED = audit.register(
    "connected_services.signing_key_rotated",
    "The ID token signing key was rotated",
    visible_to_patient=False,
)
SINGLE_SIGN_ON = audit.register(
    "connected_services.single_sign_on",
    "You moved to a service from another one without signing in again",
)
SINGLE_SIGN_ON_REFUSED = audit.register(
    "connected_services.single_sign_on_refused",
    "A service asked to carry your sign-in over from another service, and we refused",
    visible_to_patient=False,
)
