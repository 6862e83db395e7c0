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
    """The service did not accept the logout token; the task retries."""


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


def deliver(notice_id: str, *, claimant: str, client: httpx.Client | None = None) -> bool:
    """Post the logout token for a notice once, as task ``claimant``. True if delivered (now or
    before); False if another task is trying it now (``core.delivery.claim``); DeliveryFailed
    if the service did not accept it."""
    if LogoutNotice.objects.filter(pk=notice_id, sent_at__isnull=False).exists():
        return True
    notice = delivery.claim(
        LogoutNotice.objects.filter(sent_at__isnull=True).select_related("service"),
        notice_id,
        claimant,
    )
    if notice is None:
        return False
    try:
        with client or httpx.Client(timeout=settings.OIDC_BACKCHANNEL_LOGOUT_TIMEOUT) as http:
            response = http.post(
                notice.service.backchannel_logout_uri,
                data={"logout_token": logout_token(notice)},
                headers={"Cache-Control": "no-store"},
            )
        status = str(response.status_code)
    except httpx.HTTPError as error:
        status = type(error).__name__
    delivered = status in ("200", "204")
    LogoutNotice.objects.filter(pk=notice.pk).update(
        last_status=status[:40], sent_at=timezone.now() if delivered else None
    )
    if not delivered:
        raise DeliveryFailed(status)
    return True
