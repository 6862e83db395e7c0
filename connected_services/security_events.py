"""Security events to connected services (OpenID Shared Signals: RISC and CAEP event types in
RFC 8417 security event tokens, pushed per RFC 8935). Issue 17, item 2; ADR 0063.

A service opts in by giving a push address (``Service.security_event_uri``). When a login it
has been used with changes in a way the service should act on, one ``SecurityEvent`` row per
service is written in the same transaction as the change
(``connected_services.services.queue_security_events``, called by the receivers in
``connected_services.signals``), and a Celery task given only the row's id signs the token and
posts it, with retries and back-off, claimed and swept as
back-channel logout notices are (``core.delivery``). Admin shows every delivery.
"""

import time

import httpx
from django.conf import settings

from connected_services import backchannel
from connected_services.backchannel import DeliveryFailed
from connected_services.models import SecurityEvent

RISC = "https://schemas.openid.net/secevent/risc/event-type/"
CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
ACCOUNT_DISABLED = RISC + "account-disabled"
ACCOUNT_ENABLED = RISC + "account-enabled"
ACCOUNT_PURGED = RISC + "account-purged"
RECOVERY_ACTIVATED = RISC + "recovery-activated"
CREDENTIAL_CHANGE = CAEP + "credential-change"
ASSURANCE_LEVEL_CHANGE = CAEP + "assurance-level-change"
EVENT_TYPES = (
    ACCOUNT_DISABLED,
    ACCOUNT_ENABLED,
    ACCOUNT_PURGED,
    RECOVERY_ACTIVATED,
    CREDENTIAL_CHANGE,
    ASSURANCE_LEVEL_CHANGE,
)
# The levels of proof are the identity components of RFC 8485 vectors of trust (P0, P5, P9),
# as the ``vot`` claim carries them.
LEVEL_NAMESPACE = "RFC8485"
LEVEL_ORDER = {"P0": 0, "P5": 1, "P9": 2}
# RFC 8935 section 2.2: a receiver answers 202 Accepted; 400 with an error is permanent.
ACCEPTED = {"202", "200", "204"}


class Refused(Exception):
    """The service refused the token as invalid (RFC 8935 400): retrying will not help."""


def level_change(previous: str, current: str) -> dict:
    """The CAEP assurance-level-change attributes for a change of the level of proof."""
    direction = "increase" if LEVEL_ORDER[current] > LEVEL_ORDER[previous] else "decrease"
    return {
        "namespace": LEVEL_NAMESPACE,
        "previous_level": previous,
        "current_level": current,
        "change_direction": direction,
    }


def token(event: SecurityEvent) -> str:
    """The signed security event token (RFC 8417, ``typ`` secevent+jwt) for an event: the
    subject as an issuer and subject pair (RFC 9493 ``iss_sub``, the Shared Signals
    Framework's ``sub_id``), one event, and its time."""
    attributes = dict(event.attributes)
    attributes.setdefault("event_timestamp", int(event.created_at.timestamp()))
    return backchannel.signed_token(
        "secevent+jwt",
        {
            "iss": settings.OIDC_ISSUER,
            "aud": event.service.client_id,
            "iat": int(time.time()),
            "jti": str(event.pk),
            "sub_id": {"format": "iss_sub", "iss": settings.OIDC_ISSUER, "sub": str(event.sub)},
            "events": {event.event_type: attributes},
        },
    )


def deliver(event_id: str, *, claimant: str, client: httpx.Client | None = None) -> bool:
    """Push one security event, as task ``claimant`` (``backchannel.post_once``). True if
    delivered (now or before); False if another task holds it; ``DeliveryFailed`` if the
    service could not take it now; ``Refused`` if it said the token was invalid (recorded, not
    retried)."""

    def post(http, event):
        return http.post(
            event.service.security_event_uri,
            content=token(event),
            headers={"Content-Type": "application/secevent+jwt", "Accept": "application/json"},
        )

    try:
        return backchannel.post_once(
            SecurityEvent, event_id, claimant=claimant, post=post, accepted=ACCEPTED,
            client=client,
        )  # fmt: skip
    except DeliveryFailed as failed:
        if failed.status != "400":
            raise
        # RFC 8935 2.3: {"err": "invalid_key", "description": ...}; the code only, as the
        # description is the service's free text.
        error = _error_code(failed.response)
        SecurityEvent.objects.filter(pk=event_id).update(last_status=f"400 {error}"[:40])
        raise Refused(error) from None


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("err", ""))[:30]
    except ValueError:
        return ""
