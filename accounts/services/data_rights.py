"""A patient's rights over what we keep about them: a copy of it (UK GDPR right of access
and portability) and deleting their NHS login (right to erasure).

Both are asked for on pages that need the current password again
(``sign_in.check_current_password``). What deletion keeps, and why: ADR 0014.
"""

import json
import uuid

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import events, messages
from accounts.models import AuthenticatorApp, RememberedBrowser, Session, User
from accounts.services.limits import absolute_url
from accounts.sessions import end_sessions
from accounts.tasks import end_sessions_of_deleted_login
from connected_services.claims import CLAIM_DESCRIPTIONS
from connected_services.models import Consent
from core import audit, notifications
from core.models import AuditEvent
from core.queueing import queue_after_commit
from verification.idchecks.services import delete_media
from verification.models import IdCheck, Identity, OnlineRegistrationDetails

FORMAT_VERSION = 1

# Audit events a deleted login leaves behind, unlinked from it: how identities were proved
# and what staff decided about them (ADR 0014). Every other event about the patient goes.
KEPT_EVENT_PREFIXES = ("identity.", "idcheck.", "gp_online.", "one_login.identity_")


class StaffLoginError(Exception):
    """Staff logins are deleted by an administrator, not from the patient's pages."""


# --- Download your data ----------------------------------------------------------------------


