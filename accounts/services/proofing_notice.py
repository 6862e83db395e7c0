"""The "If this was not you" notice: the email sent after any P9, and what its link does.

Every P9 route goes through ``accounts.services.set_proofing_level``, which calls
``send_notice`` in its own transaction: the email goes after the commit, or not at all. The
link carries a random token (only its keyed hash is kept) that works once, for
``PROOFING_NOTICE_DAYS``. Confirming on the page (``dispute_proofing``) takes the login back
to P0, ends every session, signs it out of every connected service, cancels the password and
removes passkeys, and opens a support case; while the case is open the login cannot be
fast-tracked to P9 (``accounts.services.proofing_hold``). Why each of these: ADR 0047.
"""

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts import events, messages
from accounts.models import ProofingLevel, ProofingNotice, Session, SupportCase, User
from accounts.services import set_proofing_level
from accounts.services.browsers import forget_browsers
from accounts.services.limits import absolute_url
from accounts.sessions import end_sessions
from connected_services.models import LogoutNotice
from connected_services.services import sign_out_of_every_service
from core import audit, notifications

# The route written on the level change when the owner takes a P9 back down.
DISPUTED_ROUTE = "proofing disputed"
# What the audit events say did it: the owner, through the link in the email (no token).
VIA = "proofing notice"

# How each route reads in the email, for a patient (the keys are set_proofing_level's words).
ROUTE_IN_WORDS = {
    "photo ID and video": "with photo ID and a video of you",
    "photo ID and face scan": "with photo ID and a scan of your face",
    "GP online details": "with the GP online registration details from your GP surgery",
    "fast track": (
        "by the fast track, using the records of your GP surgery or an automatic check of "
        "your photo ID"
    ),
    "GOV.UK One Login": "with the identity you proved with GOV.UK One Login",
}


def route_in_words(route: str) -> str:
    """How a route reads for a patient ("with photo ID and a scan of your face")."""
    if route.startswith("provisioned by "):  # ADR 0065: the organisation's full name follows
        organisation = route.removeprefix("provisioned by ")
        return f"through {organisation}, who confirmed who you are and asked for your NHS login"
    return ROUTE_IN_WORDS.get(route, f"by {route}")


