"""OpenID Connect Back-Channel Logout 1.0: a signed logout token posted to a service."""

import time
import uuid

import httpx
from django.conf import settings
from django.utils import timezone
from jwcrypto import jwt

from connected_services.models import LogoutNotice
from connected_services.oidc import keys
from core import delivery

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class DeliveryFailed(Exception):
    """The service did not accept what was posted; the task retries."""

    def __init__(self, status: str, response=None):
        super().__init__(status)
        self.status = status
        self.response = response


def signed_token(typ: str, claims: dict) -> str:
    """``claims`` signed with the provider's current key (RS512), header type ``typ``: the
    tokens the provider sends on its own (logout tokens, security event tokens)."""
    key = keys.signing_key()
    token = jwt.JWT(header={"typ": typ, "alg": "RS512", "kid": key["kid"]}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def logout_token(notice: LogoutNotice) -> str:
    """The signed logout token (typ logout+jwt) for a notice."""
    now = int(time.time())
    return signed_token(
        "logout+jwt",
        {
            "iss": settings.OIDC_ISSUER,
            "aud": notice.service.client_id,
            "sub": str(notice.sub),
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
            "events": {EVENT: {}},
        },
    )


def post_once(model, pk, *, claimant: str, post, accepted, client=None) -> bool:
    """Post a row of ``model`` (a notice with ``service``, ``sent_at``, ``last_status`` and a
    claim: ``core.delivery``) to its service once, as task ``claimant``; ``post(http, row)``
    sends it. True if delivered (now or before); False if another task holds it;
    ``DeliveryFailed`` (with the status, and the response if there was one) if the service's
    answer was not one of ``accepted``."""
    if model.objects.filter(pk=pk, sent_at__isnull=False).exists():
        return True
    row = delivery.claim(
        model.objects.filter(sent_at__isnull=True).select_related("service"), pk, claimant
    )
    if row is None:
        return False
    response = None
    try:
        with client or httpx.Client(timeout=settings.OIDC_BACKCHANNEL_LOGOUT_TIMEOUT) as http:
            response = post(http, row)
        status = str(response.status_code)
    except httpx.HTTPError as error:
        status = type(error).__name__
    delivered = status in accepted
    model.objects.filter(pk=row.pk).update(
        last_status=status[:40], sent_at=timezone.now() if delivered else None
    )
    if not delivered:
        raise DeliveryFailed(status, response)
    return True


def deliver(notice_id: str, *, claimant: str, client: httpx.Client | None = None) -> bool:
    """Post the logout token for a notice once, as task ``claimant`` (``post_once``)."""

    def post(http, notice):
        return http.post(
            notice.service.backchannel_logout_uri,
            data={"logout_token": logout_token(notice)},
            headers={"Cache-Control": "no-store"},
        )

    return post_once(
        LogoutNotice, notice_id, claimant=claimant, post=post, accepted={"200", "204"},
        client=client,
    )  # fmt: skip
