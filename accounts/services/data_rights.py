"""A patient's rights over what we keep about them: a copy of it (UK GDPR right of access
and portability) and deleting their NHS login (right to erasure).

Both are asked for on pages that need the current password again
(``sign_in.check_current_password``). What deletion keeps, and why: ADR 0014.
"""

import json

from django.utils import timezone

from accounts import events
from accounts.models import RememberedBrowser, User
from connected_services.claims import CLAIM_DESCRIPTIONS
from connected_services.models import Consent
from core import audit
from core.models import AuditEvent
from verification.models import IdCheck, Identity, OnlineRegistrationDetails

FORMAT_VERSION = 1

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


def _identity(user: User) -> dict | None:
    identity = Identity.objects.filter(user=user).first()
    if identity is None:
        return None
    return {
        "nhs_number": identity.nhs_number,
        "first_name": identity.given_name,
        "last_name": identity.family_name,
        "date_of_birth": identity.birth_date.isoformat(),
        "postcode": identity.postcode,
        "gp_practice_code": identity.gp_ods_code,
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


def data_about(user: User) -> dict:
    """Everything we keep about a patient, for a person to read and a program to use.

    Never password hashes, security codes, tokens, linkage keys, session keys, the ID check
    photos and videos, or staff-only notes."""
    return {
        "about_this_file": {
            "what_it_is": "The information NHS login keeps about you",
            "made": _when(timezone.now()),
            "format_version": FORMAT_VERSION,
        },
        "your_login": _login(user),
        "who_you_are": _identity(user),
        "remembered_browsers": _browsers(user),
        "services_you_used": _services(user),
        "account_activity": _activity(user),
        "photo_id_checks": _id_checks(user),
        "gp_online_registration_details": _gp_online(user),
    }


def download(request, user: User) -> tuple[str, bytes]:
    """The patient's data as a JSON file: its name and its content. Leaves an audit event."""
    content = json.dumps(data_about(user), indent=2, ensure_ascii=False).encode()
    audit.record(events.DATA_DOWNLOADED, request=request, user=user)
    return f"nhs-login-data-{timezone.localdate():%Y-%m-%d}.json", content