def moment_in_words(moment) -> str:
    """A moment as a patient reads it, in UK time: "3 December 2026 at 1:05pm"."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def send_notice(user: User, *, route: str) -> ProofingNotice:
    """Email the login's owner that it has reached P9 (when, by which route) with a link
    that works once: "If this was not you, tell us now". Called by ``set_proofing_level``
    inside its transaction, so the email is sent after the commit (``core.notifications``)
    and never for a change that was rolled back. Audited (never the token)."""
    token = secrets.token_urlsafe(32)  # 256 random bits: unguessable, and no personal data
    now = timezone.now()
    notice = ProofingNotice.objects.create(
        user=user,
        token_hash=ProofingNotice.hash_token(token),
        route=route,
        proved_at=now,
        expires_at=now + timedelta(days=settings.PROOFING_NOTICE_DAYS),
    )
    notifications.send(
        messages.PROOFING_NOTICE.name,
        user.email,
        {
            "when": moment_in_words(now),
            "how": route_in_words(route),
            "not_you_url": absolute_url("accounts:not_you") + "?" + urlencode({"token": token}),
            "days": settings.PROOFING_NOTICE_DAYS,
        },
        user=user,
    )
    audit.record(events.PROOFING_NOTICE_SENT, user=user, notice=notice.pk, route=route)
    return notice


def usable_notice(token: str | None) -> ProofingNotice | None:
    """The notice this token belongs to, if it can still be used (not used, not expired)."""
    if not token:
        return None
    notice = (
        ProofingNotice.objects.select_related("user")
        .filter(token_hash=ProofingNotice.hash_token(token))
        .first()
    )
    return notice if notice is not None and notice.usable else None


def _refuse(request, notice: ProofingNotice | None) -> None:
    reason = "unknown" if notice is None else "used" if notice.used_at else "expired"
    audit.record(
        events.PROOFING_NOTICE_REFUSED,
        request=request,
        user=notice.user if notice else None,
        notice=notice.pk if notice else None,
        reason=reason,
    )


@transaction.atomic
def dispute_proofing(request, token: str | None) -> SupportCase | None:
    """The owner says "this was not me" through the link in the email. In one transaction:

    - every unused notice of the login is used up (the token works once);
    - the level goes back to P0 (the ``Identity`` stays, for the investigation; the login
      must prove who it is again, and is held from the fast track while the case is open);
    - every session of the login ends and its remembered browsers are forgotten;
    - every connected service with tokens or consent is sent a back-channel logout and its
      tokens are revoked (``connected_services.services.sign_out_of_every_service``);
    - the password is cancelled and passkeys are removed: whoever proved may know them;
    - a "proofing disputed" support case is opened;
    - an email tells the owner what was done and what to do next.

    Each step writes an audit event with the login as its actor and ``via`` "proofing
    notice". Returns the case, or None when the token is unknown, used or expired (nothing
    changes then but an audit event)."""
    notice = (
        ProofingNotice.objects.select_for_update()
        .filter(token_hash=ProofingNotice.hash_token(token or ""))
        .first()
        if token
        else None
    )
    if notice is None or not notice.usable:
        _refuse(request, notice)
        return None
    user = User.objects.select_for_update().get(pk=notice.user_id)
    now = timezone.now()
    ProofingNotice.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    level_before = user.proofing_level
    said = {"actor": user, "via": VIA}

    audit.record(
        events.PROOFING_DISPUTED,
        request=request,
        user=user,
        notice=notice.pk,
        route=notice.route,
        level=level_before,
        **said,
    )
    if level_before != ProofingLevel.P0:
        set_proofing_level(
            user, ProofingLevel.P0, route=DISPUTED_ROUTE, request=request, actor=user
        )

    ended = end_sessions(Session.objects.filter(user_id=user.pk))
    audit.record(events.SIGNED_OUT_EVERYWHERE, request=request, user=user, count=ended, **said)
    forget_browsers(request, user)  # its own audit event, when there were any

    told = sign_out_of_every_service(user, LogoutNotice.Reason.PROOFING_DISPUTED)
    audit.record(
        events.SIGNED_OUT_OF_SERVICES,
        request=request,
        user=user,
        services=[n.service.client_id for n in told],
        **said,
    )

    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit.record(events.PASSWORD_CANCELLED, request=request, user=user, **said)
    passkeys = _remove_passkeys(user)
    if passkeys:
        audit.record(events.PASSKEYS_REMOVED, request=request, user=user, count=passkeys, **said)

    case = SupportCase.objects.create(
        user=user,
        kind=SupportCase.Kind.PROOFING_DISPUTED,
        level_before=level_before,
        route_disputed=notice.route,
    )
    audit.record(
        events.SUPPORT_CASE_OPENED,
        request=request,
        user=user,
        case=case.pk,
        kind=case.kind,
        **said,
    )
    notifications.send(
        messages.PROOFING_DISPUTED.name,
        user.email,
        {
            "when": moment_in_words(notice.proved_at),
            "reset_url": absolute_url("accounts:password_forgotten"),
        },
        user=user,
    )
    signed_in = getattr(request, "user", None)
    if signed_in is not None and signed_in.pk == user.pk:
        # Its row is gone with the others: start this browser afresh, signed out. Not
        # logout(): its signal would tell the services a second time.
        request.session.flush()
        request.user = AnonymousUser()
    return case


def _remove_passkeys(user: User) -> int:
    """Delete the login's passkeys: each signs in with no password or code. Returns how many."""
    from django_otp_webauthn.models import WebAuthnCredential

    passkeys = WebAuthnCredential.objects.filter(user=user)
    count = passkeys.count()
    passkeys.delete()
    return count
