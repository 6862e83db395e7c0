"""A patient with something in every part of what we keep, and the secret values that must
never leave the service (for the download and deletion tests)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from accounts import events
from accounts.models import EmailCode, PhoneDevice, RememberedBrowser, User
from accounts.services import set_proofing_level
from connected_services.models import AccessToken, Consent, Grant, RefreshToken, Service
from core import audit
from tests.verification.gp_online.helpers import (
    make_details,
    make_practice,
    make_registered_patient,
)
from verification.idchecks import storage
from verification.models import IdCheck, IdCheckMedia, Identity

PASSWORD = "correct horse battery"
NHS_NUMBER = "9434765919"


@dataclass
class Everything:
    user: User
    service: Service
    id_check: IdCheck
    media_names: list[str]
    secrets: dict[str, str] = field(default_factory=dict)


def make_service(backchannel_logout_uri="", **fields) -> Service:
    values = {
        "name": "Book a test",
        "client_id": "book-a-test",
        "client_type": Service.CLIENT_PUBLIC,
        "authorization_grant_type": Service.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": "https://service.example/callback",
        "url": "https://service.example/",
        "backchannel_logout_uri": backchannel_logout_uri,
        "has_care_benefit": True,
        "is_nhs_commissioned": True,
        "is_free_at_point_of_delivery": True,
        "is_live": True,
    }
    values.update(fields)
    return Service.objects.create(**values)


def patient_with_everything(user: User, *, backchannel_logout_uri="") -> Everything:
    """Give ``user`` an identity, a phone device, a remembered browser, a service with a
    consent and tokens, a decided ID check with media in the storage, used GP online
    details and audit events."""
    now = timezone.now()
    PhoneDevice.objects.get_or_create(
        user=user,
        defaults={"name": "mobile", "number": user.phone_number, "kind": "mobile"},
    )
    Identity.objects.create(
        user=user,
        nhs_number=NHS_NUMBER,
        given_name="Jane",
        family_name="Smith",
        birth_date=datetime.date(1985, 4, 12),
        postcode="LS1 4AP",
        gp_ods_code="A12345",
        traced_at=now,
    )
    browser_token = "remembered-browser-token-value"
    browser = RememberedBrowser.objects.create(
        user=user,
        token_hash=RememberedBrowser.hash_token(browser_token),
        description="Firefox on Linux",
        expires_at=now + RememberedBrowser.LIFETIME,
    )
    email_code = EmailCode.objects.create(
        user=user, email="next@example.com", purpose=EmailCode.Purpose.CHANGE
    )
    email_code.new_code()

    service = make_service(backchannel_logout_uri)
    Consent.objects.create(
        user=user,
        service=service,
        claims=["nhs_number", "family_name", "birthdate"],
        scopes=["openid", "profile"],
        level="P9",
        granted_at=now,
        last_used_at=now,
    )
    expires = now + datetime.timedelta(hours=1)
    access = AccessToken.objects.create(
        user=user, application=service, token="access-token-secret-1", expires=expires
    )
    RefreshToken.objects.create(
        user=user, application=service, token="refresh-token-secret-1", access_token=access
    )
    Grant.objects.create(
        user=user,
        application=service,
        code="grant-code-secret-1",
        expires=expires,
        redirect_uri="https://service.example/callback",
        scope="openid",
    )

    check = IdCheck.objects.create(
        user=user,
        status=IdCheck.Status.REJECTED,
        document_type="uk_passport",
        method="face_scan",
        digits="4719",
        submitted_at=now,
        decided_at=now,
        rejection_reason=IdCheck.RejectionReason.UNREADABLE,
        decision_note="staff-only note: looked edited",
    )
    names = []
    for kind in ("document_front", "face"):
        name = storage.save_encrypted(b"not really a photo " + kind.encode())
        IdCheckMedia.objects.create(
            id_check=check,
            kind=kind,
            storage_name=name,
            content_type="image/jpeg",
            size=20,
            sha256="0" * 64,
        )
        names.append(name)

    practice = make_practice()
    registered = make_registered_patient(practice)
    details, linkage_key = make_details(registered)
    details.used_by = user
    details.used_at = now
    details.save()

    set_proofing_level(user, "P9", route="GP online details")
    audit.record(events.SIGNED_IN, user=user, actor=user, second_factor="security code")
    user.refresh_from_db()
    return Everything(
        user=user,
        service=service,
        id_check=check,
        media_names=names,
        secrets={
            "password hash": user.password,
            "linkage key": linkage_key,
            "access token": "access-token-secret-1",
            "refresh token": "refresh-token-secret-1",
            "grant code": "grant-code-secret-1",
            "browser token": browser_token,
            "browser token hash": browser.token_hash,
            "email code hash": email_code.code_hash,
            "staff note": "staff-only note: looked edited",
            "media name": names[0],
        },
    )