def _when(value):
    """A moment as ISO 8601 in UK time (``2026-11-21T14:05:00+00:00``), or None."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _proofing_route(user: User) -> dict:
    """How the current level was reached, from the audit event that set it."""
    if user.proofing_level == "P0":
        return {"how": "email address and phone number confirmed", "when": _when(user.date_joined)}
    event = (
        AuditEvent.objects.filter(
            user=user, event=events.PROOFING_LEVEL_CHANGED, details__level=user.proofing_level
        )
        .order_by("-occurred_at", "-id")
        .first()
    )
    if event is None:
        return {"how": None, "when": None}
    return {"how": event.details.get("route"), "when": _when(event.occurred_at)}


def _login(user: User) -> dict:
    route = _proofing_route(user)
    return {
        "email_address": user.email,
        "email_address_confirmed": user.email_verified,
        "phone_number": user.phone_number,
        "phone_type": user.phone_kind,
        "phone_number_confirmed": user.phone_verified,
        "created": _when(user.date_joined),
        "terms_of_use_accepted": _when(user.terms_accepted_at),
        "last_signed_in": _when(user.last_login),
        "level_of_proof": user.proofing_level,
        "level_of_proof_name": user.get_proofing_level_display(),
        "level_of_proof_reached_by": route["how"],
        "level_of_proof_reached": route["when"],
    }


# Said in place of what only the NHS record told us, below P9.
NOT_SHOWN_BELOW_P9 = (
    "We found your NHS record. We show your NHS number and GP practice from it once you have "
    "proved who you are with photo ID or GP online registration details."
)


def _identity(user: User) -> dict | None:
    """Who the patient is. Below P9 the login holder has only typed details that matched a
    record, and may not be that person: what only the record says (the NHS number, the GP
    practice) is left out, as the P5 pages never show the traced NHS number (DESIGN.md)."""
    identity = Identity.objects.filter(user=user).first()
    if identity is None:
        return None
    proved_in_person = user.proofing_level == "P9"
    return {
        "nhs_number": identity.nhs_number if proved_in_person else NOT_SHOWN_BELOW_P9,
        "first_name": identity.given_name,
        "last_name": identity.family_name,
        "date_of_birth": identity.birth_date.isoformat(),
        "postcode": identity.postcode,
        "gp_practice_code": identity.gp_ods_code if proved_in_person else NOT_SHOWN_BELOW_P9,
        "nation": identity.get_nation_display() if identity.nation else None,
        "matched_to_nhs_record": _when(identity.traced_at),
    }


def _browsers(user: User) -> list[dict]:
    return [
        {
            "description": browser.description,
            "added": _when(browser.created_at),
            "last_used": _when(browser.last_used_at),
            "expires": _when(browser.expires_at),
            "forgotten": _when(browser.revoked_at),
        }
        for browser in RememberedBrowser.objects.filter(user=user).order_by("created_at")
    ]


def _passkeys(user: User) -> list[dict]:
    # Not the public key or the credential id: they say nothing a person can use.
    from django_otp_webauthn.models import WebAuthnCredential

    return [
        {
            "name": passkey.name,
            "added": _when(passkey.created_at),
            "last_used": _when(passkey.last_used_at),
        }
        for passkey in WebAuthnCredential.objects.filter(user=user).order_by("created_at")
    ]


def _authenticator_app(user: User) -> dict | None:
    # Never the secret: with it anyone could make the codes.
    app = AuthenticatorApp.objects.filter(user=user, confirmed=True).order_by("-id").first()
    if app is None:
        return None
    return {"added": _when(app.created_at), "last_used": _when(app.last_used_at)}


def _services(user: User) -> list[dict]:
    consents = Consent.objects.filter(user=user).select_related("service").order_by("granted_at")
    return [
        {
            "service": consent.service.name,
            "service_address": consent.service.url or None,
            "information_shared": [CLAIM_DESCRIPTIONS.get(c, c) for c in consent.claims],
            "level_of_proof_shared": consent.level,
            "agreed": _when(consent.granted_at),
            "last_used": _when(consent.last_used_at),
            "stopped_sharing": _when(consent.withdrawn_at),
        }
        for consent in consents
    ]


def _activity(user: User) -> list[dict]:
    """As the activity page shows it: when, and the sentence the patient reads."""
    return [
        {"when": _when(event.occurred_at), "what": audit.description(event)}
        for event in audit.visible_events_for(user).order_by("occurred_at", "id")
    ]


def _id_checks(user: User) -> list[dict]:
    """The photo ID checks, without the photos and videos themselves, the automated
    results or what identity checkers noted for each other."""
    checks = IdCheck.objects.filter(user=user).prefetch_related("media").order_by("created_at")
    return [
        {
            "status": check.get_status_display(),
            "photo_id": check.get_document_type_display() or None,
            "way_of_showing_your_face": check.get_method_display() or None,
            "started": _when(check.created_at),
            "sent": _when(check.submitted_at),
            "decided": _when(check.decided_at),
            "decision": {
                IdCheck.Status.APPROVED: "approved",
                IdCheck.Status.REJECTED: "not approved",
            }.get(check.status),
            "reason": check.get_rejection_reason_display() or None,
            "details_you_gave": {
                key: value
                for key, value in check.entered.items()
                if key in ("given_name", "family_name", "birth_date", "postcode", "nhs_number")
            },
            "photos_and_videos_kept": [media.get_kind_display() for media in check.media.all()],
            "photos_and_videos_deleted": _when(check.media_deleted_at),
        }
        for check in checks
    ]


def _gp_online(user: User) -> list[dict]:
    """GP online registration details the patient used (never the linkage key)."""
    return [
        {
            "account_id": details.account_id,
            "gp_practice_code": details.ods_code,
            "used": _when(details.used_at),
            "cancelled_by_practice": _when(details.revoked_at),
        }
        for details in OnlineRegistrationDetails.objects.filter(used_by=user).order_by("used_at")
    ]


def _one_login(user: User) -> dict | None:
    """The GOV.UK One Login linked to this login: its identifier here (One Login gives each
    service its own) and when it was linked and last used. Nothing else is kept from it."""
    from allauth.socialaccount.models import SocialAccount

    link = SocialAccount.objects.filter(user=user, provider="one_login").first()
    if link is None:
        return None
    from accounts.one_login.services import last_sign_in

    return {
        "identifier": link.uid,
        "linked": _when(link.date_joined),
        "last_used_to_sign_in": _when(last_sign_in(user)),
    }


def data_about(user: User) -> dict:
    """Everything we keep about a patient, for a person to read and a program to use.

    Never password hashes, security codes, tokens, linkage keys, session keys, the
    authenticator app's secret, the ID check photos and videos, or staff-only notes."""
    return {
        "about_this_file": {
            "what_it_is": "The information NHS login keeps about you",
            "made": _when(timezone.now()),
            "format_version": FORMAT_VERSION,
        },
        "your_login": _login(user),
        "who_you_are": _identity(user),
        "remembered_browsers": _browsers(user),
        "passkeys": _passkeys(user),
        "authenticator_app": _authenticator_app(user),
        "services_you_used": _services(user),
        "account_activity": _activity(user),
        "photo_id_checks": _id_checks(user),
        "gp_online_registration_details": _gp_online(user),
        "gov_uk_one_login": _one_login(user),
    }


