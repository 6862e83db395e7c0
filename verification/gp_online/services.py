"""GP online registration details: what practice staff and patients can do with them.

Staff (Django admin) create, revoke and reissue details and print the letter; a patient uses
them to prove who they are to a high level (P9); a P5 patient whose verified mobile matches
their GP record takes the fast track. Each function writes its own audit event.

Connected services read the GP claims through ``gp_integration_credentials`` (one place).
"""

import datetime
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ProofingLevel, User
from accounts.services import proofing_hold, set_proofing_level
from core import audit
from core.ratelimit import Limit
from verification.ages import old_enough_for_p9
from verification.gp_online import events
from verification.models import (
    Identity,
    OnlineRegistrationDetails,
    Practice,
    PracticeStaff,
    RegisteredPatient,
)

# Letters and digits a reader cannot mistake for one another: no 0/O, 1/I/L.
LINKAGE_KEY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINKAGE_KEY_LENGTH = 15
ACCOUNT_ID_LENGTH = 10

ROUTE = "GP online details"
FAST_TRACK_ROUTE = "fast track"

# Compared against when no details have the Account ID, so a miss takes as long as a hit.
_DUMMY_KEY = "X" * LINKAGE_KEY_LENGTH


def account_limit() -> Limit:
    return Limit("gp_online:account", settings.GP_ONLINE_ATTEMPTS_PER_ACCOUNT, 3600)


def address_limit() -> Limit:
    return Limit("gp_online:address", settings.GP_ONLINE_ATTEMPTS_PER_ADDRESS, 3600)


# --- Typed input -------------------------------------------------------------------------


def normalise_code(value: str) -> str:
    """Account IDs, linkage keys and ODS codes as typed: spaces and dashes out, capitals."""
    return "".join(ch for ch in (value or "") if ch not in " -\t").upper()


def format_linkage_key(key: str) -> str:
    """Groups of 5 for the letter, easier to copy: ABCDE FGHJK MNPQR."""
    return " ".join(key[i : i + 5] for i in range(0, len(key), 5))


def _normalise_name(value: str) -> str:
    return " ".join((value or "").replace("-", " ").replace("'", "").split()).casefold()


# --- Practice staff ----------------------------------------------------------------------


