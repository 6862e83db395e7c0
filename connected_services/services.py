"""Changes with side effects in connected services: consents, sign-ins, logouts, metadata."""

import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from connected_services import events, security_events
from connected_services.models import (
    AccessToken,
    Consent,
    Grant,
    LogoutNotice,
    RefreshToken,
    SecurityEvent,
    Service,
)
from connected_services.tasks import send_backchannel_logout, send_security_event
from core import audit
from core.queueing import queue_after_commit


@transaction.atomic
def record_consent(
    user: User, service: Service, *, scopes, claims, level: str, request=None
) -> Consent:
    """The patient agreed to share ``claims`` (from ``scopes``) at ``level`` with a service."""
    now = timezone.now()
    consent, _created = Consent.objects.update_or_create(
        user=user,
        service=service,
        defaults={
            "scopes": sorted(set(scopes)),
            "claims": list(claims),
            "level": level,
            "granted_at": now,
            "withdrawn_at": None,
        },
    )
    audit.record(
        events.CONSENT_GIVEN, request=request, user=user, service=service.client_id, level=level
    )
    return consent


def record_decline(user: User, service: Service, *, request=None) -> None:
    """The patient chose not to share: the service gets ``access_denied``."""
    audit.record(events.CONSENT_DECLINED, request=request, user=user, service=service.client_id)


def record_sign_in(user: User, service: Service, *, vot: str, request=None) -> None:
    """The patient was sent back to a service with a code: note it for 'services you have used'."""
    Consent.objects.filter(user=user, service=service).update(last_used_at=timezone.now())
    audit.record(
        events.SIGNED_IN_TO_SERVICE, request=request, user=user, service=service.client_id, vot=vot
    )


def record_single_sign_on(
    user: User, service: Service, *, from_service: str, vot: str, request=None
) -> None:
    """The patient was sent back to ``service`` with a code without signing in again: the
    sign-in another service (``from_service``, a client_id) saw carried over (ADR 0067)."""
    Consent.objects.filter(user=user, service=service).update(last_used_at=timezone.now())
    audit.record(
        events.SINGLE_SIGN_ON,
        request=request,
        user=user,
        service=service.client_id,
        from_service=from_service,
        vot=vot,
    )


def record_single_sign_on_refused(
    user_id: int, service: Service, *, from_service: str, reason: str, request=None
) -> None:
    """A service asked to carry over a sign-in (``asserted_login_identity``) in a browser
    where that patient's signing-in session is not live, or another patient is signed in: a
    stolen assertion, most likely. Recorded against the patient the assertion named."""
    audit.record(
        events.SINGLE_SIGN_ON_REFUSED,
        request=request,
        user=User(pk=user_id),
        service=service.client_id,
        from_service=from_service,
        reason=reason,
    )


@transaction.atomic
def withdraw_consent(user: User, consent: Consent, *, request=None) -> None:
    """Stop sharing with a service: its tokens are revoked, it asks again next time, and it
    is told (back-channel logout) where it registered for that."""
    if consent.user_id != user.pk or consent.withdrawn_at is not None:
        return
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    revoke_tokens(user, consent.service)
    queue_backchannel_logout(user, LogoutNotice.Reason.CONSENT_WITHDRAWN, [consent.service])
    audit.record(
        events.CONSENT_WITHDRAWN, request=request, user=user, service=consent.service.client_id
    )


def revoke_tokens(user: User, service: Service) -> None:
    """Revoke every refresh and access token the service holds for this patient."""
    now = timezone.now()
    RefreshToken.objects.filter(user=user, application=service, revoked__isnull=True).update(
        revoked=now, access_token=None
    )
    AccessToken.objects.filter(user=user, application=service).delete()


@transaction.atomic
def sign_out_of_every_service(user: User, reason: str) -> list[LogoutNotice]:
    """Sign the patient out of every connected service, as deleting the login does but
    keeping the login: each service that holds live tokens or the patient's consent
    (``services_used_by``) is sent a back-channel logout where it registered for one, and
    every token and unused authorization code is revoked, so nothing issued before can be
    used or refreshed. Consents stay (they are the patient's choices). Returns the notices."""
    notices = queue_backchannel_logout(user, reason, list(services_used_by(user)))
    revoke_every_token(user)
    return notices


def revoke_every_token(user: User) -> None:
    """Revoke every token any service holds for this patient and every unused authorization
    code, so nothing issued before can be used or refreshed."""
    live_refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    holding = Service.objects.filter(
        Q(pk__in=live_refresh.values("application_id"))
        | Q(pk__in=AccessToken.objects.filter(user=user).values("application_id"))
    )
    for service in holding:
        revoke_tokens(user, service)
    Grant.objects.filter(user=user).delete()


def services_signed_in_to(user: User):
    """Services with a back-channel logout URI that hold live tokens for this patient."""
    with_tokens = RefreshToken.objects.filter(user=user, revoked__isnull=True).values(
        "application_id"
    )
    return Service.objects.filter(pk__in=with_tokens).exclude(backchannel_logout_uri="")


def services_used_by(user: User):
    """Services that hold live tokens for this patient or that the patient still shares
    information with: the ones to tell when the login changes or goes (a service may keep its
    own session after its tokens have expired)."""
    with_tokens = RefreshToken.objects.filter(user=user, revoked__isnull=True).values(
        "application_id"
    )
    sharing = Consent.objects.filter(user=user, withdrawn_at__isnull=True).values("service_id")
    return Service.objects.filter(Q(pk__in=with_tokens) | Q(pk__in=sharing))


def queue_security_events(
    user: User, event_type: str, services=None, **attributes
) -> list[SecurityEvent]:
    """Write a security event (``connected_services.security_events``) for each service this
    patient used that asked for them, and queue each after the commit. ``services`` defaults
    to ``services_used_by(user)``; a deletion reads them first, before the cascade.
    ``attributes`` are the event's own (levels, kinds of change; never personal data)."""
    if event_type not in security_events.EVENT_TYPES:
        raise ValueError(f"unknown security event type {event_type!r}")
    if services is None:
        services = services_used_by(user)
    created = [
        SecurityEvent.objects.create(
            service=service, sub=user.sub, event_type=event_type, attributes=attributes
        )
        for service in services
        if service.security_event_uri
    ]
    for event in created:
        # As for logout notices: a broker that is down is logged, and the stored row is
        # queued again by queue_stalled_security_events.
        queue_after_commit(send_security_event, str(event.pk))
    return created


def queue_backchannel_logout(user: User, reason: str, services=None) -> list[LogoutNotice]:
    """Queue a signed logout token for each service (default: those the patient is signed in
    to). The task carries only the notice id; it runs after the transaction commits."""
    if services is None:
        services = services_signed_in_to(user)
    notices = [
        LogoutNotice.objects.create(service=service, sub=user.sub, reason=reason)
        for service in services
        if service.backchannel_logout_uri
    ]
    for notice in notices:
        # A broker that is down is logged, not turned into an error page for a change that
        # has happened; the notice row stays, and queue_stalled_logout_notices queues it again.
        queue_after_commit(send_backchannel_logout, str(notice.pk))
    return notices


def set_client_user_metadata(user: User, service: Service, value: str) -> str:
    """Set (``""`` clears, ``"auto"`` generates) what a service keeps about this patient."""
    if value == "auto":
        value = secrets.token_urlsafe(24)
    Consent.objects.filter(user_id=user.pk, service_id=service.pk).update(
        client_user_metadata=value
    )
    return value