def download(request, user: User) -> tuple[str, bytes]:
    """The patient's data as a JSON file: its name and its content. Leaves an audit event."""
    content = json.dumps(data_about(user), indent=2, ensure_ascii=False).encode()
    audit.record(events.DATA_DOWNLOADED, request=request, user=user)
    return f"nhs-login-data-{timezone.localdate():%Y-%m-%d}.json", content


# --- Delete your NHS login -------------------------------------------------------------------


@transaction.atomic
def delete_login(request, user: User) -> None:
    """Delete a patient's NHS login at their request, and sign this browser out
    (``erase_login`` says what goes and what stays)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff:
        raise StaffLoginError
    request.session.flush()  # not logout(): its signal would tell services twice
    request.user = AnonymousUser()
    erase_login(user, by="patient", message=messages.LOGIN_DELETED)


def erase_login(user: User, *, by: str, message) -> None:
    """Delete an NHS login and what we keep about them, in the caller's transaction.

    - ID check photos and videos go from the storage as well as their rows;
    - the audit events of how their identity was proved and decided stay, unlinked from the
      login and tagged with one random reference; every other event about them goes; an
      ``account.deleted`` event with no personal data is written (ADR 0014), saying ``by``
      whom (the patient, or "inactivity");
    - connected services are sent a back-channel logout by the ``pre_delete`` receiver
      (``connected_services.signals``), tokens and grants go with the login;
    - the patient's sessions stop working at once (no login to load) and are removed after
      the commit by ``end_sessions_of_deleted_login``;
    - ``message``, an email to the address that was on the login, not linked to it, so it
      survives.
    """
    if user.is_staff:
        raise StaffLoginError
    now = timezone.now()
    for check in IdCheck.objects.filter(user=user):
        delete_media(check, now)

    reference = uuid.uuid4().hex
    kept = AuditEvent.objects.filter(user=user).filter(
        Q.create([("event__startswith", prefix) for prefix in KEPT_EVENT_PREFIXES], Q.OR)
    )
    kept_count = 0
    for event in kept:
        event.details = {**event.details, "deleted_login": reference}
        event.user = None
        if event.actor_id == user.pk:
            event.actor = None
        event.save(update_fields=["details", "user", "actor"])
        kept_count += 1
    AuditEvent.objects.filter(Q(user=user) | Q(actor=user, user__isnull=True)).delete()
    audit.record(
        events.LOGIN_DELETED,
        by=by,
        level=user.proofing_level,
        kept_events=kept_count,
        deleted_login=reference,
    )
    notifications.send(
        message.name,
        user.email,
        {"create_url": absolute_url("accounts:create")},
        user=None,  # a notification linked to the login would be deleted with it
    )
    user_id = user.pk
    user.delete()
    # A broker that is down is logged: the login is gone whatever happens to the queue, and
    # its sessions cannot be used.
    queue_after_commit(end_sessions_of_deleted_login, user_id)


def end_sessions_of(user_id: int) -> int:
    """Delete every session signed in as login ``user_id`` (rows and cached copies), with
    whatever journey each held. Returns how many ended."""
    return end_sessions(Session.objects.filter(user_id=user_id))