def practice_of(user) -> Practice | None:
    """The practice a member of staff works at, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = PracticeStaff.objects.filter(user=user).select_related("practice").first()
    return membership.practice if membership else None


def _new_account_id() -> str:
    while True:
        candidate = str(secrets.randbelow(9 * 10 ** (ACCOUNT_ID_LENGTH - 1)) + 10**9)
        if not OnlineRegistrationDetails.objects.filter(account_id=candidate).exists():
            return candidate


def new_linkage_key() -> str:
    return "".join(secrets.choice(LINKAGE_KEY_ALPHABET) for _ in range(LINKAGE_KEY_LENGTH))


def _audit_staff(event, details, staff, request, **extra):
    audit.record(
        event,
        request=request,
        user=details.used_by,
        actor=staff,
        details_id=details.pk,
        registered_patient_id=details.patient_id,
        practice=details.ods_code,
        **extra,
    )


@transaction.atomic
def create_details(
    patient: RegisteredPatient, *, staff, request=None, replaces=None
) -> OnlineRegistrationDetails:
    """Create new online registration details for a registered patient.

    A patient has at most one set of current details: any current ones are revoked first.
    The caller shows the linkage key to staff now (and in the letter); it is never shown again.
    """
    for old in OnlineRegistrationDetails.objects.select_for_update().filter(
        patient=patient, revoked_at__isnull=True, used_at__isnull=True
    ):
        if old != replaces:
            revoke_details(old, staff=staff, request=request)
    for _ in range(5):
        try:
            with transaction.atomic():
                details = OnlineRegistrationDetails.objects.create(
                    patient=patient,
                    account_id=_new_account_id(),
                    linkage_key=new_linkage_key(),
                    ods_code=patient.practice.ods_code,
                    created_by=staff,
                    expires_at=timezone.now()
                    + datetime.timedelta(days=settings.GP_ONLINE_DETAILS_EXPIRY_DAYS),
                    replaces=replaces,
                )
            break
        except IntegrityError:  # two Account IDs drawn at once; draw again
            continue
    else:
        raise RuntimeError("could not draw a unique Account ID")
    _audit_staff(events.DETAILS_CREATED, details, staff, request)
    return details


@transaction.atomic
def revoke_details(details: OnlineRegistrationDetails, *, staff, request=None) -> bool:
    """Stop details working (and stop their GP claims going to services). False if already."""
    details = OnlineRegistrationDetails.objects.select_for_update().get(pk=details.pk)
    if details.revoked_at:
        return False
    details.revoked_at = timezone.now()
    details.revoked_by = staff
    details.save(update_fields=["revoked_at", "revoked_by"])
    _audit_staff(events.DETAILS_REVOKED, details, staff, request)
    return True


@transaction.atomic
def reissue_details(
    details: OnlineRegistrationDetails, *, staff, request=None
) -> OnlineRegistrationDetails:
    """Revoke these details and create new ones for the same patient."""
    revoke_details(details, staff=staff, request=request)
    new = create_details(details.patient, staff=staff, request=request, replaces=details)
    _audit_staff(events.DETAILS_REISSUED, new, staff, request, replaces_id=details.pk)
    return new


def record_letter_printed(details: OnlineRegistrationDetails, *, staff, request=None) -> None:
    """Note that staff opened the printable letter."""
    _audit_staff(events.LETTER_PRINTED, details, staff, request)


# --- Patients ----------------------------------------------------------------------------


class Outcome(StrEnum):
    PROVED = "proved"
    NOT_MATCHED = "not_matched"
    TOO_YOUNG = "too_young"
    TOO_MANY_TRIES = "too_many_tries"


def _identity_of(user) -> Identity | None:
    return Identity.objects.filter(user=user).first()


def too_young_for_p9(user) -> bool:
    """True if we already know (from the P5 identity) that the patient is under the minimum."""
    identity = _identity_of(user)
    return identity is not None and not old_enough_for_p9(identity.birth_date)


def is_locked(request) -> bool:
    address = audit.client_address(request) or "unknown"
    return account_limit().exceeded(str(request.user.pk)) or address_limit().exceeded(address)


def _refuse(request, reason: str) -> Outcome:
    address = audit.client_address(request) or "unknown"
    account_count = account_limit().hit(str(request.user.pk))
    address_count = address_limit().hit(address)
    audit.record(events.DETAILS_REFUSED, request=request, user=request.user, reason=reason)
    if account_count >= account_limit().attempts or address_count >= address_limit().attempts:
        audit.record(events.TOO_MANY_TRIES, request=request, user=request.user)
    return Outcome.NOT_MATCHED


def use_details(
    request,
    *,
    account_id: str,
    linkage_key: str,
    ods_code: str,
    family_name: str | None = None,
    birth_date: datetime.date | None = None,
) -> Outcome:
    """A patient proves who they are with their GP online registration details.

    The details must be current and belong to the same person as the patient's P5 identity
    (same NHS number), or, for a patient with no identity yet, the surname and date of birth
    they typed must match the GP record; then the identity is created from that record.
    On success: P9 (route "GP online details"), the details are used, the GP claims kept.
    The outcome never says which part was wrong; the audit event keeps the reason for staff.
    """
    user: User = request.user
    if is_locked(request):
        audit.record(events.TOO_MANY_TRIES, request=request, user=user)
        return Outcome.TOO_MANY_TRIES

    details = (
        OnlineRegistrationDetails.objects.select_related("patient")
        .filter(account_id=normalise_code(account_id), ods_code=normalise_code(ods_code))
        .first()
    )
    key_matches = (details or _dummy()).linkage_key_matches(normalise_code(linkage_key))
    if details is None or not key_matches:
        return _refuse(request, "no_such_details")
    if not details.is_current:
        return _refuse(request, str(details.status))

    patient = details.patient
    identity = _identity_of(user)
    if identity is not None:
        if identity.nhs_number_index != patient.nhs_number_index:
            return _refuse(request, "different_person")
    else:
        if not (
            family_name
            and birth_date
            and _normalise_name(family_name) == _normalise_name(patient.family_name)
            and birth_date == patient.birth_date
        ):
            return _refuse(request, "different_person")
        if Identity.for_nhs_number(patient.nhs_number).exists():
            # Someone else has already proved they are this person.
            return _refuse(request, "identity_in_use")

    if not old_enough_for_p9(patient.birth_date):
        audit.record(events.TOO_YOUNG, request=request, user=user, route=ROUTE)
        return Outcome.TOO_YOUNG

    with transaction.atomic():
        details = OnlineRegistrationDetails.objects.select_for_update().get(pk=details.pk)
        if not details.is_current:  # used by a parallel request a moment ago
            return _refuse(request, str(details.status))
        _mark_used(details, user)
        _keep_gp_registration(user, patient, details.ods_code)
        set_proofing_level(user, ProofingLevel.P9, route=ROUTE, request=request)
        audit.record(events.DETAILS_USED, request=request, user=user, details_id=details.pk)
    account_limit().reset(str(user.pk))
    return Outcome.PROVED


def _dummy() -> OnlineRegistrationDetails:
    return OnlineRegistrationDetails(linkage_key=_DUMMY_KEY)


def _mark_used(details: OnlineRegistrationDetails, user) -> None:
    details.used_at = timezone.now()
    details.used_by = user
    details.save(update_fields=["used_at", "used_by"])


def _keep_gp_registration(user, patient: RegisteredPatient, ods_code: str) -> None:
    identity = _identity_of(user)
    if identity is None:
        identity = Identity(
            user=user,
            nhs_number=patient.nhs_number,
            given_name=patient.given_name,
            family_name=patient.family_name,
            birth_date=patient.birth_date,
            postcode=patient.postcode,
            traced_at=timezone.now(),
        )
    identity.gp_ods_code = ods_code
    identity.save()


@dataclass(frozen=True)
class FastTrackOffer:
    details_id: int
    practice_name: str


def fast_track_offer(user) -> FastTrackOffer | None:
    """The fast track to P9, if this patient can take it.

    A P5 patient, old enough, whose practice holds current online registration details for
    them (same NHS number) and whose verified mobile equals the mobile on their GP record.
    Never while the owner's "this was not me" about an earlier P9 is open (``proofing_hold``).
    """
    if not user.is_authenticated or user.proofing_level != ProofingLevel.P5:
        return None
    if proofing_hold(user):
        return None
    if not (user.phone_verified and user.phone_kind == User.PhoneKind.MOBILE and user.phone_number):
        return None
    identity = _identity_of(user)
    if identity is None or not old_enough_for_p9(identity.birth_date):
        return None
    candidates = OnlineRegistrationDetails.objects.current().filter(
        patient__nhs_number_index=identity.nhs_number_index,
        patient__mobile_number=user.phone_number,
    )
    if identity.gp_ods_code:
        candidates = candidates.filter(ods_code=identity.gp_ods_code)
    details = candidates.select_related("patient__practice").order_by("-created_at").first()
    if details is None:
        return None
    return FastTrackOffer(details.pk, details.patient.practice.name)


def take_fast_track(request) -> bool:
    """Raise a P5 patient to P9 by the fast track (route "fast track"). False if not offered."""
    user = request.user
    with transaction.atomic():
        offer = fast_track_offer(user)
        if offer is None:
            return False
        details = OnlineRegistrationDetails.objects.select_for_update().get(pk=offer.details_id)
        if not details.is_current:
            return False
        _mark_used(details, user)
        _keep_gp_registration(user, details.patient, details.ods_code)
        set_proofing_level(user, ProofingLevel.P9, route=FAST_TRACK_ROUTE, request=request)
        audit.record(events.FAST_TRACK_USED, request=request, user=user, details_id=details.pk)
    return True


# --- Connected services ------------------------------------------------------------------


def gp_integration_credentials(user) -> dict | None:
    """The ``gp_integration_credentials`` claims for a connected service allowed them.

    Returns ``{"gp_user_id": Account ID, "gp_linkage_key": key, "gp_ods_code": code}`` from
    the details this P9 patient used (online details or fast track), or None if they have
    none, or the practice has since revoked them. The OIDC provider decides which clients
    may receive these; ``gp_ods_code`` alone (scope ``gp_registration_details``) is on
    ``Identity.gp_ods_code``.
    """
    # ``user`` may be a User or the provider's lightweight token user: only ``pk`` and
    # ``proofing_level`` are read.
    if ProofingLevel.rank(user.proofing_level) < ProofingLevel.rank(ProofingLevel.P9):
        return None
    details = (
        OnlineRegistrationDetails.objects.filter(used_by_id=user.pk, revoked_at__isnull=True)
        .order_by("-used_at")
        .first()
    )
    if details is None:
        return None
    return {
        "gp_user_id": details.account_id,
        "gp_linkage_key": details.linkage_key,
        "gp_ods_code": details.ods_code,
    }
